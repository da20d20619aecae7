"""The feed picker: one subscription to read, fuzzy-filtered as you type (``f``).

The matcher, the virtual list and the screen are the tag picker's (``widgets.picker``); a
row is the feed's name with its article and unread counts. Feed names come from the feeds
themselves: only ever put in ``Content`` as plain text, never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.binding import Binding

from reader.store import TagCount
from widgets.messages import FeedChosen
from widgets.picker import MatchList, PickerInput, PickerScreen, picker_bindings


class FeedList(MatchList):
    """The subscriptions matching the field: name, articles, unread."""

    def counts(self, item: TagCount) -> str:
        articles = f"{item.articles:>{self.articles_width},}"
        return f"  {articles}  {item.unread:>{self.unread_width},} unread "

    def empty_text(self) -> str:
        if self.loading:
            return "loading feeds…"
        if not self.matcher.tags:
            return "no feeds yet: reader feed add URL"
        return "no feed matches"


class _FeedInput(PickerInput):
    BINDINGS = [Binding("enter", "submit", "Read this feed", id="feed-picker.choose")]


class FeedPicker(PickerScreen[None]):
    """Pick one feed to read: type to filter, enter shows its articles (``FeedChosen``)."""

    PREFIX = "feed-picker"
    HEADING = "Read one feed"
    NOUN = "feed"
    PLACEHOLDER = "type to filter feeds"
    INPUT = _FeedInput
    LIST = FeedList
    BINDINGS = picker_bindings(PREFIX)

    def __init__(self, feeds: Sequence[TagCount] | None) -> None:
        """``feeds=None`` opens at once; ``set_items`` brings them."""
        super().__init__(feeds)

    def choose(self, index: int) -> None:
        feed = self.matcher.tags[index]
        self.app.post_message(FeedChosen(feed.id, feed.name))
        self.dismiss()
