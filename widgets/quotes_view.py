"""The quotes screen: every quote of the current view, who said it and where, newest first.

A full screen over the reader (``Q``). Its list is a virtual list (``widgets.virtual_list``)
like the headline list, two lines per quote; its count comes from a worker, so the first
page shows at once. ``enter`` closes the screen and posts ``QuoteOpened(article_id, seq)``
to the app, which shows that quote in its article. Speakers, quotes, headlines and tag
names come from articles: they only ever reach the screen as plain strings in
``Segment``/``Content``, never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from rich.segment import Segment
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.geometry import Size
from textual.screen import Screen
from textual.strip import Strip
from textual.widgets import Static
from textual.worker import get_current_worker

from reader import cells
from reader.datefmt import short_date
from reader.filters import Filter
from reader.store import QuoteRow, Store, TagCount
from widgets.key_bar import KeyBar
from widgets.messages import QuoteOpened, QuotesLoaded, SpeakersLoaded
from widgets.picker import MatchList, PickerInput, PickerScreen, picker_bindings
from widgets.virtual_list import PAGE, VirtualList, list_bindings, list_classes

__all__ = [
    "QuoteList",
    "QuoteOpened",
    "QuotesPlace",
    "QuotesScreen",
    "SpeakerList",
    "SpeakerPicker",
]

DATE_WIDTH = 9  # "22 May 25"


def _fit(text: str, width: int) -> str:
    """``text`` on one line in exactly ``width`` cells as the terminal draws them
    (reader.cells), cut with an ellipsis when too long."""
    if width <= 0:
        return ""
    text = cells.plain(text)
    if cells.width(text) > width:
        return cells.fit(text, width - 1) + "…"
    return cells.fit(text, width)


class QuoteList(VirtualList[QuoteRow]):
    """Quotes of one view (and maybe one speaker), two lines each, with a cursor."""

    LINES = 2  # who, where and when; then what was said
    PREFIX = "quote-list"
    COMPONENT_CLASSES = list_classes(
        "quote-list", "speaker", "unattributed", "date", "quote", "headline"
    )
    BINDINGS = list_bindings("quotes", "Open article")

    speaker: str | None = None
    awaiting_rows = True  # nothing shown yet: say so rather than "no quotes"
    _wants_end = False  # G before the list was counted

    # ---- data ----------------------------------------------------------------------------

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
        self.awaiting_rows = False
        self.view = view
        self.speaker = speaker
        self._replace_rows(0, rows, total)
        self.set_reactive(QuoteList.cursor, 0)  # the whole list is repainted below
        self.set_total(total, counted=counted)
        self.scroll_to(y=0, animate=False, immediate=True)

    def set_total(self, total: int, *, counted: bool = True) -> None:
        """The list's length once counted (the first page alone may have been a guess)."""
        self.total = total
        self.set_reactive(QuoteList.cursor, min(self.cursor, max(total - 1, 0)))
        self._strips.clear()
        self.virtual_size = Size(0, total * self.LINES)
        self.refresh()
        if self._wants_end:  # G pressed before the count came: to the real end
            self.action_last()
            self._wants_end = not counted

    def move_to(self, index: int) -> None:
        self._wants_end = False
        super().move_to(index)

    def action_last(self) -> None:
        self.move_to(self.total - 1)
        self._wants_end = True

    def on_resize(self, event: events.Resize) -> None:
        # Run as well as VirtualList.on_resize (Textual calls each class's handler): a
        # quote list that shrinks keeps its cursor on screen.
        self._scroll_cursor_into_view(self.cursor)

    # ---- the hooks -----------------------------------------------------------------------

    def row_id(self, row: QuoteRow) -> tuple[int, int]:
        return (row.article_id, row.seq)

    def empty_text(self) -> str:
        if self.awaiting_rows:
            return "Loading quotes…"
        who = f" by {self.speaker}" if self.speaker else ""
        return f"No quotes{who} in this view."

    def read_first(self) -> list[QuoteRow]:
        return self.store.quotes(self.view, speaker=self.speaker, limit=PAGE)

    def read_after(self, row: QuoteRow) -> list[QuoteRow]:
        return self.store.quotes(self.view, speaker=self.speaker, after=row.key, limit=PAGE)

    # No read_before or read_last: the store has no backward keyset for quotes, so rows
    # above the ones held are read by offset in a worker.

    def read_at(self, start: int) -> Callable[[Store], list[QuoteRow]]:
        view, speaker = self.view, self.speaker
        return lambda store: store.quotes(view, speaker=speaker, offset=start, limit=PAGE)

    def opened(self, row: QuoteRow) -> QuoteOpened:
        return QuoteOpened(row.article_id, row.seq)

    # ---- drawing -------------------------------------------------------------------------

    def render_row(self, row: QuoteRow | None, selected: bool, width: int) -> tuple[Strip, Strip]:
        # Plain segments with Rich styles, as in the headline list: cheap to draw, and a
        # Segment's text is never read as markup.
        style = self.get_component_rich_style
        cursor = style("quote-list--cursor") if selected else None

        def styled(name: str):
            return style(name) + cursor if cursor else style(name)

        base = self.rich_style + cursor if cursor else self.rich_style
        if row is None:
            dots = self._strip([self._dots(width, cursor)], width, base)
            return dots, self._strip([], width, base)
        date = short_date(row.published)
        room = max(1, width - 3 - DATE_WIDTH)  # a space before the speaker, two around the date
        if row.speaker:
            who = " ".join(row.speaker.split())
            who_style = styled("quote-list--speaker")
        else:
            who, who_style = "unattributed", styled("quote-list--unattributed")
        who = _fit(who, min(cells.width(cells.plain(who)), max(1, room // 2)))
        headline = " ".join(row.headline.split())
        headline_room = room - cells.width(who) - 2
        first = [Segment(" ", base), Segment(who, who_style)]
        if headline_room >= 4:
            first += [
                Segment("  ", base),
                Segment(_fit(headline, headline_room), styled("quote-list--headline")),
            ]
        else:
            first.append(Segment(" " * max(0, room - cells.width(who)), base))
        first.append(Segment(f" {date:>{DATE_WIDTH}} ", styled("quote-list--date")))
        quote = "“" + " ".join(row.text.split()) + "”"
        second = [
            Segment("   ", base),
            Segment(_fit(quote, max(1, width - 4)), styled("quote-list--quote")),
            Segment(" ", base),
        ]
        return self._measured(first, width, base), self._measured(second, width, base)

    def _measured(self, segments: list[Segment], width: int, base) -> Strip:
        # Measured as the terminal draws (reader.cells), as the headline list does: Rich
        # counts some scripts' vowel signs and emoji sequences otherwise.
        if sum(cells.width(s.text) for s in segments) == width:
            return Strip(segments, width)
        return self._strip(segments, width, base)


@dataclass(frozen=True, slots=True)
class QuotesPlace:
    """Where the quotes screen of one view was left: its speaker, cursor and scroll.

    The screen is dismissed with it; the app hands it back when the same view's quotes
    are opened again, so the reader comes back to the same speaker and quote.
    """

    view: Filter
    speaker: str | None = None
    cursor: int = 0
    scroll_y: int = 0


class QuotesScreen(Screen[QuotesPlace]):
    """Every quote of ``view``, newest article first; ``s`` narrows to one speaker.

    The app's keys (``m``, ``A``, ``t``...) act on the reading screen underneath, so this
    screen keeps them out the way a modal does: only its own keys (and priority ones) work.
    ``place``: where it was left last time (the same view's), to come back to.
    """

    BINDINGS = [
        Binding("s", "pick_speaker", "Speaker", id="quotes.speaker"),
        Binding("S", "clear_speaker", "All speakers", id="quotes.clear-speaker"),
        Binding("escape", "close", "Close", id="quotes.close"),
        Binding("q", "close", "Close", id="quotes.q", show=False),
        Binding("question_mark", "app.help", "Help", id="quotes.help", key_display="?"),
    ]

    def __init__(
        self,
        store: Store,
        thread_store: Callable[[], Store],
        view: Filter = Filter(),
        place: QuotesPlace | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.thread_store = thread_store
        self.view = quotes_view_of(view)
        self.speaker: str | None = None
        self._counted = False
        self._picker: SpeakerPicker | None = None
        #: The place to go back to once the list holds its rows (``None``: the top).
        self._restore = place if place is not None and place.view == self.view else None

    @property
    def place(self) -> QuotesPlace:
        """Where the screen is now (what it is dismissed with)."""
        quote_list = self.quote_list
        return QuotesPlace(self.view, self.speaker, quote_list.cursor, int(quote_list.scroll_y))

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
        if self._restore is not None and self._restore.speaker is not None:
            self._load(self._restore.speaker)
            return
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
        self._go_back_to_place()

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
            self.post_message(QuotesLoaded(view, speaker, rows, total))

    def on_quotes_loaded(self, message: QuotesLoaded) -> None:
        message.stop()
        if message.view != self.view or message.speaker != self.speaker:
            return  # another speaker was picked meanwhile
        if message.rows is None:
            self.quote_list.set_total(message.total)
        else:
            self.quote_list.show(message.view, message.speaker, message.rows, message.total)
        self._counted = True
        self._update_title()
        self._go_back_to_place()

    def _go_back_to_place(self) -> None:
        """Put the cursor and scroll back where the screen was left, once the rows that
        far down are known to be there (the list's length may still be a first page's)."""
        place = self._restore
        if place is None:
            return
        quote_list = self.quote_list
        if place.cursor >= quote_list.total and not self._counted:
            return  # after the count
        self._restore = None
        if quote_list.total == 0:
            return
        cursor = min(place.cursor, quote_list.total - 1)

        def scroll() -> None:
            # After a refresh: on mount the list has no height to scroll in yet.
            quote_list.scroll_to(y=place.scroll_y, animate=False, immediate=True)
            quote_list.move_to(cursor)

        self.call_after_refresh(scroll)

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
        self.dismiss(self.place)

    def action_close(self) -> None:
        self.dismiss(self.place)

    def action_clear_speaker(self) -> None:
        if self.speaker is not None:
            self._restore = None  # another list now: its top
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
        self.post_message(SpeakersLoaded(self.thread_store().speakers()))

    def on_speakers_loaded(self, message: SpeakersLoaded) -> None:
        message.stop()
        if self._picker is not None and self._picker.is_attached:
            self._picker.set_speakers(message.speakers)

    def _speaker_picked(self, speaker: str | None) -> None:
        if speaker is not None and speaker != self.speaker:
            self._restore = None
            self._load(speaker)


def quotes_view_of(view: Filter) -> Filter:
    """The view a quotes screen shows for the reading screen's ``view`` (quotes are
    always newest first), also what its ``QuotesPlace`` is kept by."""
    return replace(view, relevance=False)


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

    def __init__(self, speakers: Sequence[tuple[str, int]] | None) -> None:
        """``speakers=None`` opens at once; ``set_speakers`` brings them."""
        super().__init__(None if speakers is None else _rows(speakers))

    def set_speakers(self, speakers: Sequence[tuple[str, int]]) -> None:
        self.set_items(_rows(speakers))


def _rows(speakers: Sequence[tuple[str, int]]) -> list[TagCount]:
    # A speaker's quote count rides in ``articles``, which the matcher ranks by.
    return [TagCount(n, name, count, 0) for n, (name, count) in enumerate(speakers)]
