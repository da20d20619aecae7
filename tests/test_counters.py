"""Counters kept by triggers agree with a full recount after any sequence of changes."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader.article import Article, Block
from reader.filters import Filter
from reader.store import Store

TAGS = ["Alpha", "beta", "BETA", "Gamma", "delta", "Epsilon"]


def article(n: int, tags: list[str], lede: str = "") -> Article:
    return Article(
        headline=f"Story {n}",
        published=f"2025-03-{n % 28 + 1:02d}T08:00",
        source="AA",
        lede=lede or f"Lede {n}",
        body=(Block("paragraph", f"Body {n}"),),
        tags=tuple(dict.fromkeys(tags)),
    )


operation = st.one_of(
    st.tuples(
        st.just("save"),
        st.lists(
            st.tuples(st.integers(0, 30), st.lists(st.sampled_from(TAGS), max_size=4)),
            min_size=1,
            max_size=6,
        ),
    ),
    st.tuples(st.just("edit"), st.integers(0, 30), st.lists(st.sampled_from(TAGS), max_size=4)),
    st.tuples(st.just("mark"), st.lists(st.integers(1, 40), max_size=5), st.booleans()),
    st.tuples(st.just("star"), st.lists(st.integers(1, 40), max_size=3), st.booleans()),
    st.tuples(st.just("all"), st.sampled_from([None, *TAGS]), st.booleans()),
    st.tuples(st.just("undo"), st.integers(0, 3)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operation, min_size=1, max_size=12))
def test_counters_agree_with_a_recount(operations):
    with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "c.db") as store:
        undo: list[dict[int, bool]] = []
        for op in operations:
            if op[0] == "save":
                store.save([article(n, tags) for n, tags in op[1]])
            elif op[0] == "edit":
                store.save([article(op[1], op[2], lede=f"edited {len(op[2])}")])
            elif op[0] == "mark":
                undo.append(store.mark_read(op[1], op[2]))
            elif op[0] == "star":
                store.set_starred(op[1], op[2])
            elif op[0] == "all":
                view = Filter(tags=(op[1],)) if op[1] else Filter()
                undo.append({i: not op[2] for i in store.mark_all_read(view, read=op[2])})
            elif op[0] == "undo" and undo:
                store.restore_read(undo.pop())
        findings = {f.name: f for f in store.check()}
        assert findings["counters"].ok, findings["counters"].detail
        assert findings["tag index copies"].ok, findings["tag index copies"].detail
        assert findings["search index"].ok, findings["search index"].detail
        for view in (Filter(unread_only=True), Filter(starred_only=True), Filter(tags=("beta",))):
            assert store.count(view) == len(store.page(view, limit=1000))
        assert dataclasses.asdict(findings["schema"])["ok"]
