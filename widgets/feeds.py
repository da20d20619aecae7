"""Feeds in the app: ``R`` refreshes every subscription in a worker, ``o`` opens the
article's link in the browser, ``f`` picks a feed to read (``widgets.feed_picker``) and ``F``
goes back to all.

``FeedActions`` is mixed into ``ReaderApp``: it uses the app's store, session, header and
notices, and leaves the reading screen's wiring in ``widgets.app``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import SuspendNotSupported
from textual.binding import Binding
from textual.worker import Worker, get_current_worker

from reader.links import browser_command, is_openable
from reader.store import TagCount
from widgets.messages import FeedChosen, FeedsLoaded, FeedsProgress, FeedsRefreshed

if TYPE_CHECKING:
    from widgets.feed_picker import FeedPicker

FEED_BINDINGS = [
    Binding("R", "refresh_feeds", "Refresh feeds", id="app.refresh-feeds"),
    Binding("o", "open_link", "Open link", id="app.open-link"),
    Binding("f", "pick_feed", "Feeds", id="app.feeds"),
    Binding("F", "all_feeds", "All feeds", id="app.all-feeds"),
]


class FeedActions:
    """What the reading screen does with feeds (a mixin of ``ReaderApp``)."""

    _feeds_refresh: Worker | None = None
    _feed_picker: FeedPicker | None = None
    #: What a refresh running now has done, for the header ("" when none runs).
    feed_activity: str = ""

    # ---- R: refresh -------------------------------------------------------------------

    def action_refresh_feeds(self) -> None:
        if self.session.readonly:
            self.notify("The database is read-only: feeds cannot be refreshed.", severity="warning")
            return
        if self._feeds_refresh is not None and self._feeds_refresh.is_running:
            self._notice("Already refreshing the feeds.")
            return
        self.feed_activity = "refreshing feeds…"
        self._update_header()
        self._feeds_refresh = self._refresh_feeds_worker()

    @work(thread=True, exclusive=True, group="feeds")
    def _refresh_feeds_worker(self) -> None:
        from reader.update import refresh  # lazily: httpx and the parsers, on first use

        worker = get_current_worker()
        outcomes, stopped = [], True
        try:
            outcomes = refresh(
                self.thread_store(),
                progress=lambda progress: self.post_message(FeedsProgress(progress)),
                cancelled=lambda: worker.is_cancelled,
            )
            stopped = False
        finally:  # the header's progress ends whatever happened
            self.post_message(FeedsRefreshed(outcomes, stopped))

    def on_feeds_progress(self, message: FeedsProgress) -> None:
        progress = message.progress
        if not self.feed_activity:
            return  # finished already: a late report
        before = self.feed_activity
        self.feed_activity = f"refreshing feeds {progress.done}/{progress.total}"
        if progress.new:
            self.feed_activity += f" · {progress.new:,} new"
        if progress.new and before != self.feed_activity:
            self.action_refresh()  # the new articles in the list, the cursor where it was
        self._update_header()

    def on_feeds_refreshed(self, message: FeedsRefreshed) -> None:
        self.feed_activity = ""
        outcomes = message.outcomes
        if message.stopped:
            self._update_header()
            return
        if not outcomes:
            self._notice("No feeds yet: subscribe with reader feed add URL, then press R.")
            self._update_header()
            return
        new = sum(o.new for o in outcomes)
        failed = [o for o in outcomes if o.status in ("failed", "deferred")]
        text = f"{len(outcomes)} feed{'s' if len(outcomes) != 1 else ''} refreshed: {new:,} new"
        self.notify(text, timeout=4)
        if failed:
            lines = [f"{o.feed.name}: {o.error}" for o in failed[:5]]
            if len(failed) > 5:
                lines.append(f"and {len(failed) - 5} more (reader feed list shows them)")
            self.notify(
                "\n".join(lines),
                title=f"{len(failed)} feed{'s' if len(failed) != 1 else ''} not refreshed",
                severity="warning",
                timeout=10,
                markup=False,
            )
        self.action_refresh()
        self._update_header()

    # ---- o: open the link -----------------------------------------------------------

    def action_open_link(self) -> None:
        import subprocess  # lazily: start-up budget

        row = self._current()
        if row is None:
            return
        if not is_openable(row.link):
            self._notice("This article has no link to open.")
            return
        command, in_terminal = browser_command(row.link)
        if not command:
            self.notify(
                f"No browser found: set $BROWSER. The link: {row.link}",
                severity="warning",
                timeout=10,
                markup=False,
            )
            return
        try:
            if in_terminal:
                try:
                    with self.suspend():  # a terminal browser (lynx, w3m) gets the terminal
                        subprocess.run(command, check=False)
                    return
                except SuspendNotSupported:  # no terminal to hand over (tests, web)
                    pass
            subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as error:
            self.notify(
                f"Could not start {command[0]}: {error.strerror or error}",
                severity="error",
                markup=False,
            )

    # ---- f and F: one feed, or all ------------------------------------------------------

    async def action_pick_feed(self) -> None:
        from widgets.feed_picker import FeedPicker  # lazily: start-up budget

        self._feed_picker = FeedPicker(None)
        self._feeds_worker()
        await self.push_screen(self._feed_picker)

    @work(thread=True, exclusive=True, group="feed-list")
    def _feeds_worker(self) -> None:
        self.post_message(FeedsLoaded(self.thread_store().feeds()))

    def on_feeds_loaded(self, message: FeedsLoaded) -> None:
        if self._feed_picker is not None and self._feed_picker.is_attached:
            self._feed_picker.set_items(
                [TagCount(f.id, f.name, f.articles, f.unread) for f in message.feeds]
            )

    def on_feed_chosen(self, message: FeedChosen) -> None:
        wanted = self.session.wanted.for_feed(message.feed_id, message.name)
        self.load_view(wanted, keep_id=self.current_id)

    def action_all_feeds(self) -> None:
        if self.session.wanted.feed_id is not None:
            self.load_view(self.session.wanted.for_feed(None), keep_id=self.current_id)
