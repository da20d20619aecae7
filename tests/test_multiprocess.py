"""The reading screen beside other ``reader`` processes on the same file (issue 9).

The bug: the app opened the database with Python's ``open()`` while its own SQLite connection
held POSIX locks on it. Closing that descriptor dropped every lock the process held on the
file, so the next ``reader`` process to close its connection took itself for the last one,
checkpointed and deleted the WAL under the app: the app's marks went to a deleted file
(another process never saw them) and the database could end up malformed.

So here the real app runs in a pilot (its workers running) on a copy of the demo database,
real ``reader`` processes come and go beside it, and after each of them: the ``-wal`` file is
still there, this process (the app's) holds no deleted file of the database, a mark made in
the app reaches another process within a second, and an article imported by another process
reaches the app (after ``r``, and by the watcher on its own). And an audit hook fails any
Python-level ``open()`` of the database files while a connection is open.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import widgets.app
from reader.article import Article
from reader.filters import Filter
from reader.store import Store
from tests.conftest import WIDE, header, settle, wait_for
from widgets.app import make_app

READER = Path(sys.executable).parent / "reader"
MARK_SECONDS = 1.0  # a mark made in the app is visible to another process within this
# The watcher's period in the main test: the real 2 s would make its eight waits alone take
# about 10 s. The deadlines below follow the real period, in case this one is not taken up.
FAST_WATCH = 0.5
WATCH_DEADLINE = 2 * widgets.app.WATCH_SECONDS + 3.0
HAVE_TMUX = shutil.which("tmux") is not None

# ---- helpers shared with test_e2e_multiprocess.py and test_soak.py -----------------------


def sidecars(db: Path) -> list[str]:
    """The database file and the files SQLite keeps beside it, as absolute real paths."""
    real = os.path.realpath(db)
    return [real, real + "-wal", real + "-shm", real + "-journal"]


def wal(db: Path) -> Path:
    return Path(str(db) + "-wal")


def db_descriptors(db: Path, pid: int | str = "self") -> list[str]:
    """What the descriptors of process ``pid`` that point at the database files point at
    (a deleted one ends with `` (deleted)``)."""
    names = sidecars(db)
    found = []
    folder = f"/proc/{pid}/fd"
    for fd in os.listdir(folder):
        with contextlib.suppress(OSError):  # closed meanwhile
            target = os.readlink(f"{folder}/{fd}")
            if target.removesuffix(" (deleted)") in names:
                found.append(target)
    return found


def check_files(db: Path, pid: int | str = "self", when: str = "") -> None:
    """The WAL is beside the database, and ``pid`` holds no deleted file of it."""
    held = db_descriptors(db, pid)
    deleted = [t for t in held if t.endswith(" (deleted)")]
    assert not deleted, f"{when}: process {pid} holds deleted database files: {deleted}"
    assert wal(db).exists(), f"{when}: {wal(db).name} is gone while the app is open: {held}"


def terminal(command: list[str], cwd: Path):
    """``tests.test_e2e.Tmux`` (which already keeps pytest's ``COLUMNS``/``LINES`` from the
    app), that also removes its server's socket when closed."""
    from tests.test_e2e import Tmux

    class SizedTmux(Tmux):
        def close(self) -> None:
            """Stop the server, and remove its socket (tmux leaves it behind)."""
            with contextlib.suppress(subprocess.CalledProcessError):
                path = self._tmux("display-message", "-p", "#{socket_path}").strip()
                super().close()
                with contextlib.suppress(OSError):
                    os.unlink(path)
            super().close()

    return SizedTmux(command, cwd)


_article_numbers = itertools.count()


def write_article(folder: Path, label: str, *, year: int = 2099) -> tuple[Path, str]:
    """A new article file in the format of ``samples/*.txt``; returns (path, headline).

    Dated ``year`` (2099: newest, at the top of the list; an old year: at the bottom), a
    minute apart from the one written before so that none is the same article.
    """
    number = next(_article_numbers)
    headline = f"Multiprocess check {label} number {number} ({os.getpid()})"
    day, minute = 1 + number // 1440 % 28, number % 1440
    text = (
        f"{headline}\n"
        "\n"
        f"{day:02d}.03.{year} {minute // 60:02d}:{minute % 60:02d}\n"
        "Test Wire\n"
        "A file photo of nothing in particular\n"
        "\n"
        f"The lede of check {number}, imported by another process.\n"
        "\n"
        f"“Nothing was lost,” said Ada Tester of check {number}.\n"
        "\n"
        "- A subheading\n"
        "\n"
        "The last paragraph.\n"
        "\n"
        "#Multiprocess\n"
        f"#Check {label}\n"
    )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"check-{number}.txt"
    path.write_text(text, encoding="utf-8")
    return path, headline


def run_reader(db: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """``reader --db DB ARGS...`` in another process, to its end."""
    return subprocess.run(
        [str(READER), "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


async def areader(db: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """``run_reader`` without stopping the app's event loop meanwhile."""
    return await asyncio.to_thread(run_reader, db, *args, timeout=timeout)


async def reader_ok(db: Path, *args: str) -> subprocess.CompletedProcess:
    done = await areader(db, *args)
    assert done.returncode == 0, f"reader {' '.join(args)}: {done.returncode}\n{done.stderr}"
    return done


# A plain sqlite3 connection in another process, opened and closed for each question: a
# process that closes its connection is what deleted the WAL in issue 9.
_PROBE = """
import json, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], timeout=10)
try:
    rows = conn.execute(sys.argv[2], json.loads(sys.argv[3])).fetchall()
finally:
    conn.close()
print(json.dumps(rows))
"""


def probe(db: Path, sql: str, *params) -> list[list]:
    """Rows of ``sql`` as another process sees the database."""
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", _PROBE, str(db), sql, json.dumps(params)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


async def aprobe(db: Path, sql: str, *params) -> list[list]:
    return await asyncio.to_thread(probe, db, sql, *params)


async def marks_elsewhere(db: Path, article_id: int) -> tuple[bool, bool]:
    """``(read, starred)`` of an article as another process sees it."""
    rows = await aprobe(db, "SELECT read, starred FROM articles WHERE id = ?", article_id)
    assert rows, f"no article {article_id}"
    return bool(rows[0][0]), bool(rows[0][1])


async def wait_elsewhere(
    db: Path, article_id: int, column: str, value: bool, timeout: float = MARK_SECONDS
) -> None:
    """Poll another process until it sees ``column`` of the article at ``value``."""
    index = ("read", "starred").index(column)
    start = time.monotonic()
    seen = None
    while True:
        seen = (await marks_elsewhere(db, article_id))[index]
        if seen == value:
            return
        if time.monotonic() - start > timeout:
            raise AssertionError(
                f"article {article_id}: {column} is {seen} for another process"
                f" {time.monotonic() - start:.2f} s after the app set it to {value}"
            )
        await asyncio.sleep(0.03)


async def id_of(db: Path, headline: str) -> int:
    rows = await aprobe(db, "SELECT id FROM articles WHERE headline = ?", headline)
    assert len(rows) == 1, f"{headline!r}: {rows}"
    return rows[0][0]


def newest_first(db: Path) -> list[int]:
    """Article ids in the app's order."""
    return [r[0] for r in probe(db, "SELECT id FROM articles ORDER BY sort_key DESC, id DESC")]


async def trigger_workers(app, pilot) -> None:
    """What the bug report did first: a search typed and dropped, then a reload."""
    await settle(app, pilot)
    await pilot.press("slash", "p", "o", "escape", "r")
    await settle(app, pilot)
    assert app.view == Filter(), app.view


async def all_saved(app, pilot, count: int, timeout: float = 5.0) -> None:
    """Wait until no mark is pending and ``count`` are in ``app.saved_marks``."""
    await wait_for(lambda: app.pending_marks == 0, timeout, "the marks written")
    await pilot.pause()  # the writer reports a save on the UI thread, after its count
    await wait_for(lambda: len(app.saved_marks) >= count, 2.0, f"{count} marks saved")


class Checks:
    """What must hold after each other process came and went, with the app open."""

    def __init__(self, app, pilot, db: Path, folder: Path) -> None:
        self.app, self.pilot, self.db, self.folder = app, pilot, db, folder

    async def after(self, step: str) -> None:
        app, pilot, db = self.app, self.pilot, self.db
        check_files(db, when=f"after {step}")
        total = (await aprobe(db, "SELECT count(*) FROM articles"))[0][0]

        # A mark made in the app reaches another process within a second.
        if app.article_view.has_focus or app.screen.has_class("-reading"):
            await pilot.press("escape")
        await pilot.press("j")
        await pilot.pause()
        row = app.headlines.current
        assert row is not None, f"after {step}: no row under the cursor"
        await pilot.press("m")
        await wait_elsewhere(db, row.id, "read", not row.read)
        check_files(db, when=f"after {step} and a mark")

        # An article imported by another process shows on its own (the watcher) ...
        # (dated 2099, each a minute after the one before: the newest, at the top)
        path, headline = write_article(self.folder, f"watched after {step}")
        await reader_ok(db, "import", str(path))
        total += 1
        await wait_for(
            lambda: app.headlines.total == total,
            WATCH_DEADLINE,
            f"after {step}: the app showing an import without a key",
        )
        assert app.headlines.index_of(await id_of(db, headline)) == 0, step
        # ... and after r.
        path, headline = write_article(self.folder, f"refreshed after {step}")
        await reader_ok(db, "import", str(path))
        total += 1
        await pilot.press("r")
        await settle(app, pilot)
        assert app.headlines.total == total, (step, app.headlines.total, total)
        assert app.headlines.index_of(await id_of(db, headline)) == 0, step
        assert f"{total} shown" in header(app), (step, header(app))
        assert app.headlines.current.id == row.id, f"after {step}: the cursor moved"
        check_files(db, when=f"after {step} and two imports")


# ---- the app beside other processes --------------------------------------------------------


# Two groups, each its own app: the file's two longest tests, side by side under xdist.
STEPS = {
    "readers": [("list", "--json"), ("tags",), ("search", "port"), ("doctor",)],
    "writers": [("import", "{article}"), ("mark-read", "{oldest}"), "a second app"],
}


@pytest.mark.parametrize("group", list(STEPS))
async def test_the_app_beside_other_reader_processes(group, demo_db, tmp_path, monkeypatch):
    monkeypatch.setattr(widgets.app, "WATCH_SECONDS", FAST_WATCH)
    db = demo_db
    folder = tmp_path / "incoming"
    # An article the app does not mark, for `reader mark-read`: the oldest.
    oldest = probe(db, "SELECT id FROM articles ORDER BY sort_key, id LIMIT 1")[0][0]
    path, headline = write_article(folder, "a step")
    app = make_app(db)
    async with app.run_test(size=WIDE) as pilot:
        await trigger_workers(app, pilot)
        checks = Checks(app, pilot, db, folder)
        await checks.after("opening, a search and a reload")
        for step in STEPS[group]:
            if step == "a second app":
                await run_a_second_app(db)
                await checks.after(step)
                continue
            args = [arg.format(article=path, oldest=oldest) for arg in step]
            await reader_ok(db, *args)
            await checks.after(f"reader {args[0]}")
            if args[0] == "import":
                assert app.headlines.index_of(await id_of(db, headline)) is not None
            if args[0] == "mark-read":
                index = app.headlines.index_of(oldest)
                assert index is not None and app.headlines.row_of(oldest).read
        done = await areader(db, "doctor")
        assert done.returncode == 0, done.stdout + done.stderr
        check_files(db, when="at the end")
    done = run_reader(db, "doctor")
    assert done.returncode == 0, done.stdout + done.stderr


async def run_a_second_app(db: Path) -> None:
    """A second app on the same file in this process: its workers, a star, and closed."""
    second = make_app(db)
    async with second.run_test(size=WIDE) as pilot:
        await trigger_workers(second, pilot)
        await pilot.press("G")
        await pilot.pause()
        last = second.headlines.current.id
        _, starred = await marks_elsewhere(db, last)
        await pilot.press("s")
        await wait_elsewhere(db, last, "starred", not starred)
        await pilot.press("t")
        await settle(second, pilot)
        await pilot.press("escape", "Q")
        await settle(second, pilot)
        await pilot.press("escape")
        await settle(second, pilot)


@pytest.mark.skipif(not HAVE_TMUX, reason="tmux is not installed")
async def test_the_app_beside_a_second_reader_app_in_tmux(demo_db, tmp_path):
    """The second app as a person runs it: ``reader`` in a terminal, which quits."""
    db = demo_db
    app = make_app(db)  # the real watcher period
    terms = []
    try:
        async with app.run_test(size=WIDE) as pilot:
            await trigger_workers(app, pilot)
            checks = Checks(app, pilot, db, tmp_path / "incoming")
            ids = newest_first(db)
            term = terminal([str(READER), "--db", str(db)], db.parent)
            terms.append(term)
            await asyncio.to_thread(term.wait_for, "shown /")
            # Its workers: a search dropped, the tag picker, a reload; then a mark.
            for keys in (["/", "p", "o"], ["Escape"], ["t"], ["Escape"], ["r"]):
                term.send(*keys)
                await asyncio.sleep(0.2)
            # This app on the last article, not starred yet, as the other app stars it.
            await pilot.press("G")
            await settle(app, pilot)
            last = app.headlines.current
            assert last.id == ids[-1] and not last.starred
            term.send("G", "s")
            await wait_elsewhere(db, ids[-1], "starred", True)
            # The app here follows the other app's mark on its own (its watcher).
            await wait_for(
                lambda: app.headlines.current.starred,
                WATCH_DEADLINE,
                "the app showing the star made by the app in tmux",
            )
            assert app.headlines.current.id == ids[-1]
            await pilot.press("g")
            term.send("q")
            await wait_for(term.pane_dead, 10, "the app in tmux quitting")
            await checks.after("a second app in tmux quit")
    finally:
        for term in terms:
            term.close()
    done = run_reader(db, "doctor")
    assert done.returncode == 0, done.stdout + done.stderr


# ---- marks wait for another writer (the background writer) -------------------------------

_LOCK_HOLDER = """
import sqlite3, sys, select
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
select.select([sys.stdin], [], [], float(sys.argv[2]))  # until told, or at most this long
conn.execute("COMMIT")
conn.close()
"""


async def test_marks_made_while_another_process_writes_are_saved_in_order(demo_db):
    """Uses ``ReaderApp.pending_marks`` and ``saved_marks`` (the background writer)."""
    db = demo_db
    ids = newest_first(db)
    app = make_app(db)
    async with app.run_test(size=WIDE) as pilot:
        await trigger_workers(app, pilot)
        holder = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _LOCK_HOLDER,
            str(db),
            "4",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        try:
            assert await asyncio.wait_for(holder.stdout.readline(), 30) == b"locked\n"
            started = time.monotonic()
            await pilot.press("m", "j", "m", "j", "s", "k", "m")
            waited = time.monotonic() - started
            # The lock is held for 4 s: keys that waited for it take that long. Seven keys on
            # a loaded 2-core machine took up to 1.02 s without waiting (a full test run).
            assert waited < 2.5, f"the keys took {waited:.1f} s: the screen waited for the lock"
            assert app.headlines.current.id == ids[1]
            assert app.pending_marks == 4
            assert app.saved_marks == []
            assert await marks_elsewhere(db, ids[0]) == (False, False)
            holder.stdin.write(b"go\n")
            await holder.stdin.drain()
            assert await asyncio.wait_for(holder.wait(), 30) == 0
        finally:
            if holder.returncode is None:
                holder.kill()
                await holder.wait()
        await all_saved(app, pilot, 4)
        assert app.saved_marks == [
            (ids[0], "read", True),
            (ids[1], "read", True),
            (ids[2], "starred", True),
            (ids[1], "read", False),
        ]
        assert await marks_elsewhere(db, ids[0]) == (True, False)
        assert await marks_elsewhere(db, ids[1]) == (False, False)
        assert await marks_elsewhere(db, ids[2]) == (False, True)
        check_files(db)


# ---- no Python-level open() of the database files -----------------------------------------
#
# Closing any descriptor of a file drops every POSIX lock the process holds on it, SQLite's
# included: only SQLite may open the database files while one of its connections is open.
# An audit hook sees every open() and os.open(); hooks cannot be removed, so this one is
# installed once per process and records only while a recording is active.

_RECORDINGS: list[list[str]] = []
_HOOKED = False


def _audit(event: str, args: tuple) -> None:
    if not _RECORDINGS or event != "open":
        return
    path = args[0]
    if not isinstance(path, str | bytes | os.PathLike):
        return  # a descriptor (os.fdopen), not a path
    try:
        name = os.path.abspath(os.fsdecode(path))
    except Exception:
        return
    for recording in _RECORDINGS:
        recording.append(name)


@contextlib.contextmanager
def recording_opens():
    """Every path opened from Python (any thread) while inside, made absolute."""
    global _HOOKED
    if not _HOOKED:
        sys.addaudithook(_audit)
        _HOOKED = True
    opened: list[str] = []
    _RECORDINGS.append(opened)
    try:
        yield opened
    finally:
        _RECORDINGS.remove(opened)


def database_opens(opened: list[str], db: Path) -> list[str]:
    names = sidecars(db)
    return [name for name in opened if os.path.realpath(name) in names]


def test_the_open_recorder_sees_a_python_open_of_the_database(demo_db, monkeypatch):
    """The recorder itself: what issue 9's code did is seen, relative paths included."""
    monkeypatch.chdir(demo_db.parent)
    with Store(demo_db), recording_opens() as opened:
        open(demo_db, "rb").close()
        Path(demo_db.name).open("rb").close()
        os.close(os.open(str(wal(demo_db)), os.O_RDONLY))
    assert len(database_opens(opened, demo_db)) == 3, opened
    with recording_opens() as opened:
        pass
    assert opened == []


async def test_no_python_open_of_the_database_while_a_connection_is_open(demo_db, tmp_path):
    db = demo_db
    # A store session, with a second connection opened and closed beside the first (as the
    # app's workers do).
    with Store(db) as first:
        with recording_opens() as opened:
            with Store(db) as second:
                second.page(Filter(), limit=50)
                second.page(Filter(query="port"), limit=50)
                second.count(Filter(tags=("Port Ysel", "Harbour Strike")))
                second.tags()
                second.quotes(Filter(), limit=20)
                second.speakers()
                article_id = second.page(Filter(), limit=1)[0].id
                second.article(article_id)
                second.mark_read([article_id], True)
                second.set_starred([article_id], True)
                second.save([Article(headline="Audit", published="2099-01-01T00:00", source="X")])
                changed = second.mark_all_read(Filter(tags=("Port Ysel",)))
                second.restore_read(dict.fromkeys(changed, False))
                second.check()
            first.page(Filter(), limit=50)
            first.mark_read([article_id], False)
            with Store(db, readonly=True) as readonly:
                readonly.page(Filter(), limit=5)
        assert database_opens(opened, db) == [], opened
    # The app, its workers included: search, tag picker, quotes, reload, marks, A and undo.
    app = make_app(db)
    async with app.run_test(size=WIDE) as pilot:
        with recording_opens() as opened:
            await trigger_workers(app, pilot)
            await pilot.press("t")
            await settle(app, pilot)
            await pilot.press(*"port ys", "enter")
            await settle(app, pilot)
            await pilot.press("escape")
            await settle(app, pilot)
            await pilot.press("T", "Q")
            await settle(app, pilot)
            await pilot.press("escape", "r")
            await settle(app, pilot)
            await pilot.press("j", "m", "s", "enter", "escape", "u")
            await settle(app, pilot)
            await pilot.press("A")
            await settle(app, pilot)
            await pilot.press("ctrl+z", "u", "G", "r")
            await settle(app, pilot)
            # Marks are written in order: once the last one is in, all of them are.
            last = app.headlines.current.id
            _, starred = await marks_elsewhere(db, last)
            await pilot.press("s")
            await wait_elsewhere(db, last, "starred", not starred, timeout=5.0)
            await settle(app, pilot)
            (tmp_path / "canary").write_text("the recorder is listening")
        assert database_opens(opened, db) == [], opened
        assert str(tmp_path / "canary") in opened


_CLI_AUDIT = """
import os, sys
db = os.path.realpath(sys.argv[1])
names = {db, db + "-wal", db + "-shm", db + "-journal"}
connected, opened = [], []
def hook(event, args):
    if event == "sqlite3.connect":
        connected.append(1)
    elif event == "open" and connected and isinstance(args[0], (str, bytes, os.PathLike)):
        name = os.path.realpath(os.path.abspath(os.fsdecode(args[0])))
        if name in names:
            opened.append(name)
sys.addaudithook(hook)
sys.argv = ["reader", "--db", sys.argv[1], *sys.argv[2:]]
from widgets.main import main
try:
    main()
finally:
    if opened:
        print("OPENED " + repr(opened), file=sys.stderr, flush=True)
"""


def test_no_reader_command_opens_the_database_with_python_while_connected(demo_db, tmp_path):
    """The same in each ``reader`` command, run in its own process (as beside the app)."""
    db = demo_db
    path, _ = write_article(tmp_path / "incoming", "cli audit")
    exported = tmp_path / "export.jsonl"
    commands = [
        [],  # not a terminal: the newest headlines
        ["list", "--json"],
        ["tags", "--json"],
        ["search", "port"],
        ["quotes", "--limit", "5"],
        ["show", "1"],
        ["import", str(path)],
        ["export", "-o", str(exported)],
        ["import", str(exported)],
        ["mark-read", "1", "2"],
        ["mark-unread", "2"],
        ["mark-read", "--all", "--tag", "Port Ysel"],
        ["doctor"],
        ["doctor", "--fix"],
    ]
    for args in commands:
        done = subprocess.run(
            [sys.executable, "-c", _CLI_AUDIT, str(db), *args],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        assert "OPENED" not in done.stderr, (args, done.stderr)
        assert done.returncode == 0, (args, done.stderr)
    assert probe(db, "PRAGMA integrity_check") == [["ok"]]
