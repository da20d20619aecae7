"""The headline list: the articles of one view, one line each, on the virtual list.

What is shared with every list (pages by keyset, the strip cache, the cursor, clicks) is
in ``widgets.virtual_list``; this says how headlines are read and drawn, and tells the app
which article is under the cursor (``highlighted_id``) and which was opened (``ArticleOpened``).
"""

from __future__ import annotations

from collections.abc import Callable

from rich.segment import Segment
from rich.style import Style
from textual.reactive import var
from textual.strip import Strip

from reader import cells
from reader.datefmt import short_date
from reader.search import match_spans, parse_query
from reader.session import Window
from reader.store import Headline, Store
from widgets.messages import ArticleOpened
from widgets.virtual_list import PAGE, VirtualList, list_bindings, list_classes


class HeadlineList(VirtualList[Headline]):
    """Headlines of one view, newest first (or by relevance), with a cursor."""

    PREFIX = "headline-list"
    COMPONENT_CLASSES = list_classes("headline-list", "unread", "read", "meta", "star", "match")
    BINDINGS = list_bindings("list", "Open")

    #: What the empty list says (the app words it for the view).
    empty_message = "No articles in this view."
    #: The article under the cursor (``None``: the list is empty), set again each time the
    #: cursor moves or its row is read. A reactive, not a message, so that the app's
    #: watcher runs within the key's handling and the article is drawn in the same frame
    #: as the cursor: a message climbs the DOM a task at a time and reached the app after
    #: the list's repaint, a frame (16 ms at 60 fps) and a layout later.
    highlighted_id: var[int | None] = var(None, always_update=True, init=False)
    _highlight: tuple[tuple[str, bool], ...] = ()  # the words a search matched

    def show(self, data: Window) -> None:
        """Replace the list with a new view (or the same view, reloaded)."""
        self.view = data.view
        self._highlight = parse_query(data.view.query).highlight_words() if data.view.query else ()
        self._replace_rows(data.start, data.rows, data.total)
        cursor = min(max(data.cursor, 0), max(self.total - 1, 0))
        self._scroll_cursor_into_view(cursor, center=True)
        self.cursor = cursor
        self.refresh()

    # ---- the hooks -----------------------------------------------------------------------

    def row_id(self, row: Headline) -> int:
        return row.id

    def empty_text(self) -> str:
        return self.empty_message

    def by_keyset(self) -> bool:
        # Ranked by relevance: no keyset, every page is read by offset in a worker.
        return not (self.view.query and self.view.relevance)

    def read_first(self) -> list[Headline]:
        return self.store.page(self.view, limit=PAGE)

    def read_after(self, row: Headline) -> list[Headline]:
        return self.store.page(self.view, after=row.key, limit=PAGE)

    def read_before(self, row: Headline) -> list[Headline]:
        return self.store.page(self.view, before=row.key, limit=PAGE)

    def read_last(self) -> list[Headline]:
        return self.store.last_page(self.view, limit=PAGE)

    def read_at(self, start: int) -> Callable[[Store], list[Headline]]:
        view = self.view
        return lambda store: store.page_at(view, start, PAGE)

    def opened(self, row: Headline) -> ArticleOpened:
        return ArticleOpened(row.id)

    def highlight(self, row: Headline | None) -> None:
        self.highlighted_id = row.id if row else None

    # ---- drawing -------------------------------------------------------------------------

    def render_row(self, row: Headline | None, selected: bool, width: int) -> tuple[Strip]:
        segments = self._segments(row, selected, width)
        # The segments are measured by reader.cells (as the terminal draws them) and the
        # strip is given that length: Rich counts spacing vowel signs (Devanagari, Tamil)
        # as zero cells, and padding by its count pushed the separator right.
        if row is not None and sum(cells.width(s.text) for s in segments) == width:
            return (Strip(segments, width),)
        return (self._strip(segments, width),)  # too narrow for the columns: Rich adjusts

    def _segments(self, row: Headline | None, selected: bool, width: int) -> list[Segment]:
        # Plain segments with Rich styles, not Content: a list line is drawn often and
        # Content.render costs several times more than the text it holds.
        style = self.get_component_rich_style
        cursor = style("headline-list--cursor") if selected else None
        if row is None:
            return [self._dots(width, cursor)]
        base = style("headline-list--read" if row.read else "headline-list--unread")
        meta_style = base + style("headline-list--meta")
        star_style = base + style("headline-list--star")
        if cursor is not None:
            base, meta_style, star_style = base + cursor, meta_style + cursor, star_style + cursor
        # Source and date in fixed columns on the right, so the eye can run down them;
        # a narrow list keeps the date only, the headline needs the room more. Every
        # field is padded and cut by terminal cells (reader.cells), never by characters.
        date = cells.pad(short_date(row.published), 9, ">")
        if width >= 72:
            meta = f" {cells.pad(cells.plain(row.source or ''), 12, '>')} {date} "
        else:
            meta = f" {date} "
        headline = cells.plain(" ".join(row.headline.split()))  # tabs, runs of spaces: one
        headline = cells.fit(headline, max(1, width - 3 - cells.width(meta)))
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
