"""Fetching feeds against real servers on 127.0.0.1: pytest-httpserver for ordinary answers,
a small threaded server of our own for the slow, dripping, garbled and counted ones."""

from __future__ import annotations

import gzip
import http.server
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from pytest_httpserver import HTTPServer

from reader.fetch import USER_AGENT, Limits, Request, Response, fetch_all

FAST = Limits(timeout=0.5, max_bytes=64 * 1024)
#: For the cap: a timeout long enough that a loaded machine never mistakes one for the other.
CAPPED_SLOW = Limits(timeout=8, max_bytes=64 * 1024)
FEED = b"<?xml version='1.0'?><rss><channel><title>t</title></channel></rss>"


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    # httpx honours these (as users expect); a test run must reach 127.0.0.1 directly.
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)


def fetch(*requests: Request, limits: Limits = FAST, **kw) -> list[Response]:
    return list(fetch_all(requests, limits, **kw))


def one(url: str, limits: Limits = FAST, **kw) -> Response:
    (response,) = fetch(Request(url, **kw), limits=limits)
    return response


# ---- a server for the misbehaving cases -------------------------------------------------------


class Raw:
    """A threaded HTTP server whose paths run plain functions writing to the socket file."""

    def __init__(self) -> None:
        self.routes: dict[str, Callable[[http.server.BaseHTTPRequestHandler], None]] = {}
        self.done = threading.Event()  # set at teardown: sleeping handlers give up
        self.lock = threading.Lock()
        self.hits = 0
        self.in_flight = 0
        self.most_in_flight = 0
        raw = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with raw.lock:
                    raw.hits += 1
                    raw.in_flight += 1
                    raw.most_in_flight = max(raw.most_in_flight, raw.in_flight)
                try:
                    raw.routes[self.path](self)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up, as it should
                finally:
                    with raw.lock:
                        raw.in_flight -= 1

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def close(self) -> None:
        self.done.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def raw() -> Iterator[Raw]:
    server = Raw()
    yield server
    server.close()


def send(h: http.server.BaseHTTPRequestHandler, data: bytes) -> None:
    h.wfile.write(data)
    h.wfile.flush()


def ok_after(seconds: float, raw: Raw) -> Callable:
    def route(h):
        raw.done.wait(seconds)
        send(h, b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(FEED), FEED))

    return route


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- ordinary answers -------------------------------------------------------------------------


def test_ok_returns_the_body_validators_and_type(httpserver: HTTPServer):
    httpserver.expect_request("/feed").respond_with_data(
        FEED,
        content_type="application/rss+xml",
        headers={"ETag": '"v1"', "Last-Modified": "Wed, 21 Oct 2015 07:28:00 GMT"},
    )
    r = one(httpserver.url_for("/feed"), key=("feed", 7))
    assert r.status == "ok" and r.body == FEED and r.http_status == 200 and r.error is None
    assert r.etag == '"v1"' and r.last_modified == "Wed, 21 Oct 2015 07:28:00 GMT"
    assert r.content_type == "application/rss+xml"
    assert r.final_url == httpserver.url_for("/feed")
    assert r.request.key == ("feed", 7) and r.elapsed > 0


def test_an_honest_user_agent_and_only_the_encodings_we_inflate(httpserver: HTTPServer):
    httpserver.expect_request("/feed").respond_with_data(FEED)
    assert one(httpserver.url_for("/feed")).status == "ok"
    (request, _), *_ = httpserver.log
    assert request.headers["User-Agent"] == USER_AGENT
    assert USER_AGENT.startswith("terminal-news-reader/")
    assert request.headers["Accept-Encoding"] == "gzip, deflate"
    assert "If-None-Match" not in request.headers and "If-Modified-Since" not in request.headers


def test_etag_sent_and_304_is_not_modified_keeping_the_validators(httpserver: HTTPServer):
    httpserver.expect_request("/feed", headers={"If-None-Match": '"v1"'}).respond_with_data(
        "", status=304
    )
    r = one(httpserver.url_for("/feed"), etag='"v1"', last_modified="Wed, 21 Oct 2015 07:28:00 GMT")
    assert r.status == "not-modified" and r.body is None and r.http_status == 304
    assert r.etag == '"v1"' and r.last_modified == "Wed, 21 Oct 2015 07:28:00 GMT"
    (request, _), *_ = httpserver.log
    assert request.headers["If-Modified-Since"] == "Wed, 21 Oct 2015 07:28:00 GMT"


def test_last_modified_sent_alone(httpserver: HTTPServer):
    since = "Wed, 21 Oct 2015 07:28:00 GMT"
    httpserver.expect_request("/feed", headers={"If-Modified-Since": since}).respond_with_data(
        "", status=304
    )
    r = one(httpserver.url_for("/feed"), last_modified=since)
    assert r.status == "not-modified" and r.last_modified == since and r.etag is None
    (request, _), *_ = httpserver.log
    assert "If-None-Match" not in request.headers


def test_unstorable_validators_are_dropped(httpserver: HTTPServer):
    httpserver.expect_request("/feed").respond_with_data(FEED, headers={"ETag": "x" * 5000})
    assert one(httpserver.url_for("/feed")).etag is None


def test_no_cookie_carries_from_one_feed_to_the_next(httpserver: HTTPServer):
    httpserver.expect_request("/a").respond_with_data(FEED, headers={"Set-Cookie": "id=1; Path=/"})
    httpserver.expect_request("/b").respond_with_data(FEED)
    a, b = httpserver.url_for("/a"), httpserver.url_for("/b")
    assert [r.status for r in fetch(Request(a), Request(b), limits=Limits(concurrency=1))] == [
        "ok",
        "ok",
    ]
    assert all("Cookie" not in request.headers for request, _ in httpserver.log)


@pytest.mark.parametrize("code", [404, 410, 500])
def test_other_statuses_are_errors_with_the_standard_phrase(httpserver: HTTPServer, code):
    httpserver.expect_request("/feed").respond_with_data("nope", status=code)
    r = one(httpserver.url_for("/feed"))
    phrase = {404: "Not Found", 410: "Gone", 500: "Internal Server Error"}[code]
    assert r.status == "error" and r.error == f"HTTP {code} {phrase}" and r.http_status == code
    assert r.body is None and r.retry_after is None


# ---- Retry-After --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "phrase"), [(429, "Too Many Requests"), (503, "Service Unavailable")]
)
def test_retry_after_in_seconds(httpserver: HTTPServer, code, phrase):
    httpserver.expect_request("/feed").respond_with_data(
        "", status=code, headers={"Retry-After": "120"}
    )
    before = datetime.now(UTC).replace(microsecond=0)
    r = one(httpserver.url_for("/feed"))
    moment = datetime.strptime(r.retry_after, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert before + timedelta(seconds=119) <= moment <= before + timedelta(seconds=125)
    assert r.status == "error" and r.http_status == code
    assert r.error == f"HTTP {code} {phrase}: retry after {r.retry_after}"


@pytest.mark.parametrize("code", [429, 503])
def test_retry_after_as_an_http_date(httpserver: HTTPServer, code):
    httpserver.expect_request("/feed").respond_with_data(
        "", status=code, headers={"Retry-After": "Wed, 21 Oct 2037 07:28:00 GMT"}
    )
    r = one(httpserver.url_for("/feed"))
    assert r.retry_after == "2037-10-21T07:28:00Z"
    assert r.error.endswith(": retry after 2037-10-21T07:28:00Z")


def test_unreadable_retry_after_is_ignored(httpserver: HTTPServer):
    httpserver.expect_request("/feed").respond_with_data(
        "", status=429, headers={"Retry-After": "soon"}
    )
    r = one(httpserver.url_for("/feed"))
    assert r.error == "HTTP 429 Too Many Requests" and r.retry_after is None


# ---- redirects ----------------------------------------------------------------------------------


def test_redirects_are_followed_and_the_final_url_reported(httpserver: HTTPServer):
    httpserver.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": "/mid"}
    )
    httpserver.expect_request("/mid").respond_with_data(
        "", status=302, headers={"Location": "/new"}
    )
    httpserver.expect_request("/new").respond_with_data(FEED)
    r = one(httpserver.url_for("/old"))
    assert r.status == "ok" and r.body == FEED
    assert r.final_url == httpserver.url_for("/new") and r.request.url == httpserver.url_for("/old")


def test_a_redirect_loop_stops_at_the_limit(httpserver: HTTPServer):
    httpserver.expect_request("/loop").respond_with_data(
        "", status=302, headers={"Location": "/loop"}
    )
    r = one(httpserver.url_for("/loop"))
    assert r.status == "error" and r.error == "too many redirects (more than 5)"
    assert len(httpserver.log) == 6  # the first request and five redirects followed


def test_a_redirect_to_a_file_is_refused(httpserver: HTTPServer):
    httpserver.expect_request("/feed").respond_with_data(
        "", status=302, headers={"Location": "file:///etc/passwd"}
    )
    r = one(httpserver.url_for("/feed"))
    assert r.status == "error" and r.error == "unsupported URL scheme 'file'" and r.body is None


@pytest.mark.parametrize("url", ["ftp://example.com/feed", "file:///etc/passwd", "not a url"])
def test_urls_we_do_not_fetch(url):
    r = one(url)
    assert r.status == "error" and r.error


# ---- size cap and compression -------------------------------------------------------------------


def test_oversized_by_content_length_is_refused_before_reading(raw: Raw):
    def route(h):  # announces a gigabyte, sends a little, then waits
        send(h, b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n" + b"x" * 100)
        raw.done.wait(5)

    raw.routes["/big"] = route
    r = one(raw.url("/big"), limits=CAPPED_SLOW)
    assert r.status == "error" and r.error == "body over the 64 KiB limit" and r.http_status == 200
    assert r.elapsed < CAPPED_SLOW.timeout / 2  # not the timeout: the header alone decided


def test_oversized_while_streaming_without_a_length(raw: Raw):
    def route(h):  # an endless body, delimited by nothing
        send(h, b"HTTP/1.0 200 OK\r\n\r\n")
        while not raw.done.is_set():
            send(h, b"x" * 8192)

    raw.routes["/endless"] = route
    r = one(raw.url("/endless"), limits=CAPPED_SLOW)
    assert r.status == "error" and r.error == "body over the 64 KiB limit"
    assert r.elapsed < CAPPED_SLOW.timeout / 2  # the cap stopped it, not the timeout


def test_a_body_exactly_at_the_cap_is_whole(httpserver: HTTPServer):
    httpserver.expect_request("/feed").respond_with_data(b"y" * FAST.max_bytes)
    r = one(httpserver.url_for("/feed"))
    assert r.status == "ok" and r.body == b"y" * FAST.max_bytes


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda b: zlib.compress(b)[2:-4]),  # raw deflate, as some servers send it
    ],
)
def test_compressed_bodies_are_decoded(httpserver: HTTPServer, encoding, compress):
    httpserver.expect_request("/feed").respond_with_data(
        compress(FEED), headers={"Content-Encoding": encoding}
    )
    r = one(httpserver.url_for("/feed"))
    assert r.status == "ok" and r.body == FEED


def test_the_cap_counts_decompressed_bytes(httpserver: HTTPServer):
    httpserver.expect_request("/feed").respond_with_data(
        gzip.compress(b"z" * (FAST.max_bytes + 1)), headers={"Content-Encoding": "gzip"}
    )
    assert one(httpserver.url_for("/feed")).error == "body over the 64 KiB limit"


def test_an_unasked_encoding_is_an_error(httpserver: HTTPServer):
    httpserver.expect_request("/feed").respond_with_data(
        b"\x00", headers={"Content-Encoding": "br"}
    )
    r = one(httpserver.url_for("/feed"))
    assert r.status == "error" and r.error == "unsupported Content-Encoding 'br'"


def test_a_corrupt_gzip_body_is_an_error(httpserver: HTTPServer):
    httpserver.expect_request("/feed").respond_with_data(
        b"not gzip at all", headers={"Content-Encoding": "gzip"}
    )
    r = one(httpserver.url_for("/feed"))
    assert r.status == "error" and r.error.startswith("bad compressed body")


def test_a_gzip_bomb_stops_at_the_cap_without_inflating_further(raw: Raw):
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(1 << 20)
    bomb = b"".join(packer.compress(zeros) for _ in range(64)) + packer.flush()  # 64 MiB in ~64 KiB
    head = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(bomb)
    raw.routes["/bomb"] = lambda h: send(h, head + bomb)
    raw.routes["/warm"] = ok_after(0, raw)
    limits = Limits(timeout=2, max_bytes=256 * 1024)
    assert one(raw.url("/warm")).status == "ok"  # httpx's first imports are not ours to count
    tracemalloc.start()
    try:
        r = one(raw.url("/bomb"), limits=limits)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert r.status == "error" and r.error == "body over the 256 KiB limit"
    # Inflating a whole 64 KiB network chunk at once would have made ~64 MiB.
    assert peak < 8 * 1024 * 1024


# ---- slow servers ----------------------------------------------------------------------------


def test_headers_that_never_come_time_out_and_the_others_are_unaffected(raw: Raw):
    raw.routes["/slow"] = ok_after(10, raw)
    raw.routes["/quick"] = ok_after(0, raw)
    start = time.monotonic()
    slow, quick = fetch(Request(raw.url("/slow")), Request(raw.url("/quick")))[::-1]
    assert quick.status == "ok" and quick.body == FEED
    assert slow.status == "error" and slow.error == "timed out after 0.5 s"
    # The timeout, not the 10 s the server would take (margins for a loaded machine).
    assert 0.4 < slow.elapsed < 5 and time.monotonic() - start < 5


def test_a_body_dripping_slower_than_the_deadline(raw: Raw):
    def route(h):  # one byte every 0.1 s: each read is quick, the whole never ends
        send(h, b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        while not raw.done.wait(0.1):
            send(h, b"x")

    raw.routes["/drip"] = route
    r = one(raw.url("/drip"))
    assert r.status == "error" and r.error == "timed out after 0.5 s" and r.elapsed < 5


def test_headers_dripping_slower_than_the_deadline(raw: Raw):
    def route(h):
        send(h, b"HTTP/1.1 200 OK\r\n")
        while not raw.done.wait(0.1):
            send(h, b"X-Drip: 1\r\n")

    raw.routes["/drip"] = route
    r = one(raw.url("/drip"))
    assert r.status == "error" and r.error == "timed out after 0.5 s" and r.elapsed < 5


# ---- failures among successes --------------------------------------------------------------------


def test_one_failing_feed_never_stops_the_others(httpserver: HTTPServer, raw: Raw):
    raw.routes["/garbage"] = lambda h: send(h, b"this is not HTTP at all\r\n\r\n")
    httpserver.expect_request("/missing").respond_with_data("", status=404)
    httpserver.expect_request("/feed").respond_with_data(FEED)
    good = [Request(httpserver.url_for("/feed"), key=f"good{i}") for i in range(3)]
    bad = [
        Request(httpserver.url_for("/missing"), key="404"),
        Request(f"http://127.0.0.1:{closed_port()}/feed", key="refused"),
        Request(raw.url("/garbage"), key="garbage"),
        Request("http://nonexistent.invalid/feed", key="dns"),
    ]
    answers = {r.request.key: r for r in fetch(*bad[:2], *good, *bad[2:])}
    assert len(answers) == 7
    assert all(answers[r.key].status == "ok" and answers[r.key].body == FEED for r in good)
    assert answers["404"].error == "HTTP 404 Not Found"
    assert answers["refused"].error == "connection refused"
    assert answers["garbage"].status == "error" and answers["garbage"].error.startswith("bad HTTP")
    assert answers["dns"].status == "error" and answers["dns"].error.startswith("DNS lookup failed")
    assert all("\n" not in r.error for r in answers.values() if r.error)


def test_results_come_as_they_finish_not_in_request_order(raw: Raw):
    raw.routes["/slow"] = ok_after(0.3, raw)
    raw.routes["/quick"] = ok_after(0, raw)
    keys = [
        r.request.key
        for r in fetch(
            Request(raw.url("/slow"), key="slow"), Request(raw.url("/quick"), key="quick")
        )
    ]
    assert keys == ["quick", "slow"]


def test_no_requests_no_responses():
    assert fetch() == []


def test_a_broken_loop_still_answers_every_request(monkeypatch):
    async def broken(self):
        raise RuntimeError("boom")

    monkeypatch.setattr("reader.fetch._Runner._run", broken)
    answers = fetch(Request("http://a.example/"), Request("http://b.example/"))
    assert [r.error for r in answers] == ["internal error: boom"] * 2


# ---- limits -----------------------------------------------------------------------------------


def test_one_host_never_sees_more_than_per_host_at_once(raw: Raw):
    raw.routes["/feed"] = ok_after(0.05, raw)
    answers = fetch(*[Request(raw.url("/feed")) for _ in range(4)], limits=Limits(per_host=1))
    assert [r.status for r in answers] == ["ok"] * 4
    assert raw.most_in_flight == 1


def test_fetches_in_flight_are_bounded_overall(raw: Raw):
    raw.routes["/feed"] = ok_after(0.1, raw)
    limits = Limits(concurrency=2, per_host=10, timeout=2)
    answers = fetch(*[Request(raw.url("/feed")) for _ in range(4)], limits=limits)
    assert [r.status for r in answers] == ["ok"] * 4
    assert raw.most_in_flight <= 2  # never beyond the bound (how many overlap is timing)


# ---- cancellation and threads ------------------------------------------------------------------


def test_cancelling_stops_promptly_and_starts_nothing_new(raw: Raw):
    raw.routes["/hang"] = ok_after(10, raw)
    start = time.monotonic()
    limits = Limits(concurrency=2, per_host=2, timeout=10)
    answers = fetch(
        *[Request(raw.url("/hang")) for _ in range(6)],
        limits=limits,
        cancelled=lambda: time.monotonic() - start > 0.3,
    )
    assert answers == []  # abandoned fetches are not answered
    assert time.monotonic() - start < 5  # not the 10 s the server would take
    assert raw.hits == 2


def test_closing_the_iterator_early_abandons_the_rest(raw: Raw):
    raw.routes["/quick"] = ok_after(0, raw)
    raw.routes["/hang"] = ok_after(10, raw)
    requests = [Request(raw.url("/quick"))] + [Request(raw.url("/hang")) for _ in range(3)]
    start = time.monotonic()
    answers = fetch_all(requests, Limits(timeout=10))
    assert next(answers).status == "ok"
    answers.close()
    assert time.monotonic() - start < 5  # not the 10 s the server would take
    assert not any(t.name == "reader-fetch" for t in threading.enumerate())


def test_called_from_a_worker_thread(httpserver: HTTPServer):
    httpserver.expect_request("/feed").respond_with_data(FEED)
    results: list[Response] = []
    worker = threading.Thread(
        target=lambda: results.extend(fetch(*[Request(httpserver.url_for("/feed"))] * 3))
    )
    worker.start()
    worker.join(5)
    assert [r.status for r in results] == ["ok"] * 3


def test_a_slow_caller_holds_back_the_fetches(raw: Raw):
    """Bodies the caller has not taken yet are bounded: concurrency + AHEAD, not the whole
    refresh (100 feeds saved slower than they arrive were all held in memory)."""
    from reader.fetch import AHEAD

    raw.routes["/feed"] = ok_after(0, raw)
    limits = Limits(concurrency=2, per_host=2, timeout=5)
    answers = fetch_all([Request(raw.url("/feed")) for _ in range(30)], limits)
    first = next(answers)
    assert first.status == "ok"
    time.sleep(0.5)  # the caller busy: the fetcher may run ahead only so far
    assert raw.hits <= 2 + AHEAD + 1
    rest = list(answers)
    assert len(rest) == 29 and all(r.status == "ok" for r in rest)
