"""What ``reader doctor`` checks, and how it rebuilds what can be derived."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager

from reader.rows import Finding
from reader.schema import LATEST_VERSION
from reader.search import parse_query


def check(conn: sqlite3.Connection) -> list[Finding]:
    """Everything ``reader doctor`` looks at, each a ``Finding`` (ok or not).

    A check that the file's damage makes fail is a finding too, not an error.
    """
    findings = []
    for name, run in (
        ("schema", _check_schema),
        ("integrity", _check_integrity),
        ("search index", _check_search),
        ("counters", _check_counters),
        ("tag index copies", _check_copies),
    ):
        try:
            findings.append(run(conn))
        except sqlite3.DatabaseError as error:
            if not is_damage(error):
                raise
            findings.append(Finding(name, False, f"cannot be read: {error}"))
    return findings


def is_damage(error: sqlite3.Error) -> bool:
    """Whether ``error`` comes from a damaged file (not a busy, full or read-only one)."""
    code = (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF
    return code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CONSTRAINT)


def _check_schema(conn: sqlite3.Connection) -> Finding:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    return Finding("schema", version == LATEST_VERSION, f"version {version}")


def _check_integrity(conn: sqlite3.Connection) -> Finding:
    answer = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    if answer == ["ok"]:
        return Finding("integrity", True, "ok")
    # One row can hold many lines ("*** in database main ***" and a line per bad cell).
    problems = [line for row in answer for line in row.splitlines() if line[:3] != "***"]
    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
    return Finding("integrity", False, "; ".join(problems[:3]) + more or "no answer")


def _check_search(conn: sqlite3.Connection) -> Finding:
    missing = conn.execute(
        "SELECT count(*) FROM articles WHERE id NOT IN (SELECT id FROM articles_fts_docsize)"
    ).fetchone()[0]
    extra = conn.execute(
        "SELECT count(*) FROM articles_fts_docsize WHERE id NOT IN (SELECT id FROM articles)"
    ).fetchone()[0]
    # A sample of articles must be found by the first word of their headline.
    unfound = 0
    sample = conn.execute(
        "SELECT id, headline FROM articles ORDER BY random() LIMIT 200"
    ).fetchall()
    for article_id, headline in sample:
        query = parse_query(headline.split(" ")[0] if headline else "")
        if query.fts is None:
            continue
        hit = conn.execute(
            "SELECT 1 FROM articles_fts WHERE articles_fts MATCH ? AND rowid = ?",
            (query.fts, article_id),
        ).fetchone()
        unfound += hit is None
    ok = not (missing or extra or unfound)
    detail = f"{missing} articles not indexed, {extra} stale entries, {unfound} of "
    detail += f"{len(sample)} sampled articles not found by their headline"
    return Finding("search index", ok, "in step" if ok else detail)


def _check_counters(conn: sqlite3.Connection) -> Finding:
    wrong = conn.execute(
        """
        SELECT ((SELECT value FROM counters WHERE name = 'articles')
                   != (SELECT count(*) FROM articles))
             + ((SELECT value FROM counters WHERE name = 'unread')
                   != (SELECT count(*) FROM articles WHERE read = 0))
             + ((SELECT value FROM counters WHERE name = 'starred')
                   != (SELECT count(*) FROM articles WHERE starred = 1))
             + ((SELECT value FROM counters WHERE name = 'quotes')
                   != (SELECT count(*) FROM quotes))
             + (SELECT count(*) FROM tags AS t WHERE article_count
                   != (SELECT count(*) FROM article_tags WHERE tag_id = t.id)
                OR unread_count != (SELECT count(*) FROM article_tags AS x
                   JOIN articles AS a ON a.id = x.article_id
                   WHERE x.tag_id = t.id AND a.read = 0))
             + (SELECT count(*) FROM feeds AS f WHERE article_count
                   != (SELECT count(*) FROM articles WHERE feed_id = f.id)
                OR unread_count != (SELECT count(*) FROM articles
                   WHERE feed_id = f.id AND read = 0))
             + (SELECT count(*) FROM (
                   SELECT name, quote_count FROM speakers
                   EXCEPT SELECT speaker, count(*) FROM quotes
                          WHERE speaker IS NOT NULL GROUP BY speaker))
             + (SELECT count(*) FROM (
                   SELECT speaker, count(*) FROM quotes
                   WHERE speaker IS NOT NULL GROUP BY speaker
                   EXCEPT SELECT name, quote_count FROM speakers))
        """
    ).fetchone()[0]
    return Finding(
        "counters",
        wrong == 0,
        "agree with a recount" if not wrong else f"{wrong} totals differ from a recount",
    )


def _check_copies(conn: sqlite3.Connection) -> Finding:
    stale = conn.execute(
        "SELECT count(*) FROM article_tags AS x JOIN articles AS a ON a.id = x.article_id"
        " WHERE x.read != a.read OR x.sort_key != a.sort_key"
    ).fetchone()[0]
    return Finding("tag index copies", stale == 0, f"{stale} stale rows" if stale else "ok")


def _refill_search(conn: sqlite3.Connection) -> None:
    from reader import search_index  # here: it is not needed to read

    search_index.refill(conn)


#: What ``repair`` rebuilds, in order: a name for the user and its statements.
_REPAIRS: dict[str, list[str | Callable[[sqlite3.Connection], object]]] = {
    # First: the others read through the indexes, and a stale one miscounts.
    # REINDEX fixes "wrong # of entries" and "row N missing from index".
    "the indexes": ["REINDEX"],
    "the tag index copies": [
        "UPDATE article_tags SET read = (SELECT read FROM articles WHERE id = article_id),"
        " sort_key = (SELECT sort_key FROM articles WHERE id = article_id)"
    ],
    "the counters": [
        "UPDATE tags SET article_count = (SELECT count(*) FROM article_tags"
        " WHERE tag_id = tags.id), unread_count = (SELECT count(*) FROM article_tags"
        " WHERE tag_id = tags.id AND read = 0)",
        "UPDATE counters SET value = CASE name"
        " WHEN 'articles' THEN (SELECT count(*) FROM articles)"
        " WHEN 'unread' THEN (SELECT count(*) FROM articles WHERE read = 0)"
        " WHEN 'starred' THEN (SELECT count(*) FROM articles WHERE starred = 1)"
        " WHEN 'quotes' THEN (SELECT count(*) FROM quotes) END",
        "DELETE FROM speakers",
        "INSERT INTO speakers (name, quote_count)"
        " SELECT speaker, count(*) FROM quotes WHERE speaker IS NOT NULL GROUP BY speaker",
        "UPDATE feeds SET article_count = (SELECT count(*) FROM articles"
        " WHERE feed_id = feeds.id), unread_count = (SELECT count(*) FROM articles"
        " WHERE feed_id = feeds.id AND read = 0)",
    ],
    # FTS5's own 'rebuild' reads the view, ten times as slow as the text made in Python.
    "the search index": [_refill_search],
}


def repair(transaction: Callable[[], AbstractContextManager[sqlite3.Connection]]) -> list[str]:
    """Rebuild what can be derived: indexes, tag copies, counters, the search index.

    Each in a ``transaction()`` of its own, so one that the file's damage makes fail does
    not undo the others; returns one ``what: why`` line per failure (empty: all rebuilt).
    """
    failed = []
    for what, statements in _REPAIRS.items():
        try:
            with transaction() as conn:
                for step in statements:
                    if callable(step):
                        step(conn)
                    else:
                        conn.execute(step)
        except sqlite3.DatabaseError as error:
            if not is_damage(error):
                raise  # a full disk, a lock held too long: not the file's fault
            failed.append(f"{what}: {error}")
    return failed
