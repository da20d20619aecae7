"""End to end, issue 9: the installed ``reader`` in a real terminal (tmux) marks articles while
other ``reader`` processes import and list beside it, then dies by ``kill -9``; every mark is in
the database, and the database is sound.

Each mark must reach a separate connection within a second (the app writes it at once), the
WAL must stay beside the database while the app runs, and the app must hold no deleted file of
the database (what another process's close did to it in issue 9).
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.conftest import wait_until
from tests.test_e2e import Tmux
from tests.test_multiprocess import (
    MARK_SECONDS,
    READER,
    check_files,
    run_reader,
    terminal,
    write_article,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


def cmdline(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")


def app_pid(term: Tmux) -> int:
    """The process of the reader app in the pane: the pane's own, or (when tmux ran it through
    a shell) the descendant running the ``reader`` script."""
    pane = int(term._tmux("display-message", "-p", "#{pane_pid}").strip())
    todo = [pane]
    while todo:
        pid = todo.pop(0)
        if str(READER) in cmdline(pid):
            return pid
        for task in os.listdir(f"/proc/{pid}/task"):
            children = Path(f"/proc/{pid}/task/{task}/children").read_text().split()
            todo += [int(child) for child in children]
    raise AssertionError(f"no reader process under the pane ({pane}: {cmdline(pane)})")


def state(db: Path, article_id: int) -> tuple[int, int]:
    """``(read, starred)`` through a connection of its own, opened and closed here."""
    conn = sqlite3.connect(db, timeout=10)
    try:
        return conn.execute(
            "SELECT read, starred FROM articles WHERE id = ?", (article_id,)
        ).fetchone()
    finally:
        conn.close()


def wait_for_mark(db: Path, article_id: int, expected: tuple[int, int]) -> None:
    seen = None

    def saved() -> bool:
        nonlocal seen
        seen = state(db, article_id)
        return seen == expected

    wait_until(
        saved,
        MARK_SECONDS,
        lambda: (
            f"article {article_id}: (read, starred) {expected} for another connection"
            f" after the key (it is {seen})"
        ),
        step=0.02,
    )


def current_headline(screen: str) -> str:
    """The headline at the top of the article pane (right of the ``▕`` rule)."""
    lines = screen.splitlines()
    if len(lines) < 2 or "▕" not in lines[1]:
        return ""  # not drawn yet
    return lines[1].split("▕", 1)[1].strip()


def wait_for_current(term: Tmux, headline: str, timeout: float = 10.0) -> None:
    """Until the article pane shows ``headline`` (the list's cursor is on it)."""
    screen = ""

    def shown() -> bool:
        nonlocal screen
        screen = term.screen()
        current = current_headline(screen)
        return bool(current) and headline.startswith(current.rstrip("…"))

    wait_until(
        shown,
        timeout,
        lambda: f"{headline!r} in the article pane, not {current_headline(screen)!r}:\n{screen}",
        step=0.05,
    )


def test_marks_in_a_real_terminal_beside_other_processes_survive_kill_9(demo_db, tmp_path):
    db = demo_db
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT id, headline FROM articles ORDER BY sort_key DESC, id DESC"
    ).fetchall()
    conn.close()
    ids = [row[0] for row in rows]
    headlines = dict(rows)
    total = len(rows)

    term = terminal([str(READER), "--db", str(db)], db.parent)
    try:
        term.wait_for(f"{total} shown / {total} unread")
        pid = app_pid(term)
        check_files(db, pid, when="at start")
        expected: dict[int, tuple[int, int]] = {}
        for n in range(4):
            if n:
                term.send("j")
            wait_for_current(term, headlines[ids[n]])
            term.send("m")
            expected[ids[n]] = (1, 0)
            wait_for_mark(db, ids[n], expected[ids[n]])
            if n == 1:
                term.send("s")
                expected[ids[n]] = (1, 1)
                wait_for_mark(db, ids[n], expected[ids[n]])
            check_files(db, pid, when=f"after mark {n + 1}")

            # Meanwhile, other processes: an import (dated 1990: at the bottom of the list,
            # the rows above stay in place), a listing.
            path, headline = write_article(tmp_path / "incoming", f"e2e {n}", year=1990)
            done = run_reader(db, "import", str(path))
            assert done.returncode == 0, done.stderr
            total += 1
            done = run_reader(db, "list", "--json", "--limit", "1000")
            assert done.returncode == 0, done.stderr
            assert headline in done.stdout
            assert f'"id": {ids[n]},' in done.stdout
            # The app follows the import by itself (its watcher).
            term.wait_for(f"{total} shown / {total - n - 1} unread")
            check_files(db, pid, when=f"after import {n + 1} and a listing")

        os.kill(pid, signal.SIGKILL)
        wait_until(term.pane_dead, 10, lambda: f"the pane closing:\n{term.screen()}", 0.05)
    finally:
        term.close()

    for article_id, marks in expected.items():
        assert state(db, article_id) == marks, article_id
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == total
        read = {row[0] for row in conn.execute("SELECT id FROM articles WHERE read")}
        assert read == set(expected)
    finally:
        conn.close()
    done = subprocess.run(
        [str(READER), "--db", str(db), "doctor"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
