"""How dates are shown: one home for the list's, the article's and the command line's forms.

Every form reads the ISO string the store keeps (``published``) and never fails: a value
that is not a date shows as nothing (short forms) or as itself (the article). Month names
are fixed English abbreviations, whatever the locale, like the agency's datelines.
"""

from __future__ import annotations

import re
from datetime import datetime

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

#: Cells of the list's date column (``widgets/headline_list.py`` and the quotes view pad
#: their dates to 9): a configured pattern must fit in it.
LIST_DATE_CELLS = 9

# The pattern of the config's ``date_format`` (``None``: the adaptive default below). One
# value for the process, set by the app as it starts: the lists call ``short_date`` per row.
_list_pattern: str | None = None

# strftime directives that mean the same on every platform (``%-d``, no padding, is glibc's
# and macOS's), and that give a date's parts rather than a locale's long forms (%c, %x).
_DIRECTIVE = re.compile(r"%(-?)(.?)", re.S)
_PORTABLE = set("aAbBdHIjmMpSUwWyYzZGuV%")


def _moment(published: str | None) -> datetime | None:
    if not published:
        return None
    try:
        return datetime.fromisoformat(published)
    except ValueError:
        return None


def short_date(published: str | None, now: datetime | None = None) -> str:
    """For a list row: ``15:46`` today, ``22 May`` this year, ``22 May 24`` before (or the
    configured pattern: ``set_list_format``); empty when unknown."""
    moment = _moment(published)
    if moment is None:
        return ""
    if _list_pattern is not None:
        return moment.strftime(_list_pattern)
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


def check_list_format(pattern: str) -> str | None:
    """Why ``pattern`` cannot be the list's date format, or ``None`` when it can: only
    portable directives, something shown, one line, and at most ``LIST_DATE_CELLS`` cells
    for any date (the longest month and day names tried)."""
    for flag, letter in _DIRECTIVE.findall(pattern):
        if not letter:
            return f"{pattern!r} ends with a lone % (%% is a percent sign)"
        if letter not in _PORTABLE or (flag and letter == "%"):
            return (
                f"%{flag}{letter} in {pattern!r} is not a date directive this reader takes"
                " (%d %m %y %Y %b %B %a %A %H %I %M %p %S %j %U %W %z %Z, %-d, %%)"
            )
    samples = [datetime(2025, month, 28, 23, 59, 59) for month in range(1, 13)]
    samples += [datetime(2025, 9, day, 10, 5) for day in range(1, 8)]  # every weekday
    try:
        shown = [moment.strftime(pattern) for moment in samples]
    except ValueError as error:  # a platform that refuses a directive
        return f"{pattern!r}: {error}"
    if not any(text.strip() for text in shown):
        return f"{pattern!r} shows nothing"
    if any(not text.isprintable() for text in shown):
        return f"{pattern!r} holds a tab, a line break or a control character"
    from reader import cells

    widest = max(shown, key=cells.width)
    if cells.width(widest) > LIST_DATE_CELLS:
        return (
            f"{pattern!r} gives up to {cells.width(widest)} cells ({widest!r}); the list's date"
            f' column holds {LIST_DATE_CELLS} (for example "%d.%m.%y" or "%y-%m-%d")'
        )
    return None


def set_list_format(pattern: str | None) -> None:
    """Make ``short_date`` use ``pattern`` (checked by ``check_list_format``), or, with
    ``None``, its adaptive default again."""
    global _list_pattern
    _list_pattern = pattern


def list_format() -> str | None:
    """The pattern ``short_date`` uses, ``None`` for its adaptive default."""
    return _list_pattern
