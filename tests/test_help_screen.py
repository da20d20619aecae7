"""The help screen: keys grouped by action, shown literally, closed by escape, q or ?."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

import pytest
from textual.app import App
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.pilot import Pilot

from tests.conftest import APP_STYLES
from widgets.help_screen import HelpScreen, HelpTable, help_rows

LIST_BINDINGS = [
    Binding("down", "cursor_down", "Next article", id="list.down"),
    Binding("j", "cursor_down", "", id="list.j", show=False),
    Binding("up,k", "cursor_up", "Previous article", show=False),
    Binding("enter", "open", "Open", id="list.open"),
    Binding("x", "internal", show=False),  # no description: not listed
]
ARTICLE_BINDINGS = [
    Binding("space", "page_down", "Page down / next article", id="article.space"),
    Binding("ctrl+z", "undo", "[bold]Undo[/] $x", id="article.undo"),
]
APP_BINDINGS: list[BindingType] = [
    Binding("question_mark", "help", "Help", key_display="?"),
    ("q", "quit", "Quit"),
]
SECTIONS = [
    ("Headlines", LIST_BINDINGS),
    ("Article", ARTICLE_BINDINGS),
    ("Everywhere", APP_BINDINGS),
]


class HelpApp(App[None]):
    CSS_PATH = APP_STYLES  # the widgets' styles live in the app's stylesheet

    def __init__(self, sections: Sequence[tuple[str, Sequence[BindingType]]]) -> None:
        super().__init__()
        self.sections = sections
        self.actions_run: list[str] = []

    def on_mount(self) -> None:
        self.push_screen(HelpScreen(self.sections))

    def action_quit(self) -> None:
        self.actions_run.append("quit")


def run(
    body: Callable[[Pilot, HelpApp], Awaitable[None]],
    sections: Sequence[tuple[str, Sequence[BindingType]]] = SECTIONS,
    size: tuple[int, int] = (80, 30),
) -> HelpApp:
    app = HelpApp(sections)

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await body(pilot, app)

    asyncio.run(main())
    return app


def table_lines(app: HelpApp) -> list[str]:
    table = app.screen.query_one(HelpTable)
    return [" ".join(line.split()) for line in str(table.content).splitlines()]


def test_rows_group_keys_by_action() -> None:
    app = App()
    assert help_rows(app, LIST_BINDINGS) == [
        ("↓ / j", "Next article"),
        ("↑ / k", "Previous article"),
        ("⏎", "Open"),
    ]
    assert help_rows(app, ARTICLE_BINDINGS + APP_BINDINGS) == [
        ("space", "Page down / next article"),
        ("^z", "[bold]Undo[/] $x"),
        ("?", "Help"),
        ("q", "Quit"),
    ]


def test_help_lists_sections_and_keys() -> None:
    async def body(pilot: Pilot, app: HelpApp) -> None:
        assert isinstance(app.screen, HelpScreen)
        assert table_lines(app) == [
            "Headlines",
            "↓ / j Next article",
            "↑ / k Previous article",
            "⏎ Open",
            "",
            "Article",
            "space Page down / next article",
            "^z [bold]Undo[/] $x",
            "",
            "Everywhere",
            "? Help",
            "q Quit",
        ]
        # descriptions line up in one column
        raw = str(app.screen.query_one(HelpTable).content).splitlines()
        columns = {raw[1].index("Next"), raw[2].index("Previous"), raw[6].index("Page")}
        assert len(columns) == 1
        # markup in a description is shown as typed, on screen too
        table = app.screen.query_one(HelpTable)
        rendered = [strip.text for strip in table.render_lines(table.region.reset_offset)]
        assert any("[bold]Undo[/] $x" in line for line in rendered)

    run(body)


@pytest.mark.parametrize("key", ["escape", "q", "question_mark"])
def test_keys_close_help(key: str) -> None:
    async def body(pilot: Pilot, app: HelpApp) -> None:
        await pilot.press(key)
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        assert app.actions_run == []  # q closed the help, it did not quit

    run(body)


def test_tall_help_scrolls() -> None:
    many = [Binding(f"f{n}", f"action_{n}", f"Action number {n}") for n in range(1, 41)]

    async def body(pilot: Pilot, app: HelpApp) -> None:
        box = app.screen.query_one("#help", VerticalScroll)
        assert box.max_scroll_y > 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert box.scroll_y > 0

    run(body, sections=[("Many", many)], size=(60, 15))
