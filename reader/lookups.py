"""Reads that no view plans: one article or one list row by id, the tags, the speakers."""

from __future__ import annotations

import json
import sqlite3

from reader.article import Article, Block, Quote
from reader.rows import HEADLINE_COLUMNS, Headline, StoredArticle, TagCount, headline_of


def headline(conn: sqlite3.Connection, article_id: int) -> Headline | None:
    """The list row of one article, whatever the view."""
    row = conn.execute(
        f"SELECT {HEADLINE_COLUMNS} FROM articles AS a WHERE a.id = ?", (article_id,)
    ).fetchone()
    return headline_of(row) if row else None


def article(conn: sqlite3.Connection, article_id: int) -> StoredArticle | None:
    """One article with its tags and quotes, or ``None``.

    The JSON columns are decoded as ``writer.Prepared`` encodes them.
    """
    row = conn.execute(
        "SELECT a.id, headline, published, source, captions, lede, body, warnings, origin,"
        " read, starred, imported_at, link, f.url, guid"
        " FROM articles AS a LEFT JOIN feeds AS f ON f.id = a.feed_id WHERE a.id = ?",
        (article_id,),
    ).fetchone()
    if row is None:
        return None
    tags = [
        name
        for (name,) in conn.execute(
            "SELECT t.name FROM article_tags AS x JOIN tags AS t ON t.id = x.tag_id"
            " WHERE x.article_id = ? ORDER BY x.position",
            (article_id,),
        )
    ]
    quotes = [
        Quote(text, part, block, start, end, speaker)
        for text, part, block, start, end, speaker in conn.execute(
            'SELECT text, part, block, start, "end", speaker FROM quotes'
            " WHERE article_id = ? ORDER BY seq",
            (article_id,),
        )
    ]
    article = Article(
        headline=row[1],
        published=row[2],
        source=row[3],
        captions=tuple(json.loads(row[4])),
        lede=row[5],
        body=tuple(Block(b["kind"], b["text"]) for b in json.loads(row[6])),
        tags=tuple(tags),
        quotes=tuple(quotes),
        warnings=tuple(json.loads(row[7])),
        origin=row[8],
        link=row[12],
    )
    return StoredArticle(row[0], article, bool(row[9]), bool(row[10]), row[11], row[13], row[14])


def tags(conn: sqlite3.Connection) -> list[TagCount]:
    """Every tag in use with its article and unread counts, most used first."""
    rows = conn.execute(
        "SELECT id, name, article_count, unread_count FROM tags WHERE article_count > 0"
        " ORDER BY article_count DESC, key"
    )
    return [TagCount(*row) for row in rows]


def speakers(conn: sqlite3.Connection) -> list[tuple[str, int]]:
    """Everyone quoted by name, with how many quotes, most quoted first (the ``speakers``
    table, kept by triggers: one row a person, where counting reads every quote)."""
    return conn.execute(
        "SELECT name, quote_count FROM speakers ORDER BY quote_count DESC, name"
    ).fetchall()


def speaker_names(conn: sqlite3.Connection) -> list[str]:
    """Every speaker's name once, in binary order.

    One seek of the ``quotes_speaker`` index per name, where ``speakers()`` counts
    every quote: for a million articles, as many seeks as there are people, not a
    scan of millions of index entries.
    """
    names: list[str] = []
    (name,) = conn.execute("SELECT min(speaker) FROM quotes WHERE speaker IS NOT NULL").fetchone()
    while name is not None:
        names.append(name)
        (name,) = conn.execute(
            "SELECT min(speaker) FROM quotes WHERE speaker IS NOT NULL AND speaker > ?", (name,)
        ).fetchone()
    return names
