"""Input that once did damage: an export over a file, a lone surrogate, an empty tag."""

from __future__ import annotations

import codecs
import errno
import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.cli import cli
from reader.parse import ParseError, parse_bytes
from tests.conftest import load_synth, wait_until

READER = Path(sys.executable).parent / "reader"
OLD = "an older backup, kept until a new one is whole\n" * 100


def reader(*args: str, input: bytes | str | None = None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def one_error_line(result, code: int = 1) -> str:
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("reader: ")
    return lines[0]


def leftovers(folder: Path, *keep: Path) -> list[str]:
    """Files in ``folder`` other than ``keep``: temporary files an export left behind."""
    return sorted(p.name for p in folder.iterdir() if p not in keep)


# ---- export -o FILE: the old FILE stays whole until the new one is --------------------


@pytest.fixture(scope="module")
def big_db(tmp_path_factory) -> Path:
    """5,000 synthetic articles: an export long enough (~17 MB) to interrupt in the middle."""
    return load_synth().build_db(
        tmp_path_factory.mktemp("big") / "big.db", 5000, tags=200, workers=1
    )


def test_ctrl_c_mid_export_leaves_the_old_file_whole(big_db, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "backup.jsonl"
    out.write_text(OLD)
    process = subprocess.Popen(
        [READER, "--db", big_db, "export", "-o", out], stderr=subprocess.PIPE, text=True
    )

    # Interrupt once the new export has begun to reach the disk, whatever its name.
    def writing() -> bool:
        assert process.poll() is None, "the export ended before it could be interrupted"
        return any(p.stat().st_size > 0 for p in folder.iterdir() if p != out)

    wait_until(writing, 30, "the new export on the disk", step=0.001)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert stderr == "reader: interrupted\n"
    assert out.read_text() == OLD
    assert leftovers(folder, out) == []


@pytest.mark.parametrize(
    "failure",
    [KeyboardInterrupt(), OSError(errno.ENOSPC, "No space left on device")],
    ids=["ctrl-c", "full-disk"],
)
def test_a_failed_export_keeps_the_old_file_and_leaves_nothing(
    demo_db, tmp_path, monkeypatch, failure
):
    from reader import jsonl

    out = tmp_path / "backup.jsonl"
    out.write_text(OLD)
    dumps, written = jsonl.dumps, []

    def dumps_then_fail(stored):
        if len(written) == 5:
            raise failure
        written.append(stored.id)
        return dumps(stored)

    monkeypatch.setattr(jsonl, "dumps", dumps_then_fail)
    result = reader("export", "--db", str(demo_db), "-o", str(out))
    if isinstance(failure, KeyboardInterrupt):
        assert result.exit_code == 130 and result.stderr == "reader: interrupted\n"
    else:
        line = one_error_line(result)
        assert line == (
            f"reader: {out}: cannot write: No space left on device; the old file was left as it was"
        )
    assert out.read_text() == OLD
    assert leftovers(tmp_path, out, demo_db) == []


@pytest.mark.parametrize("kind", ["folder", "FIFO", "device"])
def test_export_refuses_a_folder_a_fifo_or_a_device(demo_db, tmp_path, kind):
    target = tmp_path / "target"
    if kind == "folder":
        target.mkdir()
    elif kind == "FIFO":
        os.mkfifo(target)
    else:
        try:  # our own /dev/null: the real one, replaced by a file, breaks the machine
            os.mknod(target, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        except PermissionError:
            pytest.skip("cannot make a device node here (needs root)")
    before = target.lstat()
    line = one_error_line(reader("export", "--db", str(demo_db), "-o", str(target)))
    assert line.startswith(f"reader: {target}: is a {kind}")
    after = target.lstat()
    assert (after.st_mode, after.st_ino, after.st_rdev) == (
        before.st_mode,
        before.st_ino,
        before.st_rdev,
    )
    assert leftovers(tmp_path, target, demo_db) == []
    if kind == "folder":
        assert list(target.iterdir()) == []


def test_export_refuses_to_replace_the_database(demo_db):
    before = demo_db.read_bytes()
    line = one_error_line(reader("export", "--db", str(demo_db), "-o", str(demo_db)))
    assert line == f"reader: {demo_db}: is the database itself"
    assert demo_db.read_bytes() == before


def test_export_into_a_missing_folder_is_one_line(demo_db, tmp_path):
    missing = tmp_path / "missing" / "x.jsonl"
    line = one_error_line(reader("export", "--db", str(demo_db), "-o", str(missing)))
    assert line == f"reader: {missing}: no such folder: {os.path.realpath(missing.parent)}"


def test_export_keeps_a_link_and_the_old_file_mode(demo_db, tmp_path):
    expected = reader("export", "--db", str(demo_db)).stdout
    real = tmp_path / "real.jsonl"
    real.write_text(OLD)
    real.chmod(0o640)
    link = tmp_path / "link.jsonl"
    link.symlink_to(real.name)
    assert reader("export", "--db", str(demo_db), "-o", str(link)).exit_code == 0
    assert link.is_symlink() and real.read_text(encoding="utf-8") == expected
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    umask = os.umask(0o027)
    try:
        fresh = tmp_path / "fresh.jsonl"
        assert reader("export", "--db", str(demo_db), "-o", str(fresh)).exit_code == 0
    finally:
        os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o640  # as open() makes it, not 0600
    assert leftovers(tmp_path, real, link, fresh, demo_db) == []


# ---- a lone surrogate in a JSON Lines record fails that record alone -------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("headline", "Half \\ud83d a face"),
        ("lede", "A lede \\udc00"),
        ("source", "\\ud800AA"),
        ("origin", "feed\\udfff.txt"),
        ("captions", ["fine", "\\udbff"]),
        ("tags", ["Ok", "Tag \\ud83d"]),
        ("warnings", ["\\udc80"]),
        ("body", [{"kind": "paragraph", "text": "Body \\ud83d."}]),
    ],
)
def test_a_lone_surrogate_fails_its_record_alone(tmp_path, field, value):
    bad = {"headline": "Bad one", field: value}
    text = json.dumps(bad, ensure_ascii=False).replace("\\\\u", "\\u")  # a JSON escape
    first = tmp_path / "a.jsonl"
    first.write_text(f'{{"headline": "Good one"}}\n{text}\n{{"headline": "Good two"}}\n')
    second = tmp_path / "b.jsonl"
    second.write_text('{"headline": "Other file"}\n')
    db = tmp_path / "x.db"
    result = reader("import", "--db", str(db), str(first), str(second))
    assert result.exit_code == 1, result.output
    assert result.stdout.strip() == "3 new, 0 updated, 0 unchanged, 1 failed"
    name = "text" if field == "body" else field
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"{first}:2: '{name}' holds \\u"), line
    assert line.endswith("half of a surrogate pair, which is not text")
    listed = json.loads(reader("list", "--db", str(db), "--json").stdout)
    assert sorted(r["headline"] for r in listed) == ["Good one", "Good two", "Other file"]


def test_a_surrogate_pair_escape_is_one_character_and_imports(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"headline": "Smile \\ud83d\\ude00", "tags": ["\\ud83d\\ude00"]}\n')
    db = tmp_path / "x.db"
    assert reader("import", "--db", str(db), str(path)).exit_code == 0
    [row] = json.loads(reader("list", "--db", str(db), "--json").stdout)
    assert row["headline"] == "Smile \U0001f600"


_SURROGATE_BYTES = st.sampled_from(
    [b"\xed\xa0\xbd", b"\xed\xb8\x80", b"\x3d\xd8", b"\xd8\x3d", b"\x00\xdc", b"\xdc\x00"]
)
_BOMS = st.sampled_from([b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE])


@settings(max_examples=300)
@given(_BOMS, st.lists(st.one_of(st.binary(max_size=12), _SURROGATE_BYTES), max_size=40))
def test_text_files_never_give_a_lone_surrogate(bom, pieces):
    """Text files are decoded from bytes (UTF-8 and UTF-16 strictly, else cp1252), so no
    byte sequence, not even an encoded surrogate, can give a str that UTF-8 cannot hold."""
    try:
        a = parse_bytes(bom + b"Headline\n\n" + b"".join(pieces))
    except ParseError:
        return
    texts = [a.headline, a.source or "", a.lede, *a.captions, *a.tags, *a.warnings]
    texts += [b.text for b in a.body] + [q.text for q in a.quotes]
    for text in texts:
        text.encode("utf-8")  # raises on a lone surrogate


# ---- --tag "" and --tag "#" are usage errors ------------------------------------------


@pytest.mark.parametrize("tag", ["", "#", "  ", " # ", "##", "\t"])
@pytest.mark.parametrize(
    "command",
    [["list"], ["search", "port"], ["quotes"], ["mark-read", "--all"]],
    ids=["list", "search", "quotes", "mark-read"],
)
def test_an_empty_tag_is_a_usage_error(demo_db, command, tag):
    result = reader(command[0], "--db", str(demo_db), *command[1:], "--tag", tag)
    assert result.exit_code == 2, result.output
    assert "is not a tag name" in result.stderr


def test_mark_read_all_with_an_empty_tag_marks_nothing(demo_db):
    def unread() -> int:
        with sqlite3.connect(demo_db) as conn:
            return conn.execute("SELECT count(*) FROM articles WHERE read = 0").fetchone()[0]

    before = unread()
    assert before > 0
    for tag in ("", "#"):
        assert reader("mark-read", "--db", str(demo_db), "--all", "--tag", tag).exit_code == 2
    assert unread() == before


def test_a_tag_with_its_hash_and_spaces_still_filters(demo_db):
    plain = reader("list", "--db", str(demo_db), "--json", "--tag", "valdora").stdout
    spelled = reader("list", "--db", str(demo_db), "--json", "--tag", " #Valdora ").stdout
    assert json.loads(plain) and plain == spelled


def test_import_refuses_the_database_and_the_files_beside_it(demo_db, tmp_path):
    # `reader import *` in the database's folder: reading them with open() would drop the
    # importer's locks on them (issue 9), so they are refused before anything is read.
    import subprocess
    import sys

    reader = Path(sys.executable).parent / "reader"
    article = tmp_path / "one.txt"
    article.write_text("A headline\n\n22/05/2025 10:00\nAA\n\nLede.\n")
    from reader.store import Store

    with Store(demo_db):  # open, as the reading screen would be: the -wal and -shm exist
        names = [str(demo_db), f"{demo_db}-wal", f"{demo_db}-shm"]
        assert all(Path(n).exists() for n in names)
        done = subprocess.run(
            [reader, "--db", str(demo_db), "import", *names, str(article)],
            capture_output=True,
            text=True,
        )
    assert done.returncode == 1
    assert "1 new" in done.stdout
    for name in names:
        assert f"{name}: is the database being imported into" in done.stderr
