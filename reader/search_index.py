"""Filling the search index from the stored articles, fast: a schema upgrade, ``doctor --fix``.

The index is external-content over the ``article_search`` view, and FTS5's own ``rebuild``
reads that view, which folds every letter of ``SEARCH_FOLDS`` with ``replace()`` and spaces
CJK characters with a recursive query, in SQL: measured at about 600 us an article (10 to 12
minutes for 1,000,000). Here the same text is made in Python (``fold_for_index``, as the
writer does for every article it saves, so the index holds exactly what it would have held
had each article been saved today): about 60 us. The words must equal the view's (a later
delete reads the view); the tests compare both.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

from reader.search import fold_for_index

#: Articles a step: one read of the rows, one ``executemany`` into the index.
CHUNK = 2000

_ROWS = (
    "SELECT a.id, a.headline, a.lede, a.body,"
    " (SELECT group_concat(name, char(10)) FROM ("
    "   SELECT t.name FROM article_tags AS x JOIN tags AS t ON t.id = x.tag_id"
    "   WHERE x.article_id = a.id ORDER BY x.position))"
    " FROM articles AS a WHERE a.id > ? ORDER BY a.id LIMIT ?"
)
_INSERT = "INSERT INTO articles_fts (rowid, headline, lede, body, tags) VALUES (?, ?, ?, ?, ?)"


def search_row(
    article_id: int, headline: str, lede: str, body_json: str, tags: str | None
) -> tuple[int, str, str, str | None, str | None]:
    """The index's row for a stored article (what ``article_search`` gives, as words)."""
    try:
        blocks = json.loads(body_json)
        body = "\n".join(block["text"] for block in blocks) if blocks else None
    except (ValueError, TypeError, KeyError):  # edited by hand into something else
        body = None
    return (
        article_id,
        fold_for_index(headline),
        fold_for_index(lede),
        fold_for_index(body) if body else None,
        fold_for_index(tags) if tags else None,
    )


def fill(
    conn: sqlite3.Connection,
    progress: Callable[[int], None] | None = None,
    *,
    chunk: int = CHUNK,
) -> int:
    """Add every article to an empty search index, in id order; ``progress(n)`` after each
    step of ``n`` articles. Runs in the caller's transaction. Returns the articles added."""
    # A bigger buffer of pending terms: fewer, larger segments to merge (set back after).
    conn.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES ('hashsize', 67108864)")
    done, last = 0, 0
    try:
        while True:
            rows = conn.execute(_ROWS, (last, chunk)).fetchall()
            if not rows:
                break
            conn.executemany(_INSERT, [search_row(*row) for row in rows])
            last = rows[-1][0]
            done += len(rows)
            if progress is not None:
                progress(len(rows))
    finally:
        conn.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES ('hashsize', 8388608)")
    return done


def refill(conn: sqlite3.Connection, progress: Callable[[int], None] | None = None) -> int:
    """Empty the search index and fill it again (``reader doctor --fix``)."""
    conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('delete-all')")
    return fill(conn, progress)
