"""The search index filled in Python (schema 8's upgrade, ``doctor --fix``) holds the words
the ``article_search`` view gives, so that later deletes and searches agree."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader.article import Article, Block
from reader.filters import Filter
from reader.parse import parse_bytes
from reader.schema import LATEST_VERSION, PAGE_SIZE, pending_upgrade
from reader.search_index import refill, search_row
from reader.store import Store
from tests.conftest import back_to_schema_7

ARTICLES = [
    Article(
        "Tromsø and Łódź sign a pact",
        "2025-06-01T10:00",
        "AA",
        lede="Straße, œuvre, Þór and Ærø.",
        body=(Block("paragraph", "İstanbul and Diyarbakır."), Block("subheading", "Đoković")),
        tags=("Nordic", "İstanbul"),
    ),
    Article("东京股市大涨", "2025-06-01T11:00", "新华社", lede="日经平均指数创下新高。"),
    Article("No body at all", "2025-06-01T12:00", "X"),
    Article("서울에서 회의가 열렸다", "2025-06-01T13:00", "연합", tags=("한국경제",)),
]


def hits(store: Store, query: str) -> int:
    return store.count(Filter(query=query))


_VIEW = "SELECT rowid, headline, lede, body, tags FROM article_search ORDER BY rowid"
_ROWS = (
    "SELECT a.id, a.headline, a.lede, a.body, (SELECT group_concat(name, char(10)) FROM ("
    " SELECT t.name FROM article_tags AS x JOIN tags AS t ON t.id = x.tag_id"
    " WHERE x.article_id = a.id ORDER BY x.position)) FROM articles AS a ORDER BY a.id"
)


def words(row) -> list:
    return [row[0]] + [value.split() if value is not None else None for value in row[1:]]


def assert_same_words(conn: sqlite3.Connection) -> None:
    from_view = [words(row) for row in conn.execute(_VIEW)]
    from_python = [words(search_row(*row)) for row in conn.execute(_ROWS)]
    assert from_python == from_view


def test_the_rows_made_in_python_hold_the_views_words(tmp_path):
    with Store(tmp_path / "a.db") as store:
        store.save(ARTICLES)
        assert_same_words(store.conn)


text = st.text(
    alphabet=st.sampled_from("aZ ıİøØłŁßẞæœþ東京股서울 .,\n-éü"), min_size=1, max_size=40
).filter(str.strip)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(headline=text, lede=st.text(max_size=30), paragraphs=st.lists(text, max_size=3))
def test_any_text_gives_the_views_words(tmp_path, headline, lede, paragraphs):
    path = tmp_path / "h.db"
    path.unlink(missing_ok=True)
    with Store(path) as store:
        article = Article(
            headline, "2025-06-01T10:00", "X", lede=lede,
            body=tuple(Block("paragraph", p) for p in paragraphs),
        )  # fmt: skip
        result = store.save([article])
        if result.count("new"):
            assert_same_words(store.conn)


def test_doctor_fix_refills_the_index_and_it_stays_whole(tmp_path):
    with Store(tmp_path / "a.db") as store:
        store.save(ARTICLES)
        with store.transaction() as conn:
            conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('delete-all')")
        assert hits(store, "tromso") == 0
        with store.transaction() as conn:
            assert refill(conn) == len(ARTICLES)
        assert hits(store, "tromso") == 1
        assert hits(store, "股市") == 1
        # An update deletes the terms the view gives: they must be the ones indexed.
        with store.transaction() as conn:
            conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")


def test_a_schema_7_database_is_upgraded_with_progress(tmp_path):
    path = tmp_path / "v7.db"
    with Store(path) as store:
        store.save(ARTICLES)
        with store.transaction() as conn:
            back_to_schema_7(conn)
    notice, articles = pending_upgrade(path)
    assert "rebuilt" in notice and articles == len(ARTICLES)
    told = []
    with Store(path, progress=told.append) as store:
        conn = store.conn
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
        assert sum(told) == len(ARTICLES)
        options = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'articles_fts'")
        assert "prefix" not in options.fetchone()[0]
        quotes = conn.execute("SELECT count(*) FROM quotes").fetchone()[0]
        counted = conn.execute("SELECT value FROM counters WHERE name = 'quotes'").fetchone()
        assert counted == (quotes,)
        assert hits(store, "lodz") == 1
        assert hits(store, "fes") == 0 and hits(store, "tro") == 1  # prefixes
        assert all(finding.ok for finding in store.check()), store.check()
    assert pending_upgrade(path) is None


def test_the_quotes_counter_follows_saves_and_updates(tmp_path):
    samples = sorted(Path(__file__).resolve().parent.parent.joinpath("samples").glob("*.txt"))
    quoted = [a for a in (parse_bytes(p.read_bytes()) for p in samples) if len(a.quotes) > 1]
    with Store(tmp_path / "q.db") as store:
        store.save([quoted[0], ARTICLES[0]])

        def counted() -> tuple[int, int]:
            return store.conn.execute(
                "SELECT (SELECT value FROM counters WHERE name = 'quotes'),"
                " (SELECT count(*) FROM quotes)"
            ).fetchone()

        first = counted()
        assert first == (len(quoted[0].quotes), len(quoted[0].quotes))
        store.save([dataclasses.replace(quoted[0], body=(), quotes=())])  # updated: no quotes
        assert counted() == (0, 0)
        store.save(quoted[1:3])
        assert counted()[0] == counted()[1] == len(quoted[1].quotes) + len(quoted[2].quotes)


def test_a_new_database_has_large_pages(tmp_path):
    with Store(tmp_path / "new.db") as store:
        assert store.conn.execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_second_process_prepares_the_rows_of_a_large_index(tmp_path, monkeypatch):
    """From PARALLEL_FROM articles on, the rows come from a second process reading the
    committed file: the same words, every article once, in a few steps."""
    from reader import search_index

    monkeypatch.setattr(search_index, "PARALLEL_FROM", 2)
    path = tmp_path / "p.db"
    many = [
        dataclasses.replace(article, headline=f"{article.headline} {n}")
        for n in range(3)
        for article in ARTICLES
    ]
    with Store(path) as store:
        store.save(many)
        told = []
        with store.transaction() as conn:
            assert search_index.refill(conn, told.append, chunk=5) == len(many)
        assert told == [5, 5, 2]
        assert_same_words(store.conn)
        assert hits(store, "lodz") == 3 and hits(store, "股市") == 3
        with store.transaction() as conn:
            conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")


def test_when_the_second_process_dies_this_one_does_the_rest(tmp_path, monkeypatch):
    from reader import search_index

    monkeypatch.setattr(search_index, "PARALLEL_FROM", 2)
    monkeypatch.setattr(search_index, "_produce", _die_after_one_step)
    with Store(tmp_path / "d.db") as store:
        store.save(ARTICLES)
        with store.transaction() as conn:
            assert search_index.refill(conn, chunk=1) == len(ARTICLES)
        assert_same_words(store.conn)
        assert hits(store, "lodz") == 1 and hits(store, "서울에서") == 1


def _die_after_one_step(path, chunk, out) -> None:
    import os

    from reader import search_index

    conn = sqlite3.connect(path)
    out.put(next(search_index._steps(conn, chunk)))
    os._exit(3)
