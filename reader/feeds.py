"""Subscriptions: the ``feeds`` table, read and written (the fetching is ``reader.update``'s).

Functions over a connection, like the store's other SQL modules; the writes run inside
the store's transactions (``Store.transaction``).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from reader.article import tag_key
from reader.sql import chunks

_COLUMNS = (
    "id, url, title, title_given, site_url, tags, etag, last_modified, added_at, checked_at,"
    " updated_at, last_error, retry_after, article_count, unread_count"
)


class FeedNotFound(LookupError):
    """No subscription by that URL or number; ``str(error)`` is one line."""


@dataclass(frozen=True, slots=True)
class Feed:
    """One subscription, with the totals its triggers keep."""

    id: int
    url: str
    title: str | None
    title_given: bool
    site_url: str | None
    tags: tuple[str, ...]
    etag: str | None
    last_modified: str | None
    added_at: str
    checked_at: str | None
    updated_at: str | None
    last_error: str | None
    retry_after: str | None
    articles: int
    unread: int

    @property
    def name(self) -> str:
        """What to call it on screen: its title, else its URL."""
        return self.title or self.url


def _feed(row: tuple) -> Feed:
    return Feed(row[0], row[1], row[2], bool(row[3]), row[4], tuple(json.loads(row[5])), *row[6:])


def all_feeds(conn: sqlite3.Connection) -> list[Feed]:
    """Every subscription, by name (case-insensitive), then URL."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM feeds ORDER BY coalesce(title, url) COLLATE NOCASE, url"
    )
    return [_feed(row) for row in rows]


def by_id(conn: sqlite3.Connection, feed_id: int) -> Feed | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM feeds WHERE id = ?", (feed_id,)).fetchone()
    return _feed(row) if row else None


def by_url(conn: sqlite3.Connection, url: str) -> Feed | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM feeds WHERE url = ?", (url,)).fetchone()
    return _feed(row) if row else None


def find(conn: sqlite3.Connection, which: str) -> Feed:
    """A subscription by its URL or its number (as ``reader feed list`` shows them)."""
    which = which.strip()
    feed = by_url(conn, which)
    if feed is None and which.isascii() and which.isdigit() and int(which) < 2**63:
        feed = by_id(conn, int(which))
    if feed is None:
        raise FeedNotFound(f"no feed {which!r} (see reader feed list)")
    return feed


def _merged_tags(old: tuple[str, ...], new: tuple[str, ...]) -> list[str]:
    seen = {tag_key(t) for t in old}
    merged = list(old)
    for tag in new:
        if tag_key(tag) and tag_key(tag) not in seen:
            seen.add(tag_key(tag))
            merged.append(tag)
    return merged


def add(
    conn: sqlite3.Connection,
    url: str,
    *,
    now: str,
    title: str | None = None,
    tags: tuple[str, ...] = (),
) -> tuple[Feed, bool]:
    """Subscribe to ``url`` (a safe http(s) URL). Already subscribed: its tags gain ``tags``,
    a given title replaces the old one. Returns the feed and whether it is new."""
    old = by_url(conn, url)
    if old is None:
        conn.execute(
            "INSERT INTO feeds (url, title, title_given, tags, added_at) VALUES (?, ?, ?, ?, ?)",
            (url, title, int(title is not None), json.dumps(_merged_tags((), tags)), now),
        )
    else:
        merged = _merged_tags(old.tags, tags)
        changed = merged != list(old.tags) or (title is not None and title != old.title)
        # What the feed adds to its articles changed: forget the validators, so that the
        # next refresh gets the whole document (not a 304) and every article takes it.
        conn.execute(
            "UPDATE feeds SET tags = ?, title = coalesce(?, title),"
            " title_given = max(title_given, ?),"
            " etag = CASE WHEN ? THEN NULL ELSE etag END,"
            " last_modified = CASE WHEN ? THEN NULL ELSE last_modified END WHERE id = ?",
            (json.dumps(merged), title, int(title is not None), changed, changed, old.id),
        )
    feed = by_url(conn, url)
    assert feed is not None
    return feed, old is None


def remove(conn: sqlite3.Connection, feed: Feed, *, keep_articles: bool) -> int:
    """Unsubscribe. Its articles are deleted, or kept as articles of no feed; returns how many."""
    ids = [row[0] for row in conn.execute("SELECT id FROM articles WHERE feed_id = ?", (feed.id,))]
    if keep_articles:
        conn.execute("UPDATE articles SET feed_id = NULL WHERE feed_id = ?", (feed.id,))
    else:
        delete_articles(conn, ids)
    conn.execute("DELETE FROM feeds WHERE id = ?", (feed.id,))
    return len(ids)


def delete_articles(conn: sqlite3.Connection, ids: list[int]) -> None:
    """Delete articles with their tags, quotes and search entries (the triggers count)."""
    for chunk in chunks(ids):
        marks = ",".join("?" * len(chunk))
        # The search index is external-content: delete with the indexed values, first.
        conn.execute(
            "INSERT INTO articles_fts (articles_fts, rowid, headline, lede, body, tags)"
            " SELECT 'delete', rowid, headline, lede, body, tags FROM article_search"
            f" WHERE rowid IN ({marks})",
            chunk,
        )
        conn.execute(f"DELETE FROM article_tags WHERE article_id IN ({marks})", chunk)
        conn.execute(f"DELETE FROM quotes WHERE article_id IN ({marks})", chunk)
        conn.execute(f"DELETE FROM articles WHERE id IN ({marks})", chunk)


def record_success(
    conn: sqlite3.Connection,
    feed: Feed,
    *,
    now: str,
    etag: str | None,
    last_modified: str | None,
    title: str | None = None,
    site_url: str | None = None,
) -> None:
    """A refresh that worked (new content or 304): validators kept, the error cleared.
    The feed's own title is taken unless a person gave one. (By id and URL: a feed removed
    meanwhile, and another subscribed under its number, is not touched.)"""
    conn.execute(
        "UPDATE feeds SET checked_at = ?, updated_at = ?, last_error = NULL, retry_after = NULL,"
        " etag = ?, last_modified = ?,"
        " title = CASE WHEN title_given OR ? IS NULL THEN title ELSE ? END,"
        " site_url = coalesce(?, site_url) WHERE id = ? AND url = ?",
        (now, now, etag, last_modified, title, title, site_url, feed.id, feed.url),
    )


def record_failure(
    conn: sqlite3.Connection,
    feed: Feed,
    *,
    now: str,
    error: str,
    retry_after: str | None = None,
) -> None:
    """A refresh that failed: one line to show, and when the server allows the next try."""
    conn.execute(
        "UPDATE feeds SET checked_at = ?, last_error = ?, retry_after = ? WHERE id = ? AND url = ?",
        (now, error, retry_after, feed.id, feed.url),
    )
