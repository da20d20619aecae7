"""A feed as its parser gives it: the document and its entries, before they become articles.

Every string here is plain text already cleaned of control characters (``sanitize``),
except ``content_html`` and ``summary_html``, which are the entry's HTML as received
(untrusted: ``reader.html`` turns them into paragraphs and quotes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FeedKind = Literal["rss", "atom", "json"]


class FeedError(ValueError):
    """A document that cannot be read as a feed; ``str(error)`` is a one-line reason."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One item of a feed (RSS ``item``, Atom ``entry``, JSON Feed ``items[]``)."""

    guid: str | None = None  # RSS guid, Atom id, JSON Feed id; None when missing or empty
    link: str | None = None  # absolute http(s) URL only; anything else (javascript:, file:) is None
    title: str | None = None  # plain text (an HTML title is reduced to its text)
    published: str | None = None  # ISO 8601 like Article.published; None if missing/unparseable
    updated: str | None = None  # same form
    author: str | None = None
    content_html: str | None = None  # the fullest HTML body (content:encoded, Atom content, ...)
    summary_html: str | None = None  # description/summary, HTML
    content_text: str | None = None  # a plain-text body (JSON Feed content_text, Atom type=text)
    categories: tuple[str, ...] = ()  # RSS category, Atom category term/label, JSON Feed tags


@dataclass(frozen=True, slots=True)
class FeedDocument:
    """A parsed feed: its own title and site link, and its entries in document order."""

    kind: FeedKind
    title: str | None = None
    link: str | None = None  # the site's home page (http/https only)
    entries: tuple[Entry, ...] = ()
