"""How articles are written: an article's identity, content hash and sort key, and the
batch that saves many in one transaction with their tags, quotes and search entries.

This is the import's hot path: everything about an article that needs no database is
computed before the write transaction begins (``Prepared``), and the rows are written
with one ``executemany`` per table.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime

from reader import speakers
from reader.article import Article, Quote, tag_key
from reader.rows import Incoming, SaveResult
from reader.search import fold_for_index
from reader.sql import chunks


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


def feed_identity(
    feed_url: str,
    guid: str | None,
    link: str | None,
    title: str | None,
    date: str | None,
    text: Callable[[], str],
) -> str:
    """The identity of a feed entry: its feed and its guid, else its link, else its title
    and date (so that an edited text stays one article), else its text (``text()``, asked
    only then: else all such entries of a feed would be one). Stable from one refresh to
    the next, and the same for an entry read back from an export."""
    if guid:
        key = "guid\x1f" + guid
    elif link:
        key = "link\x1f" + link
    elif title or date:
        key = (
            "text\x1f"
            + hashlib.sha1(f"title\x1f{title or ''}\x1f{date or ''}".encode()).hexdigest()
        )
    else:
        key = "text\x1f" + hashlib.sha1(f"text\x1f{text()[:4096]}".encode()).hexdigest()
    return hashlib.sha1(f"feed\x1f{feed_url}\x1f{key}".encode()).hexdigest()


def stored_digests(
    conn: sqlite3.Connection, identities: list[str]
) -> dict[str, tuple[str, int | None]]:
    """``{identity: (content hash, feed id)}`` of the articles already stored."""
    found: dict[str, tuple[str, int | None]] = {}
    for chunk in chunks(identities):
        marks = ",".join("?" * len(chunk))
        found.update(
            (ident, (digest, feed_id))
            for ident, digest, feed_id in conn.execute(
                f"SELECT identity, content_hash, feed_id FROM articles WHERE identity IN ({marks})",
                chunk,
            )
        )
    return found


_encode = json.JSONEncoder(ensure_ascii=False).encode


def content_hash(article: Article) -> str:
    """The SHA-1 of the article's content as JSON: ``headline``, ``published``, ``source``,
    ``captions``, ``lede``, ``body`` (``{"kind", "text"}`` each), ``tags``, ``warnings`` and
    ``link`` (left out when there is none, so text files keep the hashes they had), keys
    sorted, as ``json.dumps(..., ensure_ascii=False, sort_keys=True)`` writes it."""
    return _content_hash_of(
        article,
        _encode([{"kind": b.kind, "text": b.text} for b in article.body]),
        _encode(list(article.captions)),
    )


def _content_hash_of(article: Article, body_json: str, captions_json: str) -> str:
    """``content_hash(article)``, given the JSON of its body and captions as stored: the
    same text, put together around them rather than encoding the body a second time (it
    was a tenth of an import's time). The keys in sorted order, as ``sort_keys`` gives."""
    parts = [
        '{"body": ', body_json,
        ', "captions": ', captions_json,
        ', "headline": ', _encode(article.headline),
        ', "lede": ', _encode(article.lede),
    ]  # fmt: skip
    if article.link is not None:
        parts += (', "link": ', _encode(article.link))
    parts += (
        ', "published": ', _encode(article.published),
        ', "source": ', _encode(article.source),
        ', "tags": ', _encode(list(article.tags)),
        ', "warnings": ', _encode(list(article.warnings)), "}",
    )  # fmt: skip
    return hashlib.sha1("".join(parts).encode()).hexdigest()


@dataclass(slots=True)
class Prepared:
    """An incoming article with everything about it that needs no database, computed
    before the write transaction begins."""

    item: Incoming
    identity: str
    digest: str
    values: tuple  # the articles columns from headline to guid (feed_id is resolved in run)
    search: tuple[str, str, str | None]  # headline, lede and body as the search index gets them
    quotes: tuple[Quote, ...] = ()  # with one name per speaker (reader.speakers)

    @classmethod
    def of(cls, item: Incoming) -> Prepared:
        article = item.article
        body = "\n".join(b.text for b in article.body) if article.body else None
        body_json = _encode([{"kind": b.kind, "text": b.text} for b in article.body])
        captions_json = _encode(list(article.captions))
        return cls(
            item,
            item.identity or identity(article),
            item.digest or _content_hash_of(article, body_json, captions_json),
            (
                article.headline,
                article.published,
                article.source,
                captions_json,
                article.lede,
                body_json,
                json.dumps(list(article.warnings)),
                article.origin,
                article.link,
                item.guid,
            ),
            (
                fold_for_index(article.headline),
                fold_for_index(article.lede),
                fold_for_index(body) if body else None,
            ),
            article.quotes,
        )


class Batch:
    """One ``save``: the work that needs no database at construction, outside the write
    transaction (it holds the lock for less time, and leaves a gap between an import's
    batches in which a mark gets in); ``run`` resolves identities and tags and writes
    with ``executemany``. ``clock`` gives the UTC time it records as the import's."""

    def __init__(
        self, incoming: list[Incoming | Prepared], result: SaveResult, clock: Callable[[], str]
    ):
        self.prepared = [i if isinstance(i, Prepared) else Prepared.of(i) for i in incoming]
        self.result = result
        self.now = clock()
        self.tag_ids: dict[str, tuple[int, str]] = {}
        self.feed_ids: dict[str, int] = {}
        self.conn: sqlite3.Connection

    def run(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        known: dict[str, tuple[int, str, str]] = {}
        feed_of: dict[int, int | None] = {}
        unique = list(dict.fromkeys(p.identity for p in self.prepared))
        for chunk in chunks(unique):
            marks = ",".join("?" * len(chunk))
            for ident, article_id, digest, key, feed_id in conn.execute(
                f"SELECT identity, id, content_hash, sort_key, feed_id FROM articles"
                f" WHERE identity IN ({marks})",
                chunk,
            ):
                known[ident] = (article_id, digest, key)
                feed_of[article_id] = feed_id
        self._load_tags()
        self._load_feeds()
        moved: list[tuple[int, int]] = []  # unchanged articles of a feed subscribed anew
        next_id = (conn.execute("SELECT max(id) FROM articles").fetchone()[0] or 0) + 1
        wanted_ids = [p.item.id for p in self.prepared if p.item.id is not None]
        taken: set[int] = set()
        for chunk in chunks(wanted_ids):
            marks = ",".join("?" * len(chunk))
            taken.update(
                row[0]
                for row in conn.execute(f"SELECT id FROM articles WHERE id IN ({marks})", chunk)
            )

        # [id or None for a fresh one, prepared article, sort key], in input order
        new_rows: list[list] = []
        updates: list[tuple[int, Prepared, str]] = []
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
                    feed_id = self.feed_id(prepared)
                    if feed_id is not None and feed_of[article_id] != feed_id:
                        moved.append((feed_id, article_id))
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

        self._archive_speakers([p for _, p, _ in updates] + [row[1] for row in new_rows])
        for article_id, prepared, key in updates:
            self._update(article_id, prepared, key)
        conn.executemany("UPDATE articles SET feed_id = ? WHERE id = ?", moved)
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

    def _archive_speakers(self, written: list[Prepared]) -> None:
        """A surname the article left alone takes the one full name the archive gives."""
        resolved = speakers.in_archive(self.conn, [p.quotes for p in written])
        for prepared, quotes in zip(written, resolved, strict=True):
            prepared.quotes = quotes

    def _load_feeds(self) -> None:
        urls = list({p.item.feed_url for p in self.prepared if p.item.feed_url})
        for chunk in chunks(urls):
            marks = ",".join("?" * len(chunk))
            self.feed_ids.update(
                (url, feed_id)
                for feed_id, url in self.conn.execute(
                    f"SELECT id, url FROM feeds WHERE url IN ({marks})", chunk
                )
            )

    def feed_id(self, prepared: Prepared) -> int | None:
        """The subscription an article belongs to (``None``: a file, or a feed since removed)."""
        return self.feed_ids.get(prepared.item.feed_url) if prepared.item.feed_url else None

    def _load_tags(self) -> None:
        articles = [p.item.article for p in self.prepared]
        keys = list(dict.fromkeys(tag_key(t) for article in articles for t in article.tags))
        for chunk in chunks(keys):
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

    def _children(self, rows: list[tuple[int, Prepared, str, bool]]) -> None:
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
            for seq, q in enumerate(prepared.quotes):
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
            " body, warnings, origin, link, guid, sort_key, content_hash, read, starred,"
            " imported_at, feed_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                    self.feed_id(prepared),
                )
                for article_id, prepared, key in rows
            ],
        )
        self._children(
            [(row_id, prepared, key, bool(prepared.item.read)) for row_id, prepared, key in rows]
        )

    def _update(self, article_id: int, prepared: Prepared, key: str) -> None:
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
            " body = ?, warnings = ?, origin = ?, link = ?, guid = ?, sort_key = ?,"
            " content_hash = ?, updated_at = ? WHERE id = ?",
            (*prepared.values, key, prepared.digest, self.now, article_id),
        )
        feed_id = self.feed_id(prepared)
        if feed_id is not None:
            conn.execute(
                "UPDATE articles SET feed_id = ? WHERE id = ? AND feed_id IS NOT ?",
                (feed_id, article_id, feed_id),
            )
        read = conn.execute("SELECT read FROM articles WHERE id = ?", (article_id,)).fetchone()[0]
        self._children([(article_id, prepared, key, bool(read))])
