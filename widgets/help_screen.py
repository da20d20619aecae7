"""The help screen: every key of every section, built from the bindings themselves.

Keys that share an action are one row (``j / down  Next article``); hidden aliases
(``show=False``) are listed too, as long as some binding of the action has a description.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content, Span
from textual.screen import ModalScreen
from textual.widgets import Static

from widgets.key_bar import KeyBar

__all__ = ["HelpRow", "HelpScreen", "HelpTable", "help_rows"]

HelpRow = tuple[str, str]
"""(keys as shown, description)."""


def help_rows(app: App, bindings: Iterable[BindingType]) -> list[HelpRow]:
    """One row per action, in the order the actions first appear; keys joined by `` / ``.

    Actions without any description (internal ones) are left out.
    """
    keys: dict[str, list[str]] = {}
    descriptions: dict[str, str] = {}
    for binding in Binding.make_bindings(bindings):
        shown = keys.setdefault(binding.action, [])
        display = app.get_key_display(binding)
        if display not in shown:
            shown.append(display)
        if binding.description and not descriptions.get(binding.action):
            descriptions[binding.action] = binding.description
    return [
        (" / ".join(shown), descriptions[action])
        for action, shown in keys.items()
        if descriptions.get(action)
    ]


class HelpTable(Static):
    """Sections of key -> description, as one ``Content`` of plain strings."""

    COMPONENT_CLASSES = {"help-table--section", "help-table--key"}

    def __init__(self, sections: Sequence[tuple[str, Sequence[HelpRow]]], **kwargs) -> None:
        super().__init__(self.build(sections), **kwargs)

    @staticmethod
    def build(sections: Sequence[tuple[str, Sequence[HelpRow]]]) -> Content:
        key_width = max(
            (cell_len(keys) for _, rows in sections for keys, _ in rows),
            default=0,
        )
        lines: list[str] = []
        spans: list[Span] = []
        offset = 0

        def add(text: str, *styled: tuple[int, int, str]) -> None:
            nonlocal offset
            spans.extend(Span(offset + start, offset + end, style) for start, end, style in styled)
            lines.append(text)
            offset += len(text) + 1

        for number, (title, rows) in enumerate(sections):
            if number:
                add("")
            add(title, (0, len(title), ".help-table--section"))
            for keys, description in rows:
                padding = " " * (key_width - cell_len(keys) + 3)
                add(f"  {keys}{padding}{description}", (2, 2 + len(keys), ".help-table--key"))
        text = "\n".join(lines)
        content = Content(text)
        if len(content.plain) != len(text):  # control codes stripped: offsets would be off
            return content
        return content.add_spans(spans)


class HelpScreen(ModalScreen[None]):
    """Keys of the app by section; ``escape``, ``q`` or ``?`` closes it."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="help.close"),
        Binding("q", "close", "Close", id="help.close-q", show=False),
        Binding("question_mark", "close", "Close", id="help.close-question", show=False),
        # The box's own keys are the arrows, page keys and home/end; these are the list's.
        Binding("j", "scroll('down')", "Down", id="help.down", show=False),
        Binding("k", "scroll('up')", "Up", id="help.up", show=False),
        Binding("g", "scroll('home')", "Top", id="help.top", show=False),
        Binding("G", "scroll('end')", "End", id="help.end", show=False),
    ]

    def __init__(self, sections: Sequence[tuple[str, Sequence[BindingType]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        rows = [(title, help_rows(self.app, bindings)) for title, bindings in self.sections]
        with VerticalScroll(id="help") as box:
            box.border_title = Content("Keys")
            yield HelpTable(rows, id="help-table")
        yield KeyBar()

    def on_mount(self) -> None:
        # Focused, the box scrolls with up/down/pageup/pagedown/home/end (its own bindings).
        self.query_one("#help").focus()

    def action_close(self) -> None:
        self.dismiss()

    def action_scroll(self, where: str) -> None:
        box = self.query_one("#help", VerticalScroll)
        if where == "down":
            box.scroll_down(animate=False)
        elif where == "up":
            box.scroll_up(animate=False)
        elif where == "home":
            box.scroll_home(animate=False)
        else:
            box.scroll_end(animate=False)


def reader_help(app_bindings: Sequence[Binding]) -> HelpScreen:
    """The reading screen's help: every place's keys, the app's own (``app_bindings``)
    under "Everywhere" except enter in the search field, which gets its own section."""
    from widgets.article_view import ArticleView
    from widgets.headline_list import HeadlineList
    from widgets.quotes_view import QuoteList, QuotesScreen, SpeakerPicker, _SpeakerInput
    from widgets.tag_picker import TagPicker, _TagInput

    search = [b for b in app_bindings if b.action == "search_done"]
    everywhere = [b for b in app_bindings if b.action != "search_done"]
    palette = Binding("ctrl+p", "command_palette", "Every action by name")
    return HelpScreen(
        [
            ("Headlines", HeadlineList.BINDINGS),
            ("Article", ArticleView.BINDINGS),
            ("Everywhere", [*everywhere, palette]),
            ("Search field", search),
            ("Tag picker", [*_TagInput.BINDINGS, *TagPicker.BINDINGS]),
            ("Quotes view", [*QuoteList.BINDINGS, *QuotesScreen.BINDINGS]),
            ("Speaker picker", [*_SpeakerInput.BINDINGS, *SpeakerPicker.BINDINGS]),
        ]
    )
