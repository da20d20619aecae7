"""Feeds in the app: R refreshes with progress in the header and keeps the cursor's place,
o opens the link with $BROWSER, f reads one feed, F all again; marks survive a refresh."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from reader.store import Store
from tests.conftest import WIDE, header, notices, settle, wait_for
from tests.feed_data import item, rss
from widgets.app import make_app


def serve(httpserver, path: str, body: str) -> str:
    httpserver.expect_request(path).respond_with_data(body, content_type="application/rss+xml")
    return httpserver.url_for(path)


@pytest.fixture
def browser(tmp_path, monkeypatch) -> Path:
    """$BROWSER: a script that writes the URL it was given to a file (the file it returns)."""
    opened = tmp_path / "opened.txt"
    script = tmp_path / "browser.sh"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> {opened}\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("BROWSER", str(script))
    return opened


async def refreshed(app, pilot) -> None:
    """Press R and wait until the refresh has ended and the list shows its result."""
    await pilot.press("R")
    await wait_for(lambda: "refreshing" not in header(app), what=lambda: header(app))
    await settle(app, pilot)


async def test_R_brings_new_articles_and_keeps_the_cursor_in_place(demo_db, httpserver):
    url = serve(httpserver, "/feed.xml", rss(item(1), item(2), title="Local News"))
    with Store(demo_db) as store:
        store.add_feed(url, tags=("Local",))
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(app, pilot)
        await pilot.press("j", "j", "j")
        await settle(app, pilot)
        before = app.headlines.current
        total = app.headlines.total
        await refreshed(app, pilot)
        assert app.headlines.total == total + 2
        assert app.headlines.current.id == before.id  # the cursor stays on its article
        assert any("1 feed refreshed: 2 new" in n for n in notices(app))


async def test_refresh_progress_is_in_the_header(demo_db, httpserver):
    url = serve(httpserver, "/feed.xml", rss(item(1)))
    with Store(demo_db) as store:
        store.add_feed(url)
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        seen: list[str] = []
        original = app._update_header

        def recording() -> None:
            original()
            seen.append(header(app))

        app._update_header = recording
        await refreshed(app, pilot)
        assert any("refreshing feeds" in line for line in seen)
        assert "refreshing" not in header(app)


async def test_a_failing_feed_is_reported_and_the_others_arrive(demo_db, httpserver):
    good = serve(httpserver, "/good.xml", rss(item(1)))
    httpserver.expect_request("/gone.xml").respond_with_data("gone", status=404)
    with Store(demo_db) as store:
        store.add_feed(good)
        store.add_feed(httpserver.url_for("/gone.xml"))
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await refreshed(app, pilot)
        said = " ".join(notices(app))
        assert "1 feed not refreshed" in said and "HTTP 404 Not Found" in said
        assert "2 feeds refreshed: 1 new" in said


async def test_o_opens_the_link_and_f_reads_one_feed(demo_db, httpserver, browser):
    url = serve(httpserver, "/feed.xml", rss(item(1), item(2), title="Local News"))
    with Store(demo_db) as store:
        store.add_feed(url)
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await refreshed(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        await pilot.press(*"local", "enter")
        await settle(app, pilot)
        assert app.view.feed_id is not None and "Feed Local News" in header(app)
        assert app.headlines.total == 2
        assert app.headlines.current.headline == "Story 2"
        await pilot.press("o")
        await wait_for(lambda: browser.exists(), what="the browser to be started")
        await wait_for(lambda: browser.read_text().strip(), what="the URL to be written")
        assert browser.read_text() == "https://news.example/2\n"
        await pilot.press("F")
        await settle(app, pilot)
        assert app.view.feed_id is None and app.headlines.total == 34


async def test_o_on_an_article_without_a_link_says_so(demo_db, browser):
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(app, pilot)
        await pilot.press("o")
        await pilot.pause()
        assert "This article has no link to open." in " ".join(notices(app))
        assert not browser.exists()


async def test_read_marks_survive_a_refresh_that_changes_the_article(demo_db, httpserver, tmp_path):
    url = serve(httpserver, "/feed.xml", rss(item(1), item(2)))
    with Store(demo_db) as store:
        store.add_feed(url)
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await refreshed(app, pilot)
        # Under the demo's undated article (it sorts by its import time): the cursor had
        # stayed in its place.
        await pilot.press("g", "j")
        await settle(app, pilot)
        assert app.headlines.current.headline == "Story 2"
        await pilot.press("enter")  # opening it marks it read
        await settle(app, pilot)
        read_id = app.headlines.current.id
        httpserver.clear()
        serve(httpserver, "/feed.xml", rss(item(1), item(2, title="Story 2, updated"), item(3)))
        await pilot.press("escape")
        await refreshed(app, pilot)
        with Store(demo_db) as store:
            stored = store.article(read_id)
        assert stored.article.headline == "Story 2, updated" and stored.read
        assert app.session.saved_marks == [(read_id, "read", True)]


def test_browser_command_rules(tmp_path):
    from reader.links import browser_command

    tool = tmp_path / "lynx"
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    env = {"PATH": str(tmp_path), "BROWSER": "nonesuch:lynx -dump"}
    assert browser_command("https://a.example/", env) == (
        ["lynx", "-dump", "https://a.example/"],
        True,
    )
    env["BROWSER"] = "lynx --url=%s --x"
    assert browser_command("https://a.example/", env)[0] == [
        "lynx",
        "--url=https://a.example/",
        "--x",
    ]
    assert browser_command("https://a.example/", {"PATH": str(tmp_path)}) == ([], False)
    assert os.environ.get("BROWSER") != env["BROWSER"]  # the real environment untouched


async def test_a_refresh_stopped_by_an_error_clears_the_header(demo_db, monkeypatch):
    import sqlite3

    from reader import update

    def busy(*args, **kwargs):
        error = sqlite3.OperationalError("database is locked")
        error.sqlite_errorcode = sqlite3.SQLITE_BUSY
        raise error

    monkeypatch.setattr(update, "refresh", busy)
    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await refreshed(app, pilot)
        assert "refreshing" not in header(app)
        assert any("Another process held the database" in n for n in notices(app))
        assert app.fatal_message is None
