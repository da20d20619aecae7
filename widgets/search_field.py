"""The search field above the headline list: typing becomes searches, one per pause.

A letter typed after a pause is searched at once (no wait); letters that come closer
together than ``SEARCH_DEBOUNCE`` (a paste, keys faster than about 12 a second) wait until
typing pauses, so such a burst runs two queries, not one a letter. The field says what to
search for with ``SearchTyped``; the app decides whether it is still searching.
"""

from __future__ import annotations

from textual.timer import Timer
from textual.widgets import Input

from widgets.clean_input import CleanInput, clean_field_text
from widgets.messages import SearchTyped

SEARCH_DEBOUNCE = 0.08


class SearchField(CleanInput):
    """The search field. Its clock is the app's ``clock`` (replaceable by tests)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(
            placeholder='search: words, "a phrase", -exclude  (enter: to the list)', **kwargs
        )
        self._timer: Timer | None = None
        self._last_keystroke = -1.0  # the clock's time of the last change

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.stop()
        if not event.value:  # emptied (also when `/` opens it again): the plain view
            self.search_now()
            return
        now = self.app.clock()
        in_burst = now - self._last_keystroke < SEARCH_DEBOUNCE
        self._last_keystroke = now
        if in_burst:
            self._timer = self.set_timer(SEARCH_DEBOUNCE, self.search_now)
        else:
            self.search_now()

    @property
    def waiting(self) -> bool:
        """Typing has not paused yet: a search is still to come."""
        return self._timer is not None

    def search_now(self) -> None:
        """Say what to search for now (enter, a pause, an emptied field)."""
        self.stop()
        self.post_message(SearchTyped(clean_field_text(self.value).strip()))

    def stop(self) -> None:
        """Forget a search still to come (the search was closed)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
