"""Search in the reading screen: typing, highlights, filters combined, escape restoring."""

from __future__ import annotations

from functools import partial

import widgets.search_field
from reader.filters import Filter
from reader.store import Store
from tests import conftest
from tests.conftest import WIDE, header
from widgets.app import make_app
from widgets.article_view import ArticleView
from widgets.headline_list import HeadlineList
from widgets.search_field import SEARCH_DEBOUNCE

#: Each settle here first waits out the search's debounce.
settle = partial(conftest.settle, pause=SEARCH_DEBOUNCE + 0.05)


async def test_typing_searches_and_highlights(demo_db):
    with Store(demo_db) as store:
        expected = [r.id for r in store.page(Filter(query="dock"), limit=100)]
    assert expected
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("slash", *"dock")
        await settle(app, pilot)
        headlines = app.query_one(HeadlineList)
        assert headlines.total == len(expected)
        assert headlines.current.id == expected[0]
        assert f"/dock  {len(expected)} shown" in header(app)
        lines = [headlines.render_line(y) for y in range(headlines.total)]
        with_word = [line for line in lines if "dock" in line.text.lower()]
        assert with_word
        for line in with_word:
            matched = [s.text for s in line if s.style and s.style.underline]
            assert matched and all(m.lower().startswith("dock") for m in matched)
        await pilot.press("enter")  # to the list; the search stays
        assert headlines.has_focus and app.view.query == "dock"
        await pilot.press("enter")  # opens the article
        await pilot.pause()
        view = app.query_one(ArticleView)
        lines = [view.render_line(y) for y in range(view.size.height)]
        assert any(
            s.style and s.style.underline and s.text.lower().startswith("dock")
            for line in lines
            for s in line
        )


async def test_escape_clears_the_search_and_restores_the_cursor(demo_db):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("j", "j", "j", "j")
        before = app.query_one(HeadlineList).current.id
        await pilot.press("slash", *"kremlin")
        await settle(app, pilot)
        assert app.query_one(HeadlineList).total == 1
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.view == Filter()
        assert app.query_one(HeadlineList).current.id == before
        assert not app.query_one("#search").display


async def test_search_combined_with_tags_and_unread(demo_db):
    with Store(demo_db) as store:
        tagged = store.page(Filter(tags=("Harbour Strike",), query="port"), limit=100)
        store.mark_read([tagged[0].id])
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("t")
        await settle(app, pilot)
        await pilot.press(*"harbour str", "enter", "escape")
        await settle(app, pilot)
        await pilot.press("u")
        await settle(app, pilot)
        await pilot.press("slash", *"port")
        await settle(app, pilot)
        headlines = app.query_one(HeadlineList)
        assert app.view == Filter(tags=("Harbour Strike",), unread_only=True, query="port")
        assert headlines.total == len(tagged) - 1
        assert "Unread · #Harbour Strike · /port" in header(app)


async def test_relevance_toggle_and_hostile_text(demo_db):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("slash", *"port strike", "enter")
        await settle(app, pilot)
        newest_first = app.query_one(HeadlineList).total
        await pilot.press("ctrl+o")
        await settle(app, pilot)
        assert app.view.relevance
        assert app.query_one(HeadlineList).total == newest_first
        assert "by relevance" in header(app)
        await pilot.press("slash")
        for text in ['"', "NEAR(", "a OR", "[bold]x[/]", "-", "*"]:
            app.query_one("#search").value = text
            await settle(app, pilot)
        app.query_one("#search").value = "-port"
        await settle(app, pilot)
        assert "add a word to look for" in header(app)


async def test_a_burst_of_keys_lands_in_the_search_field(demo_db):
    """A terminal delivers "/dock" typed fast as one burst of key events."""
    from textual import events

    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()  # the screen is up, as it is before a person can type
        for key in ["slash", "d", "o", "c", "k"]:
            app.post_message(events.Key(key, "/" if key == "slash" else key))
        await settle(app, pilot)
        assert app.query_one("#search").value == "dock"
        assert app.view.query == "dock"
        await pilot.press("slash", "x")  # in the field, / is just a character
        assert app.query_one("#search").value == "dock/x"


async def test_next_unread_in_a_relevance_ordered_search(demo_db):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("slash", *"port", "enter")
        await settle(app, pilot)
        await pilot.press("ctrl+o")
        await settle(app, pilot)
        assert app.view.relevance
        total = app.query_one(HeadlineList).total
        for _ in range(total + 2):  # past the last unread: a notice, not a crash
            await pilot.press("n")
        await settle(app, pilot)
        assert app.is_running
        assert app.query_one(HeadlineList).cursor == total - 1


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_letter_after_a_pause_searches_at_once(demo_db):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        app.clock = clock = FakeClock()
        asked: list[str] = []
        load_view = app.load_view

        def recording(view, **kwargs):
            asked.append(view.query)
            load_view(view, **kwargs)

        app.load_view = recording
        await pilot.press("slash", "d")
        await pilot.pause()  # no wait for a debounce: the query was asked for with the key
        assert app.session.wanted.query == "d" and asked == ["d"]
        clock.now += 1  # a pause in typing
        await pilot.press("o")
        await pilot.pause()
        assert app.session.wanted.query == "do" and asked == ["d", "do"]
        await settle(app, pilot)  # past the debounce: no query was left waiting for it
        assert asked == ["d", "do"]
        assert app.view.query == "do" and "/do " in header(app)


async def test_a_fast_burst_runs_two_queries_not_one_a_letter(demo_db, monkeypatch):
    # The wait for the end of the burst, long enough that a loaded machine's gaps between
    # the pilot's key presses never end it early; enter then runs the search at once.
    monkeypatch.setattr(widgets.search_field, "SEARCH_DEBOUNCE", 5.0)
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        app.clock = FakeClock()  # time stands still: every letter is in the burst
        asked: list[str] = []
        load_view = app.load_view

        def recording(view, **kwargs):
            asked.append(view.query)
            load_view(view, **kwargs)

        app.load_view = recording
        await pilot.press("slash", *"dock")
        await pilot.pause()
        assert asked == ["d"]  # the first letter at once, the rest wait for typing to pause
        await pilot.press("enter")
        await settle(app, pilot)
        assert asked == ["d", "dock"]
        assert app.view.query == "dock"


async def test_backspace_to_the_shown_search_while_a_longer_one_loads(demo_db, monkeypatch):
    import threading

    import reader.session

    window = reader.session.window
    release = threading.Event()

    def held(store, view, *args, **kwargs):
        if view.query == "dockx":
            release.wait(10)  # still computing when the backspace arrives
        return window(store, view, *args, **kwargs)

    monkeypatch.setattr(reader.session, "window", held)
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        app.clock = clock = FakeClock()
        await pilot.press("slash", *"dock")
        await settle(app, pilot)
        shown = app.query_one(HeadlineList).total
        clock.now += 1
        await pilot.press("x")  # "dockx" is asked for at once ...
        clock.now += 1
        await pilot.press("backspace")  # ... and "dock" again before its rows are shown
        await pilot.pause()
        release.set()
        await settle(app, pilot)
        assert app.view.query == "dock" and app.query_one(HeadlineList).total == shown


async def test_a_refresh_while_a_search_loads_keeps_the_search(demo_db, monkeypatch):
    """The watch timer (another process wrote) refreshes the view last asked for."""
    import threading

    import reader.session

    window = reader.session.window
    release = threading.Event()

    def held(store, view, *args, **kwargs):
        if view.query == "dockx":
            release.wait(10)
        return window(store, view, *args, **kwargs)

    monkeypatch.setattr(reader.session, "window", held)
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        app.clock = clock = FakeClock()
        await pilot.press("slash", *"dock")
        await settle(app, pilot)
        clock.now += 1
        await pilot.press("x")
        await pilot.pause()
        app.action_refresh()  # what _check_for_changes does when another process writes
        release.set()
        await settle(app, pilot)
        assert app.search_input.value == "dockx"
        assert app.view.query == "dockx"


async def test_a_burst_of_search_then_escape_leaves_no_search(demo_db):
    """Escape reaches the app before the field's last changes: they must not reopen it."""
    from textual import events

    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        for key in ["slash", "d", "o", "c", "k", "escape"]:
            character = {"slash": "/", "escape": None}.get(key, key)
            app.post_message(events.Key(key, character))
        await settle(app, pilot)
        assert not app.search_input.display
        assert app.view == Filter()


async def test_two_tags_chosen_in_one_burst_are_both_kept(demo_db):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("t")
        await settle(app, pilot)
        picker = app.screen
        first, second = (tag.name for tag in picker.matcher.tags[:2])
        # Two choices before the first one's view has loaded.
        picker.choose(picker.matcher.index_of(first))
        picker.choose(picker.matcher.index_of(second))
        await settle(app, pilot)
        assert app.view.tags == (first, second)
