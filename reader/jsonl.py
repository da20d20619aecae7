"""Articles as JSON objects: the export format, read back by the importer."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from reader.article import Article, Block, ParseError, tag_key
from reader.links import safe_link
from reader.quotes import find_quotes
from reader.sanitize import sanitize, sanitize_line
from reader.store import Incoming, StoredArticle, sort_key
from reader.writer import feed_identity

# The largest id an export may carry: exact in any JSON reader, and far enough from
# SQLite's 2**63 - 1 that fresh ids (the largest + 1) never overflow.
MAX_ID = 2**53


def to_json(stored: StoredArticle) -> dict[str, Any]:
    """One exported article (see the README for the fields)."""
    a = stored.article
    return {
        "id": stored.id,
        "headline": a.headline,
        "published": a.published,
        "source": a.source,
        "captions": list(a.captions),
        "lede": a.lede,
        "body": [{"kind": b.kind, "text": b.text} for b in a.body],
        "tags": list(a.tags),
        "quotes": [
            {
                "text": q.text,
                "part": q.part,
                "block": q.block,
                "start": q.start,
                "end": q.end,
                "speaker": q.speaker,
            }
            for q in a.quotes
        ],
        "read": stored.read,
        "starred": stored.starred,
        "warnings": list(a.warnings),
        "origin": a.origin,
        "imported": stored.imported_at,
        "link": a.link,
        "feed": _feed_url(stored),
        "guid": stored.guid,
    }


def _feed_url(stored: StoredArticle) -> str | None:
    """The feed an article came from: its subscription's URL; for an unsubscribed feed's
    article (kept, or imported from an export), the feed URL it keeps as its origin."""
    if stored.feed_url:
        return stored.feed_url
    a = stored.article
    if (a.link or stored.guid) and a.origin and safe_link(a.origin) == a.origin:
        return a.origin
    return None


def dumps(stored: StoredArticle) -> str:
    return json.dumps(to_json(stored), ensure_ascii=False)


# A JSON escape such as \ud83d can name half of a UTF-16 pair alone: json.loads gives a
# str that is no text at all, which UTF-8 (and so SQLite) cannot hold.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _valid(name: str, value: str) -> str:
    if found := _LONE_SURROGATE.search(value):
        escape = found.group().encode("unicode_escape").decode("ascii")
        raise ParseError(f"{name!r} holds {escape}, half of a surrogate pair, which is not text")
    return value


def _text(record: dict, name: str, *, line: bool = True, required: bool = False) -> str | None:
    value = record.get(name)
    if value is None:
        if required:
            raise ParseError(f"missing {name!r}")
        return None
    if not isinstance(value, str):
        raise ParseError(f"{name!r} is not a string")
    _valid(name, value)
    return sanitize_line(value) if line else " ".join(sanitize(value).split("\n")).strip()


def _strings(record: dict, name: str) -> list[str]:
    value = record.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ParseError(f"{name!r} is not a list of strings")
    return [s for s in (sanitize_line(_valid(name, v)) for v in value) if s]


def _moment(value: Any, name: str) -> datetime | None:
    """A date field of an export: ``None``, or an ISO 8601 string; anything else fails."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ParseError(f"{name!r} is not a string")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ParseError(f"{name!r} is not an ISO 8601 date: {value[:40]!r}") from None


def _published(value: Any) -> str | None:
    from reader.dates import iso

    moment = _moment(value, "published")
    return None if moment is None else iso(moment)


def from_json(record: Any, origin: str | None = None) -> Incoming:
    """An exported object back to an article, sanitised like a text file.

    Quotes are found again from the text rather than trusted from the file, so a
    hand-edited record can never carry offsets that point outside its text.
    """
    if not isinstance(record, dict):
        raise ParseError("not a JSON object")
    headline = _text(record, "headline", required=True)
    if not headline:
        raise ParseError("empty headline")
    body = []
    for block in record.get("body") or []:
        if not isinstance(block, dict) or block.get("kind") not in ("paragraph", "subheading"):
            raise ParseError("'body' holds a block that is not {kind, text}")
        text = _text(block, "text", line=False) or ""
        if text:
            body.append(Block(block["kind"], text))
    first_spelling: dict[str, str] = {}
    for name in _strings(record, "tags"):
        first_spelling.setdefault(tag_key(name), name)
    tags = list(first_spelling.values())
    lede = _text(record, "lede", line=False) or ""
    parts = [("headline", None, headline), ("lede", None, lede)]
    parts += [("body", i, b.text) for i, b in enumerate(body)]
    article = Article(
        headline=headline,
        published=_published(record.get("published")),
        source=_text(record, "source") or None,
        captions=tuple(_strings(record, "captions")),
        lede=lede,
        body=tuple(body),
        tags=tuple(tags),
        quotes=tuple(find_quotes(parts)),
        warnings=tuple(dict.fromkeys(_strings(record, "warnings"))),
        origin=_text(record, "origin") or origin,
        link=safe_link(_text(record, "link")),
    )
    article_id = record.get("id")
    if not isinstance(article_id, int) or isinstance(article_id, bool):
        article_id = None
    elif not 0 < article_id <= MAX_ID:
        raise ParseError(f"'id' out of range (1 to {MAX_ID:,})")
    return Incoming(
        article,
        id=article_id,
        read=_flag(record, "read"),
        starred=_flag(record, "starred"),
        imported_at=_imported(record.get("imported")),
        **_feed_entry(record, article),
    )


def _feed_entry(record: dict, article: Article) -> dict[str, str | None]:
    """An exported feed entry keeps its feed identity: a later refresh of that feed finds
    it instead of adding it again, and it rejoins the feed when that is subscribed. (An
    entry with neither guid, link, title nor date is known by its text, which a refresh
    hashes from the entry's HTML: such an entry may come back once as a new article.)"""
    feed_url = safe_link(_text(record, "feed"))
    if feed_url is None:
        return {}
    guid = _text(record, "guid") or None
    identity = feed_identity(
        feed_url, guid, article.link, article.headline, article.published, lambda: article.lede
    )
    return {"feed_url": feed_url, "guid": guid, "identity": identity}


def _imported(value: Any) -> str | None:
    """The import time of an export, as the store keeps it (UTC, to the second)."""
    moment = _moment(value, "imported")
    return None if moment is None else sort_key(moment.isoformat(), "")


def _flag(record: dict, name: str) -> bool:
    value = record.get(name, False)
    if value is None or isinstance(value, bool):
        return bool(value)
    raise ParseError(f"{name!r} is not true or false")
