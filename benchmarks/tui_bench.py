"""The reading screen on a big archive, against the smallest Textual app, in one run.

Builds (or reuses) a synthetic database of N articles with ``synth.build_db`` and then,
round-robin so that machine noise hits every configuration alike, runs
``../shared/tools/tui_first_paint.py`` on:

- the floor, ``../shared/tools/minimal_textual_app.py``: first paint, ``j`` to screen, peak RSS;
- ``reader --db DB``: first paint (the newest headline on screen), ``j`` to screen
  (the moved highlight and the new article), peak RSS;
- ``reader --db DB`` then ``G``: time until the oldest headline is on screen.

Prints medians with min and max, and each figure as a ratio to the floor's. The reader's
modules are compiled to bytecode first, as an installation has them (``tui_harness``). Usage, from
the repository root with the project's venv::

    .venv/bin/python benchmarks/tui_bench.py                 # 100,000 articles
    .venv/bin/python benchmarks/tui_bench.py --n 1000000 --rounds 9 --json out.json

Targets (issue 4) at 1,000,000 articles: first paint at most 1.15x the floor, a key at
most 2.5x the floor's key, ``G`` under 50 ms, peak RSS under 60 MiB.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth
from tui_harness import (
    FLOOR,
    ROOT,
    VENV_BIN,
    check_tools,
    compile_bytecode,
    harness,
    summary,
)

DATA = ROOT / "benchmarks" / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="articles in the database")
    parser.add_argument("--tags", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--keys", type=int, default=10, help="j presses measured per run")
    parser.add_argument("--db", type=Path, help="database to use (default: built under data/)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()

    db = args.db or DATA / f"synth-{args.n}-{args.tags}.db"
    if args.db is None:
        print(f"database: {db} (building or reusing)", file=sys.stderr, flush=True)
        synth.build_db(db, args.n, tags=args.tags)
    newest = synth.headline_prefix(0)
    oldest = synth.headline_prefix(args.n - 1)
    check_tools()
    compile_bytecode()
    reader = f"{VENV_BIN / 'reader'} --db {db}"
    floor = f"{sys.executable} {FLOOR}"
    keys = ["--keys", "j", "--key-repeat", str(args.keys)]

    results: dict[str, dict[str, list[float]]] = {
        name: {"paint": [], "key": [], "rss": []} for name in ("floor", "reader", "reader G")
    }
    for round_no in range(args.rounds):
        runs = [
            ("floor", harness(floor, "^ready", *keys, "--rss", "--expect-keys", r"cursor={i}\b")),
            ("reader", harness(reader, newest, *keys, "--rss", "--escapes")),
            ("reader G", harness(reader, newest, "--rss", "--keys", "G", "--expect-keys", oldest)),
        ]
        for name, result in runs:
            if "first_paint_ms" not in result:
                print(f"round {round_no + 1} {name}: {result.get('error')}", file=sys.stderr)
                continue
            results[name]["paint"].append(result["first_paint_ms"])
            results[name]["key"].extend(result.get("key_ms", []))
            results[name]["rss"].append(result.get("rss_peak_kib_max", 0) / 1024)
        print(f"round {round_no + 1}/{args.rounds} done", file=sys.stderr, flush=True)

    floor_paint = statistics.median(results["floor"]["paint"])
    floor_key = statistics.median(results["floor"]["key"])
    report = {"n": args.n, "tags": args.tags, "rounds": args.rounds, "figures": {}}
    rows = [
        ("first paint", "floor", "paint", floor_paint),
        ("first paint", "reader", "paint", floor_paint),
        ("key j", "floor", "key", floor_key),
        ("key j", "reader", "key", floor_key),
        ("key G", "reader G", "key", floor_key),
        ("peak RSS MiB", "floor", "rss", None),
        ("peak RSS MiB", "reader", "rss", None),
    ]
    print(f"\n{args.n:,} articles, {args.tags:,} tags, {args.rounds} interleaved rounds")
    print(f"{'measure':14} {'program':9} {'median':>9} {'min':>9} {'max':>9}  ratio to floor")
    for measure, name, field, base in rows:
        values = results[name][field]
        if not values:
            print(f"{measure:14} {name:9} no successful run")
            continue
        s = summary(values)
        ratio = f"x{s['median'] / base:.2f}" if base else ""
        print(f"{measure:14} {name:9} {s['median']:9.1f} {s['min']:9.1f} {s['max']:9.1f}  {ratio}")
        s["ratio"] = s["median"] / base if base else None
        report["figures"][f"{measure} / {name}"] = s
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
