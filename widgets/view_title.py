"""The lines above the list: the view's name and counts, and the tags it is narrowed by."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from reader.filters import Filter
from reader.search import parse_query


class ViewTitle(Static):
    """``#Port Ysel + #Harbour Strike  9 shown / 4 unread``, and what saving is doing."""

    def show(
        self,
        view: Filter,
        shown: int,
        unread: int | None,
        *,
        readonly: bool,
        waiting: int,
        activity: str = "",
    ) -> None:
        """``unread`` None: still counted; ``waiting``: marks waiting for another process;
        ``activity``: work in progress (a refresh of the feeds)."""
        problem = parse_query(view.query).problem if view.query else None
        if problem:
            counts = (f" {problem}", "italic")
        else:
            unread_text = "…" if unread is None else f"{unread:,}"
            counts = (f" {shown:,} shown / {unread_text} unread", "dim")
        title = Content.assemble((f" {view.describe()} ", "bold"), counts)
        if readonly:
            title += Content.styled("  read-only: marks cannot be saved", "italic")
        elif waiting:
            title += Content.styled(
                f"  saving {waiting} mark{'s' if waiting != 1 else ''}:"
                " waiting for another process to finish writing",
                "italic",
            )
        if activity:
            title += Content.styled(f"  {activity}", "italic")
        self.update(title)


class ActiveTags(Static):
    """The view's tags as chips, with the key that clears them; hidden without tags."""

    def show(self, tags: tuple[str, ...]) -> None:
        self.display = bool(tags)
        if tags:
            parts: list[tuple[str, str] | str] = [" "]
            for tag in tags:
                parts += [(f" #{tag} ", "reverse"), " "]
            parts.append(("  T clears", "dim"))
            self.update(Content.assemble(*parts))
