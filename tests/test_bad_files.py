"""Bad database files: each gives one clear line, exit code 1, and leaves the file alone."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from reader.cli import cli
from reader.schema import LATEST_VERSION
from tests.conftest import SAMPLE, WIDE, header, notices


def reader(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def one_error_line(result) -> str:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("reader: ")
    return lines[0]


@pytest.fixture
def mount(tmp_path):
    """A small tmpfs of our own (root only), unmounted afterwards."""
    mounted: list[Path] = []

    def make(size: str = "8m") -> Path:
        point = tmp_path / f"mnt{len(mounted)}"
        point.mkdir()
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)], capture_output=True
        )
        if done.returncode != 0:
            pytest.skip("cannot mount a tmpfs here (needs root)")
        mounted.append(point)
        return point

    yield make
    for point in mounted:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def remount_readonly(point: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(point)], check=True)


def test_read_only_database_reads_but_refuses_marks(mount, demo_db):
    point = mount()
    db = point / "articles.db"
    shutil.copyfile(demo_db, db)
    remount_readonly(point)
    before = db.read_bytes()
    listed = reader("list", "--db", str(db), "--json")
    assert listed.exit_code == 0 and "headline" in listed.stdout
    assert reader("search", "--db", str(db), "port").exit_code == 0
    line = one_error_line(reader("mark-read", "--db", str(db), "1"))
    assert "read-only" in line
    assert "read-only" in one_error_line(reader("import", "--db", str(db), str(SAMPLE)))
    assert db.read_bytes() == before


async def test_the_app_opens_a_read_only_database_and_says_marks_cannot_be_saved(mount, demo_db):
    from widgets.app import make_app

    point = mount()
    db = point / "articles.db"
    shutil.copyfile(demo_db, db)
    remount_readonly(point)
    before = db.read_bytes()
    app = make_app(db, watch=False)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await pilot.pause()
        assert "read-only: marks cannot be saved" in header(app)
        await pilot.press("enter", "m", "s", "A")
        await app.workers.wait_for_complete()
        await pilot.pause()
        titles = [notice.partition("\n")[0] for notice in notices(app)]
        assert "Not saved" in titles, notices(app)
        assert app.is_running
    assert db.read_bytes() == before


def test_truncated_file(demo_db):
    data = demo_db.read_bytes()
    demo_db.write_bytes(data[: len(data) // 3])
    before = demo_db.read_bytes()
    line = one_error_line(reader("list", "--db", str(demo_db)))
    assert "malformed" in line or "not a database" in line
    assert demo_db.read_bytes() == before


def test_corrupted_pages_are_found_by_doctor(demo_db):
    data = bytearray(demo_db.read_bytes())
    page = 4096
    for number in range(3, len(data) // page, 2):  # scribble over every other page
        # Cells fill a page from its end: scribble there, where the rows are.
        end = (number + 1) * page
        data[end - 400 : end - 100] = b"\xff" * 300
    demo_db.write_bytes(bytes(data))
    before = demo_db.read_bytes()
    result = reader("doctor", "--db", str(demo_db))
    assert result.exit_code == 1
    assert "PROBLEM" in result.stdout or result.stderr.startswith("reader: ")
    assert demo_db.read_bytes() == before


@pytest.mark.parametrize("kind", ["text", "other-app", "newer"])
def test_foreign_files(tmp_path, kind):
    db = tmp_path / "x.db"
    if kind == "text":
        db.write_text("hello, this is not a database\n" * 50)
    else:
        conn = sqlite3.connect(db)
        conn.execute("CREATE TABLE t (x)")
        if kind == "newer":
            from reader.schema import APPLICATION_ID

            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 5}")
        conn.commit()
        conn.close()
    before = db.read_bytes()
    line = one_error_line(reader("list", "--db", str(db)))
    assert ("not a reader database" in line) or ("newer reader" in line)
    assert db.read_bytes() == before


def test_full_disk_during_import(mount, tmp_path):
    point = mount("1m")
    db = point / "articles.db"
    folder = tmp_path / "big"
    folder.mkdir()
    word = "lorem ipsum dolor sit amet " * 40
    for i in range(400):
        (folder / f"{i:04d}.txt").write_text(f"Big story {i}\n\n{word}{i}\n\n{word}\n\n#Tag{i}\n")
    result = reader("import", "--db", str(db), str(folder))
    assert result.exit_code == 1
    line = one_error_line(result)
    assert "full" in line
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
    doctor = reader("doctor", "--db", str(db))
    assert doctor.exit_code == 0, doctor.output


def test_doctor_finds_and_fixes_derived_data(demo_db):
    assert reader("doctor", "--db", str(demo_db)).exit_code == 0
    conn = sqlite3.connect(demo_db)
    conn.execute("UPDATE counters SET value = value + 3 WHERE name = 'unread'")
    conn.execute("DELETE FROM articles_fts_docsize WHERE id = (SELECT min(id) FROM articles)")
    conn.commit()
    conn.close()
    broken = reader("doctor", "--db", str(demo_db))
    assert broken.exit_code == 1
    assert "PROBLEM  counters" in broken.stdout and "PROBLEM  search index" in broken.stdout
    fixed = reader("doctor", "--db", str(demo_db), "--fix")
    assert fixed.exit_code == 0 and "PROBLEM" not in fixed.stdout


@pytest.mark.parametrize(
    "damage",
    [
        "UPDATE counters SET value = value - 2 WHERE name = 'quotes'",
        "UPDATE speakers SET quote_count = quote_count + 1"
        " WHERE name = (SELECT min(name) FROM speakers)",
        "DELETE FROM speakers WHERE name = (SELECT max(name) FROM speakers)",
    ],
)
def test_doctor_finds_and_fixes_the_quote_counts(demo_db, damage):
    _write(demo_db, damage)
    broken = reader("doctor", "--db", str(demo_db))
    assert broken.exit_code == 1 and "PROBLEM  counters" in broken.stdout
    fixed = reader("doctor", "--db", str(demo_db), "--fix")
    assert fixed.exit_code == 0 and "PROBLEM" not in fixed.stdout
    assert reader("doctor", "--db", str(demo_db)).exit_code == 0


def test_full_disk_during_export_keeps_the_old_file(mount, demo_db):
    point = mount("128k")  # room for the old file, not for the new export (~140 kB)
    out = point / "backup.jsonl"
    old = "an older backup\n" * 4000
    out.write_text(old)
    line = one_error_line(reader("export", "--db", str(demo_db), "-o", str(out)))
    assert line == (
        f"reader: {out}: cannot write: No space left on device; the old file was left as it was"
    )
    assert out.read_text() == old
    assert [p.name for p in point.iterdir()] == ["backup.jsonl"]  # no temporary file


def _rewrite_index(db: Path, name: str, sql: str) -> None:
    """Change an index's definition in place, as if another program had written it."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("UPDATE sqlite_master SET sql = ? WHERE name = ?", (sql, name))
    conn.execute("PRAGMA writable_schema = OFF")
    conn.close()


def _write(db: Path, sql: str) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute(sql)
    conn.close()


def test_doctor_fix_rebuilds_an_index_out_of_step_with_its_table(demo_db):
    # Marks written while the unread index was switched off leave it holding read articles:
    # what a crash without a journal or another program's write does to an index.
    unread = "CREATE INDEX articles_unread ON articles (sort_key DESC, id DESC) WHERE read = 0"
    _rewrite_index(demo_db, "articles_unread", unread + " AND 0")
    _write(demo_db, "UPDATE articles SET read = 1 WHERE id % 3 = 0")
    _rewrite_index(demo_db, "articles_unread", unread)
    broken = reader("doctor", "--db", str(demo_db))
    assert broken.exit_code == 1
    assert "PROBLEM  integrity         wrong # of entries in index articles_unread" in (
        broken.stdout
    )
    assert "reader doctor --fix" in broken.stderr
    fixed = reader("doctor", "--db", str(demo_db), "--fix")
    assert fixed.exit_code == 0, fixed.output
    assert "PROBLEM" not in fixed.stdout and fixed.stderr == ""
    conn = sqlite3.connect(demo_db)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    want = conn.execute("SELECT count(*) FROM articles WHERE read = 0").fetchone()[0]
    conn.close()
    listed = reader("list", "--db", str(demo_db), "--unread", "--json", "-n", "1000")
    assert len(json.loads(listed.stdout)) == want


def _duplicate_in_a_unique_index(db: Path) -> None:
    unique = "CREATE UNIQUE INDEX article_tags_by_article ON article_tags (article_id, tag_id)"
    _rewrite_index(db, "article_tags_by_article", unique.replace("UNIQUE ", ""))
    _write(
        db,
        "INSERT INTO article_tags SELECT tag_id, '0' || sort_key, article_id, position, read"
        " FROM article_tags LIMIT 1",
    )
    _rewrite_index(db, "article_tags_by_article", unique)


def _scribble_over_pages(db: Path) -> None:
    data = bytearray(db.read_bytes())
    page = int.from_bytes(data[16:18], "big") or 65536  # the header's page size (1: 64 KiB)
    page = 65536 if page == 1 else page
    # The second half of the file: articles' pages. The schema's own pages come first (the
    # migrations write them before any article); damage there is a file SQLite cannot open.
    for number in range(len(data) // page // 2, len(data) // page, 2):
        # Cells fill a page from its end: scribble there, where the rows are.
        end = (number + 1) * page
        data[end - 400 : end - 100] = b"\xff" * 300
    db.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [_duplicate_in_a_unique_index, _scribble_over_pages])
def test_doctor_fix_on_a_damaged_file_says_how_to_save_the_articles(demo_db, damage):
    damage(demo_db)
    result = reader("doctor", "--db", str(demo_db), "--fix")
    assert result.exit_code == 1
    assert "PROBLEM  integrity" in result.stdout
    [line] = result.stderr.strip().splitlines()
    assert "the database file itself is damaged" in line
    assert f"reader --db {demo_db} export -o backup.jsonl" in line
    assert "reader --db new.db import backup.jsonl" in line
    assert "--fix" not in line  # running it again would change nothing
