"""The values the store hands out and takes in, one dataclass per kind of row.

They hold no connection and run no SQL: the UI, the CLI and the tests build and compare
them freely. ``HEADLINE_COLUMNS`` stands here because its order must follow ``Headline``'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reader.article import Article

#: The columns ``headline_of`` reads, in ``Headline``'s field order.
HEADLINE_COLUMNS = "a.id, a.headline, a.source, a.published, a.sort_key, a.read, a.starred, a.link"


@dataclass(frozen=True, slots=True)
class Headline:
    """One row of a list: enough to draw it, nothing more."""

    id: int
    headline: str
    source: str | None
    published: str | None
    sort_key: str
    read: bool
    starred: bool
    link: str | None = None

    @property
    def key(self) -> tuple[str, int]:
        """The keyset position of this row (newest first = descending keys)."""
        return (self.sort_key, self.id)


def headline_of(row: tuple) -> Headline:
    """The ``Headline`` of a row selected with ``HEADLINE_COLUMNS``."""
    return Headline(row[0], row[1], row[2], row[3], row[4], bool(row[5]), bool(row[6]), row[7])


@dataclass(frozen=True, slots=True)
class StoredArticle:
    """An article as stored: the parsed value plus its id and the user's marks."""

    id: int
    article: Article
    read: bool
    starred: bool
    imported_at: str | None = None  # UTC; it orders an article without a date
    feed_url: str | None = None  # the subscription it came from, if any
    guid: str | None = None  # its entry's id in that feed


@dataclass(frozen=True, slots=True)
class QuoteRow:
    """One row of the quotes view: the quote, who said it, and where."""

    article_id: int
    seq: int  # the quote's index in its article's quotes
    text: str
    speaker: str | None
    part: str
    block: int | None
    headline: str
    published: str | None
    sort_key: str

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.sort_key, self.article_id, self.seq)


@dataclass(frozen=True, slots=True)
class Finding:
    """One health check of ``reader doctor``."""

    name: str
    ok: bool
    detail: str


@dataclass(frozen=True, slots=True)
class TagCount:
    id: int
    name: str
    articles: int
    unread: int


@dataclass(frozen=True, slots=True)
class Incoming:
    """An article to save, with the state a JSONL export carried (``None``: not given)."""

    article: Article
    id: int | None = None
    read: bool | None = None
    starred: bool | None = None
    imported_at: str | None = None  # from an export: keeps an undated article in its place
    feed_url: str | None = None  # the feed it came from (its row in feeds is looked up)
    guid: str | None = None  # the entry's id in that feed, as given
    identity: str | None = None  # given by the feed importer (feed_identity); else computed
    digest: str | None = None  # its content hash, given by the feed importer (of the entry)


@dataclass(slots=True)
class SaveResult:
    """What one ``save`` did: an outcome (new, updated, unchanged) per article, in order."""

    outcomes: list[str] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return self.outcomes.count(outcome)
