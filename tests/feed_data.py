"""RSS documents for the feed tests: numbered items with quotes, a subheading and tags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape


def item(
    n: int,
    *,
    guid: str | None = "auto",
    link: str | None = "auto",
    title: str | None = "auto",
    body: str | None = None,
    categories: tuple[str, ...] = ("World",),
    date: str | None = "auto",
) -> str:
    """One RSS 2.0 item; "auto" fields are numbered after ``n``."""
    parts = []
    if title is not None:
        parts.append(f"<title>{escape(f'Story {n}' if title == 'auto' else title)}</title>")
    if guid is not None:
        parts.append(
            f"<guid isPermaLink='false'>{escape(f'id-{n}' if guid == 'auto' else guid)}</guid>"
        )
    if link is not None:
        parts.append(
            f"<link>{escape(f'https://news.example/{n}' if link == 'auto' else link)}</link>"
        )
    if date is not None:
        moment = datetime(2026, 11, 1, 12, 0, tzinfo=UTC) + timedelta(hours=n)
        parts.append(f"<pubDate>{format_datetime(moment) if date == 'auto' else date}</pubDate>")
    parts += [f"<category>{escape(c)}</category>" for c in categories]
    if body is None:
        body = (
            f"<p>Lede of story {n}.</p><p>“We will rebuild the bridge,” said Jane Doe.</p>"
            "<h2>What next</h2><blockquote><p>Nothing is decided.</p><cite>Ana Lee</cite>"
            "</blockquote><p>More text.</p>"
        )
    parts.append(f"<description>{escape(body)}</description>")
    return "<item>" + "".join(parts) + "</item>"


def rss(*items: str, title: str = "Example News") -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>https://news.example/</link>"
        + "".join(items)
        + "</channel></rss>"
    )
