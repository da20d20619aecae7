"""The feed refresh's hard cases, each found by a review: counts of a feed's search, a feed
removed mid-refresh, exports of unsubscribed entries, local links, redirects, edited
entries without ids, tags changed under a 304, a busy database, Retry-After, cancelling."""

from __future__ import annotations

import json
import sqlite3

from click.testing import CliRunner

from reader import update
from reader.cli import cli
from reader.filters import Filter
from reader.store import Store
from tests.feed_data import item, rss


def serve(httpserver, path: str, body: str, **headers) -> str:
    httpserver.expect_request(path).respond_with_data(
        body, content_type="application/rss+xml", headers=headers
    )
    return httpserver.url_for(path)


def cli_run(db, *args):
    return CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)


def test_a_search_in_one_feed_counts_only_that_feed(httpserver, db_path):
    one = serve(httpserver, "/one.xml", rss(*(item(n) for n in range(1, 4))))
    two = serve(httpserver, "/two.xml", rss(*(item(n, guid=f"t{n}") for n in range(1, 6))))
    with Store(db_path) as store:
        store.add_feed(one)
        store.add_feed(two)
        update.refresh(store)
        feed = store.feed(one)
        view = Filter(query="story").for_feed(feed.id, feed.name)
        assert store.count(view) == 3 == len(store.page_at(view, 0, 50))
    assert cli_run(db_path, "search", "story", "--feed", one).stderr.strip() == "3 found"


def test_a_feed_removed_during_its_refresh_gets_no_articles_back(httpserver, db_path):
    url = serve(httpserver, "/big.xml", rss(*(item(n) for n in range(1, 1201))))
    with Store(db_path) as store, Store(db_path) as other:
        store.add_feed(url)

        def remove_after_the_first_batch(progress: update.Progress) -> None:
            if progress.current and other.feeds():
                other.remove_feed(other.feed(url))

        (outcome,) = update.refresh(store, progress=remove_after_the_first_batch)
        assert outcome.status == "failed" and outcome.error == "unsubscribed during the refresh"
        assert store.count(Filter()) == 0  # the first batch went with the feed; no other came
    assert cli_run(db_path, "doctor").exit_code == 0


def test_export_import_export_keeps_an_unsubscribed_feeds_entries(httpserver, tmp_path):
    url = serve(httpserver, "/feed.xml", rss(item(1), item(2)))
    first, second, third = (tmp_path / f"{n}.db" for n in (1, 2, 3))
    cli_run(first, "feed", "add", url)
    cli_run(first, "update")
    cli_run(first, "mark-read", "1")
    cli_run(first, "export", "-o", str(tmp_path / "a.jsonl"))
    cli_run(second, "import", str(tmp_path / "a.jsonl"))  # not subscribed there
    cli_run(second, "export", "-o", str(tmp_path / "b.jsonl"))
    records = [json.loads(line) for line in (tmp_path / "b.jsonl").read_text().splitlines()]
    assert {r["feed"] for r in records} == {url}
    cli_run(third, "import", str(tmp_path / "b.jsonl"))
    cli_run(third, "feed", "add", url)
    again = cli_run(third, "update")
    assert again.stdout.splitlines()[-1].startswith("1 feeds: 0 new")  # found, not doubled
    conn = sqlite3.connect(third)
    assert conn.execute("SELECT count(*), sum(read), count(feed_id) FROM articles").fetchone() == (
        2,
        1,
        2,
    )
    conn.close()


def test_links_to_local_hosts_and_guids_that_are_no_links(httpserver, db_path):
    entries = [
        item(1, link="http://127.0.0.1:8080/story/1"),
        item(2, link=None, guid="12345"),  # a permalink guid that is no URL: no link
        item(3, link=None, guid="https://news.example/p/3"),  # one that is: its link
        item(4, link="http://intranet.local/4"),
    ]
    url = serve(httpserver, "/feed.xml", rss(*entries))
    with Store(db_path) as store:
        store.add_feed(url)
        update.refresh(store)
        links = {r.headline: r.link for r in store.page(Filter())}
    assert links == {
        "Story 1": "http://127.0.0.1:8080/story/1",
        "Story 2": None,
        "Story 3": "https://news.example/p/3",
        "Story 4": "http://intranet.local/4",
    }


def test_relative_links_follow_a_redirect(httpserver, db_path):
    httpserver.expect_request("/old.xml").respond_with_data(
        "", status=301, headers={"Location": httpserver.url_for("/new/feed.xml")}
    )
    serve(httpserver, "/new/feed.xml", rss(item(1, link="item.html")))
    with Store(db_path) as store:
        store.add_feed(httpserver.url_for("/old.xml"))
        update.refresh(store)
        (row,) = store.page(Filter())
    assert row.link == httpserver.url_for("/new/item.html")


def test_an_edited_entry_without_guid_or_link_stays_one_article(httpserver, db_path):
    serve(httpserver, "/feed.xml", rss(item(1, guid=None, link=None)))
    with Store(db_path) as store:
        store.add_feed(httpserver.url_for("/feed.xml"))
        update.refresh(store)
        (row,) = store.page(Filter())
        store.mark_read([row.id])
        httpserver.clear()
        edited = item(1, guid=None, link=None, body="<p>Corrected text.</p>")
        serve(httpserver, "/feed.xml", rss(edited))
        (outcome,) = update.refresh(store)
        assert (outcome.new, outcome.updated) == (0, 1)
        (again,) = store.page(Filter())
        assert again.id == row.id and again.read
        assert store.article(row.id).article.lede == "Corrected text."


def test_new_tags_reach_every_article_even_when_the_server_says_304(httpserver, db_path):
    httpserver.expect_request("/feed.xml", headers={"If-None-Match": '"v1"'}).respond_with_data(
        "", status=304
    )
    serve(httpserver, "/feed.xml", rss(item(1), item(2)), ETag='"v1"')
    url = httpserver.url_for("/feed.xml")
    with Store(db_path) as store:
        store.add_feed(url)
        update.refresh(store)
        assert [o.status for o in update.refresh(store)] == ["not-modified"]
        store.add_feed(url, tags=("Later",))
        (outcome,) = update.refresh(store)
        assert outcome.updated == 2
        assert store.count(Filter(tags=("Later",))) == 2


def test_a_busy_database_fails_the_feed_not_the_refresh(
    httpserver, db_path, lock_holder, monkeypatch
):
    url = serve(httpserver, "/feed.xml", rss(item(1)))
    with Store(db_path) as store:
        store.add_feed(url)
    monkeypatch.setattr(update, "LOCK_WAIT_SECONDS", 0.3)
    holder = lock_holder(db_path)
    with Store(db_path) as store:
        store.lock_wait = 0.3
        (outcome,) = update.refresh(store)
        assert outcome.status == "failed" and "busy" in outcome.error
        holder.release()
        (outcome,) = update.refresh(store)
        assert outcome.new == 1


def test_retry_after_is_bounded_and_naming_the_feed_overrides_it(httpserver, db_path):
    httpserver.expect_request("/busy.xml").respond_with_data(
        "later", status=503, headers={"Retry-After": "99999999999"}
    )
    url = httpserver.url_for("/busy.xml")
    cli_run(db_path, "feed", "add", url)
    cli_run(db_path, "update")
    (feed,) = json.loads(cli_run(db_path, "feed", "list", "--json").stdout)
    assert feed["retry_after"] < "2100"  # at most a day away, not the year 5195
    deferred = cli_run(db_path, "update")
    assert "asked to wait until" in deferred.stderr and "Z UTC" not in deferred.stderr
    asked = len(httpserver.log)
    named = cli_run(db_path, "update", url)
    assert len(httpserver.log) == asked + 1 and "HTTP 503" in named.stderr


def test_odd_feed_numbers_are_one_line(db_path):
    for which in ("²", "99999999999999999999999", "-1"):
        result = cli_run(db_path, "list", "--feed", which)
        assert result.exit_code == 1 and result.stderr.startswith("reader: no feed"), which


def test_cancelling_stops_between_batches_and_keeps_no_validators(httpserver, db_path):
    url = serve(httpserver, "/big.xml", rss(*(item(n) for n in range(1, 1201))), ETag='"v"')
    with Store(db_path) as store:
        store.add_feed(url)
        batches: list[int] = []
        update.refresh(
            store,
            progress=lambda p: batches.append(p.new) if p.current else None,
            cancelled=lambda: len(batches) >= 1,
        )
        assert batches == [500] and store.count(Filter()) == 500
        assert store.feed(url).etag is None  # the next refresh reads the whole document
        (outcome,) = update.refresh(store)
        assert outcome.new == 700


def test_an_exported_entry_without_guid_or_link_is_found_by_the_next_refresh(httpserver, tmp_path):
    url = serve(httpserver, "/feed.xml", rss(item(1, guid=None, link=None)))
    first, second = tmp_path / "1.db", tmp_path / "2.db"
    cli_run(first, "feed", "add", url)
    cli_run(first, "update")
    cli_run(first, "export", "-o", str(tmp_path / "a.jsonl"))
    cli_run(second, "import", str(tmp_path / "a.jsonl"))
    cli_run(second, "feed", "add", url)
    again = cli_run(second, "update")
    assert again.stdout.splitlines()[-1].startswith("1 feeds: 0 new")  # the same identity
