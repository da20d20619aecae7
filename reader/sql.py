"""Helpers for the SQL the store's modules build."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

CHUNK = 500  # bound parameters per IN (...) list


def chunks(items: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
