"""The quotes screen through Textual's pilot, on a copy of the demo database."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from textual import events
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Static

from reader.filters import Filter
from reader.store import QuoteRow, Store
from tests.conftest import APP_STYLES, settle
from widgets.key_bar import KeyBar
from widgets.quotes_view import (
    QuoteOpened,
    QuotesScreen,
    SpeakerList,
    SpeakerPicker,
)

SIZE = (120, 40)
PESKOV = "Dmitry Peskov"


class QuotesApp(App[None]):
    """Holds a store (and one per worker thread, as the reader does) and opens the screen."""

    CSS_PATH = APP_STYLES  # the widgets' styles live in the app's stylesheet

    def __init__(self, db: Path, view: Filter = Filter()) -> None:
        super().__init__()
        self.db = db
        self.view = view
        self.store = Store(db)
        self._local = threading.local()
        self.received: list[QuoteOpened] = []
        self.actions_run: list[str] = []

    def thread_store(self) -> Store:
        store = getattr(self._local, "store", None)
        if store is None:
            store = self._local.store = Store(self.db)
        return store

    def on_mount(self) -> None:
        self.push_screen(QuotesScreen(self.store, self.thread_store, self.view))

    def on_unmount(self) -> None:
        # Only this thread's store: a worker may still be inside SQLite with its own, and
        # closing a connection under it can crash the process (as the reader learnt).
        # Workers' stores close with their threads.
        self.store.close()

    def on_quote_opened(self, message: QuoteOpened) -> None:
        self.received.append(message)

    def action_quit(self) -> None:  # a live [@click=app.quit] would land here
        self.actions_run.append("quit")


def screen_of(app: App) -> QuotesScreen:
    assert isinstance(app.screen, QuotesScreen)
    return app.screen


def lines(widget, count: int) -> list[str]:
    return [widget.render_line(y).text for y in range(count)]


def title(app: App) -> str:
    return str(screen_of(app).query_one("#quotes-title", Static).render())


async def type_text(pilot: Pilot, text: str) -> None:
    await pilot.press(*("space" if char == " " else char for char in text))
    await pilot.pause()


@pytest.fixture
def every_quote(demo_db: Path) -> list[QuoteRow]:
    with Store(demo_db) as store:
        return store.quotes(Filter(), limit=10_000)


async def test_lists_every_quote_newest_first_with_speakers(demo_db, every_quote):
    app = QuotesApp(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        quotes = screen_of(app).quote_list
        assert quotes.has_focus
        assert quotes.total == len(every_quote) > 200  # more than the first page: counted
        assert f"Quotes · All · {len(every_quote):,} quotes" in title(app)
        shown = lines(quotes, 6)
        for n, row in enumerate(every_quote[:3]):
            who, said = shown[2 * n], shown[2 * n + 1]
            assert (row.speaker or "unattributed") in who
            assert row.headline[:20] in who
            assert f"“{row.text[:30]}" in said
        dates = [row.sort_key for row in every_quote]
        assert dates == sorted(dates, reverse=True)
        assert every_quote[2].speaker == "Dana Marevic"  # her surname alone, completed
        assert "Marevic" in shown[4] and "12 Nov" in shown[4]


async def test_keys_move_the_cursor_and_far_rows_are_loaded(demo_db, every_quote):
    app = QuotesApp(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        quotes = screen_of(app).quote_list
        await pilot.press("j", "j", "down", "k")
        assert quotes.cursor == 2
        assert quotes.current == every_quote[2]
        await pilot.press("G")
        await settle(app, pilot)
        assert quotes.cursor == len(every_quote) - 1
        assert quotes.current == every_quote[-1]
        last = lines(quotes, quotes.size.height)
        assert every_quote[-1].text[:20] in "\n".join(last)
        await pilot.press("g")
        assert quotes.cursor == 0 and quotes.scroll_y == 0
        await pilot.press("pagedown")
        assert quotes.cursor == quotes.scrollable_content_region.height // 2 - 1


async def test_enter_posts_quote_opened_and_closes(demo_db, every_quote):
    app = QuotesApp(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("j", "j", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, QuotesScreen)
        wanted = every_quote[2]
        assert [(m.article_id, m.seq) for m in app.received] == [(wanted.article_id, wanted.seq)]


async def test_click_moves_then_opens(demo_db, every_quote):
    app = QuotesApp(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        quotes = screen_of(app).quote_list
        await pilot.click(quotes, offset=(5, 3))  # the second line of the second quote
        assert quotes.cursor == 1 and isinstance(app.screen, QuotesScreen)
        await pilot.click(quotes, offset=(5, 2))
        await pilot.pause()
        assert [(m.article_id, m.seq) for m in app.received] == [
            (every_quote[1].article_id, every_quote[1].seq)
        ]


async def test_pick_a_speaker_then_clear(demo_db, every_quote):
    app = QuotesApp(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        bar = screen_of(app).query_one(KeyBar)
        assert "All speakers" not in str(bar.render())  # nothing to clear yet
        await pilot.press("s")
        await settle(app, pilot)
        assert isinstance(app.screen, SpeakerPicker)
        await type_text(pilot, "dmitry pes")
        speakers = app.screen.query_one(SpeakerList)
        assert speakers.highlighted.name == PESKOV
        await pilot.press("enter")
        await settle(app, pilot)
        screen = screen_of(app)
        quotes = screen.quote_list
        assert screen.speaker == PESKOV
        assert quotes.total == 4
        assert f"Quotes · All · 4 quotes · {PESKOV}" in title(app)
        shown = lines(quotes, 10)
        assert all(PESKOV in line for line in shown[0:8:2])
        assert shown[8].strip() == ""
        peskov = [row for row in every_quote if row.speaker == PESKOV]
        await pilot.press("G", "enter")
        await pilot.pause()
        assert [(m.article_id, m.seq) for m in app.received] == [
            (peskov[-1].article_id, peskov[-1].seq)
        ]

    app = QuotesApp(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("s")
        await settle(app, pilot)
        await type_text(pilot, "peskov")
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen_of(app).quote_list.total == 4
        assert "All speakers" in str(screen_of(app).query_one(KeyBar).render())
        await pilot.press("S")
        await settle(app, pilot)
        assert screen_of(app).speaker is None
        assert screen_of(app).quote_list.total == len(every_quote)
        assert title(app).rstrip().endswith(f"{len(every_quote):,} quotes")


async def test_escape_in_the_picker_keeps_the_list(demo_db, every_quote):
    app = QuotesApp(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("s")
        await settle(app, pilot)
        await type_text(pilot, "zzzz")
        assert "no speaker matches" in lines(app.screen.query_one(SpeakerList), 1)[0]
        await pilot.press("enter")  # nothing to take: the picker stays
        assert isinstance(app.screen, SpeakerPicker)
        await pilot.press("escape")
        await settle(app, pilot)
        assert screen_of(app).speaker is None
        assert screen_of(app).quote_list.total == len(every_quote)


async def test_escape_closes(demo_db):
    app = QuotesApp(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, QuotesScreen)
        assert app.received == []


async def test_the_view_narrows_the_quotes(demo_db):
    view = Filter(tags=("Harbour Strike",))
    with Store(demo_db) as store:
        expected = store.quotes(view, limit=10_000)
    assert 0 < len(expected) < 200
    app = QuotesApp(demo_db, view)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        quotes = screen_of(app).quote_list
        assert quotes.total == len(expected)
        assert f"Quotes · #Harbour Strike · {len(expected)} quotes" in title(app)
        await pilot.press("G")
        assert quotes.current == expected[-1]


async def test_an_empty_view_says_so(demo_db):
    app = QuotesApp(demo_db, Filter(tags=("No such tag",)))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        quotes = screen_of(app).quote_list
        assert quotes.total == 0
        assert "No quotes in this view." in lines(quotes, 1)[0]
        await pilot.press("j", "enter")
        assert app.received == [] and isinstance(app.screen, QuotesScreen)


SPEAKER = "[bold]x[/]"
TEXT = "[@click=app.quit]q[/]"
HEADLINE = "[red]Breaking[/] $var"


@pytest.fixture
def markup_db(demo_db: Path, every_quote) -> Path:
    first = every_quote[0]
    conn = sqlite3.connect(demo_db)
    with conn:
        conn.execute(
            "UPDATE quotes SET speaker = ?, text = ? WHERE article_id = ? AND seq = ?",
            (SPEAKER, TEXT, first.article_id, first.seq),
        )
        conn.execute("UPDATE articles SET headline = ? WHERE id = ?", (HEADLINE, first.article_id))
    conn.close()
    return demo_db


async def test_markup_is_shown_literally(markup_db):
    app = QuotesApp(markup_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        quotes = screen_of(app).quote_list
        who, said = lines(quotes, 2)
        assert SPEAKER in who and HEADLINE in who
        assert f"“{TEXT}”" in said
        await pilot.click(quotes, offset=(6, 1))  # on the quote text: opens, runs nothing
        await pilot.pause()
        assert app.actions_run == []
        assert len(app.received) == 1

    app = QuotesApp(markup_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("s")
        await settle(app, pilot)
        await type_text(pilot, "[bold")
        speakers = app.screen.query_one(SpeakerList)
        assert speakers.highlighted.name == SPEAKER
        assert lines(speakers, 1)[0].lstrip().startswith(SPEAKER)
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen_of(app).quote_list.total == 1
        assert title(app).rstrip().endswith(f"1 quote · {SPEAKER}")
        assert app.actions_run == []


async def test_app_keys_do_not_reach_the_screen_below(demo_db):
    """The screen keeps the app's keys out, as a modal would (only its own are shown)."""

    class Recorder(QuotesApp):
        BINDINGS = [("m", "mark", "Mark")]
        marked = 0

        def action_mark(self) -> None:
            self.marked += 1

    app = Recorder(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("m")
        assert app.marked == 0
        bar = str(screen_of(app).query_one(KeyBar).render())
        assert "Open article" in bar and "Speaker" in bar and "Mark" not in bar
        await pilot.press("q")  # closes this screen, does not quit
        await pilot.pause()
        assert not isinstance(app.screen, QuotesScreen) and app.actions_run == []


@pytest.fixture
def big_db(db_path: Path) -> Path:
    """600 articles of 5 quotes each: more quotes than the list keeps in memory."""
    from reader.article import Article, Block, Quote

    articles = []
    for n in range(600):
        text = " ".join(f"“quote {n}-{q}”" for q in range(5))
        quotes = tuple(
            Quote(f"quote {n}-{q}", "body", 0, 0, 1, f"Speaker {q}" if q else None)
            for q in range(5)
        )
        articles.append(
            Article(
                headline=f"Article {n}",
                published=f"2024-01-01T{n // 60:02d}:{n % 60:02d}",
                source="X",
                body=(Block("paragraph", text),),
                quotes=quotes,
            )
        )
    with Store(db_path) as store:
        store.save(articles)
    return db_path


async def test_a_long_list_reads_pages_on_demand(big_db):
    with Store(big_db) as store:
        every = store.quotes(Filter(), limit=10_000)
    assert len(every) == 3000 and every[0].text == "quote 599-0"
    app = QuotesApp(big_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        quotes = screen_of(app).quote_list
        assert quotes.total == 3000
        for _ in range(30):  # across the first page boundary: read by keyset, never missing
            await pilot.press("pagedown")
            assert quotes.current == every[quotes.cursor]
        assert quotes.cursor > 200
        await pilot.press("G")
        await settle(app, pilot)
        assert quotes.current == every[-1]
        for _ in range(25):  # upwards: pages above are read by offset, in a worker
            await pilot.press("pageup")
            await settle(app, pilot)
            assert quotes.current == every[quotes.cursor]
        assert quotes.cursor < 2800
        quotes.scroll_to(y=3000, animate=False, immediate=True)  # a scrollbar drag: quote 1500
        await pilot.pause()
        await settle(app, pilot)
        shown = "\n".join(lines(quotes, quotes.size.height))
        assert f"“{every[1500].text}”" in shown and "·····" not in shown
        for quote in (400, 2200, 1500):  # more drags: more pages read than may be kept
            quotes.scroll_to(y=2 * quote, animate=False, immediate=True)
            await pilot.pause()
            await settle(app, pilot)
            assert f"“{every[quote].text}”" in "\n".join(lines(quotes, quotes.size.height))
        held = [quote for quote in every if quotes.row_of(quotes.row_id(quote)) is not None]
        assert len(held) <= 6 * 200 + 200, len(held)  # the rows around the screen, not all read
        await pilot.press("g")
        assert quotes.current == every[0]
        await pilot.press("s")
        await settle(app, pilot)
        await type_text(pilot, "speaker 3")
        await pilot.press("enter")
        await settle(app, pilot)
        assert quotes.total == 600
        await pilot.press("G")
        await settle(app, pilot)
        assert quotes.current.speaker == "Speaker 3" and quotes.current.text == "quote 0-3"


async def test_typing_ahead_in_the_speaker_picker_picks_what_was_typed(demo_db):
    """Letters and enter arriving in one burst (a fast typist, a paste + enter)."""
    app = QuotesApp(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("s")
        await settle(app, pilot)
        for key in ["p", "e", "s", "k", "enter"]:
            app.post_message(events.Key(key, None if key == "enter" else key))
        await settle(app, pilot)
        assert screen_of(app).speaker == PESKOV


async def test_a_pasted_control_sequence_never_reaches_the_speaker_field(demo_db):
    app = QuotesApp(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("s")
        await settle(app, pilot)
        app.screen.query_one("#speaker-picker-input").insert_text_at_cursor(
            "pes\x1b]0;pwned\x07k\u202e"
        )
        await pilot.pause()
        assert app.screen.query_one("#speaker-picker-input").value == "pesk"


async def test_rows_in_any_script_fill_the_width_exactly(tmp_path):
    """Quotes of headlines and speakers in many scripts: every line of the list is exactly
    as wide as the list, measured as the terminal draws (reader.cells)."""
    from dataclasses import replace

    from reader import cells
    from reader.parse import parse_text
    from tests.scripts_data import HEADLINES

    db = tmp_path / "scripts.db"
    with Store(db) as store:
        for index, headline in enumerate(HEADLINES):
            text = f"{headline}\n\n“Words number {index} are said here,” said 王小明 of Xinhua.\n"
            store.save([replace(parse_text(text), published=f"2025-05-22T10:{index:02d}")])
    app = QuotesApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        quotes = screen_of(app).quote_list
        assert quotes.total == len(HEADLINES)
        width = quotes.size.width
        for y in range(2 * len(HEADLINES)):
            line = quotes.render_line(y).text
            assert cells.width(line) == width, (y, line)
