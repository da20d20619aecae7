"""``reader import`` at scale: its rate against newsboat's reload in the same rounds, its
memory (every process of the command together), and adding to a large archive.

Cases (``--cases``, default ``empty memory``):

* ``empty``: ``reader import`` of ``--n`` (10,000) synthetic files (``synth.py``, slug order)
  into a fresh database, end to end as a subprocess; in the same round, newsboat 2.21 reloads
  ``--n`` items from empty (``feed_bench.py --only newsboat``: ``--n``/1,000 local feeds of
  1,000 items, served on loopback). The ratio is the reader's articles/s over newsboat's
  items/s in that round. After each import the search index must hold every article
  (``articles_fts_docsize``), so "done" means searchable.
* ``memory``: the peak of the summed RSS of ``reader import`` and all its processes (sampled
  every 10 ms from /proc), at each of ``--memory-n`` (10,000 and 100,000 files): it must not
  grow with the number of files.
* ``add``: ``--n`` more files (new articles) imported into a copy of ``--into`` (a
  1,000,000-article archive, ``synth.py``), against the rate into an empty database in the
  same round.
* ``reindex``: what the upgrade to schema 8 does at ``--into`` (1,000,000 articles): drop the
  search index, create it again and fill it (``reader.search_index.fill``), in a transaction
  rolled back at the end (the archive is left as it was); once with the second process
  reading the rows (as an upgrade from schema 6 or later, and ``doctor --fix``), once without.
* ``million``: one import of a folder of ``--million`` (1,000,000) files into an empty
  database: time and peak memory. Writes about 2.4 GB of files first (kept in
  ``benchmarks/data/files-N`` for the next run).

Usage (from the repository root)::

    .venv/bin/python benchmarks/scale_bench.py                        # empty + memory, 3 rounds
    .venv/bin/python benchmarks/scale_bench.py --cases add \
        --into benchmarks/data/synth-1000000-50000.db
    .venv/bin/python benchmarks/scale_bench.py --cases million --reader-at HEAD
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

try:
    from benchmarks import feed_bench, synth
except ImportError:  # run as a script: benchmarks/ is on sys.path
    import feed_bench
    import synth

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def files(n: int, seed: int = 0, *, order: str = "random", start: int = 0) -> Path:
    """A folder of ``n`` synthetic article files, written once and kept."""
    folder = DATA / f"files-{n}-{order}-{seed}-{start}"
    done = folder / ".complete"
    if done.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    say(f"writing {n:,} files into {folder} ...")
    started = time.perf_counter()
    articles = folder / "articles"
    articles.mkdir(parents=True)
    # Articles start..start+n of a larger archive: new to one of the first `start` articles.
    total = start + n
    for article in synth.generate(total, start, total, seed=seed + 1):
        name = synth.file_name(article, order, seed)
        (articles / name).write_bytes(article.text().encode("utf-8"))
    done.touch()
    say(f"  {time.perf_counter() - started:.0f} s")
    return folder


def reader_command(at: str | None) -> tuple[list[str], dict[str, str]]:
    """The reader to run: the work tree's, or a commit's (``--reader-at``) checked out into
    a temporary folder, so that editing the work tree meanwhile changes nothing."""
    env = dict(os.environ)
    if at is None:
        return [str(ROOT / ".venv" / "bin" / "reader")], env
    tree = Path(tempfile.mkdtemp(prefix="reader-at-", dir=DATA))
    subprocess.run(
        f"git -C {ROOT} archive {at} reader widgets | tar -x -C {tree}", shell=True, check=True
    )
    env["PYTHONPATH"] = str(tree)
    return [str(ROOT / ".venv" / "bin" / "python"), "-m", "reader"], env


def import_run(command: list[str], env: dict, db: Path, folder: Path, work: Path) -> dict:
    run = feed_bench.run_command(
        [*command, "--db", str(db), "import", str(folder)], env, work / "import", sample_tree=True
    )
    if run.returncode != 0:
        raise SystemExit(f"reader import failed ({run.returncode}): {run.tail()}")
    conn = sqlite3.connect(db)
    articles, indexed = conn.execute(
        "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM articles_fts_docsize)"
    ).fetchone()
    conn.close()
    if articles != indexed:
        raise SystemExit(f"{db}: {articles} articles but {indexed} in the search index")
    return {
        "seconds": run.seconds,
        "articles": articles,
        "peak_mib": max(run.maxrss_kib, run.tree_kib) / 1024,
        "summary": run.stdout.strip(),
    }


def newsboat_rate(items: int) -> float:
    feeds = max(1, items // 1000)
    done = subprocess.run(
        [
            sys.executable, str(HERE / "feed_bench.py"), "--only", "newsboat", "--sets",
            str(feeds), "--items", "1000", "--big", "0", "--rounds", "1", "--json",
        ],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"feed_bench failed: {done.stderr[-2000:]}")
    result = json.loads(done.stdout)
    for row in result["rows"]:
        if row["case"] == "from_empty" and row.get("newsboat"):
            return statistics.median(row["newsboat"])
    raise SystemExit(f"no newsboat figure in feed_bench's output: {done.stdout[:500]}")


def remove(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def case_empty(args, command, env, work) -> dict:
    folder = files(args.n)
    rows = []
    for number in range(1, args.rounds + 1):
        db = work / "empty.db"
        remove(db)
        order = ["reader", "newsboat"] if number % 2 else ["newsboat", "reader"]
        row = {}
        for who in order:
            if who == "reader":
                run = import_run(command, env, db, folder, work)
                row["reader"] = run["articles"] / run["seconds"]
                row["reader_peak_mib"] = run["peak_mib"]
            else:
                row["newsboat"] = newsboat_rate(args.n)
        row["ratio"] = row["reader"] / row["newsboat"]
        say(
            f"  round {number}: reader {row['reader']:,.0f}/s (peak {row['reader_peak_mib']:.0f}"
            f" MiB), newsboat {row['newsboat']:,.0f}/s: {row['ratio']:.2f}x"
        )
        rows.append(row)
        remove(db)
    return {"rounds": rows, "median_ratio": statistics.median(r["ratio"] for r in rows)}


def case_memory(args, command, env, work) -> dict:
    out = {}
    for n in args.memory_n:
        folder = files(n)
        db = work / "memory.db"
        remove(db)
        run = import_run(command, env, db, folder, work)
        out[n] = {"peak_mib": run["peak_mib"], "rate": run["articles"] / run["seconds"]}
        say(f"  {n:,} files: peak {run['peak_mib']:.0f} MiB, {out[n]['rate']:,.0f}/s")
        remove(db)
    return out


def case_add(args, command, env, work) -> dict:
    if args.into is None:
        raise SystemExit("--cases add needs --into ARCHIVE")
    into = Path(args.into)
    size = (
        sqlite3.connect(f"file:{into}?mode=ro", uri=True)
        .execute("SELECT value FROM counters WHERE name = 'articles'")
        .fetchone()[0]
    )
    folder = files(args.n, start=size)  # articles past the archive's: all new to it
    rows = []
    for number in range(1, args.rounds + 1):
        big, empty = work / "big.db", work / "empty.db"
        remove(big)
        remove(empty)
        say(f"  round {number}: copying {into.name} ...")
        subprocess.run(["cp", "--reflink=auto", str(into), str(big)], check=True)
        row = {}
        for who in ["big", "empty"] if number % 2 else ["empty", "big"]:
            db = big if who == "big" else empty
            run = import_run(command, env, db, folder, work)
            row[who] = args.n / run["seconds"]
            row[who + "_peak_mib"] = run["peak_mib"]
        row["ratio"] = row["big"] / row["empty"]
        say(
            f"  round {number}: into {size:,}: {row['big']:,.0f}/s, into empty:"
            f" {row['empty']:,.0f}/s: {row['ratio']:.2f}x"
        )
        rows.append(row)
        remove(big)
        remove(empty)
    return {
        "archive": size,
        "rounds": rows,
        "median_ratio": statistics.median(r["ratio"] for r in rows),
    }


REINDEX = """
import sys, time, sqlite3
from reader import search_index
from reader.schema import MIGRATIONS, _statements


def main():
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    started, cpu = time.perf_counter(), time.process_time()
    for statement in _statements(MIGRATIONS[7]):
        if "articles_fts" in statement:  # the search index's part of the migration
            conn.execute(statement)
    dropped = time.perf_counter() - started
    articles = search_index.fill(conn, committed=sys.argv[2] == "parallel")
    print(articles, dropped, time.perf_counter() - started, time.process_time() - cpu)
    conn.execute("ROLLBACK")


if __name__ == "__main__":
    main()
"""


def case_reindex(args, command, env, work) -> dict:
    if args.into is None:
        raise SystemExit("--cases reindex needs --into ARCHIVE")
    script = work / "reindex.py"
    script.write_text(REINDEX)
    out = {}
    for how in ("parallel", "single"):
        done = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "python"), str(script), str(args.into), how],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(f"reindex failed: {done.stderr[-2000:]}")
        articles, dropped, seconds, cpu = done.stdout.split()
        out[how] = {
            "articles": int(articles), "drop_and_create": float(dropped),
            "seconds": float(seconds), "cpu_main": float(cpu),
        }  # fmt: skip
        say(
            f"  {how}: {int(articles):,} articles in {float(seconds):.0f} s (drop and create"
            f" {float(dropped):.0f} s; this process's CPU {float(cpu):.0f} s)"
        )
    return out


def case_million(args, command, env, work) -> dict:
    folder = files(args.million)
    db = work / "million.db"
    remove(db)
    run = import_run(command, env, db, folder, work)
    out = {
        "files": args.million,
        "seconds": run["seconds"],
        "rate": run["articles"] / run["seconds"],
        "peak_mib": run["peak_mib"],
        "bytes_per_article": db.stat().st_size / max(run["articles"], 1),
    }
    say(
        f"  {args.million:,} files: {run['seconds']:.0f} s ({out['rate']:,.0f}/s), peak"
        f" {run['peak_mib']:.0f} MiB, {out['bytes_per_article']:,.0f} bytes an article"
    )
    remove(db)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", nargs="+", default=["empty", "memory"],
                        choices=["empty", "memory", "add", "reindex", "million"])  # fmt: skip
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--memory-n", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--million", type=int, default=1_000_000)
    parser.add_argument("--into", help="the archive that --cases add adds to (copied)")
    parser.add_argument("--reader-at", help="run the reader of this commit, not the work tree")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    synth.ensure_reader_importable()
    feed_bench.ensure_newsboat()
    command, env = reader_command(args.reader_at)
    load = os.getloadavg()[0]
    result: dict = {"n": args.n, "load_before": load, "python": platform.python_version()}
    with tempfile.TemporaryDirectory(prefix="scale-", dir=DATA) as tmp:
        work = Path(tmp)
        for case in args.cases:
            say(f"{case}:")
            result[case] = globals()[f"case_{case}"](args, command, env, work)
    result["load_after"] = os.getloadavg()[0]
    if args.reader_at:
        shutil.rmtree(Path(env["PYTHONPATH"]), ignore_errors=True)
    print(json.dumps(result, indent=2) if args.json else _table(result))
    return 0


def _table(result: dict) -> str:
    lines = [f"load {result['load_before']:.1f} before, {result['load_after']:.1f} after"]
    if "empty" in result:
        rows = result["empty"]["rounds"]
        lines.append(
            f"import of {result['n']:,} files into an empty database: reader"
            f" {statistics.median(r['reader'] for r in rows):,.0f}/s, newsboat reload"
            f" {statistics.median(r['newsboat'] for r in rows):,.0f} items/s; reader ÷ newsboat"
            f" {result['empty']['median_ratio']:.2f}x"
            f" ({', '.join(format(r['ratio'], '.2f') for r in rows)}); target >= 1.3x"
        )
    if "memory" in result:
        lines.append(
            "peak memory of all processes: "
            + ", ".join(f"{n:,} files {m['peak_mib']:.0f} MiB" for n, m in result["memory"].items())
            + "; target < 200 MiB, flat"
        )
    if "add" in result:
        rows = result["add"]["rounds"]
        lines.append(
            f"adding {result['n']:,} files to {result['add']['archive']:,} articles:"
            f" {statistics.median(r['big'] for r in rows):,.0f}/s, into empty"
            f" {statistics.median(r['empty'] for r in rows):,.0f}/s:"
            f" {result['add']['median_ratio']:.2f}x; target 1.0x"
        )
    if "reindex" in result:
        r = result["reindex"]
        lines.append(
            f"search index rebuilt (the upgrade to schema 8) at {r['parallel']['articles']:,}"
            f" articles: {r['parallel']['seconds']:.0f} s with a second process,"
            f" {r['single']['seconds']:.0f} s without; target < 120 s"
        )
    if "million" in result:
        m = result["million"]
        lines.append(
            f"{m['files']:,} files: {m['seconds']:.0f} s ({m['rate']:,.0f}/s), peak"
            f" {m['peak_mib']:.0f} MiB, {m['bytes_per_article']:,.0f} bytes an article;"
            " target < 120 s, < 200 MiB"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
