"""Where the database and the config file live when no ``--db``/``--config`` is given (no
heavy imports: start-up path)."""

from __future__ import annotations

import os
from pathlib import Path

#: The demo database of a source checkout (built from ``samples/``), tracked by git.
DEMO_SOURCE = Path(__file__).resolve().parent.parent / "articles.db"


def _data_folder() -> Path:
    from platformdirs import user_data_path

    return user_data_path("reader", appauthor=False, ensure_exists=True)


def default_db_path() -> Path:
    """``$READER_DB``, else ``./articles.db`` if it exists, else the user data folder."""
    env = os.environ.get("READER_DB")
    if env:
        return Path(env)
    here = Path("articles.db")
    if here.exists():
        return here
    return _data_folder() / "articles.db"


def config_path(given: Path | None = None) -> tuple[Path, bool]:
    """The config file in use, and whether it was named (``--config PATH``, else
    ``$READER_CONFIG``): a named file must exist. Else ``config.toml`` in the user config
    folder (``~/.config/reader/`` on Linux, following ``$XDG_CONFIG_HOME``), which may not."""
    if given is not None:
        return Path(given), True
    env = os.environ.get("READER_CONFIG")
    if env:
        return Path(env), True
    from platformdirs import user_config_path

    return user_config_path("reader", appauthor=False) / "config.toml", False


class DemoMissing(Exception):
    """The demo database is not there to copy (an install without the source checkout)."""


def demo_db_path(source: Path | None = None) -> tuple[Path, bool]:
    """The user's copy of the demo database, and whether it was made just now.

    Reading marks articles read: the copy, in the user data folder, takes those
    writes, so that the tracked ``articles.db`` stays as git has it. The copy is made
    once (an existing one keeps its marks), beside its final name and then renamed, so
    that two first runs at once never open a half-copied file.
    """
    source = source or DEMO_SOURCE
    target = _data_folder() / "demo.db"
    if target.exists():
        return target, False
    if not source.is_file():
        raise DemoMissing(
            f"{source}: no demo database here (it comes with the source checkout);"
            " open your own with --db PATH"
        )
    import shutil
    import tempfile

    fd, temporary = tempfile.mkstemp(prefix=".demo.db.", dir=target.parent)
    os.close(fd)
    try:
        shutil.copyfile(source, temporary)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target, True
