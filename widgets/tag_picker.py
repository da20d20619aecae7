"""The tag picker: a modal that narrows the view by tags, fuzzy-filtered as you type.

The matcher, the virtual list and the screen's layout and keys are shared with the
speaker picker (``widgets.picker``); here are what tags add: two counts a row, the chips
of the tags already chosen, and backspace in an empty field removing the last of them.

Given the view and a store (``view=``, ``store=``), a row's counts are those of the view
with that tag added, so that no tag leads to an empty view. All and Unread only take
them from the tags' counters at once. Another view of at most ``TAGS_IN_VIEW_LIMIT``
articles counts every tag in one pass (a worker), and lists only the tags its articles
carry, most frequent first. A bigger view counts only the rows drawn, in a worker, first
up to ``TAG_COUNT_FIRST_CAP`` ("100+") then up to ``TAG_COUNT_CAP`` ("1,000+"), cached
per tag for the view; a row not counted yet shows ``…``, a tag counted 0 cannot be chosen
and leaves the list at the next keystroke.
Tag names come from articles: they are only ever put in ``Content`` as plain text, never
parsed as markup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content, Span
from textual.widgets import Static
from textual.worker import get_current_worker

from reader.filters import Filter
from reader.planner import (
    TAG_COUNT_CAP,
    TAG_COUNT_FIRST_CAP,
    TAGS_IN_VIEW_LIMIT,
    TagInView,
    plain_view,
    tags_in_plain_view,
)
from reader.store import Store, TagCount
from widgets.messages import LastTagRemoved, TagChosen, TagFieldBackspace, TagFieldEmptied
from widgets.picker import MatchList, NameMatcher, PickerInput, PickerScreen, picker_bindings

__all__ = ["TagChips", "TagList", "TagPicker"]


PENDING = "…"  # a row whose counts in the view are still being counted


def _bounded(value: int, counted: TagInView) -> str:
    return f"{counted.cap:,}+" if counted.more(value) else f"{value:,}"


class TagList(MatchList):
    """The matching tags: ``#Name``, then its article and unread counts.

    ``counted`` (set by the picker): ``None``, the items' own counts; else the counts in
    the view by tag id, and a row missing from it is drawn pending and asked of
    ``want`` (once, after the frame that drew it).
    """

    LABEL_PREFIX = "#"

    def __init__(self, matcher, *, id: str | None = None) -> None:
        self.counted: dict[int, TagInView] | None = None
        self.want: Callable[[list[TagCount]], None] | None = None
        self._asked: set[int] = set()
        self._wanted: dict[int, TagCount] = {}
        super().__init__(matcher, id=id)

    def count_in_view(
        self, counted: dict[int, TagInView] | None, want: Callable[[list[TagCount]], None] | None
    ) -> None:
        """Draw the rows with ``counted``; ``want`` is asked for the rows drawn without."""
        self.counted, self.want = counted, want
        self._asked.clear()
        self._wanted.clear()
        if counted is not None:  # room for "1,000+" and the pending mark
            self.articles_width = max(self.articles_width, len(f"{TAG_COUNT_CAP:,}+"))
            self.unread_width = max(self.unread_width, len(f"{TAG_COUNT_CAP:,}+"))
        self.repaint()

    def add_counts(self, counts: dict[int, TagInView]) -> None:
        """Counts arrived from a worker: redraw the rows."""
        if self.counted is not None:
            self.counted.update(counts)
            self.repaint()

    def repaint(self) -> None:
        self._cache.clear()
        self.refresh()

    def counts(self, item: TagCount) -> str:
        if self.counted is None:
            articles, unread = f"{item.articles:,}", f"{item.unread:,}"
        else:
            counted = self.counted.get(item.id)
            if counted is None:
                articles = unread = PENDING
                if self.want is not None and item.id not in self._asked:
                    if not self._wanted:
                        self.call_after_refresh(self._ask)
                    self._wanted[item.id] = item
            else:
                articles = _bounded(counted.articles, counted)
                unread = _bounded(counted.unread, counted)
        return f"  {articles:>{self.articles_width}}  {unread:>{self.unread_width}} unread "

    def _ask(self) -> None:
        wanted, self._wanted = list(self._wanted.values()), {}
        if wanted and self.want is not None:
            self._asked.update(tag.id for tag in wanted)
            self.want(wanted)

    def dead_end(self, item: TagCount) -> bool:
        """Counted in the view, and adding it would show nothing."""
        counted = None if self.counted is None else self.counted.get(item.id)
        return counted is not None and counted.articles == 0

    def empty_text(self) -> str:
        if self.loading:
            return "loading tags…"
        if not self.matcher.tags:
            return "no tags yet"
        if self.matcher.normalise(self.query):
            return "no tag matches"
        return "every tag is chosen"


class TagChips(Static):
    """The tags already chosen, as ``#Name`` chips (plain text, styled by offsets)."""

    COMPONENT_CLASSES = {"tag-chips--chip", "tag-chips--hint"}

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


class _TagInput(PickerInput):
    """The picker's field. Its own enter (not a priority binding on the screen) adds the
    tag, so every letter typed before it ("Rus" + enter in one burst) is in the field."""

    BINDINGS = [Binding("enter", "submit", "Add tag", id="tag-picker.add")]

    def on_tag_field_backspace(self, event: TagFieldBackspace) -> None:
        event.stop()
        if self.value:
            self.action_delete_left()  # letters typed before it had not arrived yet
        else:
            self.post_message(TagFieldEmptied())


class TagPicker(PickerScreen[None]):
    """Pick tags to narrow the view: type to filter, enter adds, backspace removes.

    Posts ``TagChosen`` and ``LastTagRemoved`` on itself; they bubble to the App.
    """

    PREFIX = "tag-picker"
    HEADING = "Filter by tag"
    NOUN = "tag"
    PLACEHOLDER = "type to filter tags"
    INPUT = _TagInput
    LIST = TagList
    #: A view of at most this many articles has every tag counted in one pass.
    VIEW_PASS_LIMIT = TAGS_IN_VIEW_LIMIT

    BINDINGS = [
        *picker_bindings(PREFIX),
        Binding(
            "backspace",
            "remove_last",
            "Delete, then last tag",
            id="tag-picker.remove-last",
            priority=True,
        ),
    ]

    def __init__(
        self,
        tags: Sequence[TagCount] | None,
        chosen: Sequence[str] = (),
        *,
        view: Filter | None = None,
        store: Callable[[], Store] | None = None,
    ) -> None:
        """``tags=None`` opens the picker at once; ``set_items`` brings them (every tag,
        with its global counts: ``Store.tags()``).

        ``view`` and ``store`` (a store for the calling thread, as ``App.thread_store``):
        count each tag in ``view`` (the view on screen, whose tags are ``chosen``) rather
        than in the whole archive. Without them the tags' own counts are shown.
        """
        super().__init__(tags)
        self.chosen: list[str] = list(chosen)
        self.view = view if store is not None else None
        self._store = store
        self._every_tag: list[TagCount] = list(tags or ())

    def compose_extra(self) -> ComposeResult:
        yield TagChips(self.chosen, id="tag-picker-chips")

    def items_arrived(self) -> None:
        self._every_tag = list(self.matcher.tags)
        self._exclude_chosen()
        self._count_in_view()

    def on_mount(self) -> None:
        # Textual then calls PickerScreen.on_mount itself (a handler per class of the MRO),
        # which filters the list and focuses the field.
        self._exclude_chosen()
        if not self.waiting:
            self._count_in_view()

    @property
    def tag_list(self) -> TagList:
        return self.query_one(TagList)

    def _exclude_chosen(self) -> None:
        indices = [self.matcher.index_of(name) for name in self.chosen]
        tag_list = self.tag_list if self.is_mounted else None
        if tag_list is not None and tag_list.counted:  # and the dead ends found so far
            dead = {tag_id for tag_id, counted in tag_list.counted.items() if not counted.articles}
            if dead:
                indices += [i for i, tag in enumerate(self.matcher.tags) if tag.id in dead]
        self.matcher.exclude(i for i in indices if i is not None)

    def refilter(self) -> None:
        self._exclude_chosen()
        super().refilter()

    # ---- counts in the view ------------------------------------------------------------

    def _count_in_view(self) -> None:
        """Count the tags in ``self.view`` (just set, or changed by a choice)."""
        view = self.view
        if view is None or self.waiting:
            return
        self.workers.cancel_group(self, "tag-counts")
        if plain_view(view):
            self._list(tags_in_plain_view(view, self._every_tag), None)
            return
        self._list(self._every_tag, {})  # pending, until the worker says how to count
        self._view_pass(view)

    def _list(self, items: Sequence[TagCount], counted: dict[int, TagInView] | None) -> None:
        self.matcher = NameMatcher(items)
        self.tag_list.set_matcher(self.matcher)
        self.tag_list.count_in_view(counted, None)
        self.update_heading()
        self.refilter()

    @work(thread=True, group="tag-counts")
    def _view_pass(self, view: Filter) -> None:
        counts = self._store().tags_in_view(view, limit=self.VIEW_PASS_LIMIT)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._view_counted, view, counts)

    def _view_counted(self, view: Filter, counts: dict[int, TagInView] | None) -> None:
        if view != self.view:
            return
        if counts is None:  # too big to count every tag: only the rows drawn, as drawn
            self.tag_list.count_in_view({}, lambda tags: self._count_rows(view, tags))
            return
        items = [
            TagCount(t.id, t.name, counts[t.id].articles, counts[t.id].unread)
            for t in self._every_tag
            if t.id in counts
        ]
        self._list(items, None)

    @work(thread=True, group="tag-counts")
    def _count_rows(self, view: Filter, tags: list[TagCount]) -> None:
        store, worker = self._store(), get_current_worker()
        for cap in (TAG_COUNT_FIRST_CAP, TAG_COUNT_CAP):
            counts: dict[int, TagInView] = {}
            for tag in tags:
                if worker.is_cancelled:
                    return
                counts[tag.id] = store.tag_in_view(view, tag, cap=cap)
            self.app.call_from_thread(self._rows_counted, view, counts)
            # Only the counts that reached the first cap have more to tell.
            tags = [t for t in tags if counts[t.id].more(counts[t.id].articles)
                    or counts[t.id].more(counts[t.id].unread)]  # fmt: skip

    def _rows_counted(self, view: Filter, counts: dict[int, TagInView]) -> None:
        if view == self.view:
            self.tag_list.add_counts(counts)

    @on(TagFieldEmptied)
    def _empty_backspace(self, event: TagFieldEmptied) -> None:
        event.stop()
        self._remove_last()

    # ---- actions -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "remove_last":
            # With tags chosen, every backspace comes here and the field decides in its own
            # turn (a letter to delete, or an empty field: the last tag). Deciding now, on
            # the field as it is, missed the end of a burst of backspaces.
            return bool(self.chosen)
        return super().check_action(action, parameters)

    def choose(self, index: int) -> None:
        tag = self.matcher.tags[index]
        if self.tag_list.dead_end(tag):
            self.app.bell()  # nothing in the view has it: never an empty view
            return
        name = tag.name
        self.post_message(TagChosen(name))
        self.chosen.append(name)
        self.query_one(TagChips).set_names(self.chosen)
        self._exclude_chosen()
        # The letters that chose it go; any typed after the enter stay, as the next search.
        field = self.filter_input.value
        rest = field.removeprefix(self.match_list.query)
        if rest != field:
            self.filter_input.value = rest  # Input.Changed refilters
        else:
            self.refilter()
        self.refresh_bindings()
        if self.view is not None:
            self.view = self.view.with_tag(name)
            self._count_in_view()

    def action_remove_last(self) -> None:
        # The field may still have letters queued (typed in the same burst): let it decide
        # in its own turn whether this backspace deletes a letter or removes a tag.
        self.filter_input.post_message(TagFieldBackspace())

    def _remove_last(self) -> None:
        if not self.chosen:
            return
        self.chosen.pop()
        self.post_message(LastTagRemoved())
        self.query_one(TagChips).set_names(self.chosen)
        self._exclude_chosen()
        self.refilter()
        self.refresh_bindings()
        if self.view is not None:
            self.view = self.view.without_last_tag()
            self._count_in_view()
