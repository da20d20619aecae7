"""Hostile input: nothing shown that should not be (issue 6).

The corpus is ``tests/data/hostile`` (its README.md lists every file and its expected
outcome); ``make_corpus.py`` writes it into a temporary folder once per session. These
tests import it through ``reader import``, then check the database with SQL, the screens
through the pilot, the search with every hostile query, and a real terminal through tmux.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st
from textual import events

from reader.cli import cli
from reader.filters import Filter
from reader.search import parse_query
from reader.store import Store
from tests.conftest import WIDE, rendered, settle
from tests.data.hostile import make_corpus
from widgets.app import make_app
from widgets.article_view import ArticleView
from widgets.tag_picker import TagChips, TagPicker

#: What no stored or shown text may hold: C0 and C1 controls but newline and tab, DEL,
#: the bidi embedding/override/isolate controls and marks, and a stray BOM.
FORBIDDEN_CHARS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff"
FORBIDDEN = re.compile(f"[{FORBIDDEN_CHARS}]")
# The same set as a GLOB for SQLite (a NUL cannot be in a pattern: checked apart).
FORBIDDEN_GLOB = "*[" + FORBIDDEN_CHARS.replace("\x00-", "\x01-") + "]*"
SGR = re.compile(r"\x1b\[[0-9;:]*m")  # what `tmux capture-pane -e` adds on its own

# ---- the corpus and its expected outcome (README.md, the same table) ----------------------

TOP_LEVEL_SUMMARY = "21 new, 0 updated, 0 unchanged, 16 failed"
WHOLE_SUMMARY = "23 new, 0 updated, 0 unchanged, 17 failed"
WHOLE_AGAIN = "0 new, 0 updated, 23 unchanged, 17 failed"

REJECTED = {
    "controls-only.txt": "empty file: no headline",
    "empty.txt": "empty file: no headline",
    "hostile.jsonl:2": "not JSON (Expecting value: line 1 column 1 (char 0))",
    "hostile.jsonl:3": "not a JSON object",
    "hostile.jsonl:4": "empty headline",
    "hostile.jsonl:5": "'headline' is not a string",
    "hostile.jsonl:6": "'published' is not an ISO 8601 date: '31/02/2025'",
    "hostile.jsonl:7": "'published' is not an ISO 8601 date: '\\x1b]0;pwned\\x07'",
    "hostile.jsonl:8": "'body' holds a block that is not {kind, text}",
    "hostile.jsonl:9": "'tags' is not a list of strings",
    "hostile.jsonl:10": "not JSON (Invalid control character at: line 1 column 19 (char 18))",
    "hostile.jsonl:11": "not JSON (maximum recursion depth exceeded while decoding a JSON array)",
    "nul-trailing.txt": "binary file (contains NUL bytes)",
    "nul.txt": "binary file (contains NUL bytes)",
    "utf8-bom-only.txt": "empty file: no headline",
    "whitespace-only.txt": "empty file: no headline",
}
WARNED = {
    "cp1252-undefined.txt": "cp1252",
    "hostile.jsonl:1": "forged",
    "impossible-date.txt": "bad-date",
    "impossible-time.txt": "bad-date",
    "utf16-broken.txt": "bad-utf16",
}

MARKUP_HEADLINE = (
    "[@click=app.quit]Quit[/] [link=https://evil.example/]link[/link]"
    " [bold red]red[/bold red] $var :smile: [/]"
)
MARKUP_TAGS = (
    "[@click=app.quit]quit[/]",
    "[link=https://evil.example/]link[/link]",
    "[bold red]red",
    "$var",
    ":smile:",
    "[/]",
)
SQL_TAGS = ("'); DROP TABLE articles;--", "%", "_", '"', "*", "NEAR(", "title:x", "%_", "a OR")

# What each file must become: every escape sequence dropped whole, nothing else.
EXPECTED = {
    "markup.txt": {
        "headline": MARKUP_HEADLINE,
        "source": "[link=https://evil.example/]Agency[/link]",
        "captions": ("[@click=app.quit]caption[/] [b]bold", "[/]"),
        "lede": "[bold red]Lede[/bold red] with $var, :smile: and [/] and [@click=app.bell]bell[/]",
        "body": (
            "Body [@click=app.quit]click to quit[/] and [link=https://evil.example/]a link[/link]"
            " and \\[escaped] and [on red]x[/on red].",
            "[@click=app.quit]Subheading[/]",
        ),
        "tags": MARKUP_TAGS,
    },
    "sql-tags.txt": {"tags": SQL_TAGS},
    "impossible-date.txt": {"published": None, "warnings": ("bad-date",)},
    "impossible-time.txt": {"published": None, "warnings": ("bad-date",)},
    "ansi-csi.txt": {
        "headline": "Screen cleared here",
        "source": "AA",
        "captions": ("caption",),
        "lede": "Lede with a status request and a DA request.",
        "body": ("Body red and cursor home.",),
        "tags": ("Red tag",),
    },
    "osc.txt": {
        "headline": "Title change",
        "lede": "Lede clipboard write and primary.",
        "body": (
            "Body hyperlink and file and colour and foreground queries.",
            "Window renamed name.",
        ),
        "tags": ("Tag",),
    },
    "dcs.txt": {
        "headline": "Device control strings",
        "lede": "Lede with an APC, a PM and an SOS.",
        "tags": ("DCS",),
    },
    "c1-controls.txt": {
        "headline": "Eight-bit controls",
        "lede": "Lede with an 8-bit OSC, a DCS and RI.",
        "tags": ("C1 tag",),
    },
    "unterminated.txt": {
        "headline": "Unterminated",
        "lede": "Lede ends with an open CSI",
        "body": (
            "Paragraph with a dangling OSC 52",
            "Paragraph with a dangling 8-bit OSC",
            "Paragraph after them survives.",
            "Ends with a lone ESC",
        ),
        "tags": ("Unterminated",),
    },
    "bidi.txt": {
        "headline": "Invoice_fdp.exe and isolated embedded text",
        "source": "AA",
        "lede": "Lede with marks and an Arabic letter mark and an override.",
        "tags": ("GAT",),
    },
    "crlf.txt": {
        "headline": "CRLF headline",
        "published": "2025-05-09T10:00",
        "source": "AA",
        "captions": ("Caption",),
        "lede": "Lede line one line two",
        "body": ("Body",),
        "tags": ("CRLF tag",),
    },
    "lone-cr.txt": {
        "headline": "Lone CR headline",
        "published": "2025-05-10T10:00",
        "source": "AA",
        "captions": ("Caption",),
        "lede": "Lede line one line two",
        "body": ("Body",),
        "tags": ("Lone CR tag",),
    },
    "utf16-le-bom.txt": {
        "headline": "UTF-16 headline with escape and [b]markup[/b]",
        "lede": "Lede in UTF-16 — with “curly” quotes.",
        "tags": ("UTF-16",),
    },
    "utf16-be-bom.txt": {
        "headline": "UTF-16BE headline with escape and [b]markup[/b]",
        "lede": "Lede in UTF-16BE — with “curly” quotes.",
        "tags": ("UTF-16BE",),
    },
    "utf16-broken.txt": {"headline": "Broken UTF-16 headline", "warnings": ("bad-utf16",)},
    "cp1252-undefined.txt": {
        "headline": "Café “quoted” headline end",
        "lede": "Lede – dash, › guillemet, € euro, gone.",
        "tags": ("Café",),
        "warnings": ("cp1252",),
    },
    "hostile.jsonl": {
        "headline": "JSON [@click=app.quit]headline[/]",
        "source": "AA",
        "captions": ("caption [b]",),
        "lede": "Lede with CRLF and OSC 52.",
        "body": ("Paragraph [/]", "Subheading"),
        "tags": ("evil", "[/]", "red", "JSON"),
        "warnings": ("forged",),
    },
}


def reader(db: Path, *args: str, input: bytes | str | None = None) -> Result:
    """``reader COMMAND --db DB ARGS...`` through click's CliRunner."""
    return CliRunner().invoke(
        cli, [args[0], "--db", str(db), *args[1:]], input=input, catch_exceptions=False
    )


def copy_db(source: Path, target: Path) -> Path:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()
    return target


@dataclass(frozen=True)
class Imported:
    corpus: Path
    db: Path
    result: Result


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> Path:
    """The corpus, written once per session (the 5 MB file included)."""
    return make_corpus.build(tmp_path_factory.mktemp("hostile") / "corpus")


@pytest.fixture(scope="session")
def imported(corpus, tmp_path_factory) -> Imported:
    """The corpus files (not ``names/``) imported once, with ``-v``."""
    db = tmp_path_factory.mktemp("hostile-db") / "hostile.db"
    files = sorted(str(p) for p in corpus.iterdir() if p.is_file())
    return Imported(corpus, db, reader(db, "import", "-v", *files))


@pytest.fixture
def hostile_db(imported, tmp_path) -> Path:
    """A private copy of the imported corpus, for tests that write."""
    return copy_db(imported.db, tmp_path / "hostile.db")


@pytest.fixture(scope="module")
def hostile_store(imported):
    with Store(imported.db, readonly=True) as store:
        yield store


def by_origin(store: Store) -> dict[str, object]:
    """Every stored article by the file name it came from."""
    return {Path(s.article.origin).name: s for s in store.articles()}


def find(db: Path, name: str) -> tuple[int, int]:
    """(id, list position in the All view) of the article imported from ``name``."""
    with Store(db) as store:
        rows = store.page(Filter(), limit=1000)
        ids = {Path(store.article(r.id).article.origin).name: r.id for r in rows}
        article_id = ids[name]
        return article_id, [r.id for r in rows].index(article_id)


def offending(conn: sqlite3.Connection) -> list[str]:
    """Every text value (JSON values included) holding a forbidden character, as
    ``table.column: repr``; checked by SQL over every table but the search index."""
    found = []
    tables = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'articles_fts%'"
        )
    ]
    for table in tables:
        columns = [
            row[1]
            for row in conn.execute(f"PRAGMA table_info({table})")
            if row[2].upper() in ("TEXT", "")
        ]
        for column in columns:
            col = f'"{column}"'
            rows = conn.execute(
                f"SELECT substr({col}, 1, 80) FROM {table}"
                f" WHERE {col} GLOB ? OR instr(CAST({col} AS BLOB), x'00') > 0",
                (FORBIDDEN_GLOB,),
            ).fetchall()
            found += [f"{table}.{column}: {value!r}" for (value,) in rows]
            rows = conn.execute(
                f"SELECT substr(j.value, 1, 80) FROM {table} AS t, json_tree(t.{col}) AS j"
                f" WHERE json_valid(t.{col}) AND j.type = 'text'"
                f" AND (j.value GLOB ? OR instr(CAST(j.value AS BLOB), x'00') > 0)",
                (FORBIDDEN_GLOB,),
            ).fetchall()
            found += [f"{table}.{column} (JSON): {value!r}" for (value,) in rows]
            # SQLite before 3.45 cuts a JSON string at an escaped NUL: look for the escape.
            rows = conn.execute(
                f"SELECT substr({col}, 1, 80) FROM {table}"
                f" WHERE json_valid({col}) AND instr(lower({col}), '\\u0000') > 0"
            ).fetchall()
            found += [f"{table}.{column} (JSON NUL): {value!r}" for (value,) in rows]
    return found


# ---- import -------------------------------------------------------------------------------


def test_the_corpus_imports_with_the_exact_summary_and_one_line_per_rejection(imported):
    corpus, result = imported.corpus, imported.result
    assert result.exit_code == 1, result.output
    assert result.stdout == TOP_LEVEL_SUMMARY + "\n"
    expected = [f"{corpus}/{name}: {reason}" for name, reason in REJECTED.items()]
    expected += [f"{corpus}/{name}: warning: {words}" for name, words in WARNED.items()]
    assert sorted(result.stderr.splitlines()) == sorted(expected)


def test_the_whole_corpus_with_hostile_file_names(corpus, tmp_path):
    """File names are data too: they reach error lines and the ``origin`` column."""
    db = tmp_path / "whole.db"
    result = reader(db, "import", "-v", str(corpus))
    assert result.stdout == WHOLE_SUMMARY + "\n", result.output
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 17 + 6, lines  # one line per failure and per warned article
    assert FORBIDDEN.search(result.stderr.replace("\n", "")) is None, result.stderr
    empty = [line for line in lines if line.startswith(f"{corpus}/names/empty-")]
    assert len(empty) == 1 and empty[0].endswith(": empty file: no headline"), lines
    title = [line for line in lines if line.startswith(f"{corpus}/names/title-")]
    assert len(title) == 1 and title[0].endswith(": warning: bad-date"), lines
    with sqlite3.connect(db) as conn:
        assert offending(conn) == []
        origins = [o for (o,) in conn.execute("SELECT origin FROM articles") if "names" in o]
    conn.close()
    assert len(origins) == 2
    again = reader(db, "import", str(corpus))
    assert again.stdout == WHOLE_AGAIN + "\n"


def test_the_control_check_finds_every_forbidden_character(tmp_path):
    """The SQL check itself: each forbidden character is found, as text and inside JSON."""
    conn = sqlite3.connect(tmp_path / "check.db")
    conn.execute("CREATE TABLE t (plain TEXT, doc TEXT)")
    bad = "\x00\x01\x1b\x7f\x85\x9b\x9f\u061c\u200e\u200f\u202a\u202e\u2066\u2069\ufeff"
    conn.executemany(
        "INSERT INTO t VALUES (?, ?)",
        [(f"a{c}b", f'["ok", {{"text": "a\\u{ord(c):04x}b"}}]') for c in bad],
    )
    conn.execute("INSERT INTO t VALUES ('fine\n\ttext «»—…', '[\"fine\\n\\ttext\"]')")
    found = offending(conn)
    conn.close()
    assert len([f for f in found if f.startswith("t.plain:")]) == len(bad)
    assert len([f for f in found if f.startswith("t.doc (JSON")]) == len(bad)
    assert len(found) == 2 * len(bad)


def test_nothing_stored_holds_a_control_or_bidi_character(imported):
    conn = sqlite3.connect(imported.db)
    try:
        assert offending(conn) == []
        # Payloads of the dropped sequences are gone with them.
        for table, column in [("articles", c) for c in ("headline", "source", "captions")] + [
            ("articles", "lede"),
            ("articles", "body"),
            ("tags", "name"),
            ("quotes", "text"),
        ]:
            hits = conn.execute(
                f"SELECT count(*) FROM {table} WHERE {column} LIKE '%pwned%'"
                f" OR {column} LIKE '%cHduZWQ%'"
            ).fetchone()[0]
            assert hits == 0, (table, column)
    finally:
        conn.close()


def test_every_file_becomes_exactly_its_clean_text(hostile_store):
    stored = by_origin(hostile_store)
    for name, fields in EXPECTED.items():
        article = stored[name].article
        for field, value in fields.items():
            got = getattr(article, field)
            if field == "body":
                got = tuple(block.text for block in got)
            assert got == value, (name, field)
        if "warnings" not in fields:
            assert article.warnings == (), name


def test_big_and_degenerate_files_are_kept_whole(hostile_store):
    stored = by_origin(hostile_store)
    huge = stored["huge-body.txt"].article
    assert sum(len(b.text) for b in huge.body) > 4_900_000  # 5 MB, some characters multibyte
    assert any(len(b.text) == make_corpus.HUGE_TOKEN and " " not in b.text for b in huge.body)
    assert huge.body[-1].text == "The last paragraph ends with a clear-screen."
    many = stored["many-tags.txt"].article.tags
    assert len(many) == make_corpus.MANY_TAGS
    assert many[:2] == ("tag 0001", "tag 0002")
    long_tag = stored["long-tag.txt"].article.tags
    assert [len(t) for t in long_tag] == [make_corpus.LONG_TAG, 5]
    quotes = stored["quotes-20k.txt"].article
    paragraph_chars = sum(len(b.text) for b in quotes.body) + len(quotes.lede)
    assert quotes.quotes, "the straight quotes pair up"
    assert sum(len(q.text) for q in quotes.quotes) <= 64 * paragraph_chars


def test_sql_like_and_fts_metacharacters_are_just_tag_names(hostile_db):
    sql_id, _ = find(hostile_db, "sql-tags.txt")
    with Store(hostile_db) as store:
        for tag in SQL_TAGS:
            assert [r.id for r in store.page(Filter(tags=(tag,)))] == [sql_id], tag
            assert store.count(Filter(tags=(tag,))) == 1, tag
        assert store.page(Filter(tags=("%%",))) == []
        assert store.count(Filter(tags=("%", "_", "NEAR("))) == 1
        names = {t.name for t in store.tags()}
    assert set(SQL_TAGS) <= names
    for tag in ("%", "_", "'); DROP TABLE articles;--"):
        listed = reader(hostile_db, "list", "--tag", tag, "--json")
        assert listed.exit_code == 0
        assert [row["id"] for row in json.loads(listed.stdout)] == [sql_id], tag
    conn = sqlite3.connect(hostile_db)
    tables = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    conn.close()
    assert {"articles", "tags", "article_tags", "quotes"} <= tables


def test_command_line_output_is_plain_text(hostile_db):
    """``show``, ``list``, ``quotes``, ``tags`` and ``export`` print no control character."""
    with Store(hostile_db) as store:
        ids = [r.id for r in store.page(Filter(), limit=1000)]
    markup_id, _ = find(hostile_db, "markup.txt")
    outputs = [reader(hostile_db, "show", str(i)) for i in ids]
    outputs += [
        reader(hostile_db, "list", "--limit", "1000"),
        reader(hostile_db, "quotes", "--limit", "100"),
        reader(hostile_db, "tags"),
    ]
    for result in outputs:
        assert result.exit_code == 0
        assert FORBIDDEN.search(result.stdout.replace("\n", "")) is None
    shown = reader(hostile_db, "show", str(markup_id)).stdout
    assert MARKUP_HEADLINE in shown.replace("\n", " ")
    exported = reader(hostile_db, "export").stdout
    assert FORBIDDEN.search(exported.replace("\n", "")) is None


def test_export_then_import_gives_the_same_lines(hostile_db, tmp_path):
    first = reader(hostile_db, "export").stdout
    copy = tmp_path / "again.db"
    result = reader(copy, "import", "-", input=first.encode())
    assert result.stdout == "21 new, 0 updated, 0 unchanged, 0 failed\n", result.output
    assert reader(copy, "export").stdout == first


# ---- search -------------------------------------------------------------------------------

NOTHING = "reader: nothing to search: no letters or digits to look for\n"
EXCLUDES_ONLY = "reader: nothing to search: add a word to look for: '-' only excludes\n"
# query -> what `reader search` says on standard error when it refuses it (None: it searches)
HOSTILE_QUERIES = {
    '"': NOTHING,
    '"x': None,
    "NEAR(": None,
    "NEAR(a b)": None,
    "a OR": None,
    "OR": None,
    "AND NOT": None,
    "*": NOTHING,
    "a*": None,
    "^a": None,
    "title:x": None,
    "headline:x": None,
    "'); DROP TABLE articles;--": None,
    "%": NOTHING,
    "_": NOTHING,
    "%_": NOTHING,
    "-": NOTHING,
    "--": NOTHING,
    "-x": EXCLUDES_ONLY,
    "[@click=app.quit]x[/]": None,
    "[/]": NOTHING,
    "$var": None,
    "ab " * 333 + "a": None,
    '"' * 1000: NOTHING,
    "\x1b[2J": None,
    "\x1b]0;pwned\x07": None,
    "\x00": NOTHING,
    "\u202e": NOTHING,
    "\x9b\x07\x08": NOTHING,
}


def views_of(query: str) -> list[Filter]:
    return [
        Filter(query=query),
        Filter(query=query, relevance=True),
        Filter(query=query, unread_only=True),
        Filter(query=query, tags=("%",)),
        Filter(query=query, tags=("[/]", "JSON"), relevance=True),
    ]


def search_everywhere(store: Store, query: str) -> None:
    """Every store call a search view goes through; counts agree with the rows."""
    for view in views_of(query):
        total = store.count(view)
        rows = store.page_at(view, 0, 1000)
        assert total == len(rows), (query, view)
        if not view.relevance:
            assert store.page(view, limit=1000) == rows
            if rows:
                assert store.page(view, after=rows[0].key, limit=1000) == rows[1:]
                assert store.position(view, rows[-1].key) == len(rows) - 1
        store.last_page(view)
        store.quotes(view, limit=5)


@pytest.mark.parametrize("query", list(HOSTILE_QUERIES), ids=repr)
def test_hostile_queries_in_the_store(hostile_store, query):
    search_everywhere(hostile_store, query)


def test_a_search_for_sql_finds_its_tags(hostile_store):
    found = hostile_store.page(Filter(query="'); DROP TABLE articles;--"))
    assert [r.headline for r in found] == ["Tags that look like SQL, FTS5 and LIKE syntax"]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=12),
            st.sampled_from(
                [
                    '"',
                    "NEAR(",
                    "OR",
                    "AND",
                    "NOT",
                    "*",
                    "-",
                    "^",
                    ":",
                    "(",
                    ")",
                    "title:",
                    "'",
                    "%",
                    "_",
                    " ",
                    "\x00",
                    "\x1b[",
                    "\u202e",
                    "ı",
                    "İ",
                    "ß",
                ]
            ),
        ),
        max_size=12,
    ).map("".join)
)
def test_random_queries_never_raise(hostile_store, query):
    parse_query(query)
    search_everywhere(hostile_store, query)


def test_reader_search_accepts_every_hostile_query(hostile_db):
    for query, refusal in HOSTILE_QUERIES.items():
        for extra in ((), ("--relevance",), ("--json", "--unread")):
            result = reader(hostile_db, "search", *extra, "--", query)
            if refusal is None:
                assert result.exit_code == 0, (query, result.output)
                if "--json" not in extra:
                    assert result.stderr.endswith(" found\n"), (query, result.stderr)
            else:
                assert result.exit_code == 2 and result.stderr == refusal, (query, result.stderr)
            assert FORBIDDEN.search(result.stdout.replace("\n", "")) is None


async def test_the_search_field_accepts_every_hostile_query(hostile_db):
    app = make_app(hostile_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"NEAR(", "enter")  # typed, as a person would
        await settle(app, pilot)
        assert app.view.query == "NEAR(" and app.headlines.total == 1
        for number, query in enumerate(HOSTILE_QUERIES):
            # Pasted, in effect: the field's value set, then submitted as enter does.
            app.search_input.value = query
            await pilot.pause()  # the field's Changed starts the debounce timer
            await app.search_input.action_submit()  # runs the search at once
            await settle(app, pilot)
            if number % 4 == 1 and query.strip():
                await pilot.press("ctrl+o")  # relevance order
                await settle(app, pilot)
            if not FORBIDDEN.search(query):
                assert app.view.query == query.strip(), repr(query)
            title = rendered(app.query_one("#view-title"))
            assert FORBIDDEN.search(title) is None, repr(title)
            assert app.return_code is None
        await pilot.press("slash", "escape")
        await settle(app, pilot)
        assert app.view == Filter()
        assert app.headlines.total == 21


PASTED = "ab\x1b]0;pwned\x07cd\x1b[2Jef\u202egh\x9b6nij"


async def test_pasted_controls_never_reach_the_screen(hostile_db):
    """Bracketed paste hands a field whatever the clipboard held, escapes included."""
    app = make_app(hostile_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash")
        app.search_input.post_message(events.Paste(PASTED))
        await pilot.pause()
        await pilot.press("enter")
        await settle(app, pilot)
        for widget in (app.search_input, app.query_one("#view-title")):
            lines = rendered(widget)
            assert FORBIDDEN.search(lines) is None, repr(lines)
        await pilot.press("escape", "t")
        await settle(app, pilot)
        field = app.screen.query_one("#tag-picker-input")
        field.post_message(events.Paste(PASTED))
        await settle(app, pilot)
        lines = rendered(field)
        assert FORBIDDEN.search(lines) is None, repr(lines)
        assert app.return_code is None


# ---- the screens --------------------------------------------------------------------------


def spy_on_actions(app) -> list:
    """Record every quit, bell or URL opening that anything asks the app for."""
    calls: list = []
    for name in ("action_quit", "action_bell"):
        original = getattr(app, name)

        def record(*args, _name=name, _original=original, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        setattr(app, name, record)
    app.open_url = lambda url, **kwargs: calls.append(("open_url", url))
    return calls


def flat(lines: str) -> str:
    """Rendered lines as one line of text, whitespace collapsed (wrapping undone)."""
    return " ".join(lines.split())


def where(lines: str, text: str) -> tuple[int, int]:
    """(x, y) of the first cell of ``text`` in rendered lines."""
    for y, line in enumerate(lines.split("\n")):
        if text in line:
            return line.index(text), y
    raise AssertionError(f"{text!r} is not on screen:\n{lines}")


async def test_markup_is_shown_literally_in_the_list_and_the_article(hostile_db):
    target, index = find(hostile_db, "markup.txt")
    app = make_app(hostile_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        calls = spy_on_actions(app)
        await settle(app, pilot)
        app.headlines.move_to(index)
        await settle(app, pilot)
        row = app.headlines.render_line(index - int(app.headlines.scroll_y)).text
        assert "[@click=app.quit]Quit[/] [link=" in row
        await pilot.press("enter")
        await settle(app, pilot)
        view = app.query_one(ArticleView)
        assert view.article_id == target
        lines = rendered(view)
        text = flat(lines)
        expected = EXPECTED["markup.txt"]
        for literal in (
            expected["headline"],
            expected["source"],
            *expected["captions"],
            expected["lede"],
            *expected["body"],
            *(f"#{tag}" for tag in MARKUP_TAGS),
        ):
            assert literal in text, literal
        # Clicking on the text of a would-be action or link does nothing at all.
        for literal in (
            "[@click=app.quit]Quit",
            "[link=https://evil.example/]Agency",
            "[@click=app.quit]click",
            "[link=https://evil.example/]a",
            "[@click=app.bell]bell",
        ):
            x, y = where(lines, literal)
            await pilot.click(ArticleView, offset=(x + 2, y))
            await settle(app, pilot)
        assert calls == []
        assert app.return_code is None
        assert app.view == Filter() and app.current_id == target
        assert len(app.screen_stack) == 1
        assert rendered(view) == lines


async def test_markup_tags_in_the_picker_chips_title_and_notification(hostile_db):
    target, _ = find(hostile_db, "markup.txt")
    app = make_app(hostile_db, watch=False)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        calls = spy_on_actions(app)
        await settle(app, pilot)
        await pilot.press("t")
        await settle(app, pilot)
        picker = app.screen
        assert isinstance(picker, TagPicker)
        await pilot.press(*"click=app")
        await settle(app, pilot)
        assert "#[@click=app.quit]quit[/]" in rendered(picker.tag_list)
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press(*"[/]")
        await settle(app, pilot)
        listed = rendered(picker.tag_list)
        assert listed.split("\n")[0].split()[0] == "#[/]", listed
        await pilot.press("enter")
        await settle(app, pilot)
        chips = picker.query_one(TagChips)
        assert "#[@click=app.quit]quit[/]  #[/]" in rendered(chips)
        await pilot.click(chips, offset=(3, 0))
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.view.tags == ("[@click=app.quit]quit[/]", "[/]")
        assert app.headlines.total == 1
        assert app.headlines.current.id == target
        title = rendered(app.query_one("#view-title"))
        assert "#[@click=app.quit]quit[/] + #[/]" in title
        active = rendered(app.query_one("#active-tags"))
        assert "#[@click=app.quit]quit[/]" in active and "#[/]" in active
        for widget in ("#view-title", "#active-tags"):
            lines = rendered(app.query_one(widget))
            x, y = where(lines, "[@click=app.quit]")
            await pilot.click(widget, offset=(x + 2, y))
            await settle(app, pilot)
        await pilot.press("A")
        await settle(app, pilot)
        toasts = app.screen.query("Toast")
        assert toasts
        shown = flat(rendered(toasts.last()))
        assert "#[@click=app.quit]quit[/] + #[/]" in shown
        assert "Marked 1 article read." in shown
        assert calls == []
        assert app.return_code is None
        assert app.view.tags == ("[@click=app.quit]quit[/]", "[/]")


async def test_hostile_articles_open_and_quotes_view_shows_plain_text(hostile_db):
    """Every hostile article opens in the pane (the 5 MB one and 5,000 chips included)
    and nothing drawn holds a control or bidi character."""
    app = make_app(hostile_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        view = app.query_one(ArticleView)
        for index in range(app.headlines.total):
            app.headlines.move_to(index)
            await settle(app, pilot)
            for widget in (view, app.headlines, app.query_one("#view-title")):
                lines = rendered(widget)
                assert FORBIDDEN.search(lines) is None, (index, lines)
        await pilot.press("Q")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "QuotesScreen"
        for widget in app.screen.query("*"):
            if widget.size.height and widget.display:
                assert FORBIDDEN.search(rendered(widget)) is None
        assert app.return_code is None


# ---- a real terminal ----------------------------------------------------------------------


FAST = 0.02  # tmux polled faster than Tmux.wait_for does: this test waits 3 times an article


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_a_real_terminal_gets_no_title_clipboard_or_escape_from_the_data(hostile_db):
    from tests.test_e2e import READER, Tmux

    with Store(hostile_db) as store:
        total = store.count()
    command = f"read _ && exec {shlex.quote(str(READER))} --db {shlex.quote(str(hostile_db))}"
    term = Tmux(["sh", "-c", command], hostile_db.parent)
    try:
        # The options are set while the shell waits: before the reader draws anything.
        term._tmux("set-option", "-g", "set-clipboard", "on")
        term._tmux("set-option", "-g", "allow-rename", "on")
        term._tmux("set-option", "-g", "automatic-rename", "off")  # only escapes could rename
        title = term._tmux("display-message", "-p", "#{pane_title}")
        window = term._tmux("display-message", "-p", "#{window_name}")
        term.send("Enter")
        term.wait_for(f"{total} shown / {total} unread", step=FAST)
        screens = []
        for index in range(total):
            if index:
                term.send("j")
            term.send("Enter")
            term.wait_for(f"shown / {total - index - 1} unread", step=FAST)
            screens.append(term._tmux("capture-pane", "-e", "-p"))
            term.send("Escape")
            # Back in the list before the next key: "ESC j" read at once would be alt+j.
            term.wait_for("⏎ Open", step=FAST)
        assert term._tmux("display-message", "-p", "#{pane_title}") == title
        assert "pwned" not in title
        assert term._tmux("display-message", "-p", "#{window_name}") == window
        assert term._tmux("list-buffers") == ""
        for screen in screens:
            assert "\x1b]" not in screen and "pwned" not in screen
            assert make_corpus.PAYLOAD not in screen
            assert FORBIDDEN.search(SGR.sub("", screen).replace("\n", "")) is None
        assert not term.pane_dead()
    finally:
        term.close()
