"""The reading session without a screen: plain pytest, and hypothesis against a model."""

from __future__ import annotations

import queue
import shutil
import sqlite3
import tempfile
from dataclasses import replace
from functools import partial
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader import session as reading
from reader.filters import Filter
from reader.session import ReadOnly, Session, Window
from reader.store import Store
from tests.conftest import ROOT, refuse_marks


class Driver:
    """A session on ``db`` with its writer's reports handed back as the app does."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.store = Store(db)
        self.reports: queue.SimpleQueue = queue.SimpleQueue()
        self.session = Session(
            self.store,
            partial(Store, db),
            saved=lambda write, result: self.reports.put(("saved", write, result)),
            failed=lambda write, error: self.reports.put(("failed", write, error)),
        )
        self.outcomes: list = []
        self.show(Filter())

    def show(self, view: Filter, keep_id: int | None = None) -> Window:
        self.session.ask(view)
        pending = self.session.pending_reads()
        shown = reading.window(self.store, view, keep_id, 0, pending)
        if shown.unread is None:
            unread = reading.count_unread(self.store, view, pending)
            shown = replace(shown, unread=unread)
        self.session.shown(shown)
        assert shown.total <= reading.PAGE  # the window holds the whole view: its ids
        self.shown_ids = [r.id for r in shown.rows]
        return shown

    def drain(self) -> None:
        """Wait for every queued write and hand its report to the session, reloading the
        view when the outcome says so (as the app does)."""
        while self.session.pending or not self.reports.empty():
            kind, write, result = self.reports.get(timeout=10)
            handler = self.session.saved if kind == "saved" else self.session.failed
            outcome = handler(write, result)
            self.outcomes.append(outcome)
            if outcome.reload:
                self.show(self.session.wanted)

    def row(self, article_id: int):
        return self.session.headline(article_id)

    def close(self) -> None:
        self.session.close(timeout=10)
        self.store.close()


@pytest.fixture
def driver(demo_db):
    opened = Driver(demo_db)
    yield opened
    opened.close()


def marks_in(db: Path) -> dict[int, tuple[bool, bool]]:
    conn = sqlite3.connect(db)
    try:
        return {
            i: (bool(r), bool(s))
            for i, r, s in conn.execute("SELECT id, read, starred FROM articles")
        }
    finally:
        conn.close()


def test_a_mark_shows_at_once_and_is_saved(driver):
    first = driver.show(Filter()).rows[0]
    unread = driver.session.unread
    shown = driver.session.toggle_read(first)
    assert shown == {first.id: {"read": True}}
    assert driver.row(first.id).read  # laid over the database until saved
    assert driver.session.unread == unread - 1
    driver.drain()
    assert marks_in(driver.db)[first.id] == (True, False)
    assert driver.session.saved_marks == [(first.id, "read", True)]
    assert driver.session.overlay == {}


def test_undo_puts_back_the_states_before_a_mark_and_before_a(driver):
    rows = driver.show(Filter()).rows
    driver.session.toggle_read(rows[1])
    driver.drain()
    before = marks_in(driver.db)
    driver.session.mark_all_read()
    assert not driver.session.can_undo  # A is queued: undo would undo the mark before it
    driver.drain()
    assert {read for read, _ in marks_in(driver.db).values()} == {True}
    assert driver.outcomes[-1].reload and "ctrl+z undoes it" in driver.outcomes[-1].notice
    driver.session.undo()
    driver.drain()
    assert marks_in(driver.db) == before
    driver.session.undo()
    driver.drain()
    assert marks_in(driver.db)[rows[1].id] == (False, False)
    assert driver.session.undo() is None


def test_a_mark_that_fails_is_taken_back_and_said_until_dismissed(driver):
    first = driver.show(Filter()).rows[0]
    refuse_marks(driver.db, "starred", first.id, "no stars here")
    driver.session.toggle_star(first)
    assert driver.row(first.id).starred
    driver.drain()
    [outcome] = driver.outcomes
    assert outcome.show == {first.id: {"starred": False}}  # what the database holds
    assert outcome.sticky and outcome.severity == "error" and "no stars here" in outcome.notice
    assert not driver.row(first.id).starred and driver.session.saved_marks == []


def test_read_only_refuses_marks(demo_db):
    with Store(demo_db, readonly=True) as store:
        session = Session(store, partial(Store, demo_db, readonly=True), saved=print, failed=print)
        row = store.page(Filter(), limit=1)[0]
        with pytest.raises(ReadOnly):
            session.toggle_read(row)
        with pytest.raises(ReadOnly):
            session.mark_all_read()
        session.close()


def test_a_reload_keeps_the_cursor_where_keys_moved_it(driver):
    shown = driver.show(Filter())
    first, third = shown.rows[0].id, shown.rows[2].id
    reloaded = reading.window(driver.store, Filter(), keep_id=first)
    # Asked for with the cursor on the first row; it is on the third when the rows arrive.
    accepted = driver.session.accept(reloaded, asked_at=first, current_id=third)
    assert (
        isinstance(accepted, Window) and accepted.rows[accepted.cursor - accepted.start].id == third
    )
    # Not moved meanwhile: the window as read.
    assert driver.session.accept(reloaded, asked_at=first, current_id=first) == reloaded
    # Moved off the rows read: read again around the article the keys are on.
    narrow = Window(reloaded.view, reloaded.total, 0, reloaded.rows[:1], 0)
    assert driver.session.accept(narrow, asked_at=first, current_id=third) == third
    # A window of a view no longer wanted is dropped.
    driver.session.ask(Filter(unread_only=True))
    assert driver.session.accept(reloaded, asked_at=first, current_id=first) is None


def test_search_goes_back_to_the_view_and_article_before_it(driver):
    assert driver.session.begin_search(current_id=5)
    assert not driver.session.begin_search(current_id=6)  # already searching
    view = driver.session.search_for("port")
    assert view == Filter(query="port")
    assert driver.session.search_for("port") is None  # already asked for
    driver.show(view)
    assert driver.session.end_search(current_id=9) == (Filter(), 5)
    assert not driver.session.searching


def test_next_unread_among_the_rows_held_else_a_lookup(driver):
    rows = driver.show(Filter()).rows
    driver.session.toggle_read(rows[1])
    driver.drain()
    held = [(i, driver.row(r.id)) for i, r in enumerate(rows) if i > 0]
    assert driver.session.step_to_unread(rows[0], held, forward=True).index == 2
    step = driver.session.step_to_unread(rows[0], [], forward=True)
    assert step.look_after == rows[0].key
    found = reading.find_unread(driver.store, Filter(), step.look_after, True)
    assert found.id == rows[2].id
    assert reading.find_unread(driver.store, Filter(), rows[-1].key, True) is None


# ---- any sequence of marks, undos and view changes, against a model ------------------------

VIEWS = [Filter(), Filter(unread_only=True), Filter(tags=("Port Ysel",)), Filter(query="port")]
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("read"), st.integers(0, 40)),
        st.tuples(st.just("star"), st.integers(0, 40)),
        st.tuples(st.just("all"), st.integers(0, len(VIEWS) - 1)),
        st.tuples(st.just("undo"), st.just(0)),
        st.tuples(st.just("view"), st.integers(0, len(VIEWS) - 1)),
        st.tuples(st.just("drain"), st.just(0)),
    ),
    max_size=25,
)


@settings(max_examples=40)
@given(OPERATIONS)
def test_marks_undos_and_views_leave_the_database_equal_to_a_model(operations):
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "articles.db"
        shutil.copyfile(ROOT / "articles.db", db)
        driver = Driver(db)
        try:
            model = marks_in(db)  # id -> (read, starred)
            undo: list[dict[int, bool]] = []
            for kind, number in operations:
                view = driver.session.view
                if kind in ("read", "star"):
                    rows = driver.show(view).rows
                    if not rows:
                        continue
                    row = driver.row(rows[number % len(rows)].id)
                    read, starred = model[row.id]
                    if kind == "read":
                        driver.session.toggle_read(row)
                        undo.append({row.id: read})
                        model[row.id] = (not read, starred)
                    else:
                        driver.session.toggle_star(row)
                        model[row.id] = (read, not starred)
                elif kind == "all":
                    driver.drain()
                    driver.show(VIEWS[number])
                    in_view = [r.id for r in driver.store.page(VIEWS[number], limit=10_000)]
                    changed = {i: False for i in in_view if not model[i][0]}
                    driver.session.mark_all_read()
                    driver.drain()  # its undo entry exists once it is saved
                    if changed:
                        undo.append(changed)
                    for i in changed:
                        model[i] = (True, model[i][1])
                elif kind == "undo":
                    driver.drain()
                    if undo:
                        states = undo.pop()
                        driver.session.undo(lambda i: i in driver.shown_ids)
                        for i, read in states.items():
                            model[i] = (read, model[i][1])
                    else:
                        assert driver.session.undo() is None
                elif kind == "view":
                    driver.show(VIEWS[number])
                else:
                    driver.drain()
                # Shown at once, whatever is still queued, and counted.
                for i in list(model)[:5]:
                    shown = driver.row(i)
                    assert (shown.read, shown.starred) == model[i]
                if driver.session.unread is not None:
                    unread = sum(1 for i in driver.shown_ids if not model[i][0])
                    assert driver.session.unread == unread
            driver.drain()
            assert marks_in(db) == model
            assert driver.session.overlay == {}
            for view in VIEWS:
                shown = driver.show(view)
                ids = [r.id for r in driver.store.page(view, limit=10_000)]
                assert shown.total == len(ids)
                assert driver.session.unread == sum(1 for i in ids if not model[i][0])
            assert all(finding.ok for finding in driver.store.check())
        finally:
            driver.close()


def test_a_mark_on_an_article_the_list_does_not_hold_is_counted_once_saved(driver):
    row = driver.show(Filter()).rows[0]
    unread = driver.session.unread
    driver.session.mark(row, "read", True, counted=None)  # opened from the quotes view
    assert driver.session.unread == unread  # not known to be in the view: not guessed
    driver.drain()
    assert driver.outcomes[-1].recount


def test_a_failed_mark_takes_its_undo_with_it(driver):
    rows = driver.show(Filter()).rows
    driver.session.toggle_read(rows[0])
    driver.drain()
    refuse_marks(driver.db, "read", rows[1].id, "no")
    driver.session.toggle_read(rows[1])
    driver.drain()
    assert driver.outcomes[-1].sticky
    driver.session.undo()  # the m that was saved, not the one that failed
    driver.drain()
    assert marks_in(driver.db)[rows[0].id] == (False, False)
