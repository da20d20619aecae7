"""A view (``Filter``) as SQL, and every list and count read through it.

``plan_view`` decides how to read a view: which index drives the scan and its keyset
columns. The queries that put a plan's pieces together (pages, positions, counts, the
quotes of a view) stand next to it, so that what a plan's ``FROM`` and ``WHERE`` become is
read in one place. Lists are read by keyset (``sort_key, id``), never by ``OFFSET`` from
the top, except where the caller asks for a position (``page_at``).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, replace

from reader.filters import Filter
from reader.rows import HEADLINE_COLUMNS, Headline, QuoteRow, TagCount, headline_of
from reader.search import parse_query


@dataclass(frozen=True, slots=True)
class Plan:
    """A view as SQL: ``FROM``, ``WHERE`` terms with their parameters, and the keyset."""

    source: str
    where: list[str]
    params: list
    keys: tuple[str, ...]  # keyset columns; the view lists them in descending order
    ranked: bool = False  # relevance order (bm25): read by offset only
    bare: str | None = None  # the FROM without articles, when no condition needs its rows

    @property
    def empty(self) -> bool:
        """A view that nothing can match (an unknown tag, a search with no word)."""
        return self.where == ["0"]

    def select(self, columns: str) -> str:
        return f"SELECT {columns} {self.source} WHERE {' AND '.join(self.where)}"

    def count(self) -> str:
        return f"SELECT count(*) {self.bare or self.source} WHERE {' AND '.join(self.where)}"

    def order(self, descending: bool = True) -> str:
        """The keyset order (a relevance order has none: see ``page_at``)."""
        direction = " DESC" if descending else " ASC"
        return "ORDER BY " + ", ".join(key + direction for key in self.keys)

    def compare(self, operator: str) -> str:
        if len(self.keys) == 1:
            return f"{self.keys[0]} {operator} ?"
        marks = ", ".join("?" * len(self.keys))
        return f"({', '.join(self.keys)}) {operator} ({marks})"

    def key_params(self, key: tuple[str, int]) -> list:
        """A row's ``(sort_key, id)`` as this plan's keyset (the id alone for a search)."""
        return list(key[-len(self.keys) :])


def tag_ids(conn: sqlite3.Connection, view: Filter) -> list[tuple[int, int, int]] | None:
    """``(id, article_count, unread_count)`` of each tag; ``None`` if one is unknown."""
    found = []
    for key in view.tag_keys:
        row = conn.execute(
            "SELECT id, article_count, unread_count FROM tags WHERE key = ?", (key,)
        ).fetchone()
        if row is None:
            return None
        found.append(row)
    return found


def plan_view(conn: sqlite3.Connection, view: Filter) -> Plan:
    """How to read a view: which index drives the scan, and its keyset columns.

    A search is driven by the FTS index in rowid order (tags are added to the
    MATCH as a prefilter on the tags column); with tags, the rarest tag drives the
    scan along its ``article_tags`` key; otherwise the date index. Everything else
    is checked by index lookups on the rows found, through ``article_tags`` (which
    copies ``read``) or, for a search, the index of unread ids where it can, so that
    counting needs no row of ``articles``.
    """
    tags = tag_ids(conn, view)
    query = parse_query(view.query) if view.query else None
    if tags is None or (query is not None and query.fts is None):
        return Plan("FROM articles AS a", ["0"], [], ("a.sort_key", "a.id"))
    where: list[str] = []
    params: list = []
    unread_checked = False
    if query is not None:
        driver, article_id = "FROM articles_fts AS f", "f.rowid"
        if view.unread_only:
            # Matches come in rowid order: each is looked up in the small index of unread
            # ids, not in articles (kilobyte rows), nor in article_tags (two probes).
            driver += (
                " CROSS JOIN articles AS u INDEXED BY articles_unread_ids"
                " ON u.id = f.rowid AND u.read = 0"
            )
            unread_checked = True
        where.append("articles_fts MATCH ?")
        params.append(query.with_tags(_tag_names(conn, tags)))
        keys: tuple[str, ...] = ("f.rowid",)
        checked = sorted(tags, key=lambda t: t[2] if view.unread_only else t[1])
    elif tags:
        tags = sorted(tags, key=lambda t: t[2] if view.unread_only else t[1])
        driver, article_id = "FROM article_tags AS t0", "t0.article_id"
        where.append("t0.tag_id = ?")
        params.append(tags[0][0])
        if view.unread_only:
            where.append("t0.read = 0")
            unread_checked = True
        keys = ("t0.sort_key", "t0.article_id")
        checked = tags[1:]
    else:
        driver, article_id = "FROM articles AS a", "a.id"
        keys = ("a.sort_key", "a.id")
        checked = []
    for tag in checked:
        read = ""
        if view.unread_only and not unread_checked:
            read, unread_checked = " AND x.read = 0", True
        if article_id == "t0.article_id":
            # The other tag's row for the same article has the same key but its tag: a
            # probe of its primary key, in date order as the driving tag is read (a few
            # pages of that tag's range, where article_tags_by_article is read all over).
            probe = "x.tag_id = ? AND x.sort_key = t0.sort_key AND +x.article_id = t0.article_id"
        else:
            probe = f"x.article_id = {article_id} AND x.tag_id = ?"
        where.append(f"EXISTS (SELECT 1 FROM article_tags AS x WHERE {probe}{read})")
        params.append(tag[0])
    if view.feed_id is not None:  # with no other driver, the articles_by_feed index drives
        where.append("a.feed_id = ?")
        params.append(view.feed_id)
    needs_articles = (
        view.starred_only or (view.unread_only and not unread_checked) or view.feed_id is not None
    )
    if view.unread_only and not unread_checked:
        where.append("a.read = 0")
    if view.starred_only:
        where.append("a.starred = 1")
    joined = (
        driver if driver.endswith(" a") else f"{driver} JOIN articles AS a ON a.id = {article_id}"
    )
    bare = joined if needs_articles else driver
    ranked = query is not None and view.relevance
    return Plan(joined, where or ["1"], params, keys, ranked, bare)


def _tag_names(conn: sqlite3.Connection, tags: list[tuple[int, int, int]]) -> list[str]:
    names = []
    for tag in tags:
        row = conn.execute("SELECT name FROM tags WHERE id = ?", (tag[0],)).fetchone()
        if row:
            names.append(row[0])
    return names


# ---- pages ----------------------------------------------------------------------


def page(
    conn: sqlite3.Connection,
    view: Filter,
    *,
    after: tuple[str, int] | None,
    before: tuple[str, int] | None,
    limit: int,
) -> list[Headline]:
    """Up to ``limit`` rows in view order, strictly after or before a row's key.

    A relevance-ordered search has no keyset: there, ``after``/``before`` are
    refused (use ``page_at``).
    """
    plan = plan_view(conn, view)
    if plan.ranked and (after or before):
        raise ValueError("a relevance-ordered view is read by offset (page_at)")
    if plan.ranked:
        return page_at(conn, view, 0, limit)
    sql, params = plan.select(HEADLINE_COLUMNS), list(plan.params)
    if after is not None:
        sql += f" AND {plan.compare('<')}"
        params += plan.key_params(after)
    elif before is not None:
        sql += f" AND {plan.compare('>')}"
        params += plan.key_params(before)
    order = plan.order(descending=before is None)
    rows = conn.execute(f"{sql} {order} LIMIT ?", (*params, limit)).fetchall()
    if before is not None:
        rows.reverse()
    return [headline_of(row) for row in rows]


def page_at(conn: sqlite3.Connection, view: Filter, offset: int, limit: int) -> list[Headline]:
    """Rows from position ``offset`` (for a jump into the middle, as a scrollbar drag does)."""
    plan = plan_view(conn, view)
    offset = max(0, offset)
    if plan.ranked:
        return [headline_of(row) for row in _ranked_rows(conn, plan, offset, limit)]
    rows = conn.execute(
        f"{plan.select(HEADLINE_COLUMNS)} {plan.order()} LIMIT ? OFFSET ?",
        (*plan.params, limit, offset),
    ).fetchall()
    return [headline_of(row) for row in rows]


def last_page(conn: sqlite3.Connection, view: Filter, limit: int) -> list[Headline]:
    """The last ``limit`` rows, still in view order (for ``G``)."""
    plan = plan_view(conn, view)
    if not plan.ranked:
        rows = conn.execute(
            f"{plan.select(HEADLINE_COLUMNS)} {plan.order(descending=False)} LIMIT ?",
            (*plan.params, limit),
        ).fetchall()
    elif (floor := rank_floor(conn, plan)) is None:
        rows = _best(conn, plan, 0, limit, descending=False)
    else:  # the oldest matches (never ranked), then the last of the ranked ones
        rows = conn.execute(
            f"{plan.select(HEADLINE_COLUMNS)} AND f.rowid <= ? ORDER BY f.rowid LIMIT ?",
            (*plan.params, floor, limit),
        ).fetchall()
        if len(rows) < limit:
            rows += _best(conn, plan, 0, limit - len(rows), descending=False)
    rows.reverse()
    return [headline_of(row) for row in rows]


# ---- relevance order --------------------------------------------------------------


#: A relevance order ranks (bm25) at most this many matches: the newest ones, the first
#: ``RANKED_MATCHES`` of the newest-first order. When a search finds more, the others
#: follow them, newest first. Ranking every match of a word found in 445,000 of 1,000,000
#: articles took 750 ms (bm25 for each); the newest 10,000 are read and ranked in one scan
#: of the index that stops there.
RANKED_MATCHES = 10_000


def rank_floor(conn: sqlite3.Connection, plan: Plan) -> int | None:
    """The rowid of the newest match left out of the ranking (the ranked ones are above
    it), or ``None`` when every match is ranked (for the last page, ``G``)."""
    row = conn.execute(
        f"SELECT f.rowid {plan.bare or plan.source} WHERE {' AND '.join(plan.where)}"
        " ORDER BY f.rowid DESC LIMIT 1 OFFSET ?",
        (*plan.params, RANKED_MATCHES),
    ).fetchone()
    return None if row is None else row[0]


def _ranked_rows(conn: sqlite3.Connection, plan: Plan, offset: int, limit: int) -> list[tuple]:
    """``limit`` rows of a relevance order from position ``offset``: the ranked matches
    best first, then (past ``RANKED_MATCHES``) the others newest first."""
    rows = []
    if offset < RANKED_MATCHES:
        rows = _best(conn, plan, offset, min(limit, RANKED_MATCHES - offset))
    if len(rows) < limit and offset + limit > RANKED_MATCHES:
        # Past the ranked matches: the newest-first order from its RANKED_MATCHES-th row.
        rows += conn.execute(
            f"{plan.select(HEADLINE_COLUMNS)} ORDER BY f.rowid DESC LIMIT ? OFFSET ?",
            (*plan.params, limit - len(rows), max(offset, RANKED_MATCHES)),
        ).fetchall()
    return rows


def _best(
    conn: sqlite3.Connection, plan: Plan, offset: int, limit: int, descending: bool = True
) -> list[tuple]:
    """Rows of the ranked matches in bm25 order, best first unless not ``descending``.

    One scan of the index, newest first, reads the ranked matches with their scores and
    stops after ``RANKED_MATCHES`` (a search index merges a prefix's word lists once
    for it); they are sorted on their ids and scores alone, then only the page's articles
    are read.
    """
    way = "" if descending else " DESC"
    newest = (
        f"SELECT f.rowid AS id, f.rank AS score {plan.bare or plan.source}"
        f" WHERE {' AND '.join(plan.where)} ORDER BY f.rowid DESC LIMIT ?"
    )
    page = f"SELECT id, score FROM ({newest}) ORDER BY score{way}, id{way} LIMIT ? OFFSET ?"
    return conn.execute(
        f"SELECT {HEADLINE_COLUMNS} FROM ({page}) AS m JOIN articles AS a ON a.id = m.id"
        f" ORDER BY m.score{way}, m.id{way}",
        (*plan.params, RANKED_MATCHES, limit, offset),
    ).fetchall()


# ---- positions and counts ---------------------------------------------------------


def position(conn: sqlite3.Connection, view: Filter, key: tuple[str, int]) -> int:
    """How many rows of ``view`` come before ``key`` (its index if it is in the view)."""
    plan = plan_view(conn, view)
    if plan.ranked:
        raise ValueError("a relevance-ordered view has no keyset position")
    sql = f"{plan.count()} AND {plan.compare('>')}"
    return conn.execute(sql, (*plan.params, *plan.key_params(key))).fetchone()[0]


def contains(conn: sqlite3.Connection, view: Filter, article_id: int) -> bool:
    plan = plan_view(conn, view)
    sql = f"{plan.select('1')} AND a.id = ? LIMIT 1"
    return conn.execute(sql, (*plan.params, article_id)).fetchone() is not None


def cheap_count(conn: sqlite3.Connection, view: Filter) -> int | None:
    """``count(view)`` when a counter answers it (no scan of matches), else ``None``."""
    if view.query:
        return None
    if view.feed_id is not None:
        if view.tags or view.starred_only:
            return None
        row = conn.execute(
            "SELECT article_count, unread_count FROM feeds WHERE id = ?", (view.feed_id,)
        ).fetchone()
        return 0 if row is None else row[1] if view.unread_only else row[0]
    if not view.tags and not view.starred_only:
        return counter(conn, "unread" if view.unread_only else "articles")
    if not view.tags and not view.unread_only:
        return counter(conn, "starred")
    if len(view.tag_keys) == 1 and not view.starred_only:
        tags = tag_ids(conn, view)
        if tags is None:
            return 0
        return tags[0][2] if view.unread_only else tags[0][1]
    return None


def count(conn: sqlite3.Connection, view: Filter) -> int:
    """Rows in a view, from the counters where one answers it, else an index scan."""
    counted = cheap_count(conn, view)
    if counted is not None:
        return counted
    if view.query:
        query = parse_query(view.query)
        if query.fts is None:
            return 0
        if not (view.tags or view.unread_only or view.starred_only or view.feed_id is not None):
            return conn.execute(
                "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?", (query.fts,)
            ).fetchone()[0]
    plan = plan_view(conn, view)
    return conn.execute(plan.count(), plan.params).fetchone()[0]


def counter(conn: sqlite3.Connection, name: str) -> int:
    """One of the totals the triggers keep: ``articles``, ``unread``, ``starred``, ``quotes``."""
    return conn.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()[0]


# ---- the quotes of a view -------------------------------------------------------------


def quotes(
    conn: sqlite3.Connection,
    view: Filter,
    *,
    speaker: str | None,
    after: tuple[str, int, int] | None,
    offset: int,
    limit: int,
) -> list[QuoteRow]:
    """Quotes of the articles of ``view``, in the view's order (newest article first; in a
    search, the newest match first, as its list), in reading order within one.

    ``after`` is the ``key`` of the last row of the previous page (keyset);
    ``offset`` jumps into the middle. ``speaker`` keeps one person's quotes.
    """
    plan = plan_view(conn, replace(view, relevance=False))
    if plan.keys == ("f.rowid",) and speaker is None and offset <= 0 and not plan.empty:
        return [QuoteRow(*row) for row in _search_quotes(conn, plan, after, limit)]
    sql, params, keys = _select_quotes(conn, view, _QUOTE_COLUMNS, speaker)
    if after is not None:
        # A row value the view's index can seek to, then the rest of that article's quotes.
        if len(keys) == 1:  # a search: its rowid order
            sql += f" AND {keys[0]} <= ? AND NOT ({keys[0]} = ? AND q.seq <= ?)"
            params += [after[1], after[1], after[2]]
        else:
            sql += (
                f" AND ({keys[0]}, {keys[1]}) <= (?, ?)"
                f" AND NOT ({keys[0]} = ? AND {keys[1]} = ? AND q.seq <= ?)"
            )
            params += [after[0], after[1], after[0], after[1], after[2]]
    order = ", ".join(f"{key} DESC" for key in keys)
    sql += f" ORDER BY {order}, q.seq ASC LIMIT ? OFFSET ?"
    rows = conn.execute(sql, (*params, limit, max(0, offset))).fetchall()
    return [QuoteRow(*row) for row in rows]


_QUOTE_COLUMNS = (
    "q.article_id, q.seq, q.text, q.speaker, q.part, q.block, a.headline, a.published, a.sort_key"
)


def _search_quotes(
    conn: sqlite3.Connection, plan: Plan, after: tuple[str, int, int] | None, limit: int
) -> list[tuple]:
    """A page of a search's quotes, article by article along the search index (newest
    first), each article's in reading order: in one statement SQLite sorts every quote of
    the search (3 s for the 1.4 million of a common word at 1,000,000 articles), as it takes
    the order from the search index only when that is the whole order."""
    where, params = " AND ".join(plan.where), list(plan.params)
    if after is not None:
        where += " AND f.rowid <= ?"
        params.append(after[1])
    matches = conn.execute(
        f"SELECT f.rowid {plan.bare or plan.source} WHERE {where} ORDER BY f.rowid DESC", params
    )
    rows: list[tuple] = []
    try:
        for (article_id,) in matches:
            seq = after[2] if after is not None and article_id == after[1] else -1
            rows += conn.execute(
                f"SELECT {_QUOTE_COLUMNS} FROM quotes AS q"
                " JOIN articles AS a ON a.id = q.article_id"
                " WHERE q.article_id = ? AND q.seq > ? ORDER BY q.seq LIMIT ?",
                (article_id, seq, limit - len(rows)),
            ).fetchall()
            if len(rows) >= limit:
                break
    finally:
        matches.close()
    return rows


def count_quotes(conn: sqlite3.Connection, view: Filter, *, speaker: str | None) -> int:
    """The quotes of ``view`` (of one ``speaker``): every quote, or one person's, from the
    counts the triggers keep (``counters``, ``speakers``); in a narrower view, a scan."""
    if not (view.tags or view.query or view.unread_only or view.starred_only) and (
        view.feed_id is None
    ):
        if speaker is None:
            return counter(conn, "quotes")
        found = conn.execute(
            "SELECT quote_count FROM speakers WHERE name = ?", (speaker,)
        ).fetchone()
        return found[0] if found else 0
    sql, params, _keys = _select_quotes(conn, view, "count(*)", speaker)
    return conn.execute(sql, params).fetchone()[0]


def _select_quotes(
    conn: sqlite3.Connection, view: Filter, columns: str, speaker: str | None
) -> tuple[str, list, tuple[str, ...]]:
    """``SELECT columns`` over the quotes of the articles of ``view`` (of one ``speaker``),
    and the keyset columns of the view's order.

    The view's driving index gives the order (a search's rowids, a tag's dates), so that a
    page reads only its rows. One person's quotes in a view driven by the articles' own
    indexes (All, Unread, Starred, a feed) are found through the speaker's index instead,
    then sorted: a few thousand quotes, where the view's articles would be read until a
    page of that person's quotes turned up.
    """
    plan = plan_view(conn, replace(view, relevance=False))
    where = " AND ".join(plan.where)
    params = list(plan.params)
    if speaker is not None and plan.keys == ("a.sort_key", "a.id"):
        sql = (
            f"SELECT {columns} FROM quotes AS q CROSS JOIN articles AS a ON a.id = q.article_id"
            f" WHERE q.speaker = ? AND {where}"
        )
        return sql, [speaker, *params], plan.keys
    sql = f"SELECT {columns} {plan.source} JOIN quotes AS q ON q.article_id = a.id WHERE {where}"
    if speaker is not None:
        sql += " AND q.speaker = ?"
        params.append(speaker)
    return sql, params, plan.keys


# ---- the tags of a view (the tag picker's counts) ----------------------------------------


#: Views of at most this many articles count every tag in one pass (``tags_in_view``).
TAGS_IN_VIEW_LIMIT = 20_000
#: In a bigger view, the rows on screen are counted up to this many articles first
#: ("100+"), then again up to ``TAG_COUNT_CAP`` ("1,000+").
TAG_COUNT_FIRST_CAP = 100
TAG_COUNT_CAP = 1000


@dataclass(frozen=True, slots=True)
class TagInView:
    """What ``view.with_tag(tag)`` would show: its articles and unread, each counted up to
    ``cap`` when ``cap`` is set (a count above ``cap`` then means "more than ``cap``")."""

    articles: int
    unread: int
    cap: int | None = None

    def more(self, value: int) -> bool:
        """Whether ``value`` (``articles`` or ``unread``) stands for "more than ``cap``"."""
        return self.cap is not None and value > self.cap


def plain_view(view: Filter) -> bool:
    """A view that the tags' own counters answer for every tag: All, or Unread only."""
    return not (view.tags or view.query or view.starred_only or view.feed_id is not None)


def tags_in_plain_view(view: Filter, tags: list[TagCount]) -> list[TagCount]:
    """``tags`` (global counts) as ``view`` would count them, when ``plain_view(view)``:
    All as they are; Unread only with their unread as both counts, and no tag without one
    (adding it would show nothing). No query: the counters kept by triggers say it all."""
    if not view.unread_only:
        return [tag for tag in tags if tag.articles > 0]
    return [TagCount(t.id, t.name, t.unread, t.unread) for t in tags if t.unread > 0]


def capped_count(conn: sqlite3.Connection, view: Filter, cap: int) -> int:
    """``count(view)``, but no more than ``cap + 1``: the work stops at ``cap + 1`` rows."""
    counted = cheap_count(conn, view)
    if counted is not None:
        return min(counted, cap + 1)
    plan = plan_view(conn, replace(view, relevance=False))
    rows = f"SELECT 1 {plan.bare or plan.source} WHERE {' AND '.join(plan.where)} LIMIT ?"
    sql = f"SELECT count(*) FROM ({rows})"
    return conn.execute(sql, (*plan.params, cap + 1)).fetchone()[0]


def tags_in_view(
    conn: sqlite3.Connection, view: Filter, *, limit: int
) -> dict[int, TagInView] | None:
    """Every tag carried by an article of ``view``, with what ``view.with_tag(tag)`` would
    show, exactly, by one pass over the view's articles (and their tags): ``None`` when the
    view has more than ``limit`` articles, where that pass would take too long.

    A tag absent from the result would give an empty view (a dead end).
    """
    plan = plan_view(conn, replace(view, relevance=False))
    if plan.empty:
        return {}
    article_id = plan.keys[-1]
    if view.unread_only or article_id == "t0.article_id":
        if capped_count(conn, view, limit) > limit:
            return None
        # Every article of the view is unread, or the driving row has a copy of read.
        unread = "count(*)" if view.unread_only else "sum(t0.read = 0)"
        sql = (
            f"SELECT y.tag_id, count(*), {unread} {plan.bare or plan.source}"
            f" CROSS JOIN article_tags AS y ON y.article_id = {article_id}"  # the view drives
            f" WHERE {' AND '.join(plan.where)} GROUP BY y.tag_id"
        )
        return {
            tag_id: TagInView(articles, unread)
            for tag_id, articles, unread in conn.execute(sql, plan.params)
        }
    # A search (its ids read once, for this and for tag_in_view: a search merges a prefix's
    # word lists each time), or a view the articles' own indexes drive (Starred, a feed).
    if article_id == "f.rowid":
        size, whole = view_ids(conn, view, first=limit + 1)
        if not whole or size > limit:
            return None
    elif capped_count(conn, view, limit) > limit:
        return None
    else:
        view_ids(conn, view)
    # The tags of each article (a covering probe of article_tags_by_article), and of the
    # unread ones: probes of the small index of unread ids, not of articles.read (an
    # article's row is kilobytes), nor of article_tags' copy of read (a second probe for
    # each of its tags). Two passes: a LEFT JOIN on the unread ids would read the table.
    tags = "CROSS JOIN article_tags AS y ON y.article_id = m.id GROUP BY y.tag_id"
    counted = conn.execute(f"SELECT y.tag_id, count(*) FROM temp.view_ids AS m {tags}").fetchall()
    unread_ids = (
        "CROSS JOIN articles AS u INDEXED BY articles_unread_ids ON u.id = m.id AND u.read = 0"
    )
    unread = dict(
        conn.execute(f"SELECT y.tag_id, count(*) FROM temp.view_ids AS m {unread_ids} {tags}")
    )
    return {tag_id: TagInView(articles, unread.get(tag_id, 0)) for tag_id, articles in counted}


def tag_in_view(conn: sqlite3.Connection, view: Filter, tag: TagCount, *, cap: int) -> TagInView:
    """What ``view.with_tag(tag)`` would show, each count stopping at ``cap + 1``.

    Two index scans bounded by the matches found (not by the rows read: two big tags that
    seldom meet are read to the end of the smaller). Counts the tag's own counters answer
    (a tag with no unread article, a tag of at most ``cap`` articles) are not queried.

    In a search, the tag's articles are looked up in the view's ids instead, read once for
    the view (``view_ids``), driven by the smaller of the tag and the view: a query of
    the search index for each tag would merge the word lists of a prefix term (``peop`` is
    every word that starts with it) again each time, tens of milliseconds for a common
    word at 1,000,000 articles. (Not for other views: filling ``view_ids`` with a big
    tag's 200,000 articles takes longer than counting the first screen's tags the usual way.)
    """
    if not view.query:
        narrowed = view.with_tag(tag.name)
        articles = capped_count(conn, narrowed, cap)
        if view.unread_only:
            unread = articles
        elif articles == 0 or tag.unread == 0:
            unread = 0
        else:
            unread = capped_count(conn, replace(narrowed, unread_only=True), cap)
        return TagInView(articles, unread, cap)
    # The newest of a big search's matches first: a tag on the first screens (a common
    # one) is found more than ``cap`` times among them, and the rest is read only when not.
    size, whole = view_ids(conn, view, first=VIEW_IDS_FIRST)

    def count(unread: bool) -> int:
        nonlocal size, whole
        found = _capped(conn, _tag_rows(tag, size, unread), tag.id, cap)
        if found <= cap and not whole:
            size, whole = view_ids(conn, view)
            found = _capped(conn, _tag_rows(tag, size, unread), tag.id, cap)
        return found

    articles = count(unread=False)
    if view.unread_only:
        unread = articles
    elif articles == 0 or tag.unread == 0:
        unread = 0
    else:
        unread = count(unread=True)
    return TagInView(articles, unread, cap)


def _tag_rows(tag: TagCount, size: int, unread: bool) -> str:
    """A row for each article of ``tag`` (unread ones) in ``temp.view_ids``, driven by the
    smaller of the two."""
    if tag.articles <= size:  # the tag's articles drive, newest first
        rows = (
            "SELECT 1 FROM article_tags AS t CROSS JOIN temp.view_ids AS m"
            " ON m.id = t.article_id WHERE t.tag_id = ?"
        )
        return rows + " AND t.read = 0" if unread else rows  # the tag's unread index drives
    if unread:
        return (
            "SELECT 1 FROM temp.view_ids AS m"
            " CROSS JOIN articles AS u INDEXED BY articles_unread_ids ON u.id = m.id AND u.read = 0"
            " CROSS JOIN article_tags AS t ON t.article_id = m.id AND t.tag_id = ?"
        )
    return (
        "SELECT 1 FROM temp.view_ids AS m CROSS JOIN article_tags AS t"
        " ON t.article_id = m.id AND t.tag_id = ?"
    )


def _capped(conn: sqlite3.Connection, rows: str, tag_id: int, cap: int) -> int:
    return conn.execute(f"SELECT count(*) FROM ({rows} LIMIT ?)", (tag_id, cap + 1)).fetchone()[0]


#: How many of a big search's newest matches the tag counts read first (``view_ids``).
VIEW_IDS_FIRST = 50_000


def view_ids(
    conn: sqlite3.Connection, view: Filter, *, first: int | None = None
) -> tuple[int, bool]:
    """Fill the TEMP table ``view_ids`` with the ids of ``view``'s articles: all of them, or
    (``first``, for a search) at least its ``first`` newest matches. Returns how many it
    holds and whether that is all of them.

    Filled once for a view and a state of the database: ``view_ids_of`` says which (the
    view's SQL, ``PRAGMA data_version`` for other connections' commits, and this
    connection's ``total_changes`` for its own), and a part is completed, not read again.
    TEMP tables belong to the connection and can be written on a read-only one.
    """
    plan = plan_view(conn, replace(view, relevance=False))
    article_id = plan.keys[-1]
    sql = f"SELECT {article_id} {plan.bare or plan.source} WHERE {' AND '.join(plan.where)}"
    key = json.dumps([sql, plan.params, conn.execute("PRAGMA data_version").fetchone()[0]])
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS view_ids (id INTEGER PRIMARY KEY)")
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS view_ids_of (key TEXT NOT NULL,"
        " size INTEGER NOT NULL, whole INTEGER NOT NULL, changes INTEGER)"
    )
    held = conn.execute("SELECT key, size, whole, changes FROM temp.view_ids_of").fetchone()
    same = held is not None and held[0] == key and held[3] == conn.total_changes
    if same and (held[2] or (first is not None and held[1] >= first)):
        return held[1], bool(held[2])
    if same and first is None:  # the newest are held: the older ones
        floor = conn.execute("SELECT min(id) FROM temp.view_ids").fetchone()[0]
        older = conn.execute(
            f"INSERT INTO temp.view_ids (id) {sql} AND {article_id} < ?", (*plan.params, floor)
        ).rowcount
        size, complete = held[1] + older, True
    else:
        conn.execute("DELETE FROM temp.view_ids")
        if first is None or article_id != "f.rowid":
            size = conn.execute(f"INSERT INTO temp.view_ids (id) {sql}", plan.params).rowcount
            complete = True
        else:
            size = conn.execute(
                f"INSERT INTO temp.view_ids (id) {sql} ORDER BY f.rowid DESC LIMIT ?",
                (*plan.params, first),
            ).rowcount
            complete = size < first
    conn.execute("DELETE FROM temp.view_ids_of")
    conn.execute(
        "INSERT INTO temp.view_ids_of (key, size, whole) VALUES (?, ?, ?)", (key, size, complete)
    )
    # What total_changes will be once this one-row UPDATE is counted in it.
    conn.execute("UPDATE temp.view_ids_of SET changes = ?", (conn.total_changes + 1,))
    return size, complete
