"""Datelines: the agency's glued ``HH:MMDD/MM/YYYY, Weekday`` form and the usual others.

``read_dateline(line)`` answers three ways: ``None`` (not a dateline at all),
a ``Dateline`` with an ISO string, or a ``Dateline`` with ``published=None``
and a warning (shaped like a date but impossible, such as ``31/02/2025``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

_GLUED = re.compile(
    r"(?P<H>\d{1,2}):(?P<M>\d{2})\s*(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})"
    r"(?:\s*,?\s*(?P<wd>[A-Za-z]+)\.?)?"
)
_DOTTED = re.compile(
    r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})"
    r"(?:[\sT,]+(?P<H>\d{1,2})[:.](?P<M>\d{2})(?::(?P<S>\d{2}))?)?"
    r"(?:\s*,?\s*(?P<wd>[A-Za-z]+)\.?)?"
)
_ISO = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
_SLASHED = re.compile(r"\d{1,2}/\d{1,2}/\d{2,4}")
_YEAR = re.compile(r"\b\d{4}\b")
_WORD = re.compile(r"[A-Za-z]+")
_NAMED_OFFSET = re.compile(r"\b(?:UTC|GMT)\s*[+-]\s*\d", re.IGNORECASE)

_WEEKDAYS = {
    name: index
    for index, names in enumerate(
        [
            ("monday", "mon"),
            ("tuesday", "tue", "tues"),
            ("wednesday", "wed"),
            ("thursday", "thu", "thur", "thurs"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        ]
    )
    for name in names
}
_MAX_LINE = 80  # a dateline is short; longer lines are prose

_HOUR = 3600
# Time-zone abbreviations that name one offset wherever a news agency writes them. Others
# (IST: India, Ireland or Israel; CST: US Central or China; AST...) are not guessed: the
# time is kept without an offset and the article gets the warning "unknown-timezone".
TIME_ZONES: dict[str, int] = {
    "UTC": 0, "UT": 0, "GMT": 0, "Z": 0, "WET": 0,
    "WEST": _HOUR, "BST": _HOUR, "CET": _HOUR, "MET": _HOUR,
    "CEST": 2 * _HOUR, "MEST": 2 * _HOUR, "EET": 2 * _HOUR, "SAST": 2 * _HOUR,
    "EEST": 3 * _HOUR, "MSK": 3 * _HOUR,
    "HKT": 8 * _HOUR, "SGT": 8 * _HOUR, "AWST": 8 * _HOUR,
    "JST": 9 * _HOUR, "KST": 9 * _HOUR,
    "AEST": 10 * _HOUR, "AEDT": 11 * _HOUR, "NZST": 12 * _HOUR, "NZDT": 13 * _HOUR,
    "EST": -5 * _HOUR, "EDT": -4 * _HOUR, "CDT": -5 * _HOUR,
    "MST": -7 * _HOUR, "MDT": -6 * _HOUR, "PST": -8 * _HOUR, "PDT": -7 * _HOUR,
    "AKST": -9 * _HOUR, "AKDT": -8 * _HOUR, "HST": -10 * _HOUR,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Dateline:
    published: str | None
    warnings: tuple[str, ...] = ()


def iso(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM[:SS][+HH:MM]``: seconds only when not zero, offset only when known."""
    # Not strftime: its %Y does not pad years before 1000 on every platform ("999-01-01"),
    # and fromisoformat() then refuses the text back.
    text = (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
        f"T{moment.hour:02d}:{moment.minute:02d}"
    )
    if moment.second:
        text += f":{moment.second:02d}"
    offset = moment.utcoffset()
    if offset is not None:
        sign = "-" if offset < timedelta(0) else "+"
        minutes = abs(int(offset.total_seconds())) // 60
        text += f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    return text


def _weekday_warning(moment: datetime, word: str | None) -> tuple[str, ...]:
    if word is None:
        return ()
    index = _WEEKDAYS.get(word.lower())
    if index is None or index == moment.weekday():
        return ()
    return ("weekday-mismatch",)


def _from_fields(fields: dict[str, str | None]) -> Dateline:
    try:
        moment = datetime(
            int(fields["y"]),
            int(fields["m"]),
            int(fields["d"]),
            int(fields.get("H") or 0),
            int(fields.get("M") or 0),
            int(fields.get("S") or 0),
        )
    except ValueError:
        return Dateline(None, ("bad-date",))
    return Dateline(iso(moment), _weekday_warning(moment, fields.get("wd")))


def _first_weekday_word(line: str) -> str | None:
    for word in _WORD.findall(line):
        if word.lower() in _WEEKDAYS:
            return word
    return None


def read_dateline(line: str) -> Dateline | None:
    """Read one header line as a dateline, or return ``None`` when it is not one."""
    line = line.strip()
    if not line or len(line) > _MAX_LINE or not any(c.isdigit() for c in line):
        return None
    for pattern in (_GLUED, _DOTTED):
        match = pattern.fullmatch(line)
        if match:
            return _from_fields(match.groupdict())
    if _ISO.match(line):
        from dateutil.parser import isoparse  # lazy: dateutil costs start-up time

        try:
            return Dateline(iso(isoparse(line)))
        except (ValueError, OverflowError):
            return Dateline(None, ("bad-date",))
    return _read_free_form(line)


def _read_free_form(line: str) -> Dateline | None:
    """Other forms through dateutil, day first, never fuzzy (``22 May 2025 15:46``, RFC 822)."""
    from dateutil.parser import ParserError, parse
    from dateutil.tz import tzoffset

    looks_numeric = _SLASHED.match(line) is not None
    if not looks_numeric and not _YEAR.search(line):
        return None  # without a year, "Monday" or "May 3" is prose, not a dateline
    unknown: list[str] = []

    def zone(name: str | None, offset: int | None):
        # Called by dateutil for every zone it sees (given this, it never warns on stderr).
        if name is not None and name.upper() in TIME_ZONES:
            return tzoffset(None, TIME_ZONES[name.upper()])
        if offset is not None:  # a numeric offset (+0300)
            # dateutil reads "UTC+3" the POSIX way (3 hours west); a dateline means east.
            return tzoffset(None, -offset if _NAMED_OFFSET.search(line) else offset)
        if name is not None:
            unknown.append(name)
        return None

    try:
        # Two different defaults reveal a field the line did not give (no day: not a dateline).
        first = parse(line, dayfirst=True, default=datetime(2000, 1, 1), tzinfos=zone)
        second = parse(line, dayfirst=True, default=datetime(2001, 2, 2), tzinfos=zone)
    except ParserError as error:
        if looks_numeric or "out of range" in str(error) or "must be in" in str(error):
            return Dateline(None, ("bad-date",))
        return None
    except (ValueError, OverflowError):
        return Dateline(None, ("bad-date",))
    if first.date() != second.date():
        return None
    warnings = _weekday_warning(first, _first_weekday_word(line))
    if unknown:
        warnings += ("unknown-timezone",)
    return Dateline(iso(first), warnings)
