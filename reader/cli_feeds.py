"""``reader feed ...`` and ``reader update``: subscriptions on the command line.

Registered on the ``reader`` group by ``reader.cli``; the same one-line errors and exit
codes (0 done, 1 something failed, 2 a usage error).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from reader.cli import EXIT_INTERRUPTED, EXIT_USAGE, TAG, _db_option, _fail, _store
from reader.links import safe_link


class _FeedUrl(click.ParamType):
    """An absolute http(s) URL (``reader.links.safe_link``); anything else is a usage error."""

    name = "url"

    def convert(self, value, param, ctx):
        url = safe_link(str(value))
        if url is None:
            self.fail(f"{value!r} is not an http(s) URL", param, ctx)
        return url


FEED_URL = _FeedUrl()


def _when(moment: str | None) -> str:
    """A stored UTC moment as the list shows it (``2026-12-03 16:42``), or ``never``."""
    return moment.replace("T", " ")[:16] if moment else "never"


@click.group("feed")
def feed_group() -> None:
    """Subscriptions: add, list, remove, and move them in and out as OPML."""


@feed_group.command("add")
@_db_option
@click.argument("url", type=FEED_URL)
@click.option(
    "--tag", "-t", "tags", multiple=True, type=TAG, help="Give its articles this tag (repeat)."
)
@click.option("--title", help="Call it this instead of the title the feed gives.")
@click.pass_context
def add_command(ctx, db, url: str, tags: tuple[str, ...], title: str | None) -> None:
    """Subscribe to a feed (RSS, Atom or JSON Feed); `reader update` fetches it."""
    from reader.sanitize import sanitize_line

    store = _store(ctx, db)
    title = sanitize_line(title) or None if title is not None else None
    feed, new = store.add_feed(url, title=title, tags=tags)
    if new:
        click.echo(f"subscribed to {feed.url} (feed {feed.id}); fetch it with: reader update")
    else:
        tagged = f"; tags: {', '.join('#' + t for t in feed.tags)}" if feed.tags else ""
        click.echo(f"already subscribed to {feed.url} (feed {feed.id}){tagged}")


@feed_group.command("list")
@_db_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.pass_context
def list_command(ctx, db, as_json: bool) -> None:
    """List subscriptions: number, articles, unread, last refresh, name, and the last error."""
    store = _store(ctx, db)
    feeds = store.feeds()
    if as_json:
        keys = ("id", "url", "title", "site_url", "tags", "added_at", "checked_at")
        records = [
            {
                **{k: getattr(f, k) for k in keys},
                "updated_at": f.updated_at,
                "last_error": f.last_error,
                "retry_after": f.retry_after,
                "articles": f.articles,
                "unread": f.unread,
            }
            for f in feeds
        ]
        for record in records:
            record["tags"] = list(record["tags"])
        click.echo(json.dumps(records, ensure_ascii=False, indent=2))
        return
    if not feeds:
        click.echo("No feeds yet. Subscribe with: reader feed add URL")
        return
    for f in feeds:
        tags = "".join(f"  #{t}" for t in f.tags)
        click.echo(
            f"{f.id:>4} {f.articles:>7} {f.unread:>7} unread  {_when(f.updated_at)}  {f.name}{tags}"
        )
        if f.title:
            click.echo(f"{'':>39}{f.url}")
        if f.last_error:
            click.echo(f"{'':>39}error ({_when(f.checked_at)}): {f.last_error}")


@feed_group.command("remove")
@_db_option
@click.argument("which")
@click.option("--keep-articles", is_flag=True, help="Keep its articles (they belong to no feed).")
@click.option("--yes", "-y", is_flag=True, help="Delete its articles without asking.")
@click.pass_context
def remove_command(ctx, db, which: str, keep_articles: bool, yes: bool) -> None:
    """Unsubscribe from a feed, by URL or number (see reader feed list).

    Its articles are deleted too, after a question on a terminal (--yes for scripts),
    unless --keep-articles.
    """
    from reader.feeds import FeedNotFound

    store = _store(ctx, db)
    try:
        feed = store.feed(which)
    except FeedNotFound as error:
        _fail(ctx, str(error))
    if feed.articles and not keep_articles and not yes:
        what = f"{feed.name} has {feed.articles} article{'s' if feed.articles != 1 else ''}"
        if not sys.stdin.isatty():
            _fail(
                ctx,
                f"{what}: add --yes to delete them with it, or --keep-articles",
                code=EXIT_USAGE,
            )
        if not click.confirm(f"{what}. Delete them too?", default=False, err=True):
            click.echo("nothing removed", err=True)
            ctx.exit(1)
    count = store.remove_feed(feed, keep_articles=keep_articles)
    kept = "kept" if keep_articles else "deleted"
    click.echo(f"unsubscribed from {feed.url}; {count} article{'s' if count != 1 else ''} {kept}")


@feed_group.command("import-opml")
@_db_option
@click.argument("file", type=click.File("rb"))
@click.pass_context
def import_opml_command(ctx, db, file) -> None:
    """Subscribe to every feed of an OPML file, or of a newsboat `urls` file (- reads
    standard input). OPML folders and newsboat tags become tags."""
    from reader.article import ParseError
    from reader.opml import OpmlError, looks_like_opml, read_opml, read_urls
    from reader.sanitize import decode

    data = file.read()
    name = "<stdin>" if file.name == "<stdin>" else file.name
    try:
        if looks_like_opml(data):
            subscriptions, skipped = read_opml(data)
        else:
            subscriptions, skipped = read_urls(decode(data)[0])
    except (OpmlError, ParseError) as error:
        _fail(ctx, f"{name}: {error}")
    store = _store(ctx, db)
    added = store.add_feeds((s.url, s.title, s.tags) for s in subscriptions)
    new = sum(1 for _, is_new in added if is_new)
    click.echo(
        f"{new} subscribed, {len(added) - new} already subscribed, {len(skipped)} skipped;"
        " fetch them with: reader update"
    )
    for skip in skipped:
        where = f"{name}:{skip.line}" if skip.line else name
        click.echo(f"{where}: {skip.text}: {skip.reason}", err=True)


@feed_group.command("export-opml")
@_db_option
@click.option("-o", "--output", default="-", help="File to write (default: standard output).")
@click.pass_context
def export_opml_command(ctx, db, output: str) -> None:
    """Write every subscription as OPML 2.0 (tags become folders)."""
    from reader.cli import _export_target, _replacing
    from reader.opml import Subscription, write_opml

    target = None if output == "-" else _export_target(ctx, Path(output))
    store = _store(ctx, db, readonly=True)
    text = write_opml(Subscription(f.url, f.title, f.tags) for f in store.feeds())
    if target is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    try:
        with _replacing(target) as out:
            out.write(text)
    except OSError as error:
        _fail(ctx, f"{output}: cannot write: {error.strerror or error}")


@click.command("update")
@_db_option
@click.argument("which", nargs=-1)
@click.option(
    "--timeout",
    type=click.FloatRange(0.1, 600),
    default=20.0,
    show_default=True,
    help="Seconds one feed may take, redirects included.",
)
@click.pass_context
def update_command(ctx, db, which: tuple[str, ...], timeout: float) -> None:
    """Refresh feeds (all, or those named by URL or number) and import their new entries.

    Feeds are fetched at once (16 at a time, 2 per host), with conditional requests;
    bodies over 64 MiB are refused. A feed whose server asked to wait (Retry-After, at most
    a day) is skipped until then, unless named. Prints a line per feed that failed and
    exits 1 if any did.
    """
    from reader.feeds import FeedNotFound
    from reader.fetch import Limits
    from reader.update import Progress, refresh

    store = _store(ctx, db)
    if store.readonly:
        _fail(ctx, f"{store.path}: opened read-only, nothing can be refreshed")
    try:
        feeds = [store.feed(w) for w in dict.fromkeys(which)] if which else store.feeds()
    except FeedNotFound as error:
        _fail(ctx, str(error))
    if not feeds:
        click.echo("No feeds yet. Subscribe with: reader feed add URL")
        return
    limits = Limits(timeout=timeout)
    try:
        if sys.stderr.isatty():
            with click.progressbar(
                length=len(feeds), label="Refreshing", file=sys.stderr, show_pos=True
            ) as bar:
                done = 0

                def show(progress: Progress) -> None:
                    nonlocal done
                    bar.label = f"Refreshing ({progress.new} new)"
                    bar.update(progress.done - done)
                    done = progress.done

                outcomes = refresh(store, feeds, limits=limits, progress=show, force=bool(which))
        else:
            outcomes = refresh(store, feeds, limits=limits, force=bool(which))
    except KeyboardInterrupt:
        click.echo("interrupted: the feeds refreshed so far are saved", err=True)
        ctx.exit(EXIT_INTERRUPTED)
    new = sum(o.new for o in outcomes)
    updated = sum(o.updated for o in outcomes)
    unchanged = sum(o.status == "not-modified" for o in outcomes)
    failed = sum(o.status == "failed" for o in outcomes)
    deferred = sum(o.status == "deferred" for o in outcomes)
    waiting = f", {deferred} asked to wait" if deferred else ""
    click.echo(
        f"{len(outcomes)} feeds: {new} new, {updated} updated articles;"
        f" {unchanged} not modified, {failed} failed{waiting}"
    )
    for outcome in outcomes:
        if outcome.error:
            click.echo(f"{outcome.feed.url}: {outcome.error}", err=True)
    if failed:
        ctx.exit(1)
