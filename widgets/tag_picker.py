"""The tag picker: a modal that narrows the view by tags, fuzzy-filtered as you type.

The matcher, the virtual list and the screen's layout and keys are shared with the
speaker picker (``widgets.picker``); here are what tags add: two counts a row, the chips
of the tags already chosen, and backspace in an empty field removing the last of them.
Tag names come from articles: they are only ever put in ``Content`` as plain text, never
parsed as markup.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content, Span
from textual.widgets import Static

from reader.store import TagCount
from widgets.messages import LastTagRemoved, TagChosen, TagFieldBackspace, TagFieldEmptied
from widgets.picker import MatchList, PickerInput, PickerScreen, picker_bindings

__all__ = ["TagChips", "TagList", "TagPicker"]


class TagList(MatchList):
    """The matching tags: ``#Name``, then its article and unread counts."""

    LABEL_PREFIX = "#"

    def counts(self, item: TagCount) -> str:
        articles = f"{item.articles:>{self.articles_width},}"
        return f"  {articles}  {item.unread:>{self.unread_width},} unread "

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

    def __init__(self, tags: Sequence[TagCount] | None, chosen: Sequence[str] = ()) -> None:
        """``tags=None`` opens the picker at once; ``set_items`` brings them."""
        super().__init__(tags)
        self.chosen: list[str] = list(chosen)

    def compose_extra(self) -> ComposeResult:
        yield TagChips(self.chosen, id="tag-picker-chips")

    def items_arrived(self) -> None:
        self._exclude_chosen()

    def on_mount(self) -> None:
        # Textual then calls PickerScreen.on_mount itself (a handler per class of the MRO),
        # which filters the list and focuses the field.
        self._exclude_chosen()

    @property
    def tag_list(self) -> TagList:
        return self.query_one(TagList)

    def _exclude_chosen(self) -> None:
        indices = (self.matcher.index_of(name) for name in self.chosen)
        self.matcher.exclude(i for i in indices if i is not None)

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
        name = self.matcher.tags[index].name
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
