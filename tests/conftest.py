"""Fixtures and helpers shared by the tests: databases, the app's screen as text, waits."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Speed is measured by benchmarks/, never by a test: no per-example deadline, and no
# "too slow" health check, on a shared machine or a loaded CI runner.
settings.register_profile("reader", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("reader")

ROOT = Path(__file__).resolve().parent.parent
APP_STYLES = ROOT / "widgets" / "app.tcss"  # for test apps that mount one widget
SAMPLES = ROOT / "samples"
SAMPLE = SAMPLES / "kremlin-prisoner-swap.txt"
#: The terminal of the app's tests: wide enough for the list and the article side by side.
WIDE = (140, 40)


# ---- databases ------------------------------------------------------------------------------


@pytest.fixture
def sample_bytes() -> bytes:
    return SAMPLE.read_bytes()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A path for a fresh database in a temporary folder."""
    return tmp_path / "test.db"


@pytest.fixture
def store(db_path: Path):
    from reader.store import Store

    with Store(db_path) as opened:
        yield opened


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    """A copy of the committed demo database: tests never write to the original."""
    copy = tmp_path / "articles.db"
    shutil.copyfile(ROOT / "articles.db", copy)
    return copy


def load_synth():
    """``benchmarks/synth.py``, the benchmarks' article generator (a script, not a package)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import synth
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return synth


def read_state(db: Path, column: str = "read") -> dict[int, int]:
    """``{article id: read}`` (or another mark ``column``) as another connection sees it."""
    conn = sqlite3.connect(db)
    try:
        return dict(conn.execute(f"SELECT id, {column} FROM articles"))
    finally:
        conn.close()


def refuse_marks(db: Path, column: str, article_id: int, reason: str = "refused by a trigger"):
    """Make the database refuse to change ``column`` of one article (a write that truly
    cannot be saved), as another connection would."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute(
            f"CREATE TRIGGER refuse BEFORE UPDATE OF {column} ON articles"
            f" WHEN NEW.id = {int(article_id)} BEGIN SELECT RAISE(ABORT, '{reason}'); END"
        )
    finally:
        conn.close()


_HOLD_LOCK = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("COMMIT")
"""


class LockHolder:
    """Another process holding the database's write lock until ``release()``."""

    def __init__(self, db: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _HOLD_LOCK, str(db)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout.readline().strip() == "locked"

    def release(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.write("\n")
            self.process.stdin.flush()
            self.process.wait(10)


@pytest.fixture
def lock_holder():
    """``lock_holder(db)``: a ``LockHolder`` on ``db``, released at the end of the test."""
    holders: list[LockHolder] = []

    def hold(db: Path) -> LockHolder:
        holder = LockHolder(db)
        holders.append(holder)
        return holder

    yield hold
    for holder in holders:
        holder.release()


# ---- the app's screen as text ---------------------------------------------------------------


def rendered(widget, lines: int | None = None) -> str:
    """What ``widget`` draws, its first ``lines`` lines (all it shows by default)."""
    height = lines or widget.size.height
    return "\n".join(widget.render_line(y).text for y in range(height))


def header(app) -> str:
    """The reading screen's header: the view, its counts, what saving is waiting for."""
    return str(app.query_one("#view-title").render())


def notices(app) -> list[str]:
    """The notifications on screen now, oldest first, each its title and message as text.

    Textual's pilot draws none unless the test runs ``app.run_test(notifications=True)``.
    """
    return [str(toast.render()) for toast in app.screen.query("Toast")]


# ---- waits ----------------------------------------------------------------------------------


async def settle(app, pilot, *, pause: float = 0.0) -> None:
    """Until the app is idle: ``pause`` seconds first (a debounce to wait out), then the
    marks it has queued saved (an app with a mark writer), then its workers done and the
    messages they posted handled, twice over (a message handled can start a worker)."""
    if pause:
        await pilot.pause(pause)
    wait_for_marks = getattr(app, "wait_for_marks", None)
    if wait_for_marks is not None:
        await wait_for_marks()
    for _ in range(2):
        await app.workers.wait_for_complete()
        await pilot.pause()


def _said(what: str | Callable[[], str], timeout: float) -> str:
    said = what() if callable(what) else what
    return f"{said}: not within {timeout:.1f} s"


async def wait_for(
    condition: Callable[[], object],
    timeout: float = 10.0,
    what: str | Callable[[], str] = "the condition",
    step: float = 0.02,
) -> None:
    """Keep the app's loop running until ``condition()`` holds; fail after ``timeout``
    seconds, saying ``what`` was waited for (a callable: worded when it fails)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(_said(what, timeout))
        await asyncio.sleep(step)


def wait_until(
    condition: Callable[[], object],
    timeout: float = 10.0,
    what: str | Callable[[], str] = "the condition",
    step: float = 0.01,
) -> None:
    """``wait_for`` outside an event loop: sleeps between the looks."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(_said(what, timeout))
        time.sleep(step)


def burst(app, *keys: str) -> None:
    """Keys as a terminal delivers them when typed fast: all queued before any is handled."""
    from textual import events

    characters = {"slash": "/", "enter": "\r", "escape": None, "space": " ", "backspace": None}
    for key in keys:
        app.post_message(events.Key(key, characters.get(key, key)))


def back_to_schema_7(conn) -> None:
    """Undo migration 8 in place: the search index with its prefix index again, filled from
    the view, and no quotes counter."""
    conn.execute("DROP TRIGGER quotes_counted")
    conn.execute("DROP TRIGGER quotes_uncounted")
    conn.execute("DELETE FROM counters WHERE name = 'quotes'")
    conn.execute("DROP TABLE articles_fts")
    conn.execute(
        "CREATE VIRTUAL TABLE articles_fts USING fts5 (headline, lede, body, tags,"
        " content = 'article_search', tokenize = 'unicode61 remove_diacritics 2', prefix = '3')"
    )
    conn.execute(
        "INSERT INTO articles_fts (rowid, headline, lede, body, tags)"
        " SELECT rowid, headline, lede, body, tags FROM article_search"
    )
    conn.execute("PRAGMA user_version = 7")


def back_to_schema_4(conn) -> None:
    """Undo migrations 8 and 5 (feeds) in place, for tests that replay older migrations."""
    back_to_schema_7(conn)
    for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'feed_%'"
    ).fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("DROP INDEX articles_by_feed")
    conn.execute("DROP INDEX articles_by_feed_unread")
    for column in ("guid", "link", "feed_id"):
        conn.execute(f"ALTER TABLE articles DROP COLUMN {column}")
    conn.execute("DROP TABLE feeds")
    conn.execute("PRAGMA user_version = 4")


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path_factory, monkeypatch):
    """No test reads or writes the user's own config folder (reader.config): an empty one."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config-home")))
    monkeypatch.delenv("READER_CONFIG", raising=False)


def pytest_terminal_summary(terminalreporter) -> None:
    """Measures a test recorded (``record_property("measure", ...)``), at the end of the run,
    whether it passed or failed: the speakers' precision and recall (tests/test_speakers.py)."""
    lines = [
        value
        for reports in terminalreporter.stats.values()
        for report in reports
        for name, value in getattr(report, "user_properties", ())
        if name == "measure" and getattr(report, "when", "call") == "call"
    ]
    if lines:
        terminalreporter.section("measures")
        for line in lines:
            terminalreporter.line(line)
