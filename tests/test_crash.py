"""Crash safety of ``reader import``: SIGKILL and Ctrl-C at random moments lose nothing.

The installed ``reader`` command imports a few thousand synthetic files (``benchmarks/synth``)
and is killed at seeded random moments spread over one import's measured duration; some kills
wait until the importer holds the write lock, so that many land inside a transaction. After
every kill the database is checked in full (``check_database``):

* ``PRAGMA integrity_check`` and FTS5's own ``integrity-check`` pass;
* the search index holds exactly the articles (``articles_fts_docsize`` rowids = article ids),
  each findable by the unique number in its headline, and (every few kills) its terms equal
  those of an index rebuilt from the ``article_search`` view (no stale or missing terms);
* every article is whole and equal to the file named by its ``origin``: headline, lede, body,
  tags (in order), quotes (text, offsets, speaker), identity and content hash;
* ``counters`` and ``tags.article_count``/``unread_count`` agree with a recount, and the
  copies of ``read``/``sort_key`` in ``article_tags`` agree with ``articles``;
* every read and star mark set before the import is still there, and no other article is read;
* on a database that held the first files of the folder (or none), what is saved is whole
  batches: the first ``k * BATCH`` files (or what was there).

Two folders are imported in turn: ``a`` (the synthetic files) and ``b`` (the same files, one in
four edited: a quoted paragraph added and the last tag replaced, same headline, date and source),
so that kills also land in the middle of in-place updates of articles carrying read marks.
"""

from __future__ import annotations

import fcntl
import json
import os
import random
import signal
import sqlite3
import struct
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from reader.article import Article, tag_key
from reader.importer import BATCH_SIZE, collect, import_sources
from reader.parse import parse_bytes
from reader.store import Store, content_hash, identity
from tests.conftest import load_synth, wait_until

ROOT = Path(__file__).resolve().parent.parent
READER = Path(sys.executable).parent / "reader"
BATCH = BATCH_SIZE  # reader.importer.import_sources' batch size
FILES = 3000  # several batches, the last one partial
EDIT_EVERY = 4  # one file in four differs in folder b
EDIT_WORD = "zqxedited"  # only in the edited versions: the search index must follow
EDIT_TAG = "Crash Edited"

pytestmark = pytest.mark.skipif(
    sys.platform != "linux", reason="SIGKILL, process groups and the -shm lock probe (Linux)"
)


# ---- the corpus -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """What an article imported from one file must look like in the database."""

    identity: str
    digest: str
    headline: str
    lede: str
    body: tuple[tuple[str, str], ...]
    tag_keys: tuple[str, ...]
    quotes: tuple[tuple, ...]
    edited: bool


@dataclass(frozen=True)
class Corpus:
    a: Path
    b: Path
    expected: dict[str, Expected]  # by origin (the path as `reader import` names it)
    order: dict[Path, list[str]]  # origins of each folder's files, in import order
    full_import_seconds: float  # one import of folder a into an empty database


def _edit(text: str, number: int) -> str:
    """The same article (headline, date, source) with a quoted paragraph added and the
    last tag replaced."""
    lines = text.rstrip("\n").split("\n")
    end = len(lines)
    while end > 0 and lines[end - 1].startswith("#"):
        end -= 1
    body, tags = lines[:end], lines[end:]
    while body and not body[-1].strip():
        body.pop()
    paragraph = f"“The {EDIT_WORD} {number} version stands,” Crash Tester said."
    tags = [*tags[:-1], f"#{EDIT_TAG}"]
    return "\n".join([*body, "", paragraph, "", *tags]) + "\n"


def _same_speaker(stored: str | None, parsed: str | None) -> bool:
    """The parser's speaker, or, for a surname alone, the one full name the archive gave it
    at save time (reader.speakers)."""
    if stored == parsed:
        return True
    return bool(stored and parsed and " " not in parsed and stored.endswith(" " + parsed))


def _expected(article: Article, edited: bool) -> Expected:
    return Expected(
        identity=identity(article),
        digest=content_hash(article),
        headline=article.headline,
        lede=article.lede,
        body=tuple((b.kind, b.text) for b in article.body),
        tag_keys=tuple(tag_key(t) for t in article.tags),
        quotes=tuple((q.part, q.block, q.start, q.end, q.text, q.speaker) for q in article.quotes),
        edited=edited,
    )


def run_import(db: Path, folder: Path, **popen) -> subprocess.Popen:
    """``reader --db DB import FOLDER`` in a session of its own (its own process group)."""
    return subprocess.Popen(
        [str(READER), "--db", str(db), "import", str(folder)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        cwd=db.parent,
        **popen,
    )


def remove_db(db: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> Corpus:
    """FILES synthetic articles in ``a``, the same with one in four edited in ``b``, what the
    parser makes of each file, and how long one import of ``a`` takes here."""
    synth = load_synth()
    base = tmp_path_factory.mktemp("crash-corpus")
    a, b = base / "a", base / "b"
    paths = synth.write_files(a, FILES)
    b.mkdir()
    expected: dict[str, Expected] = {}
    for index, path in enumerate(sorted(paths)):
        data = path.read_bytes()
        expected[str(path)] = _expected(parse_bytes(data, origin=str(path)), edited=False)
        edited = index % EDIT_EVERY == 0
        if edited:
            data = _edit(data.decode("utf-8"), index).encode("utf-8")
        (b / path.name).write_bytes(data)
        expected[str(b / path.name)] = _expected(parse_bytes(data), edited=edited)
    for name, want in expected.items():
        assert want.body and want.tag_keys, f"{name}: the corpus needs bodies and tags"
    edited_pairs = [(expected[str(a / p.name)], expected[str(b / p.name)]) for p in paths]
    assert all(x.identity == y.identity for x, y in edited_pairs)
    assert sum(x.digest != y.digest for x, y in edited_pairs) == -(-FILES // EDIT_EVERY)

    # One full import, timed: the kills are spread over this duration.
    db = base / "timing.db"
    started = time.perf_counter()
    process = run_import(db, a)
    out, err = process.communicate(timeout=120)
    seconds = time.perf_counter() - started
    assert process.returncode == 0, err
    assert out.strip() == f"{FILES} new, 0 updated, 0 unchanged, 0 failed"
    with sqlite3.connect(db) as conn:
        origins = {row[0] for row in conn.execute("SELECT origin FROM articles")}
    assert origins == {str(p) for p in paths}  # origins name the files as we do
    remove_db(db)
    order = {folder: sorted(str(p) for p in folder.glob("*.txt")) for folder in (a, b)}
    return Corpus(a, b, expected, order, seconds)


# ---- probes ---------------------------------------------------------------------------------

_FLOCK = "hhxxxxqqi4x"  # struct flock on Linux x86-64/aarch64: type, whence, start, len, pid
_WAL_WRITE_LOCK = 120  # byte of the -shm file a WAL writer locks (SQLite's UNIX_SHM_BASE)


def write_lock_held(db: Path) -> bool:
    """Whether another process holds the database's WAL write lock (is in a write
    transaction), asked with F_GETLK: nothing is locked by asking."""
    try:
        fd = os.open(f"{db}-shm", os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        query = struct.pack(_FLOCK, fcntl.F_WRLCK, os.SEEK_SET, _WAL_WRITE_LOCK, 1, 0)
        answer = fcntl.fcntl(fd, fcntl.F_GETLK, query)
        return struct.unpack(_FLOCK, answer)[0] != fcntl.F_UNLCK
    finally:
        os.close(fd)


def has_open(pid: int, path: Path) -> bool:
    """Whether process ``pid`` has ``path`` open (from /proc)."""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") == str(path):
                return True
        except OSError:
            continue
    return False


def children(pid: int) -> list[int]:
    """The child processes of ``pid`` (from /proc)."""
    found = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []
    for task in tasks:
        try:
            found += Path(f"/proc/{pid}/task/{task}/children").read_text().split()
        except OSError:
            continue
    return [int(child) for child in found]


def group_members(pgid: int) -> list[int]:
    """Live processes of process group ``pgid`` (zombies, which only wait to be reaped by
    init, do not count), from /proc."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # state, ppid, pgrp, ...
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry))
    return members


def group_alive(pgid: int) -> bool:
    return bool(group_members(pgid))


def wait_group_gone(pgid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not group_alive(pgid):
            return True
        time.sleep(0.02)
    return not group_alive(pgid)


def kill_group(pgid: int) -> None:
    """SIGKILL what is left of a process group this test started."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        return
    wait_group_gone(pgid, 5)


# ---- the checks -----------------------------------------------------------------------------


@dataclass
class Marks:
    """The read and star marks the user set: each must survive every import."""

    read: dict[int, bool] = field(default_factory=dict)
    starred: dict[int, bool] = field(default_factory=dict)


@dataclass
class Tally:
    kills: int = 0
    in_transaction: int = 0  # the write lock was held just before the signal
    finished_first: int = 0  # the import ended before the signal was sent
    articles_checked: int = 0
    marks_checked: int = 0
    deep_fts_checks: int = 0
    orphans: int = 0  # parser processes left running by a killed import
    seconds: float = 0.0
    outcomes: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def line(self, what: str) -> str:
        return (
            f"{what}: {self.kills} survived ({self.in_transaction} inside a write transaction,"
            f" {self.finished_first} after the import had finished), {self.articles_checked}"
            f" articles checked, {self.marks_checked} marks checked, {self.deep_fts_checks}"
            f" full search-index comparisons, {self.orphans} orphaned parser processes,"
            f" {self.seconds:.1f} s"
        )


def _one_row(conn: sqlite3.Connection, sql: str, *params) -> tuple:
    return conn.execute(sql, params).fetchone()


def check_counters(conn: sqlite3.Connection) -> None:
    """``counters``, tag counts and the copies in ``article_tags`` agree with a recount."""
    counters = dict(conn.execute("SELECT name, value FROM counters"))
    total, unread, starred = _one_row(
        conn,
        "SELECT count(*), coalesce(sum(read = 0), 0), coalesce(sum(starred), 0) FROM articles",
    )
    quotes = _one_row(conn, "SELECT count(*) FROM quotes")[0]
    assert counters == {"articles": total, "unread": unread, "starred": starred, "quotes": quotes}
    wrong_tags = conn.execute(
        "SELECT t.id, t.name, t.article_count, t.unread_count, count(a.id),"
        " coalesce(sum(a.read = 0), 0)"
        " FROM tags AS t LEFT JOIN article_tags AS x ON x.tag_id = t.id"
        " LEFT JOIN articles AS a ON a.id = x.article_id GROUP BY t.id"
        " HAVING t.article_count != count(a.id) OR t.unread_count != coalesce(sum(a.read = 0), 0)"
    ).fetchall()
    assert not wrong_tags, f"tag counts differ from a recount: {wrong_tags[:5]}"
    stale_copies = conn.execute(
        "SELECT x.article_id, x.tag_id FROM article_tags AS x JOIN articles AS a"
        " ON a.id = x.article_id WHERE x.read != a.read OR x.sort_key != a.sort_key"
    ).fetchall()
    assert not stale_copies, f"article_tags copies of read/sort_key differ: {stale_copies[:5]}"
    orphans = _one_row(
        conn,
        "SELECT (SELECT count(*) FROM article_tags WHERE article_id NOT IN"
        " (SELECT id FROM articles) OR tag_id NOT IN (SELECT id FROM tags)),"
        " (SELECT count(*) FROM quotes WHERE article_id NOT IN (SELECT id FROM articles))",
    )
    assert orphans == (0, 0), f"rows of missing articles (tags, quotes): {orphans}"


def check_search_index(conn: sqlite3.Connection, ids: set[int], *, deep: bool) -> None:
    """The FTS index holds exactly the articles, each findable; ``deep``: term for term."""
    conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
    indexed = {row[0] for row in conn.execute("SELECT id FROM articles_fts_docsize")}
    assert indexed == ids, (
        f"search index and articles differ: {len(indexed - ids)} indexed rows without an"
        f" article, {len(ids - indexed)} articles not indexed"
    )
    unfound = []
    for article_id, headline in conn.execute("SELECT id, headline FROM articles"):
        number = headline.split()[1]  # synth headlines: "Headline 0001234 ..."
        found = conn.execute(
            "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ? AND rowid = ?",
            (f'headline:"{number}"', article_id),
        ).fetchone()[0]
        if found != 1:
            unfound.append(article_id)
    assert not unfound, f"articles the search does not find by headline: {unfound[:10]}"
    if not deep:
        return
    # Rebuild the index from the article_search view in memory and compare every term's
    # document and occurrence counts per column: a stale or missing term shows up.
    conn.execute("ATTACH ':memory:' AS ref")
    try:
        conn.execute(
            "CREATE VIRTUAL TABLE ref.fts USING fts5 (headline, lede, body, tags,"
            " tokenize = 'unicode61 remove_diacritics 2')"
        )
        conn.execute(
            "INSERT INTO ref.fts (rowid, headline, lede, body, tags)"
            " SELECT rowid, headline, lede, body, tags FROM main.article_search"
        )
        conn.execute("CREATE VIRTUAL TABLE temp.v_db USING fts5vocab(main, articles_fts, 'col')")
        conn.execute("CREATE VIRTUAL TABLE temp.v_ref USING fts5vocab(ref, fts, 'col')")
        columns = "term, col, doc, cnt"
        extra = conn.execute(
            f"SELECT {columns} FROM temp.v_db EXCEPT SELECT {columns} FROM temp.v_ref LIMIT 5"
        ).fetchall()
        missing = conn.execute(
            f"SELECT {columns} FROM temp.v_ref EXCEPT SELECT {columns} FROM temp.v_db LIMIT 5"
        ).fetchall()
        assert not extra and not missing, (
            f"search index terms differ from the articles: index has {extra},"
            f" articles have {missing}"
        )
    finally:
        conn.execute("DROP TABLE IF EXISTS temp.v_db")
        conn.execute("DROP TABLE IF EXISTS temp.v_ref")
        conn.execute("DETACH ref")


def check_database(
    db: Path,
    corpus: Corpus,
    marks: Marks,
    tally: Tally,
    *,
    folder: Path,
    prefix_before: int | None,
    deep: bool,
) -> int:
    """Every guarantee of an interrupted import of ``folder``; returns the article count.

    ``prefix_before``: the database held the first that many files of ``folder`` (else None).
    """
    with Store(db):  # the reader still opens it (and finishes a first migration if cut short)
        pass
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = conn.execute(
            "SELECT id, identity, content_hash, headline, lede, body, origin, read, starred"
            " FROM articles"
        ).fetchall()
        tags: dict[int, list[str]] = defaultdict(list)
        for article_id, key in conn.execute(
            "SELECT x.article_id, t.key FROM article_tags AS x JOIN tags AS t ON t.id = x.tag_id"
            " ORDER BY x.article_id, x.position"
        ):
            tags[article_id].append(key)
        quotes: dict[int, list[tuple]] = defaultdict(list)
        for article_id, *quote in conn.execute(
            'SELECT article_id, part, block, start, "end", text, speaker FROM quotes'
            " ORDER BY article_id, seq"
        ):
            quotes[article_id].append(tuple(quote))

        ids = set()
        edited = set()
        for article_id, ident, digest, headline, lede, body, origin, read, starred in rows:
            ids.add(article_id)
            want = corpus.expected.get(origin)
            assert want is not None, f"article {article_id}: unknown origin {origin!r}"
            where = f"article {article_id} (from {origin})"
            assert (ident, digest) == (want.identity, want.digest), f"{where}: identity/hash"
            assert headline == want.headline, f"{where}: headline"
            assert lede == want.lede, f"{where}: lede"
            stored_body = tuple((b["kind"], b["text"]) for b in json.loads(body))
            assert stored_body and stored_body == want.body, f"{where}: body"
            assert tuple(tags.get(article_id, ())) == want.tag_keys, f"{where}: tags"
            stored_quotes = tuple(quotes.get(article_id, ()))
            assert [q[:5] for q in stored_quotes] == [q[:5] for q in want.quotes], where
            for stored, parsed in zip(stored_quotes, want.quotes, strict=True):
                assert _same_speaker(stored[5], parsed[5]), f"{where}: speaker"
            assert bool(read) == marks.read.get(article_id, False), f"{where}: read mark"
            assert bool(starred) == marks.starred.get(article_id, False), f"{where}: star"
            if want.edited:
                edited.add(article_id)
        lost = [i for i in (*marks.read, *marks.starred) if i not in ids]
        assert not lost, f"marked articles gone: {lost[:10]}"
        if prefix_before is not None:
            # The database held the first files of this folder: it now holds the first
            # files up to the end of the last batch saved (or as before).
            saved = sorted(origin for *_, origin, _, _ in rows)
            ends = {prefix_before, FILES, *range(BATCH, FILES, BATCH)}
            assert len(saved) in ends and len(saved) >= prefix_before, (
                f"{prefix_before} articles before, {len(saved)} after: not whole batches"
            )
            first = corpus.order[folder][: len(saved)]
            assert saved == first, "the saved articles are not the first files"

        check_counters(conn)
        check_search_index(conn, ids, deep=deep)
        by_word = {
            row[0]
            for row in conn.execute(
                "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?", (f"body:{EDIT_WORD}",)
            )
        }
        by_tag = {
            row[0]
            for row in conn.execute(
                "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?",
                (f'tags:"{EDIT_TAG}"',),
            )
        }
        assert by_word == edited, "search for the edited word: stale or missing entries"
        assert by_tag == edited, "search for the edited tag: stale or missing entries"
    finally:
        conn.close()
    tally.articles_checked += len(ids)
    tally.marks_checked += len(marks.read) + len(marks.starred)
    tally.deep_fts_checks += deep
    return len(ids)


def set_marks(db: Path, marks: Marks, rng: random.Random, *, use_cli: bool) -> None:
    """Mark some articles read, some back unread, star a few: as a user between imports."""
    with Store(db) as store:
        ids = [row[0] for row in store.conn.execute("SELECT id FROM articles ORDER BY id")]
    if not ids:
        return
    to_read = rng.sample(ids, min(12, len(ids)))
    were_read = [i for i, read in marks.read.items() if read]
    to_unread = rng.sample(were_read, min(4, len(were_read)))
    to_star = rng.sample(ids, min(3, len(ids)))
    if use_cli:
        for command, chosen in (("mark-read", to_read), ("mark-unread", to_unread)):
            if not chosen:
                continue
            done = subprocess.run(
                [str(READER), "--db", str(db), command, *map(str, chosen)],
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert done.returncode == 0, done.stderr
    with Store(db) as store:
        if not use_cli:
            store.mark_read(to_read, True)
            store.mark_read(to_unread, False)
        store.set_starred(to_star, not marks.starred.get(to_star[0], False))
        starred_now = dict(store.conn.execute("SELECT id, starred FROM articles"))
    marks.read.update(dict.fromkeys(to_read, True))
    marks.read.update(dict.fromkeys(to_unread, False))
    marks.starred.update({i: bool(starred_now[i]) for i in to_star})


# ---- the loop -------------------------------------------------------------------------------


def interrupt_imports(
    tmp_path: Path,
    corpus: Corpus,
    *,
    sig: signal.Signals,
    times: int,
    seed: int,
    round_size: int,
    deep_every: int,
    lock_every: int = 4,
    to_group: bool = False,
    prefill: int = 0,
) -> Tally:
    """Import, interrupt with ``sig`` at a random moment, check everything, set some marks;
    ``times`` times. The database starts empty every ``round_size`` imports; folders a and b
    alternate; ``prefill`` files of a are imported (and some marked) first. Every
    ``lock_every``-th signal waits for the write lock first."""
    rng = random.Random(seed)
    span = corpus.full_import_seconds
    tally = Tally()
    started = time.perf_counter()
    db = tmp_path / "crash.db"
    marks = Marks()
    for attempt in range(times):
        if attempt % round_size == 0:
            remove_db(db)
            marks = Marks()
            if prefill:
                sources, _ = collect([str(corpus.a)])
                with Store(db) as store:
                    for start in range(0, prefill, 100):  # < 200 files: no parser process
                        import_sources(store, sources[start : min(start + 100, prefill)])
                set_marks(db, marks, rng, use_cli=False)
        folder = corpus.a if attempt % round_size % 2 == 0 else corpus.b
        origins: list[str] = []
        if db.exists():
            with Store(db) as store:
                origins = sorted(
                    row[0] for row in store.conn.execute("SELECT origin FROM articles")
                )
        prefix = len(origins) if origins == corpus.order[folder][: len(origins)] else None
        process = run_import(db, folder)
        pid = process.pid
        if sig == signal.SIGINT:
            # Ctrl-C works once the command runs (during interpreter start-up Python itself
            # answers it): wait until the database is open, then a random moment.
            wait_until(
                lambda process=process: has_open(process.pid, db) or process.poll() is not None,
                30,
                "reader import opening the database",
                step=0.002,
            )
        if lock_every and attempt % lock_every == lock_every - 1:
            wait_until(
                lambda process=process: write_lock_held(db) or process.poll() is not None,
                10 * span,
                "the import taking the write lock",
                step=0.002,
            )
            time.sleep(rng.uniform(0, 0.15 * span))
        else:
            time.sleep(rng.uniform(0, 1.1 * span))
        held = write_lock_held(db)
        if process.poll() is None:
            if to_group:
                os.killpg(pid, sig)
            else:
                os.kill(pid, sig)
            tally.in_transaction += held
        else:
            tally.finished_first += 1
        try:
            process.wait(timeout=60)
            # A killed import's parser process lives on (and keeps the output pipes open):
            # count it and end it here; a separate test asks that it goes away by itself.
            gone = wait_group_gone(pid, 0.1 if sig == signal.SIGKILL else 10)
        finally:
            kill_group(pid)
        _, err = process.communicate(timeout=60)
        if sig == signal.SIGKILL:
            tally.orphans += not gone
            assert process.returncode in (-signal.SIGKILL, 0), err
        else:
            assert gone, "processes left after Ctrl-C"
            # 130, or killed by SIGINT itself (a signal that lands as the interpreter exits,
            # when Python's handler is gone): a shell shows both as 130. 0: it had finished.
            assert process.returncode in (130, -signal.SIGINT, 0), (process.returncode, err)
            lines = err.strip().splitlines()
            if process.returncode == 130:
                # One line, nothing more (no "Exception ignored ..." traceback at exit).
                assert len(lines) == 1 and "interrupted" in lines[0], err
            else:
                assert not lines, err
        tally.outcomes[str(process.returncode)] += 1
        deep = attempt % deep_every == deep_every - 1 or attempt == times - 1
        check_database(db, corpus, marks, tally, folder=folder, prefix_before=prefix, deep=deep)
        tally.kills += 1
        set_marks(db, marks, rng, use_cli=attempt % 5 == 4)
    tally.seconds = time.perf_counter() - started
    return tally


def test_sigkill_at_random_moments_loses_nothing(tmp_path, corpus, capsys):
    tally = interrupt_imports(
        tmp_path, corpus, sig=signal.SIGKILL, times=20, seed=6, round_size=5, deep_every=5
    )
    with capsys.disabled():
        print(f"\n{tally.line('SIGKILL')} (one full import: {corpus.full_import_seconds:.2f} s)")
    assert tally.kills == 20
    assert tally.in_transaction >= 3, "too few kills landed inside a write transaction"


def test_ctrl_c_exits_130_and_loses_nothing(tmp_path, corpus, capsys):
    tally = interrupt_imports(
        tmp_path,
        corpus,
        sig=signal.SIGINT,
        times=3,
        seed=130,
        round_size=3,
        deep_every=1,
        prefill=1000,
        lock_every=3,
        to_group=True,  # Ctrl-C in a terminal signals the whole foreground process group
    )
    with capsys.disabled():
        print(f"\n{tally.line('Ctrl-C')}; exit codes {dict(tally.outcomes)}")
    assert tally.kills == 3
    assert tally.outcomes["130"] + tally.outcomes[str(-signal.SIGINT)] >= 1


def test_killed_import_leaves_no_parser_process_behind(tmp_path, corpus):
    """SIGKILL of ``reader import`` (OOM killer, ``kill -9``) must not leave its parser
    process running: nothing would ever end it."""
    db = tmp_path / "orphan.db"
    process = run_import(db, corpus.a)
    try:
        # The first batch is being saved (the write lock, with the parser process running):
        # the parser is sending the next files' articles.
        def saving() -> bool:
            assert process.poll() is None, "the import ended before it could be killed"
            return bool(children(process.pid)) and write_lock_held(db)

        wait_until(saving, 10 * corpus.full_import_seconds, "the first batch saved", 0.002)
        parsers = children(process.pid)
        process.kill()
        process.wait(timeout=30)
        left = not wait_group_gone(process.pid, 3)
        survivors = subprocess.run(
            ["ps", "-o", "pid=,ppid=,stat=,wchan:24=", "-g", str(process.pid)],
            capture_output=True,
            text=True,
        ).stdout.strip()
    finally:
        kill_group(process.pid)
    assert not left, (
        f"parser process {parsers} outlived the killed import {process.pid} (pid ppid stat"
        f" wchan: {survivors})"
    )


FORK_PROBE = """
import os, signal, sys
from pathlib import Path
from reader.importer import collect, import_sources
from reader.store import Store

out = Path(sys.argv[2])
def probe():  # runs in the forked parser process, before any code of ours
    blocked = signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, [])
    out.write_text("blocked" if blocked else "open")
os.register_at_fork(after_in_child=probe)
sources, _ = collect([Path(sys.argv[1])])
with Store(Path(sys.argv[3])) as store:
    import_sources(store, sources)
print(len(sources), signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, []))
"""


def test_the_parser_process_is_forked_deaf_to_ctrl_c(tmp_path, sample_bytes):
    """A Ctrl-C to the process group that lands while the parser process starts (Python's
    after-fork code, before it ignores SIGINT) printed a traceback from it (seen in CI):
    it is forked with SIGINT blocked, and the writer's mask is put back after."""
    folder = tmp_path / "files"
    folder.mkdir()
    text = sample_bytes.decode()
    for n in range(210):  # enough for a parser process
        (folder / f"{n:03}.txt").write_text(text.replace("Kremlin", f"Kremlin {n}", 1))
    seen = tmp_path / "seen"
    result = subprocess.run(
        [sys.executable, "-c", FORK_PROBE, str(folder), str(seen), str(tmp_path / "x.db")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["210", "False"]  # every file; the writer hears Ctrl-C
    assert seen.read_text() == "blocked"
