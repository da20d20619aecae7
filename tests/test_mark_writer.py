"""The mark writer without the app: in order, never dropped for waiting, failures reported."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from functools import partial
from pathlib import Path

from reader.marks import MarkWriter, Write
from reader.schema import DatabaseGone
from reader.store import Store
from tests.conftest import read_state, refuse_marks, wait_until


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple] = []
        self.done = threading.Event()

    def saved(self, write, result) -> None:
        self.events.append(("saved", write.key, result))

    def failed(self, write, error) -> None:
        self.events.append(("failed", write.key, error))

    def waiting(self, waiting: bool) -> None:
        self.events.append(("waiting", waiting))


def mark(article_id: int, read: bool) -> Write:
    return Write(lambda store: store.mark_read([article_id], read), key=(article_id, read))


def writer_on(db: Path, recorder: Recorder, **options) -> MarkWriter:
    return MarkWriter(
        partial(Store, db),
        saved=recorder.saved,
        failed=recorder.failed,
        waiting=recorder.waiting,
        **options,
    )


def test_writes_in_order_and_reports_each(demo_db):
    recorder = Recorder()
    writer = writer_on(demo_db, recorder)
    for read in (True, False, True):
        writer.submit(mark(1, read))
    writer.submit(mark(2, True))
    assert writer.close(timeout=10)
    assert writer.pending == 0
    assert [e[1] for e in recorder.events] == [(1, True), (1, False), (1, True), (2, True)]
    # Each write saw the state the one before it left: nothing overtook anything.
    assert [e[2] for e in recorder.events] == [{1: False}, {1: True}, {1: False}, {2: False}]
    assert read_state(demo_db)[1] == 1 and read_state(demo_db)[2] == 1


def test_waits_for_another_process_and_drops_nothing(demo_db, lock_holder):
    recorder = Recorder()
    writer = writer_on(demo_db, recorder, lock_wait=0.05)
    holder = lock_holder(demo_db)
    for article_id in (3, 4, 5):
        writer.submit(mark(article_id, True))
    wait_until(lambda: ("waiting", True) in recorder.events, what="the writer saying it waits")
    time.sleep(0.5)  # many tries of 0.05 s each: none of them may drop a mark
    assert writer.pending == 3
    assert not any(e[0] in ("saved", "failed") for e in recorder.events)
    assert {read_state(demo_db)[i] for i in (3, 4, 5)} == {0}
    holder.release()
    assert writer.close(timeout=10)
    kinds = [e[0] if e[0] != "waiting" else e for e in recorder.events]
    assert kinds == [("waiting", True), ("waiting", False), "saved", "saved", "saved"]
    assert [e[1] for e in recorder.events if e[0] == "saved"] == [(3, True), (4, True), (5, True)]
    assert {read_state(demo_db)[i] for i in (3, 4, 5)} == {1}


def test_a_write_that_cannot_be_saved_fails_alone(demo_db):
    refuse_marks(demo_db, "read", 7)
    recorder = Recorder()
    writer = writer_on(demo_db, recorder)
    writer.submit(mark(6, True))
    writer.submit(mark(7, True))
    writer.submit(mark(8, True))
    assert writer.close(timeout=10)
    assert [(e[0], e[1]) for e in recorder.events] == [
        ("saved", (6, True)),
        ("failed", (7, True)),
        ("saved", (8, True)),
    ]
    assert "refused by a trigger" in str(recorder.events[1][2])
    states = read_state(demo_db)
    assert (states[6], states[7], states[8]) == (1, 0, 1)


def test_never_writes_into_a_file_put_in_the_databases_place(demo_db, tmp_path):
    recorder = Recorder()
    writer = writer_on(demo_db, recorder)
    writer.submit(mark(1, True))
    wait_until(lambda: recorder.events, what="the writer reporting")
    conn = sqlite3.connect(demo_db)  # the WAL into the file, so that a copy has it all
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    other = tmp_path / "other.db"
    shutil.copyfile(demo_db, tmp_path / "pristine.db")
    shutil.copyfile(demo_db, other)
    os.replace(other, demo_db)  # what a restore from a backup, or a sync tool, does
    writer.submit(mark(2, True))
    assert writer.close(timeout=10)
    assert recorder.events[-1][0] == "failed"
    assert isinstance(recorder.events[-1][2], DatabaseGone)
    assert "moved or replaced" in str(recorder.events[-1][2])
    assert read_state(demo_db) == read_state(tmp_path / "pristine.db")  # untouched


def test_close_abandons_writes_still_waiting_after_its_timeout(demo_db, lock_holder):
    recorder = Recorder()
    writer = writer_on(demo_db, recorder, lock_wait=0.05)
    lock_holder(demo_db)
    writer.submit(mark(9, True))
    wait_until(lambda: ("waiting", True) in recorder.events, what="the writer saying it waits")
    assert writer.close(timeout=0.2) is False
    assert recorder.events[-1][0] == "failed"
    assert "closed while another process held" in str(recorder.events[-1][2])
    assert writer.pending == 0


def test_looks_tell_another_process_commits_from_its_own(demo_db):
    changed = threading.Event()
    recorder = Recorder()
    writer = writer_on(demo_db, recorder, changed=changed.set)
    writer.submit(mark(1, True))
    writer.submit(mark(2, True))
    writer.look_for_changes()
    wait_until(lambda: len(recorder.events) == 2, what="two reports")
    time.sleep(0.2)
    assert not changed.is_set()  # its own marks are no news
    done = subprocess.run(
        [sys.executable, "-m", "reader", "--db", str(demo_db), "mark-read", "3"],
        capture_output=True,
    )
    assert done.returncode == 0, done.stderr
    writer.look_for_changes()
    assert changed.wait(10)
    assert writer.close(timeout=10)
