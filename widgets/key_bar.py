"""The footer: the keys of the current context on one line, drawn as one ``Content``.

Textual's ``Footer`` mounts a widget per key and recomposes them whenever focus
moves; measured here it cost 60-70 ms of the reader's first paint. This bar
keeps the same behaviour (the active bindings of the focused widget and its
ancestors, a click on a key presses it) with a single widget.
"""

from __future__ import annotations

from textual import events
from textual.content import Content, Span
from textual.screen import Screen
from textual.widget import Widget


class KeyBar(Widget):
    """Key hints for the current focus, e.g. ``⏎ Open  m Read/unread  ? Help``."""

    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description"}
    #: Bindings shown first when active: the way back must not fall off a narrow bar.
    LEADING = ("app.back",)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._keys: list[tuple[str, str, str]] = []  # (key, shown key, description)
        self._hits: list[tuple[int, int, str]] = []  # (first cell, last cell + 1, key)

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        keys: list[tuple[str, str, str]] = []
        seen_actions: set[str] = set()
        for _node, binding, enabled, _tooltip in screen.active_bindings.values():
            if not binding.show or not enabled or binding.action in seen_actions:
                continue
            seen_actions.add(binding.action)
            shown = (binding.key, self.app.get_key_display(binding), binding.description)
            if binding.id in self.LEADING:
                keys.insert(0, shown)
            else:
                keys.append(shown)
        palette = screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        if self.app.ENABLE_COMMAND_PALETTE and palette is not None and palette.enabled:
            keys.append((palette.binding.key, self.app.get_key_display(palette.binding), "palette"))
        if keys != self._keys:
            self._keys = keys
            self.refresh()

    def render(self) -> Content:
        key_style = self.get_visual_style("key-bar--key")
        description_style = self.get_visual_style("key-bar--description")
        text = ""
        spans: list[Span] = []
        self._hits = []
        room = self.size.width
        for key, shown, description in self._keys:
            if room and len(text) + len(shown) + len(description) + 3 > room:
                break  # whole keys only: a key cut after its letter says nothing
            start = len(text)
            text += f" {shown} "
            spans.append(Span(start, len(text), key_style))
            text += f"{description} "
            spans.append(Span(start + len(shown) + 2, len(text), description_style))
            self._hits.append((start, len(text), key))
        return Content(text, spans)

    def on_click(self, event: events.Click) -> None:
        # Offsets are characters, and key labels are narrow: cells and characters agree here.
        for start, end, key in self._hits:
            if start <= event.x < end:
                self.app.simulate_key(key)
                return
