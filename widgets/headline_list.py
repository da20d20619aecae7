"""The virtual headline list: one count sizes it, keyset pages fill it, render_line draws it.

It never holds more than a window of rows around what is on screen and never
mounts a widget per article, so a million-article archive costs what a hundred does.
Rows next to ones already held are fetched by keyset (an index range, well under
a millisecond); a jump into the middle (a scrollbar drag) is fetched by a thread
worker with ``OFFSET`` while dim placeholder rows are shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events, work
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from reader.filters import Filter
from reader.search import match_spans, parse_query
from reader.store import Headline, Store
from widgets.cursor_keys import CursorKeys, cursor_bindings
from widgets.messages import ArticleHighlighted, ArticleOpened, PageLoaded

PAGE = 200
MAX_ROWS = 6 * PAGE  # rows kept around the viewport; the rest is fetched again on demand


@dataclass(frozen=True)
class ViewData:
    """Everything the list needs to show a view: its size and a window of rows."""

    view: Filter
    total: int
    start: int
    rows: list[Headline]
    cursor: int


def short_date(published: str | None, now: datetime | None = None) -> str:
    """``15:46`` today, ``22 May`` this year, ``22 May 24`` before; empty when unknown."""
    if not published:
        return ""
    try:
        moment = datetime.fromisoformat(published)
    except ValueError:
        return ""
    now = now or datetime.now()
    if moment.date() == now.date():
        return moment.strftime("%H:%M")
    if moment.year == now.year:
        return moment.strftime("%d %b")
    return moment.strftime("%d %b %y")


class PagedRows:
    """What both virtual lists do with a page a worker read for a jump far into them."""

    # The list's own: its view's generation, the page starts asked for, its strip cache,
    # and how it holds rows.
    _generation: int
    _pending: set[int]
    _strips: LRUCache
    _store_rows: Callable[[int, list], None]

    def _take_page(self, message: PageLoaded) -> bool:
        """Hold the page's rows and repaint; ``False`` if the list shows another view now."""
        message.stop()
        if message.generation != self._generation:
            return False
        if message.rows:  # an empty page stays pending: asking again would loop
            self._pending.discard(message.start)
        self._store_rows(message.start, message.rows)
        self._strips.clear()
        self.refresh()  # type: ignore[attr-defined]
        return True


class HeadlineList(PagedRows, CursorKeys, ScrollView, can_focus=True):
    """Headlines of one view, newest first, with a cursor."""

    COMPONENT_CLASSES = {
        "headline-list--cursor",
        "headline-list--unread",
        "headline-list--read",
        "headline-list--meta",
        "headline-list--star",
        "headline-list--placeholder",
        "headline-list--match",
    }

    BINDINGS = [
        *cursor_bindings("list"),
        Binding("enter", "open", "Open", id="list.open"),
    ]

    cursor: reactive[int] = reactive(0, always_update=True, init=False)

    def __init__(
        self,
        store: Store,
        thread_store: Callable[[], Store],
        *,
        overlay: dict[int, dict] | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.store = store
        self.thread_store = thread_store
        #: Fields laid over rows as they are read (``{article_id: {"read": True}}``): the
        #: app's marks not yet saved, so a page read meanwhile does not show them undone.
        self.overlay = overlay if overlay is not None else {}
        self.view = Filter()
        self.total = 0
        self._rows: dict[int, Headline] = {}
        self._index_of: dict[int, int] = {}
        self._generation = 0
        self._pending: set[int] = set()
        self._strips: LRUCache[tuple, Strip] = LRUCache(1024)
        self._highlight: tuple[tuple[str, bool], ...] = ()
        self.empty_message = "No articles in this view."

    # ---- data ----------------------------------------------------------------------

    def show(self, data: ViewData) -> None:
        """Replace the list with a new view (or the same view, reloaded)."""
        self._generation += 1
        self._pending.clear()
        self.view = data.view
        self._highlight = parse_query(data.view.query).highlight_words() if data.view.query else ()
        self.total = data.total
        self._rows = {}
        self._index_of = {}
        self._store_rows(data.start, data.rows)
        self._strips.clear()
        self.virtual_size = Size(0, self.total)  # lines are cut to the width: no x scroll
        cursor = min(max(data.cursor, 0), max(self.total - 1, 0))
        self._scroll_cursor_into_view(cursor, center=True)
        self.cursor = cursor
        self.refresh()

    @property
    def current(self) -> Headline | None:
        """The row under the cursor, if loaded."""
        return self._row(self.cursor) if self.total else None

    def index_of(self, article_id: int) -> int | None:
        return self._index_of.get(article_id)

    def row_of(self, article_id: int) -> Headline | None:
        """The loaded row of an article, or ``None``."""
        index = self._index_of.get(article_id)
        return None if index is None else self._rows.get(index)

    def rows_after(self, index: int) -> list[tuple[int, Headline]]:
        """Loaded rows after ``index``, in order (for next-unread without a query)."""
        out = []
        position = index + 1
        while position in self._rows:
            out.append((position, self._rows[position]))
            position += 1
        return out

    def rows_before(self, index: int) -> list[tuple[int, Headline]]:
        out = []
        position = index - 1
        while position in self._rows:
            out.append((position, self._rows[position]))
            position -= 1
        return out

    def update_rows(self, changes: dict[int, dict]) -> None:
        """Change loaded rows in place (``{article_id: {"read": True}}``); repaint only those."""
        for article_id, fields in changes.items():
            index = self._index_of.get(article_id)
            if index is None:
                continue
            self._rows[index] = replace(self._rows[index], **fields)
            self.refresh_line(index)

    def _store_rows(self, start: int, rows: list[Headline]) -> None:
        overlay = self.overlay
        for offset, row in enumerate(rows):
            if overlay and (fields := overlay.get(row.id)):
                row = replace(row, **fields)
            old = self._rows.get(start + offset)
            if old is not None:
                self._index_of.pop(old.id, None)
            self._rows[start + offset] = row
            self._index_of[row.id] = start + offset
        if len(self._rows) > MAX_ROWS:
            self._evict()

    def _evict(self) -> None:
        middle = int(self.scroll_y) + self.size.height // 2
        keep = MAX_ROWS // 2
        for index in [i for i in self._rows if abs(i - middle) > keep and i != self.cursor]:
            row = self._rows.pop(index)
            self._index_of.pop(row.id, None)

    def _row(self, index: int) -> Headline | None:
        """The row at ``index``, fetched by keyset when a neighbour is known."""
        row = self._rows.get(index)
        if row is not None or not 0 <= index < self.total:
            return row
        rows = self._rows
        if self.view.query and self.view.relevance:
            pass  # ranked by relevance: no keyset, every page is read by offset in a worker
        elif index - 1 in rows:
            fetched = self.store.page(self.view, after=rows[index - 1].key, limit=PAGE)
            self._store_rows(index, fetched)
        elif index + 1 in rows:
            fetched = self.store.page(self.view, before=rows[index + 1].key, limit=PAGE)
            self._store_rows(index + 1 - len(fetched), fetched)
        elif index < PAGE:
            self._store_rows(0, self.store.page(self.view, limit=PAGE))
        elif index >= self.total - PAGE:
            fetched = self.store.last_page(self.view, limit=PAGE)
            self._store_rows(self.total - len(fetched), fetched)
        if index not in rows:
            start = max(0, index - PAGE // 2)
            if start not in self._pending:
                self._pending.add(start)
                self._fetch_at(self._generation, self.view, start)
            return None
        return self._rows.get(index)

    @work(thread=True, group="headline-pages")
    def _fetch_at(self, generation: int, view: Filter, start: int) -> None:
        rows = self.thread_store().page_at(view, start, PAGE)
        self.post_message(PageLoaded(generation, start, rows))

    def on_page_loaded(self, message: PageLoaded) -> None:
        if not self._take_page(message):
            return
        if message.start <= self.cursor < message.start + len(message.rows):
            self._announce()

    # ---- drawing ---------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_y) + y
        width = self.scrollable_content_region.width
        if self.total == 0:
            if y == 0:
                style = self.get_component_rich_style("headline-list--placeholder")
                return self._strip([Segment(" " + self.empty_message, style)], width)
            return Strip.blank(width, self.rich_style)
        if index >= self.total:
            return Strip.blank(width, self.rich_style)
        row = self._row(index)
        selected = index == self.cursor
        key = (index, row, selected, width, self.has_focus)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._strip(self._segments(row, selected, width), width)
            self._strips[key] = strip
        return strip

    def _strip(self, segments: list[Segment], width: int) -> Strip:
        return Strip(segments).adjust_cell_length(width, self.rich_style)

    def _segments(self, row: Headline | None, selected: bool, width: int) -> list[Segment]:
        # Plain segments with Rich styles, not Content: a list line is drawn often and
        # Content.render costs several times more than the text it holds.
        style = self.get_component_rich_style
        cursor = style("headline-list--cursor") if selected else None
        if row is None:
            placeholder = style("headline-list--placeholder")
            text = " " + "·" * max(0, min(width - 2, 24))
            return [Segment(text, placeholder + cursor if cursor else placeholder)]
        base = style("headline-list--read" if row.read else "headline-list--unread")
        meta_style = base + style("headline-list--meta")
        star_style = base + style("headline-list--star")
        if cursor is not None:
            base, meta_style, star_style = base + cursor, meta_style + cursor, star_style + cursor
        # Source and date in fixed columns on the right, so the eye can run down them;
        # a narrow list keeps the date only, the headline needs the room more.
        if width >= 72:
            meta = f" {(row.source or '')[:12]:>12} {short_date(row.published):>9} "
        else:
            meta = f" {short_date(row.published):>9} "
        headline = " ".join(row.headline.split())  # tabs and runs of spaces: one space
        room = max(1, width - 3 - cell_len(meta))
        if cell_len(headline) > room:
            headline = set_cell_size(headline, room - 1) + "…"
        else:
            headline = set_cell_size(headline, room)
        return [
            Segment(" " if row.read else "●", base),
            Segment("★" if row.starred else " ", star_style),
            Segment(" ", base),
            *self._matched(headline, base),
            Segment(meta, meta_style),
        ]

    def _matched(self, text: str, style: Style) -> list[Segment]:
        """``text`` as segments, the words a search matched in the match style."""
        spans = match_spans(text, self._highlight) if self._highlight else []
        if not spans:
            return [Segment(text, style)]
        match = style + self.get_component_rich_style("headline-list--match")
        segments, position = [], 0
        for start, end in spans:
            segments += [Segment(text[position:start], style), Segment(text[start:end], match)]
            position = end
        segments.append(Segment(text[position:], style))
        return segments

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def on_resize(self, event: events.Resize) -> None:
        self._strips.clear()
        self.virtual_size = Size(0, self.total)

    def on_focus(self) -> None:
        self._strips.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._strips.clear()
        self.refresh()

    # ---- cursor ----------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh_line(old)
        self.refresh_line(new)
        self._scroll_cursor_into_view(new)
        self._announce()

    def _announce(self) -> None:
        row = self.current
        if row is not None or self.total == 0:
            self.post_message(ArticleHighlighted(row.id if row else None))

    def _scroll_cursor_into_view(self, index: int, center: bool = False) -> None:
        height = max(1, self.size.height)
        top = int(self.scroll_y)
        if center and not top <= index < top + height:
            self.scroll_to(y=max(0, index - height // 2), animate=False, immediate=True)
        elif index < top:
            self.scroll_to(y=index, animate=False, immediate=True)
        elif index >= top + height:
            self.scroll_to(y=index - height + 1, animate=False, immediate=True)

    def move_to(self, index: int) -> None:
        if self.total:
            self.cursor = min(max(index, 0), self.total - 1)

    @property
    def page_size(self) -> int:
        return max(1, self.size.height - 1)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open":
            return self.total > 0  # nothing to open: not shown in the footer
        return True

    def action_open(self) -> None:
        row = self.current
        if row is not None:
            self.post_message(ArticleOpened(row.id))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = int(self.scroll_y) + offset.y
        if not 0 <= index < self.total:
            return
        if index == self.cursor:
            self.action_open()
        else:
            self.cursor = index
