"""The moving keys every list of the reader shares (headlines, quotes)."""

from __future__ import annotations

from textual.binding import Binding


def cursor_bindings(prefix: str) -> list[Binding]:
    """j/k, arrows, g/G, home/end and the page keys, with ids ``PREFIX.down`` and so on."""
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
        Binding(key, action, description, id=f"{prefix}.{key}", show=False)
        for key, action, description in keys
    ]


class CursorKeys:
    """The actions behind ``cursor_bindings``, for a widget with ``cursor``, ``total``,
    ``move_to(index)`` (which clamps) and ``page_size`` (rows a page key moves)."""

    cursor: int
    total: int
    page_size: int

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
