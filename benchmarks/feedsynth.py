"""Deterministic synthetic RSS feeds and a local HTTP server for them (standard library only).

Feed ``f`` of a set holds ``items`` items, newest first, the same on every run and machine for
a given ``seed`` (one random stream per feed). Each item is RSS 2.0 with a ``guid``
(``isPermaLink="false"``, unique across the set), a ``link``, a ``pubDate`` in RFC 822 form with
a numeric offset (``+0000``, ``+0200``, ``-0500``, ``+0530``, ...; strictly older as the item
number grows), two to four ``category`` elements, a ``title`` and a ``content:encoded`` body of
1–2 KB of HTML in CDATA: ``<p>`` paragraphs, an ``<h2>``, a ``<blockquote>``, an inline
``“…,” said Firstname Lastname.`` sentence and an ``<img alt>``. Words and names come from
``synth`` (the same Zipf-like vocabulary as the article benchmarks).

``write_set`` writes a set as ``ROOT/NAME/fNNN.xml`` plus ``ROOT/NAME/index.json`` (items,
ETag and Last-Modified of every file); ``write_subscriptions`` an OPML file and a newsboat-style
``urls`` file (one URL a line) for it. ``serve`` answers from such a root over HTTP/1.1 with
keep-alive, on one or more loopback addresses (127.0.0.1, 127.0.0.2, ...: feed ``f`` is on
address ``f % hosts``, as if on its own site):

* ``GET /NAME/fNNN.xml``: the file (``sendfile``), with ``ETag`` and ``Last-Modified`` while
  validators are on, and ``304 Not Modified`` to a matching ``If-None-Match`` (or, without
  one, an ``If-Modified-Since`` not older than the file); with validators off, neither header
  is sent and every request gets the full body;
* ``GET /_control?validators=on|off``: switch validators (on every address);
* ``GET /_stats?reset=1``: requests by status and bytes sent since the last reset, as JSON.

The body is sent as it is (no gzip), whatever ``Accept-Encoding`` says.

From the shell (from the repository root)::

    .venv/bin/python benchmarks/feedsynth.py show --items 2          # one small feed on stdout
    .venv/bin/python benchmarks/feedsynth.py write ROOT --name s10 --feeds 10 --items 1000
    .venv/bin/python benchmarks/feedsynth.py serve ROOT --hosts 10   # prints where it listens
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import threading
from array import array
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape, quoteattr

try:
    from benchmarks import synth
except ImportError:  # run as a script: benchmarks/ is on sys.path
    import synth

#: Bump when the generated feeds change.
FEEDSYNTH_VERSION = 1
NEWEST = datetime(2025, 6, 30, 18, 0, tzinfo=UTC)
#: Offsets the pubDates are written in (the moment is the same; only its form changes).
OFFSETS = tuple(
    timezone(timedelta(minutes=m)) for m in (0, 0, 120, 60, -300, -240, 330, 540, -180, 600)
)
CATEGORIES = synth.tag_names(400)


# ---- one feed -----------------------------------------------------------------------------


class _Words:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.table = synth.word_table()

    def draw(self, k: int) -> list[str]:
        slots = array("H", self.rng.randbytes(2 * k))
        if sys.byteorder == "big":
            slots.byteswap()  # the same words on every machine
        return [self.table[s] for s in slots]

    def phrase(self, low: int, high: int) -> str:
        words = self.draw(self.rng.randint(low, high))
        words[0] = words[0][:1].upper() + words[0][1:]
        return " ".join(words)

    def sentences(self, low: int, high: int) -> str:
        return " ".join(self.phrase(8, 22) + "." for _ in range(self.rng.randint(low, high)))


def item_xml(feed: int, i: int, words: _Words, moment: datetime, lean: bool = False) -> str:
    """Item ``i`` (0 = newest) of feed ``feed`` as an RSS 2.0 ``<item>``.

    ``lean``: one sentence a paragraph (HTML of 0.5–1 KB, the same elements), so that a
    50,000-item feed stays under a client's 64 MiB cap on a body.
    """
    rng = words.rng

    def sentences(low: int, high: int) -> str:
        return words.sentences(1, 1) if lean else words.sentences(low, high)

    first, last = rng.choice(synth.FIRST_NAMES), rng.choice(synth.SURNAMES)
    title = f"Feed {feed} item {i}: {words.phrase(4, 9)}"
    categories = rng.sample(
        CATEGORIES[:60] if rng.random() < 0.8 else CATEGORIES, rng.randint(2, 4)
    )
    quoted = words.phrase(8, 18)
    html = (
        f"<p>{sentences(2, 4)}</p>"
        f"<h2>{words.phrase(3, 7)}</h2>"
        f"<p>“{quoted},” said {first} {last}. {sentences(1, 3)}</p>"
        f"<blockquote><p>{sentences(1, 2)}</p></blockquote>"
        f"<p>{sentences(1, 3)}</p>"
        f'<p><img src="https://img.example.org/f{feed}/{i}.jpg"'
        f' alt="{words.phrase(3, 8)}"> {sentences(2, 4)}</p>'
    )
    pub = format_datetime(moment.astimezone(OFFSETS[(feed + i) % len(OFFSETS)]))
    cats = "".join(f"<category>{escape(c)}</category>" for c in categories)
    return (
        f"<item><title>{escape(title)}</title>"
        f"<link>https://news.example.org/f{feed}/{i}.html</link>"
        f'<guid isPermaLink="false">tag:news.example.org,2025:f{feed}/i{i}</guid>'
        f"<pubDate>{pub}</pubDate>{cats}"
        f"<content:encoded><![CDATA[{html}]]></content:encoded></item>\n"
    )


def item_moment(feed: int, i: int, items: int) -> datetime:
    """Strictly older as ``i`` grows; feeds interleave (a minute apart at the top)."""
    step = max(1, 3 * 365 * 24 * 60 // max(items, 1))
    return NEWEST - timedelta(minutes=i * step + feed % step)


def feed_xml(feed: int, items: int, seed: int = 0, lean: bool = False) -> tuple[bytes, datetime]:
    """Feed ``feed`` with ``items`` items, as UTF-8 bytes, and its newest item's moment."""
    words = _Words(random.Random(seed * 1_000_003 + feed))
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">\n'
        f"<channel><title>Synthetic feed {feed}</title>"
        f"<link>https://news.example.org/f{feed}/</link>"
        f"<description>{items} synthetic items</description><language>en</language>"
        f"<lastBuildDate>{format_datetime(item_moment(feed, 0, items))}</lastBuildDate>\n"
    ]
    parts += [item_xml(feed, i, words, item_moment(feed, i, items), lean) for i in range(items)]
    parts.append("</channel></rss>\n")
    return "".join(parts).encode(), item_moment(feed, 0, items)


def _write_one(job: tuple[Path, int, int, int, bool]) -> tuple[str, dict]:
    path, feed, items, seed, lean = job
    data, newest = feed_xml(feed, items, seed, lean)
    path.write_bytes(data)
    etag = '"' + hashlib.sha1(data).hexdigest()[:16] + '"'
    return path.name, {
        "items": items,
        "bytes": len(data),
        "etag": etag,
        "last_modified": format_datetime(newest, usegmt=True),
    }


def write_set(
    root: Path,
    name: str,
    feeds: int,
    items: int,
    *,
    seed: int = 0,
    lean: bool = False,
    workers: int | None = None,
) -> dict:
    """Write ``feeds`` feeds of ``items`` items under ``root/name``; return its index."""
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [(folder / f"f{feed:03d}.xml", feed, items, seed, lean) for feed in range(feeds)]
    if feeds > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            files = dict(pool.map(_write_one, jobs))
    else:
        files = dict(map(_write_one, jobs))
    index = {"version": FEEDSYNTH_VERSION, "seed": seed, "feeds": feeds, "items": items}
    index["lean"] = lean
    index["files"] = files
    (folder / "index.json").write_text(json.dumps(index, indent=1))
    return index


def addresses(hosts: int) -> list[str]:
    """``hosts`` loopback addresses: 127.0.0.1, 127.0.0.2, ... (Linux routes all of 127/8)."""
    return [f"127.0.{(k + 1) // 256}.{(k + 1) % 256}" for k in range(hosts)]


def urls(name: str, index: dict, listening: list[tuple[str, int]]) -> list[str]:
    """The set's feed URLs, feed ``f`` on ``listening[f % len(listening)]``."""
    out = []
    for n, file in enumerate(index["files"]):
        host, port = listening[n % len(listening)]
        out.append(f"http://{host}:{port}/{name}/{file}")
    return out


def write_subscriptions(
    folder: Path, name: str, index: dict, listening: list[tuple[str, int]]
) -> tuple[Path, Path]:
    """An OPML file and a newsboat ``urls`` file subscribing to the set; their paths."""
    links = urls(name, index, listening)
    outlines = "\n".join(
        f'    <outline type="rss" text="Synthetic feed {n}" xmlUrl={quoteattr(u)}/>'
        for n, u in enumerate(links)
    )
    opml = folder / f"{name}.opml"
    opml.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">\n'
        f"  <head><title>{name}</title></head>\n  <body>\n{outlines}\n  </body>\n</opml>\n"
    )
    plain = folder / f"{name}.urls"
    plain.write_text("".join(u + "\n" for u in links))
    return opml, plain


# ---- the server ---------------------------------------------------------------------------


class FeedState:
    """What every listening socket shares: the files, the validator switch, the counts."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.validators = True
        self.lock = threading.Lock()
        self.stats: dict[str, int] = {}
        self.files: dict[str, dict] = {}
        for index_path in self.root.glob("*/index.json"):
            index = json.loads(index_path.read_text())
            for name, meta in index["files"].items():
                meta = dict(meta)
                meta["path"] = index_path.parent / name
                meta["lm_moment"] = parsedate_to_datetime(meta["last_modified"])
                self.files[f"/{index_path.parent.name}/{name}"] = meta

    def count(self, key: str, n: int = 1) -> None:
        with self.lock:
            self.stats[key] = self.stats.get(key, 0) + n


class FeedServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # 16+ clients connecting at once must not wait for SYN retries

    def __init__(self, state: FeedState, address: tuple[str, int]) -> None:
        super().__init__(address, FeedHandler)
        self.state = state


class FeedHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FeedServer

    def log_message(self, format, *args) -> None:
        pass

    def do_HEAD(self) -> None:
        self.do_GET(body=False)

    def do_GET(self, body: bool = True) -> None:
        state = self.server.state
        parts = urlsplit(self.path)
        if parts.path == "/_control":
            value = parse_qs(parts.query).get("validators", [""])[0]
            if value in ("on", "off"):
                state.validators = value == "on"
            return self.small(200, f"validators {'on' if state.validators else 'off'}\n")
        if parts.path == "/_stats":
            with state.lock:
                stats = dict(state.stats)
                if parse_qs(parts.query).get("reset"):
                    state.stats.clear()
            return self.small(200, json.dumps(stats), "application/json")
        meta = state.files.get(parts.path)
        if meta is None:
            state.count("404")
            return self.small(404, "not found\n")
        if state.validators and self.not_modified(meta):
            state.count("304")
            self.send_response(304)
            self.send_header("ETag", meta["etag"])
            self.send_header("Last-Modified", meta["last_modified"])
            self.end_headers()
            return None
        state.count("200")
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
        self.send_header("Content-Length", str(meta["bytes"]))
        if state.validators:
            self.send_header("ETag", meta["etag"])
            self.send_header("Last-Modified", meta["last_modified"])
        self.end_headers()
        if body:
            with open(meta["path"], "rb") as f:
                self.connection.sendfile(f)
            state.count("bytes", meta["bytes"])
        return None

    def not_modified(self, meta: dict) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
            return "*" in tags or meta["etag"] in tags
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                return meta["lm_moment"] <= parsedate_to_datetime(since)
            except (TypeError, ValueError):
                return False
        return False

    def small(self, status: int, text: str, kind: str = "text/plain") -> None:
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def serve(root: Path, hosts: int = 1, port: int = 0) -> None:
    """Serve ``root`` on ``hosts`` loopback addresses until killed.

    Prints one line first: ``listening`` and a JSON list of ``[address, port]``. One address
    a feed (up to ``hosts``) gives a client that limits its connections per host the same
    room as one that does not, as feeds on different sites would.
    """
    state = FeedState(root)
    servers = [FeedServer(state, (address, port)) for address in addresses(hosts)]
    listening = [list(s.server_address[:2]) for s in servers]
    for server in servers[1:]:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print("listening " + json.dumps(listening), flush=True)
    servers[0].serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    show = sub.add_parser("show", help="print one feed")
    show.add_argument("--feed", type=int, default=0)
    show.add_argument("--items", type=int, default=3)
    show.add_argument("--seed", type=int, default=0)
    write = sub.add_parser("write", help="write a set of feeds under ROOT/NAME")
    write.add_argument("root", type=Path)
    write.add_argument("--name", default="s10")
    write.add_argument("--feeds", type=int, default=10)
    write.add_argument("--items", type=int, default=1000)
    write.add_argument("--seed", type=int, default=0)
    write.add_argument("--lean", action="store_true", help="one sentence a paragraph")
    run = sub.add_parser("serve", help="serve ROOT on 127.0.0.1 (and more loopback addresses)")
    run.add_argument("root", type=Path)
    run.add_argument("--hosts", type=int, default=1, help="loopback addresses to listen on")
    run.add_argument("--port", type=int, default=0, help="the same port on each (0: any)")
    args = parser.parse_args(argv)
    if args.command == "show":
        sys.stdout.write(feed_xml(args.feed, args.items, args.seed)[0].decode())
    elif args.command == "write":
        index = write_set(
            args.root, args.name, args.feeds, args.items, seed=args.seed, lean=args.lean
        )
        total = sum(f["bytes"] for f in index["files"].values())
        print(f"{args.feeds} feeds, {total / 2**20:.1f} MiB in {args.root / args.name}")
    else:
        serve(args.root, args.hosts, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
