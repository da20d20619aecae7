"""Search: the query syntax, folding, combination with filters, and hostile input."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.article import Article, Block
from reader.filters import Filter
from reader.search import match_spans, parse_query
from reader.store import Store
from tests.conftest import back_to_schema_4, back_to_schema_7

ARTICLES = [
    Article(
        "Kremlin says talks go on", "2025-05-01T10:00", "AA", lede="Moscow spoke.", tags=("Russia",)
    ),
    Article(
        "Café owners in Zürich protest",
        "2025-05-02T10:00",
        "AA",
        lede="Prices rise step by step.",
        tags=("Economy",),
    ),
    Article(
        "İstanbul hosts the summit",
        "2025-05-03T10:00",
        "BB",
        body=(Block("paragraph", "Delegates met in Diyarbakır too."),),
        tags=("Turkey",),
    ),
    Article(
        "Kyiv's mayor speaks",
        "2025-05-04T10:00",
        "BB",
        body=(Block("paragraph", "The minister said step by step reforms work."),),
        tags=("Ukraine", "Economy"),
    ),
    Article(
        "Markets calm",
        "2025-05-05T10:00",
        "CC",
        lede="Step forward, then a step back.",
        tags=("Economy",),
    ),
]


@pytest.fixture
def searchable(store: Store) -> Store:
    store.save(ARTICLES)
    return store


def found(store: Store, query: str, **view) -> list[str]:
    rows = store.page(Filter(query=query, **view), limit=50)
    assert store.count(Filter(query=query, **view)) == len(rows)
    return [r.headline for r in rows]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kreml", ["Kremlin says talks go on"]),  # prefix
        ("KREMLIN", ["Kremlin says talks go on"]),  # case
        ("cafe", ["Café owners in Zürich protest"]),  # diacritics
        ("zurich", ["Café owners in Zürich protest"]),
        ("istanbul", ["İstanbul hosts the summit"]),  # Turkish dotted capital I
        ("diyarbakir", ["İstanbul hosts the summit"]),  # Turkish dotless i
        ("Diyarbakır", ["İstanbul hosts the summit"]),
        ("kyiv", ["Kyiv's mayor speaks"]),
        ('"step by step"', ["Kyiv's mayor speaks", "Café owners in Zürich protest"]),  # phrase
        ("step -minister", ["Markets calm", "Café owners in Zürich protest"]),  # exclusion
        ('step -"step by step"', ["Markets calm"]),
        ("ukraine", ["Kyiv's mayor speaks"]),  # tags are searched too
        ("economy step", ["Markets calm", "Kyiv's mayor speaks", "Café owners in Zürich protest"]),
    ],
)
def test_query_forms(searchable, query, expected):
    assert found(searchable, query) == expected


def test_search_combines_with_tags_and_unread(searchable):
    assert found(searchable, "step", tags=("economy",)) == [
        "Markets calm",
        "Kyiv's mayor speaks",
        "Café owners in Zürich protest",
    ]
    assert found(searchable, "step", tags=("economy", "ukraine")) == ["Kyiv's mayor speaks"]
    markets = searchable.page(Filter(query="markets"))[0].id
    searchable.mark_read([markets])
    assert found(searchable, "step", tags=("economy",), unread_only=True) == [
        "Kyiv's mayor speaks",
        "Café owners in Zürich protest",
    ]


def test_search_pages_by_keyset_and_offset(store):
    store.save(
        [
            Article(
                f"Report {i}", f"2025-01-01T{i // 60:02d}:{i % 60:02d}", "AA", lede="common word"
            )
            for i in range(120)
        ]
    )
    view = Filter(query="common")
    first = store.page(view, limit=50)
    second = store.page(view, after=first[-1].key, limit=50)
    assert len({r.id for r in first + second}) == 100
    assert [r.id for r in store.page(view, before=second[0].key, limit=3)] == [
        r.id for r in first[-3:]
    ]
    assert [r.id for r in store.page_at(view, 50, 5)] == [r.id for r in second[:5]]
    assert store.position(view, second[0].key) == 50
    assert store.last_page(view, 3)[-1].headline == "Report 0"


def test_relevance_order(searchable):
    view = Filter(query="step", relevance=True)
    rows = searchable.page_at(view, 0, 10)
    assert rows[0].headline == "Markets calm"  # "step" twice in a short lede ranks first
    assert searchable.count(view) == 3
    with pytest.raises(ValueError):
        searchable.page(view, after=rows[0].key)


def test_updates_and_marks_keep_search_in_step(searchable):
    edited = dataclasses.replace(ARTICLES[0], lede="Moscow said nothing new.")
    searchable.save([edited])
    assert found(searchable, "spoke") == []
    assert found(searchable, "nothing") == ["Kremlin says talks go on"]
    assert searchable.mark_all_read(Filter(query="kremlin")) == [
        searchable.page(Filter(query="kremlin"))[0].id
    ]


HOSTILE = [
    '"',
    "NEAR(",
    "a OR",
    "*",
    "title:x",
    "'); DROP TABLE articles;--",
    "%_",
    "AND",
    "NOT",
    "(",
    ")",
    "^",
    "-",
    "--",
    '""',
    "x" * 1000,
    "\x00\x1b[2J\u202e",
    "a:b:c",
    '"a" "b',
    "+",
    "{",
    "col:",
    "NEAR(a b, 3)",
    "-kremlin",
    "   ",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_raise(searchable, query):
    view = Filter(query=query)
    searchable.count(view)
    searchable.page(view)
    searchable.page_at(Filter(query=query, relevance=True), 0)
    assert searchable.count(Filter()) == 5  # and nothing was dropped


def test_a_query_that_cannot_mean_anything_says_why():
    assert parse_query("-kremlin").problem == "add a word to look for: '-' only excludes"
    assert parse_query("%_*").problem == "no letters or digits to look for"
    assert parse_query("").problem is None
    assert parse_query("kreml").problem is None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_any_text_is_a_valid_query(text):
    import sqlite3

    query = parse_query(text)
    if query.fts is None:
        return
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE f USING fts5(t, tokenize='unicode61 remove_diacritics 2')")
    conn.execute("INSERT INTO f VALUES ('some text')")
    conn.execute("SELECT * FROM f WHERE f MATCH ?", (query.fts,)).fetchall()


def test_match_spans_for_highlighting():
    words = parse_query('kreml "step by" -moscow').highlight_words()
    text = "Kremlin: step by step, not Moscow; KREMLINS"
    assert [text[a:b] for a, b in match_spans(text, words)] == [
        "Kremlin",
        "step",
        "by",
        "step",
        "KREMLINS",
    ]
    assert [
        "İstanbul, Café"[a:b]
        for a, b in match_spans("İstanbul, Café", parse_query("istanbul cafe").highlight_words())
    ] == ["İstanbul", "Café"]


def test_a_version_1_database_is_migrated_and_searchable(tmp_path):
    import sqlite3

    from reader.schema import APPLICATION_ID, MIGRATIONS, _statements

    path = tmp_path / "v1.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in _statements(MIGRATIONS[0]):
        conn.execute(statement)
    conn.execute(
        "INSERT INTO articles (id, identity, headline, sort_key, body, content_hash, imported_at)"
        " VALUES (1, 'x', 'Diyarbakır market reopens', '2025-01-01T00:00:00', '[]', 'h', 'now')"
    )
    conn.execute(
        "INSERT INTO articles_fts (rowid, headline, lede)"
        " VALUES (1, 'Diyarbakır market reopens', '')"
    )
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    with Store(path) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert [r.id for r in store.page(Filter(query="diyarbakir"))] == [1]
        store.conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")


NORDIC = Article(
    "Tromsø and Łódź twin their harbours",
    "2025-05-06T10:00",
    "DD",
    lede="The Straße of Ærø, said Đoković.",
    body=(Block("paragraph", "Þór met the mayor of Ħamrun; œuvres were shown. Ǿresund, Ǽsir."),),
    tags=("Ærø",),
)


@pytest.mark.parametrize(
    "query",
    ["tromso", "Tromsø", "TROMSØ", "lodz", "Łódź", "strasse", "Straße", "aero", "Ærø",
     "dokovic", "thor", "hamrun", "oeuvres", '"tromso and lodz"', "oresund", "aesir",
     "Ǿresund"],
)  # fmt: skip
def test_letters_the_tokenizer_keeps_apart_are_folded(store, query):
    store.save([*ARTICLES, NORDIC])
    assert found(store, query) == [NORDIC.headline]


def test_folded_letters_are_highlighted():
    words = parse_query("tromso lodz").highlight_words()
    text = "Tromsø and Łódź"
    assert [text[a:b] for a, b in match_spans(text, words)] == ["Tromsø", "Łódź"]


_FOLDED = "aßẞøØłŁıİæÆœŒþÞðÐđĐħĦǿǾǽǼǣǢ \n'é\u0301东京股市カナ한국𠀋豈。"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(_FOLDED), min_size=1))
def test_the_view_folds_exactly_as_python_does(text):
    """The index is fed by Python and deleted through the view: both must fold alike."""
    import json
    import sqlite3

    from reader.schema import MIGRATIONS, _statements
    from reader.search import fold_for_index

    conn = sqlite3.connect(":memory:", isolation_level=None)
    for migration in MIGRATIONS:
        for statement in _statements(migration):
            conn.execute(statement)
    conn.execute(
        "INSERT INTO articles (id, identity, headline, lede, body, sort_key, content_hash,"
        " imported_at) VALUES (1, 'x', ?, ?, ?, 'k', 'h', 'now')",
        (text, text, json.dumps([{"kind": "paragraph", "text": text}])),
    )
    conn.execute("INSERT INTO tags (id, name, key) VALUES (1, ?, 'k')", (text,))
    conn.execute(
        "INSERT INTO article_tags (tag_id, sort_key, article_id, position, read)"
        " VALUES (1, 'k', 1, 0, 0)"
    )
    row = conn.execute("SELECT headline, lede, body, tags FROM article_search").fetchone()
    assert row == (fold_for_index(text),) * 4


def test_a_version_3_database_is_reindexed_with_the_new_folds(tmp_path):
    from reader.schema import MIGRATIONS, _statements

    path = tmp_path / "v3.db"
    with Store(path) as store:
        store.save([NORDIC])
        # Back to schema 3: migration 2's view (it folds ı only), and the index rebuilt from it.
        back_to_schema_4(store.conn)
        for statement in _statements(MIGRATIONS[1]):
            store.conn.execute(statement)
        store.conn.execute("PRAGMA user_version = 3")
        # (The store's lists read schema 5's columns: ask the index itself.)
        match = "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'tromso'"
        assert store.conn.execute(match).fetchone()[0] == 0
    with Store(path) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert found(store, "tromso") == [NORDIC.headline]
        # An update deletes the old terms through the new view: the index stays whole.
        store.save([dataclasses.replace(NORDIC, lede="Nothing about it now.")])
        assert found(store, "strasse") == []
        assert found(store, "lodz") == [NORDIC.headline]
        store.conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")


CJK = [
    Article("东京股市大涨", "2025-06-01T10:00", "新华社", lede="日经平均指数创下新高。"),
    Article("株式市場が急騰", "2025-06-01T11:00", "共同", lede="東京の投資家は喜んだ。"),
    Article("서울에서 회의가 열렸다", "2025-06-01T12:00", "연합", tags=("한국경제",)),
    Article("Tokyo股市 closes higher", "2025-06-01T13:00", "AA"),
]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("股市", ["Tokyo股市 closes higher", "东京股市大涨"]),  # a word inside a run
        ("大涨", ["东京股市大涨"]),
        ("涨大", []),  # a run is a phrase: its characters in order
        ("股", ["Tokyo股市 closes higher", "东京股市大涨"]),
        ("新高", ["东京股市大涨"]),  # in the lede
        ("市場", ["株式市場が急騰"]),
        ("投資家", ["株式市場が急騰"]),
        ("서울", ["서울에서 회의가 열렸다"]),  # Korean: a word with its particle attached
        ("경제", ["서울에서 회의가 열렸다"]),  # in a tag
        ('"股市 closes"', ["Tokyo股市 closes higher"]),
        ("tokyo股市", ["Tokyo股市 closes higher"]),
        ("股市 -tokyo", ["东京股市大涨"]),
    ],
)
def test_words_are_found_inside_cjk_text(store, query, expected):
    store.save(CJK)
    assert found(store, query) == expected


def test_cjk_matches_are_highlighted_character_by_character():
    words = parse_query("股市").highlight_words()
    text = "东京股市大涨"
    assert [text[a:b] for a, b in match_spans(text, words)] == ["股", "市"]


def test_a_cjk_article_updated_and_deleted_keeps_the_index_whole(store):
    store.save(CJK)
    store.save([dataclasses.replace(CJK[0], lede="没有新闻。")])
    assert found(store, "新高") == []
    assert found(store, "新闻") == ["东京股市大涨"]
    store.conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")


def test_tags_differing_only_by_case_are_one_tag(store):
    from reader.article import tag_key

    assert tag_key("İstanbul") == tag_key("ISTANBUL") == tag_key("istanbul")
    assert tag_key("ΣΟΦΙΑ") == tag_key("σοφια")
    store.save([Article("A", "2025-06-01T10:00", "X", tags=("İstanbul",))])
    store.save([Article("B", "2025-06-01T11:00", "X", tags=("ISTANBUL",))])
    assert [(t.name, t.articles) for t in store.tags()] == [("İstanbul", 2)]


def test_migration_6_merges_tags_that_now_collide_and_reindexes(tmp_path):
    """A schema-5 database holding #İstanbul and #ISTANBUL as two tags (the old key kept
    the combining dot): the upgrade makes them one, with consistent counts and index."""
    from reader.schema import MIGRATIONS, _statements

    path = tmp_path / "v5.db"
    with Store(path) as store:
        store.save(
            [
                Article("A", "2025-06-01T10:00", "X", tags=("İstanbul", "Ankara")),
                Article("B", "2025-06-01T11:00", "X", tags=("Ankara", "İstanbul")),
                Article("C", "2025-06-01T12:00", "X", tags=("İzmir",)),
                Article("东京股市大涨", "2025-06-01T13:00", "X"),
            ]
        )
        conn = store.conn
        conn.execute("BEGIN")
        # What the old tag_key gave: "İ" folded to i and a combining dot above.
        conn.execute("UPDATE tags SET key = 'i\u0307stanbul' WHERE key = 'istanbul'")
        conn.execute("UPDATE tags SET key = 'i\u0307zmir' WHERE key = 'izmir'")
        conn.execute("INSERT INTO tags (name, key) VALUES ('ISTANBUL', 'istanbul')")
        upper = conn.execute("SELECT id FROM tags WHERE name = 'ISTANBUL'").fetchone()[0]
        for article in ("B", "C"):  # B had both spellings; C only the new one
            conn.execute(
                "INSERT INTO article_tags (tag_id, sort_key, article_id, position, read)"
                " SELECT ?, sort_key, id, 5, read FROM articles WHERE headline = ?",
                (upper, article),
            )
        conn.execute("UPDATE articles SET read = 1 WHERE headline = 'C'")
        back_to_schema_7(conn)
        # Back to schema 5: the view and index of before (no CJK spacing).
        for statement in _statements(MIGRATIONS[3]):
            conn.execute(statement)
        conn.execute("PRAGMA user_version = 5")
        conn.execute("COMMIT")
        assert conn.execute("SELECT count(*) FROM tags").fetchone()[0] == 4
    with Store(path) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        tags = {t.name: (t.articles, t.unread) for t in store.tags()}
        assert tags == {"İstanbul": (3, 2), "Ankara": (2, 2), "İzmir": (1, 0)}
        assert found(store, "#İSTANBUL".lstrip("#")) == ["C", "B", "A"]
        assert store.page(Filter(tags=("ISTANBUL",)), limit=10)[0].headline == "C"
        assert found(store, "股市") == ["东京股市大涨"]
        assert all(finding.ok for finding in store.check()), store.check()
