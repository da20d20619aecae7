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
import os
import queue
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from reader.search import fold_for_index

if TYPE_CHECKING:
    import multiprocessing.queues

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


#: From this many articles on, a second process reads and prepares the rows while this one
#: writes the index (both cores: 1,000,000 articles took 148 s on one, measured).
PARALLEL_FROM = 20_000


def _steps(conn: sqlite3.Connection, chunk: int, after: int = 0) -> Iterator[list[tuple]]:
    last = after
    while rows := conn.execute(_ROWS, (last, chunk)).fetchall():
        last = rows[-1][0]
        yield [search_row(*row) for row in rows]


def _produce(path: str, chunk: int, out: multiprocessing.queues.Queue) -> None:
    """In the second process: the index's rows, a step at a time, then ``None``."""
    conn = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
    try:
        for rows in _steps(conn, chunk):
            out.put(rows)
    finally:
        conn.close()
    out.put(None)


def _produced(conn: sqlite3.Connection, path: str, chunk: int) -> Iterator[list[tuple]]:
    """The rows from a second process; where it fails or dies, the rest from this one."""
    import multiprocessing  # here: the reading screen's start-up never needs it

    context = multiprocessing.get_context("spawn")  # nothing of this process's connections
    out = context.Queue(maxsize=4)
    worker = context.Process(target=_produce, args=(path, chunk, out), daemon=True)
    worker.start()
    last = 0
    try:
        while True:
            try:
                rows = out.get(timeout=1)
            except queue.Empty:
                if worker.is_alive():
                    continue
                break  # gone without a word: this process does the rest
            if rows is None:
                return
            last = rows[-1][0]
            yield rows
    finally:
        worker.kill()
        worker.join()
    yield from _steps(conn, chunk, last)


def fill(
    conn: sqlite3.Connection,
    progress: Callable[[int], None] | None = None,
    *,
    chunk: int = CHUNK,
    committed: bool = False,
) -> int:
    """Add every article to an empty search index, in id order; ``progress(n)`` after each
    step of ``n`` articles. Runs in the caller's transaction. Returns the articles added.

    ``committed``: this transaction has changed no article or tag yet, so that another
    connection reads them as this one would: a second process then reads and prepares the
    rows while this one writes (for ``PARALLEL_FROM`` articles or more, on 2 cores or more).
    """
    path = conn.execute("PRAGMA database_list").fetchone()[2]
    parallel = (
        committed
        and path
        and (os.cpu_count() or 1) > 1
        and conn.execute("SELECT value FROM counters WHERE name = 'articles'").fetchone()[0]
        >= PARALLEL_FROM
    )
    steps = _produced(conn, path, chunk) if parallel else _steps(conn, chunk)
    # A bigger buffer of pending terms: fewer, larger segments to merge (set back after).
    conn.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES ('hashsize', 67108864)")
    done = 0
    try:
        for rows in steps:
            conn.executemany(_INSERT, rows)
            done += len(rows)
            if progress is not None:
                progress(len(rows))
    finally:
        steps.close()  # a second process, when there is one, is stopped
        conn.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES ('hashsize', 8388608)")
    return done


def refill(
    conn: sqlite3.Connection, progress: Callable[[int], None] | None = None, *, chunk: int = CHUNK
) -> int:
    """Empty the search index and fill it again (``reader doctor --fix``)."""
    conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('delete-all')")
    return fill(conn, progress, chunk=chunk, committed=True)
