"""Fetch many feeds at once: conditional GETs, bounded per host and overall, one answer each.

``fetch_all`` is synchronous and safe to call from any thread (``reader update``, or the
app's thread worker). Inside, one private thread runs an asyncio loop with one
``httpx.AsyncClient``; answers cross back through a queue, so the caller parses and saves
one feed while the others keep downloading.

Why asyncio rather than a thread pool: a fetch must end at its total deadline whatever
the server does (headers dripped one byte at a time never trip httpx's per-read timeout),
and a quitting app must abandon fetches in flight. Cancelling a task does both; a thread
blocked in ``recv`` cannot be stopped from outside.

The size cap counts *decompressed* bytes. We ask for ``gzip, deflate`` only and inflate
ourselves with ``zlib`` ``max_length``, so a gzip bomb never produces more than the cap
plus one byte (httpx's own decoder inflates a whole network chunk at once, which for a
bomb can be a thousand times the chunk).

Proxies: httpx's default ``trust_env`` is kept, so ``HTTP_PROXY``/``HTTPS_PROXY``/
``NO_PROXY`` (and ``SSL_CERT_FILE``) apply as users expect. Cookies are never stored, so
nothing set by one feed is sent to another.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import http
import queue
import re
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from reader.sanitize import sanitize_line

if TYPE_CHECKING:
    import httpx

__all__ = ["USER_AGENT", "Limits", "Request", "Response", "fetch_all"]


def _user_agent() -> str:
    from importlib import metadata

    try:
        meta = metadata.metadata("terminal-news-reader")
        version = meta["Version"] or "0.1.0"
    except metadata.PackageNotFoundError:
        return "terminal-news-reader/0.1.0"
    # A home page appears once pyproject declares one; until then we claim none.
    urls = [u.split(",", 1)[-1].strip() for u in meta.get_all("Project-URL") or []]
    home = meta.get("Home-page") or next(iter(urls), None)
    return f"terminal-news-reader/{version}" + (f" (+{home})" if home else "")


USER_AGENT = _user_agent()


@dataclass(frozen=True, slots=True)
class Request:
    """One feed to fetch; ``key`` is the caller's id for it, handed back in the Response."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    key: object = None


@dataclass(frozen=True, slots=True)
class Response:
    """What became of one Request.

    ``etag``/``last_modified`` are the validators to store: the new ones on "ok"; on
    "not-modified" the 304's own when it sends them, else the request's. ``error`` is
    one line for a person. ``retry_after`` is set on 429/503 with a usable Retry-After:
    the UTC moment ``YYYY-MM-DDTHH:MM:SSZ`` before which the feed must not be asked again.
    """

    request: Request
    status: Literal["ok", "not-modified", "error"]
    body: bytes | bytearray | None = None
    etag: str | None = None
    last_modified: str | None = None
    final_url: str | None = None
    content_type: str | None = None
    http_status: int | None = None
    error: str | None = None
    retry_after: str | None = None
    elapsed: float = 0.0


@dataclass(frozen=True, slots=True)
class Limits:
    """``timeout`` bounds each connect/read/write *and* the whole fetch, redirects included."""

    concurrency: int = 16
    per_host: int = 2
    timeout: float = 20.0
    max_redirects: int = 5
    max_bytes: int = 64 * 1024 * 1024


def fetch_all(
    requests: Iterable[Request],
    limits: Limits = Limits(),
    *,
    cancelled: Callable[[], bool] = lambda: False,
) -> Iterator[Response]:
    """Fetch every request; yield each Response as soon as its fetch ends (any order).

    Every request gets exactly one Response, and a failing feed only ever becomes an
    "error" Response. ``cancelled`` is polled about ten times a second: once it returns
    true, nothing new starts, fetches in flight are abandoned, their Responses are *not*
    yielded, and the iterator ends. Closing the iterator early does the same.
    """
    todo = list(requests)
    if not todo:
        return
    answers: queue.SimpleQueue[tuple[int, Response] | _Done] = queue.SimpleQueue()
    runner = _Runner(todo, limits, answers.put)
    thread = threading.Thread(target=runner.run, name="reader-fetch", daemon=True)
    thread.start()
    unanswered = set(range(len(todo)))
    try:
        while unanswered:
            if cancelled():
                return
            try:
                item = answers.get(timeout=0.1)
            except queue.Empty:
                continue
            if isinstance(item, _Done):  # the loop died: still answer every request
                for i in sorted(unanswered):
                    yield _error(todo[i], f"internal error: {item.reason}")
                return
            index, response = item
            unanswered.discard(index)
            runner.taken()
            yield response
    finally:
        runner.stop()
        thread.join(timeout=2.0)  # cancellation is prompt; a daemon thread never blocks exit


# -- the loop thread ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Done:
    reason: str


_REDIRECTS = frozenset({301, 302, 303, 307, 308})
#: Responses that may wait for the caller beyond the fetches in flight.
AHEAD = 4
_SCHEMES = frozenset({"http", "https"})


class _Runner:
    """Owns the event loop thread: schedules the fetches, reports each through ``put``."""

    def __init__(self, todo: list[Request], limits: Limits, put: Callable[[object], None]):
        self.todo = todo
        self.limits = limits
        self.put = put
        self._lock = threading.Lock()
        self._stopping = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._main: asyncio.Task[None] | None = None
        # Fetches started and not yet taken by the caller: a caller slower than the network
        # (saving a hundred feeds) must not find every body of the refresh waiting in memory.
        self._room: asyncio.Semaphore | None = None

    def run(self) -> None:
        # Not asyncio.run: it waits for the default executor, where a DNS lookup may hang
        # long after its fetch was abandoned; loop.close() lets those threads end alone.
        reason = "stopped"
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(self._run())
        except asyncio.CancelledError:
            pass  # stop() was called
        except BaseException as e:  # reported to the caller, never lost
            reason = _one_line(e)
        finally:
            with contextlib.suppress(BaseException):
                left = asyncio.all_tasks(loop)
                for task in left:
                    task.cancel()
                loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))
                loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
            self.put(_Done(reason))

    def taken(self) -> None:
        """Thread-safe: the caller took one Response; another fetch may start."""
        with self._lock:
            if self._loop is not None and self._room is not None:
                with contextlib.suppress(RuntimeError):  # the loop has already closed
                    self._loop.call_soon_threadsafe(self._room.release)

    def stop(self) -> None:
        """Thread-safe: cancel everything still running (or stop it before it starts)."""
        with self._lock:
            self._stopping = True
            if self._loop is not None and self._main is not None:
                with contextlib.suppress(RuntimeError):  # the loop has already closed
                    self._loop.call_soon_threadsafe(self._main.cancel)

    async def _run(self) -> None:
        with self._lock:
            if self._stopping:
                return
            self._loop = asyncio.get_running_loop()
            self._main = asyncio.current_task()
        import httpx

        lim = self.limits
        # A cookie jar whose policy refuses every cookie: nothing persists between feeds.
        from http.cookiejar import CookieJar, DefaultCookiePolicy

        jar = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
        client = httpx.AsyncClient(
            timeout=httpx.Timeout(lim.timeout),
            limits=httpx.Limits(max_connections=lim.concurrency),
            follow_redirects=False,  # followed by hand: count, scheme check, one deadline
            cookies=jar,
            headers={
                "User-Agent": USER_AGENT,
                # Explicit, so brotli/zstd are never advertised: we inflate these two only.
                "Accept-Encoding": "gzip, deflate",
                "Accept": "application/atom+xml, application/rss+xml, application/xml;q=0.9,"
                " text/xml;q=0.9, application/feed+json;q=0.9, */*;q=0.8",
            },
        )
        slots = asyncio.Semaphore(max(1, lim.concurrency))
        self._room = asyncio.Semaphore(max(1, lim.concurrency) + AHEAD)
        hosts: dict[str, asyncio.Semaphore] = {}
        async with client, asyncio.TaskGroup() as group:
            for index, request in enumerate(self.todo):
                host = _host_key(request.url)
                if host not in hosts:
                    hosts[host] = asyncio.Semaphore(max(1, lim.per_host))
                group.create_task(self._one(client, index, request, hosts[host], slots))

    async def _one(
        self,
        client: httpx.AsyncClient,
        index: int,
        request: Request,
        host: asyncio.Semaphore,
        slots: asyncio.Semaphore,
    ) -> None:
        import httpx  # loaded by _run already

        # Room first (a Response the caller has not taken yet holds it), then the host: a
        # feed waiting for its host must not hold one of the slots.
        assert self._room is not None
        await self._room.acquire()
        async with host, slots:
            start = time.monotonic()
            try:
                async with asyncio.timeout(self.limits.timeout):
                    try:
                        response = await _fetch(client, request, self.limits)
                    except httpx.RemoteProtocolError:
                        # A kept-alive connection the server closed while it sat idle (the
                        # caller was busy): the GET is asked again once, on a new one.
                        response = await _fetch(client, request, self.limits)
            except TimeoutError:
                response = _error(request, _timed_out(self.limits))
            except Exception as e:  # one feed's failure is its Response
                response = _error(request, _describe(e, self.limits))
            self.put((index, replace(response, elapsed=time.monotonic() - start)))


async def _fetch(client: httpx.AsyncClient, request: Request, limits: Limits) -> Response:
    import httpx

    headers = {}
    if request.etag:
        headers["If-None-Match"] = request.etag
    if request.last_modified:
        headers["If-Modified-Since"] = request.last_modified
    url = httpx.URL(request.url)
    for _ in range(limits.max_redirects + 1):
        if url.scheme not in _SCHEMES:
            return _error(request, f"unsupported URL scheme {url.scheme or '(none)'!r}")
        async with client.stream("GET", url, headers=headers) as r:
            location = r.headers.get("location")
            if r.status_code in _REDIRECTS and location:
                url = r.url.join(location.strip())
                continue
            return await _answer(request, r, limits)
    return _error(request, f"too many redirects (more than {limits.max_redirects})")


async def _answer(request: Request, r: httpx.Response, limits: Limits) -> Response:
    code = r.status_code
    common = {
        "final_url": str(r.url),
        "content_type": _header(r, "content-type"),
        "http_status": code,
    }
    if code == 304:
        return Response(
            request,
            "not-modified",
            etag=_header(r, "etag") or request.etag,
            last_modified=_header(r, "last-modified") or request.last_modified,
            **common,
        )
    if not 200 <= code < 300:
        error = f"HTTP {code} {_phrase(code)}".rstrip()
        retry = _retry_after(r.headers.get("retry-after")) if code in (429, 503) else None
        if retry:
            error += f": retry after {retry}"
        return Response(request, "error", error=error, retry_after=retry, **common)
    length = r.headers.get("content-length", "").strip()
    if length.isdigit() and int(length) > limits.max_bytes:
        return Response(request, "error", error=_over(limits), **common)
    body = bytearray()
    inflate = _Inflater(r.headers.get("content-encoding", ""))
    async for chunk in r.aiter_raw():
        data = inflate.feed(chunk, limits.max_bytes - len(body))
        if data is None:
            return Response(request, "error", error=_over(limits), **common)
        body += data
    return Response(
        request,
        "ok",
        body=body,  # not bytes(body): a copy would double a big feed's peak (parsers take it)
        etag=_header(r, "etag"),
        last_modified=_header(r, "last-modified"),
        **common,
    )


class _Inflater:
    """Content-Encoding undone chunk by chunk, never producing more than it is allowed."""

    def __init__(self, encoding: str):
        codings = [c.strip().lower() for c in encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if not codings:
            self._z = None
        elif codings in (["gzip"], ["x-gzip"]):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif codings == ["deflate"]:
            self._z = zlib.decompressobj(zlib.MAX_WBITS)
            self._raw_fallback = True  # some servers send raw deflate without the zlib header
        else:
            raise _FetchError(f"unsupported Content-Encoding {encoding.strip()[:40]!r}")
        self._started = False

    def feed(self, chunk: bytes, room: int) -> bytes | None:
        """The decoded bytes of ``chunk``, or None when they would exceed ``room``."""
        if self._z is None:
            return chunk if len(chunk) <= room else None
        try:
            # max_length room+1: one byte more than allowed proves the cap is crossed,
            # and inflating stops there however much the input would expand.
            out = self._z.decompress(chunk, room + 1)
        except zlib.error as e:
            if self._started or not getattr(self, "_raw_fallback", False):
                raise _FetchError(f"bad compressed body: {e}") from None
            self._z = zlib.decompressobj(-zlib.MAX_WBITS)
            self._raw_fallback = False
            return self.feed(chunk, room)
        self._started = True
        return out if len(out) <= room else None


class _FetchError(Exception):
    """A per-feed failure whose message is already the one line to show."""


# -- helpers ----------------------------------------------------------------------------


def _host_key(url: str) -> str:
    try:
        return (urlsplit(url).hostname or url).lower()
    except ValueError:
        return url


def _error(request: Request, message: str) -> Response:
    return Response(request, "error", error=message)


def _timed_out(limits: Limits) -> str:
    return f"timed out after {limits.timeout:g} s"


def _over(limits: Limits) -> str:
    return f"body over the {_size(limits.max_bytes)} limit"


def _size(n: int) -> str:
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= factor and n % factor == 0:
            return f"{n // factor} {unit}"
    return f"{n} bytes"


def _phrase(code: int) -> str:
    # The standard phrase, not the server's: no untrusted text in the message.
    try:
        return http.HTTPStatus(code).phrase
    except ValueError:
        return ""


_TOKEN = re.compile(r"[\x21-\x7e]([\x20-\x7e]{0,1022}[\x21-\x7e])?")


def _header(r: httpx.Response, name: str) -> str | None:
    """A header worth storing and sending back: printable ASCII, at most 1 KiB."""
    value = r.headers.get(name)
    if value is None:
        return None
    value = value.strip()
    return value if _TOKEN.fullmatch(value) else None


def _retry_after(value: str | None, now: datetime | None = None) -> str | None:
    """Retry-After (delta-seconds or HTTP-date) as UTC ``YYYY-MM-DDTHH:MM:SSZ``."""
    if not value:
        return None
    value = value.strip()
    now = now or datetime.now(UTC)
    if value.isdigit():
        try:
            moment = now + timedelta(seconds=int(value))
        except OverflowError:
            return None
    else:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if moment.tzinfo is None:  # "-0000" means UTC with no zone information
            moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _describe(error: BaseException, limits: Limits) -> str:
    """One line for a person from whatever the fetch raised."""
    import httpx

    if isinstance(error, _FetchError):
        return str(error)
    if isinstance(error, httpx.TimeoutException):
        return _timed_out(limits)
    if isinstance(error, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return f"bad URL: {_one_line(error)}"
    # Walk the chain down to the OS or TLS error that says what happened.
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, ssl.SSLCertVerificationError):
            detail = f" ({cause.verify_message})" if cause.verify_message else ""
            return f"TLS: certificate verify failed{detail}"
        if isinstance(cause, ssl.SSLError):
            return f"TLS: {(cause.reason or str(cause)).lower().replace('_', ' ')}"
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, ConnectionResetError):
            return "connection reset by the server"
        if isinstance(cause, socket.gaierror):
            return f"DNS lookup failed: {(cause.strerror or str(cause)).lower()}"
        if isinstance(cause, TimeoutError):
            return _timed_out(limits)
        cause = cause.__cause__ or cause.__context__
    if isinstance(error, httpx.RemoteProtocolError | httpx.DecodingError):
        return f"bad HTTP response: {_one_line(error)}"
    if isinstance(error, httpx.ConnectError):
        return f"cannot connect: {_one_line(error)}"
    return _one_line(error)


def _one_line(error: BaseException) -> str:
    text = sanitize_line(str(error)) or type(error).__name__
    return text if len(text) <= 200 else text[:199] + "…"
