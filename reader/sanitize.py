"""Bytes to clean text: decoding rules and removal of terminal control sequences.

Article text is shown in a terminal, which obeys escape sequences, so every
control sequence is dropped whole (``ESC [ 2 J`` leaves nothing behind, not
``[2J``), then every remaining C0/C1 control other than newline and tab, and
the bidi controls that reorder what a reader sees.
"""

from __future__ import annotations

import codecs
import re

from reader.article import ParseError

# ESC-introduced and 8-bit (C1) sequences. String sequences (OSC, DCS, SOS, PM,
# APC) run to their terminator (BEL or ST); an unterminated one stops at the end
# of its line so that one stray ESC cannot swallow the rest of an article.
_ESCAPES = re.compile(
    r"""
      (?:\x1b\[|\x9b) [\x30-\x3f]* [\x20-\x2f]* [\x40-\x7e]?      # CSI ... final
    | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]) [^\x07\x1b\x9c\n]*   # OSC/DCS/SOS/PM/APC body
        (?:\x07|\x1b\\|\x9c)?                                     #   ... BEL or ST
    | \x1b [\x20-\x2f]* [\x30-\x7e]?                              # two-byte and nF escapes
    """,
    re.VERBOSE,
)

#: Bidi embedding/override/isolate controls and the invisible direction marks.
BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)
_FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff" + "".join(sorted(BIDI_CONTROLS)) + "]")
_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029]")


def is_clean(text: str) -> bool:
    """True when ``text`` holds no control (but newline and tab) and no bidi control."""
    return _FORBIDDEN.search(text) is None


_SUSPECT = re.compile(_FORBIDDEN.pattern[:-1] + "\u2028\u2029]")  # what any pass would touch


def sanitize(text: str) -> str:
    """Normalise newlines, drop escape sequences whole, then every other control."""
    if _SUSPECT.search(text) is None:
        return text  # the common case: one scan instead of three substitutions
    text = _NEWLINES.sub("\n", text)
    text = _ESCAPES.sub("", text)
    return _FORBIDDEN.sub("", text)


def sanitize_line(text: str) -> str:
    """``sanitize`` for one-line fields: newlines and tabs become spaces, ends trimmed."""
    return " ".join(sanitize(text).split())


def _cp1252_lenient(error: UnicodeDecodeError) -> tuple[str, int]:
    # The five bytes cp1252 leaves undefined (0x81 0x8D 0x8F 0x90 0x9D) carry no
    # text; dropping them is what every browser's "windows-1252" does in effect.
    return "", error.end


codecs.register_error("reader-cp1252", _cp1252_lenient)


def decode(data: bytes) -> tuple[str, list[str]]:
    """Decode an article file: returns the text (not yet sanitised) and warnings.

    UTF-8 with or without BOM; UTF-16 with a BOM (checked before the NUL test,
    since UTF-16 is full of NULs); otherwise cp1252 with the ``cp1252`` warning.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), []
        except UnicodeDecodeError:
            return data.decode("utf-16", errors="replace"), ["bad-utf16"]
    if b"\x00" in data:
        raise ParseError("binary file (contains NUL bytes)")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="reader-cp1252"), ["cp1252"]
