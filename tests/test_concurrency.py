"""Two processes on one database at once: no "database is locked", no lost mark.

Process A marks random articles read and unread (``Store.mark_read`` and ``restore_read``);
process B imports batches of new articles and edited versions of old ones (``Store.save``) and
marks too. Each article has one owner (A the even ids, B the odd ids), so the final state of
every article is the last one its owner wrote, whatever the interleaving. Each process also
checks, at every mark, that the previous state ``mark_read`` reports is the one it last wrote
(a lost update would show there first). Any exception reaching either process is a failure.

And the reading screen sees another process's mark after ``r``.
"""

from __future__ import annotations

import json
import multiprocessing
import random
import sqlite3
import statistics
import subprocess
import sys
import time
import traceback
from pathlib import Path

from reader.article import Article, Block
from reader.store import Store
from tests.conftest import header, settle
from tests.test_crash import check_counters

READER = Path(sys.executable).parent / "reader"
OPERATIONS = 2000  # per process
INITIAL = 600  # articles before the race
BATCH = 10  # articles per save in process B
# Between two operations of a process. With none, a process committing back to back can keep
# the other waiting for seconds (SQLite's busy handler polls; it does not queue), up to the
# 5 s busy timeout under load (measured: up to 3.8 s idle, 4.6 s with other tests running).
PAUSE = 0.0002


def make_article(number: int, version: int = 0) -> Article:
    """Article ``number``; ``version`` > 0 is an edited text of the same article."""
    body = [Block("paragraph", f"Race body {number} paragraph one, version {version}.")]
    if version:
        body.append(Block("paragraph", f"Edited {version} times."))
    return Article(
        headline=f"Race article {number:06d}",
        published=f"20{10 + number % 15}-0{1 + number % 9}-1{number % 10}T12:{number % 60:02d}",
        source="Race",
        lede=f"Lede of {number}.",
        body=tuple(body),
        tags=(f"Race {number % 7}", "Race all") + (("Edited",) if version else ()),
    )


def _ids(store: Store, parity: int) -> list[int]:
    return [
        row[0] for row in store.conn.execute("SELECT id FROM articles WHERE id % 2 = ?", (parity,))
    ]


def race_worker(role: str, db: str, out: str, barrier, done, seed: int) -> None:
    """One side of the race: ``role`` "marker" (A, even ids) or "importer" (B, odd ids).

    Runs ``OPERATIONS`` operations, and on until the other side has run as many
    (``done[role]`` is set once this side has), so that the two race all along. Writes
    ``{"ops", "log", "errors", "lost", "latencies", "start", "end", ...}`` to ``out``.
    """
    rng = random.Random(seed)
    parity = 0 if role == "marker" else 1
    log: dict[int, bool] = {}  # article id -> the last read state this process wrote
    errors: list[str] = []
    lost: list[str] = []  # a mark found changed by someone else
    latencies: list[float] = []
    saves = updates = marks = 0
    store = Store(db)
    try:
        ids = _ids(store, parity)
        barrier.wait(timeout=60)
        start = time.time()
        next_number = INITIAL  # the next new article (process B)
        other = done["importer" if role == "marker" else "marker"]
        op = -1
        while True:
            op += 1
            if op == OPERATIONS:
                done[role].set()
            if op >= OPERATIONS and other.is_set():
                break
            began = time.perf_counter()
            try:
                if role == "importer" and op % 10 == 0:
                    # A batch of new articles (their ids go to both owners by parity).
                    result = store.save([make_article(next_number + k) for k in range(BATCH)])
                    next_number += BATCH
                    assert result.count("new") == BATCH, result.outcomes
                    ids += [i for i in result.ids if i % 2 == parity]
                    saves += 1
                elif role == "importer" and op % 10 == 5:
                    # Edited versions of earlier articles (A's included): updated in place,
                    # their read marks must stay whatever A writes meanwhile.
                    numbers = rng.sample(range(next_number), BATCH)
                    version = op
                    result = store.save([make_article(n, version) for n in numbers])
                    assert result.count("updated") == BATCH, result.outcomes
                    updates += 1
                elif role == "marker" and op % 10 == 9:
                    # The undo of a mark: several exact states at once.
                    if op % 100 == 99:
                        ids = _ids(store, parity)  # take in B's new even-id articles
                    chosen = rng.sample(ids, 3)
                    states = {i: rng.random() < 0.5 for i in chosen}
                    store.restore_read(states)
                    log.update(states)
                    marks += 1
                else:
                    chosen = rng.sample(ids, 1 if op % 3 else 4)
                    state = rng.random() < 0.5
                    previous = store.mark_read(chosen, state)
                    for article_id in chosen:
                        if previous.get(article_id) != log.get(article_id, False):
                            lost.append(
                                f"op {op}: article {article_id} was {previous.get(article_id)},"
                                f" last written {log.get(article_id, False)}"
                            )
                    log.update(dict.fromkeys(chosen, state))
                    marks += 1
            except Exception as error:  # "database is locked" included: a failure
                errors.append(f"op {op}: {type(error).__name__}: {error}")
            latencies.append(time.perf_counter() - began)
            time.sleep(PAUSE)
        end = time.time()
    except BaseException:
        errors.append(traceback.format_exc())
        start = end = time.time()
    finally:
        store.close()
    Path(out).write_text(
        json.dumps(
            {
                "ops": len(latencies),
                "log": {str(k): v for k, v in log.items()},
                "errors": errors,
                "lost": lost,
                "latencies": latencies,
                "start": start,
                "end": end,
                "saves": saves,
                "updates": updates,
                "marks": marks,
            }
        )
    )


def test_two_processes_race_without_locked_errors_or_lost_marks(tmp_path, capsys):
    db = tmp_path / "race.db"
    with Store(db) as store:
        store.save([make_article(n) for n in range(INITIAL)])
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    done = {"marker": context.Event(), "importer": context.Event()}
    outs = {role: tmp_path / f"{role}.json" for role in ("marker", "importer")}
    workers = [
        context.Process(target=race_worker, args=(role, str(db), str(out), barrier, done, seed))
        for seed, (role, out) in enumerate(outs.items())
    ]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    wall = time.perf_counter() - started
    for worker in workers:
        if worker.is_alive():
            worker.kill()
    assert all(w.exitcode == 0 for w in workers), [w.exitcode for w in workers]
    results = {role: json.loads(out.read_text()) for role, out in outs.items()}
    a, b = results["marker"], results["importer"]

    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        check_counters(conn)
        states = {i: bool(r) for i, r in conn.execute("SELECT id, read FROM articles")}
        edited = conn.execute("SELECT count(*) FROM articles WHERE updated_at IS NOT NULL")
        edited = edited.fetchone()[0]
    finally:
        conn.close()
    expected = dict.fromkeys(states, False)
    for result, parity in ((a, 0), (b, 1)):
        for key, state in result["log"].items():
            assert int(key) % 2 == parity
            expected[int(key)] = state
    lost_at_end = sorted(i for i in states if states[i] != expected[i])

    def timing(result: dict) -> str:
        lat = sorted(result["latencies"])
        p99 = lat[int(len(lat) * 0.99)] * 1000
        return (
            f"{result['ops']} ops in {result['end'] - result['start']:.1f} s"
            f" (median {statistics.median(lat) * 1000:.1f} ms, p99 {p99:.1f} ms,"
            f" max {lat[-1] * 1000:.0f} ms)"
        )

    overlap = min(a["end"], b["end"]) - max(a["start"], b["start"])
    with capsys.disabled():
        print(
            f"\nrace: {a['ops'] + b['ops']} operations raced in {wall:.1f} s"
            f" (overlap {overlap:.1f} s); A marker: {timing(a)}, {len(a['log'])} articles"
            f" marked; B importer: {timing(b)}, {b['saves']} saves of {BATCH} new,"
            f" {b['updates']} saves of {BATCH} edited ({edited} articles updated in place),"
            f" {b['marks']} marks, {len(b['log'])} articles marked; {len(states)} articles;"
            f" errors {len(a['errors']) + len(b['errors'])}; marks lost in flight"
            f" {len(a['lost']) + len(b['lost'])}, at the end {len(lost_at_end)}"
        )
    assert not a["errors"] and not b["errors"], (a["errors"][:5], b["errors"][:5])
    assert a["ops"] >= OPERATIONS and b["ops"] >= OPERATIONS
    assert overlap > 0.9 * min(a["end"] - a["start"], b["end"] - b["start"])
    assert len(states) == INITIAL + b["saves"] * BATCH
    assert not a["lost"] and not b["lost"], (a["lost"][:5], b["lost"][:5])
    assert not lost_at_end, f"{len(lost_at_end)} marks lost, e.g. {lost_at_end[:10]}"


# ---- the reading screen -------------------------------------------------------------------


def mark_elsewhere(db: Path, command: str, article_id: int) -> None:
    """``reader mark-read``/``mark-unread`` in another process."""
    done = subprocess.run(
        [str(READER), "--db", str(db), command, str(article_id)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


async def test_app_shows_another_process_mark_after_r(tmp_path):
    from widgets.app import make_app
    from widgets.headline_list import HeadlineList

    db = tmp_path / "app.db"
    with Store(db) as store:
        store.save([make_article(n) for n in range(5)])
    app = make_app(db, watch=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        headlines = app.query_one(HeadlineList)
        await pilot.press("j")  # the second row: the mark must show where the cursor is
        await settle(app, pilot)
        current = headlines.current
        assert current is not None and not current.read
        assert "●" in headlines.render_line(1).text
        assert "5 shown / 5 unread" in header(app)

        mark_elsewhere(db, "mark-read", current.id)
        await pilot.press("r")
        await settle(app, pilot)
        row = headlines.current
        assert row.id == current.id and row.read
        assert headlines.cursor == 1
        assert "●" not in headlines.render_line(1).text
        assert current.headline[:20] in headlines.render_line(1).text
        assert "5 shown / 4 unread" in header(app)

        mark_elsewhere(db, "mark-unread", current.id)
        await pilot.press("r")
        await settle(app, pilot)
        assert headlines.current.id == current.id and not headlines.current.read
        assert "●" in headlines.render_line(1).text
        assert "5 shown / 5 unread" in header(app)
