"""Every command and exit code through click's CliRunner, on databases in tmp folders."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from reader.cli import cli
from tests.conftest import SAMPLE, SAMPLES, back_to_schema_4


@pytest.fixture
def run(db_path):
    def invoke(*args: str, input: bytes | str | None = None, db: Path | None = db_path):
        runner = CliRunner()
        full = [args[0], "--db", str(db), *args[1:]] if db is not None and args else list(args)
        return runner.invoke(cli, full, input=input, catch_exceptions=False)

    return invoke


@pytest.fixture
def imported(run):
    result = run("import", str(SAMPLES))
    assert result.exit_code == 0, result.output
    return result


def test_import_summary_and_reimport(run, imported):
    count = len(list(SAMPLES.glob("*.txt")))
    assert imported.stdout.strip() == f"{count} new, 0 updated, 0 unchanged, 0 failed"
    again = run("import", str(SAMPLES))
    assert again.stdout.strip() == f"0 new, 0 updated, {count} unchanged, 0 failed"


def test_import_updates_an_edited_file_and_keeps_its_read_mark(run, tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(SAMPLE.read_bytes())
    run("import", str(path))
    assert run("mark-read", "1").exit_code == 0
    path.write_bytes(SAMPLE.read_bytes().replace(b"Last week", b"Only last week"))
    result = run("import", str(path))
    assert result.stdout.strip() == "0 new, 1 updated, 0 unchanged, 0 failed"
    shown = json.loads(run("list", "--json").stdout)
    assert shown[0]["read"] is True


def test_one_bad_file_does_not_stop_the_others(run, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "good.txt").write_bytes(SAMPLE.read_bytes())
    (tmp_path / "in" / "binary.txt").write_bytes(b"\x00\x01\x02")
    (tmp_path / "in" / "empty.txt").write_bytes(b"   \n")
    (tmp_path / "in" / "ignored.md").write_text("not imported")
    result = run("import", str(tmp_path / "in"), str(tmp_path / "missing.txt"))
    assert result.exit_code == 1
    assert result.stdout.strip() == "1 new, 0 updated, 0 unchanged, 3 failed"
    errors = result.stderr.strip().splitlines()
    assert f"{tmp_path / 'in' / 'binary.txt'}: binary file (contains NUL bytes)" in errors
    assert f"{tmp_path / 'in' / 'empty.txt'}: empty file: no headline" in errors
    assert f"{tmp_path / 'missing.txt'}: no such file or directory" in errors


def test_import_from_stdin_text_and_jsonl(run):
    result = run("import", "-", input=SAMPLE.read_bytes())
    assert result.stdout.strip() == "1 new, 0 updated, 0 unchanged, 0 failed"
    exported = run("export").stdout
    edited = exported.replace("Istanbul talks", "talks in Istanbul")
    result = run("import", "-", input=edited.encode())
    assert result.stdout.strip() == "0 new, 1 updated, 0 unchanged, 0 failed"


def test_verbose_lists_warnings(run, tmp_path):
    path = tmp_path / "w.txt"
    path.write_text("H\n\n15:4622/05/2025, Monday\nAA\n\nLede\n")
    result = run("import", "-v", str(path))
    assert f"{path}: warning: weekday-mismatch" in result.stderr


def test_bad_jsonl_lines_fail_one_by_one(run, tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text(
        '{"headline": "Fine"}\nnot json\n[1]\n{"headline": ""}\n\n'
        '{"headline": "T", "published": "soon"}\n'
    )
    result = run("import", str(path))
    assert result.exit_code == 1
    assert result.stdout.strip() == "1 new, 0 updated, 0 unchanged, 4 failed"
    assert f"{path}:2: not JSON" in result.stderr
    assert f"{path}:3: not a JSON object" in result.stderr
    assert f"{path}:6: 'published' is not an ISO 8601 date" in result.stderr


def test_export_round_trip(run, imported, tmp_path):
    run("mark-read", "3", "5")
    first = run("export").stdout
    out = tmp_path / "out.jsonl"
    assert run("export", "-o", str(out)).exit_code == 0
    assert out.read_text(encoding="utf-8") == first
    other = tmp_path / "other.db"
    assert run("import", str(out), db=other).exit_code == 0
    assert run("export", db=other).stdout == first


def test_export_fields(run):
    run("import", str(SAMPLE))
    record = json.loads(run("export").stdout.splitlines()[0])
    assert list(record) == [
        "id",
        "headline",
        "published",
        "source",
        "captions",
        "lede",
        "body",
        "tags",
        "quotes",
        "read",
        "starred",
        "warnings",
        "origin",
        "imported",
        "link",
        "feed",
        "guid",
    ]
    assert record["link"] is record["feed"] is record["guid"] is None  # a text file's
    assert record["published"] == "2025-05-22T15:46"
    assert record["body"][8] == {"kind": "subheading", "text": "Reaction on WSJ report"}
    q = record["quotes"][0]
    assert q["part"] == "headline" and q["block"] is None
    assert record["headline"][q["start"] : q["end"]] == "‘as soon as possible'"
    body_quote = record["quotes"][2]
    text = record["body"][body_quote["block"]]["text"]
    assert (
        text[body_quote["start"] : body_quote["end"]] == "“This is a rather labor-intensive issue,”"
    )
    assert body_quote["speaker"] == "Dmitry Peskov"
    assert record["origin"] == str(SAMPLE)


def test_list_tags_show_and_marks(run, imported):
    rows = json.loads(run("list", "--json", "--limit", "3").stdout)
    assert len(rows) == 3
    assert run("mark-read", str(rows[0]["id"])).stdout.strip() == "1 marked read"
    unread = json.loads(run("list", "--json", "--unread", "--limit", "500").stdout)
    assert rows[0]["id"] not in {r["id"] for r in unread}
    tags = json.loads(run("tags", "--json").stdout)
    assert all(set(t) == {"name", "articles", "unread"} for t in tags)
    first = tags[0]["name"]
    tagged = json.loads(run("list", "--json", "--tag", first, "--limit", "500").stdout)
    assert len(tagged) == tags[0]["articles"]
    assert "unread" in run("tags").stdout
    shown = run("show", str(rows[0]["id"])).stdout
    assert rows[0]["headline"][:30] in shown
    assert run("mark-unread", str(rows[0]["id"])).stdout.strip() == "1 marked unread"


def test_list_with_two_tags_is_their_intersection(run):
    run("import", str(SAMPLE))
    assert len(json.loads(run("list", "--json", "-t", "russia", "-t", "#KREMLIN").stdout)) == 1
    assert json.loads(run("list", "--json", "-t", "russia", "-t", "nothing").stdout) == []


def test_mark_read_all_with_tag(run, imported):
    tags = json.loads(run("tags", "--json").stdout)
    name, count = tags[0]["name"], tags[0]["articles"]
    assert run("mark-read", "--all", "--tag", name).stdout.strip() == f"{count} marked read"
    after = {t["name"]: t for t in json.loads(run("tags", "--json").stdout)}
    assert after[name]["unread"] == 0
    assert run("mark-read", "--all").exit_code == 0
    assert json.loads(run("list", "--json", "--unread").stdout) == []


@pytest.mark.parametrize(
    "args",
    [
        ["mark-read"],
        ["mark-read", "1", "--all"],
        ["mark-read", "1", "--tag", "x"],
        ["list", "--limit", "-1"],
        ["show", "abc"],
        ["import"],
        ["nonsense"],
    ],
)
def test_usage_errors_exit_2(run, args):
    assert run(*args).exit_code == 2


def test_missing_ids_exit_1(run, imported):
    result = run("mark-read", "1", "99999")
    assert result.exit_code == 1
    assert "no article with id 99999" in result.stderr
    assert run("show", "99999").exit_code == 1


def test_foreign_file_is_one_line_and_untouched(run, tmp_path):
    path = tmp_path / "foreign.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE x (y)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    result = run("list", db=path)
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "not a reader database" in result.stderr
    assert path.read_bytes() == before


def test_no_command_prints_newest_headlines(run, imported, db_path):
    result = CliRunner().invoke(cli, ["--db", str(db_path)])
    assert result.exit_code == 0
    assert "reader list --limit N" in result.stdout
    empty = CliRunner().invoke(cli, ["--db", str(db_path.parent / "empty.db")])
    assert "reader import" in empty.stdout


def test_db_location_order(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("READER_DB", raising=False)
    runner = CliRunner()
    runner.invoke(cli, ["import", str(SAMPLE)])
    assert (tmp_path / "xdg" / "reader" / "articles.db").exists()
    runner.invoke(cli, ["--db", "here.db", "import", str(SAMPLE)])
    (tmp_path / "articles.db").write_bytes((tmp_path / "here.db").read_bytes())
    (tmp_path / "here.db").unlink()
    assert "1 unchanged" in runner.invoke(cli, ["import", str(SAMPLE)]).stdout
    monkeypatch.setenv("READER_DB", str(tmp_path / "env.db"))
    assert "1 new" in runner.invoke(cli, ["import", str(SAMPLE)]).stdout
    assert (tmp_path / "env.db").exists()
    assert "1 new" in runner.invoke(cli, ["import", "--db", "flag.db", str(SAMPLE)]).stdout


def test_unexpected_errors_are_one_line_unless_debug(run, monkeypatch, imported, db_path):
    from reader.store import Store

    def boom(*a, **k):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(Store, "tags", boom)
    result = CliRunner().invoke(cli, ["tags", "--db", str(db_path)])
    assert result.exit_code == 1
    assert (
        result.stderr == "reader: unexpected error: RuntimeError: kaboom"
        " (run with --debug to see the traceback)\n"
    )
    debug = CliRunner().invoke(cli, ["--debug", "tags", "--db", str(db_path)])
    assert isinstance(debug.exception, RuntimeError)


def test_ctrl_c_during_import_exits_130_with_whole_batches(run, monkeypatch, tmp_path):
    import reader.importer as importer

    calls = {"n": 0}
    real = importer.read_source

    def interrupted(source, stdin=None):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        yield from real(source, stdin)

    monkeypatch.setattr(importer, "read_source", interrupted)
    result = run("import", str(SAMPLES))
    assert result.exit_code == 130
    assert "interrupted" in result.stderr
    monkeypatch.undo()
    assert json.loads(run("list", "--json").stdout) == []  # the open batch was rolled back


def test_search_command(run, imported):
    rows = json.loads(run("search", "kreml", "--json").stdout)
    assert [r["headline"][:7] for r in rows] == ["Kremlin"]
    result = run("search", "port", "--tag", "Harbour Strike", "--limit", "3")
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 3
    assert "more: reader search" in result.stderr  # rows left out are never silent
    assert run("search", "port", "--tag", "Harbour Strike").stderr.strip().endswith("found")
    assert run("search", "port", "--relevance", "--json").exit_code == 0
    bad = run("search", "--", "-kremlin")  # after --, a leading - is part of the query
    assert bad.exit_code == 2  # a usage error, in one line
    assert bad.stderr == "reader: nothing to search: add a word to look for: '-' only excludes\n"
    empty = run("search", "")
    assert empty.exit_code == 2
    assert empty.stderr == "reader: nothing to search: give a word to look for\n"
    assert run("search", 'NEAR( "').exit_code == 0


def test_quotes_store_api(imported, db_path):
    from reader.store import Store

    with Store(db_path) as store:
        rows = store.quotes(limit=10)
        assert len(rows) == 10
        following = store.quotes(after=rows[4].key, limit=5)
        assert [(r.article_id, r.seq) for r in following] == [
            (r.article_id, r.seq) for r in rows[5:]
        ]
        peskov = store.quotes(speaker="Dmitry Peskov")
        assert [q.text[:12] for q in peskov] == [
            "This is a ra",
            "Since we are",
            "We know what",
            "Every compan",
        ]
        assert store.count_quotes(speaker="Dmitry Peskov") == 4
        assert ("Dmitry Peskov", 4) in store.speakers()
        assert store.count_quotes() == sum(1 for _ in store.quotes(limit=10_000))


def test_many_files_are_parsed_in_a_second_process_with_the_same_result(run, tmp_path):
    from reader import importer

    folder = tmp_path / "many"
    folder.mkdir()
    count = 2 * importer.PARALLEL_CHUNK + 17
    for i in range(count):
        text = f"Story {i}\n\n10:{i % 60:02d}0{1 + i % 9}/03/2025\nAA\n\nLede {i}.\n\n#Tag{i % 7}\n"
        (folder / f"{i:04d}.txt").write_text(text)
    (folder / "broken.txt").write_bytes(b"\x00binary")
    result = run("import", str(folder))
    assert result.stdout.strip() == f"{count} new, 0 updated, 0 unchanged, 1 failed"
    assert f"{folder / 'broken.txt'}: binary file (contains NUL bytes)" in result.stderr
    again = run("import", str(folder))
    assert again.stdout.strip() == f"0 new, 0 updated, {count} unchanged, 1 failed"
    tags = {t["name"]: t["articles"] for t in json.loads(run("tags", "--json").stdout)}
    assert sum(tags.values()) == count


def test_a_folder_too_large_to_sort_is_walked_as_it_is_imported(run, tmp_path, monkeypatch):
    """Past SORTED_LIMIT files a folder tree is not held in memory: it is counted, then
    walked again as it is imported; every file arrives once, from every subfolder."""
    from reader import importer

    monkeypatch.setattr(importer, "SORTED_LIMIT", 50)
    folder = tmp_path / "huge"
    names = []
    for i in range(2 * importer.PARALLEL_CHUNK + 40):
        sub = folder / f"part{i % 3}" / ("deeper" if i % 5 == 0 else "")
        sub.mkdir(parents=True, exist_ok=True)
        text = f"Story {i}\n\n10:{i % 60:02d}0{1 + i % 9}/03/2025\nAA\n\nLede {i}.\n"
        (sub / f"{i:04d}.txt").write_text(text)
        names.append(f"Story {i}")
    (folder / "notes.md").write_text("not an article")
    sources, problems = importer.collect([str(folder)])
    assert problems == [] and [type(s) for s in sources] == [importer.Folder]
    assert importer.count_sources(sources) == len(names)
    assert sorted(s.name for s in importer.each_source(sources)) == sorted(
        str(p) for p in folder.rglob("*.txt")
    )
    result = run("import", str(folder))
    assert result.stdout.strip() == f"{len(names)} new, 0 updated, 0 unchanged, 0 failed"
    listed = json.loads(run("list", "--json", "--limit", "1000").stdout)
    assert sorted(a["headline"] for a in listed) == sorted(names)


def test_an_upgrade_that_rebuilds_the_index_is_announced(run, imported, db_path):
    from reader.schema import LATEST_VERSION, MIGRATIONS, _statements

    with sqlite3.connect(db_path, isolation_level=None) as conn:  # back to schema 3
        back_to_schema_4(conn)
        for statement in _statements(MIGRATIONS[1]):
            conn.execute(statement)
        conn.execute("PRAGMA user_version = 3")
    conn.close()
    articles = len(list(SAMPLES.glob("*.txt")))
    result = run("list")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        f"reader: upgrading {db_path} from schema 3 to {LATEST_VERSION}"
        f" (the search index of {articles} articles is rebuilt; this happens once)..."
    ]
    assert run("list").stderr == ""  # once


def test_dates_at_the_ends_of_the_calendar_import_with_the_rest(run, tmp_path):
    """A year typed as 0999, or a moment past the last one in UTC, is one article's date,
    not an "unexpected error" that stops the whole import."""
    (tmp_path / "early.txt").write_text("Early\n\n10:3001/01/0999\nAA\n\nA lede.\n")
    (tmp_path / "late.jsonl").write_text(
        '{"headline": "Late", "published": "9999-12-31T23:30:00-05:00"}\n'
    )
    (tmp_path / "fine.txt").write_text("Fine\n\n10:3001/05/2025\nAA\n\nA lede.\n")
    result = run("import", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "3 new, 0 updated, 0 unchanged, 0 failed"
    listed = json.loads(run("list", "--json").stdout)
    assert [a["published"] for a in listed] == [
        "9999-12-31T23:30-05:00",  # seconds only when not zero
        "2025-05-01T10:30",
        "0999-01-01T10:30",
    ]


def test_paths_that_cannot_be_used_are_one_line_each_and_the_rest_imports(run, tmp_path):
    (tmp_path / "good.txt").write_text("Good\n\n10:3001/05/2025\nAA\n\nA lede.\n")
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "inner.txt").write_text("Inner\n\n10:3002/05/2025\nAA\n\nA lede.\n")
    (folder / "loop").symlink_to(folder)  # a link back up the tree: walked once
    long_name = "x" * 300 + ".txt"
    result = run("import", str(tmp_path / "good.txt"), long_name, str(folder), "/dev/zero")
    assert result.exit_code == 1
    assert result.stdout.strip() == "2 new, 0 updated, 0 unchanged, 2 failed"
    assert result.stderr.splitlines() == [
        f"{long_name}: cannot read: File name too long",
        "/dev/zero: too large (limit 64 MiB)",
    ]


def test_jsonl_ids_and_marks_out_of_range_are_one_line_each(run, tmp_path):
    path = tmp_path / "odd.jsonl"
    path.write_text(
        '{"id": 9223372036854775807, "headline": "Max id"}\n'
        '{"id": 1180591620717411303424, "headline": "Huge id"}\n'
        '{"headline": "Read as a word", "read": "false"}\n'
        '{"id": 7, "headline": "Fine", "read": true, "starred": null}\n'
    )
    result = run("import", str(path))
    assert result.exit_code == 1
    assert result.stdout.strip() == "1 new, 0 updated, 0 unchanged, 3 failed"
    assert result.stderr.splitlines() == [
        f"{path}:1: 'id' out of range (1 to 9,007,199,254,740,992)",
        f"{path}:2: 'id' out of range (1 to 9,007,199,254,740,992)",
        f"{path}:3: 'read' is not true or false",
    ]
    [fine] = json.loads(run("list", "--json").stdout)
    assert (fine["id"], fine["read"]) == (7, True)


def test_numbers_too_large_for_sqlite_are_usage_errors(run, imported):
    for args in (("list", "-n", "99999999999999999999"), ("show", "99999999999999999999")):
        result = run(*args)
        assert result.exit_code == 2, result.output
        assert "unexpected" not in result.output


def test_export_to_a_file_creates_it_even_when_empty(run, tmp_path):
    out = tmp_path / "backup.jsonl"
    out.write_text("an older backup\n")
    assert run("export", "-o", str(out)).exit_code == 0
    assert out.read_text() == ""  # replaced: the database is empty
    assert run("export", "-o", str(tmp_path / "missing" / "x.jsonl")).exit_code == 1


def test_standard_input_is_jsonl_only_when_its_first_line_is_an_object(run):
    bom = b'\xef\xbb\xbf{"headline": "From a BOM file"}\n'
    assert run("import", "-", input=bom).stdout.startswith("1 new")
    text = b"{Breaking} news\n\n10:3001/05/2025\nAA\n\nA lede.\n"
    assert run("import", "-", input=text).stdout.startswith("1 new")
    headlines = [a["headline"] for a in json.loads(run("list", "--json").stdout)]
    assert sorted(headlines) == ["From a BOM file", "{Breaking} news"]


def test_export_round_trip_keeps_undated_articles_in_their_place(run, tmp_path, monkeypatch):
    """An article without a date is ordered by when it was imported: the export carries
    that time, so the same export comes out of a fresh database."""
    import reader.store

    (tmp_path / "a.txt").write_text("Undated first\n\nNo dateline here.\n")
    (tmp_path / "c.jsonl").write_text('{"headline": "Dated", "published": "2025-06-01T00:00"}\n')
    (tmp_path / "b.txt").write_text("Undated last\n\nNo dateline either.\n")
    for name, moment in [
        ("a.txt", "2025-01-01T00:00:00"),
        ("c.jsonl", "2025-06-02T00:00:00"),
        ("b.txt", "2025-12-01T00:00:00"),
    ]:
        monkeypatch.setattr(reader.store, "_now", lambda moment=moment: moment)
        assert run("import", str(tmp_path / name)).exit_code == 0
    first = run("export").stdout
    assert [json.loads(line)["headline"] for line in first.splitlines()] == [
        "Undated last",
        "Dated",
        "Undated first",
    ]
    monkeypatch.setattr(reader.store, "_now", lambda: "2026-11-26T00:00:00")
    (tmp_path / "out.jsonl").write_text(first)
    fresh = tmp_path / "fresh.db"
    assert run("import", str(tmp_path / "out.jsonl"), db=fresh).exit_code == 0
    assert run("export", db=fresh).stdout == first


def test_debug_shows_the_traceback_of_a_database_error(tmp_path):
    from reader.schema import DatabaseError

    bad = tmp_path / "not.db"
    bad.write_text("not a database at all\n")
    quiet = CliRunner().invoke(cli, ["list", "--db", str(bad)])
    assert quiet.exit_code == 1 and quiet.stderr.startswith("reader: ")
    loud = CliRunner().invoke(cli, ["--debug", "list", "--db", str(bad)])
    assert isinstance(loud.exception, DatabaseError)


def test_an_empty_speaker_is_a_usage_error(run, imported):
    result = run("quotes", "--speaker", " ")
    assert result.exit_code == 2 and "give a name" in result.stderr
