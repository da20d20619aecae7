"""How fast ``reader import`` is, against the floor of plain inserts into the same schema.

Generates N synthetic articles (``synth.py``) as files in a temporary folder under
``benchmarks/data/``, then runs every variant once per round, rounds interleaved (and the order
rotated each round) so that a noisy machine slows them all alike:

* ``reader``: ``.venv/bin/reader --db fresh.db import FOLDER`` as a subprocess, end to end;
* ``import_sources``: the same import in this process (no interpreter start-up);
* ``store``: ``Store.save`` in batches like the importer, on articles parsed beforehand;
* ``read+parse``: ``importer.read_source`` over the files (read and parse, no database);
* ``read``: reading the files only;
* ``floor``: the same rows, prepared beforehand (ids in date order, JSON, hashes), written
  with one ``executemany`` per table in one transaction into the same schema (triggers and
  search index included); ``floor-no-fts`` leaves the search index out.

The files are named so that the import meets the articles in ``--order``: ``random`` (the
default: slug-like names, as agency dumps and ``samples/`` have), ``oldest`` or ``newest``
first. Every database is fresh. The table gives articles per second (median, min and max
over the rounds) and, per variant, the median over rounds of its speed divided by the
floor's speed in the same round: compare those ratios across machines, not raw speeds.
``--profile`` runs the in-process import once more under cProfile and lists the hot spots,
by stage (parse, store in Python, SQLite) and by function.

Usage (from the repository root)::

    .venv/bin/python benchmarks/import_bench.py                  # 10,000 articles, 3 rounds
    .venv/bin/python benchmarks/import_bench.py --n 100000 --rounds 3 --profile
    .venv/bin/python benchmarks/import_bench.py --json > result.json
    .venv/bin/python benchmarks/import_bench.py --jsonl          # one articles.jsonl instead
    .venv/bin/python benchmarks/import_bench.py --order oldest --only reader store
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import platform
import pstats
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

try:
    from benchmarks import synth
except ImportError:  # run as a script: benchmarks/ is on sys.path
    import synth

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
#: The issue's target for ``reader import`` with the search index in sync, on 2 cores.
TARGET = 10_000

synth.ensure_reader_importable()

from reader.importer import collect, import_sources, read_source  # noqa: E402
from reader.schema import open_database  # noqa: E402
from reader.store import Incoming, Store, content_hash, identity, sort_key  # noqa: E402

BATCH = import_sources.__kwdefaults__["batch_size"]
VARIANTS = ("reader", "import_sources", "store", "read+parse", "read", "floor", "floor-no-fts")
DESCRIPTIONS = {
    "reader": "reader import (subprocess, end to end)",
    "import_sources": "import in-process (read+parse+store)",
    "store": "Store.save only (parsed beforehand)",
    "read+parse": "read+parse only (no database)",
    "read": "read the files only",
    "floor": "floor: executemany, same schema",
    "floor-no-fts": "floor without the search index",
}


def reader_command() -> list[str]:
    venv = ROOT / ".venv" / "bin" / "reader"
    if venv.exists():
        return [str(venv)]
    found = shutil.which("reader")
    return [found] if found else [sys.executable, "-m", "reader"]


def remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def count_articles(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT value FROM counters WHERE name = 'articles'").fetchone()[0]
    finally:
        conn.close()


# ---- the rows of the floor --------------------------------------------------------------


def floor_rows(items: list[Incoming], now: str) -> dict[str, list[tuple]]:
    """Every row the store would write for ``items``, ids in date order (outside the timing)."""
    from reader.article import tag_key

    fold = synth.search_folding()

    ordered = sorted(
        ((sort_key(item.article.published, now), n, item) for n, item in enumerate(items)),
        key=lambda row: (row[0], row[1]),
    )
    tags: dict[str, tuple[int, str]] = {}
    rows: dict[str, list[tuple]] = {"tags": [], "articles": [], "tag_links": [], "quotes": []}
    rows["fts"] = []
    for article_id, (key, _, item) in enumerate(ordered, start=1):
        a = item.article
        rows["articles"].append(
            (
                article_id,
                identity(a),
                a.headline,
                a.published,
                a.source,
                json.dumps(list(a.captions), ensure_ascii=False),
                a.lede,
                json.dumps([{"kind": b.kind, "text": b.text} for b in a.body], ensure_ascii=False),
                json.dumps(list(a.warnings)),
                a.origin,
                key,
                content_hash(a),
                int(bool(item.read)),
                int(bool(item.starred)),
                now,
            )
        )
        names = []
        for position, name in enumerate(a.tags):
            k = tag_key(name)
            if k not in tags:
                tags[k] = (len(tags) + 1, name)
                rows["tags"].append((len(tags), name, k))
            tag_id, display = tags[k]
            names.append(display)
            rows["tag_links"].append((tag_id, key, article_id, position, int(bool(item.read))))
        rows["quotes"] += [
            (article_id, seq, q.part, q.block, q.start, q.end, q.text, q.speaker)
            for seq, q in enumerate(a.quotes)
        ]
        body = "\n".join(b.text for b in a.body) if a.body else None
        texts = (a.headline, a.lede, body, "\n".join(names) or None)
        rows["fts"].append((article_id, *(fold(t) if t else t for t in texts)))
    return rows


FLOOR_SQL = {
    "tags": "INSERT INTO tags (id, name, key) VALUES (?, ?, ?)",
    "articles": (
        "INSERT INTO articles (id, identity, headline, published, source, captions, lede,"
        " body, warnings, origin, sort_key, content_hash, read, starred, imported_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    ),
    "tag_links": (
        "INSERT INTO article_tags (tag_id, sort_key, article_id, position, read)"
        " VALUES (?, ?, ?, ?, ?)"
    ),
    "quotes": (
        'INSERT INTO quotes (article_id, seq, part, block, start, "end", text, speaker)'
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    ),
    "fts": "INSERT INTO articles_fts (rowid, headline, lede, body, tags) VALUES (?, ?, ?, ?, ?)",
}


# ---- the variants -------------------------------------------------------------------------


class Bench:
    def __init__(self, folder: Path, work: Path, n: int) -> None:
        self.folder = folder
        self.work = work
        self.n = n
        self.db = work / "fresh.db"
        self.sources, problems = collect([str(folder)])
        if problems:
            raise SystemExit(f"cannot collect {folder}: {problems}")
        self.items = self.parse_all()
        if len(self.items) != n:
            raise SystemExit(f"parsed {len(self.items)} articles, expected {n}")
        self.rows = floor_rows(self.items, "2025-07-01T00:00:00")
        # What this process holds for the floor must not slow the in-process variants down
        # through the garbage collector (a fresh `reader import` holds one batch at a time).
        gc.collect()
        gc.freeze()

    def parse_all(self) -> list[Incoming]:
        items = []
        for source in self.sources:
            for name, item in read_source(source):
                if not isinstance(item, Incoming):
                    raise SystemExit(f"{name}: {item}")
                items.append(item)
        return items

    def timed(self, variant: str) -> float:
        remove_db(self.db)
        run: Callable[[], object] = getattr(
            self, "run_" + variant.replace("+", "_").replace("-", "_")
        )
        started = time.perf_counter()
        run()
        elapsed = time.perf_counter() - started
        if variant not in ("read", "read+parse") and count_articles(self.db) != self.n:
            raise SystemExit(f"{variant}: the database does not hold {self.n} articles")
        remove_db(self.db)
        return elapsed

    def run_reader(self) -> None:
        command = [*reader_command(), "--db", str(self.db), "import", str(self.folder)]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0 or not done.stdout.startswith(f"{self.n} new"):
            raise SystemExit(f"reader import failed: {done.stdout}{done.stderr}")

    def run_import_sources(self) -> None:
        with Store(self.db) as store:
            report = import_sources(store, self.sources)
        if report.failed:
            raise SystemExit(f"import_sources: {report.failures[:3]}")

    def run_store(self) -> None:
        with Store(self.db) as store:
            for start in range(0, len(self.items), BATCH):
                store.save(self.items[start : start + BATCH])

    def run_read_parse(self) -> None:
        self.parse_all()

    def run_read(self) -> None:
        for source in self.sources:
            source.path.read_bytes()

    def run_floor(self, fts: bool = True) -> None:
        conn = open_database(self.db)
        conn.execute("BEGIN IMMEDIATE")
        for table, sql in FLOOR_SQL.items():
            if fts or table != "fts":
                conn.executemany(sql, self.rows[table])
        conn.execute("COMMIT")
        conn.close()

    def run_floor_no_fts(self) -> None:
        self.run_floor(fts=False)

    def startup(self) -> float:
        started = time.perf_counter()
        subprocess.run([*reader_command(), "--version"], capture_output=True, check=True)
        return time.perf_counter() - started

    def profile(self, top: int) -> dict:
        """The in-process import once under cProfile: hot functions and time by stage."""
        remove_db(self.db)
        profiler = cProfile.Profile()
        profiler.enable()
        self.run_import_sources()
        profiler.disable()
        remove_db(self.db)
        stats = pstats.Stats(profiler)
        functions = [
            {
                "function": f"{_short(path)}:{line}({name})",
                "calls": calls,
                "tottime": tottime,
                "cumtime": cumtime,
            }
            for (path, line, name), (_, calls, tottime, cumtime, _) in stats.stats.items()
        ]
        functions.sort(key=lambda f: -f["tottime"])
        by_module, by_stage = _attribute(stats.stats)
        return {
            "total_seconds": stats.total_tt,
            "top": functions[:top],
            "by_module": by_module,
            "by_stage": by_stage,
        }


#: Which stage each module of the reader belongs to.
STAGES = {
    "reader/sanitize.py": "parse",
    "reader/parse.py": "parse",
    "reader/quotes.py": "parse",
    "reader/dates.py": "parse",
    "reader/article.py": "parse",
    "reader/jsonl.py": "parse",
    "reader/store.py": "store (Python)",
    "reader/schema.py": "store (Python)",
    "sqlite3": "store (SQLite)",
    "reader/importer.py": "read files, batch",
}


def _short(path: str) -> str:
    for marker in ("/reader/", "/lib/python"):
        if marker in path:
            return path[path.index(marker) + 1 :]
    return path


def _attribute(raw: dict) -> tuple[dict[str, float], dict[str, float]]:
    """Own time per reader module, the time of what it calls outside the reader included.

    Calls into SQLite are their own bucket; any other function outside ``reader/`` (built-ins,
    ``json``, ``hashlib``, ``re``) is charged to the reader functions that called it, in
    proportion to the time each caller spent in it.
    """
    owners: dict[tuple, dict[str, float]] = {}

    def owner(func: tuple, seen: frozenset = frozenset()) -> dict[str, float]:
        if func in owners:
            return owners[func]
        path, _, name = func
        if "/reader/" in path:
            share = {"reader/" + path.rsplit("/reader/", 1)[1]: 1.0}
        elif path == "~" and "sqlite3" in name:
            share = {"sqlite3": 1.0}
        else:
            callers = raw.get(func, (0, 0, 0, 0, {}))[4]
            weights = {c: v[3] for c, v in callers.items() if c not in seen and c != func}
            total = sum(weights.values())
            share = {}
            for caller, weight in weights.items():
                for module, part in owner(caller, seen | {func}).items():
                    share[module] = share.get(module, 0.0) + part * weight / (total or 1.0)
            share = share or {"other": 1.0}
        if not seen:
            owners[func] = share
        return share

    by_module: dict[str, float] = {}
    for func, (_, _, tottime, _, _) in raw.items():
        for module, part in owner(func).items():
            by_module[module] = by_module.get(module, 0.0) + part * tottime
    by_stage: dict[str, float] = {}
    for module, seconds in by_module.items():
        stage = STAGES.get(module, "other")
        by_stage[stage] = by_stage.get(stage, 0.0) + seconds

    def ordered(d: dict[str, float]) -> dict[str, float]:
        return dict(sorted(d.items(), key=lambda kv: -kv[1]))

    return ordered(by_module), ordered(by_stage)


# ---- reporting ------------------------------------------------------------------------------


def summarise(n: int, seconds: dict[str, list[float]]) -> dict[str, dict]:
    floor = seconds["floor"]
    out = {}
    for variant, values in seconds.items():
        rates = [n / s for s in values]
        ratios = [f / s for f, s in zip(floor, values, strict=True)]  # speed / floor speed
        out[variant] = {
            "description": DESCRIPTIONS[variant],
            "seconds": [round(s, 4) for s in values],
            "rate_median": statistics.median(rates),
            "rate_min": min(rates),
            "rate_max": max(rates),
            "vs_floor_median": statistics.median(ratios),
        }
    return out


def print_table(result: dict) -> None:
    env = result["environment"]
    print(
        f"\nreader import: {result['n']:,} articles ({result['bytes'] / 2**20:.1f} MiB of"
        f" {result['format']} in {result['order']} order), {result['rounds']} rounds;"
        f" Python {env['python']}, SQLite"
        f" {env['sqlite']}, {env['cpus']} CPUs, load {env['load_before']}"
    )
    head = f"{'variant':<42}{'median/s':>11}{'min/s':>11}{'max/s':>11}{'x floor':>9}"
    print(head)
    print("-" * len(head))
    for row in result["variants"].values():
        print(
            f"{row['description']:<42}{row['rate_median']:>11,.0f}{row['rate_min']:>11,.0f}"
            f"{row['rate_max']:>11,.0f}{row['vs_floor_median']:>9.2f}"
        )
    startup = result["startup_seconds"]
    print(f"(start-up of `reader --version`: median {statistics.median(startup) * 1000:.0f} ms)")
    if "reader" in result["variants"]:
        reader = result["variants"]["reader"]["rate_median"]
        verdict = "meets" if reader >= TARGET else "misses"
        print(
            f"target {TARGET:,} articles/s for `reader import`: {verdict} it ({reader:,.0f}/s,"
            f" {reader / TARGET:.2f}x)"
        )
    profile = result.get("profile")
    if profile:
        total = profile["total_seconds"]
        print(f"\nprofile of the in-process import ({total:.2f} s under cProfile)")
        print("by stage (what a module calls outside the reader counts as its own):")
        for stage, tottime in profile["by_stage"].items():
            print(f"  {tottime:8.2f} s {100 * tottime / total:5.1f}%  {stage}")
        print("by module:")
        for module, tottime in profile["by_module"].items():
            print(f"  {tottime:8.2f} s {100 * tottime / total:5.1f}%  {module}")
        print("hot functions (own time):")
        for f in profile["top"]:
            print(
                f"  {f['tottime']:8.3f} s {100 * f['tottime'] / total:5.1f}%"
                f" {f['calls']:>9,} calls  {f['function']}"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="articles (default 10,000)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tags", type=int, default=synth.DEFAULT_TAGS)
    parser.add_argument("--jsonl", action="store_true", help="one articles.jsonl, not .txt files")
    parser.add_argument(
        "--order",
        choices=synth.ORDERS,
        default="random",
        help="the order the import meets the articles in (default: random, as slug-named files)",
    )
    parser.add_argument("--profile", action="store_true", help="profile one in-process import")
    parser.add_argument("--top", type=int, default=25, help="hot functions to list")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the generated folder")
    parser.add_argument(
        "--only", nargs="+", choices=VARIANTS, help="run these variants only (floor always runs)"
    )
    args = parser.parse_args(argv)
    variants = [v for v in VARIANTS if not args.only or v in args.only or v == "floor"]

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    DATA.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"import-{args.n}-", dir=DATA))
    folder = work / "articles"
    try:
        started = time.perf_counter()
        say(f"writing {args.n:,} articles into {folder} ...")
        paths = synth.write_files(
            folder, args.n, seed=args.seed, tags=args.tags, jsonl=args.jsonl, order=args.order
        )
        size = sum(p.stat().st_size for p in paths)
        say(f"  {time.perf_counter() - started:.1f} s; parsing them once for the floor ...")
        bench = Bench(folder, work, args.n)
        seconds: dict[str, list[float]] = {v: [] for v in variants}
        startup: list[float] = []
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
        for number in range(args.rounds):
            order = variants[number % len(variants) :] + variants[: number % len(variants)]
            startup.append(bench.startup())
            for variant in order:
                seconds[variant].append(bench.timed(variant))
            say(
                f"  round {number + 1}: "
                + ", ".join(f"{v} {args.n / seconds[v][-1]:,.0f}/s" for v in variants)
            )
        result = {
            "n": args.n,
            "rounds": args.rounds,
            "format": "one articles.jsonl" if args.jsonl else ".txt files",
            "order": args.order,
            "bytes": size,
            "target": TARGET,
            "environment": {
                "python": platform.python_version(),
                "sqlite": sqlite3.sqlite_version,
                "cpus": os.cpu_count(),
                "load_before": round(load, 2) if load is not None else None,
                "machine": platform.machine(),
            },
            "startup_seconds": [round(s, 4) for s in startup],
            "variants": summarise(args.n, seconds),
        }
        if args.profile:
            say("profiling one in-process import ...")
            result["profile"] = bench.profile(args.top)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
