"""The reading screen through Textual's pilot: real keys, assertions on widgets and the database."""

from __future__ import annotations

import pytest

from reader.filters import Filter
from reader.store import Store
from tests.conftest import WIDE, header, notices, read_state, rendered, settle
from widgets.app import make_app
from widgets.article_view import ArticleView
from widgets.headline_list import HeadlineList


@pytest.fixture
def newest(demo_db) -> list:
    with Store(demo_db) as store:
        return store.page(Filter(), limit=500)


async def test_opens_on_the_newest_article(demo_db, newest):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        headlines = app.query_one(HeadlineList)
        assert headlines.total == len(newest)
        assert headlines.current.id == newest[0].id
        assert app.query_one(ArticleView).article_id == newest[0].id
        title = header(app)
        assert f"All  {len(newest)} shown / {len(newest)} unread" in title
        first_line = headlines.render_line(0).text
        assert "●" in first_line and newest[0].headline[:20] in first_line
        assert headlines.has_focus


async def test_moving_previews_without_marking(demo_db, newest):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("j", "j", "down", "k")
        headlines = app.query_one(HeadlineList)
        assert headlines.cursor == 2
        assert app.query_one(ArticleView).article_id == newest[2].id
        await pilot.press("G")
        assert headlines.current.id == newest[-1].id
        await pilot.press("g")
        assert headlines.cursor == 0
        await pilot.press("pagedown")
        assert headlines.cursor > 10
    assert set(read_state(demo_db).values()) == {0}


async def test_the_article_follows_the_cursor_within_the_same_key(demo_db, newest):
    # Shown while the key is handled, so the cursor and the article share one frame
    # (a message or call_after_refresh showed it a frame and a layout later).
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        headlines, article = app.query_one(HeadlineList), app.query_one(ArticleView)
        for index in (1, 2, 1):
            headlines.move_to(index)
            assert article.article_id == newest[index].id
            assert article.line_text(0).startswith(newest[index].headline[:20])
        # A jump redraws the rows first and the article after that frame.
        headlines.move_to(len(newest) - 1)
        assert article.article_id == newest[1].id
        await settle(app, pilot)
        assert article.article_id == newest[-1].id


async def test_enter_opens_and_marks_read_then_m_toggles(demo_db, newest):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("j", "enter")
        target = newest[1].id
        await settle(app, pilot)
        assert read_state(demo_db)[target] == 1
        assert app.query_one(ArticleView).has_focus
        assert f"{len(newest) - 1} unread" in header(app)
        await pilot.press("m")
        await settle(app, pilot)
        assert read_state(demo_db)[target] == 0
        await pilot.press("m")
        await settle(app, pilot)
        assert read_state(demo_db)[target] == 1
        await pilot.press("escape")
        assert app.query_one(HeadlineList).has_focus
        line = app.query_one(HeadlineList).render_line(1).text
        assert "●" not in line


async def test_mark_all_read_and_undo_restores_exact_states(demo_db, newest):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await pilot.press("j", "j", "m")  # one article read before
        await settle(app, pilot)
        before = read_state(demo_db)
        await pilot.press("A")
        await settle(app, pilot)
        assert set(read_state(demo_db).values()) == {1}
        assert any("ctrl+z" in notice for notice in notices(app)), notices(app)
        assert "0 unread" in header(app)
        await pilot.press("ctrl+z")
        await settle(app, pilot)
        assert read_state(demo_db) == before


async def test_u_toggles_unread_only_and_keeps_the_cursor_article(demo_db, newest):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("enter", "escape", "j", "j")  # newest read; cursor on the third
        keep = newest[2].id
        await pilot.press("u")
        await settle(app, pilot)
        headlines = app.query_one(HeadlineList)
        assert headlines.total == len(newest) - 1
        assert headlines.current.id == keep
        assert header(app).startswith(" Unread ")
        await pilot.press("u")
        await settle(app, pilot)
        assert headlines.total == len(newest)
        assert headlines.current.id == keep


async def test_tag_picker_with_two_tags(demo_db):
    with Store(demo_db) as store:
        expected = store.page(Filter(tags=("Port Ysel", "Harbour Strike")), limit=500)
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("t")
        await settle(app, pilot)
        await pilot.press(*"port ys", "enter")
        await settle(app, pilot)
        await pilot.press(*"harbour str", "enter")
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        headlines = app.query_one(HeadlineList)
        assert app.view.tags == ("Port Ysel", "Harbour Strike")
        assert headlines.total == len(expected) > 0
        assert headlines.current.id in {row.id for row in expected}
        assert "#Port Ysel + #Harbour Strike" in header(app)
        assert app.query_one("#active-tags").display
        await pilot.press("T")
        await settle(app, pilot)
        assert app.view.tags == ()
        assert not app.query_one("#active-tags").display


async def test_backspace_in_empty_picker_removes_last_tag(demo_db):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("t")
        await settle(app, pilot)
        await pilot.press(*"port ys", "enter")
        await settle(app, pilot)
        assert app.view.tags == ("Port Ysel",)
        await pilot.press("backspace")
        await settle(app, pilot)
        assert app.view.tags == ()


async def test_chip_focus_and_enter_filters_by_it(demo_db, newest):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("enter")
        with Store(demo_db) as store:
            tags = store.article(newest[0].id).article.tags
        await pilot.press("tab", "tab", "enter")
        await settle(app, pilot)
        assert app.view.tags == (tags[1],)
        assert app.query_one(HeadlineList).current.id == newest[0].id


async def test_n_goes_to_the_next_unread(demo_db, newest):
    with Store(demo_db) as store:
        store.mark_read([newest[1].id, newest[2].id])
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("n")
        assert app.query_one(HeadlineList).current.id == newest[3].id
        await pilot.press("N")
        assert app.query_one(HeadlineList).current.id == newest[0].id


async def test_space_at_the_end_opens_the_next_unread(demo_db, newest):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("enter")
        for _ in range(30):
            await pilot.press("space")
            if app.query_one(HeadlineList).current.id != newest[0].id:
                break
        await settle(app, pilot)
        assert app.query_one(HeadlineList).current.id == newest[1].id
        assert read_state(demo_db)[newest[1].id] == 1


async def test_star(demo_db, newest):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("s")
        with Store(demo_db) as store:
            assert store.article(newest[0].id).starred
        assert "★" in app.query_one(HeadlineList).render_line(0).text


async def test_narrow_terminal_shows_one_pane(demo_db, newest):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        article = app.query_one(ArticleView)
        sidebar = app.query_one("#sidebar")
        assert not article.display or article.region.width == 0
        assert sidebar.region.width == 80
        await pilot.press("enter")
        await pilot.pause()
        assert article.region.width > 0 and sidebar.region.width == 0
        await pilot.press("escape")
        await pilot.pause()
        assert sidebar.region.width == 80 and article.region.width == 0


async def test_empty_database_shows_a_welcome(tmp_path):
    app = make_app(tmp_path / "empty.db", watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        welcome = app.query_one("#welcome")
        assert welcome.display
        assert "reader import PATH" in str(welcome.render())
        assert not app.query_one("#main").display


async def test_another_process_imports_and_the_app_follows(demo_db, newest):
    from reader.article import Article

    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("j", "j")
        keep = app.query_one(HeadlineList).current.id
        with Store(demo_db) as other:
            other.save([Article(headline="Fresh news", published="2099-01-01T00:00", source="X")])
        await pilot.press("r")
        await settle(app, pilot)
        headlines = app.query_one(HeadlineList)
        assert headlines.total == len(newest) + 1
        assert headlines.current.id == keep
        assert "Fresh news" in headlines.render_line(0).text or "Fresh news" in rendered(headlines)


async def test_help_screen_lists_keys(demo_db):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ != "HelpScreen"


async def test_marks_survive_a_restart(demo_db, newest):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("enter")
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        assert app.query_one(HeadlineList).current.read
        assert "●" not in app.query_one(HeadlineList).render_line(0).text


async def test_key_bar_shows_the_context_and_a_click_presses_the_key(demo_db):
    from widgets.key_bar import KeyBar

    app = make_app(demo_db, watch=False)
    async with app.run_test(size=(200, 40)) as pilot:
        bar = app.query_one(KeyBar)
        text = bar.render().plain
        assert "Open" in text and "Unread only" in text and "Next tag" not in text
        assert "Undo" not in text  # nothing to undo yet: hidden, not greyed
        x = text.index(" u Unread only") + 1
        await pilot.click(KeyBar, offset=(x, 0))
        await settle(app, pilot)
        assert app.view.unread_only
        await pilot.press("enter")
        await pilot.pause()
        text = bar.render().plain
        assert "Next tag" in text and "Undo" not in text
        await pilot.press("m")
        await pilot.pause()
        assert "Undo" in bar.render().plain


async def test_quotes_view_opens_an_article_at_its_quote(demo_db):
    from widgets.quotes_view import QuotesScreen

    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("Q")
        await settle(app, pilot)
        assert isinstance(app.screen, QuotesScreen)
        await pilot.press("s")
        await settle(app, pilot)
        await pilot.press(*"peskov", "enter")
        await settle(app, pilot)
        await pilot.press("G", "enter")  # Peskov's last quote: "Every company is different…"
        await settle(app, pilot)
        assert not isinstance(app.screen, QuotesScreen)
        view = app.query_one(ArticleView)
        assert view.has_focus
        assert app.query_one(HeadlineList).current.id == view.article_id
        # Near the end of its article, the quote cannot reach the top: it must be on screen.
        assert view.scroll_offset.y > 0
        shown = " ".join(view.line_text(view.scroll_offset.y + y) for y in range(view.size.height))
        assert "Every company is different" in shown
        assert read_state(demo_db)[view.article_id] == 1


async def test_tag_picker_opens_before_its_tags_arrive(demo_db):
    from textual import events

    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("t")
        for key in "port ys":
            app.post_message(events.Key("space" if key == " " else key, key))
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.view.tags == ("Port Ysel",)


async def test_typing_ahead_in_the_tag_picker_chooses_what_was_typed(demo_db):
    from textual import events

    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("t")
        await settle(app, pilot)  # the tags are loaded: "enter" could pick the top one
        for key in ["c", "a", "r", "r", "o", "w", "enter"]:
            app.post_message(events.Key(key, None if key == "enter" else key))
        await settle(app, pilot)
        assert app.view.tags == ("Carrow",)


async def test_ctrl_c_quits_and_the_marks_are_already_saved(demo_db, newest):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("enter", "escape", "j", "m")
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert not app.is_running
    marks = read_state(demo_db)
    assert marks[newest[0].id] == 1 and marks[newest[1].id] == 1


async def test_backspace_typed_fast_deletes_letters_before_it_removes_a_tag(demo_db):
    from textual import events

    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("t")
        await settle(app, pilot)
        await pilot.press(*"carrow", "enter")
        await settle(app, pilot)
        assert app.view.tags == ("Carrow",)
        for key in ["p", "o", "backspace", "backspace"]:
            app.post_message(events.Key(key, None if key == "backspace" else key))
        await settle(app, pilot)
        assert app.view.tags == ("Carrow",)  # the letters went, the tag stayed
        await pilot.press("backspace")  # now the field is empty: the last tag goes
        await settle(app, pilot)
        assert app.view.tags == ()
