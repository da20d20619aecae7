"""A text field that never holds a control or bidi character, whatever is typed or pasted.

Textual's ``Input`` draws its value as it is: a pasted ``ESC]0;title BEL`` would reach the
terminal. Every insertion goes through ``replace``, so cleaning there covers typing, pasting
and programmatic inserts alike.
"""

from __future__ import annotations

from textual.widgets import Input

from reader.sanitize import sanitize


def clean_field_text(text: str) -> str:
    """Text as a one-line field may hold it: controls and bidi marks dropped, breaks as spaces."""
    return sanitize(text).replace("\n", " ").replace("\t", " ")


class CleanInput(Input):
    """An ``Input`` whose value is always clean text."""

    def replace(self, text: str, start: int, end: int) -> None:
        super().replace(clean_field_text(text), start, end)
