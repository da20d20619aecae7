"""The store: the one way into the database, for the app, the CLI and scripts alike.

``Store`` owns the connection: it opens the file, tells when the path no longer leads to
it, and runs every write in a ``BEGIN IMMEDIATE`` transaction (a deferred one that
upgrades to a write can fail at once with "database is locked", whatever the busy
timeout), so an article is either wholly in, with its tags, quotes and search entry, or
not at all; and read marks are never touched by an import. The SQL itself lives by
concern, one module each, and the methods below hand their work to them:

- ``reader.rows``: the values it returns and takes (``Headline``, ``StoredArticle``, ...)
- ``reader.planner``: a ``Filter`` as SQL, and the pages, positions and counts read through it
- ``reader.lookups``: reads that no view plans (an article by id, the tags, the speakers)
- ``reader.flags``: the read and starred marks
- ``reader.writer``: identity, content hash and sort key, and the batch an import saves
- ``reader.health``: what ``reader doctor`` checks and repairs
- ``reader.feeds``: the subscriptions (``reader.update`` refreshes them)
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from reader import feeds, flags, health, lookups, planner
from reader.article import Article
from reader.feeds import Feed
from reader.filters import Filter
from reader.rows import (
    Finding,
    Headline,
    Incoming,
    QuoteRow,
    SaveResult,
    StoredArticle,
    TagCount,
)
from reader.schema import (
    BUSY_TIMEOUT_MS,
    DatabaseError,
    DatabaseGone,
    open_database,
    writable,
)
from reader.writer import Batch, Prepared, content_hash, identity, sort_key, stored_digests

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
    "content_hash",
    "identity",
    "sort_key",
]

_BEGIN_RETRY_SECONDS = 0.002  # between two tries for the write lock


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")


_GONE = "{path}: the database was moved or replaced: restart the reader"


def _file_id(path: Path) -> tuple[int, int]:
    status = os.stat(path)
    return (status.st_dev, status.st_ino)


class Store:
    """The facade over one database file. Not shared across threads: open one per thread."""

    def __init__(
        self,
        path: str | Path,
        *,
        readonly: bool | None = False,
        create: bool = True,
        same_as: Store | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """``readonly=None``: read-only when the file or its folder cannot be written.

        ``create=False`` refuses to make a new database where the file is missing.
        ``same_as``: another connection to the very same file is wanted (a worker's,
        beside the app's); a file deleted, moved or replaced since is ``DatabaseGone``.
        ``progress(n)``: told as a schema upgrade indexes ``n`` more articles.
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
                self.path, readonly=readonly, create=create, progress=progress
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

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads that see one committed state (a read transaction), whatever commits
        meanwhile; inside another transaction, that one."""
        if self.conn.in_transaction:
            yield
            return
        self.conn.execute("BEGIN")
        try:
            yield
        finally:
            if not self.closed and self.conn.in_transaction:
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

    # ---- writing articles (reader.writer) -------------------------------------------

    def save(
        self, items: Iterable[Article | Incoming | Prepared], *, feed: Feed | None = None
    ) -> SaveResult:
        """Insert new articles and update changed ones, in one transaction.

        Re-saving an unchanged article changes nothing; a changed one is updated
        in place and keeps its id, read and starred state. ``feed``: the entries of this
        subscription, saved only while it exists (``FeedNotFound`` once it was removed).
        """
        incoming = [i if isinstance(i, Incoming | Prepared) else Incoming(i) for i in items]
        result = SaveResult()
        if not incoming:
            return result
        batch = Batch(incoming, result, _now)  # the work that needs no database, done first
        with self.transaction() as conn:
            if (
                feed is not None
                and not conn.execute(
                    "SELECT 1 FROM feeds WHERE id = ? AND url = ?", (feed.id, feed.url)
                ).fetchone()
            ):
                raise feeds.FeedNotFound(f"{feed.url}: unsubscribed during the refresh")
            batch.run(conn)
        return result

    def stored_digests(self, identities: list[str]) -> dict[str, tuple[str, int | None]]:
        """``{identity: (content hash, feed id)}`` of those already stored (a refresh
        converts only the entries that are new or changed)."""
        return stored_digests(self.conn, identities)

    # ---- marks (reader.flags) -------------------------------------------------------

    def mark_read(self, ids: Iterable[int], read: bool = True) -> dict[int, bool]:
        """Set the read state of ``ids``; returns the previous state of each existing one."""
        return self._set_flag("read", list(ids), read)

    def set_starred(self, ids: Iterable[int], starred: bool = True) -> dict[int, bool]:
        return self._set_flag("starred", list(ids), starred)

    def _set_flag(self, column: str, ids: list[int], value: bool) -> dict[int, bool]:
        with self.transaction() as conn:
            return flags.set_flag(conn, column, ids, value)

    def mark_all_read(self, view: Filter = Filter(), read: bool = True) -> list[int]:
        """Mark every article of ``view`` read (or unread); returns the ids that changed."""
        plan = planner.plan_view(self.conn, view)
        with self.transaction() as conn:
            return flags.mark_all_read(conn, plan, read)

    def restore_read(self, states: dict[int, bool]) -> None:
        """Put read states back exactly as they were (the undo of a mark)."""
        with self.transaction() as conn:
            flags.restore_read(conn, states)

    # ---- reading a view (reader.planner) ----------------------------------------------

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
        return planner.page(self.conn, view, after=after, before=before, limit=limit)

    def page_at(self, view: Filter, offset: int, limit: int = 200) -> list[Headline]:
        """Rows from position ``offset`` (for a jump into the middle, as a scrollbar drag does)."""
        return planner.page_at(self.conn, view, offset, limit)

    def last_page(self, view: Filter, limit: int = 200) -> list[Headline]:
        """The last ``limit`` rows, still in view order (for ``G``)."""
        return planner.last_page(self.conn, view, limit)

    def position(self, view: Filter, key: tuple[str, int]) -> int:
        """How many rows of ``view`` come before ``key`` (its index if it is in the view)."""
        return planner.position(self.conn, view, key)

    def contains(self, view: Filter, article_id: int) -> bool:
        return planner.contains(self.conn, view, article_id)

    def cheap_count(self, view: Filter = Filter()) -> int | None:
        """``count(view)`` when a counter answers it (no scan of matches), else ``None``."""
        return planner.cheap_count(self.conn, view)

    def count(self, view: Filter = Filter()) -> int:
        """Rows in a view, from the counters where one answers it, else an index scan."""
        return planner.count(self.conn, view)

    def unread_count(self) -> int:
        return planner.counter(self.conn, "unread")

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
        return planner.quotes(
            self.conn, view, speaker=speaker, after=after, offset=offset, limit=limit
        )

    def count_quotes(self, view: Filter = Filter(), *, speaker: str | None = None) -> int:
        return planner.count_quotes(self.conn, view, speaker=speaker)

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

    # ---- reading by id, and the lists no view plans (reader.lookups) ------------------

    def headline(self, article_id: int) -> Headline | None:
        """The list row of one article, whatever the view."""
        return lookups.headline(self.conn, article_id)

    def article(self, article_id: int) -> StoredArticle | None:
        """One article with its tags and quotes, or ``None``."""
        return lookups.article(self.conn, article_id)

    def tags(self) -> list[TagCount]:
        """Every tag in use with its article and unread counts, most used first."""
        return lookups.tags(self.conn)

    def tags_in_view(
        self, view: Filter, *, limit: int = planner.TAGS_IN_VIEW_LIMIT
    ) -> dict[int, planner.TagInView] | None:
        """``{tag id: what view.with_tag(tag) would show}`` for every tag of the view's
        articles, exactly, by one pass over them; ``None`` when the view has more than
        ``limit`` articles (count the tags one by one: ``tag_in_view``)."""
        with self.snapshot():
            return planner.tags_in_view(self.conn, view, limit=limit)

    def tag_in_view(
        self, view: Filter, tag: TagCount, *, cap: int = planner.TAG_COUNT_CAP
    ) -> planner.TagInView:
        """What ``view.with_tag(tag)`` would show, each count stopping above ``cap``."""
        with self.snapshot():
            return planner.tag_in_view(self.conn, view, tag, cap=cap)

    def speakers(self) -> list[tuple[str, int]]:
        """Everyone quoted by name, with how many quotes, most quoted first."""
        return lookups.speakers(self.conn)

    def data_version(self) -> int:
        """Changes whenever another connection commits (``PRAGMA data_version``)."""
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    # ---- subscriptions (reader.feeds) ------------------------------------------------

    def feeds(self) -> list[Feed]:
        """Every subscription with its article and unread counts, by name."""
        return feeds.all_feeds(self.conn)

    def feed(self, which: str | int) -> Feed:
        """A subscription by URL or number; ``FeedNotFound`` when there is none."""
        return feeds.find(self.conn, str(which))

    def add_feed(
        self, url: str, *, title: str | None = None, tags: tuple[str, ...] = ()
    ) -> tuple[Feed, bool]:
        """Subscribe (or add tags to a subscription); returns the feed and whether it is new."""
        return self.add_feeds([(url, title, tags)])[0]

    def add_feeds(
        self, subscriptions: Iterable[tuple[str, str | None, tuple[str, ...]]]
    ) -> list[tuple[Feed, bool]]:
        """``add_feed`` for many ``(url, title, tags)``, all in one transaction."""
        now = _now()
        with self.transaction() as conn:
            return [
                feeds.add(conn, url, now=now, title=title, tags=tags)
                for url, title, tags in subscriptions
            ]

    def remove_feed(self, feed: Feed, *, keep_articles: bool = False) -> int:
        """Unsubscribe, deleting its articles unless ``keep_articles``; returns their number."""
        with self.transaction() as conn:
            return feeds.remove(conn, feed, keep_articles=keep_articles)

    # ---- health: reader doctor (reader.health) ---------------------------------------

    def check(self) -> list[Finding]:
        """Everything ``reader doctor`` looks at, each a ``Finding`` (ok or not).

        A check that the file's damage makes fail is a finding too, not an error.
        """
        return health.check(self.conn)

    def repair(self) -> list[str]:
        """Rebuild what can be derived: indexes, tag copies, counters, the search index.

        Each in a transaction of its own, so one that the file's damage makes fail does not
        undo the others; returns one ``what: why`` line per failure (empty: all rebuilt).
        """
        return health.repair(self.transaction)
