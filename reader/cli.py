"""The ``reader`` command: thin click commands over the store.

Errors reach the user as one line (``reader: ...``) and an exit code; only
``--debug`` shows a traceback.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shlex
import shutil
import signal
import sqlite3
import stat
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TextIO

import click

from reader import cells
from reader.article import tag_key
from reader.datefmt import column_date
from reader.filters import Filter
from reader.paths import default_db_path
from reader.schema import DatabaseError, pending_upgrade

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class _Count(click.ParamType):
    """A whole number from ``lowest`` (1) up to what SQLite can hold; anything else is a
    usage error."""

    name = "number"

    def __init__(self, what: str, lowest: int = 1) -> None:
        self.what = what
        self.lowest = lowest

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            number = value
        else:
            try:
                number = int(str(value).strip())
            except ValueError:
                self.fail(f"{value!r} is not {self.what}", param, ctx)
        if not self.lowest <= number <= 2**63 - 1:
            self.fail(f"{value} is not {self.what}", param, ctx)
        return number


ARTICLE_ID = _Count("an article id (a whole number from 1)")


LIMIT = _Count("a count (a whole number; 0 means no limit)", lowest=0)


class _TagName(click.ParamType):
    """A tag name, with or without its ``#``; an empty one is a usage error.

    Without this, ``--tag ""`` narrowed nothing: ``mark-read --all --tag ""`` marked
    the whole archive read.
    """

    name = "tag"

    def convert(self, value, param, ctx):
        name = str(value).strip().lstrip("#").strip()
        if not tag_key(name):
            self.fail(f"{value!r} is not a tag name (give one, as in --tag Russia)", param, ctx)
        return name


TAG = _TagName()


class ReaderGroup(click.Group):
    """Turns every error into one line and an exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except (DatabaseError, sqlite3.Error) as error:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            if isinstance(error, DatabaseError):
                _fail(ctx, str(error))
            # A full disk, a corrupted page, a lock held too long.
            path = (ctx.obj or {}).get("path") or "database"
            _fail(ctx, f"{path}: {error}")
        except KeyboardInterrupt:
            click.echo("reader: interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            # `reader list | head`: the reader of our output left; not an error.
            sys.stderr.close()
            ctx.exit(0)
        except Exception as error:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            _fail(
                ctx,
                f"unexpected error: {type(error).__name__}: {error}"
                " (run with --debug to see the traceback)",
            )


def _fail(ctx: click.Context, message: str, code: int = 1):
    click.echo(f"reader: {message}", err=True)
    ctx.exit(code)


def _db_option(func):
    return click.option(
        "--db",
        "db",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Database file (default: $READER_DB, ./articles.db, or the user data folder).",
    )(func)


def _store(ctx: click.Context, db: Path | None, *, readonly: bool = False):
    from reader.store import Store

    path = db or ctx.obj.get("db") or default_db_path()
    ctx.obj["path"] = path
    pending = None if readonly else pending_upgrade(path)
    if pending is None:
        store = Store(path, readonly=None if not readonly else True)
    else:
        store = upgraded_store(path, *pending)
    ctx.call_on_close(store.close)
    return store


def upgraded_store(path: Path, notice: str, articles: int):
    """A ``Store`` on ``path`` after the upgrade ``pending_upgrade`` announced, with a
    progress bar on standard error (a terminal) while the search index is filled again."""
    from reader.store import Store

    click.echo(notice, err=True)
    if not articles or not sys.stderr.isatty():
        return Store(path, readonly=None)
    with click.progressbar(
        length=articles, label="Indexing", file=sys.stderr, show_pos=True, show_eta=True
    ) as bar:
        return Store(path, readonly=None, progress=bar.update)


@click.group(
    cls=ReaderGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@_db_option
@click.option(
    "--demo",
    is_flag=True,
    help="Use your copy of the demo database (made in the user data folder on first use).",
)
@click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Config file (default: $READER_CONFIG, or config.toml in the user config folder;"
    " reader config path shows which).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.version_option(package_name="terminal-news-reader", prog_name="reader")
@click.pass_context
def cli(ctx: click.Context, db: Path | None, demo: bool, config: Path | None, debug: bool) -> None:
    """A terminal news reader on SQLite.

    With no command, open the reader (or, when the output is not a terminal,
    print the newest headlines).
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    if demo:
        if db is not None:
            raise click.UsageError("give --db or --demo, not both")
        db = _demo_db(ctx)
    ctx.obj["db"] = db
    ctx.obj["config"] = config
    if ctx.invoked_subcommand not in (None, "config"):
        _warn_about_config(config)
    if ctx.invoked_subcommand is None:
        open_app = ctx.obj.get("open_app")
        if open_app is not None and sys.stdout.isatty() and sys.stdin.isatty():
            open_app(db or default_db_path(), debug=debug, config=config)  # it tells a bad file
            return
        _warn_about_config(config)
        store = _store(ctx, db)
        rows = store.page(Filter(), limit=20)
        if not rows:
            click.echo("No articles yet. Import some with: reader import PATH...")
            return
        for row in rows:
            click.echo(_headline_line(row))
        click.echo(
            f"\n{store.count()} articles, {store.unread_count()} unread."
            " More with: reader list --limit N"
        )


def _warn_about_config(given: Path | None) -> None:
    """A bad config file, as one line on stderr; the command goes on (it uses none of it).
    The ids of bindings and theme names are the app's to check: it knows them."""
    from reader.config import ConfigError, load
    from reader.paths import config_path

    path, named = config_path(given)
    try:
        load(path, must_exist=named)
    except ConfigError as error:
        click.echo(f"reader: {error}", err=True)


@cli.group("config")
def config_group() -> None:
    """The config file (TOML: theme, date_format, sidebar_width, [keys]; see the README)."""


@config_group.command("path")
@click.pass_context
def config_path_command(ctx: click.Context) -> None:
    """Print the path of the config file in use, whether it exists or not."""
    from reader.paths import config_path

    click.echo(config_path(ctx.obj.get("config"))[0].absolute())


def _demo_db(ctx: click.Context) -> Path:
    """The user's copy of the demo database (saying so when it is made)."""
    from reader.paths import DemoMissing, demo_db_path

    try:
        path, made = demo_db_path()
    except DemoMissing as error:
        _fail(ctx, str(error))
    except OSError as error:
        _fail(ctx, f"cannot copy the demo database: {error.strerror or error}")
    if made:
        click.echo(f"reader: copied the demo database to {path}; your marks go there", err=True)
    return path


def _headline_line(row) -> str:
    mark = " " if row.read else "●"
    star = "★" if row.starred else " "
    date = column_date(row.published)
    # Padded and cut by terminal cells (reader.cells): a source in any script keeps the column.
    source = cells.fit(cells.plain(row.source or ""), 10)
    return f"{row.id:>6} {mark}{star} {date}  {source}  {cells.plain(row.headline)}"


@cli.command("import")
@_db_option
@click.argument("paths", nargs=-1, required=True)
@click.option("-v", "--verbose", is_flag=True, help="List the warnings of each article.")
@click.pass_context
def import_command(
    ctx: click.Context, db: Path | None, paths: tuple[str, ...], verbose: bool
) -> None:
    """Import article files, folders (*.txt, *.jsonl, recursively) or - for standard input.

    Prints "N new, M updated, K unchanged, F failed" and a line per failed file.
    Exits 1 when any file failed.
    """
    from reader.importer import Report, collect, count_sources, import_sources

    store = _store(ctx, db)
    if store.readonly:
        _fail(ctx, f"{store.path}: opened read-only, nothing can be imported")
    sources, problems = collect(paths, database=store.path)
    report = Report(failures=list(problems))
    stdin = sys.stdin.buffer if sys.stdin is not None else None
    total = count_sources(sources)
    show_bar = sys.stderr.isatty() and total > 1
    try:
        if show_bar:
            with click.progressbar(
                length=total, label="Importing", file=sys.stderr, show_pos=True, show_eta=True
            ) as bar:
                import_sources(store, sources, stdin=stdin, progress=bar.update, report=report)
        else:
            import_sources(store, sources, stdin=stdin, report=report)
    except KeyboardInterrupt:
        # The counts are those of batches known to be saved; the one being written when
        # the interrupt came is either wholly saved or absent (its COMMIT may have ended
        # just before), never half.
        click.echo(f"interrupted: {report.summary()} so far", err=True)
        ctx.exit(EXIT_INTERRUPTED)
    except (DatabaseError, sqlite3.Error) as error:  # a full disk, a file gone read-only...
        click.echo(report.summary())
        reason = str(error)
        if not reason.startswith(f"{store.path}:"):
            reason = f"{store.path}: {reason}"
        _fail(ctx, f"{reason}; the batch in progress was not saved")
    click.echo(report.summary())
    for name, reason in report.failures:
        click.echo(f"{name}: {reason}", err=True)
    if verbose:
        for name, words in report.warnings:
            click.echo(f"{name}: warning: {', '.join(words)}", err=True)
    if report.failed:
        ctx.exit(1)


@cli.command("export")
@_db_option
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True)
@click.option(
    "-o",
    "--output",
    default="-",
    help="File to write, replaced only once the export is complete (default: standard output).",
)
@click.pass_context
def export_command(ctx: click.Context, db: Path | None, fmt: str, output: str) -> None:
    """Export every article, newest first, one JSON object per line.

    `reader import` reads the file back with ids, read and starred marks. An
    existing FILE is replaced only when the export is whole: after Ctrl-C or a
    full disk it is left as it was.
    """
    from reader.jsonl import dumps

    if output == "-":
        store = _store(ctx, db)
        with click.open_file("-", "w", encoding="utf-8") as out, store.snapshot():
            for stored in store.articles():  # one moment of the database, whatever commits
                out.write(dumps(stored) + "\n")
        return
    target = _export_target(ctx, Path(output))  # before the database is opened, or created
    store = _store(ctx, db)
    if target.exists() and os.path.samefile(target, store.path):
        _fail(ctx, f"{output}: is the database itself")
    try:
        with _replacing(target) as out, store.snapshot():
            for stored in store.articles():  # one moment of the database, whatever commits
                out.write(dumps(stored) + "\n")
    except OSError as error:  # a full disk, a folder that cannot be written...
        kept = "; the old file was left as it was" if target.exists() else ""
        _fail(ctx, f"{output}: cannot write: {error.strerror or error}{kept}")


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _export_target(ctx: click.Context, path: Path) -> Path:
    """The regular file an export may replace; for a symbolic link, its target (the link stays).

    A folder, FIFO or device is refused: renaming a file over it would destroy it (as
    root, even /dev/null), and what is written into it cannot be taken back on failure.
    """
    try:
        mode = path.stat().st_mode  # through links: /dev/stdout is a pipe or a terminal
    except FileNotFoundError:
        mode = None
    except OSError as error:
        _fail(ctx, f"{path}: {error.strerror or error}")
    if mode is not None and not stat.S_ISREG(mode):
        _fail(ctx, f"{path}: is {_kind(mode)}; export writes a file, or standard output with -o -")
    target = Path(os.path.realpath(path))
    if not target.parent.is_dir():
        _fail(ctx, f"{path}: no such folder: {target.parent}")
    return target


@contextmanager
def _replacing(target: Path) -> Iterator[TextIO]:
    """A text file that replaces ``target`` when the block ends without an error.

    Written beside it (same file system, so the rename is atomic) as
    ``.NAME.reader-tmp-XXXXXXXX``, synced, then renamed over it; on any error,
    Ctrl-C included, the temporary file is removed and ``target`` left alone.
    """
    # A Ctrl-C between creating the file and returning its name would leave it behind.
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        fd, temporary = tempfile.mkstemp(
            prefix=f".{target.name[:100]}.reader-tmp-", dir=target.parent
        )
        handle = open(fd, "w", encoding="utf-8")  # noqa: SIM115 -- closed below, before the rename
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    try:
        with handle:
            try:
                mode = stat.S_IMODE(target.stat().st_mode)  # an existing file keeps its mode
            except FileNotFoundError:
                umask = os.umask(0)
                os.umask(umask)
                mode = 0o666 & ~umask  # a new one gets open()'s, not mkstemp's 0600
            os.fchmod(fd, mode)
            yield handle
            handle.flush()
            os.fsync(fd)
        os.replace(temporary, target)
    except BaseException:
        with suppress(OSError):
            os.unlink(temporary)
        raise
    # Sync the folder too, so that the rename survives a power cut; best effort.
    with suppress(OSError):
        folder = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def _tag_filter(tags: tuple[str, ...], unread: bool = False, starred: bool = False) -> Filter:
    view = Filter(unread_only=unread, starred_only=starred)
    for tag in tags:
        view = view.with_tag(tag)
    return view


def _view(
    ctx, store, tags: tuple[str, ...], unread: bool, feed: str | None, starred: bool = False
) -> Filter:
    """The view of ``--tag``, ``--unread``, ``--starred`` and ``--feed`` (an unknown feed
    exits 1)."""
    view = _tag_filter(tags, unread, starred)
    if feed is None:
        return view
    from reader.feeds import FeedNotFound

    try:
        found = store.feed(feed)
    except FeedNotFound as error:
        _fail(ctx, str(error))
    return view.for_feed(found.id, found.name)


def _view_options(unread: str = "Only unread articles.", starred: str = "Only starred articles."):
    """``--tag``, ``--unread``, ``--starred``, ``--feed``, ``--limit`` and ``--json``: the
    same for every command that lists (``list``, ``search``, ``quotes``), as ``tags,
    unread, starred, feed, limit, as_json``."""
    options = [
        click.option(
            "--tag",
            "-t",
            "tags",
            multiple=True,
            type=TAG,
            help="Only articles with this tag (repeat: all of them).",
        ),
        click.option("--unread", is_flag=True, help=unread),
        click.option("--starred", is_flag=True, help=starred),
        click.option("--feed", "-f", help="Only articles of this feed (URL or number)."),
        click.option(
            "--limit",
            "-n",
            type=LIMIT,
            default=None,
            help="At most N rows; 0: every row. Default: every row with --json or when"
            " the output is not a terminal, else a screenful.",
        ),
        click.option("--json", "as_json", is_flag=True, help="Print a JSON array."),
    ]

    def decorate(command):
        for option in reversed(options):  # --help lists them in the order above
            command = option(command)
        return command

    return decorate


# ---- printing every row of a view, page by page -------------------------------------------

#: Rows read per query when printing a list: memory stays bounded whatever the view holds.
PAGE = 500
#: How far past the last row shown the "N more" note counts when no counter answers.
LOOKAHEAD = 1000


def _output_is_terminal() -> bool:
    return sys.stdout.isatty()


def _wanted(limit: int | None, as_json: bool) -> tuple[int | None, bool]:
    """How many rows to print (``None``: all of them), and whether the output is a terminal.

    ``--limit N`` is N rows, ``--limit 0`` all; without it a script (``--json``, a pipe, a
    file) gets every row and a person at a terminal a screenful.
    """
    terminal = _output_is_terminal()
    if limit is not None:
        return (limit or None), terminal
    if as_json or not terminal:
        return None, terminal
    # Leave a line for the note on stderr and one for the prompt that follows.
    return max(1, shutil.get_terminal_size().lines - 2), terminal


def _pages(fetch, wanted: int | None) -> Iterator:
    """Rows from ``fetch(last_row, offset, size)`` (``last_row`` None for the first page),
    one page at a time, up to one past ``wanted``, so that the caller knows whether more
    follow without reading them."""
    last, offset = None, 0
    while True:
        size = PAGE if wanted is None else min(PAGE, wanted + 1 - offset)
        if size <= 0:
            return
        rows = fetch(last, offset, size)
        yield from rows
        if len(rows) < size:
            return
        last, offset = rows[-1], offset + len(rows)


def _print_rows(rows: Iterator, wanted: int | None, line, *, as_json: bool) -> tuple[int, object]:
    """Print up to ``wanted`` rows (``line(row)`` as text, or one JSON array) as they come.

    Returns how many were printed and the last one, or ``None`` when every row was.
    """
    out = sys.stdout
    shown, last, cut = 0, None, False
    for row in rows:
        if wanted is not None and shown == wanted:
            cut = True
            break
        text = line(row)
        if as_json:
            # What json.dumps(rows, indent=2) gives, one row at a time.
            text = ("[\n  " if not shown else ",\n  ") + text.replace("\n", "\n  ")
        else:
            text += "\n"
        out.write(text)
        shown, last = shown + 1, row
    if as_json:
        out.write("\n]\n" if shown else "[]\n")
    out.flush()
    return shown, (last if cut else None)


def _more(ctx, shown: int, cheap: int | None, rest) -> str:
    """The note for rows not printed: ``… 1,234 more: reader list --limit 0, or pipe it``.

    The number is a counter's (``cheap``, the view's total) where one answers it;
    otherwise the rows after the last shown are counted, at most ``LOOKAHEAD`` of them
    (``rest(size)`` reads them), so that the note never scans a million rows.
    """
    if cheap is not None:
        number = f"{max(1, cheap - shown):,}"
    else:
        following = len(rest(LOOKAHEAD + 1))
        number = f"{following:,}" if following <= LOOKAHEAD else f"over {LOOKAHEAD:,}"
    how = _again(ctx)
    if ctx.params.get("limit") is None and _output_is_terminal():  # a screenful was chosen
        how += ", or pipe it"
    return f"… {number} more: {how}"


def _again(ctx: click.Context) -> str:
    """The command as it was given, with ``--limit 0``: what the note says to run."""
    words = ["reader", ctx.info_name]
    params = ctx.params
    db = params.get("db") or (ctx.obj or {}).get("db")
    if db is not None:
        words += ["--db", str(db)]
    if params.get("speaker") is not None:
        words += ["--speaker", params["speaker"]]
    for tag in params.get("tags", ()):
        words += ["--tag", tag]
    for flag in ("unread", "starred", "relevance"):
        if params.get(flag):
            words.append(f"--{flag}")
    if params.get("feed") is not None:
        words += ["--feed", params["feed"]]
    words += ["--limit", "0"]
    if params.get("query") is not None:
        words += ["--", params["query"]]
    return shlex.join(words)


_ROW_KEYS = ("id", "headline", "source", "published", "read", "starred", "link")


def _row_json(row) -> str:
    return json.dumps({k: getattr(row, k) for k in _ROW_KEYS}, ensure_ascii=False, indent=2)


def _print_view(ctx, store, view: Filter, limit: int | None, as_json: bool) -> int | None:
    """Print a view's headlines (see ``_wanted``) and, when some were left out, say how
    many on stderr. Returns how many rows were printed when that was all of them."""
    wanted, _terminal = _wanted(limit, as_json)
    ranked = bool(view.query) and view.relevance

    def fetch(last, offset, size):
        if ranked:  # bm25 order has no keyset
            return store.page_at(view, offset, size)
        return store.page(view, after=last.key if last else None, limit=size)

    with store.snapshot():  # one state of the database, whatever commits meanwhile
        shown, last = _print_rows(
            _pages(fetch, wanted), wanted, _row_json if as_json else _headline_line, as_json=as_json
        )
        if last is None:
            return shown
        note = _more(ctx, shown, store.cheap_count(view), lambda size: fetch(last, shown, size))
    click.echo(note, err=True)
    return None


@cli.command("list")
@_db_option
@_view_options()
@click.pass_context
def list_command(ctx, db, tags, unread, starred, feed, limit, as_json) -> None:
    """List headlines, newest first (● marks unread, ★ starred).

    Every row with --json or when the output is not a terminal, else a screenful
    and, on stderr, how many more there are.
    """
    store = _store(ctx, db)
    _print_view(ctx, store, _view(ctx, store, tags, unread, feed, starred), limit, as_json)


@cli.command("doctor")
@_db_option
@click.option("--fix", is_flag=True, help="Rebuild the indexes, the search index and the counters.")
@click.pass_context
def doctor_command(ctx, db, fix: bool) -> None:
    """Check the database: integrity, search index, counters, schema version.

    Exits 1 when something is wrong. --fix rebuilds what can be derived from the
    articles (the indexes, the search index, the counters) and says what to do
    when that is not enough: a damaged file needs a backup, or an export and an
    import into a new database.
    """
    import shlex

    store = _store(ctx, db)
    findings = store.check()
    failed: list[str] = []
    if fix and not all(f.ok for f in findings):
        failed = store.repair()
        for failure in failed:
            click.echo(f"could not rebuild {failure}")
        if not failed:
            click.echo("rebuilt the indexes, the search index and the counters")
        findings = store.check()
    for finding in findings:
        mark = "ok     " if finding.ok else "PROBLEM"
        click.echo(f"{mark}  {finding.name:<17} {finding.detail}")
    problems = sum(not f.ok for f in findings)
    if not problems:
        return
    if not fix:
        hint = "reader doctor --fix rebuilds the indexes and counters"
        if any(f.name == "integrity" and not f.ok for f in findings):
            hint += ", and says what to do when the file itself is damaged"
    else:
        # Running --fix again would do the same again: say what can still be done.
        damaged = failed or any(f.name == "integrity" and not f.ok for f in findings)
        what = "the database file itself is damaged" if damaged else "--fix could not repair it"
        path = shlex.quote(str(store.path))
        hint = (
            f"{what}: save the articles with `reader --db {path} export -o backup.jsonl`,"
            " then load them into a new database with `reader --db new.db import backup.jsonl`"
            " (or restore a backup)"
        )
    click.echo(f"{problems} problem{'s' if problems > 1 else ''}; {hint}", err=True)
    ctx.exit(1)


@cli.command("search")
@_db_option
@click.argument("query")
@click.option("--relevance", is_flag=True, help="Best matches first instead of newest first.")
@_view_options()
@click.pass_context
def search_command(ctx, db, query, tags, unread, starred, feed, relevance, limit, as_json) -> None:
    """Full-text search over headlines, ledes, bodies and tags.

    Words match by prefix (kreml finds Kremlin), "a phrase" as a phrase, -word
    excludes; case and accents do not matter. Newest first unless --relevance.
    Ends with "N found" on stderr, or, when rows were left out, how many more.
    """
    from dataclasses import replace

    from reader.search import parse_query

    parsed = parse_query(query)
    if parsed.problem or not parsed.include:  # a query that cannot find anything, or empty
        reason = parsed.problem or "give a word to look for"
        _fail(ctx, f"nothing to search: {reason}", code=EXIT_USAGE)
    store = _store(ctx, db)
    view = replace(_view(ctx, store, tags, unread, feed, starred), query=query, relevance=relevance)
    shown = _print_view(ctx, store, view, limit, as_json)
    if shown is not None and not as_json:  # every match printed: counted as it went
        click.echo(f"{shown:,} found", err=True)


@cli.command("tags")
@_db_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.pass_context
def tags_command(ctx, db, as_json) -> None:
    """List tags with their article and unread counts, most used first."""
    store = _store(ctx, db)
    tags = store.tags()
    if as_json:
        click.echo(
            json.dumps(
                [{"name": t.name, "articles": t.articles, "unread": t.unread} for t in tags],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    for tag in tags:
        click.echo(f"{tag.articles:>7} {tag.unread:>7} unread  #{tag.name}")


def _name_words(name: str) -> tuple[str, ...]:
    """A name's words as they match: case, accents and punctuation dropped."""
    from reader.search import fold

    return tuple(re.findall(r"\w+", fold(name)))


def _speaker(ctx, store, wanted: str) -> str:
    """The stored name ``--speaker`` means: the same name, else the one name whose words are
    the same (``muller`` is Hans Müller only if a stored name is just ``Müller``), else the
    one name holding all its words (``peskov``: Dmitry Peskov). Several: they are listed
    and the command exits 2; none: the closest are offered and it exits 1."""
    from reader.lookups import speaker_names

    names = speaker_names(store.conn)
    if wanted in names:
        return wanted
    words = _name_words(wanted)
    if not words:
        raise click.BadParameter("give a name", param_hint="'--speaker'")
    keyed = [(name, _name_words(name)) for name in names]
    same = [name for name, key in keyed if key == words]
    found = same or [name for name, key in keyed if set(words) <= set(key)]
    if len(found) == 1:
        return found[0]
    if found:
        listed = ", ".join(found[:10]) + (f" and {len(found) - 10} more" if len(found) > 10 else "")
        _fail(
            ctx,
            f"{len(found)} speakers match {wanted}: {listed}; give more of the name",
            code=EXIT_USAGE,
        )
    _fail(ctx, f"no quotes by {wanted}{_close_names(wanted, keyed)}")


def _close_names(wanted: str, keyed: list[tuple[str, tuple[str, ...]]]) -> str:
    """``; did you mean: A, B?`` for names that hold the one given or are held in it, or
    that share a word spelled nearly the same (``peskof``)."""
    from difflib import SequenceMatcher

    whole = " ".join(_name_words(wanted))
    words = [w for w in whole.split() if len(w) >= 3]

    def near(key: tuple[str, ...]) -> bool:
        joined = " ".join(key)
        if whole in joined or joined in whole:
            return True
        return any(
            SequenceMatcher(None, w, k).ratio() >= 0.8 for w in words for k in key if len(k) >= 3
        )

    close = [name for name, key in keyed if key and near(key)]
    return f"; did you mean: {', '.join(close[:5])}?" if close else ""


_QUOTE_KEYS = ("article_id", "headline", "published", "text", "speaker", "part", "block")


@cli.command("quotes")
@_db_option
@click.option(
    "--speaker",
    "-s",
    help="Only quotes by this person: any of the name's words, case and accents aside"
    " (peskov finds Dmitry Peskov).",
)
@_view_options(
    unread="Only quotes from unread articles.", starred="Only quotes from starred articles."
)
@click.pass_context
def quotes_command(ctx, db, speaker, tags, unread, starred, feed, limit, as_json) -> None:
    """List quotes with their speaker, headline and date, newest article first.

    A --speaker that several people match lists them and exits 2; one that
    nobody matches exits 1 and names the speakers it resembles. Every row with
    --json or when the output is not a terminal, else a screenful.
    """
    store = _store(ctx, db)
    if speaker is not None:
        if not speaker.strip():
            raise click.BadParameter("give a name", param_hint="'--speaker'")
        speaker = _speaker(ctx, store, speaker)
    view = _view(ctx, store, tags, unread, feed, starred)
    wanted, _terminal = _wanted(limit, as_json)

    def fetch(last, offset, size):
        after = last.key if last else None
        return store.quotes(view, speaker=speaker, after=after, limit=size)

    def as_record(row) -> str:
        record = {k: getattr(row, k) for k in _QUOTE_KEYS}
        return json.dumps(record, ensure_ascii=False, indent=2)

    with store.snapshot():
        rows = _pages(fetch, wanted)
        line = as_record
        if not as_json:
            # The speaker column is as wide as the longest name of the first page (a
            # screenful or more): the rest stream past without being held.
            first = list(itertools.islice(rows, PAGE))
            column = max((len(_speaker_cell(row)) for row in first), default=0)
            rows = itertools.chain(first, rows)

            def line(row) -> str:
                quote = f"“{_clip(row.text, 100)}”"
                return (
                    f"{column_date(row.published)}  {_speaker_cell(row):<{column}}  {quote}"
                    f"  — {_clip(row.headline, 60)}"
                )

        shown, last = _print_rows(rows, wanted, line, as_json=as_json)
        if last is None:
            return
        note = _more(ctx, shown, None, lambda size: fetch(last, shown, size))
    click.echo(note, err=True)


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    # Prefer to end on a word, unless that throws away most of the room.
    head = cut.rsplit(" ", 1)[0] if " " in cut[width // 2 :] else cut
    return head.rstrip(" ,;:") + "…"


def _speaker_cell(row) -> str:
    return _clip(row.speaker or "(unattributed)", 24)


@cli.command("show")
@_db_option
@click.argument("article_id", type=ARTICLE_ID)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
    help="text: readable; markdown: for notes and wikis; json: a line of `reader export`.",
)
@click.pass_context
def show_command(ctx, db, article_id: int, fmt: str) -> None:
    """Print one article as readable text, Markdown or JSON."""
    store = _store(ctx, db)
    stored = store.article(article_id)
    if stored is None:
        _fail(ctx, f"no article with id {article_id}")
    if fmt == "json":
        from reader.jsonl import dumps

        click.echo(dumps(stored))
    elif fmt == "markdown":
        click.echo(format_markdown(stored))
    else:
        click.echo(format_article(stored))


def _meta(stored) -> str:
    a = stored.article
    return " · ".join(
        part
        for part in (
            a.source,
            column_date(a.published) if a.published else None,
            "read" if stored.read else "unread",
            "starred" if stored.starred else None,
        )
        if part
    )


def format_article(stored, width: int = 78) -> str:
    """The article as plain text: what `reader show` prints."""
    a = stored.article
    wrap = textwrap.TextWrapper(width=width, break_long_words=True, break_on_hyphens=False)
    lines = [*wrap.wrap(a.headline), _meta(stored)]
    if a.link:
        lines.append(a.link)  # whole, never wrapped: a terminal makes it clickable
    lines += [f"[{caption}]" for caption in a.captions]
    if a.lede:
        lines += [""] + ["  " + line for line in wrap.wrap(a.lede)]
    for block in a.body:
        lines.append("")
        if block.kind == "subheading":
            lines += [block.text.upper()]
        else:
            lines += wrap.wrap(block.text)
    if a.tags:
        lines += ["", " ".join(f"#{tag}" for tag in a.tags)]
    return "\n".join(lines)


# Characters that Markdown would read as markup anywhere in a line, and the starts of a
# line that would make it a heading, quote, list, rule or fence.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>])")
_MD_LINE_START = re.compile(r"^(\s*)([#>+=~-]|\d+[.)])")


def _md(text: str) -> str:
    """Untrusted text as Markdown that shows it as it is."""
    escaped = _MD_INLINE.sub(r"\\\1", text)
    return "\n".join(
        _MD_LINE_START.sub(lambda m: m[1] + m[2][:-1] + "\\" + m[2][-1], line)
        for line in escaped.split("\n")
    )


def format_markdown(stored) -> str:
    """The article as Markdown: what `reader show --format markdown` prints.

    ``# headline``, the meta line, the link, captions in italics, the lede and
    paragraphs, ``## subheading``, ``> `` for a paragraph that is one quote, tags
    as ``#tag``.
    """
    a = stored.article
    whole_quotes = {
        q.block
        for q in a.quotes
        if q.part == "body"
        and q.block is not None
        and q.start == 0
        and q.end >= len(a.body[q.block].text.rstrip())
    }
    parts = [f"# {_md(a.headline)}", _md(_meta(stored))]
    if a.link:
        parts.append(f"<{a.link}>" if not re.search(r"[\s<>]", a.link) else _md(a.link))
    parts += [f"*{_md(caption)}*" for caption in a.captions]
    if a.lede:
        parts.append(_md(a.lede))
    for index, block in enumerate(a.body):
        if block.kind == "subheading":
            parts.append(f"## {_md(block.text)}")
        elif index in whole_quotes:
            parts.append("> " + _md(block.text).replace("\n", "\n> "))
        else:
            parts.append(_md(block.text))
    if a.tags:
        parts.append(" ".join(f"#{_md(tag)}" for tag in a.tags))
    return "\n\n".join(parts)


@cli.command("mark-read")
@_db_option
@click.argument("ids", nargs=-1, type=ARTICLE_ID)
@click.option(
    "--all",
    "all_",
    is_flag=True,
    help="Mark every article read (with --tag: those with all the tags).",
)
@click.option(
    "--tag", "-t", "tags", multiple=True, type=TAG, help="With --all: only articles with this tag."
)
@click.pass_context
def mark_read_command(ctx, db, ids, all_, tags) -> None:
    """Mark articles read, by id or --all."""
    if all_ and ids:
        raise click.UsageError("give article ids or --all, not both")
    if not all_ and not ids:
        raise click.UsageError("give article ids, or --all")
    if tags and not all_:
        raise click.UsageError("--tag goes with --all")
    store = _store(ctx, db)
    if all_:
        changed = store.mark_all_read(_tag_filter(tags))
        click.echo(f"{len(changed)} marked read")
        return
    _mark(ctx, store, ids, read=True)


@cli.command("mark-unread")
@_db_option
@click.argument("ids", nargs=-1, type=ARTICLE_ID, required=True)
@click.pass_context
def mark_unread_command(ctx, db, ids) -> None:
    """Mark articles unread, by id."""
    _mark(ctx, _store(ctx, db), ids, read=False)


def _mark(ctx, store, ids, *, read: bool) -> None:
    previous = store.mark_read(ids, read)
    missing = [i for i in ids if i not in previous]
    word = "read" if read else "unread"
    click.echo(f"{len(previous)} marked {word}")
    if missing:
        _fail(ctx, f"no article with id {', '.join(map(str, missing))}")


from reader.cli_feeds import feed_group, update_command  # noqa: E402 -- they use the above

cli.add_command(feed_group)
cli.add_command(update_command)


def main(open_app=None) -> None:
    """Run the command line; ``open_app(db_path, debug=...)`` is what a bare ``reader`` opens.

    The core knows no UI: ``widgets.main`` passes the Textual app in. Without
    one (``python -m reader``), a bare ``reader`` prints the newest headlines.
    """
    cli(prog_name="reader", obj={"open_app": open_app})


if __name__ == "__main__":
    main()
