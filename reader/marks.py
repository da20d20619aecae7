"""Marks written in order on one thread, however long another process holds the database.

The reading screen never waits for the write lock: it shows a mark at once and hands
the write to a ``MarkWriter``. The writer saves writes one by one, in the order they
came, each in its own transaction. While another process holds the write lock (an
import, a script's ``mark-read --all``), it keeps trying and says that it waits; it
never drops a write for being late. A write that truly cannot be saved (a read-only
file, a full disk, the file replaced under it) is reported as failed, and the writes
after it go on.

Its connection is also the one that can tell the app's own writes from another process's:
``PRAGMA data_version`` changes for commits of other connections only, and in the app no
other connection writes. ``look_for_changes`` asks it, between two writes.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from reader.schema import DatabaseError, DatabaseGone
from reader.store import Store

#: How long one try waits for the lock before the writer reports that it is waiting.
LOCK_WAIT_SECONDS = 0.25
_ABANDONED = "not saved: the reader was closed while another process held the database"
_LOOK = object()  # in the queue: compare data_version, write nothing


@dataclass(frozen=True, eq=False)
class Write:
    """One change to save: ``apply(store)`` writes it (in a transaction of the store's)
    and returns what the caller wants back. ``what`` names it in an error message;
    ``key`` is the caller's own, to tell its writes apart when they are reported."""

    apply: Callable[[Store], Any]
    what: str = "a mark"
    key: Any = None


def is_busy(error: BaseException) -> bool:
    """Another connection holds the lock: worth another try, not a failure."""
    if not isinstance(error, sqlite3.OperationalError):
        return False
    code = getattr(error, "sqlite_errorcode", 0) & 0xFF
    return code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class MarkWriter:
    """A thread with its own connection that saves ``Write``s in order.

    The callbacks run on the writer's thread: ``saved(write, result)`` after a commit,
    ``failed(write, error)`` for a write that cannot be saved, ``waiting(True)`` when a
    write starts waiting for another process and ``waiting(False)`` when it got through,
    ``changed()`` when another connection committed since the writer last looked.
    """

    def __init__(
        self,
        open_store: Callable[[], Store],
        *,
        saved: Callable[[Write, Any], None],
        failed: Callable[[Write, BaseException], None],
        waiting: Callable[[bool], None] = lambda waiting: None,
        changed: Callable[[], None] = lambda: None,
        lock_wait: float = LOCK_WAIT_SECONDS,
    ) -> None:
        self._open_store = open_store
        self._saved, self._failed, self._waiting = saved, failed, waiting
        self._changed = changed
        self._lock_wait = lock_wait
        self._queue: queue.SimpleQueue[Write | object | None] = queue.SimpleQueue()
        self._store: Store | None = None
        self._version: int | None = None  # data_version when last looked
        self._count_lock = threading.Lock()
        self._pending = 0
        self._abandon = threading.Event()
        self._thread = threading.Thread(target=self._run, name="reader-marks", daemon=True)
        self._thread.start()

    @property
    def pending(self) -> int:
        """Writes submitted and not yet saved or failed."""
        with self._count_lock:
            return self._pending

    def submit(self, write: Write) -> None:
        with self._count_lock:
            self._pending += 1
        self._queue.put(write)

    def look_for_changes(self) -> None:
        """Call ``changed()`` (from the writer's thread) if another connection committed
        since the last look; answered after the writes queued before it."""
        self._queue.put(_LOOK)

    def close(self, timeout: float | None = None) -> bool:
        """Save what is queued, then stop; ``True`` when everything was written out.

        After ``timeout`` seconds the writes still waiting for the lock are abandoned
        (reported as failed); the one inside a transaction finishes or rolls back whole.
        """
        self._queue.put(None)
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._abandon.set()
            self._thread.join()
            return False
        return True

    def _run(self) -> None:
        # Opened at once: the first look compares with the state the app started from.
        with suppress(Exception):  # a failure is met again, and reported, by a write
            self._connect()
        try:
            while (write := self._queue.get()) is not None:
                if write is _LOOK:
                    self._look()
                    continue
                try:
                    self._save(write)
                finally:
                    with self._count_lock:
                        self._pending -= 1
        finally:
            if self._store is not None:
                self._store.close()

    def _connect(self) -> Store:
        if self._store is None:
            self._store = self._open_store()
            self._store.lock_wait = self._lock_wait
            self._version = self._store.data_version()
        return self._store

    def _look(self) -> None:
        try:
            version = self._connect().data_version()
        except Exception:  # the app's own check of the file says why
            return
        if version != self._version:
            self._version = version
            self._changed()

    def _save(self, write: Write) -> None:
        waiting = False
        while True:
            try:
                if self._abandon.is_set():
                    raise DatabaseError(_ABANDONED)
                store = self._connect()
                store.check_file()  # never write into a file deleted or replaced meanwhile
                self._look()  # another process's commit before this one is not ours
                result = write.apply(store)
            except Exception as caught:
                error = caught
                if is_busy(error):
                    if self._abandon.is_set():
                        error = DatabaseError(_ABANDONED)
                    else:
                        if not waiting:
                            waiting = True
                            self._waiting(True)
                        time.sleep(0.01)
                        continue
                if waiting:
                    self._waiting(False)
                self._failed(write, error)
                if isinstance(error, DatabaseGone) and self._store is not None:
                    self._store.close()
                    self._store = None
                return
            if waiting:
                self._waiting(False)
            self._saved(write, result)
            return
