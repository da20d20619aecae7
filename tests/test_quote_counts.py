"""Counts kept for the quotes view and the search: the ``speakers`` table, the ``quotes``
counter and the index of unread ids (migration 9) agree with a recount after any changes;
the quotes of a view come in its order, page by page."""

from __future__ import annotations

import dataclasses
import sqlite3
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader import planner
from reader.article import Article, Quote
from reader.filters import Filter
from reader.schema import LATEST_VERSION, open_database
from reader.store import Store

PEOPLE = ["Dana Marevic", "Ivo Peskov", "Ana Ruiz", None]


def article(n: int, speakers: list[str | None]) -> Article:
    lede = " ".join(f"“Quote {i} of story {n},” someone said." for i in range(len(speakers)))
    quotes = []
    for i, speaker in enumerate(speakers):
        text = f"Quote {i} of story {n},"
        start = lede.index(text) - 1
        quotes.append(Quote(text, "lede", None, start, start + len(text) + 2, speaker))
    return Article(
        f"Story {n}", f"2025-03-{n % 28 + 1:02d}T08:00", "AA", lede=lede, quotes=tuple(quotes)
    )


def recount(store: Store) -> tuple[list[tuple[str, int]], int]:
    speakers = store.conn.execute(
        "SELECT speaker, count(*) FROM quotes WHERE speaker IS NOT NULL"
        " GROUP BY speaker ORDER BY count(*) DESC, speaker"
    ).fetchall()
    return speakers, store.conn.execute("SELECT count(*) FROM quotes").fetchone()[0]


operation = st.one_of(
    st.tuples(
        st.just("save"),
        st.integers(0, 12),
        st.lists(st.sampled_from(PEOPLE), max_size=4),
    ),
    st.tuples(st.just("feed"), st.integers(0, 12), st.lists(st.sampled_from(PEOPLE), max_size=3)),
    st.tuples(st.just("unsubscribe"), st.booleans()),
)


@settings(max_examples=40)
@given(st.lists(operation, min_size=1, max_size=10))
def test_speakers_and_quotes_agree_with_a_recount(operations):
    with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "q.db") as store:
        feed, _ = store.add_feed("https://example.org/feed.xml")
        for op in operations:
            if op[0] == "save":  # a new article, or a changed one (its quotes replaced)
                store.save([article(op[1], op[2])])
            elif op[0] == "feed":
                store.save([article(100 + op[1], op[2])], feed=feed)
            else:
                store.remove_feed(feed, keep_articles=op[1])
                feed, _ = store.add_feed("https://example.org/feed.xml")
            speakers, quotes = recount(store)
            assert store.speakers() == speakers
            assert store.count_quotes() == quotes
            for name in PEOPLE[:-1]:
                assert store.count_quotes(speaker=name) == dict(speakers).get(name, 0)


def test_a_person_leaves_the_table_with_their_last_quote(store):
    store.save([article(1, ["Ana Ruiz", "Ivo Peskov"]), article(2, ["Ivo Peskov"])])
    assert store.speakers() == [("Ivo Peskov", 2), ("Ana Ruiz", 1)]
    store.save([article(1, ["Ivo Peskov"])])  # story 1 changed: Ana Ruiz no longer quoted
    assert store.speakers() == [("Ivo Peskov", 2)]
    assert store.count_quotes(speaker="Ana Ruiz") == 0
    assert store.count_quotes(Filter(unread_only=True), speaker="Ivo Peskov") == 2
    # No code changes a speaker in place today; the table follows if one does.
    store.conn.execute("UPDATE quotes SET speaker = 'Ana Ruiz' WHERE article_id = 2")
    store.conn.execute("UPDATE quotes SET speaker = NULL WHERE article_id = 1")
    assert store.speakers() == [("Ana Ruiz", 1)]


def test_unread_count_of_a_search_follows_the_marks(store):
    store.save([article(n, ["Ana Ruiz"] if n % 2 else []) for n in range(1, 9)])
    view = Filter(query="story", unread_only=True)
    assert store.count(view) == 8
    store.mark_read([1, 2, 3])
    assert store.count(view) == 5
    assert [r.id for r in store.page(view, limit=3)] == [8, 7, 6]
    store.mark_read([2], read=False)
    assert store.count(view) == 6
    # Each match is looked up in the index of unread ids, never in articles' rows.
    plan = planner.plan_view(store.conn, view)
    steps = [
        row[-1] for row in store.conn.execute(f"EXPLAIN QUERY PLAN {plan.count()}", plan.params)
    ]
    assert any("USING INDEX articles_unread_ids" in step for step in steps), steps
    assert not any("PRIMARY KEY" in step for step in steps), steps


def test_migration_9_counts_the_speakers_of_an_older_file(tmp_path):
    path = tmp_path / "old.db"
    with Store(path) as store:
        store.save([article(1, ["Ana Ruiz", "Ana Ruiz", None]), article(2, ["Ivo Peskov"])])
    conn = sqlite3.connect(path)
    for trigger in ("speakers_counted", "speakers_uncounted", "speakers_moved"):
        conn.execute(f"DROP TRIGGER {trigger}")
    conn.execute("DROP TABLE speakers")
    conn.execute("DROP INDEX articles_unread_ids")
    conn.execute("PRAGMA user_version = 8")
    conn.commit()
    conn.close()
    open_database(path).close()  # from schema 9 to the latest
    with Store(path) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
        assert store.speakers() == [("Ana Ruiz", 2), ("Ivo Peskov", 1)]
        store.save([article(3, ["Ivo Peskov"])])
        assert store.speakers() == [("Ana Ruiz", 2), ("Ivo Peskov", 2)]
        assert store.count(Filter(query="story", unread_only=True)) == 3


@pytest.mark.parametrize(
    "view, speaker",
    [
        (Filter(), None),
        (Filter(), "Ivo Peskov"),
        (Filter(unread_only=True), "Ana Ruiz"),
        (Filter(tags=("Odd",)), None),
        (Filter(tags=("Odd",)), "Ana Ruiz"),
        (Filter(query="story"), None),
        (Filter(query="story", tags=("Odd",)), "Ivo Peskov"),
    ],
    ids=lambda value: value.describe() if isinstance(value, Filter) else str(value),
)
def test_quotes_pages_follow_the_views_order(store, view, speaker):
    """Pages by keyset and by offset give the view's articles in its order (a search's by
    id, newest first), each article's quotes in reading order, and their number."""
    for n in range(1, 21):  # one at a time: ids in this order, dates in another
        store.save(
            [
                dataclasses.replace(
                    article(n, ["Ana Ruiz", None, "Ivo Peskov"][: 1 + n % 3]),
                    published=f"2025-03-{28 - n:02d}T08:00" if n % 4 else f"2025-03-{n:02d}T09:00",
                    tags=("Odd",) if n % 2 else ("Even",),
                )
            ]
        )
    store.mark_read([2, 3])
    articles = [r.id for r in store.page(view, limit=100)]
    wanted = [
        (q.article_id, q.seq)
        for article_id in articles
        for q in store.quotes(Filter(), limit=1000)
        if q.article_id == article_id and (speaker is None or q.speaker == speaker)
    ]
    wanted.sort(key=lambda key: (articles.index(key[0]), key[1]))
    assert wanted, "the case must have quotes"
    if view.query:  # a search lists by id, and these ids do not follow the dates
        assert articles != [r.id for r in store.page(replace(view, query=""), limit=100)]
    for size in (1, 2, 5):
        got, last = [], None
        while page := store.quotes(view, speaker=speaker, after=last, limit=size):
            got += [(q.article_id, q.seq) for q in page]
            last = page[-1].key
        assert got == wanted
    at = [(q.article_id, q.seq) for q in store.quotes(view, speaker=speaker, offset=2, limit=3)]
    assert at == wanted[2:5]
    assert store.count_quotes(view, speaker=speaker) == len(wanted)
