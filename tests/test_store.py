"""The store: identity, update in place, read marks, filters, counters, refusals."""

from __future__ import annotations

import dataclasses
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.article import Article, Block, Quote
from reader.filters import Filter
from reader.parse import parse_bytes
from reader.schema import APPLICATION_ID, LATEST_VERSION, DatabaseError
from reader.store import Incoming, Store


def art(n: int, tags=("Russia",), day: int | None = None, **kw) -> Article:
    values = dict(
        headline=f"Headline {n}",
        published=f"2025-05-{(day or n) % 28 + 1:02d}T10:{n % 60:02d}",
        source="AA",
        lede=f"Lede {n}",
        body=(Block("paragraph", f"Body text number{n}"), Block("subheading", "Sub")),
        tags=tags,
        quotes=(Quote("Body", "body", 0, 0, 6, "Ana"),),
    )
    values.update(kw)
    return Article(**values)


def fts_ids(store: Store, query: str) -> list[int]:
    return [
        r[0]
        for r in store.conn.execute(
            "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rowid", (query,)
        )
    ]


def test_new_database_is_marked_and_in_wal(store, db_path):
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"articles", "tags", "article_tags", "quotes", "articles_fts"} <= tables


def test_save_reports_new_unchanged_updated(store):
    first = store.save([art(1), art(2)])
    assert first.outcomes == ["new", "new"]
    assert store.save([art(1), art(2)]).outcomes == ["unchanged", "unchanged"]
    changed = dataclasses.replace(art(1), lede="A new lede")
    again = store.save([changed])
    assert again.outcomes == ["updated"]
    assert again.ids == [first.ids[0]]
    assert store.article(first.ids[0]).article.lede == "A new lede"
    assert store.count() == 2


def test_identity_ignores_case_and_spacing_of_headline_and_source(store):
    store.save([art(1)])
    same = dataclasses.replace(art(1), headline="  HEADLINE   1 ", source="aa")
    assert store.save([same]).outcomes == ["updated"]  # same article, text changed
    assert store.count() == 1


def test_update_keeps_read_and_starred(store):
    (article_id,) = store.save([art(1, tags=("A", "B"))]).ids
    store.mark_read([article_id])
    store.set_starred([article_id])
    store.save([dataclasses.replace(art(1), lede="edited", tags=("B", "C"))])
    stored = store.article(article_id)
    assert stored.read and stored.starred
    assert stored.article.tags == ("B", "C")
    counts = {t.name: (t.articles, t.unread) for t in store.tags()}
    assert counts == {"B": (1, 0), "C": (1, 0)}
    assert store.unread_count() == 0


def test_update_keeps_search_index_in_step(store):
    (article_id,) = store.save([art(1)]).ids
    assert fts_ids(store, "number1") == [article_id]
    store.save([dataclasses.replace(art(1), body=(Block("paragraph", "Replaced words"),))])
    assert fts_ids(store, "number1") == []
    assert fts_ids(store, "replaced") == [article_id]
    assert fts_ids(store, "tags:russia") == [article_id]
    store.conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")


def test_round_trip_of_the_sample(store, sample_bytes):
    article = parse_bytes(sample_bytes, origin="sample.txt")
    (article_id,) = store.save([article]).ids
    assert store.article(article_id).article == article


def test_tags_are_shared_case_insensitively_with_first_spelling(store):
    store.save([art(1, tags=("russia",)), art(2, tags=("Russia", "Europe"))])
    assert [(t.name, t.articles) for t in store.tags()] == [("russia", 2), ("Europe", 1)]
    assert store.article(2).article.tags == ("russia", "Europe")


def test_filters_and_counts(store):
    store.save([art(i, tags=("A", "B") if i % 2 else ("A",)) for i in range(1, 21)])
    store.mark_read([1, 2, 3])
    assert store.count(Filter()) == 20
    assert store.count(Filter(unread_only=True)) == 17
    assert store.count(Filter(tags=("a",))) == 20
    assert store.count(Filter(tags=("B",), unread_only=True)) == 8
    assert store.count(Filter(tags=("A", "B"))) == 10
    assert store.count(Filter(tags=("A", "B"), unread_only=True)) == 8
    assert store.count(Filter(tags=("nope",))) == 0
    assert store.page(Filter(tags=("nope",))) == []
    rows = store.page(Filter(tags=("B", "A"), unread_only=True), limit=100)
    assert [r.id for r in rows] == [19, 17, 15, 13, 11, 9, 7, 5]


def test_keyset_pages_cover_every_row_once_in_order(store):
    store.save([art(i, day=i % 5) for i in range(1, 101)])  # many equal dates: ties on id
    for view in (Filter(), Filter(tags=("Russia",))):
        seen, after = [], None
        while True:
            rows = store.page(view, after=after, limit=7)
            if not rows:
                break
            seen += rows
            after = rows[-1].key
        assert len(seen) == 100 == len({r.id for r in seen})
        keys = [r.key for r in seen]
        assert keys == sorted(keys, reverse=True)
        assert [r.id for r in store.page(view, before=keys[50], limit=3)] == [
            r.id for r in seen[47:50]
        ]
        assert [r.id for r in store.page_at(view, 40, 5)] == [r.id for r in seen[40:45]]
        assert [r.id for r in store.last_page(view, 4)] == [r.id for r in seen[-4:]]
        assert store.position(view, seen[33].key) == 33
        assert store.contains(view, seen[0].id)


def test_mark_all_read_and_restore(store):
    store.save([art(i, tags=("A",) if i <= 5 else ("B",)) for i in range(1, 11)])
    store.mark_read([2])
    changed = store.mark_all_read(Filter(tags=("A",)))
    assert sorted(changed) == [1, 3, 4, 5]
    assert store.count(Filter(unread_only=True)) == 5
    store.restore_read({i: False for i in changed})
    assert store.count(Filter(unread_only=True)) == 9
    assert store.article(2).read


def test_mark_returns_previous_states_and_skips_missing(store):
    store.save([art(1), art(2)])
    assert store.mark_read([1, 99]) == {1: False}
    assert store.mark_read([1, 2], read=False) == {1: True, 2: False}


def test_counters_agree_with_a_recount(store):
    store.save([art(i, tags=("A", "B")[: i % 3]) for i in range(1, 40)])
    store.mark_read(range(1, 40, 3))
    store.mark_all_read(Filter(tags=("B",)))
    store.save([dataclasses.replace(art(i, tags=("C",)), lede="x") for i in range(1, 10)])
    store.mark_read([5, 6], read=False)
    conn = store.conn
    for tag in store.tags():
        assert (
            tag.articles
            == conn.execute(
                "SELECT count(*) FROM article_tags WHERE tag_id = ?", (tag.id,)
            ).fetchone()[0]
        )
        assert (
            tag.unread
            == conn.execute(
                "SELECT count(*) FROM article_tags x JOIN articles a ON a.id = x.article_id"
                " WHERE x.tag_id = ? AND a.read = 0",
                (tag.id,),
            ).fetchone()[0]
        )
    assert (
        store.unread_count()
        == conn.execute("SELECT count(*) FROM articles WHERE read = 0").fetchone()[0]
    )


def test_incoming_state_and_preferred_id(store):
    result = store.save([Incoming(art(1), id=42, read=True, starred=True), Incoming(art(2), id=42)])
    assert result.ids == [42, 43]
    assert store.article(42).read and store.article(42).starred
    assert not store.article(43).read


def test_unknown_date_sorts_by_import_time(store):
    store.save([art(1), art(2, published=None)])
    assert [r.id for r in store.page()] == [2, 1]


def test_a_failed_batch_leaves_nothing(store):
    bad = art(2, quotes=(Quote("x", "nowhere", None, 0, 1),))  # violates the CHECK on part
    with pytest.raises(sqlite3.IntegrityError):
        store.save([art(1), bad])
    assert store.count() == 0
    assert store.conn.execute("SELECT count(*) FROM article_tags").fetchone()[0] == 0
    assert store.tags() == []


def test_refuses_a_file_that_is_not_sqlite(tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"just some text, not a database\n" * 10)
    before = path.read_bytes()
    with pytest.raises(DatabaseError, match="not a reader database"):
        Store(path)
    assert path.read_bytes() == before


def test_refuses_another_applications_database(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE things (x)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(DatabaseError, match="another program"):
        Store(path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA application_id = 7")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(DatabaseError, match="application_id"):
        Store(path)
    assert path.read_bytes() == before


def test_refuses_a_newer_schema(db_path):
    Store(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    conn.close()
    with pytest.raises(DatabaseError, match="newer reader"):
        Store(db_path)


def test_migrates_an_empty_file(tmp_path):
    path = tmp_path / "empty.db"
    path.write_bytes(b"")
    with Store(path) as store:
        assert store.count() == 0


def test_read_only_store_reads_but_refuses_writes(db_path):
    with Store(db_path) as store:
        store.save([art(1)])
    with Store(db_path, readonly=True) as store:
        assert store.count() == 1
        with pytest.raises(DatabaseError, match="read-only"):
            store.mark_read([1])


def test_fresh_ids_follow_dates_whatever_the_input_order(store):
    result = store.save([art(3), art(1), art(2)])
    assert result.ids == [3, 1, 2]  # ids given in date order, reported in input order
    assert [r.id for r in store.page()] == [3, 2, 1]


def test_the_same_article_twice_in_one_batch(store):
    edited = dataclasses.replace(art(1), lede="second version")
    result = store.save([art(1), art(1), edited])
    assert result.outcomes == ["new", "unchanged", "updated"]
    assert result.ids == [1, 1, 1]
    assert store.count() == 1
    assert store.article(1).article.lede == "second version"


def test_a_transaction_abandoned_by_ctrl_c_is_quiet_after_close(db_path):
    """Ctrl-C landing between BEGIN and the `with` block leaves the transaction's generator
    suspended; the command closes the store (SQLite rolls back), and when the generator is
    collected later it must not try to roll back on the closed connection
    ("Exception ignored ... Cannot operate on a closed database" at exit)."""
    import gc
    import sys

    unraisable: list[object] = []
    previous, sys.unraisablehook = sys.unraisablehook, unraisable.append
    try:
        store = Store(db_path)
        context = store.transaction()
        context.__enter__()  # the `with` block never starts: __exit__ is never called
        store.close()
        del context
        gc.collect()
    finally:
        sys.unraisablehook = previous
    assert unraisable == []
    with Store(db_path) as store:  # the rollback happened: the file takes writes again
        store.mark_read([1])


def test_a_write_waits_for_another_writer_then_gets_in(db_path):
    import threading

    Store(db_path).close()
    other = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    threading.Timer(0.2, other.execute, ("COMMIT",)).start()
    with Store(db_path) as store:
        store.save([art(1)])  # waits for the other writer's lock, then writes
        assert store.count() == 1
        assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    other.close()


def test_a_lock_held_past_the_timeout_is_an_error_and_changes_nothing(db_path, monkeypatch):
    import reader.store

    with Store(db_path) as store:
        store.save([art(1)])
    monkeypatch.setattr(reader.store, "BUSY_TIMEOUT_MS", 100)
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with Store(db_path) as store:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                store.mark_read([store.page(Filter())[0].id])
            assert not store.conn.in_transaction
            assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] == 100
    finally:
        other.close()
    with Store(db_path) as store:
        assert store.count(Filter(unread_only=True)) == 1


def test_a_snapshot_sees_one_moment_whatever_commits_meanwhile(demo_db):
    from reader.filters import Filter

    with Store(demo_db) as store, Store(demo_db) as other:
        with store.snapshot():
            before = store.count(Filter(unread_only=True))
            other.mark_all_read()
            assert store.count(Filter(unread_only=True)) == before
            assert [row.read for row in store.page(Filter(), limit=3)] == [False] * 3
        assert store.count(Filter(unread_only=True)) == 0


@settings(max_examples=200, deadline=None)
@given(
    headline=st.text(max_size=20),
    lede=st.text(max_size=20),
    source=st.none() | st.text(max_size=8),
    published=st.none() | st.text(max_size=8),
    link=st.none() | st.text(max_size=8),
    captions=st.lists(st.text(max_size=8), max_size=2),
    body=st.lists(
        st.tuples(st.sampled_from(["paragraph", "subheading"]), st.text(max_size=20)), max_size=3
    ),
    tags=st.lists(st.text(max_size=8), max_size=3),
    warnings=st.lists(st.sampled_from(["no-date", "ünïcode", 'quote"d']), max_size=2),
)
def test_the_prepared_content_hash_is_the_content_hash(
    headline, lede, source, published, link, captions, body, tags, warnings
):
    """The hash put together around the stored JSON equals the one of the whole content
    as json.dumps writes it (the format every stored hash has): an article re-imported is
    "unchanged", as it was before that shortcut."""
    import hashlib
    import json

    from reader.article import Block
    from reader.writer import Prepared, content_hash

    article = Article(
        headline, published, source, lede=lede, link=link, captions=tuple(captions),
        body=tuple(Block(kind, text) for kind, text in body), tags=tuple(tags),
        warnings=tuple(warnings),
    )  # fmt: skip
    content = {
        "headline": headline, "published": published, "source": source,
        "captions": captions, "lede": lede, "tags": tags, "warnings": warnings,
        "body": [{"kind": kind, "text": text} for kind, text in body],
    }  # fmt: skip
    if link is not None:
        content["link"] = link
    blob = json.dumps(content, ensure_ascii=False, sort_keys=True)
    expected = hashlib.sha1(blob.encode()).hexdigest()
    assert content_hash(article) == expected
    assert Prepared.of(Incoming(article)).digest == expected
