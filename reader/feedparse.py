"""Feed bytes to a ``FeedDocument``: RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 through feedparser-rs,
JSON Feed 1.0/1.1 through the standard library's ``json``.

Nothing here reads a file or opens a connection, whatever the document says:

* the XML parser is given bytes, never a string (feedparser-rs, like feedparser and
  fastfeedparser, fetches a ``str`` that starts with ``http``); it has no DTD loading and
  expands only the five predefined entities and character references;
* before that, a document whose DOCTYPE declares entities (billion laughs, external
  entities) is refused outright, so the answer does not depend on the parser's settings.

Why feedparser-rs: ``benchmarks/parser_compare.py`` measured it ~35-40x feedparser's speed
(as fast as fastfeedparser), it passed the most fixture checks, and it keeps dates as
written, with their offset, where fastfeedparser turns them into UTC and drops ``&amp;``
from links in a document it had to recover. Its answer costs ~6.5 KB of Python objects per
entry, so a big document is parsed in chunks of items (``_chunks``): a 50,000-item feed
then peaks near 110 MiB for the whole process instead of ~400. Its default limits keep only
the first 10,000 entries, so the limits are raised here.

Every plain-text field goes through ``sanitize_line`` (``sanitize`` for a text body), every
link through ``safe_link`` against the feed's URL; HTML is kept as received for
``reader.html`` to clean, but only when it is a string.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from email.utils import parsedate_to_datetime
from html import escape
from html.parser import HTMLParser
from typing import Any

from reader.dates import iso
from reader.entry import Entry, FeedDocument, FeedError, FeedKind
from reader.links import safe_link
from reader.sanitize import sanitize, sanitize_line

#: A JSON Feed's ``version`` starts with this (1.0 is ``.../version/1``, 1.1 ``.../1.1``).
JSON_FEED_VERSION = "https://jsonfeed.org/version/"
#: feedparser-rs stops at 10,000 entries by default and says so only in ``bozo``.
MAX_ENTRIES = 1_000_000
MAX_FEED_BYTES = 100_000_000  # feedparser-rs's own default, kept explicit

_DOCTYPE = re.compile(r"<!DOCTYPE", re.IGNORECASE)
_DOCTYPE_B = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_ENTITY = re.compile(r"<!ENTITY", re.IGNORECASE)
_ENTITY_B = re.compile(rb"<!ENTITY", re.IGNORECASE)
_HTML_PAGE = re.compile(rb"<!DOCTYPE\s+html|<html[\s>]|<head[\s>]|<body[\s>]", re.IGNORECASE)
_WIDE_STARTS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
    (b"<\x00", "utf-16-le"),
    (b"\x00<", "utf-16-be"),
)


def parse_feed(data: bytes, url: str, content_type: str | None = None) -> FeedDocument:
    """Parse a feed document; ``url`` is where it came from (only to resolve relative links).

    Raises ``FeedError`` with a one-line reason for anything that is not a feed.
    """
    head, runs = parse_feed_runs(data, url, content_type)
    entries = [entry for run in runs for entry in run]
    entries.reverse()
    return FeedDocument(kind=head.kind, title=head.title, link=head.link, entries=tuple(entries))


def parse_feed_runs(
    data: bytes, url: str, content_type: str | None = None
) -> tuple[FeedDocument, Iterator[list[Entry]]]:
    """``parse_feed`` for a document of any size in bounded memory: the feed (title, link;
    no entries) and its entries in runs, **last first** (the oldest entries of a feed listed
    newest first), each run in that order too. A big document is parsed one run at a time,
    as the runs are asked for, so that only one run's entries are alive at once.

    The feed's own errors (not a feed, entities declared) are raised here, at once; the runs
    of a big document that turn out malformed further on are parsed leniently, whole.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError("parse_feed takes the document's bytes")  # never a path or a URL
    if isinstance(data, memoryview):
        data = bytes(data)  # bytes and bytearray are read as they are: no copy of a big feed
    if _looks_like_json(data, content_type):
        document = _parse_json(data, url)
        return _head(document), _reversed_runs(document.entries)
    return _parse_xml_runs(data, url)


def _head(document: FeedDocument) -> FeedDocument:
    return FeedDocument(kind=document.kind, title=document.title, link=document.link)


def _reversed_runs(entries: Sequence[Entry]) -> Iterator[list[Entry]]:
    for end in range(len(entries), 0, -CHUNK_ITEMS):
        run = list(entries[max(0, end - CHUNK_ITEMS) : end])
        run.reverse()
        yield run


# ---- XML: RSS and Atom through feedparser-rs --------------------------------------------------


def declares_entities(data: bytes) -> bool:
    """Does a DOCTYPE in this document declare entities (in any encoding the parser reads)?

    Deliberately broad: an ``<!ENTITY`` anywhere after a ``<!DOCTYPE`` counts, so an internal
    subset cannot hide its declarations behind a comment or a quoted ``]>``.
    """
    for start, encoding in _WIDE_STARTS:
        if data.startswith(start):
            text = data.decode(encoding, errors="replace")
            doctype = _DOCTYPE.search(text)
            return doctype is not None and _ENTITY.search(text, doctype.end()) is not None
    doctype = _DOCTYPE_B.search(data)
    return doctype is not None and _ENTITY_B.search(data, doctype.end()) is not None


def _parse_xml_runs(data: bytes, url: str) -> tuple[FeedDocument, Iterator[list[Entry]]]:
    if declares_entities(data):
        raise FeedError("XML declares entities: refused")
    spans = _item_spans(data) if len(data) > CHUNK_FROM_BYTES else None
    if spans is None:
        document = _parse_xml_whole(data, url)
        return _head(document), _reversed_runs(document.entries)
    # feedparser-rs holds ~6.5 KB of Python objects per entry of its answer, and the entries
    # themselves as much again: a big feed is parsed CHUNK_ITEMS items at a time, each run
    # handed on before the next is parsed. The first run is parsed now, for the feed's
    # title and to raise a document's errors at once; the others when asked for.
    head, tail = data[: spans[0][0]], data[spans[-1][1] :]

    def run_at(first: int) -> bytes:
        last = min(first + CHUNK_ITEMS, len(spans)) - 1
        return head + data[spans[first][0] : spans[last][1]] + tail

    first = _parse_xml_whole(run_at(0), url)
    starts = range(0, len(spans), CHUNK_ITEMS)

    def runs() -> Iterator[list[Entry]]:
        for start in reversed(starts):
            entries = list(
                first.entries if start == 0 else _parse_xml_whole(run_at(start), url).entries
            )
            entries.reverse()
            yield entries

    return _head(first), runs()


#: Documents above this size are parsed in runs of CHUNK_ITEMS items (see ``_item_spans``).
CHUNK_FROM_BYTES = 2_000_000
CHUNK_ITEMS = 1000
_ITEM_NAMES = frozenset({"item", "entry"})


def _item_spans(data: bytes) -> list[tuple[int, int]] | None:
    """Where each item of the document starts and ends (byte offsets), to parse it in runs of
    CHUNK_ITEMS items, or None to parse it whole.

    expat finds where each ``item``/``entry`` starts and ends (byte offsets); every chunk is
    the bytes before the first item, a run of items, and the bytes after the last one, so it
    keeps the namespaces, the encoding and the channel. Only for a well-formed document whose
    items are siblings, read byte for byte as Latin-1 (exact for any ASCII-compatible
    encoding, UTF-8 included): anything else is parsed whole, leniently.
    """
    from xml.parsers import expat

    if data.startswith(tuple(start for start, _ in _WIDE_STARTS)):
        return None
    parser = expat.ParserCreate(encoding="iso-8859-1")  # offsets only: never decodes text
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    spans: list[tuple[int, int]] = []
    depth = 0
    item_depth = inside = 0  # the depth items sit at; the depth of the item we are in

    def start(name: str, attrs: object) -> None:
        nonlocal depth, item_depth, inside
        depth += 1
        if not inside and name.rpartition(":")[2] in _ITEM_NAMES:
            item_depth = item_depth or depth
            if depth != item_depth:
                raise ValueError("items at two depths")
            inside = depth
            spans.append((parser.CurrentByteIndex, -1))

    def end(name: str) -> None:
        nonlocal depth, inside
        if inside == depth:
            inside = 0
            begin = spans[-1][0]
            spans[-1] = (begin, data.index(b">", parser.CurrentByteIndex) + 1)
        depth -= 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.buffer_text = True
    try:
        parser.Parse(data, True)
    except (expat.ExpatError, ValueError):
        return None
    if len(spans) <= CHUNK_ITEMS:
        return None
    gaps = (data[spans[i][1] : spans[i + 1][0]] for i in range(len(spans) - 1))
    if any(gap.strip() and b"</" in gap for gap in gaps):
        return None  # an element closes between two items: they are not all siblings
    return spans


def _parse_xml_whole(data: bytes, url: str) -> FeedDocument:
    import feedparser_rs  # lazy: only an import pays for it

    limits = feedparser_rs.ParserLimits(max_feed_size_bytes=MAX_FEED_BYTES, max_entries=MAX_ENTRIES)
    try:
        # bytes, not str: a str starting with http(s):// would be fetched.
        parsed = feedparser_rs.parse_with_limits(
            data, limits=limits, sanitize_html=False, resolve_relative_uris=False
        )
    except Exception as error:  # a Rust panic or limit surfaces as some exception
        raise FeedError(f"not a feed ({_one_line(error)})") from None
    version = parsed.get("version") or ""
    if version.startswith("rss"):
        kind: FeedKind = "rss"
    elif version.startswith("atom"):
        kind = "atom"
    elif version.startswith("json"):
        # A JSON document we did not recognise as one; never reached through parse_feed's
        # sniffing, but feedparser-rs reads JSON Feeds too: take ours instead.
        return _parse_json(data, url)
    elif _HTML_PAGE.search(data[:4096]):
        raise FeedError("not a feed (HTML page)")
    else:
        raise FeedError("not a feed (neither RSS, Atom nor JSON Feed)")
    feed = parsed.feed
    items = parsed.entries
    links = [_str(item.get("link")) for item in items]
    # feedparser-rs blanks links to private and local hosts (127.0.0.1, 10.x, *.local, an
    # intranet's names) and copies a guid into a missing link: take the document's own.
    if any(
        link == "" or (link and link == _str(item.get("id")))
        for link, item in zip(links, items, strict=True)
    ):
        raw = _raw_links(data)
        if raw is not None and len(raw) == len(items):
            links = [
                found if found is not None else _permalink(item) for found, item in zip(
                    raw, items, strict=True
                )
            ]  # fmt: skip
    entries = tuple(
        entry
        for item, link in zip(items, links, strict=True)
        if (entry := _xml_entry(item, url, kind, link)) is not None
    )
    return FeedDocument(
        kind=kind,
        title=_title(feed.get("title"), feed.get("title_detail")),
        link=safe_link(_str(feed.get("link")), base=url),
        entries=entries,
    )


def _permalink(item: Any) -> str | None:
    """An RSS guid is the item's permanent link only when it is an absolute http(s) URL
    (``<guid>12345</guid>`` resolved against the feed would be a made-up page)."""
    guid = _str(item.get("id"))
    return guid if guid and safe_link(guid) == guid.strip() else None


def _raw_links(data: bytes) -> list[str | None] | None:
    """The link each ``item``/``entry`` of the document gives, in order (RSS ``<link>``
    text, Atom ``<link href>`` of rel alternate), ``None`` where it gives none; ``None``
    when expat cannot read the document (then the parser's links stand)."""
    from xml.parsers import expat

    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    links: list[str | None] = []
    depth = item = 0  # item: the depth of the item being read, 0 outside one
    text: list[str] | None = None  # the text of an RSS <link> being read

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth, item, text
        depth += 1
        local = name.rpartition(":")[2]
        if not item and local in _ITEM_NAMES:
            item = depth
            links.append(None)
        elif item and depth == item + 1 and local == "link" and links[-1] is None:
            if "href" in attrs:
                if attrs.get("rel", "alternate") == "alternate":
                    links[-1] = attrs["href"]
            elif ":" not in name:
                text = []

    def end(name: str) -> None:
        nonlocal depth, item, text
        if text is not None:
            links[-1] = "".join(text).strip() or None
            text = None
        if depth == item:
            item = 0
        depth -= 1

    def characters(data: str) -> None:
        if text is not None:
            text.append(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    try:
        parser.Parse(data, True)
    except (expat.ExpatError, ValueError, LookupError):
        return None
    return links


def _xml_entry(item: Any, url: str, kind: FeedKind, link: str | None) -> Entry | None:
    content_html = content_text = None
    contents: set[str] = set()
    for block in item.get("content") or ():
        value, mime = _str(block.get("value")), (_str(block.get("type")) or "").lower()
        if value is None:
            continue
        contents.add(value)
        if "html" in mime:  # text/html, application/xhtml+xml
            content_html = content_html or value
        else:
            content_text = content_text or _text(value)
    summary_html = _str(item.get("summary"))
    if summary_html in contents:
        summary_html = None  # feedparser-rs, like feedparser, fills a missing summary from content
    elif summary_html is not None and not _is_html(item.get("summary_detail")):
        summary_html = escape(summary_html)  # Atom type="text": make it HTML that says the same
    published_raw = _str(item.get("published"))
    updated_raw = _str(item.get("updated"))
    if kind == "rss" and updated_raw == published_raw:
        updated_raw = None  # feedparser-rs copies pubDate into updated for RSS
    tags: list[str | None] = [
        _str(tag.get("label")) or _str(tag.get("term")) for tag in item.get("tags") or ()
    ]
    return _entry(
        guid=_str(item.get("id")),
        link=safe_link(link, base=url),
        title=_title(item.get("title"), item.get("title_detail")),
        published=parse_date(published_raw),
        updated=parse_date(updated_raw),
        author=_line(_str(item.get("author"))),
        content_html=content_html,
        summary_html=summary_html,
        content_text=content_text,
        categories=tags,
    )


def _is_html(detail: Any) -> bool:
    mime = _str(detail.get("type")) if detail is not None else None
    return mime is None or "html" in mime.lower()


def _title(value: Any, detail: Any) -> str | None:
    title = _str(value)
    if title is None:
        return None
    if _is_html(detail) and ("<" in title or "&" in title):
        title = _HtmlToText.text(title)  # RSS titles are HTML; Atom says so in type=
    return _line(title)


class _HtmlToText(HTMLParser):
    """The text of an HTML fragment (for titles): tags dropped, references decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    @classmethod
    def text(cls, html: str) -> str:
        parser = cls()
        parser.feed(html)
        parser.close()
        return "".join(parser.parts)


# ---- JSON Feed ---------------------------------------------------------------------------------


def _looks_like_json(data: bytes, content_type: str | None) -> bool:
    if content_type and "json" in content_type.lower():
        return True
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith((b"{", b"["))


def _parse_json(data: bytes, url: str) -> FeedDocument:
    try:
        document = json.loads(data)  # bytes: json detects UTF-8/16/32 itself
    except (ValueError, RecursionError) as error:  # JSONDecodeError, bad UTF-8, too deep
        raise FeedError(f"not a feed (invalid JSON: {_one_line(error)})") from None
    if not isinstance(document, dict):
        raise FeedError("JSON Feed: the top level must be an object")
    version = document.get("version")
    if not isinstance(version, str) or not version.startswith(JSON_FEED_VERSION):
        raise FeedError("not a feed (JSON without a JSON Feed version)")
    items = document.get("items")
    if not isinstance(items, list):
        raise FeedError("JSON Feed: 'items' must be a list")
    feed_author = _json_author(document)
    entries = tuple(
        entry
        for item in items
        if isinstance(item, dict) and (entry := _json_entry(item, url, feed_author)) is not None
    )
    return FeedDocument(
        kind="json",
        title=_line(_str(document.get("title"))),
        link=safe_link(_str(document.get("home_page_url")), base=url),
        entries=entries,
    )


def _json_entry(item: dict[str, Any], url: str, feed_author: str | None) -> Entry | None:
    guid = item.get("id")
    if isinstance(guid, int) and not isinstance(guid, bool):
        guid = str(guid)  # JSON Feed 1.0 feeds in the wild number their items
    summary = _str(item.get("summary"))  # plain text in JSON Feed
    tags = item.get("tags")
    return _entry(
        guid=_str(guid),
        link=safe_link(_str(item.get("url")), base=url),
        title=_line(_str(item.get("title"))),
        published=parse_date(_str(item.get("date_published"))),
        updated=parse_date(_str(item.get("date_modified"))),
        author=_json_author(item) or feed_author,
        content_html=_str(item.get("content_html")),
        summary_html=escape(summary) if summary is not None else None,
        content_text=_text(_str(item.get("content_text"))),
        categories=tags if isinstance(tags, list) else (),
    )


def _json_author(obj: dict[str, Any]) -> str | None:
    """1.1 ``authors`` (a list of objects) or 1.0 ``author`` (one object): the first name."""
    authors = obj.get("authors")
    candidates = authors if isinstance(authors, list) else [obj.get("author")]
    for author in candidates:
        if isinstance(author, dict) and (name := _line(_str(author.get("name")))):
            return name
    return None


# ---- shared ------------------------------------------------------------------------------------


def _entry(
    *,
    guid: str | None,
    link: str | None,
    title: str | None,
    published: str | None,
    updated: str | None,
    author: str | None,
    content_html: str | None,
    summary_html: str | None,
    content_text: str | None,
    categories: Iterable[Any],
) -> Entry | None:
    guid = _line(guid)
    content_html = content_html if content_html and content_html.strip() else None
    summary_html = summary_html if summary_html and summary_html.strip() else None
    content_text = content_text if content_text and content_text.strip() else None
    if not (title or link or guid or content_html or summary_html or content_text):
        return None  # nothing to show and nothing to know it by
    return Entry(
        guid=guid,
        link=link,
        title=title,
        published=published,
        updated=updated,
        author=author,
        content_html=content_html,
        summary_html=summary_html,
        content_text=content_text,
        categories=tuple(_categories(categories)),
    )


def _categories(values: Iterable[Any]) -> Iterator[str]:
    """Strings only, cleaned, empty ones dropped, each kept once (first spelling wins)."""
    seen: set[str] = set()
    for value in values:
        name = _line(_str(value))
        if name and (key := name.casefold()) not in seen:
            seen.add(key)
            yield name


def parse_date(text: str | None) -> str | None:
    """RFC 822 (RSS) or ISO 8601 (Atom, JSON Feed, dc:date) text as ``reader.dates.iso``.

    The offset is kept as written (none when the source gave none); anything unreadable is
    None, never "now".
    """
    if not text or not (text := text.strip()) or len(text) > 64:
        return None
    moment: datetime
    if not text[:4].isdigit():
        try:
            moment = parsedate_to_datetime(text)  # naive when the text gives no zone
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    else:
        from dateutil.parser import isoparse  # lazy: dateutil costs start-up time

        try:
            moment = isoparse(text)
        except (ValueError, OverflowError):
            return None
    return iso(moment)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _line(value: str | None) -> str | None:
    """A one-line plain-text field: controls removed, whitespace folded; empty is None."""
    if value is None:
        return None
    return sanitize_line(value) or None


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    return sanitize(value).strip() or None


def _one_line(error: BaseException) -> str:
    return sanitize_line(str(error))[:200] or type(error).__name__
