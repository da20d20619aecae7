"""End to end: the installed ``reader`` command in a real terminal (tmux), as a person uses it."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.conftest import wait_until

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

READER = Path(sys.executable).parent / "reader"
# Without the COLUMNS and LINES that pytest's readline import sets: the app would take its
# size from them (80x24), not from the window.
TERMINAL_ENV = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}


class Tmux:
    """A private tmux server running one command in a fixed-size window."""

    def __init__(self, command: list[str], cwd: Path, size=(140, 40)) -> None:
        self.socket = f"reader-e2e-{uuid.uuid4().hex[:8]}"
        self.cwd = cwd
        self._tmux(
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-x",
            str(size[0]),
            "-y",
            str(size[1]),
            "-c",
            str(cwd),
            *command,
        )
        self._tmux("set-option", "-g", "remain-on-exit", "on")

    def _tmux(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args],
            capture_output=True,
            text=True,
            check=True,
            env=TERMINAL_ENV,
        ).stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p")

    def send(self, *keys: str) -> None:
        self._tmux("send-keys", *keys)

    def wait_for(self, text: str, timeout: float = 15.0, step: float = 0.1) -> str:
        """Until ``text`` is on the screen; returns the screen."""
        screen = ""

        def shown() -> bool:
            nonlocal screen
            screen = self.screen()
            return text in screen

        wait_until(shown, timeout, lambda: f"{text!r} on the screen, which was:\n{screen}", step)
        return screen

    def pane_dead(self) -> bool:
        return self._tmux("display-message", "-p", "#{pane_dead}").strip() == "1"

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


@pytest.fixture
def tmux_reader(demo_db: Path):
    sessions: list[Tmux] = []

    def start(*args: str) -> Tmux:
        session = Tmux([str(READER), "--db", str(demo_db), *args], demo_db.parent)
        sessions.append(session)
        return session

    yield start
    for session in sessions:
        session.close()


def test_read_an_article_in_a_real_terminal_and_find_the_mark_after_quitting(tmux_reader, demo_db):
    conn = sqlite3.connect(demo_db)
    newest_id, newest_headline = conn.execute(
        "SELECT id, headline FROM articles ORDER BY sort_key DESC, id DESC LIMIT 1"
    ).fetchone()
    total = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    conn.close()
    term = tmux_reader()
    screen = term.wait_for(f"{total} shown / {total} unread")
    assert "All" in screen and newest_headline[:25] in screen
    term.send("Enter")
    term.wait_for(f"{total} shown / {total - 1} unread")
    term.send("q")  # in the article: back to the list (as in mutt and newsboat)
    term.wait_for("q Quit")  # the key bar of the list again
    term.send("q")
    wait_until(term.pane_dead, 10, lambda: f"the app quitting; the screen:\n{term.screen()}", 0.1)
    conn = sqlite3.connect(demo_db)
    assert conn.execute("SELECT read FROM articles WHERE id = ?", (newest_id,)).fetchone() == (1,)
    conn.close()


def test_a_database_deleted_under_the_app_ends_it_with_one_line_and_status_1(demo_db):
    import shlex

    reader = f"{shlex.quote(str(READER))} --db {shlex.quote(str(demo_db))}"
    command = f"{reader}; echo status $?; sleep 30"  # the pane stays to be read
    term = Tmux(["sh", "-c", command], demo_db.parent)
    try:
        term.wait_for("shown /")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{demo_db}{suffix}").unlink(missing_ok=True)
        term.send("r")  # a worker opens a connection: it must not create a new database
        screen = term.wait_for("status ")
        joined = "".join(screen.splitlines())  # the terminal may wrap the long line
        assert f"reader: {demo_db}: the database was moved or replaced: restart the reader" in (
            joined
        )
        assert "Traceback" not in screen
        assert "status 1" in screen
        assert not demo_db.exists()
    finally:
        term.close()
