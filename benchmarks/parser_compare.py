"""feedparser against the faster compatible parsers: speed, memory, hostile XML, correctness.

Compares ``feedparser``, ``fastfeedparser`` and ``feedparser-rs`` (and ``reader.feedparse``,
the project's parser on top of the chosen one), each given BYTES:

* **speed**: items per second on a synthetic 1,000-item RSS 2.0 feed whose items carry
  ``content:encoded`` HTML of 1–2 KB, and on a 1,000-item Atom 1.0 feed. Rounds are
  interleaved (order rotated each round) and each library's speed is divided by
  feedparser's in the same round; the table gives the median of those ratios, since the
  machine is shared and raw speeds drift.
* **memory**: a 50,000-item RSS 2.0 feed parsed in a fresh subprocess per library: peak
  RSS of the whole process (``ru_maxrss``, feed bytes and interpreter included), the RSS
  growth over the process before the parse, and, in a second subprocess, the tracemalloc
  peak. tracemalloc sees only Python's allocator: libxml2 (lxml) and Rust allocations are
  invisible to it, so the RSS figures are the ones that count.
* **hostile**: billion laughs, an external entity on a file holding a secret, an external
  entity and an external DTD on a socket this script listens on, and the bytes of a path or
  a URL given as the document. Each runs in a subprocess with a timeout and a 2 GiB address
  space limit; the table says how long it took, whether the secret leaked into the result,
  and whether the socket accepted a connection.
* **correctness**: the fixtures in ``tests/data/feeds/`` checked field by field (guid, link,
  dates with offsets, categories, content:encoded against description, Atom content
  type html/xhtml/text, RDF, RSS 0.91, JSON Feed, HTML page refused).

All feeds are generated deterministically (``random.Random(SEED)``). Usage::

    .venv/bin/python benchmarks/parser_compare.py                # everything, 5 rounds
    .venv/bin/python benchmarks/parser_compare.py --only speed --rounds 9
    .venv/bin/python benchmarks/parser_compare.py --only memory --items 50000
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "data" / "feeds"
SEED = 20240601
BASE_URL = "https://bench.example.com/feed.xml"
LIBS = ("feedparser", "fastfeedparser", "feedparser-rs", "reader.feedparse")

_WORD_TEXT = (
    "the of and to in a is that for it as was with be by on not he this are or his from at "
    "which but have an they you were her she there been one all we their has would when who "
    "minister talks border election market court report city river winter energy "
)
_WORDS = tuple(_WORD_TEXT.split())


# ---- the parsers, each given bytes ------------------------------------------------------------


def parser(name: str) -> Callable[[bytes], Any]:
    """The library's parse function, called the way that never opens a path or a URL."""
    if name == "feedparser":
        import feedparser

        # A BytesIO, not the bytes: feedparser hands bytes to open() first, as a file name.
        return lambda data: feedparser.parse(
            io.BytesIO(data), sanitize_html=False, resolve_relative_uris=False
        )
    if name == "fastfeedparser":
        import fastfeedparser

        return fastfeedparser.parse  # bytes never fetched: only a str starting http(s) is
    if name == "feedparser-rs":
        import feedparser_rs

        # Its default limits keep only the first 10,000 entries (flagged as bozo).
        limits = feedparser_rs.ParserLimits(max_entries=1_000_000)
        return lambda data: feedparser_rs.parse_with_limits(
            data, limits=limits, sanitize_html=False, resolve_relative_uris=False
        )
    if name == "reader.feedparse":
        sys.path.insert(0, str(ROOT))
        from reader.feedparse import parse_feed

        return lambda data: parse_feed(data, BASE_URL)
    raise ValueError(name)


def entries_of(result: Any) -> list[Any]:
    return list(result.entries)


# ---- synthetic feeds ----------------------------------------------------------------------------


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(n)).capitalize()


def _html_body(rng: random.Random) -> str:
    target = rng.randint(1000, 2000)
    parts: list[str] = []
    size = 0
    while size < target:
        p = f'<p>{_sentence(rng, 12)} <a href="/a/{rng.randint(1, 9999)}">link</a>. '
        p += f"<b>{_sentence(rng, 4)}</b> {_sentence(rng, 10)}.</p>\n"
        parts.append(p)
        size += len(p)
    return "".join(parts)


def _rfc822(i: int) -> str:
    day = 1 + i % 28
    return f"Mon, {day:02d} Jan 2024 {i % 24:02d}:{i % 60:02d}:00 +0200"


def synth_rss(n: int, *, content: bool = True, seed: int = SEED) -> bytes:
    """An RSS 2.0 feed of ``n`` items; with ``content``, 1-2 KB of content:encoded HTML each."""
    rng = random.Random(seed)
    out = io.StringIO()
    out.write(
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/">\n<channel>\n'
        "<title>Synthetic</title><link>https://bench.example.com/</link>\n"
    )
    for i in range(n):
        out.write(
            f"<item><title>{_sentence(rng, 8)} {i}</title>"
            f"<link>https://bench.example.com/a/{i}</link>"
            f'<guid isPermaLink="false">urn:bench:{i}</guid>'
            f"<pubDate>{_rfc822(i)}</pubDate>"
            f"<category>{rng.choice(_WORDS)}</category><category>Europe</category>"
            f"<description>{_sentence(rng, 30)}.</description>"
        )
        if content:
            out.write(f"<content:encoded><![CDATA[{_html_body(rng)}]]></content:encoded>")
        out.write("</item>\n")
    out.write("</channel></rss>\n")
    return out.getvalue().encode()


def synth_atom(n: int, seed: int = SEED) -> bytes:
    """An Atom 1.0 feed of ``n`` entries with type="html" content of 1-2 KB."""
    from xml.sax.saxutils import escape

    rng = random.Random(seed)
    out = io.StringIO()
    out.write(
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
        '<title>Synthetic</title><link rel="alternate" href="https://bench.example.com/"/>\n'
        "<id>urn:bench</id><updated>2024-01-01T00:00:00Z</updated>\n"
    )
    for i in range(n):
        out.write(
            f"<entry><title>{_sentence(rng, 8)} {i}</title>"
            f'<link rel="alternate" href="https://bench.example.com/a/{i}"/>'
            f"<id>urn:bench:{i}</id>"
            f"<published>2024-01-{1 + i % 28:02d}T{i % 24:02d}:00:00+02:00</published>"
            f"<updated>2024-01-{1 + i % 28:02d}T{i % 24:02d}:30:00+02:00</updated>"
            f'<category term="{rng.choice(_WORDS)}"/>'
            f"<summary>{_sentence(rng, 30)}.</summary>"
            f'<content type="html">{escape(_html_body(rng))}</content></entry>\n'
        )
    out.write("</feed>\n")
    return out.getvalue().encode()


# ---- speed --------------------------------------------------------------------------------------


def bench_speed(libs: list[str], rounds: int, n: int) -> dict[str, Any]:
    docs = {"rss": synth_rss(n), "atom": synth_atom(n)}
    fns = {lib: parser(lib) for lib in libs}
    for lib in libs:  # warm up, and check every library sees every item
        for kind, data in docs.items():
            got = len(entries_of(fns[lib](data)))
            if got != n:
                print(f"warning: {lib} found {got} of {n} items in {kind}", file=sys.stderr)
    speeds: dict[tuple[str, str], list[float]] = {}
    ratios: dict[tuple[str, str], list[float]] = {}
    for r in range(rounds):
        order = libs[r % len(libs) :] + libs[: r % len(libs)]
        for kind, data in docs.items():
            this_round: dict[str, float] = {}
            for lib in order:
                start = time.perf_counter()
                fns[lib](data)
                this_round[lib] = n / (time.perf_counter() - start)
            for lib in libs:
                speeds.setdefault((lib, kind), []).append(this_round[lib])
                ratios.setdefault((lib, kind), []).append(
                    this_round[lib] / this_round["feedparser"]
                )
    return {
        "items": n,
        "bytes": {kind: len(data) for kind, data in docs.items()},
        "rows": [
            {
                "lib": lib,
                "kind": kind,
                "items_per_s_median": statistics.median(speeds[lib, kind]),
                "ratio_median": statistics.median(ratios[lib, kind]),
                "ratio_min": min(ratios[lib, kind]),
                "ratio_max": max(ratios[lib, kind]),
            }
            for kind in docs
            for lib in libs
        ],
    }


# ---- memory (one fresh subprocess per library and mode) -----------------------------------------


def _rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _memory_child(lib: str, feed_path: str, mode: str) -> None:
    import gc

    fn = parser(lib)
    fn(synth_rss(3, content=False))  # import everything the parse will need
    data = Path(feed_path).read_bytes()  # generated by the parent: its peak is not ours
    gc.collect()
    before = _rss_kib()
    if mode == "tracemalloc":
        import tracemalloc

        tracemalloc.start()
        result = fn(data)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        out = {"tracemalloc_peak_mib": peak / 2**20}
    else:
        start = time.perf_counter()
        result = fn(data)
        seconds = time.perf_counter() - start
        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        out = {
            "feed_mib": len(data) / 2**20,
            "rss_before_mib": before / 1024,
            "peak_rss_mib": peak_kib / 1024,
            "rss_delta_mib": (peak_kib - before) / 1024,
            "seconds": seconds,
        }
    out["entries"] = len(entries_of(result))
    print(json.dumps(out))


def bench_memory(libs: list[str], n: int, content: bool) -> dict[str, Any]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        feed = Path(tmp) / "feed.xml"
        feed.write_bytes(synth_rss(n, content=content))
        for lib in libs:
            row: dict[str, Any] = {"lib": lib}
            for mode in ("rss", "tracemalloc"):
                proc = subprocess.run(
                    [sys.executable, __file__, "--_memory-child", lib, str(feed), mode],
                    capture_output=True,
                    text=True,
                    timeout=900,
                )
                if proc.returncode:
                    row["error"] = proc.stderr.strip().splitlines()[-1:]
                    continue
                row.update(json.loads(proc.stdout))
            rows.append(row)
    base = next((r for r in rows if r["lib"] == "feedparser" and "peak_rss_mib" in r), None)
    for row in rows:
        if base and "peak_rss_mib" in row:
            row["rss_delta_ratio"] = row["rss_delta_mib"] / base["rss_delta_mib"]
            row["peak_rss_ratio"] = row["peak_rss_mib"] / base["peak_rss_mib"]
    return {"items": n, "content": content, "rows": rows}


# ---- hostile documents --------------------------------------------------------------------------

SECRET = "S3CRET-7f1c2e-do-not-leak"


class Listener:
    """A TCP socket on 127.0.0.1 that counts the connections it accepts."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


def hostile_docs(secret_path: str, port: int) -> dict[str, bytes]:
    billion = (FIXTURES / "billion_laughs.xml").read_bytes()
    xxe_file = (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://'
        + secret_path
        + '">]>\n<rss version="2.0"><channel><title>&xxe;</title><link>http://x.example/</link>'
        "<item><title>&xxe;</title><link>http://x.example/1</link>"
        "<description>&xxe;</description></item></channel></rss>"
    ).encode()
    xxe_http = (
        f'<?xml version="1.0"?>\n<!DOCTYPE feed [<!ENTITY xxe SYSTEM "http://127.0.0.1:{port}/x">]>'
        '\n<feed xmlns="http://www.w3.org/2005/Atom"><title>&xxe;</title>'
        "<entry><id>1</id><title>&xxe;</title></entry></feed>"
    ).encode()
    ext_dtd = (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss SYSTEM "http://127.0.0.1:{port}/evil.dtd">\n'
        '<rss version="2.0"><channel><title>&ent;</title><item><title>t &ent;</title>'
        "<link>http://x.example/1</link></item></channel></rss>"
    ).encode()
    param = (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY % remote SYSTEM '
        f'"http://127.0.0.1:{port}/p.dtd"> %remote;]>\n'
        '<rss version="2.0"><channel><title>p</title><item><title>t</title>'
        "<link>http://x.example/1</link></item></channel></rss>"
    ).encode()
    return {
        "billion-laughs": billion,
        "xxe-file": xxe_file,
        "xxe-http": xxe_http,
        "external-dtd": ext_dtd,
        "parameter-entity": param,
        "doc-is-a-path": secret_path.encode(),
        "doc-is-a-url": f"http://127.0.0.1:{port}/feed.xml".encode(),
    }


def _hostile_child(lib: str, path: str) -> None:
    limit = 2 * 2**30
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    data = Path(path).read_bytes()
    fn = parser(lib)
    start = time.perf_counter()
    try:
        result = fn(data)
        outcome = f"parsed ({len(entries_of(result))} entries)"
        text = repr(result)
    except Exception as error:  # what each library raises is part of what is measured
        outcome = f"{type(error).__name__}: {str(error)[:60]}"
        text = repr(error)
    print(
        json.dumps(
            {
                "seconds": time.perf_counter() - start,
                "outcome": outcome,
                "leaked": SECRET in text,
                "output_chars": len(text),
            }
        )
    )


def bench_hostile(libs: list[str]) -> dict[str, Any]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        secret = Path(tmp) / "secret.txt"
        secret.write_text(SECRET + "\n")
        listener = Listener()
        try:
            docs = hostile_docs(str(secret), listener.port)
            for name, data in docs.items():
                doc_path = Path(tmp) / f"{name}.xml"
                doc_path.write_bytes(data)
                for lib in libs:
                    before = listener.accepted
                    start = time.perf_counter()
                    try:
                        proc = subprocess.run(
                            [sys.executable, __file__, "--_hostile-child", lib, str(doc_path)],
                            capture_output=True,
                            text=True,
                            timeout=20,
                        )
                        if proc.returncode:
                            tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
                            row = {"outcome": f"crashed rc={proc.returncode}: {tail[:60]}"}
                        else:
                            row = json.loads(proc.stdout)
                    except subprocess.TimeoutExpired:
                        row = {"outcome": "TIMEOUT after 20 s"}
                    row.setdefault("seconds", time.perf_counter() - start)
                    time.sleep(0.3)  # let a late connection reach the listener
                    row.update(doc=name, lib=lib, connections=listener.accepted - before)
                    rows.append(row)
        finally:
            listener.close()
    return {"rows": rows}


# ---- correctness on the fixtures ----------------------------------------------------------------


def _get(obj: Any, key: str) -> Any:
    try:
        return obj.get(key)
    except AttributeError:
        return getattr(obj, key, None)


def _first_entry(result: Any, index: int = 0) -> Any:
    entries = entries_of(result)
    return entries[index] if len(entries) > index else {}


def _content(entry: Any) -> str | None:
    content = _get(entry, "content") or []
    return _get(content[0], "value") if content else None


def _summary(entry: Any) -> str | None:
    return _get(entry, "summary") or _get(entry, "description")


def _tags(entry: Any) -> list[str]:
    return [_get(t, "label") or _get(t, "term") for t in (_get(entry, "tags") or [])]


def _raw_lib_checks() -> list[tuple[str, str, Callable[[Any], bool]]]:
    """(fixture, check, predicate on the library's own result)."""
    return [
        (
            "rss20.xml",
            "guid",
            lambda d: (_get(_first_entry(d), "id") or "").strip() == "urn:example:1",
        ),
        (
            "rss20.xml",
            "relative link kept for us to resolve",
            lambda d: _get(_first_entry(d), "link") == "/news/first",
        ),
        (
            "rss20.xml",
            "pubDate +0200 kept",
            lambda d: (
                "+0200" in (_get(_first_entry(d), "published") or "")
                or "+02:00" in (_get(_first_entry(d), "published") or "")
            ),
        ),
        (
            "rss20.xml",
            "dc:date without offset not given one",
            lambda d: any(
                (_get(e, "updated") or _get(e, "published") or "") == "2003-06-12T08:15:00"
                for e in entries_of(d)
            ),
        ),
        (
            "rss20.xml",
            "categories (3 given, 1 empty)",
            lambda d: len([t for t in _tags(_first_entry(d)) if t and t.strip()]) == 3,
        ),
        (
            "rss20.xml",
            "content:encoded is content",
            lambda d: "full" in (_content(_first_entry(d)) or ""),
        ),
        (
            "rss20.xml",
            "description is summary",
            lambda d: "summary" in (_summary(_first_entry(d)) or ""),
        ),
        (
            "rss20.xml",
            "&amp; in link decoded",
            lambda d: any(
                _get(e, "link") == "https://other.example.org/x?a=1&b=2" for e in entries_of(d)
            ),
        ),
        ("rss20.xml", "no guid invented", lambda d: _get(_first_entry(d, 5), "id") in (None, "")),
        ("rss20.xml", "6 items in document order", lambda d: len(entries_of(d)) == 6),
        (
            "rss091.xml",
            "RSS 0.91 ISO-8859-1 title",
            lambda d: _get(_first_entry(d), "title") == "Café opens",
        ),
        ("rss10.rdf", "RDF items", lambda d: len(entries_of(d)) == 2),
        (
            "rss10.rdf",
            "RDF dc:date -05:00 kept",
            lambda d: (
                "-05:00"
                in (_get(_first_entry(d), "updated") or _get(_first_entry(d), "published") or "")
            ),
        ),
        ("rss10.rdf", "RDF dc:subject", lambda d: _tags(_first_entry(d)) == ["Science"]),
        (
            "atom10.xml",
            "Atom id",
            lambda d: (_get(_first_entry(d), "id") or "").strip() == "tag:example.org,2003:3.2397",
        ),
        (
            "atom10.xml",
            "Atom alternate link",
            lambda d: _get(_first_entry(d), "link") == "/2005/04/02/atom",
        ),
        (
            "atom10.xml",
            "Atom published -04:00 kept",
            lambda d: (_get(_first_entry(d), "published") or "").endswith("-04:00"),
        ),
        (
            "atom10.xml",
            "Atom xhtml content",
            lambda d: "<i>[Update" in (_content(_first_entry(d)) or ""),
        ),
        (
            "atom10.xml",
            "Atom html content unescaped",
            lambda d: "<b>HTML</b>" in (_content(_first_entry(d, 1)) or ""),
        ),
        (
            "atom10.xml",
            "Atom text content typed text/plain",
            lambda d: (
                "plain" in (_get((_get(_first_entry(d, 2), "content") or [{}])[0], "type") or "")
            ),
        ),
        (
            "atom10.xml",
            "Atom category label or term",
            lambda d: _tags(_first_entry(d))[:2] == ["Technology", "atom"],
        ),
        (
            "atom10.xml",
            "Atom updated +05:30 kept",
            lambda d: (_get(_first_entry(d, 1), "updated") or "").endswith("+05:30"),
        ),
        (
            "atom03.xml",
            "Atom 0.3 issued -04:00",
            lambda d: (_get(_first_entry(d), "published") or "").endswith("-04:00"),
        ),
        ("jsonfeed11.json", "JSON Feed 1.1 items", lambda d: len(entries_of(d)) == 2),
        (
            "jsonfeed10.json",
            "JSON Feed 1.0 numeric id",
            lambda d: str(_get(_first_entry(d), "id")) == "42",
        ),
        ("not_a_feed.html", "HTML page: no entries (or refused)", lambda d: not entries_of(d)),
    ]


def bench_correctness(libs: list[str]) -> dict[str, Any]:
    rows = []
    checks = _raw_lib_checks()
    for lib in libs:
        if lib == "reader.feedparse":
            continue  # checked by tests/test_feedparse.py on its own types
        fn = parser(lib)
        for fixture, name, check in checks:
            try:
                ok = bool(check(fn((FIXTURES / fixture).read_bytes())))
                note = ""
            except Exception as error:
                # Refusing a page that is not a feed is the right answer, not a failure.
                ok = "(or refused)" in name
                note = "" if ok else f"{type(error).__name__}: {str(error)[:50]}"
            rows.append({"lib": lib, "fixture": fixture, "check": name, "ok": ok, "note": note})
    return {"rows": rows}


# ---- report -------------------------------------------------------------------------------------


def print_report(results: dict[str, Any]) -> None:
    if "speed" in results:
        s = results["speed"]
        print(
            f"\n## Speed: {s['items']} items (rss {s['bytes']['rss']:,} B, atom "
            f"{s['bytes']['atom']:,} B), median ratio to feedparser in the same round\n"
        )
        print("| library | feed | items/s (median) | × feedparser (median) | min–max |")
        print("|---|---|---:|---:|---|")
        for r in s["rows"]:
            print(
                f"| {r['lib']} | {r['kind']} | {r['items_per_s_median']:,.0f} | "
                f"{r['ratio_median']:.1f} | {r['ratio_min']:.1f}–{r['ratio_max']:.1f} |"
            )
    if "memory" in results:
        m = results["memory"]
        what = (
            "with 1-2 KB content:encoded"
            if m["content"]
            else "title, link, guid, date, 2 tags, description"
        )
        print(f"\n## Memory: {m['items']:,}-item RSS feed ({what}), a fresh process per library\n")
        print(
            "| library | feed MiB | RSS before | peak RSS (whole process) | RSS delta | "
            "× feedparser (delta) | tracemalloc peak | parse s | entries |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in m["rows"]:
            if "peak_rss_mib" not in r:
                print(f"| {r['lib']} | error: {r.get('error')} |")
                continue
            print(
                f"| {r['lib']} | {r['feed_mib']:.1f} | {r['rss_before_mib']:.0f} | "
                f"{r['peak_rss_mib']:.0f} MiB | {r['rss_delta_mib']:.0f} MiB | "
                f"{r.get('rss_delta_ratio', float('nan')):.2f} | "
                f"{r.get('tracemalloc_peak_mib', float('nan')):.0f} MiB | "
                f"{r['seconds']:.2f} | {r['entries']} |"
            )
    if "hostile" in results:
        print("\n## Hostile documents (subprocess, 20 s timeout, 2 GiB address space)\n")
        print("| document | library | seconds | outcome | secret leaked | connections |")
        print("|---|---|---:|---|---|---:|")
        for r in results["hostile"]["rows"]:
            print(
                f"| {r['doc']} | {r['lib']} | {r['seconds']:.2f} | {r['outcome']} | "
                f"{r.get('leaked', '?')} | {r['connections']} |"
            )
    if "correctness" in results:
        rows = results["correctness"]["rows"]
        libs = list(dict.fromkeys(r["lib"] for r in rows))
        print("\n## Correctness on tests/data/feeds (raw library output)\n")
        print("| fixture | check | " + " | ".join(libs) + " |")
        print("|---|---|" + "---|" * len(libs))
        table: dict[tuple[str, str], dict[str, str]] = {}
        for r in rows:
            mark = "ok" if r["ok"] else ("FAIL " + r["note"]).strip()
            table.setdefault((r["fixture"], r["check"]), {})[r["lib"]] = mark
        for (fixture, check), marks in table.items():
            print(f"| {fixture} | {check} | " + " | ".join(marks[lib] for lib in libs) + " |")
        for lib in libs:
            passed = sum(r["ok"] for r in rows if r["lib"] == lib)
            total = sum(1 for r in rows if r["lib"] == lib)
            print(f"\n{lib}: {passed}/{total}", end="")
        print()


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--_memory-child":
        _memory_child(sys.argv[2], sys.argv[3], sys.argv[4])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--_hostile-child":
        _hostile_child(sys.argv[2], sys.argv[3])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", nargs="*", choices=["speed", "memory", "hostile", "correctness"])
    ap.add_argument("--libs", nargs="*", default=list(LIBS), choices=LIBS)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--n", type=int, default=1000, help="items in the speed feeds")
    ap.add_argument("--items", type=int, default=50_000, help="items in the memory feed")
    ap.add_argument(
        "--memory-content", action="store_true", help="1-2 KB content:encoded in the memory feed"
    )
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    args = ap.parse_args()
    libs = args.libs
    try:
        parser("reader.feedparse")
    except ImportError:
        libs = [lib for lib in libs if lib != "reader.feedparse"]
    if "feedparser" not in libs:
        ap.error("feedparser is the baseline: keep it in --libs")
    todo = args.only or ["speed", "memory", "hostile", "correctness"]
    results: dict[str, Any] = {
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
    }
    if "speed" in todo:
        results["speed"] = bench_speed(libs, args.rounds, args.n)
    if "memory" in todo:
        results["memory"] = bench_memory(libs, args.items, args.memory_content)
    if "hostile" in todo:
        results["hostile"] = bench_hostile(libs)
    if "correctness" in todo:
        results["correctness"] = bench_correctness(libs)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print_report(results)


if __name__ == "__main__":
    main()
