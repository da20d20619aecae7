"""Paths and streams to saved articles: batching, progress and the summary.

One bad file never stops the others: it becomes a line in ``Report.failures``.
Articles are saved in batches, each batch one transaction, so an interrupted
import leaves every article either wholly saved or absent.
"""

from __future__ import annotations

import codecs
import collections
import itertools
import json
import os
import signal
import stat
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import closing, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from reader.article import ParseError
from reader.jsonl import from_json
from reader.parse import parse_bytes
from reader.sanitize import is_clean
from reader.store import Incoming, Store
from reader.writer import Prepared

SUFFIXES = (".txt", ".jsonl")
MAX_FILE_BYTES = 64 * 1024 * 1024


@dataclass
class Report:
    """What an import did; ``summary()`` is the one line the command prints."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len(self.failures)

    def summary(self) -> str:
        return (
            f"{self.new} new, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.failed} failed"
        )


@dataclass(frozen=True)
class Source:
    """One thing to read: a file path, or standard input (``path`` is ``None``)."""

    name: str
    path: Path | None = None


def printable_name(name: str) -> str:
    """A file name fit for a message line and the ``origin`` column.

    Names are bytes on Linux: undecodable ones arrive with surrogate escapes (which
    SQLite cannot store) and any of them may hold ESC, newlines or bidi marks. Those
    are shown as Python escapes (``\\x1b``), so the name stays readable and one line.
    """
    text = os.fsencode(name).decode("utf-8", "backslashreplace")
    if is_clean(text) and "\n" not in text and "\t" not in text:
        return text
    return "".join(
        c if is_clean(c) and c not in "\n\t" else c.encode("unicode_escape").decode("ascii")
        for c in text
    )


def _reason(error: OSError) -> str:
    if isinstance(error, FileNotFoundError):
        return "no such file or directory"
    return f"cannot read: {error.strerror or error}"


#: A folder tree of up to this many article files is imported in name order (the names
#: sorted in memory); a larger one in the order its folders list them, so that the
#: importer's memory does not grow with the number of files.
SORTED_LIMIT = 50_000


def _files(root: Path, onerror: Callable[[OSError], None] | None = None) -> Iterator[Path]:
    """The ``*.txt`` and ``*.jsonl`` files under ``root``, one folder at a time: its files in
    name order when it has up to ``SORTED_LIMIT`` entries, else in the order listed; then
    its subfolders, in name order. Holds no more than one folder's names at a time (and no
    more than ``SORTED_LIMIT`` of a larger one's).

    A folder that cannot be read goes to ``onerror`` and is skipped; a symbolic link back
    up the tree is followed once.
    """
    seen: set[tuple[int, int]] = set()
    folders = [root]
    while folders:
        folder = folders.pop()
        try:
            status = os.stat(folder)
            if (status.st_dev, status.st_ino) in seen:  # a link to a folder already walked
                continue
            seen.add((status.st_dev, status.st_ino))
            listing = os.scandir(folder)
        except OSError as error:
            if onerror is not None:
                onerror(error)
            continue
        subfolders: list[str] = []
        with listing:
            held: list[str] = []
            streaming = False
            for entry in listing:
                try:
                    is_folder = entry.is_dir()  # follows links, as os.walk(followlinks=True)
                except OSError:
                    is_folder = False
                if is_folder:
                    subfolders.append(entry.name)
                elif os.path.splitext(entry.name)[1].lower() in SUFFIXES:
                    if streaming:
                        yield Path(folder, entry.name)
                        continue
                    held.append(entry.name)
                    if len(held) > SORTED_LIMIT:
                        streaming = True
                        yield from (Path(folder, name) for name in held)
                        held = []
            yield from (Path(folder, name) for name in sorted(held))
        folders.extend(Path(folder, name) for name in sorted(subfolders, reverse=True))


@dataclass(frozen=True)
class Folder:
    """A folder tree of more than ``SORTED_LIMIT`` article files, walked again as it is
    imported (its ``count`` found by a first walk): its names are never all held."""

    path: Path
    count: int

    def __iter__(self) -> Iterator[Source]:
        return (Source(printable_name(str(p)), p) for p in _files(self.path))


def count_sources(sources: Iterable[Source | Folder]) -> int:
    """How many files and streams ``sources`` holds (a progress bar's length)."""
    return sum(s.count if isinstance(s, Folder) else 1 for s in sources)


def each_source(sources: Iterable[Source | Folder]) -> Iterator[Source]:
    for source in sources:
        if isinstance(source, Folder):
            yield from source
        else:
            yield source


def collect(
    paths: Iterable[str], *, database: Path | None = None
) -> tuple[list[Source | Folder], list[tuple[str, str]]]:
    """Expand arguments into sources (directories recursively, ``*.txt`` and ``*.jsonl``):
    a folder tree into its files in name order, or into a ``Folder`` when it holds more
    than ``SORTED_LIMIT`` (``each_source`` and ``count_sources`` read either).

    Paths that cannot be used are returned as ``(name, reason)`` problems, one each; the
    others are imported all the same. The ``database`` being imported into, and the files
    SQLite keeps beside it, are refused (``reader import *`` in its folder): reading them
    with ``open()`` would drop this process's locks on them (see ``reader.schema``).
    """
    sources: list[Source | Folder] = []
    problems: list[tuple[str, str]] = []
    ours = _database_files(database) if database is not None else set()
    for raw in paths:
        if raw == "-":
            sources.append(Source("-"))
            continue
        path = Path(raw)
        try:
            status = path.stat()
        except OSError as error:  # missing, a folder that cannot be entered, a long name
            problems.append((printable_name(raw), _reason(error)))
            continue
        is_folder = stat.S_ISDIR(status.st_mode)
        if (status.st_dev, status.st_ino) in ours:
            problems.append((printable_name(raw), "is the database being imported into"))
            continue
        if is_folder:
            sources.extend(_folder(path, problems))
        else:
            sources.append(Source(printable_name(raw), path))
    return sources, problems


def _folder(root: Path, problems: list[tuple[str, str]]) -> list[Source] | list[Folder]:
    def unreadable(error: OSError) -> None:
        problems.append((printable_name(str(error.filename or root)), _reason(error)))

    found: list[Path] = []
    count = 0
    for path in _files(root, unreadable):
        count += 1
        if count <= SORTED_LIMIT:
            found.append(path)
        elif found:
            found.clear()  # too many to hold: walked again as they are imported
    if count > SORTED_LIMIT:
        return [Folder(root, count)]
    return [Source(printable_name(str(p)), p) for p in sorted(found)]


def _database_files(database: Path) -> set[tuple[int, int]]:
    """The identities of a database file and of its -wal, -shm and -journal files."""
    found = set()
    for suffix in ("", "-wal", "-shm", "-journal"):
        with suppress(OSError):
            status = os.stat(f"{database}{suffix}")
            found.add((status.st_dev, status.st_ino))
    return found


def _read(source: Source, stdin: BinaryIO | None) -> bytes:
    # Read one byte past the limit, never more: /dev/zero, a pipe or endless standard
    # input is "too large", not a MemoryError.
    too_large = ParseError(f"too large (limit {MAX_FILE_BYTES // (1024 * 1024)} MiB)")
    if source.path is None:
        if stdin is None:
            raise ParseError("no standard input")
        data = stdin.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise too_large
        return data
    try:
        status = source.path.stat()
        if stat.S_ISDIR(status.st_mode):
            raise ParseError("is a folder")
        if status.st_size > MAX_FILE_BYTES:
            raise ParseError(
                f"too large ({status.st_size // (1024 * 1024)} MiB;"
                f" limit {MAX_FILE_BYTES // (1024 * 1024)} MiB)"
            )
        with source.path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise ParseError(_reason(error)) from None
    if len(data) > MAX_FILE_BYTES:
        raise too_large
    return data


def _looks_like_jsonl(source: Source, data: bytes) -> bool:
    """By the file's suffix; standard input, by whether its first line is a JSON object
    (so that a text article whose headline starts with "{" is still an article)."""
    if source.path is not None:
        return source.path.suffix.lower() == ".jsonl"
    first = data.removeprefix(codecs.BOM_UTF8).lstrip().split(b"\n", 1)[0]
    if first[:1] != b"{":
        return False
    try:
        return isinstance(json.loads(first), dict)
    except (ValueError, RecursionError):
        return False


def read_source(
    source: Source, stdin: BinaryIO | None = None
) -> Iterator[tuple[str, Incoming | ParseError]]:
    """Articles of one source, each with a name for messages (``file.jsonl:3`` for a line)."""
    try:
        data = _read(source, stdin)
    except ParseError as error:
        yield source.name, error
        return
    if not _looks_like_jsonl(source, data):
        try:
            yield source.name, Incoming(parse_bytes(data, origin=source.name))
        except ParseError as error:
            yield source.name, error
        return
    for number, line in enumerate(data.removeprefix(codecs.BOM_UTF8).splitlines(), start=1):
        if not line.strip():
            continue
        name = f"{source.name}:{number}"
        try:
            record = json.loads(line)
        except (ValueError, RecursionError) as error:
            yield name, ParseError(f"not JSON ({str(error).splitlines()[0][:60]})")
            continue
        try:
            yield name, from_json(record, origin=source.name)
        except ParseError as error:
            yield name, error


PARALLEL_CHUNK = 100  # files a parser process reads per task
# Chunks a parser process may have parsed ahead of the writer: enough to keep parsing through
# a long COMMIT, few enough that memory stays the same (about 1 MB a chunk).
AHEAD = 8
# Articles a transaction. Measured with import_bench: 500 imports as fast as 2,000 and
# holds the write lock a quarter as long, so a mark made meanwhile waits less.
BATCH_SIZE = 500


def _parser_process_setup(writer: int) -> None:
    # Ctrl-C is the writer's to handle: a parser process just goes away with the pool.
    # The process was forked with SIGINT blocked (see _parsed): ignore it, then unblock,
    # which drops a Ctrl-C that came meanwhile.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    # The writer is the import's one serial step (and holds the write lock): with a parser
    # process on every core, it must never wait for a core. Parsers run on what is left.
    with suppress(OSError):
        os.nice(10)

    # A writer killed outright (SIGKILL) cannot shut the pool down: the parser would
    # block for ever on its result pipe, holding the database files open. Leave with it.
    def follow_the_writer() -> None:
        while os.getppid() == writer:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=follow_the_writer, daemon=True).start()


def _read_chunk(sources: list[Source]) -> list[tuple[str, Prepared | ParseError]]:
    """Parse a chunk of files, and prepare each article's rows (JSON, hashes, search text):
    work the writer would otherwise do on its own core."""
    return [
        (name, item if isinstance(item, ParseError) else Prepared.of(item))
        for source in sources
        for name, item in read_source(source)
    ]


def _chunks(sources: Iterator[Source], size: int) -> Iterator[list[Source]]:
    while chunk := list(itertools.islice(sources, size)):
        yield chunk


def _parsed(
    sources: list[Source | Folder],
    stdin: BinaryIO | None,
    progress: Callable[[int], None] | None,
) -> Iterator[tuple[str, Incoming | Prepared | ParseError]]:
    """Every article of ``sources`` in order; files are parsed in parser processes (one a
    core) when there are many: parsing is most of an import. At most a few chunks of files
    are parsed ahead of the writer, so memory stays the same whatever the number of files."""
    workers = os.cpu_count() or 1
    parallel = count_sources(sources) >= 2 * PARALLEL_CHUNK and workers > 1
    if not parallel:
        for source in each_source(sources):
            yield from read_source(source, stdin)
            if progress is not None:
                progress(1)
        return
    for source in sources:  # standard input can only be read here
        if isinstance(source, Source) and source.path is None:
            yield from read_source(source, stdin)
    files = (s for s in each_source(sources) if s.path is not None)
    with ProcessPoolExecutor(
        max_workers=workers, initializer=_parser_process_setup, initargs=(os.getpid(),)
    ) as pool:
        try:
            pending: collections.deque[tuple[int, Future]] = collections.deque()
            chunks = _chunks(files, PARALLEL_CHUNK)
            while True:
                while len(pending) < AHEAD * workers and (chunk := next(chunks, None)):
                    # The parser processes are forked by the first submits. A Ctrl-C to the
                    # process group that lands in one before _parser_process_setup runs
                    # would print a traceback from Python's own after-fork code: fork with
                    # SIGINT blocked. The writer's own Ctrl-C waits, and arrives as the mask
                    # is put back.
                    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
                    try:
                        pending.append((len(chunk), pool.submit(_read_chunk, chunk)))
                    finally:
                        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
                if not pending:
                    break
                size, future = pending.popleft()
                yield from future.result()
                if progress is not None:
                    progress(size)
        except BaseException:
            # wait=True: a forgotten manager thread races the interpreter's exit hook.
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def import_sources(
    store: Store,
    sources: list[Source | Folder],
    *,
    stdin: BinaryIO | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
    report: Report | None = None,
) -> Report:
    """Read and save every source; ``progress(n)`` is told as sources are read."""
    report = report or Report()
    batch: list[Incoming | Prepared] = []

    def flush() -> None:
        result = store.save(batch)
        report.new += result.count("new")
        report.updated += result.count("updated")
        report.unchanged += result.count("unchanged")
        batch.clear()

    # closing(): on Ctrl-C the parser pool is shut down now, not at interpreter exit.
    with closing(_parsed(sources, stdin, progress)) as parsed:
        for name, item in parsed:
            if isinstance(item, ParseError):
                report.failures.append((name, str(item) or "cannot be read"))
                continue
            article = item.item.article if isinstance(item, Prepared) else item.article
            if article.warnings:
                report.warnings.append((name, article.warnings))
            batch.append(item)
            if len(batch) >= batch_size:
                flush()
    if batch:
        flush()
    return report
