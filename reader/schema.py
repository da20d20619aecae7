"""The database schema as code: DDL, numbered migrations and the pragmas every connection sets.

A reader database is recognised by ``PRAGMA application_id`` (``APPLICATION_ID``)
and versioned by ``PRAGMA user_version`` (the number of migrations applied).
Opening never changes a file before it has been recognised.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path

#: "NEWS" in ASCII: marks a file as this application's database.
APPLICATION_ID = 0x4E455753
BUSY_TIMEOUT_MS = 5000


class DatabaseError(Exception):
    """A database that cannot be used; ``str(error)`` is one line for the user."""


class DatabaseGone(DatabaseError):
    """The file at the database's path is no longer the one opened (deleted, moved,
    replaced) or can no longer be read: nothing more may be written through this path."""


# Each entry is one migration; entry N brings user_version from N to N+1.
MIGRATIONS: list[str] = [
    """
    -- One row per article. Lists are JSON so a person can read them in Datasette.
    CREATE TABLE articles (
        id           INTEGER PRIMARY KEY,
        identity     TEXT NOT NULL UNIQUE,   -- hash of normalised headline, date and source
        headline     TEXT NOT NULL,
        published    TEXT,                   -- ISO 8601 as the source gave it, NULL if unknown
        sort_key     TEXT NOT NULL,          -- list order: published in UTC, or import time
        source       TEXT,
        captions     TEXT NOT NULL DEFAULT '[]',  -- JSON list of strings
        lede         TEXT NOT NULL DEFAULT '',
        body         TEXT NOT NULL DEFAULT '[]',  -- JSON list of {"kind", "text"}
        warnings     TEXT NOT NULL DEFAULT '[]',  -- JSON list of words
        origin       TEXT,                   -- path or URL it came from
        content_hash TEXT NOT NULL,          -- tells "updated" from "unchanged" on re-import
        read         INTEGER NOT NULL DEFAULT 0 CHECK (read IN (0, 1)),
        starred      INTEGER NOT NULL DEFAULT 0 CHECK (starred IN (0, 1)),
        imported_at  TEXT NOT NULL,
        updated_at   TEXT
    );
    CREATE INDEX articles_newest ON articles (sort_key DESC, id DESC);
    CREATE INDEX articles_unread ON articles (sort_key DESC, id DESC) WHERE read = 0;
    CREATE INDEX articles_starred ON articles (sort_key DESC, id DESC) WHERE starred = 1;

    -- Tags compare case-insensitively: "key" is the folded form, "name" the first spelling.
    CREATE TABLE tags (
        id            INTEGER PRIMARY KEY,
        name          TEXT NOT NULL,
        key           TEXT NOT NULL UNIQUE,
        article_count INTEGER NOT NULL DEFAULT 0,   -- kept by triggers
        unread_count  INTEGER NOT NULL DEFAULT 0    -- kept by triggers
    );

    -- sort_key and read are copied from articles so that "newest of a tag" and
    -- "unread of a tag" are index range scans, not joins sorted afterwards.
    CREATE TABLE article_tags (
        tag_id     INTEGER NOT NULL REFERENCES tags (id),
        sort_key   TEXT NOT NULL,
        article_id INTEGER NOT NULL REFERENCES articles (id),
        position   INTEGER NOT NULL,         -- order of the tag in the article
        read       INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (tag_id, sort_key DESC, article_id DESC)
    ) WITHOUT ROWID;
    CREATE UNIQUE INDEX article_tags_by_article ON article_tags (article_id, tag_id);
    CREATE INDEX article_tags_unread ON article_tags (tag_id, sort_key DESC, article_id DESC)
        WHERE read = 0;

    CREATE TABLE quotes (
        article_id INTEGER NOT NULL REFERENCES articles (id),
        seq        INTEGER NOT NULL,         -- reading order within the article
        part       TEXT NOT NULL CHECK (part IN ('headline', 'lede', 'body')),
        block      INTEGER,                  -- index into body, NULL for headline and lede
        start      INTEGER NOT NULL,         -- offsets of the span, marks included
        "end"      INTEGER NOT NULL,
        text       TEXT NOT NULL,            -- the words between the marks
        speaker    TEXT,
        PRIMARY KEY (article_id, seq)
    ) WITHOUT ROWID;
    CREATE INDEX quotes_speaker ON quotes (speaker) WHERE speaker IS NOT NULL;

    -- Totals kept by triggers so that no screen counts a million rows.
    CREATE TABLE counters (
        name  TEXT PRIMARY KEY,
        value INTEGER NOT NULL
    ) WITHOUT ROWID;
    INSERT INTO counters VALUES ('articles', 0), ('unread', 0), ('starred', 0);

    CREATE TRIGGER articles_counted AFTER INSERT ON articles BEGIN
        UPDATE counters SET value = value + 1 WHERE name = 'articles';
        UPDATE counters SET value = value + (NEW.read = 0) WHERE name = 'unread';
        UPDATE counters SET value = value + NEW.starred WHERE name = 'starred';
    END;
    CREATE TRIGGER articles_uncounted AFTER DELETE ON articles BEGIN
        UPDATE counters SET value = value - 1 WHERE name = 'articles';
        UPDATE counters SET value = value - (OLD.read = 0) WHERE name = 'unread';
        UPDATE counters SET value = value - OLD.starred WHERE name = 'starred';
    END;
    CREATE TRIGGER articles_read_changed AFTER UPDATE OF read ON articles
    WHEN OLD.read != NEW.read BEGIN
        UPDATE counters SET value = value + (OLD.read - NEW.read) WHERE name = 'unread';
        UPDATE article_tags SET read = NEW.read WHERE article_id = NEW.id;
        UPDATE tags SET unread_count = unread_count + (OLD.read - NEW.read)
            WHERE id IN (SELECT tag_id FROM article_tags WHERE article_id = NEW.id);
    END;
    CREATE TRIGGER articles_starred_changed AFTER UPDATE OF starred ON articles
    WHEN OLD.starred != NEW.starred BEGIN
        UPDATE counters SET value = value + (NEW.starred - OLD.starred) WHERE name = 'starred';
    END;
    CREATE TRIGGER articles_moved AFTER UPDATE OF sort_key ON articles
    WHEN OLD.sort_key != NEW.sort_key BEGIN
        UPDATE article_tags SET sort_key = NEW.sort_key WHERE article_id = NEW.id;
    END;
    CREATE TRIGGER article_tags_counted AFTER INSERT ON article_tags BEGIN
        UPDATE tags SET article_count = article_count + 1,
                        unread_count = unread_count + (NEW.read = 0)
            WHERE id = NEW.tag_id;
    END;
    CREATE TRIGGER article_tags_uncounted AFTER DELETE ON article_tags BEGIN
        UPDATE tags SET article_count = article_count - 1,
                        unread_count = unread_count - (OLD.read = 0)
            WHERE id = OLD.tag_id;
    END;

    -- What the search index holds for each article: headline, lede, body and tags as text.
    CREATE VIEW article_search (rowid, headline, lede, body, tags) AS
    SELECT a.id, a.headline, a.lede,
           (SELECT group_concat(b.value ->> 'text', char(10)) FROM json_each(a.body) AS b),
           (SELECT group_concat(name, char(10)) FROM (
                SELECT t.name FROM article_tags AS x JOIN tags AS t ON t.id = x.tag_id
                WHERE x.article_id = a.id ORDER BY x.position))
    FROM articles AS a;

    -- Full-text index over that view (external content: the text is not stored twice).
    -- The store keeps it in step in the same transaction as every article write.
    CREATE VIRTUAL TABLE articles_fts USING fts5 (
        headline, lede, body, tags,
        content = 'article_search',
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '2 3'
    );
    """,
    """
    -- 2: the tokenizer folds case and diacritics but keeps Turkish dotless i apart:
    -- index "ı" as "i" (and "İ" as "I"), so that "diyarbakir" finds "Diyarbakır".
    -- The same replace() runs in Python on the way in (reader.search.fold_for_index).
    DROP VIEW article_search;
    CREATE VIEW article_search (rowid, headline, lede, body, tags) AS
    SELECT a.id,
           replace(replace(a.headline, 'ı', 'i'), 'İ', 'I'),
           replace(replace(a.lede, 'ı', 'i'), 'İ', 'I'),
           replace(replace(
               (SELECT group_concat(b.value ->> 'text', char(10)) FROM json_each(a.body) AS b),
               'ı', 'i'), 'İ', 'I'),
           replace(replace(
               (SELECT group_concat(name, char(10)) FROM (
                    SELECT t.name FROM article_tags AS x JOIN tags AS t ON t.id = x.tag_id
                    WHERE x.article_id = a.id ORDER BY x.position)),
               'ı', 'i'), 'İ', 'I')
    FROM articles AS a;
    -- FTS5's own 'rebuild' fails on this view in SQLite 3.40 (json_each in a view it
    -- scans): empty the index and fill it from the view with an ordinary query instead.
    INSERT INTO articles_fts (articles_fts) VALUES ('delete-all');
    INSERT INTO articles_fts (rowid, headline, lede, body, tags)
        SELECT rowid, headline, lede, body, tags FROM article_search;
    """,
    """
    -- 3: cheaper search writes, measured by benchmarks/import_bench.py. A prefix index
    -- for two letters doubled the index and slowed every import; three-letter prefixes
    -- keep search-as-you-type quick from the third letter (longer prefixes are term
    -- range scans). A 8 MiB pending-terms buffer (default 1 MiB) flushes less often.
    DROP TABLE articles_fts;
    CREATE VIRTUAL TABLE articles_fts USING fts5 (
        headline, lede, body, tags,
        content = 'article_search',
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '3'
    );
    INSERT INTO articles_fts (articles_fts, rank) VALUES ('hashsize', 8388608);
    INSERT INTO articles_fts (rowid, headline, lede, body, tags)
        SELECT rowid, headline, lede, body, tags FROM article_search;
    """,
]


# Letters SQLite's unicode61 tokenizer keeps apart from their plain forms even with
# remove_diacritics (they have no Unicode decomposition): the search index is given them
# replaced, in Python on the way in (reader.search.fold_for_index) and in the
# article_search view (so that deletes see the same text). Migration 4 set this table;
# changing it needs a new migration that rebuilds the index.
SEARCH_FOLDS: tuple[tuple[str, str], ...] = (
    ("ı", "i"), ("İ", "I"),  # Turkish dotless and dotted i (migration 2)
    ("ø", "o"), ("Ø", "O"),  # Tromsø
    ("ł", "l"), ("Ł", "L"),  # Łódź
    ("đ", "d"), ("Đ", "D"),  # Đoković
    ("ð", "d"), ("Ð", "D"),  # Icelandic eth
    ("ħ", "h"), ("Ħ", "H"),  # Maltese
    ("þ", "th"), ("Þ", "TH"),  # Þór
    ("æ", "ae"), ("Æ", "AE"),  # Ærø
    # With an accent, the tokenizer takes these only as far as ø or æ:
    ("ǿ", "o"), ("Ǿ", "O"), ("ǽ", "ae"), ("Ǽ", "AE"), ("ǣ", "ae"), ("Ǣ", "AE"),
    ("œ", "oe"), ("Œ", "OE"),  # œuvre
    ("ß", "ss"), ("ẞ", "SS"),  # Straße
)  # fmt: skip


def _folded_sql(expression: str, folds: tuple[tuple[str, str], ...] = SEARCH_FOLDS) -> str:
    for letter, plain in folds:
        expression = f"replace({expression}, '{letter}', '{plain}')"
    return expression


# SQLite's parser allows about 20 nested calls in one expression: the view folds in two
# steps, a subquery for the first half of the table and the outer query for the rest.
_HALF = len(SEARCH_FOLDS) // 2


_BODY_TEXT = "(SELECT group_concat(b.value ->> 'text', char(10)) FROM json_each(a.body) AS b)"
_TAG_TEXT = (
    "(SELECT group_concat(name, char(10)) FROM ("
    "SELECT t.name FROM article_tags AS x JOIN tags AS t ON t.id = x.tag_id"
    " WHERE x.article_id = a.id ORDER BY x.position))"
)
MIGRATIONS.append(
    f"""
    -- 4: fold more letters the tokenizer keeps apart (ø, ł, đ, ð, ħ, þ, æ, œ, ß; see
    -- SEARCH_FOLDS), so that "tromso" finds Tromsø and "lodz" finds Łódź. Rebuilds the
    -- search index: a while on a large archive, once.
    DROP VIEW article_search;
    CREATE VIEW article_search (rowid, headline, lede, body, tags) AS
    SELECT id,
           {_folded_sql("headline", SEARCH_FOLDS[_HALF:])},
           {_folded_sql("lede", SEARCH_FOLDS[_HALF:])},
           {_folded_sql("body", SEARCH_FOLDS[_HALF:])},
           {_folded_sql("tags", SEARCH_FOLDS[_HALF:])}
    FROM (
        SELECT a.id AS id,
               {_folded_sql("a.headline", SEARCH_FOLDS[:_HALF])} AS headline,
               {_folded_sql("a.lede", SEARCH_FOLDS[:_HALF])} AS lede,
               {_folded_sql(_BODY_TEXT, SEARCH_FOLDS[:_HALF])} AS body,
               {_folded_sql(_TAG_TEXT, SEARCH_FOLDS[:_HALF])} AS tags
        FROM articles AS a
    );
    INSERT INTO articles_fts (articles_fts) VALUES ('delete-all');
    INSERT INTO articles_fts (rowid, headline, lede, body, tags)
        SELECT rowid, headline, lede, body, tags FROM article_search;
    """
)

MIGRATIONS.append(
    """
    -- 5: news feeds. One row per subscription; its articles point at it through
    -- articles.feed_id and carry their web link and the entry's id in the feed (guid).
    CREATE TABLE feeds (
        id            INTEGER PRIMARY KEY,
        url           TEXT NOT NULL UNIQUE,    -- what is fetched (http/https)
        title         TEXT,                    -- the feed's own title, or the one given
        title_given   INTEGER NOT NULL DEFAULT 0,  -- 1: a person named it; keep it
        site_url      TEXT,                    -- the site's home page, from the feed
        tags          TEXT NOT NULL DEFAULT '[]',  -- JSON list: added to each of its articles
        etag          TEXT,                    -- validators for a conditional refresh
        last_modified TEXT,
        added_at      TEXT NOT NULL,           -- UTC
        checked_at    TEXT,                    -- UTC, the last refresh tried
        updated_at    TEXT,                    -- UTC, the last refresh that worked
        last_error    TEXT,                    -- one line, NULL when the last refresh worked
        retry_after   TEXT,                    -- UTC: the server asked not to be asked before
        article_count INTEGER NOT NULL DEFAULT 0,  -- kept by triggers
        unread_count  INTEGER NOT NULL DEFAULT 0   -- kept by triggers
    );
    ALTER TABLE articles ADD COLUMN feed_id INTEGER;  -- feeds.id; NULL: not from a feed
    ALTER TABLE articles ADD COLUMN link TEXT;   -- http/https only
    ALTER TABLE articles ADD COLUMN guid TEXT;   -- the entry's id in its feed, as given
    CREATE INDEX articles_by_feed ON articles (feed_id, sort_key DESC, id DESC)
        WHERE feed_id IS NOT NULL;
    CREATE INDEX articles_by_feed_unread ON articles (feed_id, sort_key DESC, id DESC)
        WHERE feed_id IS NOT NULL AND read = 0;

    CREATE TRIGGER feed_articles_counted AFTER INSERT ON articles
    WHEN NEW.feed_id IS NOT NULL BEGIN
        UPDATE feeds SET article_count = article_count + 1,
                         unread_count = unread_count + (NEW.read = 0)
            WHERE id = NEW.feed_id;
    END;
    CREATE TRIGGER feed_articles_uncounted AFTER DELETE ON articles
    WHEN OLD.feed_id IS NOT NULL BEGIN
        UPDATE feeds SET article_count = article_count - 1,
                         unread_count = unread_count - (OLD.read = 0)
            WHERE id = OLD.feed_id;
    END;
    CREATE TRIGGER feed_articles_read_changed AFTER UPDATE OF read ON articles
    WHEN OLD.read != NEW.read AND NEW.feed_id IS NOT NULL BEGIN
        UPDATE feeds SET unread_count = unread_count + (OLD.read - NEW.read)
            WHERE id = NEW.feed_id;
    END;
    CREATE TRIGGER feed_articles_moved AFTER UPDATE OF feed_id ON articles
    WHEN OLD.feed_id IS NOT NEW.feed_id BEGIN
        UPDATE feeds SET article_count = article_count - 1,
                         unread_count = unread_count - (OLD.read = 0)
            WHERE id = OLD.feed_id;
        UPDATE feeds SET article_count = article_count + 1,
                         unread_count = unread_count + (NEW.read = 0)
            WHERE id = NEW.feed_id;
    END;
    """
)

# Chinese and Japanese write no spaces between words (and Korean joins particles to them):
# each character of these ranges is indexed as a word of its own, so that a word is
# found inside a run (a query's run becomes a phrase: reader.search). Python spaces them
# on the way in (reader.search.fold_for_index), the article_search view in SQL.
# (All within U+3000 to U+DFFF, which the view's cheap test relies on.)
CJK_RANGES: tuple[tuple[int, int], ...] = (
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3400, 0x4DBF),  # CJK Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xAC00, 0xD7AF),  # Hangul syllables
)


def _cjk_spaced_sql(column: str) -> str:
    """``column`` with a space either side of each CJK character, in SQL.

    A character at a time through a recursive query: slow (a few ms a kilobyte), so only
    for text that may hold one: a UTF-8 lead byte E3 to ED (U+3000 to U+DFFF) in it.
    (GLOB with a character class cost 280 us for 2 KB of text; the byte test 28 us.)
    ``column`` is read once, in the first row: the view's columns are whole expressions
    (folds, json_each) that SQLite would compute again at each mention.
    """
    maybe = " OR ".join(f"instr(b, X'{lead:02X}')" for lead in range(0xE3, 0xEE))
    is_cjk = " OR ".join(f"unicode(rest) BETWEEN {a} AND {b}" for a, b in CJK_RANGES)
    return (
        "(WITH RECURSIVE s(rest, out, cjk) AS ("
        f" SELECT v, '', ifnull({maybe}, 0)"
        f" FROM (SELECT v, CAST(v AS BLOB) AS b FROM (SELECT {column} AS v))"
        " UNION ALL"
        " SELECT substr(rest, 2), out || CASE WHEN "
        f"{is_cjk} THEN ' ' || substr(rest, 1, 1) || ' ' ELSE substr(rest, 1, 1) END, 1"
        " FROM s WHERE cjk AND rest != '')"
        " SELECT CASE WHEN cjk THEN out ELSE rest END FROM s"
        " WHERE NOT cjk OR rest = '')"
    )


_TURKISH_I = "i\u0307"  # what "İ".casefold() gives: i and a combining dot above
MIGRATIONS.append(
    f"""
    -- 6: every script searched and every case folded.
    -- Tags: reader.article.tag_key now folds "İ" to "i" (casefold() gave "i" and a combining
    -- dot), so #İstanbul and #ISTANBUL are one tag. Tags that now share a key are merged
    -- into the oldest: its articles gain the others' (kept once), counts are recounted.
    CREATE TEMP TABLE tag_merge AS
        SELECT t.id AS loser, w.winner AS winner
        FROM tags AS t JOIN (
            SELECT replace(key, '{_TURKISH_I}', 'i') AS new_key, min(id) AS winner
            FROM tags  -- keys were unique: only the new folding can make two alike
            GROUP BY new_key HAVING count(*) > 1
        ) AS w ON replace(t.key, '{_TURKISH_I}', 'i') = w.new_key
        WHERE t.id != w.winner;
    DELETE FROM article_tags WHERE tag_id IN (SELECT loser FROM temp.tag_merge)
        AND EXISTS (  -- the article has the tag already (under a spelling kept first)
            SELECT 1 FROM article_tags AS kept JOIN temp.tag_merge AS m
            WHERE m.loser = article_tags.tag_id AND kept.article_id = article_tags.article_id
              AND kept.tag_id < article_tags.tag_id
              AND (kept.tag_id = m.winner OR kept.tag_id IN (
                   SELECT loser FROM temp.tag_merge WHERE winner = m.winner)));
    UPDATE article_tags
        SET tag_id = (SELECT winner FROM temp.tag_merge WHERE loser = article_tags.tag_id)
        WHERE tag_id IN (SELECT loser FROM temp.tag_merge);
    DELETE FROM tags WHERE id IN (SELECT loser FROM temp.tag_merge);
    UPDATE tags SET
        article_count = (SELECT count(*) FROM article_tags WHERE tag_id = tags.id),
        unread_count = (SELECT count(*) FROM article_tags WHERE tag_id = tags.id AND read = 0)
        WHERE id IN (SELECT winner FROM temp.tag_merge);
    UPDATE tags SET key = replace(key, '{_TURKISH_I}', 'i') WHERE instr(key, '{_TURKISH_I}') > 0;
    DROP TABLE temp.tag_merge;

    -- Search: each CJK character is indexed as a word (see CJK_RANGES), so "股市" finds
    -- "东京股市大涨". Rebuilds the search index.
    DROP VIEW article_search;
    CREATE VIEW article_search (rowid, headline, lede, body, tags) AS
    SELECT id,
           {_cjk_spaced_sql("headline")},
           {_cjk_spaced_sql("lede")},
           {_cjk_spaced_sql("body")},
           {_cjk_spaced_sql("tags")}
    FROM (
        SELECT id,
               {_folded_sql("headline", SEARCH_FOLDS[_HALF:])} AS headline,
               {_folded_sql("lede", SEARCH_FOLDS[_HALF:])} AS lede,
               {_folded_sql("body", SEARCH_FOLDS[_HALF:])} AS body,
               {_folded_sql("tags", SEARCH_FOLDS[_HALF:])} AS tags
        FROM (
            SELECT a.id AS id,
                   {_folded_sql("a.headline", SEARCH_FOLDS[:_HALF])} AS headline,
                   {_folded_sql("a.lede", SEARCH_FOLDS[:_HALF])} AS lede,
                   {_folded_sql(_BODY_TEXT, SEARCH_FOLDS[:_HALF])} AS body,
                   {_folded_sql(_TAG_TEXT, SEARCH_FOLDS[:_HALF])} AS tags
            FROM articles AS a
        )
    );
    INSERT INTO articles_fts (articles_fts) VALUES ('delete-all');
    INSERT INTO articles_fts (rowid, headline, lede, body, tags)
        SELECT rowid, headline, lede, body, tags FROM article_search;
    """
)

MIGRATIONS.append(
    """
    -- 7: one name per speaker. A surname given alone ("Marevic said") takes the full name
    -- of the one stored speaker whose last word it is (reader.speakers): this index on the
    -- last word of every speaker of two words or more makes that two probes (min and max).
    CREATE INDEX IF NOT EXISTS quotes_by_surname
        ON quotes (substr(speaker, length(rtrim(speaker, replace(speaker, ' ', ''))) + 1), speaker)
        WHERE instr(speaker, ' ') > 0;
    """
)

MIGRATIONS.append(
    """
    -- 8: a smaller and faster search index, and a count of quotes.
    -- The three-letter prefix index made the search index 1.6 times as large (960 bytes
    -- an article of 2,400 in a synthetic archive) and its writes 1.6 times as slow, for
    -- prefixes that a scan of the terms answers in a few milliseconds (benchmarks in
    -- BENCHMARKS.md). The index is filled again in Python (reader.search_index.fill):
    -- the view's SQL takes ten times as long.
    DROP TABLE articles_fts;
    CREATE VIRTUAL TABLE articles_fts USING fts5 (
        headline, lede, body, tags,
        content = 'article_search',
        tokenize = 'unicode61 remove_diacritics 2'
    );
    INSERT INTO articles_fts (articles_fts, rank) VALUES ('hashsize', 8388608);

    -- The number of quotes, kept by triggers so that the quotes view does not count them.
    INSERT OR REPLACE INTO counters VALUES ('quotes', (SELECT count(*) FROM quotes));
    CREATE TRIGGER quotes_counted AFTER INSERT ON quotes BEGIN
        UPDATE counters SET value = value + 1 WHERE name = 'quotes';
    END;
    CREATE TRIGGER quotes_uncounted AFTER DELETE ON quotes BEGIN
        UPDATE counters SET value = value - 1 WHERE name = 'quotes';
    END;
    """
)

MIGRATIONS.append(
    """
    -- 9: counts the screens show, kept where a lookup finds them (re-runnable: every
    -- statement leaves what is already there as it should be).
    -- The unread articles by id: the unread count of a search looks each match (in id
    -- order, from the search index) up in this small index, not in articles' kilobyte rows.
    CREATE INDEX IF NOT EXISTS articles_unread_ids ON articles (id) WHERE read = 0;

    -- Everyone quoted by name, with their number of quotes (the quotes view's speaker
    -- picker), kept by triggers; a person is deleted with their last quote.
    CREATE TABLE IF NOT EXISTS speakers (
        name        TEXT PRIMARY KEY,          -- quotes.speaker
        quote_count INTEGER NOT NULL           -- kept by triggers
    ) WITHOUT ROWID;
    DELETE FROM speakers;
    INSERT INTO speakers (name, quote_count)
        SELECT speaker, count(*) FROM quotes WHERE speaker IS NOT NULL GROUP BY speaker;
    CREATE TRIGGER IF NOT EXISTS speakers_counted AFTER INSERT ON quotes
    WHEN NEW.speaker IS NOT NULL BEGIN
        INSERT INTO speakers (name, quote_count) VALUES (NEW.speaker, 1)
            ON CONFLICT (name) DO UPDATE SET quote_count = quote_count + 1;
    END;
    CREATE TRIGGER IF NOT EXISTS speakers_uncounted AFTER DELETE ON quotes
    WHEN OLD.speaker IS NOT NULL BEGIN
        UPDATE speakers SET quote_count = quote_count - 1 WHERE name = OLD.speaker;
        DELETE FROM speakers WHERE name = OLD.speaker AND quote_count <= 0;
    END;
    CREATE TRIGGER IF NOT EXISTS speakers_moved AFTER UPDATE OF speaker ON quotes
    WHEN OLD.speaker IS NOT NEW.speaker BEGIN
        UPDATE speakers SET quote_count = quote_count - 1 WHERE name = OLD.speaker;
        DELETE FROM speakers WHERE name = OLD.speaker AND quote_count <= 0;
        INSERT INTO speakers (name, quote_count) SELECT NEW.speaker, 1
            WHERE NEW.speaker IS NOT NULL
            ON CONFLICT (name) DO UPDATE SET quote_count = quote_count + 1;
    END;
    """
)

#: Migrations that rebuild the search index (an upgrade across one takes a while).
REBUILDS_SEARCH = frozenset({1, 2, 3, 5, 7})  # indexes into MIGRATIONS
#: Migrations after which the search index is filled in Python (``reader.search_index``);
#: an upgrade across one skips the earlier migrations' fills from the view (they would
#: be thrown away).
FILLS_SEARCH = frozenset({7})
#: Page size of a new database: articles of a few kilobytes waste a quarter of 4 KB pages
#: (one row a page, the rest empty); measured on a synthetic archive, 32 KB pages hold the
#: same rows in 21% less space.
PAGE_SIZE = 32768

LATEST_VERSION = len(MIGRATIONS)


def writable(path: str | Path) -> bool:
    """Can this database be written: the file, and its folder (WAL keeps files beside it)?"""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if path.exists() and not os.access(path, os.W_OK):
        return False
    return os.access(folder, os.W_OK)


def connect(path: str | Path, *, readonly: bool = False, create: bool = True) -> sqlite3.Connection:
    """A connection in autocommit mode (the store opens its own transactions).

    ``create=False`` never makes a new file: a database deleted or moved away meanwhile
    is an error, not a fresh empty database at its path.
    """
    uri = Path(path).resolve().as_uri()
    if readonly:
        conn = sqlite3.connect(
            uri + "?mode=ro", uri=True, isolation_level=None, check_same_thread=False
        )
        try:
            conn.execute("PRAGMA schema_version").fetchone()
        except sqlite3.OperationalError:
            # A WAL database on read-only media cannot make its -shm file: read it as an
            # immutable file instead (nobody can be writing to a read-only mount).
            conn.close()
            conn = sqlite3.connect(
                uri + "?mode=ro&immutable=1", uri=True, isolation_level=None,
                check_same_thread=False,
            )  # fmt: skip
    else:
        mode = "rwc" if create else "rw"
        conn = sqlite3.connect(
            f"{uri}?mode={mode}", uri=True, isolation_level=None, check_same_thread=False
        )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def _check_path(path: Path) -> bool:
    """Does ``path`` exist? Refuse what cannot be a database file, without opening it.

    The file is examined with ``stat`` only, never opened outside SQLite: closing any
    descriptor of a file drops every POSIX lock this process holds on it, including the
    locks of another connection's, and the next process to close its connection then
    takes itself for the last one and deletes the WAL under this one (SQLite's "How To
    Corrupt An SQLite Database File", 2.2). Whether it is SQLite at all is SQLite's to say.
    """
    try:
        status = path.stat()
    except FileNotFoundError:
        return False
    except OSError as error:
        raise DatabaseError(f"{path}: cannot open: {error.strerror}") from None
    if stat.S_ISDIR(status.st_mode):
        raise DatabaseError(f"{path}: is a directory, not a database file")
    if not stat.S_ISREG(status.st_mode):
        raise DatabaseError(f"{path}: not a database file (a device, FIFO or socket)")
    return True


def open_database(
    path: str | Path,
    *,
    readonly: bool = False,
    create: bool = True,
    progress: Callable[[int], None] | None = None,
) -> sqlite3.Connection:
    """Open (creating when new, unless ``create=False``) a reader database, migrated to
    ``LATEST_VERSION``. ``progress(n)``: told as an upgrade indexes ``n`` more articles.

    Raises ``DatabaseError`` with a one-line reason for a file that is not SQLite,
    belongs to another application, or comes from a newer version of the reader;
    in each case the file is left exactly as it was.
    """
    path = Path(path)
    exists = _check_path(path)
    if not exists and (readonly or not create):
        raise DatabaseError(f"{path}: no such database")
    try:
        conn = connect(path, readonly=readonly, create=not exists)
    except sqlite3.Error as error:
        raise DatabaseError(f"{path}: cannot open: {error}") from None
    try:
        _check_and_migrate(conn, path, readonly=readonly, progress=progress)
    except sqlite3.DatabaseError as error:
        conn.close()
        if (getattr(error, "sqlite_errorcode", 0) & 0xFF) == sqlite3.SQLITE_NOTADB:
            raise DatabaseError(f"{path}: not a reader database (not an SQLite file)") from None
        raise DatabaseError(f"{path}: {error}") from None
    except BaseException:
        conn.close()
        raise
    return conn


def upgrade_notice(path: str | Path) -> str | None:
    """A line to show before opening ``path`` when its schema will be upgraded, else ``None``."""
    pending = pending_upgrade(path)
    return pending[0] if pending else None


def pending_upgrade(path: str | Path) -> tuple[str, int] | None:
    """The line to show before opening ``path`` when its schema will be upgraded, and the
    number of articles the upgrade indexes again (0: none; the length of a progress bar
    told through ``open_database(progress=...)``), else ``None``.

    An upgrade that rebuilds the search index takes a while on a large archive: a person
    should know why the reader has not opened yet, and how far it is.
    Reads only; anything unusual is left for ``open_database``.
    """
    path = Path(path)
    if not path.is_file() or not writable(path):  # read-only: open_database says why not
        return None
    try:
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if not 0 < version < LATEST_VERSION:
                return None
            articles = conn.execute(
                "SELECT value FROM counters WHERE name = 'articles'"
            ).fetchone()[0]
        finally:
            conn.close()
    except (sqlite3.Error, TypeError):
        return None
    if REBUILDS_SEARCH.isdisjoint(range(version, LATEST_VERSION)):
        what = f"new indexes over {articles:,} articles are built"
    else:
        what = f"the search index of {articles:,} articles is rebuilt"
    filled = not FILLS_SEARCH.isdisjoint(range(version, LATEST_VERSION))
    notice = (
        f"reader: upgrading {path} from schema {version} to {LATEST_VERSION}"
        f" ({what}; this happens once)..."
    )
    return notice, articles if filled else 0


def _check_and_migrate(
    conn: sqlite3.Connection,
    path: Path,
    *,
    readonly: bool,
    progress: Callable[[int], None] | None = None,
) -> None:
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if app_id == 0:
        has_tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if has_tables:
            raise DatabaseError(
                f"{path}: not a reader database (an SQLite file of another program)"
            )
    elif app_id != APPLICATION_ID:
        raise DatabaseError(f"{path}: not a reader database (application_id {app_id:#x})")
    if version > LATEST_VERSION:
        raise DatabaseError(
            f"{path}: made by a newer reader (schema {version}; this one knows up to "
            f"{LATEST_VERSION}); upgrade reader to open it"
        )
    if version == LATEST_VERSION and app_id == APPLICATION_ID:
        if not readonly:
            conn.execute("PRAGMA journal_mode = WAL")
        return
    if readonly:
        raise DatabaseError(f"{path}: needs an upgrade (schema {version}) but is read-only")
    if version == 0 and app_id == 0:  # a new file: nothing written yet, the page size can be set
        conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Read again inside the write lock: another process may have migrated meanwhile.
        version = start = conn.execute("PRAGMA user_version").fetchone()[0]
        for number in range(version, LATEST_VERSION):
            filled_later = any(n in FILLS_SEARCH for n in range(number + 1, LATEST_VERSION))
            for statement in _statements(MIGRATIONS[number]):
                if filled_later and _fills_search(statement):
                    continue
                conn.execute(statement)
            if number in FILLS_SEARCH:
                from reader.search_index import fill  # imports reader.search, which needs us

                # Articles and tags as committed, unless this upgrade merged tags (5 to 6).
                fill(conn, progress, committed=start >= 6)
            conn.execute(f"PRAGMA user_version = {number + 1}")
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _fills_search(statement: str) -> bool:
    return " ".join(statement.split()).startswith("INSERT INTO articles_fts (rowid,")


def _statements(script: str) -> list[str]:
    """Split a migration into statements (``executescript`` would commit on its own)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return [
        s
        for s in statements
        if any(line.strip() and not line.strip().startswith("--") for line in s.splitlines())
    ]
