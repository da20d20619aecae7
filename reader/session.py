"""A reading session without a screen: what the reading screen shows and does, minus drawing.

One ``Session`` per open database. It owns the view (filter, search, order) and its counts,
the marks made in it with their undo stack, the way to the next unread article, and the
rule for reading the view again when another process writes. The Textual app
(``widgets/app.py``) is bindings and drawing around it: a key calls one session method;
reads that can scan are the session's functions that take a ``Store``, and the app runs
them in workers with the worker's own connection; writes go to the session's
``MarkWriter`` (``reader.marks``), whose reports the app hands back to ``saved`` and
``failed``. The session's own state is changed from one thread only (the app's).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, Literal

from reader.filters import Filter
from reader.marks import MarkWriter, Write
from reader.schema import DatabaseError, DatabaseGone
from reader.store import Headline, Store, StoredArticle

PAGE = 200  # rows read around the cursor when a view is shown, and per page of a list
UNDO_DEPTH = 20

#: ``{article_id: {"read": True}}``: marks to show on rows and in the article pane.
Marks = dict[int, dict[str, bool]]


@dataclass(frozen=True, slots=True)
class Window:
    """A view as the list shows it: its size, a window of rows, the cursor and the counts."""

    view: Filter
    total: int
    start: int  # the position of rows[0] in the view
    rows: list[Headline]
    cursor: int
    unread: int | None = 0  # None: not counted yet (count_unread, in a second worker)
    total_articles: int = 0  # in the whole archive (0: the welcome screen)


def window(
    store: Store,
    view: Filter,
    keep_id: int | None = None,
    fallback: int = 0,
    pending: dict[int, bool] | None = None,
    *,
    nearest: bool = False,
) -> Window:
    """Count ``view`` and read a window of rows around ``keep_id`` (else position ``fallback``).

    ``nearest``: when ``keep_id`` is not in ``view``, the cursor goes to the row that
    would come right after it (else the last row), not to position ``fallback``: what
    ``u`` wants, so that hiding read articles does not throw the reader elsewhere.
    ``pending``: read marks shown and not yet saved (``Session.pending_reads``), counted as
    if they were. A read that can scan (a count of a multi-tag search): run it in a worker.
    """
    with store.snapshot():  # the counts and the marks compared with them from one state
        return _window(store, view, keep_id, fallback, pending, nearest)


def _window(
    store: Store,
    view: Filter,
    keep_id: int | None,
    fallback: int,
    pending: dict[int, bool] | None,
    nearest: bool = False,
) -> Window:
    total = store.count(view)
    if view.unread_only:
        unread: int | None = total
    else:
        unread = store.cheap_count(replace(view, unread_only=True))  # None: it would scan
    if unread is not None and pending:
        unread += _unsaved_unread(store, view, pending)
    total_articles = store.count(Filter()) if view != Filter() else total
    if total == 0:
        return Window(view, 0, 0, [], 0, unread, total_articles)
    keep = store.headline(keep_id) if keep_id is not None else None
    ranked = bool(view.query) and view.relevance  # no keyset: start at the best match
    if ranked:
        fallback = 0
    elif keep is not None and store.contains(view, keep.id):
        index = store.position(view, keep.key)
        before = store.page(view, before=keep.key, limit=PAGE // 2)
        after = store.page(view, after=keep.key, limit=PAGE // 2)
        rows = [*before, keep, *after]
        return Window(view, total, index - len(before), rows, index, unread, total_articles)
    elif keep is not None and nearest:
        # Not in the view: the rows on either side of where it would be, by keyset, and
        # the cursor on the first one after it (the last row when none comes after).
        position = store.position(view, keep.key)  # rows before where it would be
        before = store.page(view, before=keep.key, limit=PAGE // 2)
        after = store.page(view, after=keep.key, limit=PAGE // 2)
        start, index = position - len(before), min(position, total - 1)
        return Window(view, total, start, [*before, *after], index, unread, total_articles)
    index = min(max(fallback, 0), total - 1)
    start = max(0, index - PAGE // 2)
    rows = store.page_at(view, start, PAGE)
    return Window(view, total, start, rows, index, unread, total_articles)


def count_unread(store: Store, view: Filter, pending: dict[int, bool] | None = None) -> int:
    """The unread articles of ``view`` (a read that can scan: in a worker), with the read
    marks ``pending`` counted as if saved."""
    with store.snapshot():
        unread = store.count(replace(view, unread_only=True))
        return unread + _unsaved_unread(store, view, pending) if pending else unread


def _unsaved_unread(store: Store, view: Filter, pending: dict[int, bool]) -> int:
    """How the unread count of ``view`` changes once ``pending`` read marks are saved."""
    change = 0
    for article_id, read in pending.items():
        row = store.headline(article_id)
        if row is not None and row.read != read and store.contains(view, article_id):
            change += -1 if read else 1
    return change


def find_unread(store: Store, view: Filter, key: tuple[str, int], forward: bool) -> Headline | None:
    """The next (or previous) unread article of ``view`` after the row ``key`` (in a worker)."""
    unread = replace(view, unread_only=True)
    if forward:
        found = store.page(unread, after=key, limit=1)
    else:
        found = store.page(unread, before=key, limit=1)
    return found[-1] if found else None


@dataclass(frozen=True, slots=True)
class Step:
    """Where next/previous unread goes: a row already held, a lookup, or nowhere (why)."""

    index: int | None = None  # a row the list holds
    look_after: tuple[str, int] | None = None  # find_unread from this key, in a worker
    nowhere: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a write reported by the mark writer means for the screen."""

    show: Marks = field(default_factory=dict)  # marks to show now (a failed one taken back)
    reload: bool = False  # read the view and its counts again
    recount: bool = False  # count the view's unread articles again
    notice: str | None = None
    title: str | None = None
    severity: Literal["information", "warning", "error"] = "information"
    sticky: bool = False  # stays until dismissed
    undoable: bool = False  # the notice is about what ctrl+z undoes (it goes with the undo)
    fatal: str | None = None  # the database is gone: stop with this line


class ReadOnly(DatabaseError):
    """Marks cannot be saved in this database (a read-only file or mount)."""


class Session:
    """The reading logic of one open database, tested without a screen.

    ``store`` is the caller's connection for bounded index lookups; ``open_store`` makes
    the mark writer's own. ``saved``, ``failed``, ``waiting`` and ``changed`` are the
    writer's reports (``reader.marks.MarkWriter``), called on its thread: the app posts
    them to its own thread and calls ``saved``/``failed`` here with them.
    """

    def __init__(
        self,
        store: Store,
        open_store: Callable[[], Store],
        *,
        saved: Callable[[Write, Any], None],
        failed: Callable[[Write, BaseException], None],
        waiting: Callable[[bool], None] = lambda waiting: None,
        changed: Callable[[], None] = lambda: None,
    ) -> None:
        self.store = store
        self.view = Filter()  # the view shown
        self.wanted = self.view  # the view last asked for: results for another are dropped
        self.unread: int | None = 0
        self.total_articles = 0
        #: ``(article_id, "read" | "starred", value)`` of every mark made here, in the order
        #: the database committed them (A and undo included).
        self.saved_marks: list[tuple[int, str, bool]] = []
        self.marks_made = 0  # bumped by every mark: an unread count begun before must redo
        self.marking_all = False  # A is queued: undo would undo the mark before it
        self.save_waiting = False  # a write waits for another process's lock
        self._undo: list[dict[int, bool]] = []  # read states to put back, newest last
        #: Marks shown and not yet saved, laid over whatever is read back meanwhile (the
        #: list lays them over its pages), so that a reload does not show them undone.
        self.overlay: Marks = {}
        self._unsaved: Counter[tuple[int, str]] = Counter()  # writes queued per mark
        self._before_search: tuple[Filter, int | None] | None = None
        self.writer = MarkWriter(
            open_store, saved=saved, failed=failed, waiting=waiting, changed=changed
        )

    # ---- views -------------------------------------------------------------------------

    def ask(self, view: Filter) -> Filter:
        """``view`` is wanted next (its window is read in a worker: ``window``)."""
        self.wanted = view
        return view

    def accept(
        self,
        loaded: Window,
        asked_at: int | None,
        current_id: int | None,
        marks_made: int | None = None,
    ) -> Window | int | None:
        """A window read in a worker: the one to show, ``None`` when a newer view was
        asked for, or an article id to read the view again around.

        The refresh rule: a window of the view on screen (r, another process's commit,
        after A) read while keys moved the cursor (from ``asked_at`` to ``current_id``)
        keeps the cursor on the article the keys moved to, not the one it was asked to keep.

        ``marks_made``: the session's ``marks_made`` when the window was asked for; a mark
        made since may be missing from its unread count, which is then counted again
        (``unread`` None).
        """
        if loaded.view != self.wanted:
            return None
        if marks_made is not None and marks_made != self.marks_made and loaded.unread is not None:
            loaded = replace(loaded, unread=None)
        if loaded.view == self.view and current_id is not None and current_id != asked_at:
            index = next((i for i, row in enumerate(loaded.rows) if row.id == current_id), None)
            if index is None:
                return current_id
            loaded = replace(loaded, cursor=loaded.start + index)
        return loaded

    def shown(self, shown: Window) -> None:
        """The list now shows ``shown``."""
        self.view = self.wanted = shown.view
        self.unread = shown.unread
        self.total_articles = shown.total_articles

    def pending_reads(self) -> dict[int, bool]:
        """The read marks shown and not yet saved, for ``window`` and ``count_unread``."""
        return {i: marks["read"] for i, marks in self.overlay.items() if "read" in marks}

    def unread_counted(self, view: Filter, unread: int, marks_made: int) -> bool:
        """A count from ``count_unread`` begun when ``marks_made`` marks had been made:
        ``False`` when it must be counted again (a mark came in between)."""
        if view != self.view:
            return True  # another view by now: nothing to do
        if marks_made != self.marks_made:
            return False
        self.unread = unread
        return True

    # ---- search ------------------------------------------------------------------------

    @property
    def searching(self) -> bool:
        return self._before_search is not None

    def begin_search(self, current_id: int | None) -> bool:
        """``/``: remember where to come back to; ``True`` for a new search."""
        if self._before_search is not None:
            return False
        self._before_search = (self.view, current_id)
        return True

    def search_for(self, text: str) -> Filter | None:
        """The view to load for the words in the field, or ``None`` when already asked."""
        if text == self.wanted.query:
            return None
        return self.ask(self.wanted.searching(text))

    def end_search(self, current_id: int | None) -> tuple[Filter, int | None]:
        """``escape``: the view and article to go back to. Filters changed during the
        search (tags, unread) are kept; only the words go."""
        view, article_id = self._before_search or (self.view.searching(""), current_id)
        self._before_search = None
        restored = replace(self.wanted, query="", relevance=False)
        return self.ask(restored if restored != self.wanted else view), article_id

    # ---- marks -------------------------------------------------------------------------

    @property
    def readonly(self) -> bool:
        return self.store.readonly

    @property
    def pending(self) -> int:
        """Writes queued and not yet saved (or failed)."""
        return self.writer.pending

    @property
    def can_undo(self) -> bool:
        return bool(self._undo) and not self.marking_all

    def why_no_undo(self) -> str:
        """What ``ctrl+z`` says when there is nothing it can undo now."""
        if self.marking_all:
            return "Marking the view read is still being saved: ctrl+z undoes it once saved."
        return "Nothing to undo: ctrl+z undoes m and A."

    def with_marks(self, row: Headline | StoredArticle | None) -> Any:
        """A row or article as read from the database, with the marks not yet saved."""
        if row is None:
            return None
        marks = self.overlay.get(row.id)
        return replace(row, **marks) if marks else row

    def headline(self, article_id: int) -> Headline | None:
        """An article's row as shown (one index lookup)."""
        return self.with_marks(self.store.headline(article_id))

    def toggle_read(self, row: Headline, *, counted: bool | None = True) -> Marks:
        """``m``: read and unread in turn; undoable."""
        return self.mark(row, "read", not row.read, undoable=True, counted=counted)

    def toggle_star(self, row: Headline) -> Marks:
        """``s``."""
        return self.mark(row, "starred", not row.starred)

    def mark(
        self,
        row: Headline,
        column: str,
        value: bool,
        *,
        undoable: bool = False,
        counted: bool | None = True,
    ) -> Marks:
        """Queue one mark (``row`` as shown); the marks to show now (none: nothing changes).

        ``counted``: the row is in the view (``True``), so its unread count follows the
        mark at once; not (``False``); or not known (``None``: an article opened from
        the quotes view, or past the rows the list holds), so the view is counted again
        once the mark is saved. Raises ``ReadOnly`` when marks cannot be saved.
        """
        self._refuse_read_only()
        if getattr(row, column) == value:
            return {}
        undo = None
        if undoable and column == "read":
            undo = {row.id: row.read}
            self._push_undo(undo)
        if column == "read" and counted and self.unread is not None:
            self.unread = max(0, self.unread + (-1 if value else 1))
        changes = {row.id: {column: value}}
        self._lay_over(changes)
        kind = "read" if column == "read" else "star"
        recount = column == "read" and counted is None
        self.writer.submit(
            Write(
                partial(_write_mark, row.id, column, value),
                what=f"the {kind} mark of “{row.headline}”",
                key=("mark", row.id, column, value, undo, recount),
            )
        )
        return changes

    def mark_all_read(self) -> None:
        """``A``: every article of the view asked for last, queued behind earlier marks."""
        self._refuse_read_only()
        self.marking_all = True
        view = self.wanted
        self.writer.submit(
            Write(
                partial(_write_all_read, view),
                what=f"marking {view.describe()} read",
                key=("all", view),
            )
        )

    def undo(self, counted: Callable[[int], bool] = lambda article_id: True) -> Marks | None:
        """``ctrl+z``: put back the read states before the last ``m`` or ``A``; the marks to
        show now (a large undo shows once saved), ``None`` when there is nothing to undo.

        ``counted(article_id)``: the article is in the view, so its unread count follows.
        """
        if not self.can_undo:
            return None
        states = self._undo.pop()
        changes: Marks = {}
        if len(states) <= PAGE:
            changes = {article_id: {"read": read} for article_id, read in states.items()}
            for article_id, read in states.items():
                shown = self.headline(article_id)  # one index lookup each, at most PAGE
                if shown and shown.read != read and counted(article_id) and self.unread is not None:
                    self.unread = max(0, self.unread + (-1 if read else 1))
            self._lay_over(changes)
        self.writer.submit(
            Write(
                partial(_write_restore, states),
                what=f"undoing {len(states):,} read mark{'s' if len(states) != 1 else ''}",
                key=("restore", states),
            )
        )
        return changes

    def saved(self, write: Write, result: Any) -> Outcome:
        """The writer committed ``write``."""
        kind, *what = write.key
        if kind == "mark":
            article_id, column, value, _undo, recount = what
            self._settle({article_id: {column: value}})
            self.saved_marks.append((article_id, column, value))
            self.marks_made += 1  # an unread count begun before this must count again
            return Outcome(recount=recount)
        if kind == "all":
            view, changed = what[0], result
            self.marking_all = False
            self.saved_marks.extend((article_id, "read", True) for article_id in changed)
            if not changed:
                return Outcome(notice="Nothing to mark: every article here is read.")
            self._push_undo({article_id: False for article_id in changed})
            self.marks_made += 1
            count = len(changed)
            return Outcome(
                reload=True,
                notice=f"Marked {count:,} article{'s' if count != 1 else ''} read."
                " ctrl+z undoes it.",
                title=view.describe(),
                undoable=True,
            )
        states = what[0]  # "restore"
        if len(states) <= PAGE:
            self._settle({article_id: {"read": read} for article_id, read in states.items()})
        self.saved_marks.extend((article_id, "read", read) for article_id, read in states.items())
        self.marks_made += 1
        notice = f"Restored {len(states):,} read marks." if len(states) > PAGE else None
        return Outcome(reload=True, notice=notice)

    def failed(self, write: Write, error: BaseException) -> Outcome:
        """The writer could not save ``write`` (never for waiting: it waits)."""
        if isinstance(error, DatabaseGone):
            return Outcome(fatal=str(error))
        kind, *what = write.key
        show: Marks = {}
        if kind == "mark":
            article_id, column, value, undo, _recount = what
            self._settle({article_id: {column: value}})
            # Its undo would undo nothing now: ctrl+z goes to the one before.
            self._undo = [states for states in self._undo if states is not undo]
            if (article_id, column) not in self._unsaved:
                # Show what the database holds: the mark is not there.
                stored = self.headline(article_id)
                if stored is not None:
                    show = {article_id: {column: getattr(stored, column)}}
        elif kind == "all":
            self.marking_all = False
        else:  # "restore": not undone, so it can be tried again
            states = what[0]
            if len(states) <= PAGE:
                self._settle({article_id: {"read": read} for article_id, read in states.items()})
            self._push_undo(states)
        self.marks_made += 1
        return Outcome(
            show=show,
            reload=True,  # the counts, from the database
            notice=" ".join(str(error).split()) or type(error).__name__,
            title=f"Not saved: {write.what}",
            severity="error",
            sticky=True,  # a mark that was not saved must not go unseen
        )

    def close(self, timeout: float | None = None) -> bool:
        """Write out what is queued (waiting at most ``timeout`` for another process)."""
        return self.writer.close(timeout)

    def _refuse_read_only(self) -> None:
        if self.store.readonly:
            raise ReadOnly(f"{self.store.path}: opened read-only, marks cannot be saved")

    def _push_undo(self, states: dict[int, bool]) -> None:
        self._undo.append(states)
        del self._undo[:-UNDO_DEPTH]

    def _lay_over(self, changes: Marks) -> None:
        for article_id, fields in changes.items():
            self.overlay.setdefault(article_id, {}).update(fields)
            for column in fields:
                self._unsaved[(article_id, column)] += 1
        self.marks_made += 1

    def _settle(self, changes: Marks) -> None:
        """Writes of these marks are done: stop laying over the ones none waits for."""
        for article_id, fields in changes.items():
            for column in fields:
                key = (article_id, column)
                self._unsaved[key] -= 1
                if self._unsaved[key] > 0:
                    continue
                del self._unsaved[key]
                marks = self.overlay.get(article_id, {})
                marks.pop(column, None)
                if not marks:
                    self.overlay.pop(article_id, None)

    # ---- next unread -------------------------------------------------------------------

    def step_to_unread(
        self, current: Headline, held: list[tuple[int, Headline]], *, forward: bool
    ) -> Step:
        """``n``/``N``: among the rows the list holds past the cursor (``held``, in order),
        else a lookup from the current row, else why there is nowhere to go."""
        for index, row in held:
            if not row.read:
                return Step(index=index)
        if self.view.query and self.view.relevance:
            # A relevance order has no keyset to look past the rows held.
            return Step(nowhere="No more unread articles among these results.")
        return Step(look_after=current.key)

    @staticmethod
    def no_unread(forward: bool) -> str:
        return f"No unread articles {'below' if forward else 'above'} this one in this view."


def _write_mark(article_id: int, column: str, value: bool, store: Store) -> dict[int, bool]:
    if column == "read":
        return store.mark_read([article_id], value)
    return store.set_starred([article_id], value)


def _write_all_read(view: Filter, store: Store) -> list[int]:
    return store.mark_all_read(view)


def _write_restore(states: dict[int, bool], store: Store) -> None:
    store.restore_read(states)


def pipe(command: str, text: str, *, attached: bool = True) -> str | None:
    """``|``: run ``command`` through the shell with ``text`` on its standard input; what
    went wrong as one line (``None``: it ran and exited 0).

    ``attached``: the command has the terminal (the app is suspended), so its output goes
    there (``less`` pages on it); otherwise its output is dropped. Its standard error is
    kept either way, for the line that says why it failed.
    """
    import subprocess  # lazily: only | needs it

    try:
        done = subprocess.run(
            command,
            shell=True,
            input=text.encode("utf-8"),
            stdout=None if attached else subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            check=False,
        )
    except OSError as error:  # no shell, too many processes...
        return f"{command}: {error.strerror or error}"
    if done.returncode == 0:
        return None
    said = done.stderr.decode("utf-8", "replace").strip().splitlines()
    why = " ".join(said[-1].split()) if said else ""
    if done.returncode == 127:
        status = "command not found"
    elif done.returncode < 0:
        status = f"stopped by signal {-done.returncode}"
    else:
        status = f"exited with status {done.returncode}"
    return f"{command}: {status}" + (f" ({why})" if why else "")
