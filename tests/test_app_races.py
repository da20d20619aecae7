"""Keys typed faster than the app answers, resizes and undo: found by a bug hunt that drove
the app in tmux and with the pilot; each test failed before its fix."""

from __future__ import annotations

import sqlite3
import threading

import reader.session
from reader.article import Article
from reader.filters import Filter
from reader.store import Store
from tests.conftest import WIDE, burst, header, notices, read_state, settle, wait_for
from widgets.app import make_app
from widgets.article_view import ArticleView


def unread_in_db(db) -> int:
    return sum(1 for read in read_state(db).values() if not read)


async def test_j_then_m_in_one_burst_marks_the_row_j_moved_to(demo_db):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        burst(app, "j", "m")
        await settle(app, pilot)
        second = app.headlines.current.id
        assert app.headlines.cursor == 1
        assert [i for i, read in read_state(demo_db).items() if read] == [second]
        burst(app, "j", "s")
        await settle(app, pilot)
        conn = sqlite3.connect(demo_db)
        starred = [row[0] for row in conn.execute("SELECT id FROM articles WHERE starred")]
        conn.close()
        assert starred == [app.headlines.current.id]


async def test_the_layout_follows_each_resize_also_under_a_modal(demo_db):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        await pilot.resize_terminal(80, 40)
        await settle(app, pilot)
        assert app.screen.has_class("-narrow")
        await pilot.resize_terminal(140, 40)
        await settle(app, pilot)
        assert not app.screen.has_class("-narrow")
        await pilot.press("question_mark")
        await pilot.resize_terminal(79, 40)
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen.has_class("-narrow")
        assert not app.query_one(ArticleView).display or app.query_one(ArticleView).size.width == 0


async def test_undo_keeps_the_counts_true(demo_db):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        await pilot.press("m", "m", "enter", "escape", "ctrl+z")
        await settle(app, pilot)
        assert f"/ {unread_in_db(demo_db)} unread" in header(app)
        await pilot.press("u")
        await settle(app, pilot)
        await pilot.press("A")
        await settle(app, pilot)
        await pilot.press("ctrl+z")
        await settle(app, pilot)
        unread = unread_in_db(demo_db)
        assert f"{unread} shown / {unread} unread" in header(app)
        assert app.headlines.total == unread


async def test_the_article_pane_follows_a_and_its_undo(demo_db):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(app, pilot)
        pane = app.query_one(ArticleView)
        assert "unread" in pane.render_line(1).text
        await pilot.press("A")
        await settle(app, pilot)
        assert " read" in pane.render_line(1).text and "unread" not in pane.render_line(1).text
        assert any("ctrl+z undoes it" in notice for notice in notices(app)), notices(app)
        await pilot.press("ctrl+z")
        await settle(app, pilot)
        assert "unread" in pane.render_line(1).text
        assert not any("ctrl+z undoes it" in notice for notice in notices(app)), notices(app)


async def test_search_enter_and_a_key_in_one_burst(demo_db):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        burst(app, "slash", "d", "o", "c", "k", "enter", "j")
        await settle(app, pilot)
        assert app.query_one("#search").value == "dock"
        assert app.view.query == "dock"
        assert app.headlines.has_focus  # the j went to the list, not into the field


async def test_t_then_a_marks_the_view_t_asked_for(demo_db):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        with Store(demo_db) as store:
            tag = store.tags()[0].name
        await pilot.press("t")
        await settle(app, pilot)
        await pilot.press(*tag.lower()[:4], "enter", "escape")
        await settle(app, pilot)
        assert app.view.tags == (tag,)
        burst(app, "T", "A")
        await settle(app, pilot)
        assert unread_in_db(demo_db) == 0  # every article, not those of the tag


async def test_a_mark_made_while_the_unread_count_runs_is_counted(demo_db, monkeypatch):
    import threading

    app = make_app(demo_db, watch=False)
    counting = threading.Event()
    go_on = threading.Event()
    count = Store.count

    def slow_count(store, view):
        result = count(store, view)
        if view.unread_only and view.tags and not go_on.is_set():  # the header's count
            counting.set()
            go_on.wait(10)  # counted before the mark, delivered after it
        return result

    monkeypatch.setattr(Store, "count", slow_count)
    cheap_count = Store.cheap_count  # a tag's unread count, counted as a search's is
    monkeypatch.setattr(Store, "cheap_count", lambda s, v: None if v.tags else cheap_count(s, v))
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        with Store(demo_db) as store:
            tag = store.tags()[0].name
        app.load_view(Filter().with_tag(tag))
        await wait_for(counting.is_set, what="the header's count to start")
        await pilot.press("m")  # while the count runs
        go_on.set()
        with Store(demo_db) as store:
            expected = store.count(Filter(unread_only=True).with_tag(tag))
        # The count that began before the mark is counted again.
        await wait_for(lambda: "…" not in header(app), what="the count in the header")
        await pilot.pause(0.1)
        assert f"/ {expected} unread" in header(app)


async def test_slash_while_reading_narrow_shows_the_field(demo_db):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=(80, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")  # reading: the list is hidden
        await settle(app, pilot)
        await pilot.press("slash", *"dock")
        await settle(app, pilot)
        field = app.query_one("#search")
        assert field.has_focus and field.size.width > 0


async def test_an_empty_archive_hides_what_needs_articles(tmp_path):
    app = make_app(tmp_path / "empty.db", watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        for action in ("toggle_read", "mark_all_read", "search", "pick_tags", "quotes"):
            assert app.check_action(action, ()) is False
        await pilot.press("slash", "x")
        await settle(app, pilot)
        assert not app.query("#search")


async def test_the_end_of_the_unread_is_said_once(demo_db):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(app, pilot)
        await pilot.press("G")
        await settle(app, pilot)
        await pilot.press("n", "n", "n")
        await settle(app, pilot)
        assert notices(app) == ["No unread articles below this one in this view."]


async def test_undo_in_the_same_burst_as_a_waits_for_it(demo_db, monkeypatch):
    """'m', 'A', ctrl+z: the undo must not take back the m while A is still at work."""
    import threading

    release = threading.Event()
    mark_all_read = Store.mark_all_read

    def slow_mark_all(store, view, read=True):
        release.wait(10)
        return mark_all_read(store, view, read)

    monkeypatch.setattr(Store, "mark_all_read", slow_mark_all)
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        first = app.headlines.current.id
        burst(app, "m", "A", "ctrl+z")
        await pilot.pause()
        assert read_state(demo_db)[first] == 1  # the m stands
        release.set()
        await settle(app, pilot)
        assert unread_in_db(demo_db) == 0
        await pilot.press("ctrl+z")  # now it undoes A, back to the state after m
        await settle(app, pilot)
        states = read_state(demo_db)
        assert states[first] == 1 and sum(states.values()) == 1


# ---- round two: the quotes view, the pickers, the pane -------------------------------------


async def test_a_quote_opened_in_the_unread_view_shows_its_own_article(demo_db):
    from widgets.quotes_view import QuotesScreen

    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        await pilot.press("u")
        await settle(app, pilot)
        await pilot.press("Q")
        await settle(app, pilot)
        quotes = app.screen
        assert isinstance(quotes, QuotesScreen)
        await pilot.press("G")
        await settle(app, pilot)
        wanted = quotes.quote_list.current.article_id
        await pilot.press("enter")  # marks it read: it leaves the Unread view
        await settle(app, pilot)
        assert app.query_one(ArticleView).article_id == wanted
        assert app.current_id == wanted


async def test_letters_after_an_enter_in_the_picker_are_the_next_search(demo_db):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        await pilot.press("t")
        burst(app, *"harb", "enter", *"port", "space", *"ys", "enter", *"ele")
        await settle(app, pilot)
        assert app.screen.filter_input.value == "ele"
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.view.tags == ("Harbour Strike", "Port Ysel")


async def test_a_burst_of_backspaces_ends_by_removing_the_last_tag(demo_db):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        await pilot.press("t")
        await settle(app, pilot)
        await pilot.press(*"harb", "enter")
        await settle(app, pilot)
        await pilot.press(*"ab")
        await settle(app, pilot)
        burst(app, "backspace", "backspace", "backspace")
        await settle(app, pilot)
        assert app.screen.filter_input.value == ""
        assert app.screen.chosen == []


async def test_u_then_q_shows_the_quotes_of_the_view_u_asked_for(demo_db):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        burst(app, "u", "Q")
        await settle(app, pilot)
        assert app.screen.view.unread_only


async def test_a_name_and_enter_typed_before_the_speakers_are_counted(demo_db):
    from widgets.quotes_view import QuotesScreen

    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        await pilot.press("Q")
        await settle(app, pilot)
        await pilot.press("s")
        burst(app, *"peskov", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, QuotesScreen)
        assert app.screen.speaker == "Dmitry Peskov"


async def test_q_then_g_goes_to_the_last_quote_once_counted(demo_db):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        burst(app, "Q", "G")
        await settle(app, pilot)
        quotes = app.screen.quote_list
        assert quotes.total > 200  # more than the first page
        assert quotes.cursor == quotes.total - 1


async def test_refresh_shows_an_article_another_process_updated(demo_db):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        article_id = app.current_id
        with Store(demo_db) as store:
            stored = store.article(article_id)
            from dataclasses import replace

            store.save([replace(stored.article, lede="An edited lede, from elsewhere.")])
        await pilot.press("r")
        await settle(app, pilot)
        text = " ".join(app.query_one(ArticleView).line_text(y) for y in range(8))
        assert "An edited lede, from elsewhere." in text


async def test_a_quote_opened_in_a_narrow_terminal_is_scrolled_to(demo_db):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("Q")
        await settle(app, pilot)
        quotes = app.screen.quote_list
        with Store(demo_db) as store:  # the quotes the list shows, in its order
            every = store.quotes(quotes.view, limit=quotes.total)
        # A quote in a body paragraph, far enough down to need a scroll.
        index = next(i for i, quote in enumerate(every) if quote.block not in (None, 0))
        quotes.move_to(index)
        assert quotes.current == every[index]
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.pause(0.1)
        assert app.query_one(ArticleView).scroll_y > 0


async def test_an_empty_page_is_not_asked_for_again(tmp_path, monkeypatch):
    """Rows gone meanwhile (another process deleted them): the headline list keeps such a
    page pending, as the quote list does, instead of asking for it on every repaint."""
    db = tmp_path / "many.db"
    with Store(db) as store:
        store.save(
            [
                Article(headline=f"Article {n}", published=f"2020-01-01T{n // 60:02}:{n % 60:02}")
                for n in range(1000)
            ]
        )
    asked: list[int] = []  # where the list asked for a page by offset (a jump)
    page_at = Store.page_at

    def recording(store, view, offset, limit=200):
        asked.append(offset)
        return page_at(store, view, offset, limit)

    monkeypatch.setattr(Store, "page_at", recording)
    app = make_app(db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        assert app.headlines.total == 1000
        asked.clear()  # the first window's reads
        conn = sqlite3.connect(db)  # another process: the 700 oldest go
        with conn:
            conn.execute("DELETE FROM articles WHERE id <= 700")
        conn.close()
        # A jump to row 400 of the 1,000 the list knows of: the page from 400 is empty now.
        app.headlines.scroll_to(y=400, animate=False, immediate=True)
        await settle(app, pilot)
        assert asked == [400]
        for _ in range(5):  # repaints: the empty page is not asked for again
            app.headlines.refresh()
            await pilot.pause(0.05)
        await settle(app, pilot)
        assert asked == [400]


async def test_a_reload_does_not_undo_a_move_made_while_it_loaded(demo_db, monkeypatch):
    # r, the watcher, or a mark's reload, still computing when j arrives: the list must
    # stay where j put it, and the m after it mark that article (not the one r kept).
    release = threading.Event()
    compute = reader.session.window

    def slow_compute(*args, **kwargs):
        release.wait(10)
        return compute(*args, **kwargs)

    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        first = app.headlines.current.id
        monkeypatch.setattr(reader.session, "window", slow_compute)
        app.action_refresh()
        await pilot.press("j", "j")
        moved_to = app.headlines.current.id
        release.set()
        await settle(app, pilot)
        assert app.headlines.current.id == moved_to != first
        assert app.article_view.article_id == moved_to
        await pilot.press("m")
        await settle(app, pilot)
        assert [i for i, read in read_state(demo_db).items() if read] == [moved_to]


async def test_j_held_down_reads_only_the_article_it_stops_on(demo_db):
    # Keys that come faster than frames: the pane reads (and lays out) the last one's
    # article, not one article a key.
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        read = []
        article = app._article
        app._article = lambda article_id: read.append(article_id) or article(article_id)
        burst(app, *["j"] * 8)
        await settle(app, pilot)
        assert app.headlines.cursor == 8
        assert read == [app.headlines.current.id]
        assert app.article_view.line_text(0).startswith(app.headlines.current.headline[:20])
