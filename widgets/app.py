"""The reading screen: bindings, drawing, and the workers around a reading session.

``make_app(db_path)`` is the one factory: the ``reader`` command and the tests both use it.
What a key does lives in ``reader.session.Session`` (no Textual there): an action calls one
session method; reads that can scan run in thread workers (each with its own connection)
and come back as messages (``widgets/messages.py``); marks go to the session's writer
thread, never waiting on this one. The UI thread keeps one connection for bounded index
lookups only (a page of rows by keyset, one article).
"""

from __future__ import annotations

import asyncio
import gc
import sqlite3
import threading
import time
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events, work
from textual.app import App, ComposeResult, SuspendNotSupported, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.css.query import NoMatches
from textual.notifications import Notification, Notify
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Static
from textual.worker import WorkerFailed, get_current_worker

from reader import config as config_file
from reader import datefmt
from reader import session as reading
from reader.config import DEFAULT_SIDEBAR, Config, ConfigError, SidebarWidth
from reader.filters import Filter
from reader.marks import is_busy
from reader.schema import DatabaseError, DatabaseGone
from reader.search import parse_query
from reader.session import Marks, Outcome, ReadOnly, Session, Window
from reader.store import Headline, Store
from widgets.article_view import ArticleView
from widgets.feeds import FEED_BINDINGS, FeedActions
from widgets.headline_list import HeadlineList
from widgets.key_bar import KeyBar
from widgets.messages import (
    ArticleEndReached,
    ArticleOpened,
    ChangedElsewhere,
    LastTagRemoved,
    MarkFailed,
    MarkSaved,
    QuoteOpened,
    SaveWaiting,
    SearchTyped,
    TagChosen,
    TagsLoaded,
    UnreadCounted,
    UnreadFound,
    ViewLoaded,
)
from widgets.view_title import ActiveTags, ViewTitle

if TYPE_CHECKING:
    from widgets.search_field import SearchField

NARROW_WIDTH = 100
WATCH_SECONDS = 2.0
NOTICE_SECONDS = 3.0
STICKY_SECONDS = 24 * 3600.0  # a notice that stays until dismissed
CONFIG_NOTICE_SECONDS = 20.0

WELCOME = """\
Welcome to reader.

There are no articles in this database yet. Import some from a shell:

    reader import PATH...          files, folders (*.txt, *.jsonl) or - for stdin
    reader --db {db} import PATH...

then press r here (or start reader again). Or subscribe to a feed:

    reader --db {db} feed add URL
    reader --db {db} feed import-opml FILE     OPML, or newsboat's urls file

then press R here to fetch them. Press q to quit.
"""


class ReaderApp(FeedActions, App[None]):
    """Headlines on the left, the article on the right, the store underneath."""

    CSS_PATH = "app.tcss"
    TITLE = "reader"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        # Marks are saved as they are made, so Ctrl-C can simply quit (a text field that
        # binds ctrl+c itself, to copy, keeps it).
        Binding("ctrl+c", "quit", "Quit", id="app.interrupt", show=False),
        Binding("question_mark", "help", "Help", id="app.help", key_display="?"),
        Binding("m", "toggle_read", "Read/unread", id="app.toggle-read"),
        Binding("s", "toggle_star", "Star", id="app.star"),
        Binding("n", "next_unread", "Next unread", id="app.next-unread"),
        Binding("N", "previous_unread", "Prev unread", id="app.previous-unread", show=False),
        Binding("u", "toggle_unread", "Unread only", id="app.unread-only"),
        Binding(
            "asterisk", "toggle_starred", "Starred only", id="app.starred-only", key_display="*"
        ),
        # A priority binding runs as the key arrives, so "/dock" typed in one burst
        # lands in the field: a normal one would run only after the list had seen
        # (and dropped) the letters that followed it.
        Binding("slash", "search", "Search", id="app.search", key_display="/", priority=True),
        Binding("ctrl+o", "toggle_order", "Relevance/newest", id="app.order"),
        Binding("t", "pick_tags", "Tags", id="app.tags"),
        Binding("T", "clear_tags", "Clear tags", id="app.clear-tags"),
        Binding("Q", "quotes", "Quotes", id="app.quotes"),
        Binding("A", "mark_all_read", "All read", id="app.all-read"),
        Binding("ctrl+z", "undo", "Undo", id="app.undo"),
        # ctrl+z when undo is disabled (and hidden): says why instead of doing nothing.
        Binding("ctrl+z", "nothing_to_undo", id="app.nothing-to-undo", show=False),
        Binding(
            "vertical_line", "pipe", "Pipe to a command", id="app.pipe", key_display="|", show=False
        ),
        Binding("r", "refresh", "Refresh", id="app.refresh", show=False),
        Binding(
            "left_square_bracket",
            "narrower",
            "Narrower list",
            id="app.narrower",
            key_display="[",
            show=False,
        ),
        Binding(
            "right_square_bracket",
            "wider",
            "Wider list",
            id="app.wider",
            key_display="]",
            show=False,
        ),
        Binding("escape", "back", "Back", id="app.back"),
        # Enter in the search field goes to the list at once, as a priority binding: keys
        # typed right after it ("/kreml", enter, "j") then reach the list, not the field.
        Binding("enter", "search_done", "To the list", id="app.search-done", priority=True),
        *FEED_BINDINGS,
    ]

    def __init__(
        self,
        db_path: str | Path,
        *,
        watch: bool = True,
        debug: bool = False,
        config: str | Path | None = None,
        config_required: bool = False,
    ) -> None:
        super().__init__()
        self._apply_config(Path(config) if config else None, config_required)
        self.db_path = Path(db_path)
        self.tracebacks = debug  # failures show Textual's traceback instead of one line
        self.store = Store(self.db_path, readonly=None)  # read-only when it cannot be written
        self._local = threading.local()
        self.session = Session(
            self.store,
            self._open_store,
            saved=lambda write, result: self.post_message(MarkSaved(write, result)),
            failed=lambda write, error: self.post_message(MarkFailed(write, error)),
            waiting=lambda waiting: self.post_message(SaveWaiting(waiting)),
            changed=lambda: self.post_message(ChangedElsewhere()),
        )
        self.current_id: int | None = None
        self.clock = time.monotonic  # the search field's, replaceable by tests
        self._picker = None  # the open tag picker, waiting for its tags
        self._quotes_place = None  # where the quotes screen was left (a QuotesPlace)
        self._pipe_command = ""  # the command | ran last, offered again
        self._last_notice: tuple[str, float] = ("", 0.0)
        self._undo_notice: Notification | None = None  # "... ctrl+z undoes it."
        self._watch = watch
        self._quit_asked = False  # q pressed while marks were queued: quit once saved
        self._dropping = False  # q twice, or a fatal stop: marks still queued are given up
        #: Marks given up at exit (q twice while another process held the database).
        self.dropped_marks = 0
        #: The one line to print when the app had to stop (the file replaced under it).
        self.fatal_message: str | None = None

    @property
    def view(self) -> Filter:
        """The view on screen."""
        return self.session.view

    @property
    def saved_marks(self) -> list[tuple[int, str, bool]]:
        """``(article_id, "read" | "starred", value)`` of every mark made here, in the order
        the database committed them (A and ctrl+z included)."""
        return self.session.saved_marks

    @property
    def pending_marks(self) -> int:
        """Marks made here and not yet written (or failed)."""
        return self.session.pending

    async def wait_for_marks(self, timeout: float = 10.0) -> None:
        """Until every mark made so far is written (or failed), and reported here."""
        deadline = time.monotonic() + timeout
        while self.session.pending and time.monotonic() < deadline:
            await asyncio.sleep(0.002)
        await asyncio.sleep(0)  # the writer's messages are queued: let them be handled

    # ---- stores and errors ---------------------------------------------------------------

    def thread_store(self) -> Store:
        """A connection for the calling worker thread (SQLite connections stay in their thread)."""
        store = getattr(self._local, "store", None)
        if store is None:
            store = self._local.store = self._open_store()
        return store

    def _open_store(self) -> Store:
        # The same file as the app's, or an error: a worker must never create a new
        # database where the old one was deleted, or read one put in its place.
        return Store(self.db_path, readonly=self.store.readonly, same_as=self.store)

    def fatal(self, message: str) -> None:
        """Stop: the database cannot be used any more. ``message`` is printed as one
        line and ``reader`` exits 1; no mark is written after this."""
        if self.fatal_message is None:
            self.fatal_message = message
            self._dropping = True  # marks still waiting for the lock are not waited for
            self._save_into_the_file_opened()
            self.exit(return_code=1)  # widgets.main prints the message

    def _save_into_the_file_opened(self) -> None:
        """Move what the WAL holds into the file this app opened, and empty the WAL.

        The WAL goes by the path's name: when the database was moved away, what was
        committed in it (marks, imports) would stay behind in a WAL that no longer pairs
        with the file; when another file was put at the path, whoever opened it next would
        read this database's pages into that one. A checkpoint writes only into the file
        opened (through its open descriptor, wherever it is now).
        """
        conn = self.store.conn
        with suppress(sqlite3.Error):
            # Not waiting for another process's lock (the screen would freeze): what can be
            # copied without it, then as much as a passive checkpoint can.
            conn.execute("PRAGMA busy_timeout = 0")
            busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            if busy:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def _handle_exception(self, error: Exception) -> None:
        # The one error path of the workers (and of the UI thread's own reads).
        if self.tracebacks:
            super()._handle_exception(error)  # the traceback, printed on exit
            return
        cause = error.error if isinstance(error, WorkerFailed) else error
        if is_busy(cause):
            # Another process held the database past the busy timeout: nothing is lost,
            # what was being read can be read again.
            self.notify(
                "Another process held the database for too long; r reads it again.",
                title="Not up to date",
                severity="warning",
                timeout=8,
            )
            return
        if isinstance(cause, DatabaseError | sqlite3.DatabaseError):
            # Gone, unreadable or damaged: one line and exit 1, not a traceback.
            hint = "" if isinstance(cause, DatabaseGone) else " (reader doctor checks the file)"
            self.fatal(" ".join(str(cause).split()) + hint)
            return
        # A bug: one line, as the command line says it, and exit 1.
        self.fatal(
            f"unexpected error: {type(cause).__name__}: {' '.join(str(cause).split())}"
            " (reader --debug shows the traceback)"
        )

    # ---- layout ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield ViewTitle(id="view-title")
        with Horizontal(id="main"):
            with Vertical(id="sidebar"):
                # The search field is mounted by the first `/`: an Input and its styles cost
                # first paint about 7 ms.
                yield ActiveTags(id="active-tags")
                yield HeadlineList(
                    self.store, self.thread_store, overlay=self.session.overlay, id="headlines"
                )
            yield ArticleView(id="article")
        yield Static(Content(WELCOME.format(db=self.db_path)), id="welcome")
        yield KeyBar()

    @property
    def headlines(self) -> HeadlineList:
        return self.query_one("#headlines", HeadlineList)

    @property
    def article_view(self) -> ArticleView:
        return self.query_one("#article", ArticleView)

    def on_mount(self) -> None:
        self._apply_size(self.size.width)
        if self.config_problem:
            self.notify(
                self.config_problem,
                title="Config file not used: defaults",
                severity="error",
                timeout=CONFIG_NOTICE_SECONDS,
                markup=False,
            )
        if self.config_warning:
            self.notify(
                self.config_warning,
                title="Config file",
                severity="warning",
                timeout=CONFIG_NOTICE_SECONDS,
                markup=False,
            )
        # The first view is answered by the counters and one index range: no worker needed.
        self._show_view(reading.window(self.store, self.session.view))
        _focus_now(self.headlines)
        # The article pane follows the list from now on; its first article comes after the
        # first frame, which is the list's (drawing an article too took it 5 ms longer).
        self.watch(self.headlines, "highlighted_id", self._follow_list, init=False)
        self.call_after_refresh(self._follow_list_now)
        self.call_after_refresh(_collect_garbage_again)
        if self._watch:
            self.set_interval(WATCH_SECONDS, self._check_for_changes)

    def on_unmount(self) -> None:
        # Marks still queued are written before the app lets go (in milliseconds, unless
        # another process holds the lock and q was pressed twice: then they are given up,
        # and widgets.main says how many).
        left = self.session.pending
        if not self.session.close(timeout=0.5 if self._dropping else 10.0):
            self.dropped_marks = left
        self.store.close()
        datefmt.set_list_format(None)  # the process's default again (tests run many apps)
        # Workers' connections are not closed from here: a worker may still be inside
        # SQLite on its own thread, and closing a connection under it crashed the process
        # (a segfault, seen once in CI). They close with their threads; everything they
        # wrote is already committed.

    def on_resize(self, event: events.Resize) -> None:
        # The event's size: the app's own is not updated yet when this runs.
        self._apply_size(event.size.width)

    def _apply_size(self, width: int) -> None:
        # The reading screen, also when a picker or the help is on top of it.
        self.screen_stack[0].set_class(width < NARROW_WIDTH, "-narrow")
        self._screen_width = width
        self._apply_sidebar_width()

    # ---- the config file -----------------------------------------------------------------

    def _apply_config(self, path: Path | None, required: bool) -> None:
        """Read the config file (``None``: none, the tests' default) and apply it; a bad
        one is not applied at all, and its one line waits for ``on_mount`` to show."""
        #: The one line saying what is wrong with the config file, or ``None``.
        self.config_problem: str | None = None
        try:
            config = config_file.load(path, must_exist=required)
            config_file.check_names(
                config, binding_ids=binding_ids(config.keys), themes=self.available_themes
            )
        except ConfigError as error:
            self.config_problem = str(error)
            config = Config(path=path)
        self.config = config
        # A theme picked in the palette and a width set with [ ], while the file still says
        # what it said then (config_file.remembered).
        chosen = config_file.remembered(config)
        theme = chosen.get("theme")
        if theme not in self.available_themes:
            theme = config.theme
        if theme:
            self.theme = theme
        self._remember_theme = path is not None  # from now on, a theme change is the user's
        self.sidebar_width: SidebarWidth | None = config.sidebar_width
        with suppress(TypeError, ValueError):
            if "sidebar_width" in chosen:
                self.sidebar_width = SidebarWidth.parse(chosen["sidebar_width"])
        self._screen_width = 0
        datefmt.set_list_format(config.date_format)
        #: A key the config moved onto another binding's, which lost it (one line, shown).
        self.config_warning: str | None = None
        if config.keys:
            self.set_keymap(_with_partners(config.keys))
            self.config_warning = _taken_keys(config)

    def watch_theme(self, theme: str) -> None:
        if getattr(self, "_remember_theme", False):
            self._remember("theme", theme)

    def _remember(self, name: str, value: str) -> None:
        try:
            config_file.remember(self.config, name, value)
        except OSError as error:
            where = config_file.state_path(self.config.path) if self.config.path else "?"
            self._notice(f"Not remembered for the next start: {where}: {error.strerror}")

    def _apply_sidebar_width(self) -> None:
        """The list's width from the config or ``[``/``]``, kept off the narrow layout
        (one pane at a time: the stylesheet's rules) and leaving the article 30 columns."""
        with suppress(NoMatches):
            styles = self.query_one("#sidebar").styles
            if self.sidebar_width is None or self.screen_stack[0].has_class("-narrow"):
                styles.width = styles.min_width = styles.max_width = None  # app.tcss's
                return
            low = config_file.COLUMNS[0]
            styles.width = self.sidebar_width.css()
            styles.min_width = low
            styles.max_width = max(low, self._screen_width - 30)

    def action_narrower(self) -> None:
        self._step_sidebar(-1)

    def action_wider(self) -> None:
        self._step_sidebar(+1)

    def _step_sidebar(self, direction: int) -> None:
        current = self.sidebar_width or DEFAULT_SIDEBAR
        wanted = current.step(direction)
        if wanted == current:
            self._notice("The list is as narrow as it goes." if direction < 0 else
                         "The list is as wide as it goes.")  # fmt: skip
            return
        self.sidebar_width = wanted
        self._apply_sidebar_width()
        if self.config.path is not None:
            self._remember("sidebar_width", wanted.css())

    def get_key_display(self, binding: Binding) -> str:
        # The help and the palette list the bindings as declared: a key moved by the config
        # shows as its new key there too.
        keys = self._keymap.get(binding.id) if binding.id else None
        if keys and binding.key not in keys.split(","):
            return "/".join(
                super(ReaderApp, self).get_key_display(binding.with_key(key, key_display=None))
                for key in keys.split(",")
            )
        return super().get_key_display(binding)

    def _update_header(self) -> None:
        session = self.session
        self.query_one(ViewTitle).show(
            session.view,
            self.headlines.total,
            session.unread,
            readonly=session.readonly,
            waiting=session.pending if session.save_waiting else 0,
            activity=self.feed_activity,
        )
        self.query_one(ActiveTags).show(session.view.tags)
        self.refresh_bindings()

    # ---- views -------------------------------------------------------------------------

    def load_view(self, view: Filter, *, keep_id: int | None = None, nearest: bool = False) -> None:
        """Show ``view``, keeping the cursor on ``keep_id`` when it is still in it (else,
        with ``nearest``, on the row after where it would be: ``reading.window``)."""
        session = self.session
        session.ask(view)
        row = self.headlines.current
        self._load_view_worker(
            view,
            keep_id,
            self.headlines.cursor,
            row.id if row else None,
            session.pending_reads(),
            session.marks_made,
            nearest,
        )

    @work(thread=True, exclusive=True, group="view")
    def _load_view_worker(
        self,
        view: Filter,
        keep_id: int | None,
        fallback: int,
        asked_at: int | None,
        pending: dict[int, bool],
        marks_made: int,
        nearest: bool = False,
    ) -> None:
        loaded = reading.window(
            self.thread_store(), view, keep_id, fallback, pending, nearest=nearest
        )
        if not get_current_worker().is_cancelled:
            self.post_message(ViewLoaded(loaded, asked_at, marks_made))

    def on_view_loaded(self, message: ViewLoaded) -> None:
        # A worker that finishes as the app closes finds no screen to fill.
        with suppress(NoMatches):
            row = self.headlines.current if self.headlines.total else None
            accepted = self.session.accept(
                message.window, message.asked_at, row and row.id, message.marks_made
            )
            if isinstance(accepted, Window):
                self._show_view(accepted)
            elif accepted is not None:  # keys moved the cursor off the window read
                self.load_view(message.window.view, keep_id=accepted)

    def _show_view(self, shown: Window) -> None:
        self.session.shown(shown)
        self.article_view.highlight(self._highlight_words())
        empty = shown.total_articles == 0
        self.query_one("#welcome").display = empty
        self.query_one("#main").display = not empty
        self.headlines.show(shown)
        self._update_header()
        if shown.unread is None:
            self._count_unread(shown.view)

    def _count_unread(self, view: Filter) -> None:
        session = self.session
        self._unread_worker(view, session.pending_reads(), session.marks_made)

    @work(thread=True, exclusive=True, group="unread")
    def _unread_worker(self, view: Filter, pending: dict[int, bool], marks_made: int) -> None:
        unread = reading.count_unread(self.thread_store(), view, pending)
        if not get_current_worker().is_cancelled:
            self.post_message(UnreadCounted(view, unread, marks_made))

    def on_unread_counted(self, message: UnreadCounted) -> None:
        if not self.session.unread_counted(message.view, message.unread, message.marks_made):
            # A mark was made while this was counted: it may or may not be in the count.
            self._count_unread(self.session.view)
            return
        with suppress(NoMatches):  # the app may be closing
            self._update_header()

    def _check_for_changes(self) -> None:
        try:
            self.store.check_file()
        except DatabaseError as error:
            self.fatal(str(error))
            return
        # The writer's connection tells another process's commits from the app's own
        # marks, which need no reload.
        self.session.writer.look_for_changes()

    def on_changed_elsewhere(self, message: ChangedElsewhere) -> None:
        self.action_refresh()

    # ---- reading -----------------------------------------------------------------------

    def _follow_list(self, article_id: int | None) -> None:
        # The watcher of the list's highlighted_id: called within the key's handling, so
        # the article is drawn in the same frame as the cursor. It is read when drawn:
        # of keys that come faster than frames, only the last one's article is read.
        if article_id == self.current_id:
            return
        self.current_id = article_id
        if article_id is None:
            self.article_view.show(None)
        elif self.article_view.article_id != article_id:
            self.article_view.follow(article_id, partial(self._article, article_id))

    def _follow_list_now(self) -> None:
        # The list's article then, not at the call: a key may have moved it meanwhile.
        self._follow_list(self.headlines.highlighted_id)

    def _show_current_article(self) -> None:
        if self.article_view.article_id != self.current_id:
            self.article_view.show(self._article(self.current_id))

    def _article(self, article_id: int | None):
        """An article as shown: as stored, with the marks not yet saved."""
        return self.session.with_marks(self.store.article(article_id)) if article_id else None

    def on_article_opened(self, message: ArticleOpened) -> None:
        self.current_id = message.article_id
        self._show_current_article()
        self._open(message.article_id)
        self.screen.add_class("-reading")
        _focus_now(self.article_view)

    def on_article_end_reached(self, message: ArticleEndReached) -> None:
        self._go_to_unread(forward=True, open_it=True)

    def action_back(self) -> None:
        if self.screen.has_class("-reading"):
            self.screen.remove_class("-reading")
            _focus_now(self.headlines)
        elif self.article_view.has_focus:
            _focus_now(self.headlines)
        elif self.session.searching:
            self._end_search()

    @property
    def reading(self) -> bool:
        """An article is being read: the article pane has the focus, or is the one pane
        shown (narrow). Then ``n``/``N`` open what they move to."""
        screen = self.screen_stack[0]
        narrow_reading = screen.has_class("-narrow") and screen.has_class("-reading")
        return self.article_view.has_focus or narrow_reading

    def action_next_unread(self) -> None:
        self._go_to_unread(forward=True, open_it=self.reading)

    def action_previous_unread(self) -> None:
        self._go_to_unread(forward=False, open_it=self.reading)

    def _go_to_unread(self, *, forward: bool, open_it: bool = False) -> None:
        headlines = self.headlines
        current = headlines.current
        if current is None:
            return
        cursor = headlines.cursor
        held = headlines.rows_after(cursor) if forward else headlines.rows_before(cursor)
        step = self.session.step_to_unread(current, held, forward=forward)
        if step.index is not None:
            headlines.move_to(step.index)
            if open_it:
                self.post_message(ArticleOpened(dict(held)[step.index].id))
        elif step.nowhere:
            self._notice(step.nowhere)
        else:  # past the rows held: an index lookup, in a worker
            self._find_unread_worker(self.session.view, step.look_after, forward, open_it)

    @work(thread=True, exclusive=True, group="next-unread")
    def _find_unread_worker(
        self, view: Filter, key: tuple[str, int], forward: bool, open_it: bool
    ) -> None:
        found = reading.find_unread(self.thread_store(), view, key, forward)
        if not get_current_worker().is_cancelled:
            self.post_message(UnreadFound(view, found, forward, open_it))

    def on_unread_found(self, message: UnreadFound) -> None:
        if message.view != self.session.view:
            return  # another view by now
        if message.found is None:
            self._notice(Session.no_unread(message.forward))
            return
        self.load_view(self.session.wanted, keep_id=message.found.id)
        if message.open_it:
            self.post_message(ArticleOpened(message.found.id))

    def _notice(self, text: str) -> None:
        """A short notification, not repeated while the same one is still on screen
        (space held at the end of the last article would stack them)."""
        now = time.monotonic()
        if self._last_notice[0] == text and now - self._last_notice[1] < NOTICE_SECONDS:
            return
        self._last_notice = (text, now)
        self.notify(text, timeout=NOTICE_SECONDS)

    # ---- marks -------------------------------------------------------------------------
    #
    # A mark is shown at once and queued to the session's writer thread, which saves the
    # marks in order; the UI never waits for the database's write lock. What the writer
    # reports comes back as MarkSaved and MarkFailed, which the session turns into what
    # to show.

    def _current(self) -> Headline | None:
        """The article a key acts on: the one being read, or the one under the list's
        cursor (which may have moved a moment ago, with its highlight still on its way:
        "jm" typed fast marks the row j moved to)."""
        if not self.article_view.has_focus:
            row = self.headlines.current
            if row is not None:
                return row
        return self.session.headline(self.current_id) if self.current_id else None

    def _marking(self, change, *args, **kwargs) -> None:
        """Run a session mark and show what it changes; read-only says so."""
        try:
            shown = change(*args, **kwargs)
        except ReadOnly as error:
            self.notify(str(error), title="Not saved", severity="error", markup=False)
            return
        if shown:
            self._show_marks(shown)
        self._update_header()

    def _show_marks(self, marks: Marks) -> None:
        self.headlines.update_rows(marks)
        if self.current_id in marks:
            self.article_view.set_marks(**marks[self.current_id])

    def _counted(self, article_id: int) -> bool | None:
        """Is the article in the view (its unread count follows a mark)? ``None``: the list
        does not hold its row, so nobody knows without a query."""
        return True if self.headlines.index_of(article_id) is not None else None

    def _open(self, article_id: int) -> None:
        """Opening an article marks it read."""
        row = self.session.headline(article_id)
        if row is not None:
            self._marking(self.session.mark, row, "read", True, counted=self._counted(article_id))

    def action_toggle_read(self) -> None:
        row = self._current()
        if row is not None:
            self._marking(self.session.toggle_read, row, counted=self._counted(row.id))

    def action_toggle_star(self) -> None:
        row = self._current()
        if row is not None:
            self._marking(self.session.toggle_star, row)

    def action_mark_all_read(self) -> None:
        # The view last asked for: "TA" typed fast marks the view T asked for. Queued
        # behind the marks made before it, so ctrl+z after it undoes it, not them.
        self._marking(self.session.mark_all_read)

    def action_undo(self) -> None:
        if self.session.can_undo:
            # "Marked N read. ctrl+z undoes it." no longer holds; a "Not saved" notice does.
            # (Textual has no public way to withdraw one notification.)
            if self._undo_notice is not None and self._undo_notice in self._notifications:
                self._unnotify(self._undo_notice)
            self._undo_notice = None
            self._marking(self.session.undo, lambda i: self.headlines.index_of(i) is not None)

    def action_nothing_to_undo(self) -> None:
        self._notice(self.session.why_no_undo())

    def on_mark_saved(self, message: MarkSaved) -> None:
        self._after_write(self.session.saved(message.write, message.result))

    def on_mark_failed(self, message: MarkFailed) -> None:
        self._after_write(self.session.failed(message.write, message.error))

    def _after_write(self, outcome: Outcome) -> None:
        if outcome.fatal:
            self.fatal(outcome.fatal)
            return
        if outcome.show:
            self._show_marks(outcome.show)
        if outcome.reload:
            # The view and its counts, and the article pane's marks, read again.
            self.action_refresh()
        elif outcome.recount:
            self._count_unread(self.session.view)
        if outcome.notice:
            notice = Notification(
                outcome.notice,
                outcome.title or "",
                outcome.severity,
                STICKY_SECONDS if outcome.sticky else 8 if outcome.title else 3,
                markup=False,
            )
            if outcome.undoable:
                self._undo_notice = notice
            self.post_message(Notify(notice))
        if self._quit_asked and not self.session.pending:
            self.exit()  # q was pressed while marks were queued: they are saved now
            return
        self._update_header()

    def on_save_waiting(self, message: SaveWaiting) -> None:
        self.session.save_waiting = message.waiting
        if message.waiting and self._quit_asked:
            self._say_quit_waits()
        self._update_header()

    async def action_quit(self) -> None:
        """Quit once every mark is saved (at once, unless marks are still queued); while
        they wait for another process's lock, say so (q again quits without them)."""
        if not self.session.pending or self._quit_asked:
            self._dropping = self._quit_asked
            self.exit()
            return
        self._quit_asked = True  # _after_write quits when the last one is saved
        if self.session.save_waiting:
            self._say_quit_waits()

    def _say_quit_waits(self) -> None:
        pending = self.session.pending
        self.notify(
            f"{pending} mark{'s' if pending != 1 else ''} not saved yet: another"
            " process is writing to the database. The reader quits once they are"
            " saved; q again quits without them.",
            severity="warning",
            timeout=STICKY_SECONDS,
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Keys that cannot do anything now are hidden from the footer, not greyed.
        if action in _NEED_ARTICLES and self.session.total_articles == 0:
            return False  # an empty archive: the welcome screen, nothing to act on
        if action == "undo":
            return self.session.can_undo
        if action == "nothing_to_undo":
            return not self.session.can_undo
        if action == "clear_tags":
            return bool(self.view.tags)
        if action == "all_feeds":
            return self.view.feed_id is not None
        if action == "toggle_order":
            return bool(self.view.query)
        if action == "search":  # "/" stays a character in any text field
            return self.screen is self.screen_stack[0] and not isinstance(self.focused, Input)
        if action == "search_done":
            return self.focused is not None and self.focused.id == "search"
        if action in ("narrower", "wider"):  # one pane at a time: no width to change
            return not self.screen_stack[0].has_class("-narrow")
        if action == "back":
            return (
                self.screen.has_class("-reading")
                or self.article_view.has_focus
                or self.session.searching
            )
        return True

    # ---- search ------------------------------------------------------------------------

    @property
    def search_input(self) -> SearchField:
        from widgets.search_field import SearchField

        return self.query_one("#search", SearchField)

    async def action_search(self) -> None:
        """Open (or return to) the search field above the list."""
        if not self.query("#search"):
            # Imported here: the field is not on the first screen (start-up budget).
            from widgets.search_field import SearchField

            # Keys typed right after `/` wait in the app's queue while this awaits, so they
            # land in the field once it is focused.
            await self.query_one("#sidebar").mount(SearchField(id="search"), before="#active-tags")
        if self.session.begin_search(self.current_id):
            self.search_input.value = ""
        # Narrow and reading: back to the list, where the field is.
        self.screen.remove_class("-reading")
        self.search_input.display = True
        _focus_now(self.search_input)

    def on_search_typed(self, message: SearchTyped) -> None:
        if not self.session.searching:
            # Closed already: "/dock" and escape in one burst close the search before the
            # field's last changes arrive, and those must not start it again.
            return
        # Against the view last asked for, not the one shown: "kr" still loading, then a
        # backspace back to the shown "k", must load "k" again or "kr" would land.
        view = self.session.search_for(message.text)
        if view is not None:
            self.load_view(view, keep_id=self.current_id)

    def action_search_done(self) -> None:
        """Enter in the search field: search now if typing had not paused, to the list."""
        if self.search_input.waiting:
            self.search_input.search_now()
        _focus_now(self.headlines)

    def _end_search(self) -> None:
        """Close the search and go back to the view and article from before it."""
        view, article_id = self.session.end_search(self.current_id)
        self.search_input.stop()
        self.search_input.display = False
        _focus_now(self.headlines)
        self.load_view(view, keep_id=article_id)

    def action_toggle_order(self) -> None:
        wanted = self.session.wanted
        if wanted.query:
            self.load_view(replace(wanted, relevance=not wanted.relevance))

    def _highlight_words(self) -> tuple[tuple[str, bool], ...]:
        return parse_query(self.view.query).highlight_words() if self.view.query else ()

    # ---- filters -----------------------------------------------------------------------

    def action_toggle_unread(self) -> None:
        wanted = self.session.wanted.toggled_unread()
        self.load_view(wanted, keep_id=self.current_id, nearest=True)

    def action_toggle_starred(self) -> None:
        wanted = self.session.wanted
        wanted = replace(wanted, starred_only=not wanted.starred_only)
        self.load_view(wanted, keep_id=self.current_id, nearest=True)

    def action_clear_tags(self) -> None:
        if self.session.wanted.tags:
            self.load_view(self.session.wanted.without_tags(), keep_id=self.current_id)

    def action_refresh(self) -> None:
        # The view last asked for: a search or a filter still loading is not dropped.
        self.load_view(self.session.wanted, keep_id=self.current_id)
        # And the article: another process may have updated it (show() keeps the place
        # when only its marks changed).
        if self.current_id and self.article_view.article_id == self.current_id:
            self.article_view.show(self._article(self.current_id))

    async def action_pick_tags(self) -> None:
        from widgets.tag_picker import TagPicker

        # Open at once; the tags follow from a worker. (Not a priority binding, which would
        # let t overtake the keys typed before it: letters typed in the same burst as t
        # may reach the list before the picker is up.)
        # The counts are the view's (what adding the tag would show): the picker counts the
        # rows it draws in its own workers, through a connection of theirs.
        self._picker = TagPicker(
            None, chosen=self.session.wanted.tags, view=self.session.wanted, store=self.thread_store
        )
        self._tags_worker()
        await self.push_screen(self._picker)

    @work(thread=True, exclusive=True, group="tags")
    def _tags_worker(self) -> None:
        self.post_message(TagsLoaded(self.thread_store().tags()))

    def on_tags_loaded(self, message: TagsLoaded) -> None:
        if self._picker is not None and self._picker.is_attached:
            self._picker.set_items(message.tags)

    def on_tag_chosen(self, message: TagChosen) -> None:
        # On the view last asked for: two tags chosen in one burst are both kept.
        self.load_view(self.session.wanted.with_tag(message.name), keep_id=self.current_id)

    def on_last_tag_removed(self, message: LastTagRemoved) -> None:
        if self.session.wanted.tags:
            self.load_view(self.session.wanted.without_last_tag(), keep_id=self.current_id)

    # ---- quotes --------------------------------------------------------------------------

    async def action_quotes(self) -> None:
        from widgets.quotes_view import QuotesScreen  # lazily: start-up budget

        # The view last asked for ("uQ" typed fast), and awaited like the tag picker; back
        # at the speaker and quote where that view's quotes were left.
        wanted, place = self.session.wanted, self._quotes_place
        screen = QuotesScreen(self.store, self.thread_store, wanted, place)
        await self.push_screen(screen, self._left_quotes)

    def _left_quotes(self, place) -> None:
        self._quotes_place = place

    def on_quote_opened(self, message: QuoteOpened) -> None:
        """From the quotes screen: open the quote's article, scrolled to the quote."""
        article_id = message.article_id
        self.current_id = article_id
        self._show_current_article()
        self._open(article_id)  # first: re-showing the article drops a pending scroll
        # After the refresh: while the quotes screen was up, the pane had no size to scroll in.
        self.call_after_refresh(self.article_view.scroll_to_quote, message.seq)
        self.screen.add_class("-reading")
        _focus_now(self.article_view)
        # The list follows when it holds the article. It is not reloaded around it: the
        # article may not be in the view (just marked read in Unread, or past a relevance
        # order's rows), and the row the list fell back to would replace it in the pane.
        index = self.headlines.index_of(article_id)
        if index is not None:
            self.headlines.move_to(index)

    # ---- pipe --------------------------------------------------------------------------

    async def action_pipe(self) -> None:
        """``|``: ask for a command, then give it the article as text (``reader show``'s)."""
        row = self._current()
        if row is not None:
            prompt = PipePrompt(row.headline, self._pipe_command)
            await self.push_screen(prompt, partial(self._pipe, row.id))

    def _pipe(self, article_id: int, command: str | None) -> None:
        if not command or not command.strip():
            return  # escape, or nothing typed
        self._pipe_command = command
        stored = self._article(article_id)
        if stored is None:
            return  # gone meanwhile (another process removed its feed)
        from reader.cli import format_article  # lazily: the CLI module is not start-up's

        text = format_article(stored) + "\n"
        try:
            # The command gets the terminal (less pages on it); back after it exits.
            with self.suspend():
                error = reading.pipe(command, text, attached=True)
        except SuspendNotSupported:  # no terminal to give (the tests' headless driver)
            error = reading.pipe(command, text, attached=False)
        if error:
            self.notify(error, title="Pipe", severity="error", timeout=8, markup=False)

    # ---- help and palette ----------------------------------------------------------------

    def action_help(self) -> None:
        from widgets.help_screen import HelpScreen, reader_help

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(reader_help(self.BINDINGS))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title != "Keys":  # Textual's key panel: ? (Help) lists every key
                yield command
        if screen is not self.screen_stack[0]:
            return  # the reader's actions act on the reading screen, not over another one
        # Each action once, by its first key: quit is Textual's own, back and search_done
        # act on where the focus is (the palette's field, by then).
        offered = {"quit", "back", "search_done"}
        for binding in self.BINDINGS:
            if binding.action in offered or not binding.description:
                continue
            offered.add(binding.action)
            key = self.get_key_display(binding)
            yield SystemCommand(
                binding.description,
                f"{binding.description} ({key})",
                partial(self.run_action, binding.action),
            )


# Actions hidden (and inert) while the archive is empty.
_NEED_ARTICLES = {
    "toggle_read",
    "toggle_star",
    "next_unread",
    "previous_unread",
    "toggle_unread",
    "toggle_starred",
    "search",
    "pick_tags",
    "clear_tags",
    "quotes",
    "mark_all_read",
    "open_link",
    "pick_feed",
    "pipe",
}


class PipePrompt(ModalScreen[str | None]):
    """``|``: one line for the command the article is piped to; ``enter`` runs it,
    ``escape`` does not."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="pipe.cancel")]

    def __init__(self, headline: str, command: str = "") -> None:
        super().__init__()
        self.headline = headline
        self.command = command

    def compose(self) -> ComposeResult:
        from widgets.clean_input import CleanInput

        with Vertical(id="pipe-prompt") as box:
            box.border_title = Content("Pipe the article to a command")
            yield Static(Content(" ".join(self.headline.split())), id="pipe-headline")
            yield CleanInput(
                self.command, placeholder="for example: less, wl-copy, mail -s news me@…",
                id="pipe-command", select_on_focus=True,
            )  # fmt: skip
        yield KeyBar()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _focus_now(widget) -> None:
    """Focus at once: ``Widget.focus()`` waits a turn, and keys typed in that turn
    (``/dock`` sent in one burst) would still go to the widget focused before."""
    widget.screen.set_focus(widget)


def _collect_garbage_again() -> None:
    """After the first frame: freeze start-up objects, then let the collector run again.

    ``widgets.main`` turns the collector off while the app starts; an app made
    elsewhere (the tests) finds it on and this changes nothing.
    """
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def binding_ids(wanted: Iterable[str] = ()) -> set[str]:
    """The ids of every binding the reader declares (``app.toggle-read``...). The screens
    opened later are imported lazily (start-up budget): only when ``wanted`` names an id
    not known yet are they imported to look there."""
    known = _declared_ids()
    if set(wanted) - known:
        import importlib
        import pkgutil

        import widgets

        for module in pkgutil.iter_modules(widgets.__path__):
            if module.name != "main":
                importlib.import_module(f"widgets.{module.name}")
        known = _declared_ids()
    return known


def _widget_classes() -> Iterable[type]:
    """Every class of ``widgets`` imported so far that can hold bindings."""
    from textual.dom import DOMNode

    seen, stack = set(), [DOMNode]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                stack.append(sub)
                if sub.__module__.startswith("widgets."):
                    yield sub


def _declared_ids() -> set[str]:
    return {
        binding.id
        for cls in _widget_classes()
        for binding in cls.__dict__.get("BINDINGS", ())
        if isinstance(binding, Binding) and binding.id
    }


def _with_partners(keys: dict[str, str]) -> dict[str, str]:
    """``keys`` with the bindings that share a moved binding's key moved with it.

    Textual's keymap drops every binding of a key when it moves one of them: ``ctrl+z``
    holds undo and, hidden, "nothing to undo"; moving only undo would leave the other on no
    key at all. A partner the config moves itself keeps its own keys.
    """
    moved = dict(keys)
    for cls in _widget_classes():
        by_key: dict[str, list[str]] = {}
        for binding in cls.__dict__.get("BINDINGS", ()):
            if isinstance(binding, Binding) and binding.id:
                by_key.setdefault(binding.key, []).append(binding.id)
        for ids in by_key.values():
            given = [i for i in ids if i in keys]
            for binding_id in ids if given else ():
                moved.setdefault(binding_id, keys[given[0]])
    return moved


def _taken_keys(config: Config) -> str | None:
    """The first key ``[keys]`` gives to a binding that another binding of the same place
    still has (Textual then drops that one's key without a word), as one line."""
    keys = config.keys
    for cls in _widget_classes():
        declared = [b for b in cls.__dict__.get("BINDINGS", ()) if isinstance(b, Binding)]
        for binding in declared:
            for key in keys.get(binding.id, "").split(",") if binding.id else ():
                for other in declared:
                    loses = other.id not in keys and other.id != binding.id
                    if loses and other.key == key and other.action != binding.action:
                        return str(
                            config.error(
                                f"{key} was the key of {other.id}, which has none now"
                                " (give it another in [keys])",
                                "keys",
                                binding.id,
                            )
                        )
    return None


def make_app(
    db_path: str | Path,
    *,
    watch: bool = True,
    debug: bool = False,
    config: str | Path | None = None,
    config_required: bool = False,
) -> ReaderApp:
    """The reader app on ``db_path``: what the ``reader`` command runs and the tests drive.

    ``config`` is the config file to read (``None``: none at all, so a test never reads
    the user's); ``config_required``: it was named (``--config``), so its absence is told.
    """
    return ReaderApp(
        db_path, watch=watch, debug=debug, config=config, config_required=config_required
    )
