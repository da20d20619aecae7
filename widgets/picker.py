"""What the tag picker and the speaker picker share: a fuzzy matcher, a virtual list of
its matches, and the modal screen around them (a field that keeps focus, the list under it).

Names can run to tens of thousands, so the list is a ``ScrollView`` that draws only the
rows on screen (``render_line``) and the filtering is a plain-Python ``NameMatcher`` that
casefolds every name once and narrows from the previous result while the query grows.
Names come from articles: they are only ever put in ``Content`` as plain text, never
parsed as markup.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from itertools import compress, repeat
from operator import contains, not_
from typing import ClassVar, TypeVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.cache import LRUCache
from textual.containers import Vertical
from textual.content import Content, Span
from textual.geometry import Size
from textual.screen import ModalScreen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.style import Style
from textual.widgets import Input, Static

from reader.article import tag_key
from reader.store import TagCount
from widgets.clean_input import CleanInput
from widgets.key_bar import KeyBar
from widgets.messages import MatchClicked

__all__ = ["MatchList", "NameMatcher", "PickerInput", "PickerScreen", "picker_bindings"]

ResultT = TypeVar("ResultT")


def _subsequence_pattern(query: str) -> re.Pattern[str]:
    """``abc`` -> ``a[^b]*b[^c]*c``: a leftmost subsequence match without backtracking."""
    parts = [re.escape(query[0])]
    for char in query[1:]:
        escaped = re.escape(char)
        parts.append(f"[^{escaped}]*{escaped}")
    return re.compile("".join(parts), re.DOTALL)


def _fold_offsets(name: str) -> list[int]:
    """For each character of ``name.casefold()``, the index of the character it came from.

    Casefolding can change a string's length (``ß`` -> ``ss``); match positions are found
    in the folded name and must be mapped back to the name as shown.
    """
    offsets: list[int] = []
    for index, char in enumerate(name):
        offsets.extend([index] * len(char.casefold()))
    return offsets


class NameMatcher:
    """Fuzzy, ranked filtering of a fixed set of names with counts (no Textual in here).

    The items are ``TagCount`` rows: tags, or speakers with their quote count in
    ``articles``. Order of a result: names starting with the query, then names
    containing it, then names holding its characters in order; within each group, the
    largest count first.
    """

    def __init__(self, tags: Sequence[TagCount]) -> None:
        self.tags = tags
        self.folded = [tag.name.casefold() for tag in tags]
        folded = self.folded
        # The order of the empty query and the tie-break of every other one: most articles
        # first, then by name. Two stable sorts with C-level keys (a lambda is 5x slower).
        order = sorted(range(len(tags)), key=folded.__getitem__)
        negated = [-tag.articles for tag in tags]
        order.sort(key=negated.__getitem__)
        self._base = order
        self._excluded: frozenset[int] = frozenset()
        self._all = self._base
        self._all_names = [folded[i] for i in self._base]
        # For each prefix of the last query: (query, matches in base order, their folded
        # names, ranked result). A longer query only searches the matches of a shorter one.
        self._history: list[tuple[str, list[int], list[str], list[int]]] = []
        self._by_key: dict[str, int] | None = None
        self._keys_complete = False

    @staticmethod
    def normalise(query: str) -> str:
        """The query as matched: casefolded, surrounding blanks and one leading ``#`` dropped."""
        query = query.strip().casefold()
        return query[1:].lstrip() if query.startswith("#") else query

    def index_of(self, name: str) -> int | None:
        """The index of the tag called ``name`` (compared by ``tag_key``), if there is one."""
        if self._by_key is None:
            # Stored names are already whitespace-normalised, so their casefold is their key:
            # no need to run tag_key over every tag unless a lookup misses.
            self._by_key = {folded: index for index, folded in enumerate(self.folded)}
        key = tag_key(name)
        found = self._by_key.get(key)
        if found is None and not self._keys_complete:
            for index, tag in enumerate(self.tags):
                self._by_key.setdefault(tag_key(tag.name), index)
            self._keys_complete = True
            found = self._by_key.get(key)
        return found

    def exclude(self, indices: Iterable[int]) -> None:
        """Leave these tags out of every result (the tags already chosen)."""
        excluded = frozenset(indices)
        if excluded != self._excluded:
            self._excluded = excluded
            self._all = [i for i in self._base if i not in excluded] if excluded else self._base
            self._all_names = [self.folded[i] for i in self._all]
            self._history.clear()

    def match(self, query: str) -> list[int]:
        """Indices of the tags matching ``query``, best first."""
        query = self.normalise(query)
        if not query:
            return self._all
        history = self._history
        while history and not query.startswith(history[-1][0]):
            history.pop()
        if history and history[-1][0] == query:
            return history[-1][3]
        if history:
            _, source, names, _ = history[-1]
        else:
            source, names = self._all, self._all_names
        pool, pool_names, ranked = self._filter(query, source, names)
        history.append((query, pool, pool_names, ranked))
        return ranked

    @staticmethod
    def _filter(
        query: str, source: list[int], names: list[str]
    ) -> tuple[list[int], list[str], list[int]]:
        """(matches in ``source`` order, their names, the matches ranked).

        The first keystroke runs this over every tag, so each pass is a C-level
        ``map``/``compress`` over plain lists rather than a Python loop.
        """
        if len(query) == 1:  # a one-character subsequence is a substring
            keep = list(map(contains, names, repeat(query)))
        else:
            # bool() drops each Match at once: tens of thousands of live Match objects
            # (GC-tracked) would set off collections of the whole heap.
            keep = list(map(bool, map(_subsequence_pattern(query).search, names)))
        pool = list(compress(source, keep))
        pool_names = list(compress(names, keep))
        if len(query) == 1:
            inside, inside_names, loose = pool, pool_names, []
        else:
            flags = list(map(contains, pool_names, repeat(query)))
            inside = list(compress(pool, flags))
            if len(inside) == len(pool):
                inside_names, loose = pool_names, []
            else:
                inside_names = list(compress(pool_names, flags))
                loose = list(compress(pool, map(not_, flags)))
        starts = list(map(str.startswith, inside_names, repeat(query)))
        prefix = list(compress(inside, starts))
        inner = list(compress(inside, map(not_, starts))) if prefix else inside
        return pool, pool_names, prefix + inner + loose

    def positions(self, index: int, query: str) -> list[int]:
        """Indices of the characters of tag ``index``'s name that match ``query``."""
        query = self.normalise(query)
        if not query:
            return []
        folded = self.folded[index]
        found = folded.find(query)
        if found >= 0:
            hits = list(range(found, found + len(query)))
        else:
            hits = []
            start = 0
            for char in query:
                start = folded.find(char, start)
                if start < 0:
                    return []
                hits.append(start)
                start += 1
        name = self.tags[index].name
        if len(folded) != len(name):
            offsets = _fold_offsets(name)
            hits = sorted({offsets[hit] for hit in hits})
        return hits


def _spans(positions: list[int], shift: int, style: Style) -> list[Span]:
    """Runs of consecutive positions as spans (fewer spans, cheaper rendering)."""
    spans: list[Span] = []
    run_start = previous = None
    for position in positions:
        if previous is not None and position == previous + 1:
            previous = position
            continue
        if run_start is not None:
            spans.append(Span(run_start + shift, previous + 1 + shift, style))
        run_start = previous = position
    if run_start is not None:
        spans.append(Span(run_start + shift, previous + 1 + shift, style))
    return spans


class MatchList(ScrollView, can_focus=False):
    """A matcher's matching names, one row each, drawn on demand; a cursor marks the one
    enter takes. It never holds focus: the picker's field keeps it and moves the cursor.

    Subclasses say how a row reads (``LABEL_PREFIX``, ``counts``) and what an empty list
    says (``empty_text``).
    """

    COMPONENT_CLASSES = {
        "match-list--cursor",
        "match-list--match",
        "match-list--count",
        "match-list--empty",
    }

    LABEL_PREFIX: ClassVar[str] = ""  # shown before each name ("#" for tags)

    def __init__(self, matcher: NameMatcher, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._indices: list[int] = []
        self._query = ""
        self.cursor = 0
        self._cache: LRUCache[tuple[int, bool, int], Strip] = LRUCache(256)
        self.loading = False
        self.set_matcher(matcher)

    def set_matcher(self, matcher: NameMatcher) -> None:
        """List the names of ``matcher`` (call ``set_matches`` next)."""
        self.matcher = matcher
        items = matcher.tags
        self.articles_width = len(f"{max((t.articles for t in items), default=0):,}")
        self.unread_width = len(f"{max((t.unread for t in items), default=0):,}")
        self._cache.clear()

    # ---- what a subclass says ---------------------------------------------------------

    def counts(self, item: TagCount) -> str:
        """The counts after a name (dropped when the row is too narrow for both)."""
        return ""

    def empty_text(self) -> str:
        """What the list says when nothing matches."""
        return "no match"

    # ---- what the picker sets ----------------------------------------------------------

    def set_matches(self, indices: list[int], query: str) -> None:
        """Show these names (indices into the matcher's) for ``query``; cursor to the top."""
        self._indices = indices
        self._query = query
        self.cursor = 0
        self._cache.clear()
        self.virtual_size = Size(0, len(indices))
        self.scroll_to(y=0, animate=False, immediate=True)
        self.refresh()

    @property
    def matches(self) -> list[TagCount]:
        """The items shown, in order (built on demand: for tests and small lists)."""
        items = self.matcher.tags
        return [items[i] for i in self._indices]

    @property
    def query(self) -> str:
        """The text the list was last filtered with."""
        return self._query

    @property
    def match_count(self) -> int:
        return len(self._indices)

    @property
    def highlighted(self) -> TagCount | None:
        """The item under the cursor, if any."""
        index = self.highlighted_index
        return None if index is None else self.matcher.tags[index]

    @property
    def highlighted_index(self) -> int | None:
        """Index (into the matcher's items) of the one under the cursor, if any."""
        if 0 <= self.cursor < len(self._indices):
            return self._indices[self.cursor]
        return None

    def move_cursor(self, delta: int) -> None:
        """Move the cursor by ``delta`` rows (clamped) and keep it in view."""
        self.set_cursor(self.cursor + delta)

    def page_move(self, pages: int) -> None:
        self.move_cursor(pages * max(1, self.scrollable_content_region.height - 1))

    def set_cursor(self, row: int) -> None:
        if not self._indices:
            return
        row = max(0, min(row, len(self._indices) - 1))
        if row == self.cursor:
            return
        old, self.cursor = self.cursor, row
        self.refresh_line(old)
        self.refresh_line(row)
        height = self.scrollable_content_region.height
        top = self.scroll_offset.y
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif height and self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def row_at(self, event: events.MouseEvent) -> int | None:
        """The list row under the mouse, if there is one."""
        offset = event.get_content_offset(self)
        if offset is None:
            return None
        row = self.scroll_offset.y + offset.y
        return row if 0 <= row < len(self._indices) else None

    # ---- drawing -------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        self._cache.clear()
        super().notify_style_update()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        row = self.scroll_offset.y + y
        if not self._indices:
            if y == 0:
                style = self.get_visual_style("match-list--empty")
                content = Content(f" {self.empty_text()}").truncate(width, pad=True)
                return Strip(content.render_segments(style), width)
            return Strip.blank(width, self.get_visual_style().rich_style)
        if row >= len(self._indices):
            return Strip.blank(width, self.get_visual_style().rich_style)
        index = self._indices[row]
        on_cursor = row == self.cursor
        key = (index, on_cursor, width)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._render_row(index, on_cursor, width)
            self._cache[key] = strip
        return strip

    def _render_row(self, index: int, on_cursor: bool, width: int) -> Strip:
        item = self.matcher.tags[index]
        row_class = ("match-list--cursor",) if on_cursor else ()
        base = self.get_visual_style(*row_class)
        match_style = self.get_visual_style("match-list--match", *row_class)
        count_style = self.get_visual_style("match-list--count", *row_class)

        text = f"{self.LABEL_PREFIX}{item.name}"
        name = Content(text)
        if len(name.plain) == len(text):  # no control codes stripped: offsets still hold
            positions = self.matcher.positions(index, self._query)
            if positions:
                name = name.add_spans(_spans(positions, len(self.LABEL_PREFIX), match_style))
        counts = self.counts(item)
        name_width = width - 1 - len(counts)
        if name_width < 12:  # too narrow for counts: the name matters more
            counts = ""
            name_width = width - 1
        line = Content(" ") + name.truncate(max(name_width, 0), ellipsis=True, pad=True)
        if counts:
            line += Content.styled(counts, count_style)
        line = line.truncate(width, pad=True)
        return Strip(line.render_segments(base), width)

    # ---- mouse ---------------------------------------------------------------------------

    def _on_click(self, event: events.Click) -> None:
        row = self.row_at(event)
        if row is None:
            return
        event.stop()
        self.set_cursor(row)
        self.post_message(MatchClicked(self, self._indices[row]))


class PickerInput(CleanInput):
    """A picker's field. Enter is taken in the field's own turn, in order with the letters:
    "harb", enter, "port" typed at once submits "harb" and leaves "port" in the field as the
    next search (a binding would run only after the field had taken "port" too).
    Subclasses bind enter only to name it in the footer."""

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            # Submitted first: the picker takes the row under the cursor for these letters
            # before the emptied field's Changed arrives.
            self.post_message(self.Submitted(self, self.value))
            self.value = ""
            return
        await super()._on_key(event)


def picker_bindings(prefix: str) -> list[Binding]:
    """escape, the arrows and the page keys of a picker, with ids ``PREFIX.close`` and so on."""
    return [
        Binding("escape", "close", "Close", id=f"{prefix}.close"),
        Binding("down", "cursor(1)", "Next", id=f"{prefix}.down", show=False),
        Binding("up", "cursor(-1)", "Previous", id=f"{prefix}.up", show=False),
        Binding("pagedown", "page(1)", "Page down", id=f"{prefix}.pagedown", show=False),
        Binding("pageup", "page(-1)", "Page up", id=f"{prefix}.pageup", show=False),
    ]


class PickerScreen(ModalScreen[ResultT]):
    """A centred box: a title, a field that keeps the focus, and a ``MatchList`` under it.

    Typing filters the list, the arrows and page keys move its cursor, enter (taken by the
    field in its own turn, see ``PickerInput``) or a click takes the highlighted item:
    ``choose(index)``. Subclasses set ``PREFIX`` (the ids of the box
    and its parts: ``PREFIX``, ``PREFIX-title``, ``PREFIX-input``, ``PREFIX-list``), the
    heading's words, and the classes of the field and the list.
    """

    PREFIX: ClassVar[str] = "picker"

    matcher: NameMatcher

    def __init__(self, items: Sequence[TagCount] | None) -> None:
        """``items=None`` opens the picker at once, listing them when ``set_items`` brings
        them (what is typed meanwhile is kept and applied then)."""
        super().__init__()
        self.matcher = NameMatcher(items or ())
        self.waiting = items is None  # not "loading": a Screen's loading shows a spinner
        self._queued: list[str] = []  # enters pressed while waiting: what each chose

    # ---- what a subclass says ---------------------------------------------------------

    HEADING: ClassVar[str] = "Pick one"
    NOUN: ClassVar[str] = "name"  # counted after the heading: "50,000 tags"
    PLACEHOLDER: ClassVar[str] = "type to filter"
    INPUT: ClassVar[type[Input]] = PickerInput  # its enter binding names what enter does
    LIST: ClassVar[type[MatchList]] = MatchList

    def heading(self) -> Content:
        if self.waiting:
            return Content(self.HEADING) + Content.styled("  loading…", "dim")
        count = len(self.matcher.tags)
        return Content(self.HEADING) + Content.styled(
            f"  {count:,} {self.NOUN}{'' if count == 1 else 's'}", "dim"
        )

    def make_input(self) -> Input:
        return self.INPUT(placeholder=self.PLACEHOLDER, id=f"{self.PREFIX}-input")

    def make_list(self) -> MatchList:
        return self.LIST(self.matcher, id=f"{self.PREFIX}-list")

    def compose_extra(self) -> ComposeResult:
        """Widgets between the title and the field."""
        yield from ()

    def choose(self, index: int) -> None:
        """Take item ``index`` of the matcher: by default, close with its name."""
        self.dismiss(self.matcher.tags[index].name)

    # ---- the shared part ---------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id=self.PREFIX, classes="picker"):
            yield Static(self.heading(), id=f"{self.PREFIX}-title", classes="picker-title")
            yield from self.compose_extra()
            yield self.make_input()
            yield self.make_list()
        yield KeyBar()

    def on_mount(self) -> None:
        self.match_list.loading = self.waiting
        self.refilter()
        self.set_focus(self.filter_input)

    def set_items(self, items: Sequence[TagCount]) -> None:
        """The names to pick from, when they were not at hand on opening."""
        self.matcher = NameMatcher(items)
        self.waiting = False
        self.update_heading()
        self.match_list.loading = False
        self.match_list.set_matcher(self.matcher)
        self.items_arrived()
        self.refilter()
        queued, self._queued = self._queued, []
        for query in queued:
            if self.app.screen is not self:  # a choice closed the picker
                break
            self._choose_for(query)

    def items_arrived(self) -> None:
        """Called by ``set_items`` before the list is filtered again."""

    @property
    def match_list(self) -> MatchList:
        return self.query_one(MatchList)

    @property
    def filter_input(self) -> Input:
        return self.query_one(Input)

    def update_heading(self) -> None:
        self.query_one(f"#{self.PREFIX}-title", Static).update(self.heading())

    def refilter(self) -> None:
        query = self.filter_input.value
        self.match_list.set_matches(self.matcher.match(query), query)

    @on(Input.Changed)
    def _query_changed(self, event: Input.Changed) -> None:
        event.stop()
        if event.value != self.filter_input.value:
            return  # typed (or pasted) ahead: the Changed of the newest value follows
        self.refilter()
        self.refresh_bindings()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        # What the field held at enter (it emptied itself then: letters typed after the
        # enter are the next search).
        self._choose_for(event.value)

    @on(MatchClicked)
    def _row_clicked(self, event: MatchClicked) -> None:
        event.stop()
        self.choose(event.index)

    def _choose_for(self, query: str) -> None:
        if self.waiting:
            # Nothing to choose from yet (a name and enter typed as the picker opened):
            # keep the choice for when the names arrive.
            self._queued.append(query)
            return
        if self.match_list.query != query:
            # Typed ahead (letters and enter in one burst): the Changed event that would
            # filter the list is still queued, so filter now, then choose.
            self.match_list.set_matches(self.matcher.match(query), query)
        index = self.match_list.highlighted_index
        if index is None:
            self.app.bell()
            field = self.filter_input
            if query and not field.value.startswith(query):
                field.value = query + field.value  # nothing taken: the letters come back
            return
        self.choose(index)

    def action_close(self) -> None:
        self.dismiss()

    def action_cursor(self, delta: int) -> None:
        self.match_list.move_cursor(delta)

    def action_page(self, pages: int) -> None:
        self.match_list.page_move(pages)
