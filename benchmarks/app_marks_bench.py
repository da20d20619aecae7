"""`m` in the reading screen while another process holds the write lock, against the floor.

In one run, round-robin so that machine noise hits every configuration alike, in tmux
(160x48) through ``../shared/tools/tui_first_paint.py``:

- the floor: ``j`` in ``../shared/tools/minimal_textual_app.py`` (as ``tui_bench.py``);
- the reader on a copy of the demo ``articles.db`` (a fresh copy each round), ``m`` on the
  first row: time until its ``●`` unread mark is gone from the screen, measured twice, by
  ``tui_first_paint.py`` itself and by this script's own driver (below), with nothing
  else using the database; then ``j`` until the next article is shown, and ``m`` on that
  row until a separate sqlite3 connection (polled every millisecond) sees the mark;
- the same ``m`` while another process holds the write lock (``BEGIN IMMEDIATE`` on its own
  connection, held for ``--hold`` seconds, then ``COMMIT``), started after the reader's
  first paint and before the key;
- under the lock: the time from ``m`` until the top line says "waiting for another process"
  (the mark writer reports waiting after its first 250 ms try), the same ``j`` while the mark
  waits, and, after the holder's ``COMMIT`` (by its ``time.monotonic()``, the same clock
  in every process), the time until a separate sqlite3 connection sees the mark in the
  database and until the top line stops saying that it waits.

Ratios are to the median of the floor's ``j`` in the same run.

``tui_first_paint.py`` sends its keys only after first paint and a settle time, with nothing
in between, so the runs that need the lock holder started between the two use this
script's driver, built from the tool's own pieces (its private tmux server, its
capture-pane polling ``wait_for``, the same 5 ms poll and 300 ms settle). The idle reader
runs both ways, which checks the driver against the tool.

Every mark must reach the database: a mark not saved (or the ``●`` never going, or the
"waiting" line never showing) is reported as a failure, and the script exits 1.

Usage, from the repository root with the project's venv::

    .venv/bin/python benchmarks/app_marks_bench.py                # 5 rounds, lock held 20 s
    .venv/bin/python benchmarks/app_marks_bench.py --rounds 3 --hold 5 --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import synth  # noqa: E402  (a sibling script, not a package)
from tui_harness import (  # noqa: E402
    FLOOR,
    ROOT,
    TOOLS,
    VENV_BIN,
    check_tools,
    compile_bytecode,
    harness,
    summary,
)

synth.ensure_reader_importable()
check_tools()
sys.path.insert(0, str(TOOLS))
import tui_first_paint as tfp  # noqa: E402  (../shared/tools/, stdlib only)

from reader.filters import Filter  # noqa: E402
from reader.store import Store  # noqa: E402

WAITING = "waiting for another process"
INTERVAL = 0.005  # s between captures, tui_first_paint's default
SETTLE = 0.3  # s after first paint before the first key, tui_first_paint's default
TIMEOUT = 30.0  # s for any one wait on the screen

#: The other process: takes the write lock, says so, holds it, commits and says when.
HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", time.monotonic(), flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
print("committed", time.monotonic(), flush=True)
conn.close()
"""

#: Figures in the order they are printed: key, label, ratio to the floor's j?
MEASURES = [
    ("floor j", "floor: j in the minimal Textual app", True),
    ("idle m tool", "reader m, nothing else writing (tui_first_paint)", True),
    ("idle m", "reader m, nothing else writing (driver)", True),
    ("idle j", "  j, until the next article is shown", True),
    ("idle m to db", "  m there, until another connection sees it", True),
    ("locked m", "reader m, another process holds the lock", True),
    ("locked header", "  ... until the top line says it waits", True),
    ("locked j", "  j while the mark waits, the same", True),
    ("commit to db", "after the holder's COMMIT: mark in the database", True),
    ("commit to header", "  ... and the top line no longer waits", True),
]


class Failure(Exception):
    """A run that did not do what it must: the mark not shown, not saved, no waiting line."""


def terminal_type() -> str:
    """The TERM tui_first_paint.py gives its pane."""
    have = any(
        os.path.exists(os.path.join(folder, "t", "tmux-256color"))
        for folder in ("/lib/terminfo", "/usr/share/terminfo", "/etc/terminfo")
    )
    return "tmux-256color" if have else "screen-256color"


def read_state(db: Path, article_id: int) -> bool | None:
    """The article's read mark as a separate connection sees it (None: no such row)."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        row = conn.execute("SELECT read FROM articles WHERE id = ?", (article_id,)).fetchone()
        return None if row is None else bool(row[0])
    finally:
        conn.close()


def wait_in_db(db: Path, article_id: int, since: float, out: list, timeout: float = 30.0) -> None:
    """Append to ``out`` the ms from ``since`` (a ``time.monotonic()``) until a connection
    of its own sees the article as read, polled every millisecond (or a ``Failure``)."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        deadline = time.monotonic() + timeout
        while True:
            row = conn.execute("SELECT read FROM articles WHERE id = ?", (article_id,)).fetchone()
            now = time.monotonic()
            if row and row[0]:
                out.append((now - since) * 1000)
                return
            if now > deadline:
                out.append(Failure(f"mark NOT SAVED: not in the database {timeout:.0f} s later"))
                return
            time.sleep(0.001)
    finally:
        conn.close()


def screen_wait(tm, pattern: str, since: float, *, absent: bool = False) -> tuple[float, str]:
    """ms from ``since`` until ``pattern`` is on the screen (or gone from it: ``absent``)."""
    rx = re.compile(pattern, re.M)
    if absent:
        return tfp.wait_for(tm, lambda s: not rx.search(s), since, TIMEOUT, INTERVAL, [])
    return tfp.wait_for(tm, lambda s: rx.search(s) is not None, since, TIMEOUT, INTERVAL, [])


def driven_run(db: Path, rows: list, *, locked: bool, hold: float) -> dict[str, float]:
    """One reader run under this script's driver; figures in ms, or ``Failure``."""
    first, second = rows[0], rows[1]
    painted = rf"^●[ ★] +{re.escape(first.headline[:30])}"
    unmarked = rf"^ [ ★] +{re.escape(first.headline[:30])}"
    moved = rf"▕\s*{re.escape(second.headline[:30])}"
    figures: dict[str, float] = {}
    tm = tfp.Tmux(160, 48, terminal_type())
    holder: subprocess.Popen | None = None
    try:
        tm.start(f"{VENV_BIN / 'reader'} --db {db}", str(ROOT), {"TERM": terminal_type()})
        t0 = tm.go()
        screen_wait(tm, painted, t0)
        time.sleep(SETTLE)
        if locked:
            holder = subprocess.Popen(
                [sys.executable, "-c", HOLDER, str(db), str(hold)],
                stdout=subprocess.PIPE,
                text=True,
            )
            line = holder.stdout.readline().split()
            if not line or line[0] != "locked":
                raise Failure("the lock holder did not take the lock")
        time.sleep(0.1)  # the same pause either way: the holder's start-up is over
        if read_state(db, first.id) is not False:
            raise Failure("the first row is not unread in the database before m")

        t1 = time.monotonic()
        tm.send_keys(["m"])
        key = "locked" if locked else "idle"
        figures[f"{key} m"], _ = screen_wait(tm, unmarked, t1)
        if locked:
            figures["locked header"], _ = screen_wait(tm, WAITING, t1)
            if read_state(db, first.id):
                raise Failure("the mark is in the database while another process holds the lock")
        t2 = time.monotonic()
        tm.send_keys(["j"])
        figures[f"{key} j"], screen = screen_wait(tm, moved, t2)

        if not locked:
            # m on the second row, with the database watched from the key on: after the
            # first m, so that it is measured alike idle and locked, with nothing polling
            # the database beside the screen (a first version did: 32 ms against the
            # tool's 19 in one 5-round run, 26 against 26 in another).
            in_db: list[float | Failure] = []
            t3 = time.monotonic()
            watcher = threading.Thread(target=wait_in_db, args=(db, second.id, t3, in_db))
            watcher.start()
            tm.send_keys(["m"])
            watcher.join()
            if isinstance(in_db[0], Failure):
                raise in_db[0]
            figures["idle m to db"] = in_db[0]

        if locked:
            if WAITING not in screen:
                raise Failure("the top line stopped waiting before the holder committed")
            line = holder.stdout.readline().split()
            if not line or line[0] != "committed":
                raise Failure("the lock holder did not commit")
            committed = float(line[1])
            in_db = []
            wait_in_db(db, first.id, committed, in_db)
            if isinstance(in_db[0], Failure):
                raise in_db[0]
            figures["commit to db"] = in_db[0]
            figures["commit to header"], _ = screen_wait(tm, WAITING, committed, absent=True)
            holder.wait(5)
        elif WAITING in tm.capture()[0]:
            raise Failure("the top line says it waits with nothing else writing")

        tm.send_keys(["q"])
        end = time.monotonic() + 5
        while time.monotonic() < end and not tm.capture()[1]:
            time.sleep(0.02)
        for row in rows if not locked else rows[:1]:
            if not read_state(db, row.id):
                raise Failure(f"mark NOT SAVED: article {row.id} not read after the reader quit")
        return figures
    except tfp.RunError as error:
        last = error.screen.strip().splitlines()
        raise Failure(f"{error} (screen: {' | '.join(last[:2])})") from None
    finally:
        if holder is not None and holder.poll() is None:
            holder.kill()
            holder.wait()
        tm.close()
        if tm.close in tfp._CLEANUPS:
            tfp._CLEANUPS.remove(tm.close)


def tool_run(db: Path, rows: list) -> dict[str, float]:
    """The idle ``m`` through tui_first_paint.py itself (a check of the driver)."""
    first = rows[0]
    result = harness(
        f"{VENV_BIN / 'reader'} --db {db}",
        rf"^●[ ★] +{re.escape(first.headline[:30])}",
        "--keys",
        "m",
        "--expect-keys",
        rf"^ [ ★] +{re.escape(first.headline[:30])}",
    )
    if "key_ms" not in result:
        raise Failure(f"{result.get('error')}")
    if not read_state(db, first.id):
        raise Failure("mark NOT SAVED: not in the database after the reader quit")
    return {"idle m tool": result["key_ms"][0]}


def fmt(s: dict) -> str:
    return f"{s['median']:.1f} ({s['min']:.1f}–{s['max']:.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--hold", type=float, default=20.0, help="s the other process holds")
    parser.add_argument("--floor-keys", type=int, default=10, help="j presses per floor run")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()

    compile_bytecode()
    floor = f"{sys.executable} {FLOOR}"
    values: dict[str, list[float]] = {key: [] for key, _, _ in MEASURES}
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="app_marks_") as tmp:
        for round_no in range(args.rounds):
            result = harness(
                floor,
                "^ready",
                "--keys",
                "j",
                "--key-repeat",
                str(args.floor_keys),
                "--expect-keys",
                r"cursor={i}\b",
            )
            if "key_ms" in result:
                values["floor j"] += result["key_ms"]
            else:
                failures.append(f"round {round_no + 1} floor: {result.get('error')}")
            for name, run in (
                ("idle (tool)", lambda db, rows: tool_run(db, rows)),
                ("idle", lambda db, rows: driven_run(db, rows, locked=False, hold=args.hold)),
                ("locked", lambda db, rows: driven_run(db, rows, locked=True, hold=args.hold)),
            ):
                db = Path(tmp) / f"round{round_no}-{name.split()[0]}.db"
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{db}{suffix}").unlink(missing_ok=True)
                shutil.copy(ROOT / "articles.db", db)
                with Store(db) as store:
                    rows = store.page(Filter(), limit=2)
                try:
                    for key, ms in run(db, rows).items():
                        values[key].append(ms)
                except Failure as error:
                    failures.append(f"round {round_no + 1} {name}: {error}")
                    print(f"FAILURE round {round_no + 1} {name}: {error}", file=sys.stderr)
            print(f"round {round_no + 1}/{args.rounds} done", file=sys.stderr, flush=True)

    report: dict = {"rounds": args.rounds, "hold_s": args.hold, "figures": {}, "failures": failures}
    floor_j = summary(values["floor j"])["median"] if values["floor j"] else None
    print(
        f"\nThe demo database, {args.rounds} interleaved rounds, lock held {args.hold:g} s;"
        " ms, median (min–max)"
    )
    print(f"{'measure':52} {'ms':>24}  × floor j")
    for key, label, ratio in MEASURES:
        if not values[key]:
            print(f"{label:52} {'no successful run':>24}")
            continue
        s = summary(values[key])
        s["ratio"] = s["median"] / floor_j if ratio and floor_j else None
        report["figures"][key] = s
        times = f"{s['ratio']:.2f}" if s["ratio"] is not None else ""
        print(f"{label:52} {fmt(s):>24}  {times}")
    print("\n(the old code, writing on the UI thread, froze the screen ~5 s and dropped the mark)")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    if failures:
        print("\n" + "!" * 72, file=sys.stderr)
        print(f"FAILED: {len(failures)} run(s) did not do what they must:", file=sys.stderr)
        for failure in failures:
            print(f"  {failure}", file=sys.stderr)
        print("!" * 72, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
