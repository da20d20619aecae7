"""What the user picked, as one immutable value the store turns into SQL."""

from __future__ import annotations

from dataclasses import dataclass, replace

from reader.article import tag_key


@dataclass(frozen=True, slots=True)
class Filter:
    """A view: articles carrying *all* ``tags`` and matching ``query``, maybe unread/starred
    only, maybe of one feed.

    Tags are display names; they match case-insensitively with whitespace collapsed.
    """

    tags: tuple[str, ...] = ()
    unread_only: bool = False
    starred_only: bool = False
    query: str = ""  # search text (reader.search syntax); empty: no search
    relevance: bool = False  # order a search by relevance (bm25) instead of newest first
    feed_id: int | None = None  # only the articles of this subscription
    feed_name: str = ""  # its name, for the title (not part of the query)

    def for_feed(self, feed_id: int | None, name: str = "") -> Filter:
        """This filter narrowed to one feed (``None``: every feed and file)."""
        return replace(self, feed_id=feed_id, feed_name=name if feed_id is not None else "")

    def with_tag(self, name: str) -> Filter:
        """This filter narrowed by one more tag (a tag already present is not added twice)."""
        if tag_key(name) in {tag_key(t) for t in self.tags} or not tag_key(name):
            return self
        return replace(self, tags=(*self.tags, name))

    def without_last_tag(self) -> Filter:
        return replace(self, tags=self.tags[:-1])

    def without_tags(self) -> Filter:
        return replace(self, tags=())

    def toggled_unread(self) -> Filter:
        return replace(self, unread_only=not self.unread_only)

    def searching(self, query: str) -> Filter:
        return replace(self, query=query, relevance=self.relevance and bool(query))

    @property
    def tag_keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(tag_key(t) for t in self.tags))

    def describe(self) -> str:
        """A short title for the view: ``All``, ``Unread``, ``#Russia + #Kremlin``, ..."""
        parts = []
        if self.feed_id is not None:
            parts.append(f"Feed {self.feed_name or self.feed_id}")
        if self.starred_only:
            parts.append("Starred")
        if self.unread_only:
            parts.append("Unread")
        if self.tags:
            parts.append(" + ".join(f"#{t}" for t in self.tags))
        if self.query:
            order = " by relevance" if self.relevance else ""
            parts.append(f"/{self.query}{order}")
        return " · ".join(parts) or "All"
