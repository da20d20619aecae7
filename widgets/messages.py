"""Every message that travels up the widget tree, in one place so the flow reads at a glance.

Attributes go down (the app sets what a widget shows); these messages come up.

Plain classes rather than dataclasses: 21 dataclasses took about 4 ms of the start-up
(each generates and compiles its methods), for messages nobody compares or prints.
"""

from __future__ import annotations

from typing import Any

from textual.message import Message


class ArticleOpened(Message):
    """The user opened an article (enter or a click on the current row)."""

    def __init__(self, article_id: int) -> None:
        super().__init__()
        self.article_id = article_id


class TagChosen(Message):
    """Narrow the view by this tag (from a chip or the tag picker)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


class LastTagRemoved(Message):
    """Drop the last tag of the filter (backspace in an empty tag picker)."""


class ArticleEndReached(Message):
    """``space`` was pressed with the article already scrolled to its end."""


class QuoteOpened(Message):
    """Show quote ``seq`` (its index in ``Article.quotes``) of article ``article_id``."""

    def __init__(self, article_id: int, seq: int) -> None:
        super().__init__()
        self.article_id = article_id
        self.seq = seq


class PageLoaded(Message):
    """Internal to a virtual list: a worker read ``rows`` from index ``start`` for a jump
    far into it. The list drops it unless ``generation`` is still the one it shows."""

    def __init__(self, generation: int, start: int, rows: list) -> None:
        super().__init__()
        self.generation = generation
        self.start = start
        self.rows = rows


# ---- from the app's workers and the mark writer to the app -------------------------------


class ViewLoaded(Message):
    """A worker read a view's window (``reader.session.Window``); ``asked_at`` is the
    article under the cursor when it was asked for."""

    def __init__(
        self,
        window: Any,
        asked_at: int | None = None,
        marks_made: int | None = None,
    ) -> None:
        super().__init__()
        self.window = window
        self.asked_at = asked_at
        self.marks_made = marks_made  # the session's count of marks when it was asked for


class UnreadCounted(Message):
    def __init__(self, view: Any, unread: int, marks_made: int) -> None:
        super().__init__()
        self.view = view  # a reader.filters.Filter
        self.unread = unread
        self.marks_made = marks_made  # the session's count of marks when the counting began


class UnreadFound(Message):
    """``n``/``N`` looked past the rows held: the unread article found (``None``: none)."""

    def __init__(self, view: Any, found: Any, forward: bool, open_it: bool) -> None:
        super().__init__()
        self.view = view
        self.found = found  # a reader.store.Headline or None
        self.forward = forward
        self.open_it = open_it


class TagsLoaded(Message):
    def __init__(self, tags: list) -> None:
        super().__init__()
        self.tags = tags


class MarkSaved(Message):
    """The mark writer committed a write (``result``: what its ``apply`` returned)."""

    def __init__(self, write: Any, result: Any) -> None:
        super().__init__()
        self.write = write  # a reader.marks.Write
        self.result = result


class MarkFailed(Message):
    """A write that cannot be saved (never one that only waits for the lock)."""

    def __init__(self, write: Any, error: BaseException) -> None:
        super().__init__()
        self.write = write
        self.error = error


class SaveWaiting(Message):
    """The mark writer started (``True``) or stopped waiting for another process."""

    def __init__(self, waiting: bool) -> None:
        super().__init__()
        self.waiting = waiting


class ChangedElsewhere(Message):
    """Another process committed to the database (imports, marks): read it again."""


# ---- inside one widget or screen (posted and handled by the same pieces) -----------------


class MatchClicked(Message):
    """A picker's row was clicked (the cursor is already on it)."""

    def __init__(self, match_list: Any, index: int) -> None:
        super().__init__()
        self.match_list = match_list  # the widgets.picker.MatchList clicked
        self.index = index  # into the matcher's items

    @property
    def control(self) -> Any:
        return self.match_list


class QuotesLoaded(Message):
    """A worker read the quote list's first page and count (``rows`` None: count only)."""

    def __init__(self, view: Any, speaker: str | None, rows: list | None, total: int) -> None:
        super().__init__()
        self.view = view  # a reader.filters.Filter
        self.speaker = speaker
        self.rows = rows
        self.total = total


class SpeakersLoaded(Message):
    """Every speaker with their number of quotes, most quoted first."""

    def __init__(self, speakers: list) -> None:
        super().__init__()
        self.speakers = speakers


class TagFieldBackspace(Message):
    """A backspace the tag picker took while its field looked empty (see remove_last)."""


class TagFieldEmptied(Message):
    """That backspace, found in the field's own turn to meet an empty field."""


class SearchTyped(Message):
    """The search field's words, to search for now (see ``widgets.search_field``)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class FeedsLoaded(Message):
    """The subscriptions for the feed picker, read by a worker."""

    def __init__(self, feeds: Any) -> None:
        super().__init__()
        self.feeds = feeds  # list[reader.feeds.Feed]


class FeedChosen(Message):
    """Narrow the view to one feed (from the feed picker)."""

    def __init__(self, feed_id: int, name: str) -> None:
        super().__init__()
        self.feed_id = feed_id
        self.name = name


class FeedsProgress(Message):
    """Where a refresh of the feeds stands (``reader.update.Progress``)."""

    def __init__(self, progress: Any) -> None:
        super().__init__()
        self.progress = progress


class FeedsRefreshed(Message):
    """A refresh of the feeds ended: one ``reader.update.Outcome`` per feed (``stopped``: an
    error ended it, which the app's error handler reports)."""

    def __init__(self, outcomes: Any, stopped: bool = False) -> None:
        super().__init__()
        self.outcomes = outcomes
        self.stopped = stopped
