"""The tag picker's counts in a view, at 1,000,000 articles: the rows on screen, timed.

The picker shows, for each tag, what the view would show with that tag added
(``reader.planner.tag_in_view`` / ``tags_in_view``). What it does per view, and what is
timed here, as the picker's worker does it:

- **All, Unread only**: the tags' own counters answer (``tags_in_plain_view``); timed
  with the read of every tag (``lookups.tags``), which the picker needs anyway.
- **Any other view**: one pass over the view's articles when it has at most ``--limit``
  of them (``tags_in_view``: every tag exact, dead ends dropped); otherwise each row on
  screen counted by ``tag_in_view`` up to ``--cap`` ("1,000+").

For each view, screens of ``--rows`` rows: the first screen (the most used tags), the
next one (a page down), one deep in the list (rarely used tags, where dead ends are), and
the first screen after typing two letters. Each round runs in a fresh process with a fresh
connection (SQLite's cache empty; the OS's warm from earlier rounds). As in the picker,
which is open on one view at a time, a view's screens are timed one after another: the first
screen first (the picker opens there), then the others in a shuffled order (the views too).
What is read once for a view (``planner.view_ids``, the one pass) is paid by the screen that
needs it first, and shows in its figures.
Reported: ms per screen, median and worst over the rounds, per view.

The database is opened read-only through SQLite (``mode=ro``); nothing is written to it
(the TEMP tables the counts use belong to the connection). It is read with the planner's
functions on a plain connection rather than through ``Store``, which would refuse
(read-only) or upgrade (writable) a file made at an older schema. Never rebuild it here.

Usage, from the repository root::

    .venv/bin/python benchmarks/tag_counts_bench.py benchmarks/data/synth-1000000-50000.db
    .venv/bin/python benchmarks/tag_counts_bench.py DB --rounds 7 --rows 30 --cap 1000
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from reader import lookups, planner  # noqa: E402
from reader.filters import Filter  # noqa: E402

TARGET_MS = 100.0


def views(conn: sqlite3.Connection) -> dict[str, Filter]:
    """The view kinds, picked from the data: the most used tag, a mid tag (~1%), words."""
    by_count = conn.execute("SELECT name FROM tags ORDER BY article_count DESC").fetchall()
    big = by_count[0][0]
    mid = conn.execute(
        "SELECT name FROM tags WHERE article_count <= 10000 ORDER BY article_count DESC"
    ).fetchone()[0]
    return {
        "all": Filter(),
        "unread only": Filter(unread_only=True),
        "starred only": Filter(starred_only=True),
        f"one big tag (#{big})": Filter(tags=(big,)),
        f"big tag, unread (#{big})": Filter(tags=(big,), unread_only=True),
        f"one mid tag (#{mid})": Filter(tags=(mid,)),
        "search, rare word (/transport)": Filter(query="transport"),
        "search, common word (/people)": Filter(query="people"),
        f"search + tag (/people #{mid})": Filter(tags=(mid,), query="people"),
    }


def screen(conn, view, tags, rows, *, first, cap, limit, cache) -> tuple[float, float]:
    """ms for the picker's worker to count ``rows`` (TagCounts) in ``view``: until the
    rows on screen have counts, and until they are refined (to ``cap``)."""
    start = time.perf_counter()
    if planner.plain_view(view):
        planner.tags_in_plain_view(view, tags)  # the picker holds the tags already
        shown = (time.perf_counter() - start) * 1000
        return shown, shown
    if view not in cache:
        cache[view] = planner.tags_in_view(conn, view, limit=limit)
    if cache[view] is not None:
        shown = (time.perf_counter() - start) * 1000
        return shown, shown
    for tag in rows:
        planner.tag_in_view(conn, view, tag, cap=first)
    shown = (time.perf_counter() - start) * 1000
    for tag in rows:
        planner.tag_in_view(conn, view, tag, cap=cap)
    return shown, (time.perf_counter() - start) * 1000


def one_round(db: str, rows: int, first: int, cap: int, limit: int, seed: int) -> dict:
    conn = sqlite3.connect(f"file:{Path(db).resolve()}?mode=ro", uri=True)
    tags = lookups.tags(conn)
    rng = random.Random(seed)
    deep = rng.randrange(len(tags) // 2, len(tags) - rows)
    typed = [t for t in tags if "ru" in t.name.casefold()]
    jobs = []
    kinds = list(views(conn).items())
    rng.shuffle(kinds)
    for kind, view in kinds:
        listed = [t for t in tags if t.name not in view.tags]
        screens = {
            "first screen": listed[:rows],
            "page down": listed[rows : 2 * rows],
            "deep in the list": listed[deep : deep + rows],
            "typed 'ru'": typed[:rows],
        }
        shown = [(kind, view, name, rows_shown) for name, rows_shown in screens.items()]
        later = shown[1:]  # the picker opens on the first screen; the others in any order
        rng.shuffle(later)
        jobs += [shown[0], *later]
    out: dict[str, dict[str, tuple[float, float]]] = {}
    cache: dict = {}
    # The one pass over a view is timed with the first screen that needs it (shuffled).
    for kind, view, name, shown in jobs:
        out.setdefault(kind, {})[name] = screen(
            conn, view, tags, shown, first=first, cap=cap, limit=limit, cache=cache
        )
    conn.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("db", help="an archive (benchmarks/data/synth-1000000-50000.db)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rows", type=int, default=30, help="rows on screen (160x48: 30)")
    parser.add_argument("--first-cap", type=int, default=planner.TAG_COUNT_FIRST_CAP)
    parser.add_argument("--cap", type=int, default=planner.TAG_COUNT_CAP)
    parser.add_argument("--limit", type=int, default=planner.TAGS_IN_VIEW_LIMIT)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a round, in this process
    args = parser.parse_args()
    if args.one is not None:
        done = one_round(args.db, args.rows, args.first_cap, args.cap, args.limit, args.one)
        print(json.dumps(done))
        return
    results: dict[str, dict[str, list[float]]] = {}
    for n in range(args.rounds):
        command = [sys.executable, __file__, args.db, "--one", str(n)]
        command += ["--rows", str(args.rows), "--first-cap", str(args.first_cap)]
        command += ["--cap", str(args.cap), "--limit", str(args.limit)]
        done = json.loads(subprocess.run(command, check=True, capture_output=True).stdout)
        for kind, screens in done.items():
            for name, ms in screens.items():
                results.setdefault(kind, {}).setdefault(name, []).append(ms)
        print(f"round {n + 1}/{args.rounds} done", file=sys.stderr)
    print(
        f"{args.rounds} rounds, {args.rows} rows a screen, caps {args.first_cap:,} then"
        f" {args.cap:,}, one pass up to {args.limit:,} articles; ms until the rows on screen"
        " have counts, median (worst) [until refined, median]"
    )
    names = ["first screen", "page down", "typed 'ru'", "deep in the list"]
    print("| view | " + " | ".join(names) + " | worst ≤ 100 ms? |")
    print("|---" * (len(names) + 2) + "|")
    for kind, screens in sorted(results.items()):
        cells = []
        for n in names:
            shown = [s for s, _ in screens[n]]
            refined = statistics.median(r for _, r in screens[n])
            cell = f"{statistics.median(shown):.1f} ({max(shown):.1f})"
            if refined > max(shown):
                cell += f" [{refined:.0f}]"
            cells.append(cell)
        worst = max(s for v in screens.values() for s, _ in v)
        print(f"| {kind} | " + " | ".join(cells) + f" | {'yes' if worst <= TARGET_MS else 'no'} |")


if __name__ == "__main__":
    main()
