"""Subscriptions in and out: OPML files and newsboat ``urls`` files.

Pure functions over bytes and text. Every title and tag is sanitised for the
terminal, every URL must be an absolute http(s) link (``reader.links.safe_link``);
whatever cannot be imported comes back as a ``Skipped`` with a one-line reason.

OPML is parsed with the standard library's expat, configured so that a document
cannot make it do more than read the bytes given: any entity declaration is
refused (no "billion laughs"), external entities are never resolved and no DTD
is fetched.

Tags in OPML. A folder is an outline without a feed URL that holds outlines; its
label becomes a tag of every feed inside, one tag per level, outermost first.
The ``category`` attribute (OPML 2.0: comma-separated, ``/Boston/Weather`` is a
path) is read as tags too: a part that starts with ``/`` gives one tag per
segment, any other part is one tag, slashes included (what newsboat writes).
``write_opml`` puts a feed in the folder of its first tag and lists its other
tags in ``category``; a tag ``category`` cannot carry (one holding ``,`` or
starting with ``/``) is written as a second copy of the outline in a folder of
that name at the end of the document, and reading merges the copies again.
"""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from xml.parsers import expat

from reader.article import tag_key
from reader.links import safe_link
from reader.sanitize import sanitize_line

__all__ = [
    "OpmlError",
    "Skipped",
    "Subscription",
    "looks_like_opml",
    "read_opml",
    "read_urls",
    "write_opml",
]

SKIPPED_TEXT_LENGTH = 80


class OpmlError(ValueError):
    """A document that cannot be read as OPML; ``str(error)`` is a one-line reason."""


@dataclass(frozen=True, slots=True)
class Subscription:
    """One feed to subscribe to: an http(s) URL, an optional title, its tags."""

    url: str
    title: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Skipped:
    """Something not imported: where (a line number, if known), what, and why."""

    line: int | None
    text: str
    reason: str


# ---- shared rules ---------------------------------------------------------------------------


def _shorten(text: str) -> str:
    text = sanitize_line(text)
    if len(text) > SKIPPED_TEXT_LENGTH:
        return text[: SKIPPED_TEXT_LENGTH - 1] + "…"
    return text


_COMMAND_PREFIXES = (
    ("query:", "newsboat query feed"),
    ("exec:", "exec: feed (runs a command; not run here)"),
    ("filter:", "filter: feed (runs a command; not run here)"),
    ("|", "command feed (Liferea pipe; not run here)"),
)


def _url_problem(url: str) -> str:
    """Why ``url`` is not imported (called once ``safe_link`` has refused it)."""
    lowered = url.strip().lower()
    for prefix, reason in _COMMAND_PREFIXES:
        if lowered.startswith(prefix):
            return reason
    return "not an http(s) URL"


class _Collector:
    """Subscriptions in first-seen order; the same URL again merges its tags in."""

    def __init__(self) -> None:
        self._feeds: dict[str, tuple[str | None, list[str], set[str]]] = {}
        self.skipped: list[Skipped] = []

    def add(self, url: str, title: str | None, tags: Iterable[str]) -> None:
        title = sanitize_line(title) if title else None
        if not title or title == url:
            title = None  # writers fill a missing title with the URL (ours does)
        if url in self._feeds:
            old_title, kept, keys = self._feeds[url]
            if old_title is None and title is not None:
                self._feeds[url] = (title, kept, keys)
        else:
            kept, keys = [], set()
            self._feeds[url] = (title, kept, keys)
        for tag in tags:
            tag = sanitize_line(tag)
            key = tag_key(tag)
            if tag and key not in keys:
                keys.add(key)
                kept.append(tag)

    def skip(self, line: int | None, text: str, reason: str) -> None:
        self.skipped.append(Skipped(line, _shorten(text), reason))

    def result(self) -> tuple[list[Subscription], list[Skipped]]:
        subs = [Subscription(u, t, tuple(tags)) for u, (t, tags, _) in self._feeds.items()]
        return subs, self.skipped


# ---- reading OPML ---------------------------------------------------------------------------


class _Refused(Exception):
    """Raised from an expat handler to stop at a construct we do not accept."""


def _refuse_entities(*_args: object) -> None:
    raise _Refused("the document declares an entity (refused: entity expansion)")


def _refuse_external(*_args: object) -> int:
    raise _Refused("the document refers to an external entity (refused)")


def _category_tags(category: str) -> list[str]:
    tags: list[str] = []
    for part in category.split(","):
        part = part.strip()
        if part.startswith("/"):
            tags.extend(segment for segment in part.split("/") if segment.strip())
        elif part:
            tags.append(part)
    return tags


def read_opml(data: bytes) -> tuple[list[Subscription], list[Skipped]]:
    """Subscriptions in an OPML 1.0/2.0 document, and what was skipped.

    A feed is an ``outline`` with ``xmlUrl`` (any casing, or ``url`` as newsboat
    also accepts); its title is ``title``, else ``text``. An outline without a URL
    is a folder whose label (``text``, else ``title``, the one an outliner shows)
    tags every feed inside it; an empty folder is ignored. ``filtercmd`` is
    ignored: no command is ever run. Raises ``OpmlError`` for malformed XML, a
    root other than ``<opml>``, any entity declaration or an unknown encoding.
    """
    try:
        return _parse(data)
    except OpmlError:
        raise
    except LookupError:
        raise OpmlError(f"unknown encoding {_declared_encoding(data)!r}") from None
    except ValueError:
        pass  # expat reads no multi-byte encoding but UTF-8/16: decode here, then parse
    encoding = _declared_encoding(data)
    try:
        text = data.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        raise OpmlError(f"not readable as its declared encoding {encoding!r}") from None
    return _parse(text.encode("utf-8"), "utf-8")


_DECLARED_ENCODING = re.compile(rb"""\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})""")


def _declared_encoding(data: bytes) -> str:
    found = _DECLARED_ENCODING.match(data)
    return found.group(1).decode("ascii") if found else "utf-8"


def _parse(data: bytes, encoding: str | None = None) -> tuple[list[Subscription], list[Skipped]]:
    collector = _Collector()
    # One entry per open element: the folder tag it gives its children, or None.
    stack: list[str | None] = []
    folder_tags: list[str] = []
    parser = expat.ParserCreate(encoding)  # None: as the document declares
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.EntityDeclHandler = _refuse_entities
    parser.UnparsedEntityDeclHandler = _refuse_entities
    parser.ExternalEntityRefHandler = _refuse_external

    def start(name: str, attributes: dict[str, str]) -> None:
        name = name.lower()
        if not stack and name != "opml":
            raise _Refused(f"not an OPML document: the root element is <{_shorten(name)}>")
        if name != "outline":
            stack.append(None)
            return
        attrs: dict[str, str] = {}
        for key, value in attributes.items():
            if value.strip():  # the first non-empty spelling of xmlUrl/xmlurl/XMLURL wins
                attrs.setdefault(key.lower(), value)
        raw_url = attrs.get("xmlurl") or attrs.get("url")
        if raw_url is None:
            label = sanitize_line(attrs.get("text") or attrs.get("title") or "")
            stack.append(label or None)
            if label:
                folder_tags.append(label)
            return
        stack.append(None)
        url = safe_link(raw_url)
        if url is None:
            collector.skip(parser.CurrentLineNumber, raw_url, _url_problem(raw_url))
            return
        title = attrs.get("title") or attrs.get("text")
        collector.add(url, title, [*folder_tags, *_category_tags(attrs.get("category", ""))])

    def end(_name: str) -> None:
        if stack.pop() is not None:
            folder_tags.pop()

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        message = expat.ErrorString(error.code)
        raise OpmlError(
            f"not well-formed XML: {message} (line {error.lineno}, column {error.offset + 1})"
        ) from None
    except _Refused as error:
        raise OpmlError(str(error)) from None
    return collector.result()


_XML_START = re.compile(rb"\s*<")


def looks_like_opml(data: bytes) -> bool:
    """Is ``data`` an XML document (to give to ``read_opml``) rather than a urls file?

    Any XML counts, not only ``<opml>``: an RSS file given by mistake then gets
    ``read_opml``'s clear "root element is <rss>" rather than a urls file's
    page of skipped lines. A urls file never starts with ``<``.
    """
    head = data[:1024]
    if head.startswith(codecs.BOM_UTF8):
        head = head[len(codecs.BOM_UTF8) :]
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        head = head.decode("utf-16", errors="ignore").encode("utf-8", errors="ignore")
    elif head.startswith((b"<\x00", b"\x00<")):  # UTF-16 without a BOM
        return True
    return _XML_START.match(head) is not None


# ---- writing OPML ---------------------------------------------------------------------------

# Characters XML 1.0 cannot carry at all, even escaped, that sanitize_line leaves.
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    return sanitize_line(_NOT_XML.sub("", text))


def _in_category(tag: str) -> bool:
    return "," not in tag and not tag.startswith("/")


def write_opml(subscriptions: Iterable[Subscription], title: str = "reader subscriptions") -> str:
    """An OPML 2.0 document holding ``subscriptions``, as text (encode it as UTF-8).

    A feed without tags sits at the top level; one with tags in the folder of its
    first tag, the others in its ``category`` attribute, or (for a tag holding
    ``,`` or starting with ``/``) in a copy of the outline in a folder of that
    name at the end of the document, after every feed's first outline. So
    ``read_opml`` gives back the same URLs, titles and tags: the first tag first,
    then the ``category`` tags in order, then those written as copies.
    """
    root = ET.Element("opml", version="2.0")
    ET.SubElement(ET.SubElement(root, "head"), "title").text = _clean(title)
    body = ET.SubElement(root, "body")
    folders: dict[str, ET.Element] = {}
    copy_folders: dict[str, ET.Element] = {}  # appended last: see the docstring

    def folder(tag: str, where: dict[str, ET.Element]) -> ET.Element:
        if tag not in where:
            where[tag] = ET.Element("outline", text=tag, title=tag)
            if where is folders:
                body.append(where[tag])
        return where[tag]

    for sub in subscriptions:
        name = _clean(sub.title or "")
        attrs = {"type": "rss", "text": name or sub.url}
        if name:
            attrs["title"] = name
        attrs["xmlUrl"] = sub.url
        tags: list[str] = []
        keys: set[str] = set()
        for tag in map(_clean, sub.tags):
            if tag and tag_key(tag) not in keys:
                keys.add(tag_key(tag))
                tags.append(tag)
        if not tags:
            ET.SubElement(body, "outline", attrs)
            continue
        category = [tag for tag in tags[1:] if _in_category(tag)]
        copies = [tag for tag in tags[1:] if not _in_category(tag)]
        first = dict(attrs, category=",".join(category)) if category else attrs
        ET.SubElement(folder(tags[0], folders), "outline", first)
        for tag in copies:
            ET.SubElement(folder(tag, copy_folders), "outline", attrs)
    body.extend(copy_folders.values())
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


# ---- reading newsboat urls files ------------------------------------------------------------

_LINE_END = re.compile(r"\r\n|\r|\n")
_ESCAPES = {"n": " ", "r": " ", "t": " "}  # newlines in a tag would only be flattened later


def _tokens(line: str) -> list[str]:
    """newsboat's ``tokenize_quoted``: whitespace-separated, ``"…"`` with ``\\`` escapes,
    a token starting with ``#`` ends the line."""
    tokens: list[str] = []
    i, n = 0, len(line)
    while i < n:
        while i < n and line[i] in " \t":
            i += 1
        if i >= n or line[i] == "#":
            break
        if line[i] == '"':
            i += 1
            token: list[str] = []
            while i < n and line[i] != '"':
                if line[i] == "\\" and i + 1 < n:
                    i += 1
                    token.append(_ESCAPES.get(line[i], line[i]))
                else:
                    token.append(line[i])
                i += 1
            i += 1  # the closing quote (an unclosed one runs to the end, as in newsboat)
            tokens.append("".join(token))
        else:
            start = i
            while i < n and line[i] not in " \t":
                i += 1
            tokens.append(line[start:i])
    return tokens


def read_urls(text: str) -> tuple[list[Subscription], list[Skipped]]:
    """Subscriptions in a newsboat ``urls`` file, and what was skipped (with line numbers).

    One feed a line: the URL, then tags separated by spaces or tabs, ``"quoted"``
    when they hold spaces. Lines starting with ``#`` are comments, and so is the
    rest of a line from a token starting with ``#``. A ``~Name`` tag is the title
    (the first one counts). A ``!`` tag hides a feed in newsboat; the feed is
    imported and the marker dropped, since the reader has no hidden feeds.
    ``query:``, ``exec:`` and ``filter:`` lines are skipped: nothing is run.
    """
    collector = _Collector()
    text = text.removeprefix("\ufeff")
    for number, line in enumerate(_LINE_END.split(text), start=1):
        if line.startswith("#"):
            continue
        tokens = _tokens(line)
        if not tokens:
            continue
        raw_url, words = tokens[0], tokens[1:]
        url = safe_link(raw_url)
        if url is None:
            collector.skip(number, line, _url_problem(raw_url))
            continue
        title = next((w[1:] for w in words if w.startswith("~") and w[1:].strip()), None)
        tags = [w for w in words if not w.startswith(("~", "!"))]
        collector.add(url, title, tags)
    return collector.result()
