"""Soak (issue 9): the reading screen open for a minute under random keys while other processes
import and mark, then every mark the app saved is in the database, which is sound.

The app (a pilot, its workers and watcher running) gets keys from a seeded RNG: ``j``, ``k``,
``m``, ``s``, ``u``, ``/`` + a word + ``escape``, ``A``, ``ctrl+z``, ``r``. Beside it, one
process imports a batch of new articles every 2 s with ``reader import``, and another toggles
read and starred marks with the store, on the articles whose id is divisible by 3 only.

``ReaderApp.saved_marks`` lists every write the app's database committed, in commit order, ``A``
and ``ctrl+z`` included (one ``(id, "read", value)`` per article they changed). The app is the
only writer of the marks of the articles outside the toggler's third (an import never touches
a mark), so the database must hold, for each of those the app wrote, the last value it saved.

Run with ``pytest -m slow tests/test_soak.py``; ``READER_SOAK_SEED`` replays another seed.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
import time
import traceback
from pathlib import Path

import pytest

from reader.store import Store
from tests.conftest import WIDE, settle
from tests.test_multiprocess import (
    all_saved,
    check_files,
    probe,
    run_reader,
    trigger_workers,
    write_article,
)
from widgets.app import make_app

pytestmark = pytest.mark.slow

SEED = int(os.environ.get("READER_SOAK_SEED", "20251203"))
KEYS_SECONDS = 60.0
IMPORT_EVERY = 2.0
BATCH = 5
TOGGLED = 3  # the toggler owns the articles whose id is divisible by this
WORDS = ["port", "election", "strike", "kreml", "skerr", "marevic", "soak", "harbour", "x"]
# key: weight
KEYS = {
    "j": 24,
    "k": 12,
    "m": 18,
    "s": 10,
    "u": 4,
    "search": 5,
    "A": 2,
    "ctrl+z": 3,
    "r": 5,
}


def importer(db: str, folder: str, stop, out) -> None:
    """Another process: ``reader import`` of ``BATCH`` new articles every ``IMPORT_EVERY``."""
    rng = random.Random(SEED + 1)
    batches = articles = 0
    errors: list[str] = []
    try:
        next_at = time.monotonic()
        while not stop.is_set():
            batch = Path(folder) / f"batch-{batches}"
            for _ in range(BATCH):
                # Dated all over the archive: new rows land among the ones on screen.
                write_article(batch, f"soak batch {batches}", year=rng.randint(2000, 2099))
            done = run_reader(Path(db), "import", str(batch), timeout=120)
            if done.returncode != 0:
                errors.append(f"batch {batches}: {done.returncode} {done.stderr.strip()}")
            elif f"{BATCH} new" not in done.stdout + done.stderr:
                errors.append(f"batch {batches}: {done.stdout.strip()} {done.stderr.strip()}")
            else:
                articles += BATCH
            batches += 1
            next_at += IMPORT_EVERY
            stop.wait(max(0.0, next_at - time.monotonic()))
    except BaseException:
        errors.append(traceback.format_exc())
    out.put({"batches": batches, "articles": articles, "errors": errors})


def toggler(db: str, stop, out) -> None:
    """Another process: read and star marks, with the store, on ids divisible by ``TOGGLED``."""
    rng = random.Random(SEED + 2)
    operations = 0
    errors: list[str] = []
    try:
        with Store(db) as store:
            while not stop.is_set():
                ids = [
                    row[0]
                    for row in store.conn.execute(
                        "SELECT id FROM articles WHERE id % ? = 0", (TOGGLED,)
                    )
                ]
                chosen = rng.sample(ids, min(len(ids), rng.randint(1, 4)))
                try:
                    if rng.random() < 0.6:
                        store.mark_read(chosen, rng.random() < 0.5)
                    else:
                        store.set_starred(chosen, rng.random() < 0.5)
                    operations += 1
                except Exception as error:  # "database is locked" included: a failure
                    errors.append(f"{type(error).__name__}: {error}")
                stop.wait(rng.uniform(0.01, 0.08))
    except BaseException:
        errors.append(traceback.format_exc())
    out.put({"operations": operations, "errors": errors})


async def test_a_minute_of_random_keys_beside_an_importer_and_a_marker(demo_db, tmp_path):
    db = demo_db
    initial = probe(db, "SELECT count(*) FROM articles")[0][0]
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    outs = {"importer": context.Queue(), "toggler": context.Queue()}
    others = [
        context.Process(
            target=importer, args=(str(db), str(tmp_path / "incoming"), stop, outs["importer"])
        ),
        context.Process(target=toggler, args=(str(db), stop, outs["toggler"])),
    ]
    rng = random.Random(SEED)
    keys, weights = list(KEYS), list(KEYS.values())
    pressed = dict.fromkeys(KEYS, 0)
    errors_shown: list[str] = []
    app = make_app(db)
    real_notify = app.notify

    def notify(message, *args, **kwargs):
        if kwargs.get("severity") == "error":
            errors_shown.append(f"{kwargs.get('title')}: {message}")
        return real_notify(message, *args, **kwargs)

    app.notify = notify
    results = {}
    try:
        async with app.run_test(size=WIDE) as pilot:
            await trigger_workers(app, pilot)
            for process in others:
                process.start()
            started = time.monotonic()
            next_check = started
            while time.monotonic() - started < KEYS_SECONDS:
                key = rng.choices(keys, weights)[0]
                pressed[key] += 1
                if key == "search":
                    await pilot.press("slash", *rng.choice(WORDS), "escape")
                else:
                    await pilot.press(key)
                await asyncio.sleep(rng.choice([0, 0, 0.005, 0.02, 0.05]))
                if time.monotonic() >= next_check:
                    check_files(db, when=f"{time.monotonic() - started:.0f} s into the soak")
                    next_check += 2.0
                assert app.is_running, "the app stopped"
            stop.set()
            for name, out in outs.items():
                results[name] = await asyncio.to_thread(out.get, True, 120)
            await settle(app, pilot)
            await all_saved(app, pilot, 1, timeout=30.0)
            await settle(app, pilot)
            check_files(db, when="at the end of the soak")
            saved = list(app.saved_marks)
    finally:
        stop.set()
        for process in others:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
                process.join()

    summary = (
        f"seed {SEED}: keys {pressed}; {len(saved)} marks saved by the app; {results}"
        f"; errors shown {errors_shown[:5]}"
    )
    print(summary)
    assert all(process.exitcode == 0 for process in others), summary
    assert not results["importer"]["errors"], summary
    assert not results["toggler"]["errors"], summary
    assert not errors_shown, summary
    assert probe(db, "PRAGMA integrity_check") == [["ok"]]
    done = run_reader(db, "doctor")
    assert done.returncode == 0, done.stdout + done.stderr
    total = probe(db, "SELECT count(*) FROM articles")[0][0]
    assert total == initial + results["importer"]["articles"], summary

    last: dict[tuple[int, str], bool] = {}
    for article_id, column, value in saved:
        assert column in ("read", "starred"), (article_id, column, value)
        last[(article_id, column)] = bool(value)
    stored = {
        row[0]: {"read": bool(row[1]), "starred": bool(row[2])}
        for row in probe(db, "SELECT id, read, starred FROM articles")
    }
    checked = {key: value for key, value in last.items() if key[0] % TOGGLED}
    wrong = {
        key: (value, stored.get(key[0], {}).get(key[1]))
        for key, value in checked.items()
        if stored.get(key[0], {}).get(key[1]) != value
    }
    assert not wrong, (
        f"{len(wrong)} of {len(checked)} marks the app saved are not in the database"
        f" ((id, column): (saved last, in the database)): {dict(list(wrong.items())[:10])}"
        f"; {summary}"
    )
    # Something happened on every side (a soak that did nothing would pass).
    assert results["importer"]["batches"] >= KEYS_SECONDS / IMPORT_EVERY / 2, summary
    assert results["toggler"]["operations"] >= 100, summary
    assert len(saved) >= 100, summary
    assert len(checked) >= 30, summary
    assert pressed["A"] and pressed["ctrl+z"], summary
