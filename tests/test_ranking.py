"""Relevance order: bm25 over the newest ``planner.RANKED_MATCHES`` matches, the rest after.

Every article has the same length, so bm25 orders by how often the word occurs (``TIMES``):
what the ranking must give is known without asking FTS5.
"""

from __future__ import annotations

import pytest

from reader import planner
from reader.article import Article
from reader.filters import Filter
from reader.store import Store

# How often "alpha" occurs in article id 1..12 (saved in that order: id 12 is the newest).
TIMES = [9, 8, 1, 2, 3, 7, 1, 4, 6, 2, 5, 1]
ALPHA = Filter(query="alpha", relevance=True)


@pytest.fixture
def ranked(store: Store) -> Store:
    store.save(
        [
            Article(
                f"Report {chr(ord('a') + i)}",
                f"2025-01-{i + 1:02d}T10:00",
                "AA",
                lede=" ".join(["alpha"] * times + ["filler"] * (10 - times)),
                tags=("News",),
            )
            for i, times in enumerate(TIMES)
        ]
    )
    assert [r.id for r in store.page(Filter(), limit=20)] == list(range(12, 0, -1))
    return store


def ids(rows) -> list[int]:
    return [row.id for row in rows]


def test_every_match_ranked_when_there_are_few(ranked):
    # Most often first; a tie (equal scores) in id order, the same on every read.
    best = [1, 2, 6, 9, 11, 8, 5, 4, 10, 3, 7, 12]
    assert ids(ranked.page_at(ALPHA, 0, 20)) == best
    assert ids(ranked.last_page(ALPHA, 2)) == best[-2:]  # the tie, in page order
    assert ids(ranked.last_page(ALPHA, 20)) == best


def test_only_the_newest_matches_are_ranked_and_the_rest_follow(ranked, monkeypatch):
    monkeypatch.setattr(planner, "RANKED_MATCHES", 5)
    # The newest five (12, 11, 10, 9, 8) best first, then 7 down to 1 newest first: 1 and 2
    # match best of all but are older than the ranked ones.
    full = [9, 11, 8, 10, 12, 7, 6, 5, 4, 3, 2, 1]
    assert ids(ranked.page_at(ALPHA, 0, 20)) == full
    assert ranked.count(ALPHA) == 12  # nothing is left out
    # Pages of any size and start give the same order (a page across the boundary too).
    for size in (1, 3, 4, 5):
        pages = [ranked.page_at(ALPHA, start, size) for start in range(0, 12, size)]
        assert [r for page in pages for r in ids(page)] == full
    assert ids(ranked.page_at(ALPHA, 4, 3)) == full[4:7]
    assert ids(ranked.page_at(ALPHA, 11, 5)) == full[11:]
    assert ranked.page_at(ALPHA, 12, 5) == []
    for size in (1, 6, 7, 8, 12, 20):
        assert ids(ranked.last_page(ALPHA, size)) == full[-size:]


def test_the_ranked_matches_are_the_newest_of_the_view(ranked, monkeypatch):
    monkeypatch.setattr(planner, "RANKED_MATCHES", 5)
    ranked.mark_read([11, 9])
    view = Filter(query="alpha", unread_only=True, relevance=True)
    # The newest five unread (12, 10, 8, 7, 6) ranked, then the rest of the unread.
    full = [6, 8, 10, 7, 12, 5, 4, 3, 2, 1]
    assert ids(ranked.page_at(view, 0, 20)) == full
    assert ids(ranked.last_page(view, 6)) == full[-6:]
    assert ranked.count(view) == 10


@pytest.mark.parametrize("limit", [1, 5, 12])
def test_exactly_as_many_matches_as_ranked_or_fewer(ranked, monkeypatch, limit):
    monkeypatch.setattr(planner, "RANKED_MATCHES", 12)
    best = [1, 2, 6, 9, 11, 8, 5, 4, 10, 3, 7, 12]
    assert ids(ranked.page_at(ALPHA, 0, limit)) == best[:limit]
    assert ids(ranked.last_page(ALPHA, limit)) == best[-limit:]


@pytest.mark.parametrize("bound", [1, 5, planner.RANKED_MATCHES])
def test_no_match_and_a_single_match(ranked, monkeypatch, bound):
    monkeypatch.setattr(planner, "RANKED_MATCHES", bound)
    nothing = Filter(query="zebra", relevance=True)
    assert ranked.page_at(nothing, 0, 10) == []
    assert ranked.last_page(nothing, 10) == []
    one = Filter(query="report", tags=("News",), relevance=True)  # every article: headline
    ranked.save([Article("Zebra crossing", "2025-02-01T10:00", "AA", lede="alpha")])
    assert [r.headline for r in ranked.page_at(nothing, 0, 10)] == ["Zebra crossing"]
    assert [r.headline for r in ranked.last_page(nothing, 10)] == ["Zebra crossing"]
    assert len(ranked.page_at(one, 0, 20)) == 12
