"""The ``reader`` console script: the core's command line, with the Textual app plugged in.

A bare ``reader`` (or ``reader --db PATH``) in a terminal opens the app without
importing click and the command machinery: start-up time is what a person feels.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path


def open_app(db_path: Path, *, debug: bool = False, config: Path | None = None) -> None:
    """Run the app on ``db_path``; ``config`` is the file ``--config`` named (``None``:
    ``$READER_CONFIG`` or the user config folder's, see ``reader.paths.config_path``)."""
    from reader.paths import config_path
    from reader.schema import DatabaseError, pending_upgrade
    from widgets.app import make_app

    config, named = config_path(config)
    try:
        if pending := pending_upgrade(db_path):  # before the screen: with a progress bar
            from reader.cli import upgraded_store

            upgraded_store(db_path, *pending).close()
        app = make_app(db_path, debug=debug, config=config, config_required=named)
    except DatabaseError as error:
        print(f"reader: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    app.run()
    if app.fatal_message:
        print(f"reader: {app.fatal_message}", file=sys.stderr, flush=True)
    if app.dropped_marks:
        count = app.dropped_marks
        print(
            f"reader: {count} mark{'s' if count != 1 else ''} not saved: another process"
            " held the database when you quit",
            file=sys.stderr,
            flush=True,
        )
    # Non-zero after a crash (Textual sets 1), a database that went away, or marks lost.
    if app.return_code or app.dropped_marks:
        raise SystemExit(app.return_code or 1)


def _config_argument(argv: list[str]) -> tuple[list[str], Path | bool | None]:
    """``argv`` without its ``--config PATH`` (or ``--config=PATH``), and that path
    (``None``: not given; ``False``: given twice or without a path, for click to word)."""
    rest, config = [], None
    arguments = iter(argv)
    for arg in arguments:
        if arg == "--config" or arg.startswith("--config="):
            value = arg[9:] if arg.startswith("--config=") else next(arguments, "")
            if config is not None or not value or value.startswith("-"):
                return argv, False
            config = Path(value)
        else:
            rest.append(arg)
    return rest, config


def _bare_db_argument(argv: list[str]) -> Path | str | bool | None:
    """The database of a bare invocation (``None``: the default, ``"--demo"``: the demo's
    copy), or ``False`` for anything else. ``--debug`` and ``--config PATH`` may come
    anywhere in it (see ``_config_argument``)."""
    argv, config = _config_argument(argv)
    if config is False:
        return False
    argv = [arg for arg in argv if arg != "--debug"]
    if not argv:
        return None
    if argv == ["--demo"]:
        return "--demo"
    if len(argv) == 2 and argv[0] == "--db" and not argv[1].startswith("-"):
        return Path(argv[1])
    if len(argv) == 1 and argv[0].startswith("--db=") and len(argv[0]) > 5:
        return Path(argv[0][5:])
    return False


def _demo_db() -> Path:
    """The user's copy of the demo database (``reader --demo``), made on first use."""
    from reader.paths import DemoMissing, demo_db_path

    try:
        path, made = demo_db_path()
    except (DemoMissing, OSError) as error:
        print(f"reader: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    if made:  # still on screen after the app quits
        print(f"reader: copied the demo database to {path}; your marks go there", file=sys.stderr)
    return path


def main() -> None:
    # Start-up allocates hundreds of thousands of objects (most of them Textual's) and
    # the collector would walk them again and again: off until the first screen is
    # drawn, then everything alive is frozen out of its reach (ReaderApp re-enables it).
    gc.disable()
    db = _bare_db_argument(sys.argv[1:])
    if db is not False and sys.stdin.isatty() and sys.stdout.isatty():
        from reader.paths import default_db_path

        if db == "--demo":
            db = _demo_db()
        config = _config_argument(sys.argv[1:])[1] or None
        open_app(db or default_db_path(), debug="--debug" in sys.argv[1:], config=config)
        return
    gc.enable()  # a command, not the app: nothing to gain
    from reader.cli import main as cli_main

    cli_main(open_app=open_app)


if __name__ == "__main__":
    main()
