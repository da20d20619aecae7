"""Text in terminal cells: how wide a line is drawn, and padding and cutting to a width.

Terminals measure text one code point at a time, as ``wcwidth`` does (tmux, xterm, VTE,
Konsole, Alacritty): wide East Asian letters and emoji take two cells, combining marks
none, spacing vowel signs (Devanagari ``ि``, Tamil ``ி``) one. Rich, and so Textual,
counts those vowel signs as zero cells, and counts emoji sequences (ZWJ families, flags
with a variation selector, skin tones) as one emoji where most terminals draw their parts:
a headline holding them moved every column after it. So a line that must keep a column
is first made ``plain()`` (the sequences' joiners and selectors dropped: every terminal
then agrees on the width) and measured by ``width()``, which a list hands to Textual as
the strip's length.

Pure functions of the standard library: the core and the CLI use them without Rich.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Code points that only choose how the code point before them looks, or join emoji into
# one picture: zero width joiner, variation selectors, emoji skin-tone modifiers, and the
# tag characters of subdivision flags. Terminals disagree on the width they give to the
# sequences they form; without them every terminal draws each emoji as two cells.
_SEQUENCE_MARKS = re.compile(
    "[\u200d\ufe00-\ufe0f\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f\U000e0100-\U000e01ef]"
)
_ZERO_CATEGORIES = frozenset({"Mn", "Me", "Cf", "Cc", "Zl", "Zp"})
_ELLIPSIS = "…"


def plain(text: str) -> str:
    """``text`` without emoji sequence marks (ZWJ, variation selectors, skin tones, tags)."""
    return _SEQUENCE_MARKS.sub("", text) if not text.isascii() else text


@lru_cache(maxsize=8192)
def char_width(char: str) -> int:
    """Cells one code point takes in a terminal: 0, 1 or 2 (``wcwidth`` rules)."""
    code = ord(char)
    if 0x20 <= code < 0x7F:
        return 1
    if code == 0xAD:  # soft hyphen: drawn as a hyphen
        return 1
    category = unicodedata.category(char)
    if category in _ZERO_CATEGORIES or 0x1160 <= code <= 0x11FF or 0xD7B0 <= code <= 0xD7FF:
        return 0  # marks, format and control characters, Hangul vowel and final jamo
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 2
    if category == "Cn" and (0x1F000 <= code <= 0x1FAFF or 0x20000 <= code <= 0x3FFFD):
        return 2  # emoji and ideographs newer than this Python's Unicode tables
    return 1


def width(text: str) -> int:
    """Cells ``text`` takes in a terminal (measure ``plain(text)`` for a list line)."""
    if text.isascii():
        return len(text)
    return sum(map(char_width, text))


def cut(text: str, cells: int) -> str:
    """The longest start of ``text`` that fits in ``cells``, with its trailing marks.

    A wide character that would straddle the edge is left out (the result may then be
    one cell short: ``pad`` or ``fit`` fill it).
    """
    if text.isascii():
        return text[: max(cells, 0)]
    used = 0
    for index, char in enumerate(text):
        used += char_width(char)
        if used > cells:
            return text[:index]
    return text


def pad(text: str, cells: int, align: str = "<") -> str:
    """``text`` cut to ``cells`` and padded with spaces to exactly that width.

    ``align`` is ``"<"`` (text on the left) or ``">"`` (on the right), as in ``format``.
    """
    text = cut(text, cells)
    room = " " * max(cells - width(text), 0)
    return room + text if align == ">" else text + room


def fit(text: str, cells: int, align: str = "<") -> str:
    """``text`` in exactly ``cells`` cells: padded, or cut with ``…`` when too long."""
    if cells <= 0:
        return ""
    if width(text) > cells:
        return pad(cut(text, cells - 1) + _ELLIPSIS, cells, align)
    return pad(text, cells, align)
