"""The store: the one place that reads and writes the database.

Every write runs in a ``BEGIN IMMEDIATE`` transaction (a deferred one that
upgrades to a write can fail at once with "database is locked", whatever the
busy timeout), so an article is either wholly in, with its tags, quotes and
search entry, or not at all; and read marks are never touched by an import.
Lists are read by keyset (``sort_key, id``), never by scanning the archive.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from reader.article import Article, Block, Quote, tag_key
from reader.filters import Filter
from reader.schema import (
    BUSY_TIMEOUT_MS,
    LATEST_VERSION,
    DatabaseError,
    DatabaseGone,
    open_database,
    writable,
)
from reader.search import fold_for_index, parse_query

__all__ = [
    "DatabaseError",
    "DatabaseGone",
    "Finding",
    "Headline",
    "Incoming",
    "QuoteRow",
    "SaveResult",
    "Store",
    "StoredArticle",
    "TagCount",
]

_HEADLINE_COLUMNS = "a.id, a.headline, a.source, a.published, a.sort_key, a.read, a.starred"
_CHUNK = 500  # bound parameters per IN (...) list
_BEGIN_RETRY_SECONDS = 0.002  # between two tries for the write lock


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

    @property
    def key(self) -> tuple[str, int]:
        """The keyset position of this row (newest first = descending keys)."""
        return (self.sort_key, self.id)


@dataclass(frozen=True, slots=True)
class StoredArticle:
    """An article as stored: the parsed value plus its id and the user's marks."""

    id: int
    article: Article
    read: bool
    starred: bool
    imported_at: str | None = None  # UTC; it orders an article without a date


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


@dataclass(slots=True)
class SaveResult:
    """What one ``save`` did: an outcome (new, updated, unchanged) per article, in order."""

    outcomes: list[str] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return self.outcomes.count(outcome)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def sort_key(published: str | None, fallback: str) -> str:
    """Order key of an article: its date in UTC (``YYYY-MM-DDTHH:MM:SS``), or ``fallback``."""
    if published is None:
        return fallback
    try:
        moment = datetime.fromisoformat(published)
    except ValueError:
        return fallback
    if moment.tzinfo is not None:
        with suppress(OverflowError):  # 9999-12-31T23:30-05:00 is past the last UTC moment
            moment = moment.astimezone(UTC)
        moment = moment.replace(tzinfo=None)
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
        f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
    )


def identity(article: Article) -> str:
    """Same headline, date and source after normalisation = the same article (spec rule 9)."""
    parts = (
        " ".join(article.headline.casefold().split()),
        article.published or "",
        " ".join((article.source or "").casefold().split()),
    )
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()


def _content(article: Article) -> dict:
    return {
        "headline": article.headline,
        "published": article.published,
        "source": article.source,
        "captions": list(article.captions),
        "lede": article.lede,
        "body": [{"kind": b.kind, "text": b.text} for b in article.body],
        "tags": list(article.tags),
        "warnings": list(article.warnings),
    }


def content_hash(article: Article) -> str:
    blob = json.dumps(_content(article), ensure_ascii=False, sort_keys=True)
    return hashlib.sha1(blob.encode()).hexdigest()


_GONE = "{path}: the database was moved or replaced: restart the reader"


def _file_id(path: Path) -> tuple[int, int]:
    status = os.stat(path)
    return (status.st_dev, status.st_ino)


def _chunks(items: Sequence, size: int = _CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Store:
    """The facade over one database file. Not shared across threads: open one per thread."""

    def __init__(
        self,
        path: str | Path,
        *,
        readonly: bool | None = False,
        create: bool = True,
        same_as: Store | None = None,
    ) -> None:
        """``readonly=None``: read-only when the file or its folder cannot be written.

        ``create=False`` refuses to make a new database where the file is missing.
        ``same_as``: another connection to the very same file is wanted (a worker's,
        beside the app's); a file deleted, moved or replaced since is ``DatabaseGone``.
        """
        self.path = Path(path)
        if same_as is not None:
            same_as.check_file()
            create = False
        if readonly is None:
            readonly = self.path.exists() and not writable(self.path)
        self.readonly = readonly
        #: How long a write waits for another process's write lock before it raises.
        self.lock_wait = BUSY_TIMEOUT_MS / 1000
        try:
            self.conn: sqlite3.Connection = open_database(
                self.path, readonly=readonly, create=create
            )
        except DatabaseError:
            if same_as is not None:
                same_as.check_file()  # a clearer reason, when the file went away meanwhile
            raise
        self.closed = False
        self.file_id = _file_id(self.path)
        if same_as is not None and self.file_id != same_as.file_id:
            self.close()
            raise DatabaseGone(_GONE.format(path=self.path))

    def check_file(self) -> None:
        """Raise ``DatabaseGone`` when the path no longer leads to the file opened.

        Only ``stat``: the file is never opened outside SQLite (see ``schema``).
        """
        try:
            found = _file_id(self.path)
        except OSError:
            found = None
        if found != self.file_id:
            raise DatabaseGone(_GONE.format(path=self.path))
        if not os.access(self.path, os.R_OK):
            raise DatabaseGone(
                f"{self.path}: the database can no longer be read (its permissions"
                " changed): restart the reader"
            )

    def close(self) -> None:
        """Close the connection; SQLite rolls back a transaction still open on it."""
        self.closed = True
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: all of it is committed, or none of it (Ctrl-C included)."""
        if self.readonly:
            raise DatabaseError(f"{self.path}: opened read-only, changes cannot be saved")
        self._begin()
        try:
            yield self.conn
        except BaseException:
            # Closed already: Ctrl-C landed between BEGIN and the `with` block, so this runs
            # only when the abandoned generator is collected, and the close rolled back.
            if not self.closed and self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    def _begin(self) -> None:
        """``BEGIN IMMEDIATE``, trying again every 2 ms while another process writes.

        SQLite's own busy handler sleeps longer at each try (up to 100 ms) and kept
        missing the moment between two transactions of a running import: a mark waited
        up to 1.1 s behind one (measured), and could have waited until the timeout.
        """
        conn = self.conn
        conn.execute("PRAGMA busy_timeout = 0")
        try:
            deadline = time.monotonic() + self.lock_wait
            while True:
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as error:
                    busy = (error.sqlite_errorcode & 0xFF) == sqlite3.SQLITE_BUSY
                    if not busy or time.monotonic() >= deadline:
                        raise
                time.sleep(_BEGIN_RETRY_SECONDS)
        finally:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    # ---- writing articles -------------------------------------------------------

    def save(self, items: Iterable[Article | Incoming]) -> SaveResult:
        """Insert new articles and update changed ones, in one transaction.

        Re-saving an unchanged article changes nothing; a changed one is updated
        in place and keeps its id, read and starred state.
        """
        incoming = [i if isinstance(i, Incoming) else Incoming(i) for i in items]
        result = SaveResult()
        if not incoming:
            return result
        batch = _Batch(incoming, result)  # the work that needs no database, done first
        with self.transaction() as conn:
            batch.run(conn)
        return result

    # ---- marks ------------------------------------------------------------------

    def mark_read(self, ids: Iterable[int], read: bool = True) -> dict[int, bool]:
        """Set the read state of ``ids``; returns the previous state of each existing one."""
        return self._set_flag("read", list(ids), read)

    def set_starred(self, ids: Iterable[int], starred: bool = True) -> dict[int, bool]:
        return self._set_flag("starred", list(ids), starred)

    def _set_flag(self, column: str, ids: list[int], value: bool) -> dict[int, bool]:
        previous: dict[int, bool] = {}
        with self.transaction() as conn:
            for chunk in _chunks(ids):
                marks = ",".join("?" * len(chunk))
                rows = conn.execute(
                    f"SELECT id, {column} FROM articles WHERE id IN ({marks})", chunk
                ).fetchall()
                previous.update((row[0], bool(row[1])) for row in rows)
                conn.execute(
                    f"UPDATE articles SET {column} = ? WHERE id IN ({marks}) AND {column} != ?",
                    (int(value), *chunk, int(value)),
                )
        return previous

    def mark_all_read(self, view: Filter = Filter(), read: bool = True) -> list[int]:
        """Mark every article of ``view`` read (or unread); returns the ids that changed."""
        plan = self._plan(view)
        with self.transaction() as conn:
            sql = f"{plan.select('a.id')} AND a.read = ?"
            changed = [row[0] for row in conn.execute(sql, (*plan.params, int(not read)))]
            for chunk in _chunks(changed):
                conn.execute(
                    f"UPDATE articles SET read = ? WHERE id IN ({','.join('?' * len(chunk))})",
                    (int(read), *chunk),
                )
        return changed

    def restore_read(self, states: dict[int, bool]) -> None:
        """Put read states back exactly as they were (the undo of a mark)."""
        with self.transaction() as conn:
            conn.executemany(
                "UPDATE articles SET read = ? WHERE id = ?",
                [(int(read), article_id) for article_id, read in states.items()],
            )

    # ---- reading ----------------------------------------------------------------

    def _tag_ids(self, view: Filter) -> list[tuple[int, int, int]] | None:
        """``(id, article_count, unread_count)`` of each tag; ``None`` if one is unknown."""
        found = []
        for key in view.tag_keys:
            row = self.conn.execute(
                "SELECT id, article_count, unread_count FROM tags WHERE key = ?", (key,)
            ).fetchone()
            if row is None:
                return None
            found.append(row)
        return found

    def _plan(self, view: Filter) -> _Plan:
        """How to read a view: which index drives the scan, and its keyset columns.

        A search is driven by the FTS index in rowid order (tags are added to the
        MATCH as a prefilter on the tags column); with tags, the rarest tag drives the
        scan along its ``article_tags`` key; otherwise the date index. Everything else
        is checked by index lookups on the rows found, through ``article_tags`` (which
        copies ``read``) where it can, so that counting needs no row of ``articles``.
        """
        tags = self._tag_ids(view)
        query = parse_query(view.query) if view.query else None
        if tags is None or (query is not None and query.fts is None):
            return _Plan("FROM articles AS a", ["0"], [], ("a.sort_key", "a.id"))
        where: list[str] = []
        params: list = []
        unread_checked = False
        if query is not None:
            driver, article_id = "FROM articles_fts AS f", "f.rowid"
            where.append("articles_fts MATCH ?")
            params.append(query.with_tags(self._tag_names(tags)))
            keys: tuple[str, ...] = ("f.rowid",)
            checked = sorted(tags, key=lambda t: t[2] if view.unread_only else t[1])
        elif tags:
            tags = sorted(tags, key=lambda t: t[2] if view.unread_only else t[1])
            driver, article_id = "FROM article_tags AS t0", "t0.article_id"
            where.append("t0.tag_id = ?")
            params.append(tags[0][0])
            if view.unread_only:
                where.append("t0.read = 0")
                unread_checked = True
            keys = ("t0.sort_key", "t0.article_id")
            checked = tags[1:]
        else:
            driver, article_id = "FROM articles AS a", "a.id"
            keys = ("a.sort_key", "a.id")
            checked = []
        for tag in checked:
            read = ""
            if view.unread_only and not unread_checked:
                read, unread_checked = " AND x.read = 0", True
            where.append(
                "EXISTS (SELECT 1 FROM article_tags AS x"
                f" WHERE x.article_id = {article_id} AND x.tag_id = ?{read})"
            )
            params.append(tag[0])
        needs_articles = view.starred_only or (view.unread_only and not unread_checked)
        if view.unread_only and not unread_checked:
            where.append("a.read = 0")
        if view.starred_only:
            where.append("a.starred = 1")
        joined = (
            driver
            if driver.endswith(" a")
            else f"{driver} JOIN articles AS a ON a.id = {article_id}"
        )
        bare = joined if needs_articles else driver
        ranked = query is not None and view.relevance
        return _Plan(joined, where or ["1"], params, keys, ranked, bare)

    def _tag_names(self, tags: list[tuple[int, int, int]]) -> list[str]:
        names = []
        for tag in tags:
            row = self.conn.execute("SELECT name FROM tags WHERE id = ?", (tag[0],)).fetchone()
            if row:
                names.append(row[0])
        return names

    def page(
        self,
        view: Filter = Filter(),
        *,
        after: tuple[str, int] | None = None,
        before: tuple[str, int] | None = None,
        limit: int = 200,
    ) -> list[Headline]:
        """Up to ``limit`` rows in view order, strictly after or before a row's key.

        A relevance-ordered search has no keyset: there, ``after``/``before`` are
        refused (use ``page_at``).
        """
        plan = self._plan(view)
        if plan.ranked and (after or before):
            raise ValueError("a relevance-ordered view is read by offset (page_at)")
        sql, params = plan.select(_HEADLINE_COLUMNS), list(plan.params)
        if after is not None:
            sql += f" AND {plan.compare('<')}"
            params += plan.key_params(after)
        elif before is not None:
            sql += f" AND {plan.compare('>')}"
            params += plan.key_params(before)
        order = plan.order(descending=before is None)
        rows = self.conn.execute(f"{sql} {order} LIMIT ?", (*params, limit)).fetchall()
        if before is not None:
            rows.reverse()
        return [_headline(row) for row in rows]

    def page_at(self, view: Filter, offset: int, limit: int = 200) -> list[Headline]:
        """Rows from position ``offset`` (for a jump into the middle, as a scrollbar drag does)."""
        plan = self._plan(view)
        rows = self.conn.execute(
            f"{plan.select(_HEADLINE_COLUMNS)} {plan.order()} LIMIT ? OFFSET ?",
            (*plan.params, limit, max(0, offset)),
        ).fetchall()
        return [_headline(row) for row in rows]

    def last_page(self, view: Filter, limit: int = 200) -> list[Headline]:
        """The last ``limit`` rows, still in view order (for ``G``)."""
        plan = self._plan(view)
        rows = self.conn.execute(
            f"{plan.select(_HEADLINE_COLUMNS)} {plan.order(descending=False)} LIMIT ?",
            (*plan.params, limit),
        ).fetchall()
        rows.reverse()
        return [_headline(row) for row in rows]

    def headline(self, article_id: int) -> Headline | None:
        """The list row of one article, whatever the view."""
        row = self.conn.execute(
            f"SELECT {_HEADLINE_COLUMNS} FROM articles AS a WHERE a.id = ?", (article_id,)
        ).fetchone()
        return _headline(row) if row else None

    def data_version(self) -> int:
        """Changes whenever another connection commits (``PRAGMA data_version``)."""
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    def position(self, view: Filter, key: tuple[str, int]) -> int:
        """How many rows of ``view`` come before ``key`` (its index if it is in the view)."""
        plan = self._plan(view)
        if plan.ranked:
            raise ValueError("a relevance-ordered view has no keyset position")
        sql = f"{plan.count()} AND {plan.compare('>')}"
        return self.conn.execute(sql, (*plan.params, *plan.key_params(key))).fetchone()[0]

    def contains(self, view: Filter, article_id: int) -> bool:
        plan = self._plan(view)
        sql = f"{plan.select('1')} AND a.id = ? LIMIT 1"
        return self.conn.execute(sql, (*plan.params, article_id)).fetchone() is not None

    def cheap_count(self, view: Filter = Filter()) -> int | None:
        """``count(view)`` when a counter answers it (no scan of matches), else ``None``."""
        if view.query:
            return None
        if not view.tags and not view.starred_only:
            return self._counter("unread" if view.unread_only else "articles")
        if not view.tags and not view.unread_only:
            return self._counter("starred")
        if len(view.tag_keys) == 1 and not view.starred_only:
            tags = self._tag_ids(view)
            if tags is None:
                return 0
            return tags[0][2] if view.unread_only else tags[0][1]
        return None

    def count(self, view: Filter = Filter()) -> int:
        """Rows in a view, from the counters where one answers it, else an index scan."""
        counted = self.cheap_count(view)
        if counted is not None:
            return counted
        if view.query:
            query = parse_query(view.query)
            if query.fts is None:
                return 0
            if not (view.tags or view.unread_only or view.starred_only):
                return self.conn.execute(
                    "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?", (query.fts,)
                ).fetchone()[0]
        plan = self._plan(view)
        return self.conn.execute(plan.count(), plan.params).fetchone()[0]

    def _counter(self, name: str) -> int:
        return self.conn.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()[0]

    # ---- health (reader doctor) ------------------------------------------------------

    def check(self) -> list[Finding]:
        """Everything ``reader doctor`` looks at, each a ``Finding`` (ok or not).

        A check that the file's damage makes fail is a finding too, not an error.
        """
        findings = []
        for name, check in (
            ("schema", self._check_schema),
            ("integrity", self._check_integrity),
            ("search index", self._check_search),
            ("counters", self._check_counters),
            ("tag index copies", self._check_copies),
        ):
            try:
                findings.append(check())
            except sqlite3.DatabaseError as error:
                if not self._check_damage(error):
                    raise
                findings.append(Finding(name, False, f"cannot be read: {error}"))
        return findings

    @staticmethod
    def _check_damage(error: sqlite3.Error) -> bool:
        """Whether ``error`` comes from a damaged file (not a busy, full or read-only one)."""
        code = (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF
        return code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CONSTRAINT)

    def _check_schema(self) -> Finding:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        return Finding("schema", version == LATEST_VERSION, f"version {version}")

    def _check_integrity(self) -> Finding:
        answer = [row[0] for row in self.conn.execute("PRAGMA integrity_check")]
        if answer == ["ok"]:
            return Finding("integrity", True, "ok")
        # One row can hold many lines ("*** in database main ***" and a line per bad cell).
        problems = [line for row in answer for line in row.splitlines() if line[:3] != "***"]
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        return Finding("integrity", False, "; ".join(problems[:3]) + more or "no answer")

    def _check_search(self) -> Finding:
        conn = self.conn
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

    def _check_counters(self) -> Finding:
        wrong = self.conn.execute(
            """
            SELECT ((SELECT value FROM counters WHERE name = 'articles')
                       != (SELECT count(*) FROM articles))
                 + ((SELECT value FROM counters WHERE name = 'unread')
                       != (SELECT count(*) FROM articles WHERE read = 0))
                 + ((SELECT value FROM counters WHERE name = 'starred')
                       != (SELECT count(*) FROM articles WHERE starred = 1))
                 + (SELECT count(*) FROM tags AS t WHERE article_count
                       != (SELECT count(*) FROM article_tags WHERE tag_id = t.id)
                    OR unread_count != (SELECT count(*) FROM article_tags AS x
                       JOIN articles AS a ON a.id = x.article_id
                       WHERE x.tag_id = t.id AND a.read = 0))
            """
        ).fetchone()[0]
        return Finding(
            "counters",
            wrong == 0,
            "agree with a recount" if not wrong else f"{wrong} totals differ from a recount",
        )

    def _check_copies(self) -> Finding:
        stale = self.conn.execute(
            "SELECT count(*) FROM article_tags AS x JOIN articles AS a ON a.id = x.article_id"
            " WHERE x.read != a.read OR x.sort_key != a.sort_key"
        ).fetchone()[0]
        return Finding("tag index copies", stale == 0, f"{stale} stale rows" if stale else "ok")

    def repair(self) -> list[str]:
        """Rebuild what can be derived: indexes, tag copies, counters, the search index.

        Each in a transaction of its own, so one that the file's damage makes fail does not
        undo the others; returns one ``what: why`` line per failure (empty: all rebuilt).
        """
        steps = {
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
                " WHEN 'starred' THEN (SELECT count(*) FROM articles WHERE starred = 1) END",
            ],
            # FTS5's own 'rebuild' fails on the json_each view (SQLite 3.40): refill by hand.
            "the search index": [
                "INSERT INTO articles_fts (articles_fts) VALUES ('delete-all')",
                "INSERT INTO articles_fts (rowid, headline, lede, body, tags)"
                " SELECT rowid, headline, lede, body, tags FROM article_search",
            ],
        }
        failed = []
        for what, statements in steps.items():
            try:
                with self.transaction() as conn:
                    for sql in statements:
                        conn.execute(sql)
            except sqlite3.DatabaseError as error:
                if not self._check_damage(error):
                    raise  # a full disk, a lock held too long: not the file's fault
                failed.append(f"{what}: {error}")
        return failed

    def unread_count(self) -> int:
        return self._counter("unread")

    def tags(self) -> list[TagCount]:
        """Every tag in use with its article and unread counts, most used first."""
        rows = self.conn.execute(
            "SELECT id, name, article_count, unread_count FROM tags WHERE article_count > 0"
            " ORDER BY article_count DESC, key"
        )
        return [TagCount(*row) for row in rows]

    def article(self, article_id: int) -> StoredArticle | None:
        """One article with its tags and quotes, or ``None``."""
        row = self.conn.execute(
            "SELECT id, headline, published, source, captions, lede, body, warnings, origin,"
            " read, starred, imported_at FROM articles WHERE id = ?",
            (article_id,),
        ).fetchone()
        if row is None:
            return None
        tags = [
            name
            for (name,) in self.conn.execute(
                "SELECT t.name FROM article_tags AS x JOIN tags AS t ON t.id = x.tag_id"
                " WHERE x.article_id = ? ORDER BY x.position",
                (article_id,),
            )
        ]
        quotes = [
            Quote(text, part, block, start, end, speaker)
            for text, part, block, start, end, speaker in self.conn.execute(
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
        )
        return StoredArticle(row[0], article, bool(row[9]), bool(row[10]), row[11])

    # ---- quotes -------------------------------------------------------------------

    def quotes(
        self,
        view: Filter = Filter(),
        *,
        speaker: str | None = None,
        after: tuple[str, int, int] | None = None,
        offset: int = 0,
        limit: int = 200,
    ) -> list[QuoteRow]:
        """Quotes of the articles of ``view``, newest article first, in reading order within one.

        ``after`` is the ``key`` of the last row of the previous page (keyset);
        ``offset`` jumps into the middle. ``speaker`` keeps one person's quotes.
        """
        plan = self._plan(replace(view, relevance=False))
        sql = (
            f"SELECT q.article_id, q.seq, q.text, q.speaker, q.part, q.block, a.headline,"
            f" a.published, a.sort_key {plan.source} JOIN quotes AS q ON q.article_id = a.id"
            f" WHERE {' AND '.join(plan.where)}"
        )
        params = list(plan.params)
        if speaker is not None:
            sql += " AND q.speaker = ?"
            params.append(speaker)
        if after is not None:
            # A row value the date index can seek to, then the rest of that article's quotes.
            sql += (
                " AND (a.sort_key, a.id) <= (?, ?)"
                " AND NOT (a.sort_key = ? AND a.id = ? AND q.seq <= ?)"
            )
            params += [after[0], after[1], after[0], after[1], after[2]]
        sql += " ORDER BY a.sort_key DESC, a.id DESC, q.seq ASC LIMIT ? OFFSET ?"
        rows = self.conn.execute(sql, (*params, limit, max(0, offset))).fetchall()
        return [QuoteRow(*row) for row in rows]

    def count_quotes(self, view: Filter = Filter(), *, speaker: str | None = None) -> int:
        plan = self._plan(replace(view, relevance=False))
        sql = (
            f"SELECT count(*) {plan.source} JOIN quotes AS q ON q.article_id = a.id"
            f" WHERE {' AND '.join(plan.where)}"
        )
        params = list(plan.params)
        if speaker is not None:
            sql += " AND q.speaker = ?"
            params.append(speaker)
        return self.conn.execute(sql, params).fetchone()[0]

    def speakers(self) -> list[tuple[str, int]]:
        """Everyone quoted by name, with how many quotes, most quoted first."""
        return self.conn.execute(
            "SELECT speaker, count(*) FROM quotes WHERE speaker IS NOT NULL"
            " GROUP BY speaker ORDER BY count(*) DESC, speaker"
        ).fetchall()

    def articles(self, view: Filter = Filter(), batch: int = 500) -> Iterator[StoredArticle]:
        """Every article of a view, newest first, read page by page."""
        after = None
        while True:
            rows = self.page(view, after=after, limit=batch)
            for row in rows:
                stored = self.article(row.id)
                if stored is not None:
                    yield stored
            if len(rows) < batch:
                return
            after = rows[-1].key


@dataclass(frozen=True, slots=True)
class _Plan:
    """A view as SQL: ``FROM``, ``WHERE`` terms with their parameters, and the keyset."""

    source: str
    where: list[str]
    params: list
    keys: tuple[str, ...]  # keyset columns; the view lists them in descending order
    ranked: bool = False  # relevance order (bm25): read by offset only
    bare: str | None = None  # the FROM without articles, when no condition needs its rows

    def select(self, columns: str) -> str:
        return f"SELECT {columns} {self.source} WHERE {' AND '.join(self.where)}"

    def count(self) -> str:
        return f"SELECT count(*) {self.bare or self.source} WHERE {' AND '.join(self.where)}"

    def order(self, descending: bool = True) -> str:
        if self.ranked:
            return "ORDER BY f.rank, f.rowid" if descending else "ORDER BY f.rank DESC, f.rowid"
        direction = " DESC" if descending else " ASC"
        return "ORDER BY " + ", ".join(key + direction for key in self.keys)

    def compare(self, operator: str) -> str:
        if len(self.keys) == 1:
            return f"{self.keys[0]} {operator} ?"
        marks = ", ".join("?" * len(self.keys))
        return f"({', '.join(self.keys)}) {operator} ({marks})"

    def key_params(self, key: tuple[str, int]) -> list:
        """A row's ``(sort_key, id)`` as this plan's keyset (the id alone for a search)."""
        return list(key[-len(self.keys) :])


def _headline(row: tuple) -> Headline:
    return Headline(row[0], row[1], row[2], row[3], row[4], bool(row[5]), bool(row[6]))


@dataclass(slots=True)
class _Prepared:
    """An incoming article with everything about it that needs no database, computed
    before the write transaction begins."""

    item: Incoming
    identity: str
    digest: str
    values: tuple  # the articles columns from headline to origin
    search: tuple[str, str, str | None]  # headline, lede and body as the search index gets them

    @classmethod
    def of(cls, item: Incoming) -> _Prepared:
        article = item.article
        body = "\n".join(b.text for b in article.body) if article.body else None
        return cls(
            item,
            identity(article),
            content_hash(article),
            (
                article.headline,
                article.published,
                article.source,
                json.dumps(list(article.captions), ensure_ascii=False),
                article.lede,
                json.dumps(
                    [{"kind": b.kind, "text": b.text} for b in article.body], ensure_ascii=False
                ),
                json.dumps(list(article.warnings)),
                article.origin,
            ),
            (
                fold_for_index(article.headline),
                fold_for_index(article.lede),
                fold_for_index(body) if body else None,
            ),
        )


class _Batch:
    """One ``save``: the work that needs no database at construction, outside the write
    transaction (it holds the lock for less time, and leaves a gap between an import's
    batches in which a mark gets in); ``run`` resolves identities and tags and writes
    with ``executemany``."""

    def __init__(self, incoming: list[Incoming], result: SaveResult):
        self.prepared = [_Prepared.of(item) for item in incoming]
        self.result = result
        self.now = _now()
        self.tag_ids: dict[str, tuple[int, str]] = {}
        self.conn: sqlite3.Connection

    def run(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        known: dict[str, tuple[int, str, str]] = {}
        unique = list(dict.fromkeys(p.identity for p in self.prepared))
        for chunk in _chunks(unique):
            marks = ",".join("?" * len(chunk))
            for ident, article_id, digest, key in conn.execute(
                f"SELECT identity, id, content_hash, sort_key FROM articles"
                f" WHERE identity IN ({marks})",
                chunk,
            ):
                known[ident] = (article_id, digest, key)
        self._load_tags()
        next_id = (conn.execute("SELECT max(id) FROM articles").fetchone()[0] or 0) + 1
        wanted_ids = [p.item.id for p in self.prepared if p.item.id is not None]
        taken: set[int] = set()
        for chunk in _chunks(wanted_ids):
            marks = ",".join("?" * len(chunk))
            taken.update(
                row[0]
                for row in conn.execute(f"SELECT id FROM articles WHERE id IN ({marks})", chunk)
            )

        # [id or None for a fresh one, prepared article, sort key], in input order
        new_rows: list[list] = []
        updates: list[tuple[int, _Prepared, str]] = []
        outcomes: list[tuple[str, int | list]] = []
        pending: dict[str, list] = {}  # new in this batch, by identity
        for prepared in self.prepared:
            ident, digest, item = prepared.identity, prepared.digest, prepared.item
            if ident in pending:  # the same article twice in one batch: the last one wins
                row = pending[ident]
                outcomes.append(("unchanged" if row[1].digest == digest else "updated", row))
                row[1] = prepared
                continue
            if ident in known:
                article_id, old_digest, old_key = known[ident]
                if old_digest == digest:
                    outcomes.append(("unchanged", article_id))
                    continue
                key = sort_key(item.article.published, old_key)
                updates.append((article_id, prepared, key))
                known[ident] = (article_id, digest, key)
                outcomes.append(("updated", article_id))
                continue
            wanted = item.id if item.id is not None and item.id > 0 else None
            if wanted is not None and wanted in taken:
                wanted = None
            if wanted is not None:
                taken.add(wanted)
            imported = item.imported_at or self.now
            row = [wanted, prepared, sort_key(item.article.published, imported)]
            new_rows.append(row)
            pending[ident] = row
            outcomes.append(("new", row))

        for article_id, prepared, key in updates:
            self._update(article_id, prepared, key)
        # Fresh ids in date order (oldest first): ids, and so search rowids, follow dates,
        # and FTS5 never sees a rowid go down within a batch (that flushes its buffer).
        next_id = max(next_id, max(taken, default=0) + 1)  # fresh ids come after every other
        for row in sorted((r for r in new_rows if r[0] is None), key=lambda r: r[2]):
            while next_id in taken:
                next_id += 1
            row[0] = next_id
            taken.add(next_id)
        new_rows.sort(key=lambda r: (r[2], r[0]))
        self._insert(new_rows)
        self.result.outcomes.extend(outcome for outcome, _ in outcomes)
        self.result.ids.extend(
            target[0] if isinstance(target, list) else target for _, target in outcomes
        )

    def _load_tags(self) -> None:
        articles = [p.item.article for p in self.prepared]
        keys = list(dict.fromkeys(tag_key(t) for article in articles for t in article.tags))
        for chunk in _chunks(keys):
            marks = ",".join("?" * len(chunk))
            for tag_id, key, name in self.conn.execute(
                f"SELECT id, key, name FROM tags WHERE key IN ({marks})", chunk
            ):
                self.tag_ids[key] = (tag_id, name)
        missing = [k for k in keys if k not in self.tag_ids]
        if not missing:
            return
        first_name: dict[str, str] = {}
        for article in articles:
            for name in article.tags:
                first_name.setdefault(tag_key(name), name)
        next_id = (self.conn.execute("SELECT max(id) FROM tags").fetchone()[0] or 0) + 1
        rows = []
        for offset, key in enumerate(missing):
            self.tag_ids[key] = (next_id + offset, first_name[key])
            rows.append((next_id + offset, first_name[key], key))
        self.conn.executemany("INSERT INTO tags (id, name, key) VALUES (?, ?, ?)", rows)

    def _children(self, rows: list[tuple[int, _Prepared, str, bool]]) -> None:
        """Tags, quotes and the search entry of freshly written articles."""
        tag_rows, quote_rows, fts_rows = [], [], []
        for article_id, prepared, key, read in rows:
            article = prepared.item.article
            names = []
            seen: set[int] = set()
            for name in article.tags:
                tag_id, display = self.tag_ids[tag_key(name)]
                if tag_id in seen:  # "#beta" and "#BETA" in one article: one tag
                    continue
                seen.add(tag_id)
                tag_rows.append((tag_id, key, article_id, len(names), int(read)))
                names.append(display)
            for seq, q in enumerate(article.quotes):
                quote_rows.append(
                    (article_id, seq, q.part, q.block, q.start, q.end, q.text, q.speaker)
                )
            # Must equal what the article_search view gives, or a later delete misses terms.
            # The tags are the stored spellings, known only now.
            tags = "\n".join(names) or None
            fts_rows.append((article_id, *prepared.search, fold_for_index(tags) if tags else None))
        self.conn.executemany(
            "INSERT INTO article_tags (tag_id, sort_key, article_id, position, read)"
            " VALUES (?, ?, ?, ?, ?)",
            tag_rows,
        )
        self.conn.executemany(
            'INSERT INTO quotes (article_id, seq, part, block, start, "end", text, speaker)'
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            quote_rows,
        )
        self.conn.executemany(
            "INSERT INTO articles_fts (rowid, headline, lede, body, tags) VALUES (?, ?, ?, ?, ?)",
            fts_rows,
        )

    def _insert(self, rows: list[list]) -> None:
        if not rows:
            return
        self.conn.executemany(
            "INSERT INTO articles (id, identity, headline, published, source, captions, lede,"
            " body, warnings, origin, sort_key, content_hash, read, starred, imported_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    article_id,
                    prepared.identity,
                    *prepared.values,
                    key,
                    prepared.digest,
                    int(bool(prepared.item.read)),
                    int(bool(prepared.item.starred)),
                    prepared.item.imported_at or self.now,
                )
                for article_id, prepared, key in rows
            ],
        )
        self._children(
            [(row_id, prepared, key, bool(prepared.item.read)) for row_id, prepared, key in rows]
        )

    def _update(self, article_id: int, prepared: _Prepared, key: str) -> None:
        conn = self.conn
        # The search index is external-content: delete with the old values first.
        conn.execute(
            "INSERT INTO articles_fts (articles_fts, rowid, headline, lede, body, tags)"
            " SELECT 'delete', rowid, headline, lede, body, tags FROM article_search"
            " WHERE rowid = ?",
            (article_id,),
        )
        conn.execute("DELETE FROM article_tags WHERE article_id = ?", (article_id,))
        conn.execute("DELETE FROM quotes WHERE article_id = ?", (article_id,))
        conn.execute(
            "UPDATE articles SET headline = ?, published = ?, source = ?, captions = ?, lede = ?,"
            " body = ?, warnings = ?, origin = ?, sort_key = ?, content_hash = ?, updated_at = ?"
            " WHERE id = ?",
            (*prepared.values, key, prepared.digest, self.now, article_id),
        )
        read = conn.execute("SELECT read FROM articles WHERE id = ?", (article_id,)).fetchone()[0]
        self._children([(article_id, prepared, key, bool(read))])
