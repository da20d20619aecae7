"""The reading screen on a big archive, against the smallest Textual app, in one run.

Builds (or reuses) a synthetic database of N articles with ``synth.build_db`` (or takes
``--db``) and then, round-robin so that machine noise hits every configuration alike, runs
in a private tmux (``../shared/tools/tui_first_paint.py`` and its polling):

- the floor, ``../shared/tools/minimal_textual_app.py``: first paint, ``j`` to its new
  ``cursor=N`` on screen, peak RSS;
- ``reader --db DB``: first paint (the newest headline on screen); ``j`` to the next
  article's headline in the article pane, key by key (that headline, not any change of
  the screen: a change would count the previous key's late repaint); ``j`` held: 20 keys
  30 ms apart without waiting, then the time from the last one until its article is in the
  pane (about one key's time when nothing queues, a key's time more for each repaint that
  queued); peak RSS;
- ``reader --db DB`` then ``G``: time until the oldest headline is on screen;
- with ``--long``, ``j`` and ``j`` held again on an archive of 400 long articles
  (35-540 KB, built once with ``reader import`` into a temporary folder).

Prints medians with min and max, and each figure as a ratio to the floor's. The reader's
modules are compiled to bytecode first, as an installation has them (``tui_harness``). Usage, from
the repository root with the project's venv::

    .venv/bin/python benchmarks/tui_bench.py                 # 100,000 articles
    .venv/bin/python benchmarks/tui_bench.py --db /tmp/1m.db --n 1000000 --rounds 9 --long

Targets (issues 4 and 13) at 1,000,000 articles: first paint at most 1.15x the floor and no
more than at 100,000; ``j`` to the article in the pane at most 2.5x the floor's key; held
``j`` not queueing; ``G`` under 50 ms; peak RSS under 60 MiB.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
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
    key_steps,
    summary,
)

DATA = ROOT / "benchmarks" / "data"
PANE = 60  # the article pane starts right of this column at 160 columns (the list is 45%)
HELD = 20  # keys of a held j
PERIOD = 0.03  # seconds between them: a fast key repeat
LONG = 400  # articles in the --long archive


def in_pane(headline: str) -> Callable[[str], bool]:
    """Is ``headline`` in the article pane (right of the list) of this screen?"""
    return lambda screen: any(headline in line[PANE:] for line in screen.splitlines())


def reader_keys(db: Path, keys: int) -> dict:
    """One start of the reader: ``keys`` single j's to the pane, then a held j."""
    cmd = f"{VENV_BIN / 'reader'} --db {db}"
    steps = [(["j"], in_pane(synth.headline_prefix(i))) for i in range(1, keys + 1)]
    held = (HELD, PERIOD, lambda count: in_pane(synth.headline_prefix(keys + count)))
    return key_steps(cmd, re.escape(synth.headline_prefix(0)), steps, held=held)


def long_db(folder: Path) -> Path:
    """``LONG`` synthetic articles with bodies repeated 40 times (every tenth 200 times),
    imported by ``reader import``: 35-540 KB each."""
    source = folder / "long.jsonl"
    with source.open("w", encoding="utf-8") as out:
        for article in synth.generate(LONG):
            record = article.to_json()
            record["body"] = record["body"] * (40 if article.i % 10 else 200)
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    db = folder / "long.db"
    subprocess.run(
        [str(VENV_BIN / "reader"), "--db", str(db), "import", str(source)],
        check=True,
        capture_output=True,
    )
    source.unlink()
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="articles in the database")
    parser.add_argument("--tags", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--keys", type=int, default=10, help="j presses measured per run")
    parser.add_argument(
        "--db", type=Path, help="database of --n synth articles to use (default: built under data/)"
    )
    parser.add_argument("--long", action="store_true", help="also j on 400 long articles")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()

    db = args.db or DATA / f"synth-{args.n}-{args.tags}.db"
    if args.db is None:
        print(f"database: {db} (building or reusing)", file=sys.stderr, flush=True)
        synth.build_db(db, args.n, tags=args.tags)
    oldest = synth.headline_prefix(args.n - 1)
    check_tools()
    compile_bytecode()
    floor = f"{sys.executable} {FLOOR}"
    reader = f"{VENV_BIN / 'reader'} --db {db}"
    keys = ["--keys", "j", "--key-repeat", str(args.keys)]
    temporary = tempfile.TemporaryDirectory(prefix="tui_bench_")
    long = long_db(Path(temporary.name)) if args.long else None

    names = ["floor", "reader", "reader G"] + (["long"] if long else [])
    fields = ("paint", "key", "held", "rss")
    results = {name: {field: [] for field in fields} for name in names}
    for round_no in range(args.rounds):
        runs = [
            ("floor", harness(floor, "^ready", *keys, "--rss", "--expect-keys", r"cursor={i}\b")),
            ("reader", reader_keys(db, args.keys)),
            (
                "reader G",
                harness(
                    reader,
                    synth.headline_prefix(0),
                    "--rss",
                    "--keys",
                    "G",
                    "--expect-keys",
                    oldest,
                ),
            ),
        ]
        if long:
            runs.append(("long", reader_keys(long, args.keys)))
        for name, result in runs:
            if "first_paint_ms" not in result:
                print(f"round {round_no + 1} {name}: {result.get('error')}", file=sys.stderr)
                continue
            results[name]["paint"].append(result["first_paint_ms"])
            results[name]["key"].extend(result.get("key_ms", []))
            if "held_ms" in result:
                results[name]["held"].append(result["held_ms"])
            results[name]["rss"].append(result.get("rss_peak_kib_max", 0) / 1024)
        print(f"round {round_no + 1}/{args.rounds} done", file=sys.stderr, flush=True)
    temporary.cleanup()

    floor_paint = statistics.median(results["floor"]["paint"])
    floor_key = statistics.median(results["floor"]["key"])
    report = {"n": args.n, "tags": args.tags, "rounds": args.rounds, "figures": {}}
    rows = [
        ("first paint", "floor", "paint", floor_paint),
        ("first paint", "reader", "paint", floor_paint),
        ("key j", "floor", "key", floor_key),
        ("j to pane", "reader", "key", floor_key),
        ("held j lag", "reader", "held", floor_key),
        ("key G", "reader G", "key", floor_key),
        ("peak RSS MiB", "floor", "rss", None),
        ("peak RSS MiB", "reader", "rss", None),
    ]
    if long:
        rows += [
            ("j to pane", "long", "key", floor_key),
            ("held j lag", "long", "held", floor_key),
            ("peak RSS MiB", "long", "rss", None),
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
