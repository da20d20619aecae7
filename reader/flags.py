"""The read and starred marks as SQL.

Each function runs inside a transaction the caller (``Store``) opened; ``reader.marks``
is what queues the app's marks off the UI thread.
"""

from __future__ import annotations

import sqlite3

from reader.planner import Plan
from reader.sql import chunks


def set_flag(conn: sqlite3.Connection, column: str, ids: list[int], value: bool) -> dict[int, bool]:
    """Set ``column`` (``read`` or ``starred``) of ``ids``; the previous value of each."""
    previous: dict[int, bool] = {}
    for chunk in chunks(ids):
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            f"SELECT id, {column} FROM articles WHERE id IN ({marks})", chunk
        ).fetchall()
        previous.update((row[0], bool(row[1])) for row in rows)
        conn.execute(
            f"UPDATE articles SET {column} = ? WHERE id IN ({marks}) AND {column} != ?",
            (int(value), *chunk, int(value)),
        )
    return previous


def mark_all_read(conn: sqlite3.Connection, plan: Plan, read: bool) -> list[int]:
    """Mark every article of a planned view read (or unread); the ids that changed."""
    sql = f"{plan.select('a.id')} AND a.read = ?"
    changed = [row[0] for row in conn.execute(sql, (*plan.params, int(not read)))]
    for chunk in chunks(changed):
        conn.execute(
            f"UPDATE articles SET read = ? WHERE id IN ({','.join('?' * len(chunk))})",
            (int(read), *chunk),
        )
    return changed


def restore_read(conn: sqlite3.Connection, states: dict[int, bool]) -> None:
    """Put read states back exactly as they were (the undo of a mark)."""
    conn.executemany(
        "UPDATE articles SET read = ? WHERE id = ?",
        [(int(read), article_id) for article_id, read in states.items()],
    )
