"""The one error path of the app's workers: one line and exit 1, or a traceback with --debug."""

from __future__ import annotations

import shlex
import sqlite3
import sys
from pathlib import Path

import pytest

from reader.store import Store
from tests.conftest import WIDE, notices, settle, wait_for
from widgets.app import make_app

READER = Path(sys.executable).parent / "reader"


def _raising(error: Exception):
    def tags(self):
        raise error

    return tags


_broken_tags = _raising(KeyError("a bug in a worker"))


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (
            KeyError("a bug in a worker"),
            "unexpected error: KeyError: 'a bug in a worker' (reader --debug shows the traceback)",
        ),
        (
            sqlite3.DatabaseError("database disk image is malformed"),
            "database disk image is malformed (reader doctor checks the file)",
        ),
    ],
    ids=["a bug", "a damaged database"],
)
async def test_a_failed_worker_is_one_line_and_exit_1(demo_db, monkeypatch, error, line):
    monkeypatch.setattr(Store, "tags", _raising(error))
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        await pilot.press("t")
        await wait_for(lambda: not app.is_running, what="the app stopping")
    assert app.return_code == 1
    assert app.fatal_message == line


async def test_a_worker_held_up_by_another_process_says_so_and_the_app_goes_on(
    demo_db, monkeypatch
):
    busy = sqlite3.OperationalError("database is locked")
    busy.sqlite_errorcode = sqlite3.SQLITE_BUSY
    monkeypatch.setattr(Store, "tags", _raising(busy))
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(app, pilot)
        await pilot.press("t")
        await settle(app, pilot)
        assert app.is_running
        assert any("r reads it again" in notice for notice in notices(app)), notices(app)
        await pilot.press("escape", "m")
        await settle(app, pilot)
        assert app.saved_marks  # still reading, still saving


async def test_with_debug_a_bug_in_a_worker_is_textuals_traceback(demo_db, monkeypatch):
    monkeypatch.setattr(Store, "tags", _broken_tags)
    app = make_app(demo_db, watch=False, debug=True)
    with pytest.raises(Exception, match="a bug in a worker"):  # the pilot re-raises it
        async with app.run_test(size=WIDE) as pilot:
            await settle(app, pilot)
            await pilot.press("t")
            await pilot.pause(0.5)
    assert app.fatal_message is None and app.return_code == 1


@pytest.mark.e2e
@pytest.mark.skipif(not Path("/usr/bin/tmux").exists(), reason="tmux is not installed")
def test_reader_debug_opens_the_app(demo_db):
    from tests.test_e2e import Tmux

    command = f"{shlex.quote(str(READER))} --db {shlex.quote(str(demo_db))} --debug"
    term = Tmux(["sh", "-c", f"{command}; echo status $?; sleep 30"], demo_db.parent)
    try:
        term.wait_for("shown /")
        term.send("q")
        assert "status 0" in term.wait_for("status ")
    finally:
        term.close()
