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
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from reader.article import Article, Block, Quote, tag_key
from reader.filters import Filter
from reader.schema import DatabaseError, open_database

__all__ = [
    "DatabaseError",
    "Headline",
    "Incoming",
    "SaveResult",
    "Store",
    "StoredArticle",
    "TagCount",
]

_HEADLINE_COLUMNS = "a.id, a.headline, a.source, a.published, a.sort_key, a.read, a.starred"
_CHUNK = 500  # bound parameters per IN (...) list


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
    moment = datetime.fromisoformat(published)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


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


def _chunks(items: Sequence, size: int = _CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Store:
    """The facade over one database file. Not shared across threads: open one per thread."""

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self.conn: sqlite3.Connection = open_database(self.path, readonly=readonly)

    def close(self) -> None:
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
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

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
        with self.transaction() as conn:
            _Batch(conn, incoming, result).run()
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
        select, params = self._select(view, columns="a.id")
        with self.transaction() as conn:
            changed = [
                row[0] for row in conn.execute(f"{select} AND a.read = ?", (*params, int(not read)))
            ]
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

    def _select(self, view: Filter, columns: str = _HEADLINE_COLUMNS) -> tuple[str, list]:
        """``SELECT columns FROM ... WHERE ...`` for a view, ending in a WHERE clause to extend.

        With tags, the rarest tag drives the scan along its ``article_tags`` key,
        and the other tags are checked by index lookups.
        """
        tags = self._tag_ids(view)
        params: list = []
        if tags is None:  # a tag nobody carries: the view is empty
            return (
                f"SELECT {columns} FROM article_tags AS t0"
                " JOIN articles AS a ON a.id = t0.article_id WHERE 0"
            ), params
        if not tags:
            where = ["1"]
            if view.unread_only:
                where.append("a.read = 0")
            if view.starred_only:
                where.append("a.starred = 1")
            return f"SELECT {columns} FROM articles AS a WHERE {' AND '.join(where)}", params
        tags = sorted(tags, key=lambda t: t[2] if view.unread_only else t[1])
        where = ["t0.tag_id = ?"]
        params.append(tags[0][0])
        if view.unread_only:
            where.append("t0.read = 0")
        if view.starred_only:
            where.append("a.starred = 1")
        for tag in tags[1:]:
            where.append(
                "EXISTS (SELECT 1 FROM article_tags AS x"
                " WHERE x.article_id = t0.article_id AND x.tag_id = ?)"
            )
            params.append(tag[0])
        sql = (
            f"SELECT {columns} FROM article_tags AS t0"
            f" JOIN articles AS a ON a.id = t0.article_id WHERE {' AND '.join(where)}"
        )
        return sql, params

    @staticmethod
    def _order(view: Filter, descending: bool = True) -> tuple[str, str]:
        """The key columns and ORDER BY for a view (the tag table's copy when scanning it)."""
        prefix = "t0.sort_key, t0.article_id" if view.tags else "a.sort_key, a.id"
        direction = "DESC" if descending else "ASC"
        first, second = prefix.split(", ")
        return prefix, f"ORDER BY {first} {direction}, {second} {direction}"

    def page(
        self,
        view: Filter = Filter(),
        *,
        after: tuple[str, int] | None = None,
        before: tuple[str, int] | None = None,
        limit: int = 200,
    ) -> list[Headline]:
        """Up to ``limit`` rows newest first, strictly after (older than) or before a key."""
        select, params = self._select(view)
        keys, order = self._order(view, descending=before is None)
        if after is not None:
            select += f" AND ({keys}) < (?, ?)"
            params += list(after)
        elif before is not None:
            select += f" AND ({keys}) > (?, ?)"
            params += list(before)
        rows = self.conn.execute(f"{select} {order} LIMIT ?", (*params, limit)).fetchall()
        if before is not None:
            rows.reverse()
        return [_headline(row) for row in rows]

    def page_at(self, view: Filter, offset: int, limit: int = 200) -> list[Headline]:
        """Rows from position ``offset`` (for a jump into the middle, as a scrollbar drag does)."""
        if offset <= 0:
            return self.page(view, limit=limit)
        select, params = self._select(view)
        _, order = self._order(view)
        rows = self.conn.execute(
            f"{select} {order} LIMIT ? OFFSET ?", (*params, limit, offset)
        ).fetchall()
        return [_headline(row) for row in rows]

    def last_page(self, view: Filter, limit: int = 200) -> list[Headline]:
        """The oldest ``limit`` rows, still newest first (for ``G``)."""
        select, params = self._select(view)
        _, order = self._order(view, descending=False)
        rows = self.conn.execute(f"{select} {order} LIMIT ?", (*params, limit)).fetchall()
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
        select, params = self._select(view, columns="count(*)")
        keys, _ = self._order(view)
        return self.conn.execute(f"{select} AND ({keys}) > (?, ?)", (*params, *key)).fetchone()[0]

    def contains(self, view: Filter, article_id: int) -> bool:
        select, params = self._select(view, columns="1")
        return (
            self.conn.execute(f"{select} AND a.id = ? LIMIT 1", (*params, article_id)).fetchone()
            is not None
        )

    def count(self, view: Filter = Filter()) -> int:
        """Rows in a view, from the counters where one answers it, else an index scan."""
        if not view.tags and not view.starred_only:
            name = "unread" if view.unread_only else "articles"
            return self._counter(name)
        if not view.tags and not view.unread_only:
            return self._counter("starred")
        if len(view.tag_keys) == 1 and not view.starred_only:
            tags = self._tag_ids(view)
            if tags is None:
                return 0
            return tags[0][2] if view.unread_only else tags[0][1]
        select, params = self._select(view, columns="count(*)")
        return self.conn.execute(select, params).fetchone()[0]

    def _counter(self, name: str) -> int:
        return self.conn.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()[0]

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
            " read, starred FROM articles WHERE id = ?",
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
        return StoredArticle(row[0], article, bool(row[9]), bool(row[10]))

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


def _headline(row: tuple) -> Headline:
    return Headline(row[0], row[1], row[2], row[3], row[4], bool(row[5]), bool(row[6]))


class _Batch:
    """One ``save``: resolves identities and tags, then writes with ``executemany``."""

    def __init__(self, conn: sqlite3.Connection, incoming: list[Incoming], result: SaveResult):
        self.conn = conn
        self.incoming = incoming
        self.result = result
        self.now = _now()
        self.tag_ids: dict[str, tuple[int, str]] = {}

    def run(self) -> None:
        conn = self.conn
        identities = [identity(item.article) for item in self.incoming]
        known: dict[str, tuple[int, str, str]] = {}
        unique = list(dict.fromkeys(identities))
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
        wanted_ids = [item.id for item in self.incoming if item.id is not None]
        taken: set[int] = set()
        for chunk in _chunks(wanted_ids):
            marks = ",".join("?" * len(chunk))
            taken.update(
                row[0]
                for row in conn.execute(f"SELECT id FROM articles WHERE id IN ({marks})", chunk)
            )

        new_rows: list[tuple[int, Incoming, str, str]] = []
        updates: list[tuple[int, Incoming, str, str]] = []
        outcomes: list[tuple[str, int]] = []
        for ident, item in zip(identities, self.incoming, strict=True):
            digest = content_hash(item.article)
            if ident in known:
                article_id, old_digest, old_key = known[ident]
                if old_digest == digest:
                    outcomes.append(("unchanged", article_id))
                    continue
                key = sort_key(item.article.published, old_key)
                updates.append((article_id, item, digest, key))
                known[ident] = (article_id, digest, key)
                outcomes.append(("updated", article_id))
                continue
            if item.id is not None and item.id > 0 and item.id not in taken:
                article_id = item.id
            else:
                while next_id in taken:
                    next_id += 1
                article_id = next_id
            taken.add(article_id)
            next_id = max(next_id, article_id + 1)
            key = sort_key(item.article.published, self.now)
            new_rows.append((article_id, item, digest, key))
            known[ident] = (article_id, digest, key)
            outcomes.append(("new", article_id))

        for article_id, item, digest, key in updates:
            self._update(article_id, item.article, digest, key)
        # Oldest first, so that rowid order follows date order for the search index.
        new_rows.sort(key=lambda row: (row[3], row[0]))
        self._insert(new_rows)
        self.result.outcomes.extend(outcome for outcome, _ in outcomes)
        self.result.ids.extend(article_id for _, article_id in outcomes)

    def _load_tags(self) -> None:
        keys = list(dict.fromkeys(tag_key(t) for item in self.incoming for t in item.article.tags))
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
        for item in self.incoming:
            for name in item.article.tags:
                first_name.setdefault(tag_key(name), name)
        next_id = (self.conn.execute("SELECT max(id) FROM tags").fetchone()[0] or 0) + 1
        rows = []
        for offset, key in enumerate(missing):
            self.tag_ids[key] = (next_id + offset, first_name[key])
            rows.append((next_id + offset, first_name[key], key))
        self.conn.executemany("INSERT INTO tags (id, name, key) VALUES (?, ?, ?)", rows)

    def _article_values(self, article: Article) -> tuple:
        return (
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
        )

    def _children(self, rows: list[tuple[int, Article, str, bool]]) -> None:
        """Tags, quotes and the search entry of freshly written articles."""
        tag_rows, quote_rows, fts_rows = [], [], []
        for article_id, article, key, read in rows:
            names = []
            for position, name in enumerate(article.tags):
                tag_id, display = self.tag_ids[tag_key(name)]
                tag_rows.append((tag_id, key, article_id, position, int(read)))
                names.append(display)
            for seq, q in enumerate(article.quotes):
                quote_rows.append(
                    (article_id, seq, q.part, q.block, q.start, q.end, q.text, q.speaker)
                )
            # Must equal what the article_search view gives, or a later delete misses terms.
            body = "\n".join(b.text for b in article.body) if article.body else None
            fts_rows.append(
                (article_id, article.headline, article.lede, body, "\n".join(names) or None)
            )
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

    def _insert(self, rows: list[tuple[int, Incoming, str, str]]) -> None:
        if not rows:
            return
        self.conn.executemany(
            "INSERT INTO articles (id, identity, headline, published, source, captions, lede,"
            " body, warnings, origin, sort_key, content_hash, read, starred, imported_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    article_id,
                    identity(item.article),
                    *self._article_values(item.article),
                    key,
                    digest,
                    int(bool(item.read)),
                    int(bool(item.starred)),
                    self.now,
                )
                for article_id, item, digest, key in rows
            ],
        )
        self._children(
            [(article_id, item.article, key, bool(item.read)) for article_id, item, _, key in rows]
        )

    def _update(self, article_id: int, article: Article, digest: str, key: str) -> None:
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
            (*self._article_values(article), key, digest, self.now, article_id),
        )
        read = conn.execute("SELECT read FROM articles WHERE id = ?", (article_id,)).fetchone()[0]
        self._children([(article_id, article, key, bool(read))])
