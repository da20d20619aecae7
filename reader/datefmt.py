"""How dates are shown: one home for the list's, the article's and the command line's forms.

Every form reads the ISO string the store keeps (``published``) and never fails: a value
that is not a date shows as nothing (short forms) or as itself (the article). Month names
are fixed English abbreviations, whatever the locale, like the agency's datelines.
"""

from __future__ import annotations

from datetime import datetime

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _moment(published: str | None) -> datetime | None:
    if not published:
        return None
    try:
        return datetime.fromisoformat(published)
    except ValueError:
        return None


def short_date(published: str | None, now: datetime | None = None) -> str:
    """For a list row: ``15:46`` today, ``22 May`` this year, ``22 May 24`` before; empty
    when unknown."""
    moment = _moment(published)
    if moment is None:
        return ""
    now = now or datetime.now()
    if moment.date() == now.date():
        return f"{moment:%H:%M}"
    day = f"{moment.day:02d} {MONTHS[moment.month - 1]}"
    return day if moment.year == now.year else f"{day} {moment:%y}"


def format_published(published: str) -> str:
    """For the article: ``2025-05-22T15:46`` → ``22 May 2025 15:46`` (an offset, when
    given, is kept)."""
    moment = _moment(published)
    if moment is None:
        return published
    text = f"{moment.day} {MONTHS[moment.month - 1]} {moment.year} {moment:%H:%M}"
    if moment.tzinfo is not None:
        offset = f"{moment:%z}"  # +0200
        text += f" {offset[:3]}:{offset[3:5]}"
    return text


def column_date(published: str | None) -> str:
    """For a command's fixed-width column: ``2025-05-22 15:46``, dashes when unknown."""
    return published[:16].replace("T", " ") if published else "-" * 16
