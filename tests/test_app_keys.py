"""The keys newsboat and mutt hands expect, through Textual's pilot: real keys, assertions on
widgets and the database (issue 12)."""

from __future__ import annotations

import pytest
from textual.containers import VerticalScroll

from reader import session as reading
from reader.filters import Filter
from reader.store import Store
from tests.conftest import WIDE, header, notices, read_state, settle
from widgets.app import PipePrompt, make_app
from widgets.article_view import ArticleView
from widgets.headline_list import HeadlineList
from widgets.key_bar import KeyBar

NARROW = (80, 24)


@pytest.fixture
def newest(demo_db) -> list:
    with Store(demo_db) as store:
        return store.page(Filter(), limit=500)


def bar(app) -> str:
    return app.screen.query_one(KeyBar).render().plain


# ---- q goes back from the article, quits from the list ---------------------------------------


async def test_q_in_the_narrow_article_goes_back_and_q_on_the_list_quits(demo_db):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=NARROW) as pilot:
        sidebar, article = app.query_one("#sidebar"), app.query_one(ArticleView)
        assert bar(app).startswith(" ⏎ Open  q Quit ")
        await pilot.press("enter")
        await settle(app, pilot)
        assert article.region.width > 0 and sidebar.region.width == 0
        # The way back leads the bar (an 80-column bar cuts its tail), and q no longer quits.
        assert bar(app).startswith(" esc Back ")
        assert "q Quit" not in bar(app)
        await pilot.press("q")
        await pilot.pause()
        assert app.is_running
        assert sidebar.region.width == 80 and article.region.width == 0
        assert app.query_one(HeadlineList).has_focus
        assert "esc Back" not in bar(app)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_q_with_the_focus_in_the_wide_article_pane_goes_back_to_the_list(demo_db):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.query_one(ArticleView).has_focus
        assert bar(app).startswith(" esc Back ")
        await pilot.press("q")
        await pilot.pause()
        assert app.is_running and app.query_one(HeadlineList).has_focus
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


# ---- n / N open while reading, only move in the list -----------------------------------------


async def test_n_and_shift_n_while_reading_open_and_mark_read(demo_db, newest):
    with Store(demo_db) as store:
        store.mark_read([newest[1].id])
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        headlines, article = app.query_one(HeadlineList), app.query_one(ArticleView)
        await pilot.press("j", "j", "j", "enter")  # reading the fourth
        await settle(app, pilot)
        assert read_state(demo_db)[newest[3].id] == 1
        await pilot.press("N")  # the previous unread: the third
        await settle(app, pilot)
        assert headlines.current.id == article.article_id == newest[2].id
        assert read_state(demo_db)[newest[2].id] == 1
        assert article.has_focus  # still reading
        await pilot.press("N")  # the second is read already: the first
        await settle(app, pilot)
        assert headlines.current.id == article.article_id == newest[0].id
        assert read_state(demo_db)[newest[0].id] == 1
        await pilot.press("n")  # the next unread after the first: the fifth
        await settle(app, pilot)
        assert headlines.current.id == article.article_id == newest[4].id
        assert read_state(demo_db)[newest[4].id] == 1
        # In the list, n only moves.
        await pilot.press("escape", "n")
        await settle(app, pilot)
        assert headlines.has_focus and headlines.current.id == newest[5].id
        assert read_state(demo_db)[newest[5].id] == 0
    unread_left = len(newest) - 5
    assert sum(1 for read in read_state(demo_db).values() if not read) == unread_left


async def test_n_in_the_narrow_article_opens_the_next_unread(demo_db, newest):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=NARROW) as pilot:
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        article = app.query_one(ArticleView)
        assert article.region.width > 0 and article.article_id == newest[1].id
        assert read_state(demo_db)[newest[1].id] == 1


# ---- u keeps the place ----------------------------------------------------------------------


async def test_u_on_a_read_article_goes_to_the_nearest_one_after_it(demo_db, newest):
    with Store(demo_db) as store:
        store.mark_read([newest[5].id, newest[6].id])
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        headlines = app.query_one(HeadlineList)
        await pilot.press(*"jjjjj")  # on the sixth, read
        assert headlines.current.id == newest[5].id
        await pilot.press("u")
        await settle(app, pilot)
        assert app.view.unread_only
        assert headlines.current.id == newest[7].id  # the sixth and seventh are hidden
        assert app.query_one(ArticleView).article_id == newest[7].id
        await pilot.press("u")  # back to all: the same article
        await settle(app, pilot)
        assert headlines.current.id == newest[7].id


async def test_u_on_the_last_article_read_goes_to_the_last_unread(demo_db, newest):
    with Store(demo_db) as store:
        store.mark_read([newest[-1].id, newest[-2].id])
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        headlines = app.query_one(HeadlineList)
        await pilot.press("G", "u")
        await settle(app, pilot)
        assert headlines.total == len(newest) - 2
        assert headlines.cursor == headlines.total - 1
        assert headlines.current.id == newest[-3].id


def test_window_nearest_holds_the_rows_on_both_sides(demo_db, newest):
    """The session's rule under u: the window read around an article not in the view."""
    with Store(demo_db) as store:
        store.mark_read([newest[3].id])
        shown = reading.window(store, Filter(unread_only=True), newest[3].id, 0, nearest=True)
        assert shown.rows[shown.cursor - shown.start].id == newest[4].id
        assert [row.id for row in shown.rows] == [r.id for r in newest if r.id != newest[3].id]
        # Without it, the old rule: position fallback.
        shown = reading.window(store, Filter(unread_only=True), newest[3].id, 7)
        assert shown.cursor == 7


# ---- the starred view ------------------------------------------------------------------------


async def test_star_then_the_starred_view(demo_db, newest):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        headlines = app.query_one(HeadlineList)
        await pilot.press("j", "s", "j", "j", "s", "j")  # star the second and the fourth
        await settle(app, pilot)
        assert {i for i, starred in read_state(demo_db, "starred").items() if starred} == {
            newest[1].id,
            newest[3].id,
        }
        assert "* Starred only" in bar(app)
        await pilot.press("asterisk")
        await settle(app, pilot)
        assert app.view.starred_only
        assert header(app).startswith(" Starred  2 shown / 2 unread")
        assert headlines.total == 2
        assert headlines.current.id == newest[3].id  # the nearest starred after the fifth
        assert all("★" in headlines.render_line(y).text for y in range(2))
        await pilot.press("enter", "escape", "u")  # the fourth read: with Unread, the second
        await settle(app, pilot)
        assert header(app).startswith(" Starred · Unread  1 shown")
        assert headlines.current.id == newest[1].id  # nothing after the fourth: the last
        await pilot.press("u", "asterisk")
        await settle(app, pilot)
        assert not app.view.starred_only and headlines.total == len(newest)
        assert headlines.current.id == newest[1].id


# ---- the quotes view keeps its place ---------------------------------------------------------


async def test_quotes_view_comes_back_with_its_speaker_and_position(demo_db):
    from widgets.quotes_view import QuoteList, QuotesScreen

    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("Q")
        await settle(app, pilot)
        await pilot.press("s")
        await settle(app, pilot)
        await pilot.press(*"peskov", "enter")
        await settle(app, pilot)
        quotes = app.screen.query_one(QuoteList)
        assert quotes.speaker == "Dmitry Peskov" and quotes.total > 2
        await pilot.press("j", "j")
        left_at = quotes.current
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, QuotesScreen)
        await pilot.press("Q")
        await settle(app, pilot)
        quotes = app.screen.query_one(QuoteList)
        assert quotes.speaker == "Dmitry Peskov" and "Dmitry Peskov" in str(
            app.screen.query_one("#quotes-title").render()
        )
        assert quotes.cursor == 2 and quotes.current == left_at
        # Opening a quote leaves it there too.
        await pilot.press("j", "enter")
        await settle(app, pilot)
        assert not isinstance(app.screen, QuotesScreen)
        await pilot.press("Q")
        await settle(app, pilot)
        quotes = app.screen.query_one(QuoteList)
        assert quotes.speaker == "Dmitry Peskov" and quotes.cursor == 3
        # Another view's quotes start at the top, everyone's.
        await pilot.press("escape", "u", "Q")
        await settle(app, pilot)
        quotes = app.screen.query_one(QuoteList)
        assert quotes.speaker is None and quotes.cursor == 0


async def test_quotes_view_comes_back_scrolled_where_it_was(demo_db):
    from widgets.quotes_view import QuoteList

    app = make_app(demo_db, watch=False)
    async with app.run_test(size=(100, 16)) as pilot:
        await pilot.press("Q")
        await settle(app, pilot)
        await pilot.press(*"j" * 12, "k", "k")
        await settle(app, pilot)
        quotes = app.screen.query_one(QuoteList)
        cursor, scroll = quotes.cursor, quotes.scroll_y
        assert cursor == 10 and scroll > 0
        await pilot.press("escape", "Q")
        await settle(app, pilot)
        quotes = app.screen.query_one(QuoteList)
        assert (quotes.cursor, quotes.scroll_y) == (cursor, scroll)


# ---- | pipes the article ---------------------------------------------------------------------


async def type_into_prompt(app, pilot, text: str) -> None:
    prompt = app.screen
    assert isinstance(prompt, PipePrompt)
    field = prompt.query_one("#pipe-command")
    field.value = text  # as typed (the keys themselves: see the test below)
    await pilot.press("enter")
    await settle(app, pilot)


async def test_pipe_gives_the_command_the_article_as_text(demo_db, newest, tmp_path):
    from reader.cli import format_article

    out = tmp_path / "piped.txt"
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("j", "vertical_line")
        await settle(app, pilot)
        assert isinstance(app.screen, PipePrompt)
        await pilot.press(*"cat >", "space", *str(out))
        await pilot.press("enter")
        await settle(app, pilot)
        assert not isinstance(app.screen, PipePrompt)
        with Store(demo_db) as store:
            expected = format_article(store.article(newest[1].id)) + "\n"
        assert out.read_text(encoding="utf-8") == expected
        assert read_state(demo_db)[newest[1].id] == 0  # piping is not reading
        # The prompt offers the last command again; escape runs nothing.
        out.unlink()
        await pilot.press("vertical_line")
        await settle(app, pilot)
        assert app.screen.query_one("#pipe-command").value == f"cat > {out}"
        await pilot.press("escape")
        await settle(app, pilot)
        assert not out.exists() and not isinstance(app.screen, PipePrompt)


@pytest.mark.parametrize(
    ("command", "said"),
    [
        ("no-such-command-for-reader", "command not found"),
        ("cat > /dev/null; echo broken >&2; exit 3", "exited with status 3 (broken)"),
    ],
)
async def test_a_failing_pipe_is_a_notice_not_a_traceback(demo_db, command, said):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await pilot.press("vertical_line")
        await settle(app, pilot)
        await type_into_prompt(app, pilot, command)
        assert app.is_running
        assert any(said in notice for notice in notices(app)), notices(app)


def test_pipe_reports_each_failure_in_one_line():
    assert reading.pipe("cat > /dev/null", "text", attached=False) is None
    assert "command not found" in reading.pipe("no-such-command-for-reader", "x", attached=False)
    assert reading.pipe("exit 4", "", attached=False) == "exit 4: exited with status 4"
    # A command that does not read its input is no error (the broken pipe is ignored).
    assert reading.pipe("true", "x" * 1_000_000, attached=False) is None


# ---- ctrl+z, the palette, the help -----------------------------------------------------------


async def test_ctrl_z_with_nothing_to_undo_says_so(demo_db, newest):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert any("Nothing to undo" in notice for notice in notices(app)), notices(app)
        assert "Undo" not in bar(app)
        await pilot.press("m")
        await settle(app, pilot)
        assert read_state(demo_db)[newest[0].id] == 1
        await pilot.press("ctrl+z")
        await settle(app, pilot)
        assert read_state(demo_db)[newest[0].id] == 0


async def test_the_palette_offers_each_action_once(demo_db):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert len(titles) == len(set(titles)), titles
        for wanted in ("Starred only", "Pipe to a command", "Unread only", "Undo", "Help"):
            assert wanted in titles
        assert "To the list" not in titles and "Keys" not in titles
        # And a command runs its action.
        await pilot.press("ctrl+p")
        await settle(app, pilot)
        await pilot.press(*"starred")
        await pilot.pause(0.3)  # the palette searches after a short debounce
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.view.starred_only


async def test_help_scrolls_with_j_k_g_shift_g_and_lists_the_new_keys(demo_db):
    from widgets.help_screen import HelpScreen, HelpTable

    app = make_app(demo_db, watch=False)
    async with app.run_test(size=NARROW) as pilot:
        await pilot.press("question_mark")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        box = app.screen.query_one("#help", VerticalScroll)
        assert box.max_scroll_y > 2
        await pilot.press("j", "j")
        await pilot.pause()
        assert box.scroll_y == 2
        await pilot.press("k")
        await pilot.pause()
        assert box.scroll_y == 1
        await pilot.press("G")
        await pilot.pause()
        assert box.scroll_y == box.max_scroll_y
        await pilot.press("g")
        await pilot.pause()
        assert box.scroll_y == 0
        text = [
            " ".join(line.split())
            for line in str(app.screen.query_one(HelpTable).content).splitlines()
        ]
        assert "q Back to the list" in text  # under Article
        assert "* Starred only" in text and "| Pipe to a command" in text
        assert "^z Undo" in text
