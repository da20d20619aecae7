"""SVG snapshots of the main screens (pytest-textual-snapshot; update with --snapshot-update)."""

from __future__ import annotations

from textual.widgets import Input

from tests.conftest import settle
from widgets.app import make_app

SIZE = (130, 36)


def test_main_screen_with_an_article_open(snap_compare, demo_db):
    async def run_before(pilot) -> None:
        await pilot.press("j", "j", "j", "enter")
        await settle(pilot.app, pilot)

    assert snap_compare(make_app(demo_db, watch=False), terminal_size=SIZE, run_before=run_before)


def test_tag_picker(snap_compare, demo_db):
    async def run_before(pilot) -> None:
        await settle(pilot.app, pilot)  # the article pane filled before the picker covers it
        await pilot.press("t")
        await settle(pilot.app, pilot)
        await pilot.press(*"port ys", "enter")
        await settle(pilot.app, pilot)
        await pilot.press("e")
        pilot.app.screen.query_one(Input).cursor_blink = False
        await settle(pilot.app, pilot)

    assert snap_compare(make_app(demo_db, watch=False), terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare, demo_db):
    assert snap_compare(make_app(demo_db, watch=False), terminal_size=SIZE, press=["question_mark"])


def test_empty_state(snap_compare, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the welcome names the database: keep its path stable
    assert snap_compare(make_app("empty.db", watch=False), terminal_size=SIZE)


def test_narrow_list(snap_compare, demo_db):
    assert snap_compare(make_app(demo_db, watch=False), terminal_size=(80, 24), press=["j"])


def _with_feeds(db) -> None:
    """Two subscriptions with an article each, one with a refresh error."""
    from reader.article import Article
    from reader.store import Incoming, Store

    with Store(db) as store:
        for number, (url, title) in enumerate(
            [("https://world.example/rss", "World Desk"), ("https://port.example/atom", None)]
        ):
            store.add_feed(url, title=title)
            article = Article(
                f"Feed story {number}", f"2026-11-0{number + 1}T10:00", source=title, lede="Lede.",
                link=f"{url}/{number}",
            )  # fmt: skip
            store.save([Incoming(article, feed_url=url, guid=f"g{number}", identity=f"i{number}")])


def test_feed_picker(snap_compare, demo_db):
    _with_feeds(demo_db)

    async def run_before(pilot) -> None:
        await settle(pilot.app, pilot)  # the article pane filled before the picker covers it
        await pilot.press("f")
        await settle(pilot.app, pilot)
        await pilot.press(*"wor")
        pilot.app.screen.query_one(Input).cursor_blink = False
        await settle(pilot.app, pilot)

    assert snap_compare(make_app(demo_db, watch=False), terminal_size=SIZE, run_before=run_before)


def test_one_feed_read(snap_compare, demo_db):
    _with_feeds(demo_db)

    async def run_before(pilot) -> None:
        await pilot.press("f")
        await settle(pilot.app, pilot)
        await pilot.press(*"wor", "enter")
        await settle(pilot.app, pilot)

    assert snap_compare(make_app(demo_db, watch=False), terminal_size=SIZE, run_before=run_before)
