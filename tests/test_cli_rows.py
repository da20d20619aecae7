"""`list`, `search` and `quotes` give every row to scripts and a screenful to a person;
`--starred`; `quotes --speaker` by any word of a name; `show --format`; `reader --demo`."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from reader import cli as cli_module
from reader.cli import cli
from reader.filters import Filter
from reader.store import Store
from tests.conftest import ROOT, SAMPLE, SAMPLES


@pytest.fixture
def run(db_path):
    def invoke(*args: str, db: Path | None = db_path):
        full = [args[0], "--db", str(db), *args[1:]] if db is not None else list(args)
        return CliRunner().invoke(cli, full, catch_exceptions=False)

    return invoke


@pytest.fixture
def imported(run, db_path):
    assert run("import", str(SAMPLES)).exit_code == 0
    with Store(db_path) as store:
        return store.page(Filter(), limit=10_000)


@pytest.fixture
def terminal(monkeypatch):
    """Standard output is a terminal of 10 lines: a screenful is 8 rows."""
    monkeypatch.setattr(cli_module, "_output_is_terminal", lambda: True)
    monkeypatch.setenv("LINES", "10")
    monkeypatch.setenv("COLUMNS", "200")


def ids(result) -> list[int]:
    return [int(line.split()[0]) for line in result.stdout.splitlines()]


# ---- every row for scripts, a screenful for a person -------------------------------------


@pytest.mark.parametrize("command", [["list"], ["search", "the"], ["quotes"]])
def test_not_a_terminal_gets_every_row_and_no_note(run, imported, db_path, command):
    with Store(db_path) as store:
        every = {
            "list": len(imported),
            "search": store.count(Filter(query="the")),
            "quotes": store.count_quotes(),
        }[command[0]]
    assert every > 8
    result = run(*command)
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == every
    assert "more" not in result.stderr
    assert len(json.loads(run(*command, "--json").stdout)) == every


def test_a_terminal_gets_a_screenful_and_how_many_more(run, imported, db_path, terminal):
    result = run("list")
    assert ids(result) == [row.id for row in imported[:8]]
    more = len(imported) - 8
    assert result.stderr == f"… {more} more: reader list --db {db_path} --limit 0, or pipe it\n"
    # --json is for scripts, even at a terminal; --limit 0 is every row.
    assert len(json.loads(run("list", "--json").stdout)) == len(imported)
    assert len(run("list", "--limit", "0").stdout.splitlines()) == len(imported)
    assert run("list", "--limit", "0").stderr == ""
    # A limit asked for holds in a pipe too: "pipe it" would not show more.
    assert run("list", "-n", "3").stderr.endswith(" --limit 0\n")


def test_the_note_repeats_the_view_so_it_can_be_run(run, imported, db_path, terminal):
    result = run("search", "port", "--tag", "harbour strike", "--unread")
    assert result.stderr.endswith(
        f"more: reader search --db {db_path} --tag 'harbour strike' --unread --limit 0"
        " -- port, or pipe it\n"
    )
    quotes = run("quotes", "--speaker", "peskov", "-n", "1")
    assert quotes.stderr == f"… 3 more: reader quotes --db {db_path} --speaker peskov --limit 0\n"


def test_an_explicit_limit_is_obeyed_and_says_what_was_left(run, imported, db_path):
    result = run("list", "--limit", "3")
    assert ids(result) == [row.id for row in imported[:3]]
    assert result.stderr == f"… {len(imported) - 3} more: reader list --db {db_path} --limit 0\n"
    assert len(json.loads(run("quotes", "--json", "-n", "2").stdout)) == 2
    assert run("list", "--limit", str(len(imported))).stderr == ""  # nothing left out


def test_a_counter_gives_the_number_and_no_count_is_run(run, imported, monkeypatch, terminal):
    def no_scan(*args, **kwargs):
        raise AssertionError("counted by a scan")

    monkeypatch.setattr(Store, "count", no_scan)
    monkeypatch.setattr(Store, "count_quotes", no_scan)
    tags = json.loads(run("tags", "--json").stdout)
    tag = tags[0]
    result = run("list", "--tag", tag["name"])
    assert result.stderr.startswith(f"… {tag['articles'] - 8} more: ")
    # Two tags: no counter answers; the rows after the screen are counted, up to a bound.
    assert run("list", "-t", "Port Ysel", "-t", "Harbour Strike", "-n", "2").stderr.startswith(
        "… 4 more: "
    )
    monkeypatch.setattr(cli_module, "LOOKAHEAD", 3)
    assert run("search", "the").stderr.startswith("… over 3 more: ")
    assert run("quotes").stderr.startswith("… over 3 more: ")


@pytest.mark.parametrize("relevance", [False, True])
def test_rows_are_read_page_by_page(run, imported, db_path, monkeypatch, relevance):
    """Never every row at once: each query asks for at most PAGE rows (keyset pages, or
    offsets in relevance order), and together they give every row once, in order."""
    with Store(db_path) as store:
        expected = store.page_at(Filter(query="the", relevance=relevance), 0, 10_000)
        every_quote = store.count_quotes()
    monkeypatch.setattr(cli_module, "PAGE", 5)
    calls: list[tuple[str, int]] = []
    for name in ("page", "page_at", "quotes"):
        original = getattr(Store, name)

        def spy(self, *args, _original=original, _name=name, **kwargs):
            rows = _original(self, *args, **kwargs)
            calls.append((_name, kwargs.get("limit", args[-1] if args else None)))
            return rows

        monkeypatch.setattr(Store, name, spy)
    extra = ["--relevance"] if relevance else []
    found = json.loads(run("search", "the", "--json", *extra).stdout)
    assert [r["id"] for r in found] == [row.id for row in expected]
    assert len(calls) >= len(expected) // 5
    assert all(limit <= 5 for _name, limit in calls)
    assert {name for name, _limit in calls} == {"page_at" if relevance else "page"}
    calls.clear()
    listed = run("list")
    assert ids(listed) == [row.id for row in imported]
    assert all(name == "page" and limit <= 5 for name, limit in calls)
    calls.clear()
    assert len(run("quotes").stdout.splitlines()) == every_quote
    assert all(name == "quotes" and limit <= 5 for name, limit in calls)


def test_limit_must_be_a_count(run, imported):
    for bad in ("-1", "x", str(2**63)):
        result = run("list", "--limit", bad)
        assert result.exit_code == 2 and "0 means no limit" in result.stderr


# ---- starred ------------------------------------------------------------------------------


def test_starred_lists_only_starred(run, imported, db_path):
    starred = [imported[2].id, imported[7].id]
    with Store(db_path) as store:
        store.set_starred(starred)
    listed = json.loads(run("list", "--starred", "--json").stdout)
    assert [r["id"] for r in listed] == starred and all(r["starred"] for r in listed)
    assert all("★" in line for line in run("list", "--starred").stdout.splitlines())
    tag = json.loads(run("tags", "--json").stdout)[0]["name"]
    both = json.loads(run("list", "--starred", "--unread", "--tag", tag, "--json").stdout)
    assert {r["id"] for r in both} <= set(starred)
    with Store(db_path) as store:
        peskov = [q for q in store.quotes(limit=10_000) if q.speaker == "Dmitry Peskov"]
        store.set_starred([peskov[0].article_id])
    quotes = json.loads(run("quotes", "--starred", "--json").stdout)
    assert {q["article_id"] for q in quotes} == {*starred, peskov[0].article_id} & {
        q["article_id"] for q in json.loads(run("quotes", "--json").stdout)
    }
    found = json.loads(run("search", "kremlin", "--starred", "--json").stdout)
    assert [r["id"] for r in found] == [peskov[0].article_id]
    assert run("list", "--starred", "--json", db=db_path.parent / "empty.db").stdout == "[]\n"


# ---- quotes --speaker ---------------------------------------------------------------------

BERLIN = """Berlin institute warns on rents

10:0023/10/2025, Thursday
DPA

Rents will rise again, the institute said.

“Rents will keep rising,” said Hans Müller.

“We are worried,” said Anna Weber.

“Not in our city,” said Karl Weber.

“Nor in ours,” said Anna Weber-Lutz.
"""


@pytest.fixture
def people(run, imported, tmp_path):
    path = tmp_path / "berlin.txt"
    path.write_text(BERLIN, encoding="utf-8")
    assert run("import", str(path)).exit_code == 0


def speakers_of(result) -> set[str]:
    return {q["speaker"] for q in json.loads(result.stdout)}


@pytest.mark.parametrize(
    ("given", "person"),
    [
        ("peskov", "Dmitry Peskov"),
        ("PESKOV", "Dmitry Peskov"),
        ("dmitry", "Dmitry Peskov"),
        ("Peskov Dmitry", "Dmitry Peskov"),
        ("müller", "Hans Müller"),
        ("muller", "Hans Müller"),
        ("MÜLLER", "Hans Müller"),
        ("Mu\u0308ller", "Hans Müller"),  # decomposed ü
    ],
)
def test_a_speaker_by_any_word_of_the_name(run, people, given, person):
    result = run("quotes", "--speaker", given, "--json")
    assert result.exit_code == 0, result.stderr
    assert speakers_of(result) == {person}


def test_several_people_are_listed_and_exit_2(run, people):
    result = run("quotes", "--speaker", "weber")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (
        "reader: 3 speakers match weber: Anna Weber, Anna Weber-Lutz, Karl Weber;"
        " give more of the name\n"
    )


def test_a_whole_name_wins_over_names_that_hold_it(run, people):
    assert speakers_of(run("quotes", "--speaker", "anna weber", "--json")) == {"Anna Weber"}
    assert speakers_of(run("quotes", "--speaker", "LUTZ", "--json")) == {"Anna Weber-Lutz"}
    assert run("quotes", "--speaker", "anna").exit_code == 2


def test_nobody_matches_exit_1_with_the_closest(run, people):
    result = run("quotes", "--speaker", "mueler")
    assert result.exit_code == 1
    assert result.stderr == "reader: no quotes by mueler; did you mean: Hans Müller?\n"
    assert run("quotes", "--speaker", "...").exit_code == 2  # no word in it


def test_speaker_names_are_one_index_seek_each(store):
    from reader.lookups import speaker_names

    assert speaker_names(store.conn) == []
    store.conn.execute("PRAGMA foreign_keys = OFF")
    plan = store.conn.execute(
        "EXPLAIN QUERY PLAN SELECT min(speaker) FROM quotes"
        " WHERE speaker IS NOT NULL AND speaker > ?",
        ("a",),
    ).fetchall()
    assert "USING COVERING INDEX quotes_speaker" in str(plan)


def test_speaker_names_match_speakers(imported, db_path):
    from reader.lookups import speaker_names

    with Store(db_path) as store:
        assert speaker_names(store.conn) == sorted(name for name, _ in store.speakers())


# ---- show --format ------------------------------------------------------------------------


@pytest.fixture
def kremlin(run):
    run("import", str(SAMPLE))
    return 1


def test_show_text_is_the_default(run, kremlin):
    text = run("show", "1").stdout
    assert run("show", "1", "--format", "text").stdout == text
    assert text.startswith("Kremlin")


def test_show_json_is_a_line_of_export(run, kremlin):
    shown = run("show", "1", "--format", "json").stdout
    assert shown == run("export").stdout
    assert json.loads(shown)["id"] == 1


def test_show_markdown(run, kremlin, db_path):
    with Store(db_path) as store:
        article = store.article(1).article
    markdown = run("show", "1", "--format", "markdown").stdout
    blocks = markdown.rstrip("\n").split("\n\n")
    assert blocks[0].startswith("# Kremlin says all parties")
    assert blocks[1] == "AA · 2025-05-22 15:46 · unread"
    assert "## Reaction on WSJ report" in blocks
    assert blocks[-1] == " ".join(f"#{tag}" for tag in article.tags)
    assert article.body[0].text.split()[0] in blocks[2 + len(article.captions) + 1]
    assert run("show", "9", "--format", "markdown").exit_code == 1
    assert run("show", "1", "--format", "html").exit_code == 2


def test_markdown_keeps_untrusted_text_as_text(run, tmp_path):
    path = tmp_path / "odd.jsonl"
    record = {
        "headline": "# Not a *heading* [x](javascript:alert(1)) <b>",
        "lede": "1. not a list",
        "body": [
            {"kind": "paragraph", "text": "> not a quote"},
            {"kind": "paragraph", "text": "- not a list"},
            {"kind": "paragraph", "text": "“The whole paragraph is one quote,”"},
            {"kind": "subheading", "text": "Then_a_subheading"},
        ],
        "tags": ["a_b"],
    }
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    assert run("import", str(path)).exit_code == 0
    markdown = run("show", "1", "--format", "markdown").stdout
    assert markdown.startswith("# \\# Not a \\*heading\\* \\[x\\](javascript:alert(1)) \\<b\\>\n\n")
    assert "\n\n1\\. not a list\n\n" in markdown
    assert "\n\n\\> not a quote\n\n\\- not a list\n\n" in markdown
    assert "\n\n> “The whole paragraph is one quote,”\n\n" in markdown
    assert "\n\n## Then\\_a\\_subheading\n\n" in markdown
    assert markdown.endswith("\n\n#a\\_b\n")


# ---- the demo: a copy in the user data folder -------------------------------------------


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_demo_copies_the_tracked_database_once_and_writes_only_the_copy(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(ROOT)  # where ./articles.db would otherwise be the default
    monkeypatch.delenv("READER_DB", raising=False)
    tracked = ROOT / "articles.db"
    before = digest(tracked)
    runner = CliRunner()
    first = runner.invoke(cli, ["--demo", "mark-read", "--all"])
    copy = tmp_path / "xdg" / "reader" / "demo.db"
    assert first.exit_code == 0, first.output
    notice = f"reader: copied the demo database to {copy}; your marks go there\n"
    assert first.stderr.startswith(notice)  # (then an upgrade notice, if the code is newer)
    again = runner.invoke(cli, ["--demo", "list", "--unread", "--json"])
    assert again.stdout == "[]\n" and again.stderr == ""  # the copy kept its marks
    assert runner.invoke(cli, ["--demo"]).stdout.startswith(
        runner.invoke(cli, ["--db", str(copy), "list", "-n", "1"]).stdout
    )
    assert digest(tracked) == before
    both = runner.invoke(cli, ["--demo", "--db", "x.db", "list"])
    assert both.exit_code == 2 and "not both" in both.stderr


def test_demo_without_the_checkout_is_one_line(tmp_path, monkeypatch):
    import reader.paths

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(reader.paths, "DEMO_SOURCE", tmp_path / "gone.db")
    result = CliRunner().invoke(cli, ["--demo", "list"])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "no demo database here" in result.stderr


def test_the_bare_app_command_takes_demo(tmp_path, monkeypatch):
    import widgets.main

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert widgets.main._bare_db_argument(["--demo"]) == "--demo"
    assert widgets.main._bare_db_argument(["--demo", "--debug"]) == "--demo"
    assert widgets.main._bare_db_argument(["--demo", "list"]) is False
    assert widgets.main._demo_db() == tmp_path / "xdg" / "reader" / "demo.db"


def test_readme_quick_start_and_header_match_the_demo(demo_db):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first = re.search(r"```sh\n(.*?)\n```", readme, re.S)[1]
    assert first.endswith(".venv/bin/reader --demo")
    shown = re.search(r"`#Port Ysel \+ #Harbour Strike  (\d+) shown / (\d+) unread`", readme)
    assert shown, "the README's example header line"
    view = Filter(tags=("Port Ysel", "Harbour Strike"))
    with Store(demo_db) as store:
        counts = (store.count(view), store.count(Filter(tags=view.tags, unread_only=True)))
    assert (int(shown[1]), int(shown[2])) == counts
