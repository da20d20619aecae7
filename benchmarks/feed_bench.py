"""How fast ``reader update`` refreshes RSS feeds, against newsboat on the same feeds.

Writes deterministic feeds (``feedsynth.py``: RSS 2.0, items with guid, link, pubDate with
offsets, 2–4 categories and 1–2 KB of ``content:encoded`` HTML) into a temporary folder
under ``benchmarks/data/`` and serves them from a local HTTP/1.1 server in a subprocess
(keep-alive, ETag and Last-Modified, 304 to a matching conditional request; validators can
be switched off). Each feed is on its own loopback address (127.0.0.1, 127.0.0.2, ...), as
feeds on different sites would be, so that the reader's limit of connections per host does
not serialise a refresh that newsboat (which has none) runs 16 at a time; ``--hosts 1``
puts every feed on 127.0.0.1.

Sets (``--sets``, default ``10 100``): N feeds of ``--items`` (1,000) items. For each set,
every client refreshes, one after the other in an order rotated each round:

1. **from empty**: a fresh database (subscribed with ``reader feed import-opml`` beforehand,
   not timed) or a fresh newsboat cache; reported as items per second;
2. **unchanged, full bodies**: the same feeds again with the server's validators off, so every
   feed comes back as a 200 with its whole body and nothing in it is new; seconds;
3. **all 304**: validators on, after one refresh with validators on that is not timed (newsboat
   2.21 stores no ETag or Last-Modified on a feed's first fetch into an empty cache, so its
   second refresh could not be answered 304); seconds.

Then a single feed of ``--big`` (50,000) items, from empty: time and peak RSS (about 85 MiB of
XML, over the reader's 64 MiB cap on a body; ``--big-lean`` gives its items one sentence a
paragraph, 55 MiB, so that the reader's memory can be measured at all). Peak RSS is
``ru_maxrss`` of the command (``os.wait4``: the largest single process of its tree), and the
largest sum of the RSS of the command and its descendants, sampled every 10 ms.

Clients:

* ``reader``: ``reader --db DB update`` (``--jobs``-like option given ``--threads`` if the
  command has one), end to end as a subprocess; after every run ``articles`` must hold every
  item, and the exit code must be 0;
* ``newsboat``: ``newsboat -x reload -u URLS -c CACHE -C CONFIG`` with ``HOME`` and the XDG
  folders in the temporary folder; its cache's ``rss_item`` must hold every item. Installed
  with ``apt-get install -y newsboat`` when not on PATH (if that fails, the reader runs alone);
* ``floor``: this process fetching every feed with ``--threads`` threads (``http.client``,
  keep-alive, conditional requests) and reading the bodies, parsing and storing nothing: how
  long the server and the loopback take.

Every run is also checked against the server's own counts: one request per feed, 200s where
full bodies are expected and 304s where they should be (a refresh said to be all 304s that
was not is marked in the table). A client that stores fewer items than it was served stops
the benchmark: timing a failed fetch is worse than no figure.

The table gives medians over ``--rounds`` (min–max), and the reader's speed divided by
newsboat's in the same round (median of those ratios; above 1 the reader is faster).
Targets (issue): from empty, the reader at least 1.5× newsboat; all-304 refresh of 100 feeds
under 0.5 s; peak RSS under 150 MiB on the 50,000-item feed.

Usage (from the repository root)::

    .venv/bin/python benchmarks/feed_bench.py                         # 3 rounds, everything
    .venv/bin/python benchmarks/feed_bench.py --only newsboat --rounds 1
    .venv/bin/python benchmarks/feed_bench.py --sets 100 --big 0 --rounds 5 --json > out.json
    .venv/bin/python benchmarks/feed_bench.py --hosts 1               # every feed on one host
    .venv/bin/python benchmarks/feed_bench.py --sets --big-lean       # the big feed alone, lean
    .venv/bin/python benchmarks/feed_bench.py --reader-at HEAD        # the committed reader

Nothing outside the temporary folder is written (``--keep`` keeps it); the committed
``articles.db`` is never opened. The reader measured is the work tree's, unless
``--reader-at REV`` exports ``reader/`` and ``widgets/`` of a commit and runs those (the
venv's installed dependencies either way); a run whose work tree changed under it says so.
"""

from __future__ import annotations

import argparse
import compileall
import hashlib
import http.client
import json
import os
import platform
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

try:
    from benchmarks import feedsynth
    from benchmarks.import_bench import reader_command
except ImportError:  # run as a script: benchmarks/ is on sys.path
    import feedsynth
    from import_bench import reader_command

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
CLIENTS = ("reader", "newsboat", "floor")
CASES = ("from_empty", "unchanged", "not_modified")
CASE_LABELS = {
    "from_empty": "from empty, items/s",
    "unchanged": "nothing changed, full bodies (200), s",
    "not_modified": "nothing changed, all 304, s",
    "big": "from empty, items/s",
}
#: Targets of the issue.
TARGET_RATIO = 1.5  # the reader's from-empty rate over newsboat's
TARGET_304_SECONDS = 0.5  # an all-304 refresh of 100 feeds
TARGET_RSS_MIB = 150  # the 50,000-item feed
RUN_TIMEOUT = 1800
#: What the newsboat config sets, and why (printed with the results).
NEWSBOAT_SETTINGS = {
    "reload-threads": None,  # --threads: the same concurrency as the reader
    "download-retries": "1",  # the default, said explicitly: one try, no retry
    "download-timeout": "30",  # the default
    "max-items": "0",  # the default: keep every item (the reader keeps all)
    "keep-articles-days": "0",  # the default: no age limit (the items are from 2022-2025)
}


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class BenchError(SystemExit):
    """A run that did not do what it was timed for: stop, loudly."""

    def __init__(self, message: str) -> None:
        super().__init__(f"feed_bench: FAILED: {message}")


# ---- running a command, with its peak memory ----------------------------------------------


@dataclass
class Run:
    seconds: float
    returncode: int
    maxrss_kib: int  # ru_maxrss of the command: its largest single process
    tree_kib: int  # largest sampled sum of RSS over the command and its descendants
    stdout: str
    stderr: str

    def tail(self, lines: int = 15) -> str:
        text = (self.stdout + self.stderr).strip().splitlines()
        return "\n".join(text[-lines:])


PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


def _tree_rss_kib(root: int) -> int:
    """RSS of every descendant of ``root`` (not ``root`` itself), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as f:
                    stat = f.read()
            except OSError:
                continue
            ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0, list(children.get(root, []))
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm", "rb") as f:
                total += int(f.read().split()[1]) * PAGE_KIB
        except (OSError, IndexError, ValueError):
            pass
        todo += children.get(pid, [])
    return total


#: Runs a command and writes its seconds, exit code and ``ru_maxrss`` (KiB) to a file. A small
#: process of its own, because a child's ``ru_maxrss`` starts from the peak RSS of the process
#: that spawned it (Linux carries the old memory's high-water mark across exec), and this
#: benchmark's own process held whole feeds while writing them.
WRAPPER = """
import os, sys, time
started = time.perf_counter()
pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - started
with open(sys.argv[1], "w") as f:
    f.write(f"{seconds!r} {os.waitstatus_to_exitcode(status)} {usage.ru_maxrss}")
"""


def run_command(
    command: list[str], env: dict[str, str], out: Path, *, sample_tree: bool = False
) -> Run:
    """Run ``command`` through ``WRAPPER``: timed end to end, its output in files by ``out``."""
    stdout_path, stderr_path = out.with_suffix(".out"), out.with_suffix(".err")
    figures = out.with_suffix(".run")
    figures.unlink(missing_ok=True)
    wrapped = [sys.executable, "-I", "-S", "-c", WRAPPER, str(figures), *command]
    with open(stdout_path, "wb") as stdout, open(stderr_path, "wb") as stderr:
        process = subprocess.Popen(
            wrapped,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            env=env,
            start_new_session=True,  # a timeout kills the command with the wrapper
        )
        peak = [0]
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(0.01):
                peak[0] = max(peak[0], _tree_rss_kib(process.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        if sample_tree:
            sampler.start()
        try:
            process.wait(RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise BenchError(f"{command[0]} still running after {RUN_TIMEOUT} s: killed") from None
        finally:
            stop.set()
            if sample_tree:
                sampler.join()
    if process.returncode != 0 or not figures.exists():
        raise BenchError(f"the wrapper around {command} failed: {stderr_path.read_text()[-2000:]}")
    seconds, returncode, maxrss = figures.read_text().split()
    return Run(
        float(seconds),
        int(returncode),
        int(maxrss),
        peak[0],
        stdout_path.read_text(errors="replace"),
        stderr_path.read_text(errors="replace"),
    )


def child_env(home: Path) -> dict[str, str]:
    """The environment of every client: its own HOME and XDG folders, no proxy."""
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy")}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_STATE_HOME=str(home / ".local" / "state"),
        NO_PROXY="127.0.0.0/8,localhost",
        no_proxy="127.0.0.0/8,localhost",
    )
    for folder in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        Path(env[folder]).mkdir(parents=True, exist_ok=True)
    return env


def count_rows(db: Path, table: str) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


def remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal", ".lock"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


# ---- the server -----------------------------------------------------------------------------


class Server:
    """``feedsynth.py serve`` in a subprocess, and its control and counting endpoints."""

    def __init__(self, root: Path, hosts: int, log: Path) -> None:
        self.log = open(log, "wb")  # noqa: SIM115 -- open for the server's whole life
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "feedsynth.py"), "serve", str(root), "--hosts", str(hosts)],
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        line = self.process.stdout.readline()
        if not line.startswith("listening "):
            self.stop()
            raise BenchError(f"the feed server did not start: {line!r} (see {log})")
        self.listening = [tuple(pair) for pair in json.loads(line.removeprefix("listening "))]
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        host, port = self.listening[0]
        self.base = f"http://{host}:{port}"

    def _get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=10) as response:
            return response.read().decode()

    def validators(self, on: bool) -> None:
        self._get(f"/_control?validators={'on' if on else 'off'}")

    def stats(self) -> dict[str, int]:
        """Counts since the last call (and reset them)."""
        return json.loads(self._get("/_stats?reset=1"))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


# ---- the clients ----------------------------------------------------------------------------


@dataclass
class FeedSet:
    name: str
    feeds: int
    items: int
    opml: Path
    urls: Path
    links: list[str]
    lean: bool = False

    @property
    def total(self) -> int:
        return self.feeds * self.items

    @property
    def label(self) -> str:
        return f"{self.feeds}×{self.items:,}" + (" (lean items)" if self.lean else "")


class Client(ABC):
    name = ""

    def __init__(self, work: Path, env: dict[str, str]) -> None:
        self.work = work
        self.env = env

    @abstractmethod
    def fresh(self, feed_set: FeedSet) -> None:
        """Start the set from empty (a new database or cache)."""

    @abstractmethod
    def refresh(self, feed_set: FeedSet, out: Path, *, sample_tree: bool = False) -> Run:
        """One timed refresh of the set."""

    @abstractmethod
    def stored(self, feed_set: FeedSet) -> int | None:
        """Items held after a refresh (None: this client stores nothing)."""

    def discard(self, feed_set: FeedSet) -> None:  # noqa: B027 -- optional: most keep nothing
        """Delete what a set left (disk space between rounds); by default nothing."""


def reader_update_help(env: dict[str, str]) -> tuple[str | None, str]:
    """``reader update --help``, or None and why (no such command yet, or a reader that
    does not start at all)."""
    for args in (["feed", "--help"], ["update", "--help"]):
        done = subprocess.run([*reader_command(), *args], capture_output=True, text=True, env=env)
        if done.returncode != 0:
            output = (done.stderr or done.stdout).strip()
            if "No such command" in output:
                return None, (
                    f"this reader has no `reader {args[0]}` command yet (reader/cli.py);"
                    " run the newsboat side alone with --only newsboat"
                )
            return None, f"`reader {' '.join(args)}` failed (exit {done.returncode}): {output}"
    return done.stdout, ""


class ReaderClient(Client):
    name = "reader"

    def __init__(self, work: Path, env: dict[str, str], update_help: str, threads: int) -> None:
        super().__init__(work, env)
        option = re.search(r"(--(?:jobs|workers|concurrency|threads|parallel))\b", update_help)
        self.update_options = [option.group(1), str(threads)] if option else []

    def db(self, feed_set: FeedSet) -> Path:
        return self.work / f"reader-{feed_set.name}.db"

    def fresh(self, feed_set: FeedSet) -> None:
        db = self.db(feed_set)
        remove_db(db)
        done = subprocess.run(
            [*reader_command(), "--db", str(db), "feed", "import-opml", str(feed_set.opml)],
            capture_output=True,
            text=True,
            env=self.env,
        )
        if done.returncode != 0:
            raise BenchError(f"reader feed import-opml: exit {done.returncode}\n{done.stdout}")
        feeds = count_rows(db, "feeds")
        if feeds != feed_set.feeds:
            raise BenchError(f"reader feed import-opml subscribed {feeds} of {feed_set.feeds}")

    def refresh(self, feed_set: FeedSet, out: Path, *, sample_tree: bool = False) -> Run:
        command = [*reader_command(), "--db", str(self.db(feed_set)), "update"]
        return run_command(command + self.update_options, self.env, out, sample_tree=sample_tree)

    def stored(self, feed_set: FeedSet) -> int:
        return count_rows(self.db(feed_set), "articles")

    def discard(self, feed_set: FeedSet) -> None:
        remove_db(self.db(feed_set))


class NewsboatClient(Client):
    name = "newsboat"

    def __init__(self, work: Path, env: dict[str, str], binary: str, threads: int) -> None:
        super().__init__(work, env)
        self.binary = binary
        self.config = work / "newsboat.config"
        settings = dict(NEWSBOAT_SETTINGS, **{"reload-threads": str(threads)})
        self.config.write_text("".join(f"{k} {v}\n" for k, v in settings.items()))

    def cache(self, feed_set: FeedSet) -> Path:
        return self.work / f"newsboat-{feed_set.name}.db"

    def fresh(self, feed_set: FeedSet) -> None:
        remove_db(self.cache(feed_set))

    def refresh(self, feed_set: FeedSet, out: Path, *, sample_tree: bool = False) -> Run:
        command = [self.binary, "-x", "reload", "-u", str(feed_set.urls)]
        command += ["-c", str(self.cache(feed_set)), "-C", str(self.config)]
        return run_command(command, self.env, out, sample_tree=sample_tree)

    def stored(self, feed_set: FeedSet) -> int:
        return count_rows(self.cache(feed_set), "rss_item")

    def discard(self, feed_set: FeedSet) -> None:
        remove_db(self.cache(feed_set))


class FloorClient(Client):
    """Fetch every feed and read its body, nothing more, in this process."""

    name = "floor"

    def __init__(self, work: Path, env: dict[str, str], threads: int) -> None:
        super().__init__(work, env)
        self.threads = threads
        self.validators: dict[str, tuple[str | None, str | None]] = {}

    def fresh(self, feed_set: FeedSet) -> None:
        for link in feed_set.links:
            self.validators.pop(link, None)

    def refresh(self, feed_set: FeedSet, out: Path, *, sample_tree: bool = False) -> Run:
        local = threading.local()
        failures: list[str] = []

        def fetch(link: str) -> None:
            parts = urlsplit(link)
            key = (parts.hostname, parts.port)
            connections = local.__dict__.setdefault("connections", {})
            if key not in connections:
                connections[key] = http.client.HTTPConnection(*key, timeout=30)
            conn = connections[key]
            headers = {}
            etag, modified = self.validators.get(link, (None, None))
            if etag:
                headers["If-None-Match"] = etag
            if modified:
                headers["If-Modified-Since"] = modified
            conn.request("GET", parts.path, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                self.validators[link] = (
                    response.getheader("ETag"),
                    response.getheader("Last-Modified"),
                )
            elif response.status != 304:
                failures.append(f"{link}: {response.status}")

        started = time.perf_counter()
        with ThreadPoolExecutor(self.threads) as pool:
            list(pool.map(fetch, feed_set.links))
        seconds = time.perf_counter() - started
        return Run(seconds, 1 if failures else 0, 0, 0, "", "\n".join(failures))

    def stored(self, feed_set: FeedSet) -> None:
        return None


# ---- newsboat's installation ----------------------------------------------------------------


def ensure_newsboat() -> tuple[str | None, str]:
    """newsboat's path (installed with apt-get if need be), or None and why not."""
    found = shutil.which("newsboat")
    if found:
        return found, ""
    say("newsboat is not on PATH: installing it with `apt-get install -y newsboat` ...")
    if not shutil.which("apt-get"):
        return None, "there is no apt-get on this machine"
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = [*prefix, "apt-get", "install", "-y", "newsboat"]
    done = subprocess.run(install, capture_output=True, text=True, env=env)
    if done.returncode != 0:  # perhaps a stale package list: update it once and try again
        subprocess.run([*prefix, "apt-get", "update"], capture_output=True, env=env)
        done = subprocess.run(install, capture_output=True, text=True, env=env)
    found = shutil.which("newsboat")
    if done.returncode != 0 or not found:
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        return None, f"apt-get install failed (exit {done.returncode}): {last[0]}"
    return found, ""


def newsboat_version(binary: str) -> str:
    done = subprocess.run([binary, "-v"], capture_output=True, text=True)
    return (done.stdout.splitlines() or ["?"])[0].split(" - ")[0]


# ---- one round -------------------------------------------------------------------------------


@dataclass
class Results:
    """Every measured run: ``[set][case][client]`` lists, one value per round."""

    seconds: dict = field(default_factory=dict)
    rss_kib: dict = field(default_factory=dict)
    tree_kib: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    requests: dict = field(default_factory=dict)
    failed: dict = field(default_factory=dict)  # [set][client]: why

    def add(self, feed_set: str, case: str, client: str, run: Run, stats: dict) -> None:
        for store, value in (
            (self.seconds, run.seconds),
            (self.rss_kib, run.maxrss_kib),
            (self.tree_kib, run.tree_kib),
            (self.requests, stats),
        ):
            store.setdefault(feed_set, {}).setdefault(case, {}).setdefault(client, [])
            store[feed_set][case][client].append(value)


EXPECTED_STATUS = {"from_empty": "200", "unchanged": "200", "not_modified": "304", "prime": None}


def measured(
    client: Client,
    feed_set: FeedSet,
    case: str,
    server: Server,
    out: Path,
    results: Results,
    *,
    sample_tree: bool = False,
) -> Run:
    """One refresh, checked: exit code, items stored, and what the server answered."""
    server.stats()
    run = client.refresh(feed_set, out, sample_tree=sample_tree)
    stats = server.stats()
    what = f"{client.name}, {feed_set.label}, {case}"
    if run.returncode != 0:
        raise BenchError(f"{what}: exit {run.returncode} after {run.seconds:.1f} s\n{run.tail()}")
    stored = client.stored(feed_set)
    if stored is not None and stored != feed_set.total:
        raise BenchError(
            f"{what}: {stored:,} items stored, {feed_set.total:,} served"
            f" (server: {stats})\n{run.tail()}"
        )
    requests = stats.get("200", 0) + stats.get("304", 0) + stats.get("404", 0)
    if stats.get("404") or requests < feed_set.feeds:
        raise BenchError(f"{what}: {requests} requests for {feed_set.feeds} feeds: {stats}")
    if requests > feed_set.feeds:
        results.notes.append(f"{what}: {requests} requests for {feed_set.feeds} feeds")
    expected = EXPECTED_STATUS[case]
    if expected and stats.get(expected, 0) != feed_set.feeds:
        results.notes.append(
            f"{what}: {stats.get(expected, 0)} of {feed_set.feeds} answered {expected} ({stats})"
        )
    if case != "prime":
        results.add(feed_set.name, case, client.name, run, stats)
    return run


def run_set(
    clients: list[Client], feed_set: FeedSet, server: Server, logs: Path, results: Results
) -> str:
    """Cases 1-3 for every client, interleaved; a line for the progress log."""
    for client in clients:
        client.fresh(feed_set)
    line = []
    steps = (
        ("from_empty", True),
        ("unchanged", False),
        ("prime", True),
        ("not_modified", True),
    )
    for case, validators in steps:
        server.validators(validators)
        for client in clients:
            out = logs / f"{client.name}-{feed_set.name}-{case}"
            run = measured(client, feed_set, case, server, out, results)
            if case == "from_empty":
                line.append(f"empty: {client.name} {feed_set.total / run.seconds:,.0f} items/s")
            elif case != "prime":
                line.append(f"{case}: {client.name} {run.seconds:.3f} s")
    for client in clients:
        client.discard(feed_set)
    server.validators(True)
    return ", ".join(line)


def run_big(
    clients: list[Client], feed_set: FeedSet, server: Server, logs: Path, results: Results
) -> str:
    """The big feed from empty, per client. A client that fails it is reported as failed
    (and not run on it again) rather than stopping the benchmark: its other figures stand."""
    line = []
    server.validators(True)
    for client in clients:
        if client.name in results.failed.get(feed_set.name, {}):
            continue
        client.fresh(feed_set)
        out = logs / f"{client.name}-{feed_set.name}-big"
        try:
            run = measured(client, feed_set, "from_empty", server, out, results, sample_tree=True)
        except BenchError as error:
            results.failed.setdefault(feed_set.name, {})[client.name] = str(error.code)
            say(str(error.code))
            line.append(f"{client.name} FAILED")
            continue
        finally:
            client.discard(feed_set)
        rss = max(run.maxrss_kib, run.tree_kib) / 1024
        line.append(
            f"{client.name} {feed_set.total / run.seconds:,.0f} items/s"
            + (f" {rss:.0f} MiB" if client.name != "floor" else "")
        )
    return ", ".join(line)


# ---- reporting -------------------------------------------------------------------------------


def _spread(values: list[float], fmt: Callable[[float], str]) -> str:
    if len(values) == 1:
        return fmt(values[0])
    return f"{fmt(statistics.median(values))} ({fmt(min(values))}–{fmt(max(values))})"


def summarise(results: Results, sets: list[FeedSet], big: FeedSet | None) -> list[dict]:
    """One row a measured figure: medians, spreads and the reader-over-newsboat ratio."""
    rows: list[dict] = []
    memory: list[dict] = []
    every = [(s, case) for s in sets for case in CASES]
    if big is not None:
        every.append((big, "from_empty"))
    for feed_set, case in every:
        failed = results.failed.get(feed_set.name, {})
        seconds = results.seconds.get(feed_set.name, {}).get(case, {})
        seconds = {c: v for c, v in seconds.items() if c not in failed}
        if not seconds and not failed:
            continue
        row = {"set": feed_set.label, "case": case, "name": feed_set.name, "failed": failed}
        for client, values in seconds.items():
            if case == "from_empty":
                row[client] = [feed_set.total / s for s in values]
            else:
                row[client] = list(values)
        if "reader" in seconds and "newsboat" in seconds:
            # speed over speed, round by round: above 1 the reader is faster
            row["ratio"] = statistics.median(
                n / r for r, n in zip(seconds["reader"], seconds["newsboat"], strict=True)
            )
        rows.append(row)
        if case == "from_empty" and (feed_set is big or feed_set is sets[-1]):
            mem = {"set": feed_set.label, "case": "peak_rss", "name": feed_set.name}
            mem["failed"] = failed
            for client in seconds:
                if client == "floor":
                    continue
                rss = results.rss_kib[feed_set.name][case][client]
                tree = results.tree_kib[feed_set.name][case][client]
                mem[client] = [max(a, b) / 1024 for a, b in zip(rss, tree, strict=True)]
                mem[client + "_process"] = [a / 1024 for a in rss]
            if "reader" in mem and "newsboat" in mem:
                mem["ratio"] = statistics.median(
                    r / n for r, n in zip(mem["reader"], mem["newsboat"], strict=True)
                )
            memory.append(mem)
    return rows + memory


def _target(row: dict, big: FeedSet | None) -> str:
    reader = row.get("reader")
    if row["case"] == "from_empty" and (big is None or row["name"] != big.name):
        if "ratio" not in row:
            return f"≥ {TARGET_RATIO}× newsboat"
        met = row["ratio"] >= TARGET_RATIO
        return f"≥ {TARGET_RATIO}× newsboat: {'yes' if met else '**no**'}"
    if row["case"] == "not_modified" and row["set"].startswith("100×"):
        if not reader:
            return f"< {TARGET_304_SECONDS} s"
        met = statistics.median(reader) < TARGET_304_SECONDS
        return f"< {TARGET_304_SECONDS} s: {'yes' if met else '**no**'}"
    if row["case"] == "peak_rss" and big is not None and row["name"] == big.name:
        if not reader:
            return f"< {TARGET_RSS_MIB} MiB"
        met = statistics.median(reader) < TARGET_RSS_MIB
        return f"< {TARGET_RSS_MIB} MiB: {'yes' if met else '**no**'}"
    return ""


def markdown(result: dict, rows: list[dict], big: FeedSet | None) -> str:
    def figure(row: dict, client: str) -> str:
        if client in row["failed"]:
            return "**failed** (below)"
        values = row.get(client)
        if not values:
            return "–"
        if row["case"] == "from_empty":
            return _spread(values, lambda v: f"{v:,.0f}")
        if row["case"] == "peak_rss":
            return _spread(values, lambda v: f"{v:.0f}")
        return _spread(values, lambda v: f"{v:.2f}" if v >= 1 else f"{v:.3f}")

    def label(row: dict) -> str:
        if row["case"] == "peak_rss":
            return f"{row['set']} from empty: peak RSS, MiB"
        return f"{row['set']} {CASE_LABELS[row['case']]}"

    def ratio(row: dict) -> str:
        if "ratio" not in row:
            return "–"
        if row["case"] == "peak_rss":
            return f"{row['ratio']:.2f}× the memory"
        return f"{row['ratio']:.2f}×"

    lines = [
        "| variant | reader | newsboat | reader speed ÷ newsboat's | fetch only (floor) | target |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        floor = figure(row, "floor") if row["case"] != "peak_rss" else ""
        lines.append(
            f"| {label(row)} | {figure(row, 'reader')} | {figure(row, 'newsboat')} |"
            f" {ratio(row)} | {floor} | {_target(row, big)} |"
        )
    env = result["environment"]
    lines += [
        "",
        f"{result['rounds']} interleaved rounds, median (min–max); {env['cpus']} CPUs"
        f" (nproc {env['nproc']}), load {env['load_before']} before and {env['load_after']}"
        f" after; Python {env['python']}, SQLite {env['sqlite']}, {env['newsboat']};"
        f" reader at {env['reader_commit']}"
        + (f" with {env['reader_dirty']} files changed" if env["reader_dirty"] else "")
        + f". {result['threads']} concurrent fetches: newsboat `reload-threads`"
        f" {result['threads']}, reader {result['reader_concurrency']}; feeds on"
        f" {result['hosts']} loopback address(es).",
        "Start-up alone (median): "
        + ", ".join(f"`{k}` {v * 1000:.0f} ms" for k, v in result["startup"].items())
        + ". Peak RSS: the larger of the biggest process (`ru_maxrss`) and the sampled sum over"
        " the command's process tree.",
        "newsboat config: "
        + ", ".join(f"`{k} {v}`" for k, v in result["newsboat_config"].items())
        + "; defaults otherwise.",
    ]
    for name, clients in result["failed"].items():
        for client, why in clients.items():
            lines += ["", f"**{client} failed on {name}:**", "", "```", why, "```"]
    if result["notes"]:
        lines += ["", "Notes (counts that were not as expected, or a change of code):"]
        lines += [f"- {note}" for note in result["notes"]]
    return "\n".join(lines)


# ---- main ------------------------------------------------------------------------------------


def git_facts(rev: str | None = None) -> tuple[str, int, str]:
    """The reader's commit, how many of its files differ from it, and a fingerprint of the
    code itself (commit and diff), to tell whether it changed during a run: other people
    work in the same tree. With ``rev`` (``--reader-at``), that commit alone."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
        return done.stdout

    if rev:
        commit = git("rev-parse", "--short", rev).strip() or rev
        return commit, 0, commit
    commit = git("rev-parse", "--short", "HEAD").strip() or "?"
    dirty = git("status", "--porcelain", "--", "reader", "widgets")
    diff = git("diff", "HEAD", "--", "reader", "widgets")
    untracked = [
        line[3:] for line in dirty.splitlines() if line.startswith("??") and line.endswith(".py")
    ]
    for path in untracked:
        diff += (ROOT / path).read_text(errors="replace") if (ROOT / path).is_file() else ""
    fingerprint = hashlib.sha1(f"{commit}\n{diff}".encode()).hexdigest()[:12]
    return commit, len(dirty.splitlines()), fingerprint


def export_code(rev: str, folder: Path) -> Path:
    """``reader/`` and ``widgets/`` as committed at ``rev``, written into ``folder``."""
    folder.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", rev, "reader", "widgets"],
        capture_output=True,
    )
    if archive.returncode != 0:
        raise SystemExit(f"feed_bench: git archive {rev}: {archive.stderr.decode().strip()}")
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def startup_seconds(command: list[str], env: dict[str, str], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, env=env)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--sets", type=int, nargs="*", default=[10, 100], help="feeds per set (none: big only)"
    )
    parser.add_argument("--items", type=int, default=1000, help="items per feed of a set")
    parser.add_argument("--big", type=int, default=50_000, help="items of the big feed (0: none)")
    parser.add_argument(
        "--big-lean",
        action="store_true",
        help="big feed items of one sentence a paragraph (50,000 fit under 64 MiB)",
    )
    parser.add_argument("--threads", type=int, default=16, help="concurrent fetches (all clients)")
    parser.add_argument("--hosts", type=int, default=0, help="loopback addresses (0: one a feed)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--reader-at",
        metavar="REV",
        help="measure reader/ and widgets/ as committed at REV (exported into the temporary"
        " folder) rather than the work tree, which others may be editing",
    )
    parser.add_argument(
        "--only", nargs="+", choices=("reader", "newsboat"), help="these clients (floor always)"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    wanted = set(args.only or ("reader", "newsboat"))
    hosts = args.hosts or max([*args.sets, 1])

    DATA.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="feeds-", dir=DATA))
    env = child_env(work / "home")
    logs = work / "logs"
    logs.mkdir()
    server = None
    try:
        newsboat = None
        if "newsboat" in wanted:
            newsboat, why = ensure_newsboat()
            if newsboat is None:
                say(f"newsboat: {why}; running the reader side only")
                wanted.discard("newsboat")
        update_help = None
        code = ROOT
        if "reader" in wanted and args.reader_at:
            resolved = subprocess.run(
                ["git", "-C", str(ROOT), "rev-parse", "--verify", args.reader_at + "^{commit}"],
                capture_output=True,
                text=True,
            )
            if resolved.returncode != 0:
                raise SystemExit(f"feed_bench: --reader-at {args.reader_at}: no such commit")
            args.reader_at = resolved.stdout.strip()  # HEAD moves while others commit
            code = export_code(args.reader_at, work / "code")
            env["PYTHONPATH"] = str(code)  # ahead of the editable install's finder
        if "reader" in wanted:
            update_help, why = reader_update_help(env)
            if update_help is None:
                raise SystemExit(f"feed_bench: {why}")
            for package in ("reader", "widgets"):  # as an installation has them (tui_harness)
                compileall.compile_dir(code / package, quiet=1)
        if not wanted:
            raise SystemExit("feed_bench: no client left to measure")

        feeds_root = work / "feeds"
        started = time.perf_counter()
        plan = [(f"s{n}", n, args.items, False) for n in args.sets]
        if args.big:
            plan.append(("big", 1, args.big, args.big_lean))
        indexes = {}
        for name, feeds, items, lean in plan:
            say(f"writing {feeds} feed(s) × {items:,} items ({name}) ...")
            indexes[name] = feedsynth.write_set(
                feeds_root, name, feeds, items, seed=args.seed, lean=lean
            )
        size = sum(f["bytes"] for i in indexes.values() for f in i["files"].values())
        say(f"  {size / 2**20:.0f} MiB in {time.perf_counter() - started:.1f} s; serving them")
        server = Server(feeds_root, hosts, logs / "server.log")
        feed_sets = {}
        for name, feeds, items, lean in plan:
            opml, urls = feedsynth.write_subscriptions(work, name, indexes[name], server.listening)
            links = feedsynth.urls(name, indexes[name], server.listening)
            feed_sets[name] = FeedSet(name, feeds, items, opml, urls, links, lean)
        sets = [feed_sets[f"s{n}"] for n in args.sets]
        big = feed_sets.get("big")

        clients: list[Client] = []
        reader_concurrency = "–"
        if "reader" in wanted:
            reader = ReaderClient(work, env, update_help or "", args.threads)
            clients.append(reader)
            reader_concurrency = (
                " ".join(reader.update_options) if reader.update_options else "its default"
            )
        if newsboat:
            clients.append(NewsboatClient(work, env, newsboat, args.threads))
        clients.append(FloorClient(work, env, args.threads))

        startup = {}
        if "reader" in wanted:
            startup["reader --version"] = startup_seconds([*reader_command(), "--version"], env)
        if newsboat:
            startup["newsboat -v"] = startup_seconds([newsboat, "-v"], env)

        # the code measured is the code at the start
        commit, dirty, fingerprint = git_facts(args.reader_at)
        results = Results()
        load_before = os.getloadavg()[0]
        for number in range(args.rounds):
            shift = number % len(clients)
            order = clients[shift:] + clients[:shift]
            for feed_set in sets:
                say(f"round {number + 1}, {feed_set.label}: ...")
                line = run_set(order, feed_set, server, logs, results)
                say(f"  {line}")
            if big is not None:
                say(f"round {number + 1}, {big.label}: ...")
                say(f"  {run_big(order, big, server, logs, results)}")
        load_after = os.getloadavg()[0]
        commit_after, _, fingerprint_after = git_facts(args.reader_at)
        if "reader" in wanted and fingerprint_after != fingerprint:
            results.notes.append(
                f"the reader's code changed during the run ({commit} → {commit_after}, or"
                " uncommitted edits): the figures mix versions; run it again"
            )
        result = {
            "rounds": args.rounds,
            "threads": args.threads,
            "hosts": hosts,
            "reader_concurrency": reader_concurrency,
            "items_per_feed": args.items,
            "bytes_served_per_refresh": {
                name: sum(f["bytes"] for f in index["files"].values())
                for name, index in indexes.items()
            },
            "environment": {
                "python": platform.python_version(),
                "sqlite": sqlite3.sqlite_version,
                "cpus": os.cpu_count(),
                "nproc": len(os.sched_getaffinity(0)),
                "newsboat": newsboat_version(newsboat) if newsboat else "no newsboat",
                "machine": platform.machine(),
                "load_before": round(load_before, 2),
                "load_after": round(load_after, 2),
                "reader_commit": commit,
                "reader_dirty": dirty,
            },
            "newsboat_config": {
                k: (str(args.threads) if v is None else v) for k, v in NEWSBOAT_SETTINGS.items()
            },
            "startup": startup,
            "seconds": results.seconds,
            "rss_kib": results.rss_kib,
            "tree_kib": results.tree_kib,
            "server_counts": results.requests,
            "notes": results.notes,
            "failed": results.failed,
        }
        rows = summarise(results, sets, big)
        result["rows"] = rows
    finally:
        if server is not None:
            server.stop()
        if args.keep:
            say(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(markdown(result, rows, big))
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(main())
