"""How long a read mark waits while another process imports into the same database.

A copy of the demo ``articles.db`` in a temporary folder; ``--n`` synthetic article files
(``synth.py``, written once into a temporary folder); then, in each round, marks
(``Store.mark_read`` of one article, toggled, 20 ms apart, as a person pressing ``m``
would) timed first with nothing else running (the baseline, for as long as the import will
take) and then while ``reader import`` of those files runs in a subprocess. Medians, 90th
and 99th percentiles and the maximum, in ms; the figure that matters is the maximum, the
longest a key press would wait.

Usage, from the repository root with the project's venv::

    .venv/bin/python benchmarks/marks_bench.py                 # 10,000 files, 3 rounds
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import synth  # noqa: E402  (a sibling script, not a package)

synth.ensure_reader_importable()

from reader.filters import Filter  # noqa: E402
from reader.store import Store  # noqa: E402

VENV_BIN = Path(sys.executable).parent


def timed_marks(db: Path, ids: list[int], until) -> list[float]:
    """Mark articles read and unread in turn, 20 ms apart, until ``until()``; ms each."""
    times = []
    with Store(db) as store:
        turn = 0
        while not until():
            started = time.perf_counter()
            store.mark_read([ids[turn % len(ids)]], bool(turn % 2))
            times.append((time.perf_counter() - started) * 1000)
            turn += 1
            time.sleep(0.02)
    return times


def figures(times: list[float]) -> str:
    times = sorted(times)
    pick = lambda q: times[min(len(times) - 1, int(len(times) * q))]  # noqa: E731
    return (
        f"{len(times):5}  {statistics.median(times):7.1f} {pick(0.9):7.1f} {pick(0.99):7.1f}"
        f" {times[-1]:7.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="article files imported")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(dir=HERE / "data") as tmp:
        folder = Path(tmp) / "articles"
        folder.mkdir()
        for article in synth.generate(args.n):
            (folder / synth.file_name(article, "random")).write_text(article.text())
        baseline: list[float] = []
        during: list[float] = []
        for round_no in range(args.rounds):
            db = Path(tmp) / f"round{round_no}.db"
            shutil.copy(ROOT / "articles.db", db)
            with Store(db) as store:
                ids = [row.id for row in store.page(Filter(), limit=30)]
            started = time.monotonic()
            process = subprocess.Popen(
                [str(VENV_BIN / "reader"), "--db", str(db), "import", str(folder)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            during += timed_marks(db, ids, lambda p=process: p.poll() is not None)
            took = time.monotonic() - started
            end = time.monotonic() + took
            baseline += timed_marks(db, ids, lambda end=end: time.monotonic() >= end)
            print(f"round {round_no + 1}/{args.rounds}: import {took:.1f} s", file=sys.stderr)

    print(f"\nA mark (one article, Store.mark_read), {args.rounds} rounds; ms")
    print(f"{'':24} {'marks':>5}  {'median':>7} {'p90':>7} {'p99':>7} {'max':>7}")
    print(f"{'alone':24} {figures(baseline)}")
    print(f"{'during reader import':24} {figures(during)}")


if __name__ == "__main__":
    main()
