"""The reading screen when the database is busy, refuses a write, or goes away under it.

A mark shows at once and is never dropped for waiting; one that truly cannot be saved says
so until dismissed and shows what the database holds; a database file deleted or replaced
stops the app with one line and exit status 1, with nothing written anywhere.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import reader.session
import widgets.app
from tests.conftest import WIDE, header, notices, read_state, refuse_marks, settle, wait_for
from widgets.app import make_app

READER = Path(sys.executable).parent / "reader"


async def test_marks_wait_for_another_process_without_freezing_and_are_all_saved(
    demo_db,
    lock_holder,
):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        first = app.headlines.current.id
        holder = lock_holder(demo_db)
        started = time.monotonic()
        await pilot.press("m", "j", "s", "j", "m")
        assert app.headlines.cursor == 2
        third = app.headlines.current.id
        second = app.headlines.rows_before(2)[0][1].id
        # Shown at once, before any of it could be saved.
        assert app.headlines.row_of(first).read
        assert app.headlines.row_of(second).starred
        assert app.headlines.row_of(third).read
        await wait_for(
            lambda: "waiting for another process" in header(app), what="the header saying so"
        )
        assert "saving 3 marks" in header(app)
        # The keys still answer while the marks wait (the UI thread never waits for the lock).
        await pilot.press("k")
        assert app.headlines.cursor == 1
        assert time.monotonic() - started < 5
        assert read_state(demo_db)[first] == 0 and app.pending_marks == 3
        assert app.saved_marks == []
        holder.release()
        await settle(app, pilot)
        assert app.pending_marks == 0
        assert app.saved_marks == [
            (first, "read", True),
            (second, "starred", True),
            (third, "read", True),
        ]
        assert "waiting" not in header(app)
    states, stars = read_state(demo_db), read_state(demo_db, "starred")
    assert states[first] == 1 and states[third] == 1 and stars[second] == 1


async def test_q_while_marks_wait_quits_once_they_are_saved(demo_db, lock_holder):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(app, pilot)
        first = app.headlines.current.id
        holder = lock_holder(demo_db)
        await pilot.press("m")
        await wait_for(lambda: "waiting" in header(app), what="the header saying so")
        await pilot.press("q")
        await pilot.pause(0.1)
        assert app.is_running
        assert any("q again quits without them" in notice for notice in notices(app))
        holder.release()
        await wait_for(lambda: not app.is_running, what="the app stopping")
    assert read_state(demo_db)[first] == 1


async def test_a_mark_that_cannot_be_saved_stays_said_and_shows_the_stored_state(demo_db):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(app, pilot)
        target = app.headlines.current.id
        refuse_marks(demo_db, "read", target)
        await pilot.press("m")
        await settle(app, pilot)
        assert read_state(demo_db)[target] == 0
        assert not app.headlines.row_of(target).read  # back to what is stored
        meta = app.article_view.line_text(1)
        assert "unread" in meta
        [shown] = [notice for notice in notices(app) if notice.startswith("Not saved")]
        assert "refused by a trigger" in shown
        # Stays until dismissed. What the screen shows cannot say that without waiting out
        # an hour, and Textual has no public list of notifications: the private one.
        [notice] = [n for n in app._notifications if n.title.startswith("Not saved")]
        assert notice.timeout >= 3600
        assert app.saved_marks == []


@pytest.mark.parametrize("how", ["replaced", "deleted"])
async def test_a_database_replaced_or_deleted_stops_the_app_with_one_line(
    demo_db, tmp_path, how, monkeypatch
):
    monkeypatch.setattr(widgets.app, "WATCH_SECONDS", 0.1)
    backup = tmp_path / "backup.db"
    shutil.copyfile(demo_db, backup)
    app = make_app(demo_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        conn = sqlite3.connect(demo_db)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        if how == "replaced":
            os.replace(backup, demo_db)
            before = demo_db.read_bytes()
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{demo_db}{suffix}").unlink(missing_ok=True)
        await pilot.press("m", "r")
        await wait_for(lambda: not app.is_running, what="the app stopping")
    assert app.return_code == 1
    assert app.fatal_message == f"{demo_db}: the database was moved or replaced: restart the reader"
    if how == "replaced":
        assert demo_db.read_bytes() == before  # not one write into the new file
        assert not Path(f"{demo_db}-wal").exists() or not Path(f"{demo_db}-wal").stat().st_size
    else:
        # No worker made a new empty database where the old one was.
        assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.db"]


async def test_the_watcher_notices_a_replaced_file_without_a_key(demo_db, tmp_path, monkeypatch):
    monkeypatch.setattr(widgets.app, "WATCH_SECONDS", 0.1)
    other = tmp_path / "other.db"
    shutil.copyfile(demo_db, other)
    app = make_app(demo_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        os.replace(other, demo_db)
        await wait_for(lambda: not app.is_running, what="the app stopping")
    assert app.return_code == 1 and "moved or replaced" in app.fatal_message


async def test_a_database_moved_away_keeps_every_mark_and_import_in_the_moved_file(
    demo_db, tmp_path, monkeypatch
):
    monkeypatch.setattr(widgets.app, "WATCH_SECONDS", 0.1)
    moved = tmp_path / "moved.db"
    app = make_app(demo_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        first = app.headlines.current.id
        await pilot.press("m")
        await settle(app, pilot)
        article = tmp_path / "new.txt"
        article.write_text("Moved away\n\n22/05/2025 10:00\nAA\n\nLede.\n\n#Moved\n")
        done = subprocess.run([READER, "--db", str(demo_db), "import", str(article)])
        assert done.returncode == 0
        os.rename(demo_db, moved)
        await wait_for(lambda: not app.is_running, what="the app stopping")
    assert app.return_code == 1 and "moved or replaced" in app.fatal_message
    # What sat in the WAL (named after the old path) went into the moved file.
    conn = sqlite3.connect(moved)
    assert conn.execute("SELECT read FROM articles WHERE id = ?", (first,)).fetchone() == (1,)
    assert conn.execute(
        "SELECT count(*) FROM articles WHERE headline = 'Moved away'"
    ).fetchone() == (1,)
    conn.close()
    assert subprocess.run([READER, "--db", str(moved), "doctor"]).returncode == 0


async def test_a_database_made_unreadable_stops_the_app_with_one_line(demo_db, monkeypatch):
    # Tests run as root, whom chmod 000 does not stop: the permission check is what changes.
    monkeypatch.setattr(widgets.app, "WATCH_SECONDS", 0.1)
    real_access = os.access

    def access(path, mode, **kwargs):
        if Path(path) == demo_db and mode & os.R_OK and unreadable:
            return False
        return real_access(path, mode, **kwargs)

    unreadable = False
    monkeypatch.setattr(os, "access", access)
    app = make_app(demo_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        unreadable = True
        await wait_for(lambda: not app.is_running, what="the app stopping")
    assert app.return_code == 1
    assert app.fatal_message == (
        f"{demo_db}: the database can no longer be read (its permissions changed):"
        " restart the reader"
    )


async def test_the_apps_own_marks_do_not_reload_the_view_but_another_process_does(
    demo_db, monkeypatch
):
    monkeypatch.setattr(widgets.app, "WATCH_SECONDS", 0.05)
    app = make_app(demo_db)
    reloads = []
    window = reader.session.window

    def reading_the_view(*args, **kwargs):  # what every reload of the view reads it with
        reloads.append(time.monotonic())
        return window(*args, **kwargs)

    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        monkeypatch.setattr(reader.session, "window", reading_the_view)
        await pilot.press("m", "j", "s", "j", "m")
        await settle(app, pilot)
        await pilot.pause(0.3)  # several looks
        assert len(app.saved_marks) == 3 and reloads == []
        done = subprocess.run([READER, "--db", str(demo_db), "mark-read", "1"])
        assert done.returncode == 0
        await wait_for(lambda: reloads, what="a reload after another process's mark")


async def test_q_right_after_a_mark_waits_for_it_to_be_saved(demo_db, lock_holder):
    # Before the writer has even said that it waits: q must not drop the mark.
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        first = app.headlines.current.id
        holder = lock_holder(demo_db)
        await pilot.press("m", "q")
        await pilot.pause(0.5)
        assert app.is_running and app.pending_marks == 1
        holder.release()
        await wait_for(lambda: not app.is_running, what="the app stopping")
    assert read_state(demo_db)[first] == 1 and app.dropped_marks == 0


async def test_q_twice_gives_up_the_waiting_marks_and_says_how_many(demo_db, lock_holder):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        lock_holder(demo_db)
        await pilot.press("m", "j", "m")
        await wait_for(lambda: "waiting" in header(app), what="the header saying so")
        await pilot.press("q", "q")
        await wait_for(lambda: not app.is_running, what="the app stopping")
    assert app.dropped_marks == 2


async def test_a_reload_while_a_mark_waits_counts_the_mark(demo_db, lock_holder):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        total = app.headlines.total
        holder = lock_holder(demo_db)
        await pilot.press("m")
        assert f"{total - 1} unread" in header(app)
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert f"{total - 1} unread" in header(app)  # not the database's count, without it
        holder.release()
        await settle(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        assert f"{total - 1} unread" in header(app)


async def test_undo_keeps_a_not_saved_notice_and_withdraws_its_own(demo_db):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(app, pilot)
        target = app.headlines.current.id
        refuse_marks(demo_db, "starred", target)
        await pilot.press("s", "A")
        await settle(app, pilot)
        assert any(notice.startswith("Not saved") for notice in notices(app)), notices(app)
        assert any("ctrl+z undoes it" in notice for notice in notices(app)), notices(app)
        await pilot.press("ctrl+z")
        await settle(app, pilot)
        assert not any("ctrl+z undoes it" in notice for notice in notices(app)), notices(app)
        assert any(notice.startswith("Not saved") for notice in notices(app)), notices(app)


async def test_a_stop_for_a_moved_database_does_not_wait_for_another_processs_lock(
    demo_db,
    tmp_path,
    lock_holder,
    monkeypatch,
):
    monkeypatch.setattr(widgets.app, "WATCH_SECONDS", 0.1)
    app = make_app(demo_db)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        lock_holder(demo_db)
        os.rename(demo_db, tmp_path / "moved.db")
        started = time.monotonic()
        await wait_for(lambda: not app.is_running, what="the app stopping")
        assert time.monotonic() - started < 2  # the busy timeout is 5 s
    assert app.return_code == 1
