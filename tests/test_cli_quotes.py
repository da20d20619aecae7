"""`reader quotes` through click's CliRunner, on the samples imported into a tmp database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from reader.cli import cli
from reader.filters import Filter
from reader.store import Store
from tests.conftest import SAMPLES

PESKOV = "Dmitry Peskov"


@pytest.fixture
def run(db_path: Path):
    def invoke(*args: str):
        return CliRunner().invoke(cli, [args[0], "--db", str(db_path), *args[1:]])

    result = invoke("import", str(SAMPLES))
    assert result.exit_code == 0, result.output
    return invoke


@pytest.fixture
def every_quote(run, db_path: Path):
    with Store(db_path) as store:
        return store.quotes(Filter(), limit=10_000)


def test_text_lines_newest_first(run, every_quote):
    result = run("quotes", "--limit", "1000")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == len(every_quote)
    for line, row in zip(lines, every_quote, strict=True):
        assert (row.speaker or "(unattributed)") in line
        assert f"“{row.text[:20]}" in line
        assert f"— {row.headline[:20]}" in line
    dates = [line[:16] for line in lines if not line.startswith("-")]
    assert dates == sorted(dates, reverse=True)


def test_not_a_terminal_gets_every_quote(run, every_quote):
    assert len(every_quote) > 50
    assert len(run("quotes").stdout.splitlines()) == len(every_quote)
    assert len(run("quotes", "-n", "3").stdout.splitlines()) == 3


def test_speaker_line_format_and_truncation(run):
    result = run("quotes", "--speaker", PESKOV)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 4
    assert lines[0] == (
        f"2025-05-22 15:46  {PESKOV}  “This is a rather labor-intensive issue,”"
        "  — Kremlin says all parties interested in conducting…"
    )
    # A long quote is cut on a word, with an ellipsis inside the marks.
    assert lines[1].startswith(f"2025-05-22 15:46  {PESKOV}  “Since we are talking about")
    assert "…”  — " in lines[1]
    assert all(len(line) < 200 for line in lines)


def test_json(run, every_quote):
    result = run("quotes", "--json", "--speaker", PESKOV)
    records = json.loads(result.stdout)
    assert len(records) == 4
    assert set(records[0]) == {
        "article_id",
        "headline",
        "published",
        "text",
        "speaker",
        "part",
        "block",
    }
    peskov = [row for row in every_quote if row.speaker == PESKOV]
    assert [(r["article_id"], r["text"]) for r in records] == [
        (row.article_id, row.text) for row in peskov
    ]
    assert records[0]["published"] == "2025-05-22T15:46" and records[0]["part"] == "body"
    everyone = json.loads(run("quotes", "--json", "-n", "1000").stdout)
    assert [r["text"] for r in everyone] == [row.text for row in every_quote]
    assert any(r["speaker"] is None for r in everyone)


def test_tag_and_unread_narrow_the_quotes(run, db_path):
    with Store(db_path) as store:
        tagged = store.quotes(Filter(tags=("Harbour Strike",)), limit=1000)
    assert tagged
    records = json.loads(run("quotes", "--json", "--tag", "#harbour strike", "-n", "1000").stdout)
    assert [(r["article_id"], r["text"]) for r in records] == [
        (row.article_id, row.text) for row in tagged
    ]
    peskov = json.loads(run("quotes", "--json", "--speaker", PESKOV).stdout)
    assert len(peskov) == 4 and len({r["article_id"] for r in peskov}) == 1
    assert run("mark-read", str(peskov[0]["article_id"])).exit_code == 0
    result = run("quotes", "--speaker", PESKOV, "--unread")
    assert result.exit_code == 0 and result.stdout == ""  # known speaker, none unread


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("peskof", f"no quotes by peskof; did you mean: {PESKOV}?"),
        ("ostrant", "no quotes by ostrant; did you mean: Mirela Ostrand?"),
        ("Dmitry Peskov Jr", f"no quotes by Dmitry Peskov Jr; did you mean: {PESKOV}?"),
        ("Nobody At All", "no quotes by Nobody At All"),
    ],
)
def test_an_unknown_speaker_suggests_close_names(run, name, message):
    result = run("quotes", "--speaker", name)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.strip() == f"reader: {message}"


def test_speaker_is_plain_text_in_sql(run):
    result = run("quotes", "--speaker", "x' OR 1=1 --")
    assert result.exit_code == 1
    assert result.stderr.startswith("reader: no quotes by x' OR 1=1 --")


def test_an_empty_database_prints_nothing(tmp_path):
    result = CliRunner().invoke(cli, ["quotes", "--db", str(tmp_path / "empty.db")])
    assert result.exit_code == 0 and result.stdout == ""
