"""Every message that travels up the widget tree, in one place so the flow reads at a glance.

Attributes go down (the app sets what a widget shows); these messages come up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message


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


# ---- from the app's workers and the mark writer to the app -------------------------------


@dataclass
class ViewLoaded(Message):
    """A worker read a view's window (``reader.session.Window``); ``asked_at`` is the
    article under the cursor when it was asked for."""

    window: Any
    asked_at: int | None = None
    marks_made: int | None = None  # the session's count of marks when it was asked for


@dataclass
class UnreadCounted(Message):
    view: Any  # a reader.filters.Filter
    unread: int
    marks_made: int  # the session's count of marks when the counting began


@dataclass
class UnreadFound(Message):
    """``n``/``N`` looked past the rows held: the unread article found (``None``: none)."""

    view: Any
    found: Any  # a reader.store.Headline or None
    forward: bool
    open_it: bool


@dataclass
class TagsLoaded(Message):
    tags: list


@dataclass
class MarkSaved(Message):
    """The mark writer committed a write (``result``: what its ``apply`` returned)."""

    write: Any  # a reader.marks.Write
    result: Any


@dataclass
class MarkFailed(Message):
    """A write that cannot be saved (never one that only waits for the lock)."""

    write: Any
    error: BaseException


@dataclass
class SaveWaiting(Message):
    """The mark writer started (``True``) or stopped waiting for another process."""

    waiting: bool


class ChangedElsewhere(Message):
    """Another process committed to the database (imports, marks): read it again."""


# ---- inside one widget or screen (posted and handled by the same pieces) -----------------


@dataclass
class MatchClicked(Message):
    """A picker's row was clicked (the cursor is already on it)."""

    match_list: Any  # the widgets.picker.MatchList clicked
    index: int  # into the matcher's items

    @property
    def control(self) -> Any:
        return self.match_list


@dataclass
class QuotesLoaded(Message):
    """A worker read the quote list's first page and count (``rows`` None: count only)."""

    view: Any  # a reader.filters.Filter
    speaker: str | None
    rows: list | None
    total: int


@dataclass
class SpeakersLoaded(Message):
    """Every speaker with their number of quotes, most quoted first."""

    speakers: list


class TagFieldBackspace(Message):
    """A backspace the tag picker took while its field looked empty (see remove_last)."""


class TagFieldEmptied(Message):
    """That backspace, found in the field's own turn to meet an empty field."""


@dataclass
class SearchTyped(Message):
    """The search field's words, to search for now (see ``widgets.search_field``)."""

    text: str


@dataclass
class FeedsLoaded(Message):
    """The subscriptions for the feed picker, read by a worker."""

    feeds: Any  # list[reader.feeds.Feed]


@dataclass
class FeedChosen(Message):
    """Narrow the view to one feed (from the feed picker)."""

    feed_id: int
    name: str


@dataclass
class FeedsProgress(Message):
    """Where a refresh of the feeds stands (``reader.update.Progress``)."""

    progress: Any


@dataclass
class FeedsRefreshed(Message):
    """A refresh of the feeds ended: one ``reader.update.Outcome`` per feed (``stopped``: an
    error ended it, which the app's error handler reports)."""

    outcomes: Any
    stopped: bool = False
