"""Filters and search on a big archive: store queries, the app's keystrokes, bytes an article.

Three parts, all on one synthetic database (``synth.build_db``, reused when its parameters
match; ~30% unread):

1. **Store.** For each view below, the first page (``Store.page(view, limit=200)``, or
   ``Store.page_at(view, 0, 200)`` for a relevance-ordered search), ``Store.count(view)``
   and, for information, the unread count the app's header shows with it
   (``count`` of the same view unread-only). Words and tags are picked from the data: tags
   by ``tags.article_count``; words by their document counts, read through an ``fts5vocab``
   table created in the TEMP schema of a separate read-only connection (nothing is written
   to the database). The views: a common tag, a rare tag (~100 articles), two common-ish
   tags, unread only, a rare word (in 0.1-3% of the articles: 1k-30k at 1M), a common word
   (30-70%), a word + a tag + unread only, a 3- and a 4-letter prefix of a mid-frequency
   word (3-30%), a phrase, two diacritics queries (``cafe`` for ``Café``, ``istanbul`` for
   ``İstanbul``); then, beyond the list, both words by relevance and a common word inside a
   rare tag. Also ``Store.quotes(limit=200)``, ``count_quotes()`` and ``speakers()``.
   Round 0 is a warm-up (reported as "first"); then ``--repeat`` rounds, each in a fresh
   process on a fresh connection, every measurement in a shuffled order. Medians, min and
   max in ms. The targets (issue 13): under 100 ms for each first page and count, the
   unread count included; under 50 ms for ``count_quotes()`` and ``speakers()``.
2. **App.** Through ``../shared/tools/tui_first_paint.py`` (tmux), interleaved round by round
   with the floor ``../shared/tools/minimal_textual_app.py`` (its ``j`` latency in the same
   run is the base of every ratio): ``u`` until the header reads ``Unread  N shown``; each
   character of ``--type`` typed into search (``/`` opens the field; measured until the
   header shows ``/PREFIX  N shown``; one run per character, the earlier characters typed as
   ``--pre-keys``); the tag picker: ``t`` (pre-keys, until the picker is on screen: reported
   too), then a prefix of the most used tag and ``enter`` until the header shows
   ``#Tag  N shown``. If ``/`` opens no search field (a probe run times out waiting for it),
   the search part is skipped with a message.
3. **Size.** Database bytes per article, and the command that measures the import rate with
   the search index in sync (``benchmarks/import_bench.py``).

Usage, from the repository root with the project's venv::

    .venv/bin/python benchmarks/filter_bench.py                    # 1,000,000 articles
    .venv/bin/python benchmarks/filter_bench.py --n 100000 --repeat 5 --json out.json
    .venv/bin/python benchmarks/filter_bench.py --no-app           # store and size only
    .venv/bin/python benchmarks/filter_bench.py --no-store --app-rounds 9 --type kreml

Picking the words reads the whole search vocabulary once (~10 s at 1,000,000 articles).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
TARGET_MS = 100.0  # a view's first page, its count and its unread count
QUOTES_TARGET_MS = 50.0  # count_quotes() and speakers()
PAGE = 200

sys.path.insert(0, str(HERE))
import synth  # noqa: E402  (sibling scripts, not a package)
from tui_harness import (  # noqa: E402
    FLOOR,
    VENV_BIN,
    check_tools,
    compile_bytecode,
    harness,
    summary,
)

synth.ensure_reader_importable()

from reader.filters import Filter  # noqa: E402
from reader.store import Store  # noqa: E402

_ALPHA = re.compile(r"[a-z]+")


# ---- picking the views from the data ----------------------------------------------------


def vocabulary(db: Path) -> list[tuple[str, int]]:
    """Every indexed term with its document count, via ``fts5vocab`` in the TEMP schema."""
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        conn.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, articles_fts, 'row')")
        return conn.execute("SELECT term, doc FROM temp.vocab").fetchall()
    finally:
        conn.close()


def _closest(terms: list[tuple[str, int]], low: int, high: int, aim: int) -> str:
    """The plain word (letters only, 5+) with a document count in [low, high] nearest ``aim``.

    Words that are the prefix of another indexed word are passed over, so that the
    search (which matches a word by prefix) finds exactly the word's documents.
    """
    words = sorted(t for t, _ in terms)
    extended = {a for a, b in itertools.pairwise(words) if b.startswith(a)}
    pool = [
        (abs(doc - aim), term)
        for term, doc in terms
        if low <= doc <= high and len(term) >= 5 and _ALPHA.fullmatch(term)
    ]
    pool = [p for p in pool if p[1] not in extended] or pool
    if not pool:
        raise SystemExit(f"no word with {low:,}-{high:,} documents in the search index")
    return min(pool)[1]


def pick_views(db: Path, phrase: str) -> tuple[list[dict], dict]:
    """The measured views (name, filter fields, ranked) and what was picked, with why."""
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        top = conn.execute(
            "SELECT name, article_count FROM tags ORDER BY article_count DESC LIMIT 3"
        ).fetchall()
        total = conn.execute("SELECT value FROM counters WHERE name = 'articles'").fetchone()[0]
        rare = conn.execute(
            "SELECT name, article_count FROM tags WHERE article_count > 0"
            " ORDER BY abs(article_count - 100), key LIMIT 1"
        ).fetchone()
    finally:
        conn.close()
    started = time.perf_counter()
    terms = vocabulary(db)
    vocab_s = time.perf_counter() - started
    docs = dict(terms)
    # Shares of the archive: at 1,000,000 articles 1k-30k, 30k-300k and 300k-700k documents.
    rare_word = _closest(terms, *(round(total * f) for f in (0.001, 0.03, 0.01)))
    mid_word = _closest(terms, *(round(total * f) for f in (0.03, 0.3, 0.1)))
    common_word = _closest(terms, *(round(total * f) for f in (0.3, 0.7, 0.45)))
    common_tag, (tag_a, tag_b) = top[0][0], (top[1][0], top[2][0])
    picked = {
        "common tag": {"name": common_tag, "articles": top[0][1]},
        "rare tag": {"name": rare[0], "articles": rare[1]},
        "two tags": {"names": [tag_a, tag_b], "articles": [top[1][1], top[2][1]]},
        "rare word": {"word": rare_word, "documents": docs[rare_word]},
        "common word": {"word": common_word, "documents": docs[common_word]},
        "mid word": {"word": mid_word, "documents": docs[mid_word]},
        "vocabulary": {"terms": len(terms), "seconds": round(vocab_s, 1)},
    }
    views = [
        ("common tag", {"tags": [common_tag]}),
        ("rare tag", {"tags": [rare[0]]}),
        ("two tags", {"tags": [tag_a, tag_b]}),
        ("unread only", {"unread_only": True}),
        ("rare word", {"query": rare_word}),
        ("common word", {"query": common_word}),
        ("word+tag+unread", {"query": mid_word, "tags": [common_tag], "unread_only": True}),
        ("prefix 3", {"query": mid_word[:3]}),
        ("prefix 4", {"query": mid_word[:4]}),
        ("phrase", {"query": f'"{phrase}"'}),
        ("diacritics", {"query": "cafe"}),
        ("diacritics", {"query": "istanbul"}),
        # Beyond the list: the relevance order (page_at) and a word inside a rare tag.
        ("rare word, rank", {"query": rare_word, "relevance": True}),
        ("common word, rank", {"query": common_word, "relevance": True}),
        ("common word+rare tag", {"query": common_word, "tags": [rare[0]]}),
    ]
    out = []
    for name, fields in views:
        fields = {**fields, "tags": list(fields.get("tags", ()))}  # JSON for the rounds
        out.append({"name": name, "label": _filter(fields).describe(), "filter": fields})
    return out, picked


def _filter(fields: dict) -> Filter:
    return Filter(**{**fields, "tags": tuple(fields["tags"])})


# ---- one round of store measurements (in its own process) --------------------------------


def _tasks(store: Store, views: list[dict]) -> list[tuple[str, str, Callable[[], object]]]:
    tasks: list[tuple[str, str, Callable[[], object]]] = []
    for index, spec in enumerate(views):
        view = _filter(spec["filter"])
        key = str(index)
        if view.relevance:
            tasks.append((key, "page", lambda v=view: store.page_at(v, 0, PAGE)))
        else:
            tasks.append((key, "page", lambda v=view: store.page(v, limit=PAGE)))
        tasks.append((key, "count", lambda v=view: store.count(v)))
        unread = Filter(**{**spec["filter"], "tags": view.tags, "unread_only": True})
        tasks.append((key, "unread", lambda v=unread: store.count(v)))
    tasks.append(("quotes", "page", lambda: store.quotes(limit=PAGE)))
    tasks.append(("quotes", "count", lambda: store.count_quotes()))
    tasks.append(("speakers", "page", lambda: store.speakers()))
    return tasks


def run_round(db: Path, views: list[dict], seed: int) -> dict:
    """Every measurement once, in an order shuffled by ``seed``, on a fresh connection."""
    store = Store(db, readonly=True)
    try:
        store.count(Filter())  # the schema is read on first use: not part of any figure
        tasks = _tasks(store, views)
        random.Random(seed).shuffle(tasks)
        out: dict[str, dict[str, dict]] = {}
        for key, measure, fn in tasks:
            started = time.perf_counter()
            result = fn()
            ms = (time.perf_counter() - started) * 1000
            size = result if isinstance(result, int) else len(result)  # type: ignore[arg-type]
            out.setdefault(key, {})[measure] = {"ms": ms, "result": size}
        return out
    finally:
        store.close()


def store_rounds(db: Path, views: list[dict], repeat: int, seed: int) -> list[dict]:
    """Round 0 (warm-up) and ``repeat`` measured rounds, each in a fresh process."""
    rounds = []
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as spec:
        json.dump({"db": str(db), "views": views}, spec)
    try:
        for number in range(repeat + 1):
            proc = subprocess.run(
                [sys.executable, __file__, "--_round", spec.name, "--seed", str(seed + number)],
                capture_output=True,
                text=True,
                check=False,
            )
            if proc.returncode != 0:
                raise SystemExit(f"store round {number} failed:\n{proc.stderr}")
            rounds.append(json.loads(proc.stdout))
            what = "warm-up" if number == 0 else f"{number}/{repeat}"
            print(f"store round {what} done", file=sys.stderr, flush=True)
    finally:
        os.unlink(spec.name)
    return rounds


def store_report(views: list[dict], rounds: list[dict]) -> list[dict]:
    warm, measured = rounds[0], rounds[1:]
    rows = []
    keys = [(str(i), spec["name"], spec["label"]) for i, spec in enumerate(views)]
    keys += [("quotes", "quotes", "Store.quotes(200) / count_quotes()")]
    keys += [("speakers", "speakers", "Store.speakers()")]
    for key, name, label in keys:
        row: dict = {"name": name, "view": label}
        for measure in ("page", "count", "unread"):
            if measure not in warm.get(key, {}):
                continue
            times = [r[key][measure]["ms"] for r in measured]
            row[measure] = summary(times) | {"first": warm[key][measure]["ms"]}
            row[f"{measure}_result"] = warm[key][measure]["result"]
        rows.append(row)
    return rows


def print_store(rows: list[dict], repeat: int) -> list[str]:
    """The table; returns the names of the rows over the target."""

    def cell(s: dict | None) -> str:
        if s is None:
            return f"{'':>22}"
        return f"{s['median']:7.1f} {s['min']:6.1f} {s['max']:7.1f}"

    print(f"\nStore ({repeat} rounds in fresh processes after a warm-up; ms: median min max)")
    print(
        f"{'case':21} {'view':34} {'hits':>9} {'unread':>8}  {'first page (200)':>22}"
        f"  {'count':>22}  {'unread count':>12} {'first':>7}"
    )
    over = []
    for row in rows:
        page, count, unread = row.get("page"), row.get("count"), row.get("unread")
        hits = row.get("count_result", row.get("page_result", ""))
        unread_hits = row.get("unread_result", "")
        view = row["view"] if len(row["view"]) <= 34 else row["view"][:33] + "…"
        first = max(s["first"] for s in (page, count) if s)
        flag = ""
        if row["name"] in ("quotes", "speakers"):
            target, timed = QUOTES_TARGET_MS, [count if row["name"] == "quotes" else page]
        else:
            target, timed = TARGET_MS, [page, count, unread]
        if any(s and s["median"] > target for s in timed):
            flag = f"  > {target:.0f} ms"
            over.append(row["name"] + " " + row["view"])
        print(
            f"{row['name']:21} {view:34} {_n(hits):>9} {_n(unread_hits):>8}  {cell(page)}"
            f"  {cell(count)}  {_ms(unread):>12}"
            f" {first:7.1f}{flag}"
        )
    print(
        "hits: count(view) (speakers: people; quotes: count_quotes); unread: the header's"
        " unread count, timed in 'unread count';\nfirst: the slower of page and count in the"
        " warm-up round (the OS page cache as the run found it)"
    )
    return over


def _ms(s: dict | None) -> str:
    return f"{s['median']:.1f}" if s else ""


def _n(value) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


# ---- the app, through tui_first_paint.py --------------------------------------------------


def _keys(text: str) -> list[str]:
    """tmux send-keys names for typing ``text`` one key at a time."""
    return ["Space" if c == " " else c for c in text]


def _header(label: str) -> str:
    """The header once a view is on screen: ``LABEL  N shown``."""
    return re.escape(label) + r"\s+[\d,]+ shown"


def app_part(args, db: Path, picked: dict) -> dict:
    reader = f"{VENV_BIN / 'reader'} --db {db}"
    floor = f"{sys.executable} {FLOOR}"
    newest = re.escape(synth.headline_prefix(0))
    quit_reader = "C-q"  # ctrl+q quits from any screen; "q" would be typed into a field
    # The most used tag: it is also the picker's first row before anything is typed, so the
    # figure holds even when ``enter`` overtakes the typed prefix (keys sent in one burst
    # can reach the picker's enter binding before its list is filtered).
    tag = picked["common tag"]["name"]
    prefix = tag_prefix(db, tag)

    # Does "/" open a search field yet? One probe run, waiting for the field's placeholder.
    probe = harness(
        reader,
        newest,
        "--pre-keys",
        "/",
        "--pre-expect",
        args.search_open,
        timeout=args.probe_timeout,
        quit_keys=quit_reader,
    )
    search_ok = "pre_keys_ms" in probe
    search_note = None
    if not search_ok:
        painted = "first_paint_ms" in probe
        search_note = (
            f"search skipped: '/' did not open a search field ({args.search_open!r} not on"
            f" screen within {args.probe_timeout:g} s)"
            if painted
            else f"search skipped: the reader did not paint ({probe.get('error')})"
        )
        print(search_note, file=sys.stderr)

    configs: list[tuple[str, Callable[[], dict]]] = [
        (
            "floor j",
            lambda: harness(
                floor, "^ready", "--keys", "j", "--key-repeat", "10",
                "--expect-keys", r"cursor={i}\b",
            ),
        ),
        (
            "reader u",
            lambda: harness(
                reader, newest, "--keys", "u", "--expect-keys", _header("Unread"),
                quit_keys=quit_reader,
            ),
        ),
        (
            f"tag: t, {prefix}, enter",
            lambda: harness(
                reader, newest, "--pre-keys", "t", "--pre-expect", args.picker_open,
                "--keys", " ".join([*_keys(prefix), "Enter"]), "--expect-keys", _header(f"#{tag}"),
                quit_keys=quit_reader,
            ),
        ),
    ]  # fmt: skip
    if search_ok:
        for k in range(1, len(args.type) + 1):
            typed, char = args.type[: k - 1], args.type[k - 1]
            pre = " ".join(["/", *_keys(typed)])
            pre_expect = _header(f"/{typed}") if typed else args.search_open
            configs.append(
                (
                    f"search /{args.type[:k]}",
                    lambda pre=pre, pre_expect=pre_expect, char=char, k=k: harness(
                        reader, newest, "--pre-keys", pre, "--pre-expect", pre_expect,
                        "--keys", _keys(char)[0], "--expect-keys", _header(f"/{args.type[:k]}"),
                        quit_keys=quit_reader,
                    ),
                )
            )  # fmt: skip

    picker = f"t (picker opens, {len_tags(db):,} tags)"
    names = [name for name, _ in configs] + [picker]
    samples: dict[str, list[float]] = {name: [] for name in names}
    errors: dict[str, list[str]] = {name: [] for name in names}
    for round_no in range(args.app_rounds):
        shift = round_no % len(configs)
        for name, run in configs[shift:] + configs[:shift]:
            result = run()
            if name.startswith("tag:") and "pre_keys_ms" in result:
                samples[picker].append(result["pre_keys_ms"])
            if "key_ms" not in result:
                errors[name].append(result.get("error", "no key figure"))
                continue
            samples[name].extend(result["key_ms"])
        print(f"app round {round_no + 1}/{args.app_rounds} done", file=sys.stderr, flush=True)

    figures: dict[str, dict] = {}
    base = statistics.median(samples["floor j"]) if samples["floor j"] else None
    for name, values in samples.items():
        entry: dict = summary(values) if values else {"n": 0}
        if values and base:
            entry["ratio"] = entry["median"] / base
        if errors[name]:
            entry["errors"] = errors[name]
        figures[name] = entry
    return {
        "rounds": args.app_rounds,
        "figures": figures,
        "search": search_ok,
        "search_note": search_note,
    }


def tag_prefix(db: Path, tag: str, length: int = 3) -> str:
    """The shortest prefix (from ``length`` letters) whose best picker match is ``tag``."""
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        for size in range(length, len(tag) + 1):
            prefix = tag[:size]
            best = conn.execute(
                "SELECT name FROM tags WHERE key LIKE ? ESCAPE '\\' AND article_count > 0"
                " ORDER BY article_count DESC, key LIMIT 1",
                (prefix.casefold().replace("%", r"\%").replace("_", r"\_") + "%",),
            ).fetchone()
            if best and best[0] == tag:
                return prefix
    finally:
        conn.close()
    return tag


def len_tags(db: Path) -> int:
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM tags WHERE article_count > 0").fetchone()[0]
    finally:
        conn.close()


def print_app(app: dict) -> None:
    print(
        f"\nApp (tui_first_paint.py in tmux, {app['rounds']} interleaved rounds; key to"
        " repainted list with counts; ms)"
    )
    print(f"{'keys':32} {'median':>8} {'min':>8} {'max':>8} {'n':>3}  ratio to floor j")
    for name, entry in app["figures"].items():
        if not entry.get("n"):
            print(f"{name:32} no successful run: {(entry.get('errors') or ['?'])[0]}")
            continue
        ratio = f"x{entry['ratio']:.1f}" if "ratio" in entry else ""
        failed = f"  ({len(entry['errors'])} failed)" if entry.get("errors") else ""
        print(
            f"{name:32} {entry['median']:8.1f} {entry['min']:8.1f} {entry['max']:8.1f}"
            f" {entry['n']:3}  {ratio}{failed}"
        )
    if app["search_note"]:
        print(app["search_note"])
    else:
        print(
            "each search letter is typed after the earlier ones have settled, as after a pause"
            " in typing: the app searches at once (letters in a quick burst wait for its end)"
        )


# ---- size ---------------------------------------------------------------------------------


def size_part(db: Path) -> dict:
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        articles = conn.execute("SELECT value FROM counters WHERE name = 'articles'").fetchone()[0]
    finally:
        conn.close()
    files = [db, Path(f"{db}-wal")]
    size = sum(p.stat().st_size for p in files if p.exists())
    return {"bytes": size, "articles": articles, "bytes_per_article": size / max(articles, 1)}


def print_size(size: dict) -> None:
    print(
        f"\nSize: {size['bytes'] / 2**20:,.0f} MiB for {size['articles']:,} articles ="
        f" {size['bytes_per_article']:,.0f} bytes an article (file + WAL)"
    )
    print(
        "Import rate with the search index in sync:"
        " .venv/bin/python benchmarks/import_bench.py --n 100000 --rounds 3"
    )


# ---- main ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="articles in the database")
    parser.add_argument("--tags", type=int, default=synth.DEFAULT_TAGS)
    parser.add_argument("--db", type=Path, help="database to use (default: built under data/)")
    parser.add_argument("--repeat", type=int, default=7, help="measured store rounds")
    parser.add_argument("--seed", type=int, default=1, help="shuffles the store rounds")
    parser.add_argument("--phrase", default="prime minister", help="two adjacent words")
    parser.add_argument("--no-store", action="store_true", help="skip the store part")
    parser.add_argument("--no-app", action="store_true", help="skip the app part")
    parser.add_argument("--app-rounds", type=int, default=5)
    parser.add_argument("--type", default="kreml", help="typed into search, key by key")
    parser.add_argument(
        "--search-open", default="search:", help="regex: the search field is on screen"
    )
    parser.add_argument(
        "--picker-open",
        default=r"Filter by tag\s+[\d,]+ tags?",
        help="regex: the tag picker is on screen",
    )
    parser.add_argument("--probe-timeout", type=float, default=10.0, help="seconds")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--_round", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args._round:  # one store round, in a fresh process: JSON on stdout
        spec = json.loads(Path(args._round).read_text())
        json.dump(run_round(Path(spec["db"]), spec["views"], args.seed), sys.stdout)
        return 0

    db = args.db or synth.default_db_path(args.n, args.tags)
    if args.db is None:
        print(f"database: {db} (building or reusing)", file=sys.stderr, flush=True)
        synth.build_db(db, args.n, tags=args.tags, progress=True)
    print("picking words and tags from the data...", file=sys.stderr, flush=True)
    views, picked = pick_views(db, args.phrase)
    report: dict = {"db": str(db), "n": args.n, "tags": args.tags, "picked": picked}
    print(f"\n{db}: picked {json.dumps(picked, ensure_ascii=False)}")

    over: list[str] = []
    if not args.no_store:
        rounds = store_rounds(db, views, args.repeat, args.seed)
        rows = store_report(views, rounds)
        report["store"] = {
            "repeat": args.repeat,
            "target_ms": TARGET_MS,
            "quotes_target_ms": QUOTES_TARGET_MS,
            "rows": rows,
        }
        over = print_store(rows, args.repeat)
    if not args.no_app:
        check_tools()
        compile_bytecode()
        report["app"] = app_part(args, db, picked)
        print_app(report["app"])
    report["size"] = size_part(db)
    print_size(report["size"])
    if over:
        print(
            f"\nOver the target (median of page, count or unread count: {TARGET_MS:.0f} ms;"
            f" count_quotes, speakers: {QUOTES_TARGET_MS:.0f} ms): " + "; ".join(over)
        )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
