"""The article anatomy: bytes in, an ``Article`` (or a ``ParseError``) out.

Pure functions; see ``ARTICLE_FORMAT.md`` for the rules this follows.
"""

from __future__ import annotations

from reader.article import Article, Block, ParseError, tag_key
from reader.dates import read_dateline
from reader.quotes import find_quotes
from reader.sanitize import decode, sanitize

__all__ = ["ParseError", "parse_bytes", "parse_text", "tag_key"]


def parse_bytes(data: bytes, origin: str | None = None) -> Article:
    """Decode, sanitise and parse one article file."""
    text, warnings = decode(data)
    return parse_text(text, origin=origin, warnings=warnings)


def _blocks(lines: list[str]) -> list[list[str]]:
    """Split lines into blocks separated by blank lines (spaces and tabs count as blank)."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        stripped = line.strip()
        if stripped:
            current.append(stripped)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _split_tags(lines: list[str]) -> tuple[list[str], list[str]]:
    """Separate the trailing ``#`` lines (blank lines among and after them allowed)."""
    end = len(lines)
    cut = end
    for index in range(end - 1, -1, -1):
        stripped = lines[index].strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        cut = index
    tags: list[str] = []
    seen: set[str] = set()
    for line in lines[cut:]:
        stripped = line.strip()
        if not stripped:
            continue
        name = " ".join(stripped[1:].split())
        key = tag_key(name)
        if key and key not in seen:
            seen.add(key)
            tags.append(name)
    return lines[:cut], tags


def _body_block(lines: list[str]) -> Block:
    if len(lines) == 1 and lines[0].startswith("- ") and lines[0][2:].strip():
        return Block("subheading", lines[0][2:].strip())
    return Block("paragraph", " ".join(lines))


def parse_text(
    text: str, origin: str | None = None, warnings: list[str] | tuple[str, ...] = ()
) -> Article:
    """Parse decoded text (sanitised here, so any string is safe to pass)."""
    lines = sanitize(text).split("\n")
    start = next((i for i, line in enumerate(lines) if line.strip()), None)
    if start is None:
        raise ParseError("empty file: no headline")
    headline = " ".join(lines[start].split())
    rest, tags = _split_tags(lines[start + 1 :])
    blocks = _blocks(rest)
    warnings = list(warnings)

    published = source = None
    captions: list[str] = []
    if blocks:
        dateline = read_dateline(blocks[0][0])
        if dateline is not None:
            header = blocks.pop(0)
            published = dateline.published
            warnings.extend(dateline.warnings)
            header = [" ".join(line.split()) for line in header]
            if len(header) > 1:
                source = header[1]
            for caption in header[2:]:
                if not captions or captions[-1] != caption:
                    captions.append(caption)

    lede = " ".join(blocks.pop(0)) if blocks else ""
    body = tuple(_body_block(block) for block in blocks)
    parts = [("headline", None, headline), ("lede", None, lede)]
    parts += [("body", index, block.text) for index, block in enumerate(body)]
    return Article(
        headline=headline,
        published=published,
        source=source,
        captions=tuple(captions),
        lede=lede,
        body=body,
        tags=tuple(tags),
        quotes=tuple(find_quotes(parts)),
        warnings=tuple(dict.fromkeys(warnings)),
        origin=origin,
    )
