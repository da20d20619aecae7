"""Every message that travels up the widget tree, in one place so the flow reads at a glance.

Attributes go down (the app sets what a widget shows); these messages come up.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class ArticleHighlighted(Message):
    """The list cursor is on a new article (``None``: the list is empty)."""

    article_id: int | None


@dataclass
class ArticleOpened(Message):
    """The user opened an article (enter or a click on the current row)."""

    article_id: int


@dataclass
class TagChosen(Message):
    """Narrow the view by this tag (from a chip or the tag picker)."""

    name: str


@dataclass
class LastTagRemoved(Message):
    """Drop the last tag of the filter (backspace in an empty tag picker)."""


@dataclass
class ArticleEndReached(Message):
    """``space`` was pressed with the article already scrolled to its end."""


@dataclass
class QuoteOpened(Message):
    """Show quote ``seq`` (its index in ``Article.quotes``) of article ``article_id``."""

    article_id: int
    seq: int


@dataclass
class PageLoaded(Message):
    """Internal to a virtual list: a worker read ``rows`` from index ``start`` for a jump
    far into it. The list drops it unless ``generation`` is still the one it shows."""

    generation: int
    start: int
    rows: list
