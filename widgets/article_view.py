"""The detail pane: one article drawn line by line (the Line API), quotes and tag chips styled.

Every line is a slice of a block's ``Content`` built from plain strings, with styles
set by offsets (never markup), so text such as ``[bold]`` or ``[@click=app.quit]`` shows
as it is. Wrapping computes only line offsets (no ``Content`` per line) and strips are
made lazily in ``render_line``. A big article is shown at once from its first blocks
while a thread worker styles and wraps the rest, so even 5 MB never blocks the UI.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from itertools import repeat
from typing import NamedTuple

from rich.cells import cell_len
from rich.segment import Segment
from textual import events, work
from textual.binding import Binding
from textual.cache import LRUCache
from textual.content import Content, Span
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.style import Style
from textual.worker import get_current_worker

from reader.article import Article, Quote
from reader.datefmt import format_published
from reader.search import match_spans
from reader.store import StoredArticle
from widgets.messages import ArticleEndReached, TagChosen

__all__ = ["ArticleView", "ChipArea"]

_PAD = 1  # cells left and right of every line
_SYNC_CHARS = 200_000  # articles up to this size are laid out at once (about 10 ms)
_HEAD_CHARS = 20_000  # of a bigger one, this much is shown before the worker is done
_CHECK_EVERY = 256  # blocks between checks for a cancelled worker
_LEDE_INDENT = 2
_BLANK = -1  # block number of a blank line
_CHIPS = -2  # block number of a line of chips
_HINT = "Select an article"
_NAMED_WITHIN = 40  # characters after a quote where the attribution names its speaker
# The parser already drops controls; a stray one (a tab) becomes a space so offsets hold.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
_SPACES = re.compile(" *")

_HEADLINE = "article-view--headline"
_META = "article-view--meta"
_CAPTION = "article-view--caption"
_LEDE = "article-view--lede"
_SUBHEADING = "article-view--subheading"
_QUOTE = "article-view--quote"
_SPEAKER = "article-view--speaker"
_CHIP = "article-view--chip"
_CHIP_CURSOR = "article-view--chip-cursor"
_HINT_STYLE = "article-view--hint"
_MATCH = "article-view--match"


class ChipArea(NamedTuple):
    """Where a tag chip (or a piece of a folded one) was drawn: a line and a cell range."""

    line: int
    """Line number in the article (not on screen: subtract ``scroll_y``)."""
    start: int
    """First cell, counted from the widget's content edge (padding included)."""
    end: int
    """Cell after the last one."""
    chip: int
    """Index of the chip (the tag) in the article's tags."""


@dataclass(frozen=True, slots=True, eq=False)
class _Block:
    content: Content
    indent: int = 0


@dataclass(slots=True)
class _Doc:
    """An article as styled blocks, what every width is laid out from (no widget state).

    ``items`` holds the blocks in reading order with ``_BLANK`` and ``_CHIPS`` markers.
    A head (``complete=False``) stops after some body blocks; ``left_chars`` and
    ``left_blocks`` say how much is missing, for an estimate of the line count.
    """

    items: list[_Block | int]
    blocks: list[_Block]
    quote_at: dict[int, tuple[int, int]]  # quote index -> (block, offset)
    tags: tuple[str, ...] = ()
    size: int = 0
    complete: bool = True
    left_chars: int = 0
    left_blocks: int = 0


@dataclass(slots=True)
class _Layout:
    """A doc wrapped to one width: each line is ``block``, ``start``, ``end``; chips placed.

    Lines live in int arrays, not tuples: a 5 MB article has 100k lines, and that many
    tuples would make the garbage collector stall the UI while a worker lays them out.
    """

    width: int
    block: array[int] = field(default_factory=lambda: array("l"))  # or _BLANK, _CHIPS
    start: array[int] = field(default_factory=lambda: array("l"))  # or chip line number
    end: array[int] = field(default_factory=lambda: array("l"))
    first_line: array[int] = field(default_factory=lambda: array("l"))  # per block
    line_count: array[int] = field(default_factory=lambda: array("l"))  # per block
    chip_lines: list[list[tuple[int, str, int]]] = field(default_factory=list)  # (chip, text, x)
    chip_areas: list[ChipArea] = field(default_factory=list)
    estimated: int = 0  # lines expected for the part of a head not built yet

    def __len__(self) -> int:
        return len(self.block)

    def add(self, block: int, start: int, end: int) -> None:
        self.block.append(block)
        self.start.append(start)
        self.end.append(end)


_Stop = Callable[[], bool] | None
_EMPTY_DOC = _Doc([], [], {})
_EMPTY_LAYOUT = _Layout(0)


def wrap_offsets(text: str, width: int) -> list[tuple[int, int]]:
    """Greedy word wrap of one paragraph to ``width`` cells, as ``(start, end)`` offsets.

    Breaks at spaces (dropped at the break); a word wider than ``width`` is folded.
    """
    starts: array[int] = array("l")
    ends: array[int] = array("l")
    _wrap(text, width, starts, ends)
    return list(zip(starts, ends, strict=True))


def _wrap(text: str, width: int, starts: array[int], ends: array[int]) -> int:
    """``wrap_offsets`` appending to two arrays; returns the number of lines.

    Works a line at a time (not a word at a time), so a 5 MB text wraps in tens of ms.
    """
    length = len(text)
    if not length:
        starts.append(0)
        ends.append(0)
        return 1
    width = max(width, 1)
    add_start = starts.append
    add_end = ends.append
    skip = _SPACES.match
    count = 0
    position = 0
    while position < length:
        count += 1
        chunk = text[position : position + width]
        if cell_len(chunk) > width:  # wide characters: shorten to fit
            chunk = _fit(chunk, width)
        end = position + len(chunk)
        if end >= length:
            add_start(position)
            add_end(length)
            break
        if text[end] != " ":
            cut = chunk.rfind(" ")
            if cut > 0:
                end = position + cut
        add_start(position)
        add_end(end)
        position = skip(text, end).end()
    return count


def _fit(chunk: str, width: int) -> str:
    """The longest prefix of ``chunk`` within ``width`` cells (at least one character)."""
    low, high = 1, len(chunk)
    while low < high:
        middle = (low + high + 1) // 2
        if cell_len(chunk[:middle]) <= width:
            low = middle
        else:
            high = middle - 1
    return chunk[:low]


def _meta_line(stored: StoredArticle) -> str:
    article = stored.article
    parts = [article.source]
    if article.published:
        parts.append(format_published(article.published))
    parts.append("read" if stored.read else "unread")
    if stored.starred:
        parts.append("★ starred")
    return " · ".join(part for part in parts if part)


def _styled(
    text: str, style: str, quotes: list[tuple[int, Quote]]
) -> tuple[Content, dict[int, int]]:
    """``text`` styled as a whole, its quotes highlighted, speakers inserted after them.

    Returns the content and, for each quote index, its start offset in the content.
    """
    text = _CONTROLS.sub(" ", text)
    length = len(text)
    spans = [Span(0, length, style)] if length and style else []
    starts: dict[int, int] = {}
    if not quotes:
        return Content(text, spans, strip_control_codes=False), starts
    found = []
    for index, quote in quotes:
        start, end = max(quote.start, 0), min(quote.end, length)
        if start < end:
            found.append((index, start, end, quote.speaker))
    # Speakers go right after the closing mark; remember where and how much they shift.
    points: list[int] = []
    shifts = [0]
    pieces: list[str] = []
    speaker_spans: list[Span] = []
    position = 0
    # A speaker the text names right after the quote ("…,” Marevic told reporters) is
    # not labelled again: "— Marevic Marevic told" reads as a typo.
    attributed = [q for q in found if q[3] and not _named_after(text, q[2], q[3])]
    if len(attributed) > 1:
        attributed.sort(key=_by_end)
    for _, _, end, speaker in attributed:
        label = f" — {_CONTROLS.sub(' ', speaker)}"
        pieces.append(text[position:end])
        position = end
        at = end + shifts[-1]
        speaker_spans.append(Span(at, at + len(label), _SPEAKER))
        pieces.append(label)
        points.append(end)
        shifts.append(at - end + len(label))
    if pieces:
        pieces.append(text[position:])
        text = "".join(pieces)
    for index, start, end, _ in found:
        # A speaker inserted where a quote starts belongs to the quote before it.
        start += shifts[bisect_right(points, start)]
        end += shifts[bisect_left(points, end)]
        starts[index] = start
        spans.append(Span(start, end, _QUOTE))
    spans.extend(speaker_spans)
    return Content(text, spans, strip_control_codes=False), starts


def _named_after(text: str, end: int, speaker: str) -> bool:
    """Does the text name ``speaker`` (by a word of the name) just after a quote ends?"""
    after = text[end : end + _NAMED_WITHIN].casefold()
    return any(
        re.search(rf"\b{re.escape(word)}\b", after)
        for word in speaker.casefold().split()
        if len(word) > 2
    )


def _by_end(quote: tuple[int, int, int, str | None]) -> tuple[int, int]:
    return quote[2], quote[0]


def _build(stored: StoredArticle, limit: int | None = None, stop: _Stop = None) -> _Doc | None:
    """Style an article into blocks; with ``limit``, only a head of about that many chars.

    Returns ``None`` when ``stop()`` turns true (a cancelled worker).
    """
    article: Article = stored.article
    body = article.body
    count = len(body)  # body blocks to build
    if limit is not None:
        built = 0
        for number, block in enumerate(body):
            if built > limit:
                count = number
                break
            built += len(block.text)
    by_place: dict[tuple[str, int | None], list[tuple[int, Quote]]] = {}
    for index, quote in enumerate(article.quotes):
        if quote.part != "body" or (quote.block is not None and quote.block < count):
            by_place.setdefault((quote.part, quote.block), []).append((index, quote))
    doc = _Doc([], [], {}, tuple(article.tags), size=_size(article))
    if count < len(body):
        doc.complete = False
        doc.left_blocks = len(body) - count
        doc.left_chars = sum(len(block.text) for block in body[count:])

    def add(text: str, style: str, place: tuple[str, int | None] | None, indent: int = 0) -> None:
        content, starts = _styled(text, style, by_place.get(place, []) if place else [])
        number = len(doc.blocks)
        for quote, start in starts.items():
            doc.quote_at[quote] = (number, start)
        block = _Block(content, indent)
        doc.blocks.append(block)
        doc.items.append(block)

    add(article.headline, _HEADLINE, ("headline", None))
    add(_meta_line(stored), _META, None)
    if article.link:  # a feed's article: where o goes (stored only when http/https and clean)
        add(f"↗ {article.link}", _META, None)
    for caption in article.captions:
        add(caption, _CAPTION, None)
    if article.lede:
        doc.items.append(_BLANK)
        add(article.lede, _LEDE, ("lede", None), _LEDE_INDENT)
    for number in range(count):
        if stop is not None and number % _CHECK_EVERY == 0 and stop():
            return None
        block = body[number]
        doc.items.append(_BLANK)
        add(block.text, _SUBHEADING if block.kind == "subheading" else "", ("body", number))
    if doc.complete and doc.tags:
        doc.items.append(_BLANK)
        doc.items.append(_CHIPS)
    return doc


def _lay_out(doc: _Doc, width: int, stop: _Stop = None) -> _Layout | None:
    """Wrap every block of ``doc`` to ``width`` cells; ``None`` if ``stop()`` turns true."""
    layout = _Layout(width)
    blocks, starts, ends = layout.block, layout.start, layout.end
    for count, item in enumerate(doc.items):
        if stop is not None and count % _CHECK_EVERY == 0 and stop():
            return None
        if isinstance(item, _Block):
            number = len(layout.first_line)
            layout.first_line.append(len(blocks))
            added = _wrap(item.content.plain, width - item.indent, starts, ends)
            layout.line_count.append(added)
            blocks.extend(repeat(number, added))
        elif item == _BLANK:
            layout.add(_BLANK, 0, 0)
        else:
            _lay_out_chips(doc.tags, width, layout)
    if not doc.complete:
        layout.estimated = doc.left_chars // max(width, 1) + 2 * doc.left_blocks + 2
    return layout


def _lay_out_chips(tags: tuple[str, ...], width: int, layout: _Layout) -> None:
    """Place ``#tag`` chips left to right, a space apart; fold one wider than a line."""
    row: list[tuple[int, str, int]] = []
    x = 0

    def new_row() -> None:
        nonlocal row, x
        layout.add(_CHIPS, len(layout.chip_lines), 0)
        layout.chip_lines.append(row)
        row, x = [], 0

    for chip, name in enumerate(tags):
        label = _CONTROLS.sub(" ", f"#{name}")
        cells = cell_len(label)
        if row and x + 1 + cells > width:
            new_row()
        x += 1 if row else 0
        pieces = wrap_offsets(label, width) if cells > width else [(0, len(label))]
        for number, (start, end) in enumerate(pieces):
            if number:
                new_row()
            piece = label[start:end]
            cells = cell_len(piece)
            row.append((chip, piece, x))
            layout.chip_areas.append(ChipArea(len(layout), _PAD + x, _PAD + x + cells, chip))
            x += cells
    if row:
        new_row()


class ArticleView(ScrollView, can_focus=True):
    """The detail pane: headline, meta line, captions, lede, body and tag chips.

    Set the article with ``show``. Posts ``TagChosen`` (enter or a click on a chip)
    and ``ArticleEndReached`` (space at the end).
    """

    COMPONENT_CLASSES = {
        "article-view--headline",
        "article-view--meta",
        "article-view--caption",
        "article-view--lede",
        "article-view--subheading",
        "article-view--quote",
        "article-view--speaker",
        "article-view--chip",
        "article-view--chip-cursor",
        "article-view--hint",
        "article-view--match",
    }

    _SCROLL = Binding.Group("Scroll", compact=True)
    BINDINGS = [
        Binding("tab", "next_chip", "Next tag", id="article-view.next-chip"),
        Binding(
            "shift+tab",
            "previous_chip",
            "Previous tag",
            show=False,
            id="article-view.previous-chip",
        ),
        Binding("enter", "choose_chip", "Filter by tag", id="article-view.choose-chip"),
        Binding("space", "page_or_end", "More", id="article-view.page-or-end"),
        Binding("up", "scroll_up", "Up", id="article-view.line-up", group=_SCROLL),
        Binding("down", "scroll_down", "Down", id="article-view.line-down", group=_SCROLL),
        Binding("k", "scroll_up", "Up", show=False, id="article-view.line-up-alt"),
        Binding("j", "scroll_down", "Down", show=False, id="article-view.line-down-alt"),
        Binding("pageup", "page_up", "Page up", show=False, id="article-view.page-up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="article-view.page-down"),
        Binding("home", "scroll_home", "Top", show=False, id="article-view.top"),
        Binding("end", "scroll_end", "End", show=False, id="article-view.end"),
        Binding("g", "scroll_home", "Top", show=False, id="article-view.top-alt"),
        Binding("G", "scroll_end", "End", show=False, id="article-view.end-alt"),
        # As in mutt and newsboat: q leaves the article for the list (q there quits).
        Binding("q", "app.back", "Back to the list", show=False, id="article-view.back"),
    ]

    def __init__(
        self,
        stored: StoredArticle | None = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._stored: StoredArticle | None = None
        # An article to read when it is first drawn or asked about (see ``follow``).
        self._loader: tuple[int, Callable[[], StoredArticle | None]] | None = None
        self._doc: _Doc | None = _EMPTY_DOC  # None: to build from _stored when needed
        self._layout = _EMPTY_LAYOUT
        self._wanted = 0  # text width of the layout asked for (0: none yet)
        self._generation = 0  # bumped by every request, so stale worker results are dropped
        self._chip: int | None = None
        self._pending_quote: int | None = None
        self._laying_out = False  # a _lay_out_later is queued
        self._strips: LRUCache[int, Strip] = LRUCache(1024)
        self._highlight: tuple[tuple[str, bool], ...] = ()
        self.show(stored)

    # ---- public -----------------------------------------------------------------

    @property
    def article_id(self) -> int | None:
        """The id of the article shown, or ``None``."""
        if self._loader is not None:
            return self._loader[0]
        return None if self._stored is None else self._stored.id

    @property
    def chip_cursor(self) -> int | None:
        """Index (into the article's tags) of the chip under the cursor, or ``None``."""
        return self._chip

    @property
    def chip_areas(self) -> tuple[ChipArea, ...]:
        """Where each chip was laid out, for hit tests."""
        self._ensure_layout()
        return tuple(self._layout.chip_areas)

    @property
    def line_count(self) -> int:
        """Lines laid out so far (a big article grows once its worker is done)."""
        self._ensure_layout()
        return len(self._layout)

    def line_text(self, line: int) -> str:
        """The plain text of one laid-out line, without padding and indent."""
        self._ensure_layout()
        return self._line_content(line)[0].plain

    def show(self, stored: StoredArticle | None) -> None:
        """Show an article from the top (``None``: an empty pane with a hint).

        Showing the article already shown, with only its read or starred mark changed,
        updates the meta line and keeps the scroll position and chip cursor.
        """
        previous = None if self._loader is not None else self._stored
        self._loader = None
        self._stored = stored
        self._generation += 1
        self._pending_quote = None
        if (
            stored is not None
            and previous is not None
            and stored.id == previous.id
            and stored.article == previous.article
            and self._doc is not None
            and self._doc.blocks
        ):
            self._replace_meta(stored)
            return
        self._new_article()

    def follow(self, article_id: int, load: Callable[[], StoredArticle | None]) -> None:
        """Show article ``article_id`` from the top, read by ``load()`` only when it is
        drawn (or asked about): when keys come faster than frames (``j`` held down), only
        the last article is read, styled and wrapped."""
        self._loader = (article_id, load)
        self._stored = None
        self._generation += 1
        self._pending_quote = None
        self._new_article()
        if not self._laying_out:
            # Once the keys already queued are handled (each may follow another article),
            # and so, as a rule, before the frame that draws the list's new cursor: the
            # height and the scrollbar are then drawn in that same frame. If the frame
            # comes first, render_lines lays the article out.
            self._laying_out = True
            self.call_later(self._lay_out_later)

    def _lay_out_later(self) -> None:
        self._laying_out = False
        self._ensure_layout()

    def _new_article(self) -> None:
        self._chip = None
        self._doc = None
        self._layout = _EMPTY_LAYOUT
        self._wanted = 0
        self._strips.clear()
        if self.is_mounted:
            self.scroll_to(0, 0, animate=False, immediate=True)
            self.refresh()
            self.refresh_bindings()

    def _ready(self) -> _Doc:
        """The article's blocks, read and built now if they were not yet.

        An article longer than ``_SYNC_CHARS`` is built as a head here, the rest in a worker.
        """
        if self._loader is not None:
            load = self._loader[1]
            self._loader = None  # if reading fails, the pane is left empty
            self._stored = load()
        if self._doc is None:
            stored = self._stored
            if stored is None:
                self._doc = _EMPTY_DOC
            elif len(stored.article.body) > 1 and _size(stored.article) > _SYNC_CHARS:
                self._doc = _build(stored, limit=_HEAD_CHARS) or _EMPTY_DOC
            else:
                self._doc = _build(stored) or _EMPTY_DOC
        return self._doc

    def set_marks(self, *, read: bool | None = None, starred: bool | None = None) -> None:
        """Change the shown article's read or star mark: only its meta line changes."""
        self._ready()
        stored = self._stored
        if stored is None:
            return
        self.show(
            replace(
                stored,
                read=stored.read if read is None else read,
                starred=stored.starred if starred is None else starred,
            )
        )

    def highlight(self, words: tuple[tuple[str, bool], ...]) -> None:
        """Mark the words a search matched (``Query.highlight_words()``; empty: none)."""
        if words != self._highlight:
            self._highlight = words
            self._strips.clear()
            self.refresh()

    def scroll_to_quote(self, index: int, tries: int = 5) -> None:
        """Scroll so that quote ``index`` (of ``Article.quotes``) is near the top.

        For a big article still being laid out, this happens when the layout is done.
        """
        self._ensure_layout()
        doc = self._ready()
        place = doc.quote_at.get(index)
        if place is None or not len(self._layout):
            waiting = not doc.complete or not len(self._layout)
            self._pending_quote = index if waiting and self._stored is not None else None
            return
        self._pending_quote = None
        target = max(0, self._line_of(*place) - 1)
        self.scroll_to(y=target, animate=False, immediate=True)
        # Just shown (a narrow screen switching panes), the pane may not scroll yet: its
        # scrollbars come with the next layout, and scroll_to did nothing. Try again then.
        stuck = round(self.scroll_y) < target and (
            not self.allow_vertical_scroll or self.max_scroll_y < target
        )
        if stuck and tries and self.virtual_size.height > self.scrollable_content_region.height:
            self._pending_quote = index
            generation = self._generation
            self.call_after_refresh(self._scroll_to_quote_again, index, tries - 1, generation)

    def _scroll_to_quote_again(self, index: int, tries: int, generation: int) -> None:
        if generation == self._generation and self._pending_quote == index:
            self.scroll_to_quote(index, tries)

    # ---- layout -----------------------------------------------------------------

    def _replace_meta(self, stored: StoredArticle) -> None:
        """Swap the meta line (always block and item 1) and lay out again."""
        meta = _Block(_styled(_meta_line(stored), _META, [])[0])
        doc = self._ready()
        doc.blocks[1] = doc.items[1] = meta
        self._wanted = 0
        if self.is_mounted:
            self._ensure_layout()

    def _text_width(self) -> int:
        return max(self.scrollable_content_region.width - 2 * _PAD, 1)

    def _ensure_layout(self, keep_top: bool = True, drawing: bool = False) -> None:
        """Lay out again when the width changed (not before the widget has a size).

        Small articles are laid out at once. A big one shows its head at once (if that is
        all that is built yet) while a thread worker builds and wraps the whole. While
        ``drawing`` (from ``render_lines``) the pane is not asked to draw again.
        """
        if not self.scrollable_content_region.width or self._wanted == self._text_width():
            return
        width = self._wanted = self._text_width()
        self._generation += 1
        doc = self._ready()
        if doc.complete and doc.size <= _SYNC_CHARS:
            self._apply(self._generation, doc, _lay_out(doc, width), keep_top, not drawing)
            return
        if not doc.complete:
            self._apply(self._generation, doc, _lay_out(doc, width), keep_top, not drawing)
        assert self._stored is not None
        # Started after this frame: not from the compositor's drawing.
        self.call_later(self._start_worker, self._generation, self._stored, doc, width)

    def _start_worker(self, generation: int, stored: StoredArticle, doc: _Doc, width: int) -> None:
        if generation == self._generation:  # else another article or width came meanwhile
            self._lay_out_in_thread(generation, stored, doc, width)

    # A description, or the decorator would repr() the whole (maybe 5 MB) article.
    @work(thread=True, exclusive=True, group="article-view-layout", description="article layout")
    def _lay_out_in_thread(
        self, generation: int, stored: StoredArticle, doc: _Doc, width: int
    ) -> None:
        worker = get_current_worker()

        def stop() -> bool:
            return worker.is_cancelled

        full = doc if doc.complete else _build(stored, stop=stop)
        layout = None if full is None else _lay_out(full, width, stop)
        if full is not None and layout is not None and not stop():
            self.call_later(self._apply, generation, full, layout, True)

    def _apply(
        self,
        generation: int,
        doc: _Doc,
        layout: _Layout | None,
        keep_top: bool,
        repaint: bool = True,
    ) -> None:
        """Make a layout current, keeping the top line's text (or the end) in view."""
        if generation != self._generation or layout is None:
            return
        anchor = self._anchor() if keep_top else None
        at_end = keep_top and 0 < self.scroll_y >= self.max_scroll_y
        self._doc, self._layout = doc, layout
        self._strips.clear()
        height = max(len(layout) + layout.estimated, 1)
        self._set_height(height)
        if at_end:
            self.scroll_to(y=height, animate=False, immediate=True)
        elif anchor is not None:
            self.scroll_to(y=self._line_of(*anchor), animate=False, immediate=True)
        if self._pending_quote is not None and doc.complete:
            self.scroll_to_quote(self._pending_quote)
        if repaint:
            self.refresh()

    def _set_height(self, height: int) -> None:
        """Make the article ``height`` lines long, without a layout of the screen if the
        scrollbar stays (or stays away).

        ``virtual_size`` is a layout reactive: setting it reflows every widget of the
        screen, then finds the scrollbar changed and reflows again, and draws the scrollbar
        in a frame of its own: most of what ``j`` cost. Only the scrollbar's coming or going
        needs a layout (the gutter is kept either way), and one is enough when the scrollbar
        is shown or hidden here; its thumb is set here too, to be drawn in the same frame.
        """
        size = Size(self.scrollable_content_region.width, height)
        if size == self.virtual_size:
            return
        window = self.container_size.height - self.scrollbar_size_horizontal
        bar = height > window
        if self.virtual_size.width != size.width:
            self.virtual_size = size  # a new width: the usual way
            return
        self.set_reactive(ArticleView.virtual_size, size)
        if bar != self.show_vertical_scrollbar:
            # The one layout, which places (or removes) the scrollbar; the text is not
            # drawn again for it (the reactive would), as this may be called while drawing.
            self.set_reactive(ArticleView.show_vertical_scrollbar, bar)
            self.refresh(repaint=False, layout=True)
        if bar:
            scrollbar = self.vertical_scrollbar
            scrollbar.window_virtual_size = height
            scrollbar.window_size = window
        if self.scroll_y > self.max_scroll_y:
            self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)

    def _anchor(self) -> tuple[int, int] | None:
        """``(block, offset)`` of the top line, if it is text and scrolled away from the top."""
        top = round(self.scroll_y)
        layout = self._layout
        if not top or top >= len(layout):
            return None
        block = layout.block[top]
        return (block, layout.start[top]) if 0 <= block < len(layout.first_line) else None

    def _line_of(self, block: int, offset: int) -> int:
        """The line showing ``offset`` of ``block``."""
        layout = self._layout
        first = layout.first_line[block]
        last = first + layout.line_count[block]
        return max(first, bisect_right(layout.start, offset, first, last) - 1)

    # ---- drawing ----------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def on_resize(self, event: events.Resize) -> None:
        self._ensure_layout()

    def render_lines(self, crop: Region) -> list[Strip]:
        self._ensure_layout(drawing=True)
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        line = round(self.scroll_y) + y
        strip = self._strips.get(line)
        if strip is None:
            strip = self._strips[line] = self._render(line)
        return strip

    def _line_content(self, line: int) -> tuple[Content, int]:
        """The content of one line and its indent."""
        if self._stored is None:  # (render_line follows _ensure_layout, which read it)
            if line == 0:
                return Content(_HINT, [Span(0, len(_HINT), _HINT_STYLE)]), 0
            return Content(), 0
        layout = self._layout
        if not 0 <= line < len(layout):
            return Content(), 0
        block, start, end = layout.block[line], layout.start[line], layout.end[line]
        if block == _BLANK:
            return Content(), 0
        if block == _CHIPS:
            return self._chip_line(start), 0
        item = self._ready().blocks[block]
        return item.content[start:end], item.indent

    def _chip_line(self, number: int) -> Content:
        text = ""
        spans: list[Span] = []
        for chip, piece, x in self._layout.chip_lines[number]:
            text += " " * (x - cell_len(text))
            spans.append(Span(len(text), len(text) + len(piece), _CHIP))
            if chip == self._chip:
                spans.append(Span(len(text), len(text) + len(piece), _CHIP_CURSOR))
            text += piece
        return Content(text, spans, strip_control_codes=False)

    def _render(self, line: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.visual_style
        base_rich = base.rich_style
        content, indent = self._line_content(line)
        if not content:
            return Strip.blank(width, base_rich)
        if self._highlight:
            matches = match_spans(content.plain, self._highlight)
            content = content.add_spans([Span(start, end, _MATCH) for start, end in matches])
        segments = [Segment(" " * (_PAD + indent), base_rich)]
        segments.extend(
            Segment(text, style.rich_style)
            for text, style in content.render(base, end="", parse_style=self._component_style)
        )
        # Cropping to the pane also guards against any line the wrap could not fit.
        return Strip(segments).crop_extend(0, width, base_rich)

    def _component_style(self, name: str | Style) -> Style:
        # Whole styles, not partial ones: Textual 8 drops an opaque background from a
        # partial style. The last span's colours win; bold, italic... add up.
        if isinstance(name, Style):
            return name
        return self.get_visual_style(name) if name else Style()

    # ---- keys and mouse ---------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Every action of the pane works on the article as laid out.
        self._ensure_layout()
        # Without chips (or a chip cursor), tab and enter stay free for the app.
        if action in ("next_chip", "previous_chip"):
            return bool(self._ready().tags)
        if action == "choose_chip":
            return self._chip is not None
        return True

    def action_next_chip(self) -> None:
        """Move the chip cursor to the next chip (wrapping around)."""
        self._move_chip(+1)

    def action_previous_chip(self) -> None:
        """Move the chip cursor to the previous chip (wrapping around)."""
        self._move_chip(-1)

    def _move_chip(self, step: int) -> None:
        count = len(self._ready().tags)
        if not count:
            return
        if self._chip is None:
            self._set_chip(0 if step > 0 else count - 1)
        else:
            self._set_chip((self._chip + step) % count)
        lines = [area.line for area in self._layout.chip_areas if area.chip == self._chip]
        if lines:
            top, height = round(self.scroll_y), self.scrollable_content_region.height
            if lines[0] < top:
                self.scroll_to(y=lines[0], animate=False, immediate=True)
            elif lines[-1] >= top + height:
                self.scroll_to(y=lines[-1] - height + 1, animate=False, immediate=True)

    def _set_chip(self, chip: int) -> None:
        if chip != self._chip:
            self._chip = chip
            self._strips.clear()
            self.refresh()
            self.refresh_bindings()

    def action_choose_chip(self) -> None:
        """Narrow the view by the tag under the chip cursor."""
        if self._chip is not None:
            self.post_message(TagChosen(self._ready().tags[self._chip]))

    def action_page_or_end(self) -> None:
        """Scroll a page down; at the end, post ``ArticleEndReached``."""
        if self.scroll_y >= self.max_scroll_y:
            self.post_message(ArticleEndReached())
        else:
            self.scroll_page_down(animate=False)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        line = round(self.scroll_y) + offset.y
        for area in self.chip_areas:
            if area.line == line and area.start <= offset.x < area.end:
                event.stop()
                self._set_chip(area.chip)
                self.post_message(TagChosen(self._ready().tags[area.chip]))
                return


def _size(article: Article) -> int:
    return len(article.headline) + len(article.lede) + sum(len(b.text) for b in article.body)
