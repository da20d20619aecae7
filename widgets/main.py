"""The ``reader`` console script: the core's command line, with the Textual app plugged in."""

from __future__ import annotations

from pathlib import Path


def open_app(db_path: Path) -> None:
    from widgets.app import make_app

    make_app(db_path).run()


def main() -> None:
    from reader.cli import main as cli_main

    cli_main(open_app=open_app)


if __name__ == "__main__":
    main()
