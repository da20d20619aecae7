"""The virtual list every list of rows in the reader is: one count sizes it, keyset pages
fill it, ``render_line`` draws it.

It never holds more than a window of rows around what is on screen and never mounts a
widget per row, so a million rows cost what a hundred do. A row next to one already held
is read by keyset on the spot (an index range, well under a millisecond); a jump far into
the list (a scrollbar drag) is read by ``OFFSET`` in a thread worker while dim placeholder
rows show. Rendered rows sit in an LRU cache of strips; a cursor move repaints two rows.

A subclass says only what differs: how to read a page (``read_*``), how to draw a row
(``render_row``), a row's identity (``row_id``), what an empty list says (``empty_text``),
the message ``enter`` posts (``opened``) and what a new cursor row does (``highlight``). Its
``BINDINGS`` are ``list_bindings(prefix, open_label)``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import replace
from typing import Any, ClassVar, Generic, TypeVar

from rich.segment import Segment
from rich.style import Style
from textual import events, work
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from reader.filters import Filter
from reader.session import PAGE  # a page read here is as long as the window a view opens on
from reader.store import Store
from widgets.messages import PageLoaded

MAX_ROWS = 6 * PAGE  # rows kept around the viewport; the rest is read again on demand

RowT = TypeVar("RowT")


def list_bindings(prefix: str, open_label: str) -> list[Binding]:
    """j/k, arrows, g/G, home/end and the page keys (ids ``PREFIX.down`` and so on), and
    ``enter`` to open the row under the cursor."""
    keys = [
        ("down", "cursor_down", "Next"),
        ("j", "cursor_down", "Next"),
        ("up", "cursor_up", "Previous"),
        ("k", "cursor_up", "Previous"),
        ("home", "first", "First"),
        ("g", "first", "First"),
        ("end", "last", "Last"),
        ("G", "last", "Last"),
        ("pageup", "page_up", "Page up"),
        ("pagedown", "page_down", "Page down"),
    ]
    return [
        *(
            Binding(key, action, description, id=f"{prefix}.{key}", show=False)
            for key, action, description in keys
        ),
        Binding("enter", "open", open_label, id=f"{prefix}.open"),
    ]


def list_classes(prefix: str, *names: str) -> set[str]:
    """A list's component classes: ``PREFIX--cursor`` and ``PREFIX--placeholder``, which
    every list draws, and its own ``names``."""
    return {f"{prefix}--{name}" for name in ("cursor", "placeholder", *names)}


class VirtualList(Generic[RowT], ScrollView, can_focus=True):
    """Rows of one view with a cursor, ``LINES`` screen lines each, read a page at a time."""

    #: Screen lines a row takes.
    LINES: ClassVar[int] = 1
    #: Its component classes' prefix (each subclass its own): ``PREFIX--placeholder``
    #: styles the empty list's line and rows not read yet; ``render_row`` uses the rest.
    PREFIX: ClassVar[str]

    # No repaint of the whole list on a move: watch_cursor repaints the two rows.
    cursor: reactive[int] = reactive(0, always_update=True, init=False, repaint=False)

    def __init__(
        self,
        store: Store,
        thread_store: Callable[[], Store],
        *,
        overlay: dict[Any, dict] | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.store = store  # this (the UI) thread's
        self.thread_store = thread_store  # a worker thread's own
        #: Fields laid over rows as they are read (``{row_id: {"read": True}}``): changes
        #: not yet saved, so a page read meanwhile does not show them undone.
        self.overlay = overlay if overlay is not None else {}
        self.view = Filter()
        self.total = 0
        self._rows: dict[int, RowT] = {}
        self._index_of: dict[Hashable, int] = {}
        self._generation = 0  # bumped by each new content: older pages are dropped
        self._pending: set[int] = set()  # starts of the pages asked of a worker
        self._strips: LRUCache[tuple, Sequence[Strip]] = LRUCache(1024 // self.LINES)

    # ---- what a subclass says ------------------------------------------------------------
    # The read_* hooks but read_at run on the UI thread, as render_line asks: each must be
    # one index range (a keyset page), never a scan.

    def row_id(self, row: RowT) -> Hashable:
        """The row's identity (for ``index_of``, ``update_rows`` and the overlay)."""
        raise NotImplementedError

    def render_row(self, row: RowT | None, selected: bool, width: int) -> Sequence[Strip]:
        """The row's ``LINES`` strips, ``width`` cells each; ``None``: not read yet."""
        raise NotImplementedError

    def empty_text(self) -> str:
        """What the first line says when the list has no rows."""
        return "Nothing here."

    def by_keyset(self) -> bool:
        """``False`` when the rows have no keyset order now (every page read by offset)."""
        return True

    def read_first(self) -> list[RowT]:
        """The first ``PAGE`` rows."""
        raise NotImplementedError

    def read_after(self, row: RowT) -> list[RowT]:
        """The ``PAGE`` rows after ``row``, by keyset."""
        raise NotImplementedError

    def read_before(self, row: RowT) -> list[RowT] | None:
        """The ``PAGE`` rows before ``row``, by keyset; ``None``: the store cannot."""
        return None

    def read_last(self) -> list[RowT] | None:
        """The last ``PAGE`` rows; ``None``: the store cannot."""
        return None

    def read_at(self, start: int) -> Callable[[Store], list[RowT]]:
        """How to read ``PAGE`` rows from ``start`` by offset. Called on the UI thread (so it
        may take what it needs from the list); what it returns runs in a worker."""
        raise NotImplementedError

    def opened(self, row: RowT) -> Message:
        """The message ``enter`` (or a click on the cursor's row) posts."""
        raise NotImplementedError

    def highlight(self, row: RowT | None) -> None:
        """The cursor is on a new row, or its row was just read (``row`` ``None``: the list
        is empty). Called at once, within the key's handling (see ``HeadlineList``)."""

    # ---- rows ----------------------------------------------------------------------------

    @property
    def current(self) -> RowT | None:
        """The row under the cursor, if it can be read now."""
        return self._row(self.cursor) if self.total else None

    def index_of(self, row_id: Hashable) -> int | None:
        """Where a loaded row is, by its identity."""
        return self._index_of.get(row_id)

    def row_of(self, row_id: Hashable) -> RowT | None:
        """The loaded row of that identity, or ``None``."""
        index = self._index_of.get(row_id)
        return None if index is None else self._rows.get(index)

    def rows_after(self, index: int) -> list[tuple[int, RowT]]:
        """Loaded rows after ``index``, in order (for next-unread without a query)."""
        out = []
        position = index + 1
        while position in self._rows:
            out.append((position, self._rows[position]))
            position += 1
        return out

    def rows_before(self, index: int) -> list[tuple[int, RowT]]:
        """Loaded rows before ``index``, nearest first."""
        out = []
        position = index - 1
        while position in self._rows:
            out.append((position, self._rows[position]))
            position -= 1
        return out

    def update_rows(self, changes: dict[Hashable, dict]) -> None:
        """Change loaded rows in place (``{row_id: {"read": True}}``); repaint only those."""
        for row_id, fields in changes.items():
            index = self._index_of.get(row_id)
            if index is None:
                continue
            self._rows[index] = replace(self._rows[index], **fields)
            self.refresh_lines(index * self.LINES, self.LINES)

    def _replace_rows(self, start: int, rows: list[RowT], total: int) -> None:
        """New content: ``rows`` from ``start`` of ``total``; pages asked for before are
        dropped when they come."""
        self._generation += 1
        self._pending.clear()
        self.total = total
        self._rows = {}
        self._index_of = {}
        self._store_rows(start, rows)
        self._strips.clear()
        self.virtual_size = Size(0, total * self.LINES)  # lines are cut to the width

    def _store_rows(self, start: int, rows: list[RowT]) -> None:
        overlay, row_id = self.overlay, self.row_id
        for offset, row in enumerate(rows):
            key = row_id(row)
            if overlay and (fields := overlay.get(key)):
                row = replace(row, **fields)
            old = self._rows.get(start + offset)
            if old is not None:
                self._index_of.pop(row_id(old), None)
            self._rows[start + offset] = row
            self._index_of[key] = start + offset
        if len(self._rows) > MAX_ROWS:
            self._evict()

    def _evict(self) -> None:
        middle = (int(self.scroll_y) + self.size.height // 2) // self.LINES
        keep = MAX_ROWS // 2
        for index in [i for i in self._rows if abs(i - middle) > keep and i != self.cursor]:
            self._index_of.pop(self.row_id(self._rows.pop(index)), None)

    def _row(self, index: int) -> RowT | None:
        """The row at ``index``: held, read by keyset next to a held one, or asked of a
        worker (``None`` until it comes)."""
        row = self._rows.get(index)
        if row is not None or not 0 <= index < self.total:
            return row
        rows = self._rows
        if not self.by_keyset():
            pass
        elif index - 1 in rows:
            self._store_rows(index, self.read_after(rows[index - 1]))
        elif index + 1 in rows and (fetched := self.read_before(rows[index + 1])) is not None:
            self._store_rows(index + 1 - len(fetched), fetched)
        elif index < PAGE:
            self._store_rows(0, self.read_first())
        elif index >= self.total - PAGE and (fetched := self.read_last()) is not None:
            self._store_rows(self.total - len(fetched), fetched)
        row = rows.get(index)
        if row is None:
            # Pages are aligned, so the missing rows of one screen ask for one or two
            # pages, not one each.
            start = index - index % PAGE
            if start not in self._pending:
                self._pending.add(start)
                self._read_in_worker(self._generation, start, self.read_at(start))
        return row

    @work(thread=True, group="list-pages")
    def _read_in_worker(
        self, generation: int, start: int, read: Callable[[Store], list[RowT]]
    ) -> None:
        self.post_message(PageLoaded(generation, start, read(self.thread_store())))

    def on_page_loaded(self, message: PageLoaded) -> None:
        message.stop()
        if message.generation != self._generation:
            return  # read for content the list no longer shows
        if message.rows:  # an empty page stays pending: asking again would loop
            self._pending.discard(message.start)
        self._store_rows(message.start, message.rows)
        self._strips.clear()
        self.refresh()
        if message.start <= self.cursor < message.start + len(message.rows):
            self._announce()

    # ---- drawing -------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        index, part = divmod(int(self.scroll_y) + y, self.LINES)
        width = self.scrollable_content_region.width
        if self.total == 0:
            if y == 0:
                style = self.get_component_rich_style(f"{self.PREFIX}--placeholder")
                return self._strip([Segment(" " + self.empty_text(), style)], width)
            return Strip.blank(width, self.rich_style)
        if index >= self.total:
            return Strip.blank(width, self.rich_style)
        row = self._row(index)
        selected = index == self.cursor
        key = (index, row, selected, width, self.has_focus)
        strips = self._strips.get(key)
        if strips is None:
            strips = self._strips[key] = self.render_row(row, selected, width)
        return strips[part]

    def _strip(self, segments: list[Segment], width: int, pad: Style | None = None) -> Strip:
        return Strip(segments).adjust_cell_length(width, pad or self.rich_style)

    def _dots(self, width: int, cursor: Style | None) -> Segment:
        """The dim dots a row not read yet shows."""
        style = self.get_component_rich_style(f"{self.PREFIX}--placeholder")
        return Segment(" " + "·" * max(0, min(width - 2, 24)), style + cursor if cursor else style)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def on_resize(self, event: events.Resize) -> None:
        self._strips.clear()
        self.virtual_size = Size(0, self.total * self.LINES)

    def on_focus(self) -> None:
        self._strips.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._strips.clear()
        self.refresh()

    # ---- cursor --------------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh_lines(old * self.LINES, self.LINES)
        self.refresh_lines(new * self.LINES, self.LINES)
        self._scroll_cursor_into_view(new)
        if abs(new - old) <= 1:
            self._announce()  # within the key: what follows the cursor shares its frame
        else:
            # A jump (G, a page key, a click) redraws most rows: they are drawn first and
            # what follows the cursor a frame later (one frame of both takes as long as two).
            self.call_after_refresh(self._announce)

    def _announce(self) -> None:
        row = self.current
        if row is not None or self.total == 0:
            self.highlight(row)

    def _scroll_cursor_into_view(self, index: int, center: bool = False) -> None:
        height = max(self.LINES, self.size.height)  # no x scrollbar: all of it shows rows
        top = int(self.scroll_y)
        first = index * self.LINES
        if center and not top <= first < top + height:
            self.scroll_to(y=max(0, first - height // 2), animate=False, immediate=True)
        elif first < top:
            self.scroll_to(y=first, animate=False, immediate=True)
        elif first + self.LINES > top + height:
            self.scroll_to(y=first + self.LINES - height, animate=False, immediate=True)

    def move_to(self, index: int) -> None:
        """Put the cursor on row ``index`` (clamped); nothing when the list is empty."""
        if self.total:
            self.cursor = min(max(index, 0), self.total - 1)

    @property
    def page_size(self) -> int:
        """Rows a page key moves: a screenful less one."""
        return max(1, self.size.height // self.LINES - 1)

    def action_cursor_down(self) -> None:
        self.move_to(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_to(self.cursor - 1)

    def action_first(self) -> None:
        self.move_to(0)

    def action_last(self) -> None:
        self.move_to(self.total - 1)

    def action_page_down(self) -> None:
        self.move_to(self.cursor + self.page_size)

    def action_page_up(self) -> None:
        self.move_to(self.cursor - self.page_size)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open":
            return self.total > 0  # nothing to open: not shown in the footer
        return True

    def action_open(self) -> None:
        row = self.current
        if row is not None:
            self.post_message(self.opened(row))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = (int(self.scroll_y) + offset.y) // self.LINES
        if not 0 <= index < self.total:
            return
        if index == self.cursor:
            self.action_open()
        else:
            self.move_to(index)
