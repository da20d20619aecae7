"""Feeds end to end: ``reader feed ...`` and ``reader update`` against a real HTTP server on
127.0.0.1, and what the database holds afterwards (identity, marks kept, counts)."""

from __future__ import annotations

import json
import socket
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from reader.cli import cli
from reader.filters import Filter
from reader.store import Store
from tests.feed_data import item, rss


@pytest.fixture
def run(db_path):
    def invoke(*args: str, input: bytes | str | None = None):
        return CliRunner().invoke(
            cli, ["--db", str(db_path), *args], input=input, catch_exceptions=False
        )

    return invoke


def serve(httpserver, path: str, body: str | bytes, **headers) -> str:
    httpserver.expect_request(path).respond_with_data(
        body, content_type="application/rss+xml", headers=headers
    )
    return httpserver.url_for(path)


def db_rows(db: Path, sql: str, params=()) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def test_a_feed_is_added_refreshed_and_read_with_its_structure(run, httpserver, db_path):
    url = serve(httpserver, "/feed.xml", rss(item(1), item(2)))
    added = run("feed", "add", url, "--tag", "Local")
    assert added.exit_code == 0 and "subscribed to" in added.output
    updated = run("update")
    assert updated.exit_code == 0, updated.output
    assert updated.stdout.splitlines()[-1] == (
        "1 feeds: 2 new, 0 updated articles; 0 not modified, 0 failed"
    )
    listed = json.loads(run("list", "--json").stdout)
    assert [a["headline"] for a in listed] == ["Story 2", "Story 1"]
    assert listed[0]["link"] == "https://news.example/2"
    assert listed[0]["source"] == "Example News"
    with Store(db_path) as store:
        stored = store.article(listed[0]["id"])
        article = stored.article
        assert article.lede == "Lede of story 2."
        assert [b.kind for b in article.body] == [
            "paragraph",
            "subheading",
            "paragraph",
            "paragraph",
        ]
        assert article.tags == ("World", "Local")
        speakers = {q.speaker for q in article.quotes}
        assert {"Jane Doe", "Ana Lee"} <= speakers
        assert stored.feed_url == url and stored.guid == "id-2"
    feeds = json.loads(run("feed", "list", "--json").stdout)
    assert [(f["title"], f["articles"], f["unread"], f["last_error"]) for f in feeds] == [
        ("Example News", 2, 2, None)
    ]
    shown = run("show", str(listed[0]["id"])).stdout
    assert "https://news.example/2" in shown.splitlines()[2]


def test_refresh_again_keeps_marks_and_updates_changed_entries_in_place(run, httpserver, db_path):
    url = serve(httpserver, "/feed.xml", rss(item(1), item(2)))
    run("feed", "add", url)
    assert run("update").exit_code == 0
    first = {a["headline"]: a["id"] for a in json.loads(run("list", "--json").stdout)}
    run("mark-read", str(first["Story 1"]))
    with Store(db_path) as store:
        store.set_starred([first["Story 1"]])
    httpserver.clear()
    changed = item(1, title="Story 1, corrected", body="<p>New text.</p>")
    serve(httpserver, "/feed.xml", rss(changed, item(2), item(3)))
    result = run("update")
    assert result.stdout.splitlines()[-1] == (
        "1 feeds: 1 new, 1 updated articles; 0 not modified, 0 failed"
    )
    rows = db_rows(db_path, "SELECT id, headline, read, starred FROM articles ORDER BY id")
    assert (first["Story 1"], "Story 1, corrected", 1, 1) in rows
    assert len(rows) == 3
    assert run("doctor").exit_code == 0


def test_etag_and_last_modified_give_a_304_refresh(run, httpserver, db_path):
    body = rss(item(1))
    httpserver.expect_request("/feed.xml", headers={"If-None-Match": '"v1"'}).respond_with_data(
        "", status=304
    )
    httpserver.expect_request("/feed.xml").respond_with_data(
        body, content_type="application/rss+xml", headers={"ETag": '"v1"'}
    )
    run("feed", "add", httpserver.url_for("/feed.xml"))
    assert run("update").exit_code == 0
    again = run("update")
    assert again.stdout.splitlines()[-1] == (
        "1 feeds: 0 new, 0 updated articles; 1 not modified, 0 failed"
    )
    assert db_rows(db_path, "SELECT etag, last_error FROM feeds") == [('"v1"', None)]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_one_failing_feed_never_stops_the_others(run, httpserver, db_path):
    good = serve(httpserver, "/good.xml", rss(item(1)))
    httpserver.expect_request("/missing.xml").respond_with_data("gone", status=404)
    garbage = serve(httpserver, "/garbage.xml", b"\x00\x01 this is no feed")
    refused = f"http://127.0.0.1:{closed_port()}/feed.xml"
    for url in (httpserver.url_for("/missing.xml"), garbage, refused, good):
        assert run("feed", "add", url).exit_code == 0
    result = run("update")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == (
        "4 feeds: 1 new, 0 updated articles; 0 not modified, 3 failed"
    )
    assert f"{httpserver.url_for('/missing.xml')}: HTTP 404 Not Found" in result.stderr
    assert f"{refused}: connection refused" in result.stderr
    errors = {f["url"]: f["last_error"] for f in json.loads(run("feed", "list", "--json").stdout)}
    assert errors[good] is None
    assert all(errors[u] for u in errors if u != good)
    listed = run("feed", "list").stdout
    assert "error (" in listed and "HTTP 404 Not Found" in listed


def test_retry_after_is_respected(run, httpserver, db_path):
    httpserver.expect_request("/busy.xml").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "3600"}
    )
    run("feed", "add", httpserver.url_for("/busy.xml"))
    first = run("update")
    assert first.exit_code == 1 and "HTTP 429 Too Many Requests" in first.stderr
    asked = len(httpserver.log)
    second = run("update")
    assert "asked to wait" in second.stdout and "the server asked to wait until" in second.stderr
    assert second.exit_code == 0
    assert len(httpserver.log) == asked  # not asked again before the time it gave


def test_entry_identity_guid_then_link_then_text(run, httpserver, db_path):
    entries = [
        item(1),
        item(1, title="Same guid again"),  # a duplicate guid in one document: kept once
        item(2, guid=None),  # identified by its link
        item(3, guid=None, link=None),  # by its title, date and text
        item(4, guid=None, link=None),  # another such: never the same identity
        item(5, guid=None, link=None, title=None, date=None, body="<p>Only text here.</p>"),
    ]
    url = serve(httpserver, "/feed.xml", rss(*entries))
    run("feed", "add", url)
    assert run("update").exit_code == 0
    rows = db_rows(db_path, "SELECT headline, guid, link, published FROM articles ORDER BY id")
    headlines = sorted(r[0] for r in rows)
    assert headlines == ["Only text here.", "Story 1", "Story 2", "Story 3", "Story 4"]
    assert ("Only text here.", None, None, None) in rows  # no date: unknown, not "now"
    again = run("update")  # the same document: nothing new, nothing doubled
    assert again.stdout.splitlines()[-1].startswith("1 feeds: 0 new, 0 updated")


def test_unsafe_links_are_never_stored(run, httpserver, db_path):
    entries = [
        item(1, link="javascript:alert(1)"),
        item(2, link="file:///etc/passwd"),
        item(3, link="data:text/html,<b>x</b>"),
        item(4, link="/relative/4"),
    ]
    url = serve(httpserver, "/feed.xml", rss(*entries))
    run("feed", "add", url)
    run("update")
    links = dict(db_rows(db_path, "SELECT headline, link FROM articles"))
    assert links == {
        "Story 1": None,
        "Story 2": None,
        "Story 3": None,
        "Story 4": httpserver.url_for("/relative/4"),
    }


def test_a_json_feed_refreshes_like_any_other(run, httpserver, db_path):
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "JSON News",
        "items": [
            {
                "id": "j1",
                "url": "https://json.example/1",
                "title": "From JSON",
                "content_html": "<p>“Fine,” said Ann Park.</p>",
                "tags": ["Tech", 5],
                "date_published": "2026-11-02T10:00:00+01:00",
            }
        ],
    }
    httpserver.expect_request("/feed.json").respond_with_json(feed)
    run("feed", "add", httpserver.url_for("/feed.json"))
    assert run("update").exit_code == 0
    with Store(db_path) as store:
        (row,) = store.page(Filter())
        article = store.article(row.id).article
    assert article.tags == ("Tech",)
    assert article.published == "2026-11-02T10:00+01:00"  # seconds only when not zero
    assert [q.speaker for q in article.quotes] == ["Ann Park"]


def test_feed_views_on_the_command_line(run, httpserver, db_path):
    one = serve(httpserver, "/one.xml", rss(item(1), item(2), title="One"))
    two = serve(httpserver, "/two.xml", rss(item(3, guid="x3"), title="Two"))
    run("feed", "add", one)
    run("feed", "add", two)
    run("update")
    ids = {f["title"]: f["id"] for f in json.loads(run("feed", "list", "--json").stdout)}
    listed = json.loads(run("list", "--feed", str(ids["One"]), "--json").stdout)
    assert [a["headline"] for a in listed] == ["Story 2", "Story 1"]
    by_url = json.loads(run("list", "--feed", two, "--json").stdout)
    assert [a["headline"] for a in by_url] == ["Story 3"]
    found = json.loads(run("search", "story", "--feed", two, "--json").stdout)
    assert [a["headline"] for a in found] == ["Story 3"]
    unknown = run("list", "--feed", "https://nowhere.example/feed")
    assert unknown.exit_code == 1 and "no feed" in unknown.stderr
    with Store(db_path) as store:
        view = Filter().for_feed(ids["One"], "One")
        assert store.count(view) == 2 and store.cheap_count(view) == 2
        assert store.count(view.toggled_unread()) == 2
        assert view.describe() == "Feed One"


def test_remove_asks_and_deletes_or_keeps_articles(run, httpserver, db_path):
    one = serve(httpserver, "/one.xml", rss(item(1), item(2), title="One"))
    two = serve(httpserver, "/two.xml", rss(item(3), title="Two"))
    run("feed", "add", one)
    run("feed", "add", two)
    run("update")
    refused = run("feed", "remove", one)  # not a terminal: no question, no deletion
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    assert run("feed", "remove", one, "--yes").stdout.strip() == (
        f"unsubscribed from {one}; 2 articles deleted"
    )
    assert run("feed", "remove", two, "--keep-articles").exit_code == 0
    assert db_rows(db_path, "SELECT headline, feed_id FROM articles") == [("Story 3", None)]
    assert db_rows(db_path, "SELECT count(*) FROM feeds") == [(0,)]
    assert json.loads(run("search", "story", "--json").stdout)[0]["headline"] == "Story 3"
    assert run("doctor").exit_code == 0  # search index and counters in step
    # Subscribing again: the kept article rejoins its feed instead of doubling.
    run("feed", "add", two)
    run("update")
    assert db_rows(db_path, "SELECT count(*), count(feed_id) FROM articles") == [(1, 1)]
    assert run("doctor").exit_code == 0


def test_marks_made_during_a_refresh_are_kept(httpserver, db_path):
    from reader import update

    items = [item(n) for n in range(1, 1201)]  # three batches
    url = serve(httpserver, "/big.xml", rss(*items))
    with Store(db_path) as store, Store(db_path) as other:
        store.add_feed(url)
        marked: list[int] = []

        def mark_between_batches(progress: update.Progress) -> None:
            if progress.current and not marked:  # after the first batch is saved
                (row,) = other.page(Filter(), limit=1)
                other.mark_read([row.id])
                marked.append(row.id)

        outcomes = update.refresh(store, progress=mark_between_batches)
        assert [o.new for o in outcomes] == [1200]
        assert marked and store.article(marked[0]).read
        assert store.count(Filter(unread_only=True)) == 1199
        (feed,) = store.feeds()
        assert (feed.articles, feed.unread) == (1200, 1199)


OPML = """<?xml version="1.0"?>
<opml version="2.0"><head><title>mine</title></head><body>
<outline text="World"><outline text="One" title="One" type="rss" xmlUrl="{one}"/></outline>
<outline text="Two" type="rss" xmlUrl="{two}"/>
<outline text="Bad" type="rss" xmlUrl="javascript:alert(1)"/>
</body></opml>
"""


def test_opml_and_newsboat_urls_import_and_export(run, tmp_path, db_path):
    opml = tmp_path / "subs.opml"
    opml.write_text(OPML.format(one="https://one.example/rss", two="https://two.example/atom"))
    result = run("feed", "import-opml", str(opml))
    assert result.stdout.startswith("2 subscribed, 0 already subscribed, 1 skipped")
    assert "not an http(s) URL" in result.stderr
    urls = tmp_path / "urls"
    urls.write_text(
        "# my newsboat feeds\n"
        'https://one.example/rss "World News" ~Renamed\n'
        "https://three.example/feed tech\n"
        '"query:Unread:unread = \\"yes\\""\n'
    )
    result = run("feed", "import-opml", str(urls))
    assert result.stdout.startswith("1 subscribed, 1 already subscribed, 1 skipped")
    feeds = {f["url"]: f for f in json.loads(run("feed", "list", "--json").stdout)}
    assert feeds["https://one.example/rss"]["tags"] == ["World", "World News"]
    assert feeds["https://one.example/rss"]["title"] == "Renamed"
    assert feeds["https://three.example/feed"]["tags"] == ["tech"]
    exported = tmp_path / "out.opml"
    assert run("feed", "export-opml", "-o", str(exported)).exit_code == 0
    other = tmp_path / "other.db"
    back = CliRunner().invoke(cli, ["--db", str(other), "feed", "import-opml", str(exported)])
    assert back.stdout.startswith("3 subscribed")
    again = CliRunner().invoke(cli, ["--db", str(other), "feed", "list", "--json"])
    round_trip = {f["url"]: (f["title"], f["tags"]) for f in json.loads(again.stdout)}
    assert round_trip == {url: (f["title"], f["tags"]) for url, f in feeds.items()}


def test_bad_input_is_one_line(run, tmp_path):
    assert run("feed", "add", "file:///etc/passwd").exit_code == 2
    assert run("feed", "add", "not a url").exit_code == 2
    assert run("feed", "remove", "42").exit_code == 1
    assert run("update", "https://unknown.example/").exit_code == 1
    broken = tmp_path / "broken.opml"
    broken.write_text("<opml><body><outline")
    result = run("feed", "import-opml", str(broken))
    assert result.exit_code == 1 and len(result.stderr.splitlines()) == 1
    assert run("update").stdout.startswith("No feeds yet")


def test_a_refresh_converts_only_new_and_changed_entries(httpserver, db_path, monkeypatch):
    from reader import update

    converted: list[str | None] = []
    convert = update.entry_article

    def counting(entry, **kwargs):
        converted.append(entry.guid)
        return convert(entry, **kwargs)

    monkeypatch.setattr(update, "entry_article", counting)
    url = serve(httpserver, "/feed.xml", rss(item(1), item(2), item(3)))
    with Store(db_path) as store:
        store.add_feed(url)
        update.refresh(store)
        assert sorted(converted) == ["id-1", "id-2", "id-3"]
        converted.clear()
        update.refresh(store)  # nothing changed: nothing converted, nothing written
        assert converted == []
        httpserver.clear()
        serve(httpserver, "/feed.xml", rss(item(1), item(2, title="Two, changed"), item(3)))
        (outcome,) = update.refresh(store)
        assert converted == ["id-2"] and (outcome.new, outcome.updated) == (0, 1)
        converted.clear()
        store.add_feed(url, tags=("Extra",))  # what the feed adds changes every article
        (outcome,) = update.refresh(store)
        assert sorted(converted) == ["id-1", "id-2", "id-3"] and outcome.updated == 3
        assert all("Extra" in store.article(row.id).article.tags for row in store.page(Filter()))
