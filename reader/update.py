"""Refreshing subscriptions: fetch every feed at once, parse each as it arrives, save its
entries as articles, and record how each refresh went.

One feed that fails (a timeout, a 404, a document that is no feed) is recorded with its
error and never stops the others. Entries are saved in batches of their own
transactions, so a mark made meanwhile gets in between two batches, and an entry that
changed is updated in place with its read and starred marks kept (``reader.writer``).
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from reader import feeds as feed_sql
from reader.entry import Entry, FeedDocument, FeedError
from reader.feedparse import parse_feed_runs
from reader.feeds import Feed, FeedNotFound
from reader.fetch import Limits, Request, Response, fetch_all
from reader.html import entry_article
from reader.marks import is_busy
from reader.rows import Incoming, SaveResult
from reader.store import Store
from reader.writer import feed_identity

#: Entries saved per transaction: big enough to be quick, small enough that a mark
#: waiting for the lock gets in soon (and memory stays bounded on a huge feed).
BATCH = 500

Status = Literal["updated", "not-modified", "failed", "deferred"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one feed's refresh went."""

    feed: Feed
    status: Status
    new: int = 0
    updated: int = 0
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a refresh stands, handed to the caller after each feed and each batch."""

    done: int  # feeds finished
    total: int  # feeds being refreshed
    new: int  # new articles saved so far, all feeds together
    current: str | None = None  # the feed being saved, if any


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")


#: Part of every entry's digest: a change to how entries become articles (reader.html)
#: bumps it, and each entry still in its feed is converted again at the next refresh.
CONVERSION = 1


def entry_digest(entry: Entry, source: str | None, tags: tuple[str, ...]) -> str:
    """The content hash of a feed's article, taken from the entry as received (and what
    the feed adds to it): an entry whose digest is stored already is not converted again."""
    parts = [
        str(CONVERSION),
        entry.guid or "",
        entry.link or "",
        entry.title or "",
        entry.published or "",
        entry.updated or "",
        entry.content_html or "",
        entry.summary_html or "",
        entry.content_text or "",
        "\x1e".join(entry.categories),
        source or "",
        "\x1e".join(tags),
    ]
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()


def keyed(feed: Feed, run: list[Entry]) -> list[tuple[str, Entry]]:
    """``(identity, entry)`` of a run of a feed's entries (oldest first: see
    ``parse_feed_runs``), an identity once: with the content of the entry the feed lists
    first (the newest), in the place of the oldest."""
    found: dict[str, Entry] = {}
    for entry in run:
        key = feed_identity(
            feed.url,
            entry.guid,
            entry.link,
            entry.title,
            entry.published or entry.updated,
            lambda entry=entry: (
                entry.content_html or entry.summary_html or entry.content_text or ""
            ),
        )
        found[key] = entry
    return list(found.items())


def source_of(feed: Feed, document: FeedDocument) -> str | None:
    """The source its articles name: the title a person gave, else the feed's own."""
    return feed.title if feed.title_given else (document.title or feed.title)


#: The longest wait a server's Retry-After can impose: beyond it, a typo or a hostile
#: server would silence a feed for ever.
MAX_RETRY_AFTER = timedelta(days=1)
#: How long a refresh waits for another process's write lock before a feed fails (the
#: store's default, 5 s, is meant for a key press; a refresh runs in the background).
LOCK_WAIT_SECONDS = 60.0


def refresh(
    store: Store,
    feeds: list[Feed] | None = None,
    *,
    limits: Limits = Limits(),
    progress: Callable[[Progress], None] = lambda _: None,
    cancelled: Callable[[], bool] = lambda: False,
    now: Callable[[], str] = _now,
    force: bool = False,
) -> list[Outcome]:
    """Refresh ``feeds`` (every subscription when ``None``); one ``Outcome`` per feed.

    A feed whose server asked to wait (``Retry-After``, at most a day) is not asked again
    before then, unless ``force`` (the feeds were named one by one). After ``cancelled()``
    turns true, nothing more is saved beyond the batch being written.
    """
    if feeds is None:
        feeds = store.feeds()
    store.lock_wait = max(store.lock_wait, LOCK_WAIT_SECONDS)
    outcomes: list[Outcome] = []
    started = now()
    due = []
    for feed in feeds:
        if feed.retry_after and feed.retry_after[:19] > started and not force:
            wait = f"the server asked to wait until {feed.retry_after[:19].replace('T', ' ')} UTC"
            outcomes.append(Outcome(feed, "deferred", error=wait))
        else:
            due.append(feed)
    by_id = {feed.id: feed for feed in due}
    progress(Progress(len(outcomes), len(feeds), 0))
    requests = [Request(f.url, f.etag, f.last_modified, key=f.id) for f in due]
    records: list[Callable[[sqlite3.Connection], None]] = []
    try:
        _refresh_loop(store, requests, by_id, outcomes, records, limits, progress, cancelled, now)
    finally:
        _write(store, records)
    return outcomes


def _write(store: Store, records: list[Callable[[sqlite3.Connection], None]]) -> None:
    """The feeds' rows of the refreshes that saved no article (304s, failures), all in one
    transaction: one commit (and one sync of the WAL) for a hundred 304s, not a hundred."""
    if not records:
        return
    try:
        with store.transaction() as conn:
            for record in records:
                record(conn)
    except sqlite3.OperationalError as error:
        if not is_busy(error):
            raise  # busy past LOCK_WAIT_SECONDS: the outcomes were reported; rows stay as were


def _refresh_loop(
    store: Store,
    requests: list[Request],
    by_id: dict[int, Feed],
    outcomes: list[Outcome],
    records: list[Callable[[sqlite3.Connection], None]],
    limits: Limits,
    progress: Callable[[Progress], None],
    cancelled: Callable[[], bool],
    now: Callable[[], str],
) -> None:
    total = len(by_id) + len(outcomes)
    new = 0
    for response in fetch_all(requests, limits, cancelled=cancelled):
        if cancelled():
            break
        feed = by_id[response.request.key]

        def saved(count: int, feed: Feed = feed, before: int = new) -> None:
            progress(Progress(len(outcomes), total, before + count, feed.name))

        try:
            outcome = _handle(store, feed, response, now, saved, cancelled, records)
        except FeedNotFound as error:  # unsubscribed meanwhile: its entries are not wanted
            outcome = Outcome(feed, "failed", error=str(error).removeprefix(f"{feed.url}: "))
        except sqlite3.OperationalError as error:
            if not is_busy(error):
                raise
            # Another process held the database past LOCK_WAIT_SECONDS: this feed's batches
            # saved so far stay; the next refresh goes on from there.
            outcome = Outcome(feed, "failed", error="the database stayed busy: try again")
        if outcome is None:  # cancelled
            break
        new += outcome.new
        outcomes.append(outcome)
        progress(Progress(len(outcomes), total, new))


def _handle(
    store: Store,
    feed: Feed,
    response: Response,
    now: Callable[[], str],
    saved: Callable[[int], None],
    cancelled: Callable[[], bool],
    records: list[Callable[[sqlite3.Connection], None]],
) -> Outcome | None:
    """Save one feed's answer; ``None`` when cancelled part way (its validators are then not
    stored, so the next refresh reads the whole document again). A feed's row is written
    with its articles; without any (a 304, a failure) it joins ``records``."""
    if response.status == "not-modified":
        etag = response.etag or feed.etag
        last_modified = response.last_modified or feed.last_modified
        moment = now()
        records.append(
            lambda conn: feed_sql.record_success(
                conn, feed, now=moment, etag=etag, last_modified=last_modified
            )
        )
        return Outcome(feed, "not-modified")
    if response.status != "ok" or response.body is None:
        return _failed(
            records, feed, response.error or "no answer", now, _bounded(response.retry_after, now)
        )
    base = response.final_url or feed.url  # relative links are relative to where it came from
    etag, last_modified = response.etag, response.last_modified
    try:
        document, runs = parse_feed_runs(response.body, base, response.content_type)
    except FeedError as error:
        return _failed(records, feed, str(error), now)
    new = updated = 0
    source = source_of(feed, document)
    try:
        for run in runs:  # oldest first: entries without a date keep the feed's order
            for chunk in _batches(keyed(feed, run)):
                if cancelled():
                    return None
                result = _save(store, feed, chunk, source)
                if result is not None:
                    new, updated = new + result.count("new"), updated + result.count("updated")
                    saved(new)
    except FeedError as error:  # a run further on that cannot be read: what came before stays
        return _failed(records, feed, str(error), now)
    with store.transaction() as conn:
        feed_sql.record_success(
            conn,
            feed,
            now=now(),
            etag=etag,
            last_modified=last_modified,
            title=document.title,
            site_url=document.link,
        )
    return Outcome(feed, "updated", new=new, updated=updated)


def _batches(items: list[tuple[str, Entry]]) -> Iterator[list[tuple[str, Entry]]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


def _save(
    store: Store, feed: Feed, chunk: list[tuple[str, Entry]], source: str | None
) -> SaveResult | None:
    """Convert and save the entries of ``chunk`` that are new or changed (``None``: none)."""
    stored = store.stored_digests([key for key, _ in chunk])
    batch = []
    for key, entry in chunk:
        digest = entry_digest(entry, source, feed.tags)
        if stored.get(key) == (digest, feed.id):
            continue  # unchanged since the last refresh: nothing to convert or write
        article = entry_article(entry, source=source, extra_tags=feed.tags, origin=feed.url)
        batch.append(
            Incoming(article, feed_url=feed.url, guid=entry.guid, identity=key, digest=digest)
        )
    return store.save(batch, feed=feed) if batch else None


def _bounded(retry_after: str | None, now: Callable[[], str]) -> str | None:
    """A server's Retry-After (UTC, ``...Z``), as the store keeps it, at most a day away."""
    if retry_after is None:
        return None
    latest = datetime.fromisoformat(now()) + MAX_RETRY_AFTER
    return min(retry_after[:19], latest.strftime("%Y-%m-%dT%H:%M:%S"))


def _failed(
    records: list[Callable[[sqlite3.Connection], None]],
    feed: Feed,
    error: str,
    now: Callable[[], str],
    retry_after: str | None = None,
) -> Outcome:
    moment = now()
    records.append(
        lambda conn: feed_sql.record_failure(
            conn, feed, now=moment, error=error, retry_after=retry_after
        )
    )
    return Outcome(feed, "failed", error=error)
