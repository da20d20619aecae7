"""The one error path of the app's workers: one line and exit 1, or a traceback with --debug."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

from reader.store import Store
from tests.conftest import WIDE, settle, wait_for
from widgets.app import make_app

READER = Path(sys.executable).parent / "reader"


def _broken_tags(self):
    raise KeyError("a bug in a worker")


async def test_a_bug_in_a_worker_is_one_line_and_exit_1(demo_db, monkeypatch):
    monkeypatch.setattr(Store, "tags", _broken_tags)
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        await pilot.press("t")
        await wait_for(lambda: not app.is_running, what="the app stopping")
    assert app.return_code == 1
    assert app.fatal_message == (
        "unexpected error: KeyError: 'a bug in a worker' (reader --debug shows the traceback)"
    )


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
