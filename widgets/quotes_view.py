"""The quotes screen: every quote of the current view, who said it and where, newest first.

A full screen over the reader (``Q``). Its list is virtual like the headline list: one
count sizes it, keyset pages of quotes fill it, ``render_line`` draws two lines per quote
from an LRU cache of strips, and a jump far into the list (a scrollbar drag) is read by
``OFFSET`` in a thread worker while placeholder rows show. ``enter`` closes the screen
and posts ``QuoteOpened(article_id, seq)`` to the app, which shows that quote in its
article. Speakers, quotes, headlines and tag names come from articles: they only ever
reach the screen as plain strings in ``Segment``/``Content``, never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.cache import LRUCache
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.screen import Screen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static
from textual.worker import get_current_worker

from reader.filters import Filter
from reader.store import QuoteRow, Store, TagCount
from widgets.cursor_keys import CursorKeys, cursor_bindings
from widgets.headline_list import PAGE, PagedRows, short_date
from widgets.key_bar import KeyBar
from widgets.messages import PageLoaded, QuoteOpened
from widgets.picker import MatchList, PickerInput, PickerScreen, picker_bindings

__all__ = ["QuoteList", "QuoteOpened", "QuotesScreen", "SpeakerList", "SpeakerPicker"]

LINES = 2  # screen lines per quote: who, where and when; then what was said
MAX_ROWS = 6 * PAGE  # quotes kept around the viewport; the rest is fetched again on demand
DATE_WIDTH = 9  # "22 May 25"


def _fit(text: str, width: int) -> str:
    """``text`` on one line in exactly ``width`` cells, cut with an ellipsis when too long."""
    if width <= 0:
        return ""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return set_cell_size(text, width)


class QuoteList(PagedRows, CursorKeys, ScrollView, can_focus=True):
    """Quotes of one view (and maybe one speaker), two lines each, with a cursor."""

    COMPONENT_CLASSES = {
        "quote-list--speaker",
        "quote-list--unattributed",
        "quote-list--date",
        "quote-list--quote",
        "quote-list--headline",
        "quote-list--cursor",
        "quote-list--placeholder",
    }

    DEFAULT_CSS = """
    QuoteList {
        height: 1fr;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
        & > .quote-list--speaker {
            color: $text-accent;
            text-style: bold;
        }
        & > .quote-list--unattributed {
            color: $text-muted;
            text-style: italic;
        }
        & > .quote-list--date {
            color: $text-muted;
        }
        & > .quote-list--quote {
            color: $foreground;
        }
        & > .quote-list--headline {
            color: $text-muted;
            text-style: italic;
        }
        & > .quote-list--placeholder {
            color: $text-disabled;
        }
        & > .quote-list--cursor {
            background: $panel-lighten-1;
        }
        &:focus > .quote-list--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
        }
    }
    """

    BINDINGS = [
        *cursor_bindings("quotes"),
        Binding("enter", "open", "Open article", id="quotes.open"),
    ]

    def __init__(
        self, store: Store, thread_store: Callable[[], Store], *, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.store = store
        self.thread_store = thread_store
        self.view = Filter()
        self.speaker: str | None = None
        self.total = 0
        self.cursor = 0
        self.awaiting_rows = True  # nothing shown yet: say so rather than "no quotes"
        self._wants_end = False  # G before the list was counted
        self._rows: dict[int, QuoteRow] = {}
        self._generation = 0
        self._pending: set[int] = set()
        self._strips: LRUCache[tuple, tuple[Strip, Strip]] = LRUCache(512)

    # ---- data ----------------------------------------------------------------------

    def show(
        self,
        view: Filter,
        speaker: str | None,
        rows: list[QuoteRow],
        total: int,
        *,
        counted: bool = True,
    ) -> None:
        """Replace the list: ``rows`` are its first quotes, ``total`` its length (a guess
        from the first page when not ``counted``: ``set_total`` brings the count)."""
        self._generation += 1
        self._pending.clear()
        self.awaiting_rows = False
        self.view = view
        self.speaker = speaker
        self._rows = {}
        self._store_rows(0, rows)
        self.cursor = 0
        self.set_total(total, counted=counted)
        self.scroll_to(y=0, animate=False, immediate=True)

    def set_total(self, total: int, *, counted: bool = True) -> None:
        """The list's length once counted (the first page alone may have been a guess)."""
        self.total = total
        self.cursor = min(self.cursor, max(total - 1, 0))
        self._strips.clear()
        self.virtual_size = Size(0, total * LINES)
        self.refresh()
        if self._wants_end:  # G pressed before the count came: to the real end
            self.action_last()
            self._wants_end = not counted

    def action_last(self) -> None:
        self.move_to(self.total - 1)
        self._wants_end = True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open":
            return self.total > 0  # no quotes: nothing to open, not shown
        return True

    @property
    def current(self) -> QuoteRow | None:
        """The quote under the cursor, if it is loaded."""
        return self._rows.get(self.cursor) if self.total else None

    def _store_rows(self, start: int, rows: list[QuoteRow]) -> None:
        for offset, row in enumerate(rows):
            self._rows[start + offset] = row
        if len(self._rows) > MAX_ROWS:
            middle = int(self.scroll_y) // LINES + self.size.height // (2 * LINES)
            keep = MAX_ROWS // 2
            for index in [i for i in self._rows if abs(i - middle) > keep and i != self.cursor]:
                del self._rows[index]

    def _row(self, index: int) -> QuoteRow | None:
        """The quote at ``index``: held, read by keyset after its neighbour, or asked for."""
        row = self._rows.get(index)
        if row is not None or not 0 <= index < self.total:
            return row
        if index - 1 in self._rows:
            after = self._rows[index - 1].key
            fetched = self.store.quotes(self.view, speaker=self.speaker, after=after, limit=PAGE)
            self._store_rows(index, fetched)
        elif index < PAGE:
            self._store_rows(0, self.store.quotes(self.view, speaker=self.speaker, limit=PAGE))
        if index in self._rows:
            return self._rows[index]
        # Far from anything held (or above it: the store has no backward keyset for
        # quotes): read by offset in a worker, and draw placeholders meanwhile. Pages are
        # aligned, so the missing rows of one screen ask for one or two pages, not one each.
        start = index - index % PAGE
        if start not in self._pending:
            self._pending.add(start)
            self._fetch_at(self._generation, self.view, self.speaker, start)
        return None

    @work(thread=True, group="quote-pages")
    def _fetch_at(self, generation: int, view: Filter, speaker: str | None, start: int) -> None:
        rows = self.thread_store().quotes(view, speaker=speaker, offset=start, limit=PAGE)
        self.post_message(PageLoaded(generation, start, rows))

    def on_page_loaded(self, message: PageLoaded) -> None:
        self._take_page(message)

    # ---- drawing ---------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        line = int(self.scroll_y) + y
        width = self.scrollable_content_region.width
        if self.total == 0:
            if y == 0:
                who = f" by {self.speaker}" if self.speaker else ""
                text = (
                    " Loading quotes…" if self.awaiting_rows else f" No quotes{who} in this view."
                )
                style = self.get_component_rich_style("quote-list--placeholder")
                return self._strip([Segment(text, style)], width)
            return Strip.blank(width, self.rich_style)
        index, part = divmod(line, LINES)
        if index >= self.total:
            return Strip.blank(width, self.rich_style)
        row = self._row(index)
        selected = index == self.cursor
        key = (index, row, selected, width, self.has_focus)
        strips = self._strips.get(key)
        if strips is None:
            strips = self._render_quote(row, selected, width)
            self._strips[key] = strips
        return strips[part]

    def _strip(self, segments: list[Segment], width: int, pad: Style | None = None) -> Strip:
        return Strip(segments).adjust_cell_length(width, pad or self.rich_style)

    def _render_quote(
        self, row: QuoteRow | None, selected: bool, width: int
    ) -> tuple[Strip, Strip]:
        # Plain segments with Rich styles, as in the headline list: cheap to draw, and a
        # Segment's text is never read as markup.
        style = self.get_component_rich_style
        cursor = style("quote-list--cursor") if selected else None

        def styled(name: str):
            return style(name) + cursor if cursor else style(name)

        base = self.rich_style + cursor if cursor else self.rich_style
        if row is None:
            dots = " " + "·" * max(0, min(width - 2, 24))
            placeholder = styled("quote-list--placeholder")
            return (
                self._strip([Segment(dots, placeholder)], width, base),
                self._strip([], width, base),
            )
        date = short_date(row.published)
        room = max(1, width - 3 - DATE_WIDTH)  # a space before the speaker, two around the date
        if row.speaker:
            who = " ".join(row.speaker.split())
            who_style = styled("quote-list--speaker")
        else:
            who, who_style = "unattributed", styled("quote-list--unattributed")
        who = _fit(who, min(cell_len(who), max(1, room // 2)))
        headline = " ".join(row.headline.split())
        headline_room = room - cell_len(who) - 2
        first = [Segment(" ", base), Segment(who, who_style)]
        if headline_room >= 4:
            first += [
                Segment("  ", base),
                Segment(_fit(headline, headline_room), styled("quote-list--headline")),
            ]
        else:
            first.append(Segment(" " * max(0, room - cell_len(who)), base))
        first.append(Segment(f" {date:>{DATE_WIDTH}} ", styled("quote-list--date")))
        quote = "“" + " ".join(row.text.split()) + "”"
        second = [
            Segment("   ", base),
            Segment(_fit(quote, max(1, width - 4)), styled("quote-list--quote")),
            Segment(" ", base),
        ]
        return self._strip(first, width), self._strip(second, width)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def on_resize(self, event: events.Resize) -> None:
        self._strips.clear()
        self._scroll_cursor_into_view()

    def on_focus(self) -> None:
        self._strips.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._strips.clear()
        self.refresh()

    # ---- cursor ----------------------------------------------------------------------

    def move_to(self, index: int) -> None:
        """Put the cursor on quote ``index`` (clamped), repainting only the two quotes."""
        self._wants_end = False
        if not self.total:
            return
        index = min(max(index, 0), self.total - 1)
        old, self.cursor = self.cursor, index
        self.refresh_lines(old * LINES, LINES)
        self.refresh_lines(index * LINES, LINES)
        self._scroll_cursor_into_view()

    def _scroll_cursor_into_view(self) -> None:
        height = max(LINES, self.scrollable_content_region.height)
        top = int(self.scroll_y)
        first = self.cursor * LINES
        if first < top:
            self.scroll_to(y=first, animate=False, immediate=True)
        elif first + LINES > top + height:
            self.scroll_to(y=first + LINES - height, animate=False, immediate=True)

    @property
    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height // LINES - 1)

    @property
    def page_size(self) -> int:
        return self._page

    def action_open(self) -> None:
        row = self.current
        if row is not None:
            self.post_message(QuoteOpened(row.article_id, row.seq))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = (int(self.scroll_y) + offset.y) // LINES
        if not 0 <= index < self.total:
            return
        if index == self.cursor:
            self.action_open()
        else:
            self.move_to(index)


class QuotesScreen(Screen[None]):
    """Every quote of ``view``, newest article first; ``s`` narrows to one speaker.

    The app's keys (``m``, ``A``, ``t``...) act on the reading screen underneath, so this
    screen keeps them out the way a modal does: only its own keys (and priority ones) work.
    """

    BINDINGS = [
        Binding("s", "pick_speaker", "Speaker", id="quotes.speaker"),
        Binding("S", "clear_speaker", "All speakers", id="quotes.clear-speaker"),
        Binding("escape", "close", "Close", id="quotes.close"),
        Binding("q", "close", "Close", id="quotes.q", show=False),
        Binding("question_mark", "app.help", "Help", id="quotes.help", key_display="?"),
    ]

    DEFAULT_CSS = """
    QuotesScreen {
        layout: vertical;
        #quotes-title {
            height: 1;
            background: $panel;
            color: $text;
        }
    }
    """

    @dataclass
    class Loaded(Message):
        """Internal: a worker read a list's first page and count (``rows`` None: count only)."""

        view: Filter
        speaker: str | None
        rows: list[QuoteRow] | None
        total: int

    @dataclass
    class SpeakersLoaded(Message):
        """Internal: every speaker with their number of quotes, most quoted first."""

        speakers: list[tuple[str, int]]

    def __init__(
        self, store: Store, thread_store: Callable[[], Store], view: Filter = Filter()
    ) -> None:
        super().__init__()
        self.store = store
        self.thread_store = thread_store
        self.view = replace(view, relevance=False)  # quotes are always newest first
        self.speaker: str | None = None
        self._counted = False
        self._picker: SpeakerPicker | None = None

    @property
    def is_modal(self) -> bool:
        # A full, opaque screen, but with a modal's key handling (see the class docstring).
        return True

    def compose(self) -> ComposeResult:
        yield Static(id="quotes-title")
        yield QuoteList(self.store, self.thread_store, id="quotes-list")
        yield KeyBar()

    @property
    def quote_list(self) -> QuoteList:
        return self.query_one(QuoteList)

    def on_mount(self) -> None:
        self.set_focus(self.quote_list)
        if self.view.tags or self.view.query:
            # The store sorts every quote of a tag or search view: not on the UI thread.
            self._load(None)
            return
        # Otherwise the first page is one walk down a date index: read it now, so the
        # screen opens full; only the count waits for a worker.
        rows = self.store.quotes(self.view, limit=PAGE)
        self._counted = len(rows) < PAGE
        self.quote_list.show(self.view, None, rows, len(rows), counted=self._counted)
        if not self._counted:
            self._load_worker(self.view, None, with_rows=False)
        self._update_title()

    # ---- loading -----------------------------------------------------------------------

    def _load(self, speaker: str | None) -> None:
        """Show the quotes of ``speaker`` (``None``: everyone's), read in a worker."""
        self.speaker = speaker
        self._counted = False
        self._update_title()
        self.refresh_bindings()
        self._load_worker(self.view, speaker, with_rows=True)

    @work(thread=True, exclusive=True, group="quotes-load")
    def _load_worker(self, view: Filter, speaker: str | None, with_rows: bool) -> None:
        store = self.thread_store()
        rows = store.quotes(view, speaker=speaker, limit=PAGE) if with_rows else None
        if rows is not None and len(rows) < PAGE:
            total = len(rows)
        else:
            total = store.count_quotes(view, speaker=speaker)
        if not get_current_worker().is_cancelled:
            self.post_message(self.Loaded(view, speaker, rows, total))

    def on_quotes_screen_loaded(self, message: Loaded) -> None:
        message.stop()
        if message.view != self.view or message.speaker != self.speaker:
            return  # another speaker was picked meanwhile
        if message.rows is None:
            self.quote_list.set_total(message.total)
        else:
            self.quote_list.show(message.view, message.speaker, message.rows, message.total)
        self._counted = True
        self._update_title()

    def _update_title(self) -> None:
        if self._counted:
            total = self.quote_list.total
            count = (f" · {total:,} quote{'' if total == 1 else 's'}", "")
        else:
            count = (" · counting…", "dim italic")
        parts: list[str | tuple[str, str]] = [
            (" Quotes", "bold"),
            f" · {self.view.describe()}",
            count,
        ]
        if self.speaker:
            parts.append((f" · {self.speaker}", "bold"))
        self.query_one("#quotes-title", Static).update(Content.assemble(*parts))

    # ---- actions -----------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_speaker":
            return self.speaker is not None
        return True

    def on_quote_opened(self, message: QuoteOpened) -> None:
        # Not stopped: after the screen is popped the message bubbles on to the app,
        # which then finds its own screen active again.
        self.dismiss()

    def action_close(self) -> None:
        self.dismiss()

    def action_clear_speaker(self) -> None:
        if self.speaker is not None:
            self._load(None)

    async def action_pick_speaker(self) -> None:
        # Open at once, before the speakers are counted (a worker brings them): a name
        # typed right after s goes to the picker, and an enter waits for the speakers.
        self._picker = SpeakerPicker(None)
        self._speakers_worker()
        await self.app.push_screen(self._picker, self._speaker_picked)

    @work(thread=True, exclusive=True, group="quotes-speakers")
    def _speakers_worker(self) -> None:
        # Counting every speaker reads the whole speaker index: not on the UI thread.
        self.post_message(self.SpeakersLoaded(self.thread_store().speakers()))

    def on_quotes_screen_speakers_loaded(self, message: SpeakersLoaded) -> None:
        message.stop()
        if self._picker is not None and self._picker.is_attached:
            self._picker.set_speakers(message.speakers)

    def _speaker_picked(self, speaker: str | None) -> None:
        if speaker is not None and speaker != self.speaker:
            self._load(speaker)


# ---- the speaker picker ---------------------------------------------------------------


class SpeakerList(MatchList):
    """The speakers matching the picker's field: name, then how many quotes."""

    def counts(self, item: TagCount) -> str:
        noun = "quote" if item.articles == 1 else "quotes"
        return f"  {item.articles:>{self.articles_width},} {noun:<6} "

    def empty_text(self) -> str:
        if self.loading:
            return "loading speakers…"
        return "no speaker matches" if self.matcher.tags else "nobody is quoted by name"


class _SpeakerInput(PickerInput):
    """The speaker field. Like the tag picker's, its own enter (no priority binding on the
    screen) picks, so every letter typed before it is in the field first."""

    BINDINGS = [Binding("enter", "submit", "Show their quotes", id="speaker-picker.choose")]


class SpeakerPicker(PickerScreen[str | None]):
    """Pick one speaker: type to filter (fuzzy, like the tag picker), ``enter`` takes it.

    Dismissed with the speaker's name, or ``None`` on ``escape``.
    """

    PREFIX = "speaker-picker"
    HEADING = "Quotes by"
    NOUN = "speaker"
    PLACEHOLDER = "type a name"
    INPUT = _SpeakerInput
    LIST = SpeakerList
    BINDINGS = picker_bindings(PREFIX)

    DEFAULT_CSS = """
    SpeakerPicker #speaker-picker {
        width: 64;
    }
    """

    def __init__(self, speakers: Sequence[tuple[str, int]] | None) -> None:
        """``speakers=None`` opens at once; ``set_speakers`` brings them."""
        super().__init__(None if speakers is None else _rows(speakers))

    def set_speakers(self, speakers: Sequence[tuple[str, int]]) -> None:
        self.set_items(_rows(speakers))


def _rows(speakers: Sequence[tuple[str, int]]) -> list[TagCount]:
    # A speaker's quote count rides in ``articles``, which the matcher ranks by.
    return [TagCount(n, name, count, 0) for n, (name, count) in enumerate(speakers)]

    @property
    def speaker_list(self) -> SpeakerList:
        return self.query_one(SpeakerList)

    def action_close(self) -> None:
        self.dismiss(None)
