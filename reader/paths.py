"""Where the database lives when no ``--db`` is given (no heavy imports: start-up path)."""

from __future__ import annotations

import os
from pathlib import Path


def default_db_path() -> Path:
    """``$READER_DB``, else ``./articles.db`` if it exists, else the user data folder."""
    env = os.environ.get("READER_DB")
    if env:
        return Path(env)
    here = Path("articles.db")
    if here.exists():
        return here
    from platformdirs import user_data_path

    folder = user_data_path("reader", appauthor=False, ensure_exists=True)
    return folder / "articles.db"
