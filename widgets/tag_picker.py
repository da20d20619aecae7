"""The tag picker: a modal that narrows the view by tags, fuzzy-filtered as you type.

Tags can run to tens of thousands, so the list is a ``ScrollView`` that draws only the
rows on screen (``render_line``) and the filtering is a plain-Python ``TagMatcher``
that casefolds every name once and narrows from the previous result while the query
grows. Tag names come from articles: they are only ever put in ``Content`` as plain
text, never parsed as markup.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import compress, repeat
from operator import contains, not_

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.cache import LRUCache
from textual.containers import Vertical
from textual.content import Content, Span
from textual.geometry import Size
from textual.message import Message
from textual.screen import ModalScreen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.style import Style
from textual.widgets import Input, Static

from reader.article import tag_key
from reader.store import TagCount
from widgets.clean_input import CleanInput
from widgets.key_bar import KeyBar
from widgets.messages import LastTagRemoved, TagChosen

__all__ = ["TagChips", "TagList", "TagMatcher", "TagPicker"]


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


class TagMatcher:
    """Fuzzy, ranked filtering of a fixed set of tags (no Textual in here).

    Order of a result: names starting with the query, then names containing it, then
    names holding its characters in order; within each group, most articles first.
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


class TagList(ScrollView, can_focus=False):
    """The matching tags, one row each, drawn on demand; a cursor marks the one enter takes.

    It never holds focus: the picker's input keeps it and moves the cursor.
    """

    COMPONENT_CLASSES = {
        "tag-list--cursor",
        "tag-list--match",
        "tag-list--count",
        "tag-list--empty",
    }

    DEFAULT_CSS = """
    TagList {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        background: $surface;
        color: $foreground;
        & > .tag-list--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .tag-list--match {
            color: $text-accent;
            text-style: bold underline;
        }
        & > .tag-list--count {
            color: $text-muted;
        }
        & > .tag-list--empty {
            color: $text-muted;
            text-style: italic;
        }
    }
    """

    def __init__(
        self,
        matcher: TagMatcher,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._indices: list[int] = []
        self._query = ""
        self.cursor = 0
        self._cache: LRUCache[tuple[int, bool, int], Strip] = LRUCache(256)
        self.loading = False
        self.set_matcher(matcher)

    def set_matcher(self, matcher: TagMatcher) -> None:
        """List the tags of ``matcher`` (call ``set_matches`` next)."""
        self._matcher = matcher
        tags = matcher.tags
        self._articles_width = len(f"{max((t.articles for t in tags), default=0):,}")
        self._unread_width = len(f"{max((t.unread for t in tags), default=0):,}")
        self._cache.clear()

    # ---- what the picker sets ----------------------------------------------------------

    def set_matches(self, indices: list[int], query: str) -> None:
        """Show these tags (indices into the matcher's tags) for ``query``; cursor to the top."""
        self._indices = indices
        self._query = query
        self.cursor = 0
        self._cache.clear()
        self.virtual_size = Size(0, len(indices))
        self.scroll_to(y=0, animate=False)
        self.refresh()

    @property
    def matches(self) -> list[TagCount]:
        """The tags shown, in order (built on demand: for tests and small lists)."""
        tags = self._matcher.tags
        return [tags[i] for i in self._indices]

    @property
    def query(self) -> str:
        """The text the list was last filtered with."""
        return self._query

    @property
    def match_count(self) -> int:
        return len(self._indices)

    @property
    def highlighted(self) -> TagCount | None:
        """The tag under the cursor, if any."""
        if 0 <= self.cursor < len(self._indices):
            return self._matcher.tags[self._indices[self.cursor]]
        return None

    @property
    def highlighted_index(self) -> int | None:
        """Index (into the matcher's tags) of the tag under the cursor, if any."""
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
        self._scroll_cursor_into_view()

    def _scroll_cursor_into_view(self) -> None:
        height = self.scrollable_content_region.height
        top = self.scroll_offset.y
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif height and self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)

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
                if self.loading:
                    text = "loading tags…"
                elif not self._matcher.tags:
                    text = "no tags yet"
                elif self._matcher.normalise(self._query):
                    text = "no tag matches"
                else:
                    text = "every tag is chosen"
                style = self.get_visual_style("tag-list--empty")
                content = Content(f" {text}").truncate(width, pad=True)
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
        tag = self._matcher.tags[index]
        row_class = ("tag-list--cursor",) if on_cursor else ()
        base = self.get_visual_style(*row_class)
        match_style = self.get_visual_style("tag-list--match", *row_class)
        count_style = self.get_visual_style("tag-list--count", *row_class)

        text = f"#{tag.name}"
        name = Content(text)
        if len(name.plain) == len(text):  # no control codes stripped: offsets still hold
            positions = self._matcher.positions(index, self._query)
            if positions:
                name = name.add_spans(_spans(positions, 1, match_style))
        counts = (
            f"  {tag.articles:>{self._articles_width},}"
            f"  {tag.unread:>{self._unread_width},} unread "
        )
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

    @dataclass
    class Clicked(Message):
        """A row was clicked (the cursor is already on it)."""

        tag_list: TagList
        index: int

        @property
        def control(self) -> TagList:
            return self.tag_list

    def _on_click(self, event: events.Click) -> None:
        row = self.row_at(event)
        if row is None:
            return
        event.stop()
        self.set_cursor(row)
        self.post_message(self.Clicked(self, self._indices[row]))


class TagChips(Static):
    """The tags already chosen, as ``#Name`` chips (plain text, styled by offsets)."""

    COMPONENT_CLASSES = {"tag-chips--chip", "tag-chips--hint"}

    DEFAULT_CSS = """
    TagChips {
        height: auto;
        & > .tag-chips--chip {
            color: $text-accent;
            text-style: bold;
        }
        & > .tag-chips--hint {
            color: $text-muted;
        }
    }
    """

    def __init__(self, names: Sequence[str] = (), *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.names: list[str] = list(names)

    def on_mount(self) -> None:
        self._show()

    def set_names(self, names: Sequence[str]) -> None:
        self.names = list(names)
        self._show()

    def _show(self) -> None:
        if not self.names:
            self.update(Content.styled("no tags chosen", ".tag-chips--hint"))
            return
        spans: list[Span] = []
        parts: list[str] = []
        offset = 0
        for name in self.names:
            chip = f"#{name}"
            spans.append(Span(offset, offset + len(chip), ".tag-chips--chip"))
            parts.append(chip)
            offset += len(chip) + 2
        text = "  ".join(parts)
        content = Content(text)
        if len(content.plain) == len(text):  # control codes would shift the offsets
            content = content.add_spans(spans)
        self.update(content)


class _TagInput(CleanInput):
    """The picker's field. Its own enter (not a priority binding on the screen) adds the
    tag, so every letter typed before it ("Rus" + enter in one burst) is in the field."""

    BINDINGS = [Binding("enter", "submit", "Add tag", id="tag-picker.add")]

    class Backspace(Message):
        """A backspace the screen took while the field looked empty (see remove_last)."""

    class EmptyBackspace(Message):
        """That backspace, found in the field's own turn to meet an empty field."""

    def on__tag_input_backspace(self, event: Backspace) -> None:
        event.stop()
        if self.value:
            self.action_delete_left()  # letters typed before it had not arrived yet
        else:
            self.post_message(self.EmptyBackspace())


class TagPicker(ModalScreen[None]):
    """Pick tags to narrow the view: type to filter, enter adds, backspace removes.

    Posts ``TagChosen`` and ``LastTagRemoved`` on itself; they bubble to the App.
    """

    BINDINGS = [
        Binding("escape", "close", "Close", id="tag-picker.close"),
        Binding(
            "backspace", "remove_last", "Remove last", id="tag-picker.remove-last", priority=True
        ),
        Binding("down", "cursor(1)", "Next tag", id="tag-picker.down", show=False),
        Binding("up", "cursor(-1)", "Previous tag", id="tag-picker.up", show=False),
        Binding("pagedown", "page(1)", "Page down", id="tag-picker.pagedown", show=False),
        Binding("pageup", "page(-1)", "Page up", id="tag-picker.pageup", show=False),
    ]

    DEFAULT_CSS = """
    TagPicker {
        align: center middle;
        #tag-picker {
            width: 84;
            max-width: 95%;
            height: 80%;
            padding: 0 1;
            border: round $border;
            background: $surface;
        }
        #tag-picker-title {
            height: 1;
            text-style: bold;
        }
        #tag-picker-chips {
            margin: 1 0 0 0;
        }
        #tag-picker-input {
            margin: 1 0 0 0;
        }
    }
    """

    def __init__(self, tags: Sequence[TagCount] | None, chosen: Sequence[str] = ()) -> None:
        """``tags=None`` opens the picker at once, listing tags when ``set_tags`` brings them
        (typing meanwhile is kept and applied then)."""
        super().__init__()
        self.matcher = TagMatcher(tags or ())
        self._loading = tags is None
        self.chosen: list[str] = list(chosen)

    def _title(self) -> Content:
        if self._loading:
            return Content("Filter by tag") + Content.styled("  loading…", "dim")
        count = len(self.matcher.tags)
        return Content("Filter by tag") + Content.styled(
            f"  {count:,} tag{'' if count == 1 else 's'}", "dim"
        )

    def set_tags(self, tags: Sequence[TagCount]) -> None:
        """The tags to pick from, when they were not at hand on opening."""
        self.matcher = TagMatcher(tags)
        self._loading = False
        self.query_one("#tag-picker-title", Static).update(self._title())
        self.tag_list.loading = False
        self.tag_list.set_matcher(self.matcher)
        self._exclude_chosen()
        self._refilter()

    def compose(self) -> ComposeResult:
        with Vertical(id="tag-picker"):
            yield Static(self._title(), id="tag-picker-title")
            yield TagChips(self.chosen, id="tag-picker-chips")
            yield _TagInput(placeholder="type to filter tags", id="tag-picker-input")
            yield TagList(self.matcher, id="tag-picker-list")
        yield KeyBar()

    def on_mount(self) -> None:
        self.tag_list.loading = self._loading
        self._exclude_chosen()
        self._refilter()
        self.screen.set_focus(self.query_one(Input))

    @property
    def tag_list(self) -> TagList:
        return self.query_one(TagList)

    @property
    def filter_input(self) -> Input:
        return self.query_one(Input)

    def _exclude_chosen(self) -> None:
        indices = (self.matcher.index_of(name) for name in self.chosen)
        self.matcher.exclude(i for i in indices if i is not None)

    def _refilter(self) -> None:
        query = self.filter_input.value
        self.tag_list.set_matches(self.matcher.match(query), query)

    @on(Input.Changed, "#tag-picker-input")
    def _query_changed(self, event: Input.Changed) -> None:
        event.stop()
        if event.value != self.filter_input.value:
            return  # typed (or pasted) ahead: the Changed of the newest value follows
        self._refilter()
        self.refresh_bindings()

    @on(_TagInput.EmptyBackspace)
    def _empty_backspace(self, event: _TagInput.EmptyBackspace) -> None:
        event.stop()
        self._remove_last()

    @on(Input.Submitted, "#tag-picker-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_choose()

    @on(TagList.Clicked)
    def _row_clicked(self, event: TagList.Clicked) -> None:
        event.stop()
        self._choose(event.index)

    # ---- actions -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "remove_last":
            # Hidden, and backspace left to the input, unless the input is empty.
            return not self.filter_input.value and bool(self.chosen)
        return super().check_action(action, parameters)

    def action_choose(self) -> None:
        if self.tag_list.query != self.filter_input.value:
            # Typed ahead ("Rus" and enter in one burst): the Changed event that would
            # filter the list is still queued, so filter now, then choose.
            self._refilter()
        index = self.tag_list.highlighted_index
        if index is None:
            self.app.bell()
            return
        self._choose(index)

    def _choose(self, index: int) -> None:
        name = self.matcher.tags[index].name
        self.post_message(TagChosen(name))
        self.chosen.append(name)
        self.query_one(TagChips).set_names(self.chosen)
        self._exclude_chosen()
        if self.filter_input.value:
            self.filter_input.value = ""  # Input.Changed refilters
        else:
            self._refilter()
        self.refresh_bindings()

    def action_remove_last(self) -> None:
        # The field may still have letters queued (typed in the same burst): let it decide
        # in its own turn whether this backspace deletes a letter or removes a tag.
        self.filter_input.post_message(_TagInput.Backspace())

    def _remove_last(self) -> None:
        if not self.chosen:
            return
        self.chosen.pop()
        self.post_message(LastTagRemoved())
        self.query_one(TagChips).set_names(self.chosen)
        self._exclude_chosen()
        self._refilter()
        self.refresh_bindings()

    def action_close(self) -> None:
        self.dismiss()

    def action_cursor(self, delta: int) -> None:
        self.tag_list.move_cursor(delta)

    def action_page(self, pages: int) -> None:
        self.tag_list.page_move(pages)
