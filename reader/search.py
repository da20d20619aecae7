"""What a person types into search, turned into an FTS5 query that can never be a syntax error.

The syntax: plain words match by prefix (``kreml`` finds Kremlin), ``"a phrase"`` matches
as a phrase, ``-word`` or ``-"a phrase"`` excludes. Case and diacritics do not matter
(``cafe`` = ``Café``, ``istanbul`` = ``İstanbul``). Chinese, Japanese and Korean text has
no spaces between its words: each of its characters is indexed as a word, and a query's
run of them is a phrase of its characters (``股市`` finds ``东京股市大涨``). Every term is
rebuilt from its word characters and quoted, so FTS5 operators typed by the user
(``NEAR(``, ``OR``, ``*``, ``title:x``) are just words, and punctuation is just a
separator, as in the index.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from reader.schema import CJK_RANGES, SEARCH_FOLDS

_CJK_CLASS = "".join(f"{chr(first)}-{chr(last)}" for first, last in CJK_RANGES)
_CJK = re.compile(f"[{_CJK_CLASS}]")
# What the FTS5 unicode61 tokenizer counts as a word character: letters and digits.
_WORD = re.compile(r"[^\W_]+")
# A word as the index holds it: each CJK character alone, other words whole.
_TOKEN = re.compile(f"[{_CJK_CLASS}]|[^\\W_{_CJK_CLASS}]+")
_CHUNK = re.compile(r"\S+")
_MAX_TERMS = 32
_MAX_QUERY = 1000


def fold_for_index(text: str) -> str:
    """The foldings SQLite's tokenizer does not do (``SEARCH_FOLDS``: ``ı`` to ``i``, ``ø``
    to ``o``, ``ß`` to ``ss``...).

    Applied to everything indexed (and, as ``replace()``, in the ``article_search``
    view, so that deletes see the same text) and to every query.
    """
    # A scan per letter and replace() only where found: 1.5 us for 2 KB of text holding two
    # of them, where str.translate took 93 us (it was 7% of an import's profile).
    for letter, plain in SEARCH_FOLDS:
        if letter in text:
            text = text.replace(letter, plain)
    if not text.isascii() and _CJK.search(text):
        # Each CJK character a word of its own (the view does the same in SQL: only
        # the words must agree, not the spaces).
        text = _CJK.sub(r" \g<0> ", text)
    return text


def fold(word: str) -> str:
    """Case and diacritics removed, as the index sees a word (for highlighting)."""
    decomposed = unicodedata.normalize("NFKD", fold_for_index(word).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True, slots=True)
class Term:
    """One searched thing: a word (matched by prefix) or a phrase of several words."""

    words: tuple[str, ...]
    prefix: bool

    def fts(self) -> str:
        phrase = '"' + " ".join(self.words) + '"'
        return phrase + "*" if self.prefix else phrase


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed search. ``fts`` is ``None`` when there is nothing to look for."""

    text: str
    include: tuple[Term, ...] = ()
    exclude: tuple[Term, ...] = ()

    @property
    def fts(self) -> str | None:
        if not self.include:
            return None
        found = " AND ".join(term.fts() for term in self.include)
        for term in self.exclude:
            found += f" NOT {term.fts()}"
        return found

    def with_tags(self, tags: list[str]) -> str | None:
        """``fts`` narrowed to articles whose tags column holds each tag's words.

        A prefilter only (words of two tags could meet across the line between them):
        the store still checks the tags exactly.
        """
        found = self.fts
        if found is None:
            return None
        for tag in tags:
            words = _words(tag)
            if words:
                found = f'({found}) AND tags : "{" ".join(words)}"'
        return found

    @property
    def problem(self) -> str | None:
        """A one-line reason why this query finds nothing by construction, or ``None``."""
        if self.include:
            return None
        if self.exclude:
            return "add a word to look for: '-' only excludes"
        if self.text.strip():
            return "no letters or digits to look for"
        return None

    def highlight_words(self) -> tuple[tuple[str, bool], ...]:
        """Folded words to highlight, each with whether it matches as a prefix."""
        out = []
        for term in self.include:
            for index, word in enumerate(term.words):
                is_last = index == len(term.words) - 1
                out.append((fold(word), term.prefix and is_last))
        return tuple(out)


def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(fold_for_index(text)))


def parse_query(text: str) -> Query:
    """Parse what the user typed; never raises, whatever the text."""
    text = text[:_MAX_QUERY]
    include: list[Term] = []
    exclude: list[Term] = []
    position = 0
    length = len(text)
    while position < length and len(include) + len(exclude) < _MAX_TERMS:
        char = text[position]
        if char.isspace():
            position += 1
            continue
        negated = char == "-"
        if negated:
            position += 1
        if position < length and text[position] == '"':
            end = text.find('"', position + 1)
            end = length if end < 0 else end
            words = _words(text[position + 1 : end])
            position = end + 1
            term = Term(words, prefix=False) if words else None
        else:
            match = _CHUNK.match(text, position)
            chunk = match.group(0) if match else ""
            position += max(len(chunk), 1)
            words = _words(chunk)
            # A word with inner punctuation (Russia-Ukraine, don't) is a phrase of its parts.
            # A one-letter word is matched whole: as a prefix it would match nearly everything.
            term = Term(words, prefix=len(words[-1]) > 1) if words else None
        if term is not None:
            (exclude if negated else include).append(term)
    return Query(text, tuple(include), tuple(exclude))


def match_spans(text: str, words: tuple[tuple[str, bool], ...]) -> list[tuple[int, int]]:
    """Offsets of the words of ``text`` that a query's words match (for highlighting)."""
    if not words:
        return []
    spans = []
    for match in _TOKEN.finditer(text):
        folded = fold(match.group(0))
        for word, prefix in words:
            if folded == word or (prefix and folded.startswith(word)):
                spans.append((match.start(), match.end()))
                break
    return spans
