"""The value types every layer speaks: an article as parsed, its blocks and quotes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Part = Literal["headline", "lede", "body"]
BlockKind = Literal["paragraph", "subheading"]


def tag_key(name: str) -> str:
    """The identity of a tag: case-folded, whitespace collapsed (``#russia`` = ``#Russia``).

    ``"İ".casefold()`` is ``i`` and a combining dot above, where ``"I".casefold()`` is
    ``i``: the dot is dropped, so that ``#İstanbul`` = ``#ISTANBUL`` (schema migration 6
    merged the tags this joined).
    """
    return " ".join(name.casefold().replace("i\u0307", "i").split())


class ParseError(ValueError):
    """A file that cannot be an article; ``str(error)`` is a one-line reason."""


@dataclass(frozen=True, slots=True)
class Block:
    """One body block: a paragraph (lines joined by spaces) or a subheading."""

    kind: BlockKind
    text: str


@dataclass(frozen=True, slots=True)
class Quote:
    """A quoted span in one part of an article.

    ``start``/``end`` are character offsets of the whole span, marks included,
    in the text of ``part`` (for ``body``, in ``body[block].text``).
    ``text`` is what stands between the marks.
    """

    text: str
    part: Part
    block: int | None
    start: int
    end: int
    speaker: str | None = None


@dataclass(frozen=True, slots=True)
class Article:
    """An article as the parser gives it; the store adds identity and read state.

    ``published`` is ISO 8601 text, ``YYYY-MM-DDTHH:MM[:SS]`` with ``+HH:MM``
    only when the source gave an offset, or ``None`` when unknown.
    """

    headline: str
    published: str | None = None
    source: str | None = None
    captions: tuple[str, ...] = ()
    lede: str = ""
    body: tuple[Block, ...] = ()
    tags: tuple[str, ...] = ()
    quotes: tuple[Quote, ...] = ()
    warnings: tuple[str, ...] = ()
    origin: str | None = None
    link: str | None = None  # the article's web page (http/https only: reader.links)
