"""The tag picker's counts are the view's: what adding each tag would show, no dead end.

Store level: ``tags_in_view`` (one pass), ``tag_in_view`` (one tag, capped) and the
counters' answer for All and Unread all agree with ``Store.count(view.with_tag(tag))``.
Pilot level: the picker shows those counts, leaves dead ends out (or refuses them), and
asks nothing of the database for the All view.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from textual.app import App

from reader import planner
from reader.article import Article, Block
from reader.filters import Filter
from reader.planner import plain_view, tags_in_plain_view
from reader.store import Store
from tests.conftest import APP_STYLES
from widgets.tag_picker import PENDING, TagList, TagPicker

NAMES = ["Harbour", "Port Ysel", "Strike", "Europe", "Rare", "Lonely", "Weather", "Kremlin"]


def build(store: Store) -> None:
    """60 articles, tags drawn at random (Lonely only on a read, unstarred article without
    the word 'harbour'; Rare on two), some read, some starred, some saying 'harbour'."""
    rng = random.Random(7)
    articles = []
    for n in range(60):
        tags = tuple(rng.sample([*NAMES[:4], "Weather", "Kremlin"], rng.randint(1, 3)))
        if n in (3, 41):
            tags += ("Rare",)
        if n == 10:
            tags = ("Lonely", "Weather")
        word = "harbour" if n % 3 == 0 and n != 10 else "market"
        articles.append(
            Article(
                headline=f"Headline {n}",
                published=f"2025-05-{n % 28 + 1:02d}T10:{n % 60:02d}",
                source="AA",
                lede=f"Lede {n} about the {word}",
                body=(Block("paragraph", f"Body {n}"),),
                tags=tags,
            )
        )
    result = store.save(articles)
    ids = result.ids
    store.mark_read([i for k, i in enumerate(ids) if k % 2 == 0 or k == 10])
    store.set_starred([i for k, i in enumerate(ids) if k % 5 == 1])


VIEWS = [
    Filter(),
    Filter(unread_only=True),
    Filter(starred_only=True),
    Filter(tags=("Europe",)),
    Filter(tags=("Europe",), unread_only=True),
    Filter(tags=("Europe", "Strike")),
    Filter(query="harbour"),
    Filter(query="harbour", tags=("Kremlin",), unread_only=True),
    Filter(query="harbour", relevance=True),
    Filter(query="nosuchword"),
    Filter(tags=("No such tag",)),
]


def exact(store: Store, view: Filter, name: str) -> tuple[int, int]:
    narrowed = view.with_tag(name)
    return store.count(narrowed), store.count(replace(narrowed, unread_only=True))


@pytest.fixture
def filled(store: Store) -> Store:
    build(store)
    return store


# ---- store level ---------------------------------------------------------------------


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.describe())
def test_one_pass_counts_are_the_views_with_each_tag(filled: Store, view: Filter) -> None:
    counted = filled.tags_in_view(view, limit=1000)
    assert counted is not None
    for tag in filled.tags():
        if tag.name in view.tags:
            continue
        articles, unread = exact(filled, view, tag.name)
        if articles == 0:
            assert tag.id not in counted, f"#{tag.name} is a dead end in {view.describe()}"
        else:
            assert (counted[tag.id].articles, counted[tag.id].unread) == (articles, unread)


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.describe())
def test_each_tag_counted_alone_matches_and_stops_at_the_cap(filled: Store, view: Filter) -> None:
    for tag in filled.tags():
        articles, unread = exact(filled, view, tag.name)
        counted = filled.tag_in_view(view, tag, cap=1000)
        assert (counted.articles, counted.unread) == (articles, unread)
        capped = filled.tag_in_view(view, tag, cap=3)
        assert capped.more(capped.articles) == (articles > 3)
        assert capped.articles == min(articles, 4)
        assert capped.unread == min(unread, 4)


def test_a_view_over_the_limit_is_not_counted_in_one_pass(filled: Store) -> None:
    view = Filter(tags=("Europe",))
    assert filled.tags_in_view(view, limit=filled.count(view) - 1) is None
    assert filled.tags_in_view(view, limit=filled.count(view)) is not None


@pytest.mark.parametrize("view", [Filter(), Filter(unread_only=True)], ids=["All", "Unread"])
def test_all_and_unread_come_from_the_counters(filled: Store, view: Filter) -> None:
    assert plain_view(view)
    listed = {t.name: (t.articles, t.unread) for t in tags_in_plain_view(view, filled.tags())}
    for tag in filled.tags():
        articles, unread = exact(filled, view, tag.name)
        assert listed.get(tag.name, (0, 0)) == (articles, unread)
        assert (tag.name in listed) == (articles > 0)  # Lonely (read) is not offered unread
    assert "Lonely" not in listed if view.unread_only else "Lonely" in listed


@pytest.mark.parametrize("first", [1, 3, 10])
def test_a_search_is_counted_from_its_newest_matches_first(
    filled: Store, monkeypatch, first: int
) -> None:
    """Counts from a part of a search's ids (its newest) are the same as from all of them:
    a tag found more than ``cap`` times in the part, or counted again from the whole."""
    monkeypatch.setattr(planner, "VIEW_IDS_FIRST", first)
    for view in [v for v in VIEWS if v.query]:
        for tag in filled.tags():
            articles, unread = exact(filled, view, tag.name)
            capped = filled.tag_in_view(view, tag, cap=3)
            assert (capped.articles, capped.unread) == (min(articles, 4), min(unread, 4))
            counted = filled.tag_in_view(view, tag, cap=1000)
            assert (counted.articles, counted.unread) == (articles, unread)
    view = Filter(query="harbour")
    size, whole = planner.view_ids(filled.conn, Filter(query="market"), first=first)
    assert (size, whole) == (first, False)  # a part: the newest matches
    newest = [r.id for r in filled.page(Filter(query="market"), limit=first)]
    assert sorted(newest) == [i for (i,) in filled.conn.execute("SELECT id FROM temp.view_ids")]
    size, whole = planner.view_ids(filled.conn, Filter(query="market"))
    assert (size, whole) == (filled.count(Filter(query="market")), True)
    assert planner.view_ids(filled.conn, view, first=first)[1] is (filled.count(view) < first)


def test_counts_in_a_search_follow_every_change(filled: Store, db_path: Path) -> None:
    """A search's ids are read once per view and state of the database: a write through
    this connection, or another's commit, reads them again."""
    view = Filter(query="harbour")

    def counted(store: Store) -> tuple[int, int]:
        tag = next(t for t in store.tags() if t.name == "Europe")
        found = store.tag_in_view(view, tag, cap=1000)
        assert (found.articles, found.unread) == exact(store, view, "Europe")
        return found.articles, found.unread

    articles, unread = counted(filled)
    assert counted(filled) == (articles, unread)  # the same state: the ids held
    new = Article("Harbour news", "2025-06-01T10:00", "AA", lede="harbour", tags=("Europe",))
    (new_id,) = filled.save([new]).ids
    assert counted(filled) == (articles + 1, unread + 1)
    filled.mark_read([new_id])
    assert counted(filled) == (articles + 1, unread)
    with Store(db_path) as other:  # another connection commits
        other.save([dataclasses.replace(new, headline="More harbour news")])
    assert counted(filled) == (articles + 2, unread + 1)
    with Store(db_path, readonly=True) as reading:
        assert counted(reading) == (articles + 2, unread + 1)


# ---- the picker ----------------------------------------------------------------------------


class CountingApp(App[None]):
    """A picker given a view and a store for each thread, as the reader's app gives it."""

    CSS_PATH = APP_STYLES

    def __init__(self, db: Path, view: Filter, limit: int | None = None) -> None:
        super().__init__()
        self.db, self.view = db, view
        self.limit = limit
        self.opened = 0
        self._local = threading.local()
        self.bells = 0

    def thread_store(self) -> Store:
        store = getattr(self._local, "store", None)
        if store is None:
            self.opened += 1
            store = self._local.store = Store(self.db)
        return store

    async def on_mount(self) -> None:
        picker = TagPicker(None, chosen=self.view.tags, view=self.view, store=self.thread_store)
        if self.limit is not None:
            picker.VIEW_PASS_LIMIT = self.limit
        self.picker = picker
        await self.push_screen(picker)
        with Store(self.db) as store:
            picker.set_items(store.tags())

    def bell(self) -> None:
        self.bells += 1


async def settled(app: CountingApp, pilot) -> TagList:
    """The list once no count is pending (the workers done)."""
    tag_list = app.picker.query_one(TagList)
    for _ in range(200):
        await app.workers.wait_for_complete()
        await pilot.pause()
        rows = [tag_list.render_line(y).text for y in range(tag_list.match_count)]
        if not any(PENDING in row for row in rows):
            return tag_list
        await asyncio.sleep(0.01)
    raise AssertionError("counts never arrived")


def shown(tag_list: TagList) -> dict[str, str]:
    """``{name: counts as drawn}`` of every row."""
    rows = {}
    for y in range(tag_list.match_count):
        line = tag_list.render_line(y).text.strip()
        name, _, counts = line.partition("  ")
        rows[name.removeprefix("#")] = " ".join(counts.split())
    return rows


def expected(store: Store, view: Filter, name: str) -> str:
    articles, unread = exact(store, view, name)
    return f"{articles:,} {unread:,} unread"


def run(app: CountingApp, body) -> None:
    async def main() -> None:
        async with app.run_test(size=(100, 40)) as pilot:
            await body(pilot)

    asyncio.run(main())


@pytest.mark.parametrize(
    "view",
    [Filter(tags=("Europe",)), Filter(query="harbour"), Filter(starred_only=True)],
    ids=lambda v: v.describe(),
)
@pytest.mark.parametrize("limit", [None, 0], ids=["one pass", "row by row"])
def test_the_picker_shows_the_views_counts(
    filled: Store, db_path: Path, view: Filter, limit: int | None
) -> None:
    app = CountingApp(db_path, view, limit)

    async def body(pilot) -> None:
        rows = shown(await settled(app, pilot))
        for tag in filled.tags():
            if tag.name in view.tags:
                assert tag.name not in rows
                continue
            articles, _ = exact(filled, view, tag.name)
            if articles == 0 and limit is None:
                assert tag.name not in rows, f"dead end #{tag.name} offered"
            else:
                assert rows[tag.name] == expected(filled, view, tag.name)

    run(app, body)


def test_a_dead_end_counted_row_by_row_cannot_be_chosen_and_leaves(
    filled: Store, db_path: Path
) -> None:
    view = Filter(query="harbour")  # Lonely's only article says 'market'
    assert filled.count(view.with_tag("Lonely")) == 0
    app = CountingApp(db_path, view, limit=0)

    async def body(pilot) -> None:
        tag_list = await settled(app, pilot)
        assert shown(tag_list)["Lonely"] == "0 0 unread"
        await pilot.press(*"lonely", "enter")
        await pilot.pause()
        assert app.picker.chosen == []
        assert app.bells == 1
        # Typed again, the list drops it.
        assert "Lonely" not in shown(app.picker.query_one(TagList))

    run(app, body)


def test_choosing_a_tag_counts_again_in_the_narrower_view(filled: Store, db_path: Path) -> None:
    app = CountingApp(db_path, Filter(unread_only=True))

    async def body(pilot) -> None:
        await settled(app, pilot)
        await pilot.press(*"europe", "enter")
        rows = shown(await settled(app, pilot))
        narrowed = Filter(tags=("Europe",), unread_only=True)
        assert app.picker.view == narrowed
        for name, counts in rows.items():
            assert counts == expected(filled, narrowed, name)
        assert "Lonely" not in rows
        await pilot.press("backspace")
        rows = shown(await settled(app, pilot))
        assert "Europe" in rows and "Lonely" not in rows

    run(app, body)


def test_all_shows_the_global_counts_without_asking_the_database(
    filled: Store, db_path: Path
) -> None:
    app = CountingApp(db_path, Filter())

    async def body(pilot) -> None:
        rows = shown(await settled(app, pilot))
        assert app.opened == 0  # no worker opened a connection: the counters were enough
        for tag in filled.tags():
            assert rows[tag.name] == f"{tag.articles:,} {tag.unread:,} unread"

    run(app, body)
