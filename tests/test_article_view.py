"""The article pane, driven by a pilot in a tiny app that holds only an ``ArticleView``."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.widgets import Button

from reader.article import Article, Block
from reader.parse import parse_bytes, parse_text
from reader.store import StoredArticle
from tests.conftest import APP_STYLES, SAMPLE, settle
from widgets.article_view import ArticleView, format_published, wrap_offsets
from widgets.messages import ArticleEndReached, TagChosen

SIZE = (100, 30)
MARKUP = "[bold]x[/] [@click=app.quit]quit[/] $var :smile: [link=https://x.test]l[/link]"


class ViewApp(App):
    """Only the pane; collects what it posts."""

    CSS_PATH = APP_STYLES  # the widgets' styles live in the app's stylesheet

    def __init__(self, stored: StoredArticle | None = None) -> None:
        super().__init__()
        self.stored = stored
        self.chosen: list[str] = []
        self.ends = 0

    def compose(self) -> ComposeResult:
        yield ArticleView(self.stored)

    def on_tag_chosen(self, message: TagChosen) -> None:
        self.chosen.append(message.name)

    def on_article_end_reached(self, message: ArticleEndReached) -> None:
        self.ends += 1


class PaneAndButtonApp(ViewApp):
    """The pane and something after it, to see where tab sends the focus."""

    def compose(self) -> ComposeResult:
        yield ArticleView(self.stored)
        yield Button("after")


def sample(read: bool = False, starred: bool = False) -> StoredArticle:
    return StoredArticle(7, parse_bytes(SAMPLE.read_bytes()), read, starred)


def all_lines(view: ArticleView) -> list[str]:
    return [view.line_text(line) for line in range(view.line_count)]


def screen_lines(view: ArticleView) -> list[str]:
    """What the pane draws now, one string per row."""
    return [view.render_line(y).text for y in range(view.scrollable_content_region.height)]


def line_of(view: ArticleView, needle: str) -> int:
    return next(n for n, text in enumerate(all_lines(view)) if needle in text)


def styled_text(view: ArticleView, line: int, bgcolor) -> str:
    """The characters of ``line`` drawn on ``bgcolor`` (scrolls the line into view)."""
    view.scroll_to(y=line, animate=False)
    strip = view.render_line(line - round(view.scroll_y))
    return "".join(seg.text for seg in strip if seg.style and seg.style.bgcolor == bgcolor)


def component_background(view: ArticleView, name: str):
    return view.get_component_rich_style(name).bgcolor


@pytest.mark.asyncio
async def test_sample_is_laid_out_in_order():
    app = ViewApp(sample(starred=True))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.query_one(ArticleView)
        assert view.article_id == 7
        drawn = screen_lines(view)
        assert drawn[0].startswith(" Kremlin says all parties interested")
        assert drawn[2].strip() == "AA · 22 May 2025 15:46 · unread · ★ starred"
        assert drawn[3].strip() == "File photo"
        assert drawn[4].strip() == ""
        # The lede is indented past the padding.
        assert drawn[5].startswith("   Both sides agreed to exchange 1,000 prisoners")
        assert drawn[6].strip() == ""
        lines = all_lines(view)
        heading = lines.index("Reaction on WSJ report")
        assert lines[heading - 1] == lines[heading + 1] == ""
        assert lines[-1] == "#Dmitry Peskov #Europe #Kremlin #Russia #Ukraine #Wall Street Journal"
        assert lines[-2] == ""
        for line in range(view.line_count):
            assert cell_len(view.line_text(line)) <= view.scrollable_content_region.width - 2


@pytest.mark.asyncio
async def test_subheading_and_headline_carry_their_styles():
    app = ViewApp(sample())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.query_one(ArticleView)
        first = view.render_line(0)
        assert all(seg.style.bold for seg in first if seg.text.strip())
        heading = line_of(view, "Reaction on WSJ report")
        view.scroll_to(y=heading, animate=False)
        strip = view.render_line(heading - round(view.scroll_y))
        words = [seg for seg in strip if seg.text.strip()]
        assert words and all(seg.style.bold and seg.style.underline for seg in words)


@pytest.mark.asyncio
async def test_quotes_are_highlighted_marks_included():
    app = ViewApp(sample())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.query_one(ArticleView)
        quote_bg = component_background(view, "article-view--quote")
        plain_bg = next(iter(view.render_line(0))).style.bgcolor
        assert quote_bg is not None and quote_bg != plain_bg
        # The headline quote wraps over two lines.
        assert styled_text(view, 0, quote_bg) == "‘as soon as"
        assert styled_text(view, 1, quote_bg) == "possible'"
        line = line_of(view, "“carefully”")
        assert styled_text(view, line, quote_bg) == "“carefully”“completely differently”"
        plain = line_of(view, "He also denied")
        assert styled_text(view, plain, quote_bg) == ""


@pytest.mark.asyncio
async def test_speaker_follows_the_closing_mark():
    app = ViewApp(sample())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.query_one(ArticleView)
        # Named right after the quote: not labelled again ("— Dmitry Peskov Dmitry Peskov").
        named = line_of(view, "labor-intensive")
        assert view.line_text(named).startswith(
            "“This is a rather labor-intensive issue,” Kremlin spokesman Dmitry Peskov"
        )
        assert "— Dmitry Peskov" not in view.line_text(named)
        # "… he went on to say": the label says who.
        text = " ".join(" ".join(all_lines(view)).split())
        assert "sectors of the economy,” — Dmitry Peskov he went on to say." in text
        line = line_of(view, "— Dmitry Peskov")
        view.scroll_to(y=line, animate=False)
        strip = view.render_line(line - round(view.scroll_y))
        speaker = [seg for seg in strip if "Dmitry Peskov" in seg.text and "—" in seg.text]
        assert [seg.text for seg in speaker] == [" — Dmitry Peskov"]
        expected = view.get_component_rich_style("article-view--speaker")
        assert speaker[0].style.italic
        assert speaker[0].style.color == expected.color
        quote_bg = component_background(view, "article-view--quote")
        assert speaker[0].style.bgcolor != quote_bg


@pytest.mark.asyncio
async def test_nested_quotes_are_both_highlighted():
    article = parse_text(
        "Nested\n\nThe lede.\n\n“He called it ‘a farce,’ again,” she said.\n\nAfter ‘one’ end."
    )
    assert len(article.quotes) >= 3
    app = ViewApp(StoredArticle(1, article, False, False))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.query_one(ArticleView)
        quote_bg = component_background(view, "article-view--quote")
        line = line_of(view, "He called it")
        assert styled_text(view, line, quote_bg) == "“He called it ‘a farce,’ again,”"


@pytest.mark.asyncio
async def test_markup_looking_text_is_shown_literally():
    article = Article(
        headline=f"Headline {MARKUP}",
        published="2025-05-22T15:46",
        source="[red]Agency[/]",
        captions=("[i]caption[/i]",),
        lede=f"Lede {MARKUP}",
        body=(Block("paragraph", f"Body “{MARKUP}” end"), Block("subheading", "[b]sub[/b]")),
        tags=("[@click=app.quit]tag[/]",),
    )
    article = replace(article, quotes=parse_text(f"x\n\n{article.body[0].text}").quotes)
    app = ViewApp(StoredArticle(3, article, False, False))
    async with app.run_test(size=(200, 30)) as pilot:
        await pilot.pause()
        view = app.query_one(ArticleView)
        text = "\n".join(all_lines(view))
        assert f"Headline {MARKUP}" in text
        assert "[red]Agency[/] · 22 May 2025 15:46" in text
        assert "[i]caption[/i]" in text
        assert f"Lede {MARKUP}" in text
        assert f"Body “{MARKUP}” end" in text
        assert "[b]sub[/b]" in text
        assert "#[@click=app.quit]tag[/]" in text
        drawn = "\n".join(screen_lines(view))
        assert f"Headline {MARKUP}" in drawn
        for y in range(view.line_count):
            for seg in view.render_line(y):
                assert not (seg.style and seg.style.meta.get("@click")), seg
                assert not (seg.style and seg.style.link), seg
        # Clicking on the action-looking text does nothing.
        x = 1 + view.line_text(0).index("quit")
        await pilot.click(ArticleView, offset=(x, 0))
        await pilot.pause()
        assert app.is_running


@pytest.mark.asyncio
async def test_tab_moves_the_chip_cursor_and_enter_chooses():
    app = ViewApp(sample())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.query_one(ArticleView)
        assert app.focused is view
        assert view.chip_cursor is None
        await pilot.press("enter")  # no chip yet: nothing
        await pilot.press("tab")
        assert view.chip_cursor == 0
        # The chips were below the fold: the pane scrolled to them.
        chip_line = view.chip_areas[0].line
        assert view.scroll_y <= chip_line < view.scroll_y + view.scrollable_content_region.height
        cursor_bg = component_background(view, "article-view--chip-cursor")
        assert styled_text(view, chip_line, cursor_bg) == "#Dmitry Peskov"
        await pilot.press("enter")
        await pilot.press("tab", "enter")
        await pilot.press("shift+tab", "shift+tab", "enter")
        await pilot.pause()
        assert app.chosen == ["Dmitry Peskov", "Europe", "Wall Street Journal"]
        assert styled_text(view, chip_line, cursor_bg) == "#Wall Street Journal"
        await pilot.press("tab", "enter")  # wraps around to the first
        await pilot.pause()
        assert app.chosen[-1] == "Dmitry Peskov"


@pytest.mark.asyncio
async def test_tab_is_left_alone_without_chips():
    untagged = replace(sample(), article=replace(sample().article, tags=()))
    app = PaneAndButtonApp(untagged)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.query_one(ArticleView)
        assert app.focused is view
        assert view.check_action("next_chip", ()) is False
        await pilot.press("tab")
        assert isinstance(app.focused, Button)
        view.show(sample())
        view.focus()
        await pilot.press("tab")
        assert app.focused is view and view.chip_cursor == 0


@pytest.mark.asyncio
async def test_clicking_a_chip_chooses_its_tag():
    app = ViewApp(sample())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.query_one(ArticleView)
        await pilot.press("end")
        await pilot.pause()
        europe = next(a for a in view.chip_areas if a.chip == 1)
        y = europe.line - round(view.scroll_y)
        await pilot.click(ArticleView, offset=(europe.start - 1, y))  # the gap before it
        await pilot.click(ArticleView, offset=(europe.end - 1, y))
        await pilot.pause()
        assert app.chosen == ["Europe"]
        assert view.chip_cursor == 1


@pytest.mark.asyncio
async def test_space_pages_down_then_reports_the_end():
    app = ViewApp(sample())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.query_one(ArticleView)
        await pilot.press("space")
        await pilot.pause()
        assert view.scroll_y == view.scrollable_content_region.height
        assert app.ends == 0
        for _ in range(10):
            await pilot.press("space")
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y
        assert app.ends >= 1
        ends = app.ends
        await pilot.press("space")
        await pilot.pause()
        assert app.ends == ends + 1


@pytest.mark.asyncio
async def test_line_keys_scroll():
    app = ViewApp(sample())
    async with app.run_test(size=SIZE) as pilot:
        app.animation_level = "none"
        await pilot.pause()
        view = app.query_one(ArticleView)
        await pilot.press("j", "j", "down")
        await pilot.pause()
        assert view.scroll_y == 3
        await pilot.press("k", "up")
        await pilot.pause()
        assert view.scroll_y == 1
        await pilot.press("G")
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y > 0
        await pilot.press("g")
        await pilot.pause()
        assert view.scroll_y == 0


@pytest.mark.asyncio
async def test_empty_pane_shows_a_hint():
    app = ViewApp(None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.query_one(ArticleView)
        assert view.article_id is None
        assert screen_lines(view)[0].strip() == "Select an article"
        assert all(not line.strip() for line in screen_lines(view)[1:])
        view.show(sample())
        await pilot.pause()
        assert view.article_id == 7
        view.show(None)
        await pilot.pause()
        assert screen_lines(view)[0].strip() == "Select an article"
        assert view.check_action("next_chip", ()) is False


@pytest.mark.asyncio
async def test_show_resets_scroll_but_a_new_mark_keeps_it():
    app = ViewApp(sample())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.query_one(ArticleView)
        view.scroll_to(y=10, animate=False)
        await pilot.press("tab")
        await pilot.pause()
        top = view.scroll_y
        assert top > 0
        view.show(sample(read=True, starred=True))
        await pilot.pause()
        assert view.scroll_y == top and view.chip_cursor == 0
        assert view.line_text(2) == "AA · 22 May 2025 15:46 · read · ★ starred"
        other = StoredArticle(8, parse_text("Other\n\nLede\n\nBody\n\n#Tag"), False, False)
        view.show(other)
        await pilot.pause()
        assert view.scroll_y == 0 and view.chip_cursor is None and view.article_id == 8


@pytest.mark.asyncio
async def test_scroll_to_quote():
    stored = sample()
    app = ViewApp(stored)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.query_one(ArticleView)
        index = next(
            n for n, q in enumerate(stored.article.quotes) if q.text.startswith("The Europeans")
        )
        view.scroll_to_quote(index)
        await pilot.pause()
        line = line_of(view, "“The Europeans will continue")
        # Near the top, unless the article ends first.
        assert round(view.scroll_y) == min(line - 1, view.max_scroll_y) > 0
        view.scroll_to_quote(2)
        await pilot.pause()
        assert round(view.scroll_y) == line_of(view, "“This is a rather labor-intensive") - 1


@pytest.mark.asyncio
async def test_resize_rewraps_and_keeps_the_top_line():
    app = ViewApp(sample())
    async with app.run_test(size=(100, 16)) as pilot:  # short: the heading can be the top line
        await pilot.pause()
        view = app.query_one(ArticleView)
        wide = view.line_count
        view.scroll_to(y=line_of(view, "Reaction on WSJ report"), animate=False)
        await pilot.pause()
        await pilot.resize_terminal(40, 20)
        await settle(app, pilot)
        assert view.line_count > wide
        assert view.line_text(round(view.scroll_y)) == "Reaction on WSJ report"
        width = view.scrollable_content_region.width
        for line in range(view.line_count):
            assert cell_len(view.line_text(line)) <= width - 2
        view.scroll_to(y=0, animate=False)
        while True:
            for strip in [view.render_line(y) for y in range(view.size.height)]:
                assert strip.cell_length == width
                assert strip.text.rstrip() == strip.text[: width - 1].rstrip()
            if view.scroll_y >= view.max_scroll_y:
                break
            view.scroll_to(y=view.scroll_y + view.size.height, animate=False)
        assert view.line_text(view.line_count - 1) == "#Wall Street Journal"


@pytest.mark.asyncio
async def test_scrollbar_and_end_follow_each_article_shown():
    # The height is set without a layout of the screen when the scrollbar stays: it must
    # still come and go, and the end must be each article's own.
    short = StoredArticle(8, parse_text("Short\n\nLede\n\nBody\n\n#Tag"), False, False)
    app = ViewApp(None)
    async with app.run_test(size=SIZE) as pilot:
        app.animation_level = "none"
        await pilot.pause()
        view = app.query_one(ArticleView)
        for stored, long in [(sample(), True), (short, False), (sample(), True), (sample(), True)]:
            view.follow(stored.id, lambda stored=stored: stored)
            await pilot.pause()
            assert view.show_vertical_scrollbar is long
            assert (view.max_scroll_y > 0) is long
            assert view.scroll_y == 0
            assert screen_lines(view)[0].strip().startswith(stored.article.headline[:20])
            await pilot.press("end")
            await pilot.pause()
            assert view.scroll_y == view.max_scroll_y
            if long:
                assert screen_lines(view)[-1].strip() == view.line_text(view.line_count - 1)


def huge_article() -> Article:
    """About 5 MB: a 200,000-character token, then many quoted paragraphs."""
    paragraph = (
        "“This is a rather labor-intensive issue,” Kremlin spokesman Dmitry Peskov told "
        "journalists in Moscow, saying that work is being done on exchanging names [b]x[/]."
    )
    parts = ["A huge headline", "", "22 May 2025 15:46", "AA", "", "The lede.", ""]
    parts += ["x" * 200_000, ""]
    size = 200_000
    number = 0
    while size < 5_000_000:
        text = f"{paragraph} {number}"
        parts += [text, ""]
        size += len(text) + 2
        number += 1
    parts.append("#Big")
    return parse_text("\n".join(parts))


@pytest.mark.asyncio
async def test_a_5_mb_article_shows_and_scrolls_to_its_end():
    article = huge_article()
    app = ViewApp(None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.query_one(ArticleView)
        view.show(StoredArticle(1, article, False, False))
        await pilot.pause()
        assert screen_lines(view)[0].strip() == "A huge headline"
        await settle(app, pilot)
        width = view.scrollable_content_region.width
        token = [n for n in range(view.line_count) if view.line_text(n).startswith("xxx")]
        assert sum(len(view.line_text(n)) for n in token) == 200_000
        assert all(len(view.line_text(n)) <= width - 2 for n in token)
        await pilot.press("end")
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y > 50_000
        drawn = screen_lines(view)
        assert drawn[-1].strip() == "#Big"
        assert all(len(line) == width for line in drawn)
        await pilot.press("space")
        await pilot.pause()
        assert app.ends == 1
        await pilot.resize_terminal(60, 30)
        await settle(app, pilot)
        assert all(cell_len(line) <= 60 for line in screen_lines(view))
        assert view.scroll_y == view.max_scroll_y


@pytest.mark.asyncio
async def test_end_pressed_before_a_big_layout_is_done_lands_on_the_real_end():
    app = ViewApp(None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.query_one(ArticleView)
        view.show(StoredArticle(1, huge_article(), False, False))
        await pilot.press("end")
        await settle(app, pilot)
        assert view.scroll_y == view.max_scroll_y
        assert screen_lines(view)[-1].strip() == "#Big"


def test_published_dates_read_as_day_month_year():
    assert format_published("2025-05-22T15:46") == "22 May 2025 15:46"
    assert format_published("2024-03-07T10:30:15+02:00") == "7 Mar 2024 10:30 +02:00"
    assert format_published("not a date") == "not a date"


@given(
    st.text(alphabet=st.sampled_from("ab 漢字é\u0301x"), max_size=200),
    st.integers(min_value=1, max_value=30),
)
def test_wrapped_lines_fit_and_keep_every_character(text: str, width: int):
    lines = wrap_offsets(text, width)
    kept = ""
    previous_end = 0
    for start, end in lines:
        assert start >= previous_end
        assert text[previous_end:start].strip(" ") == ""  # only spaces are dropped
        piece = text[start:end]
        assert cell_len(piece) <= width or len(piece) == 1
        kept += piece
        previous_end = end
    assert text[previous_end:].strip(" ") == ""
    assert kept.replace(" ", "") == text.replace(" ", "")
