"""End to end: headlines in many scripts keep the list's separator in one column in tmux.

The column of the separator on each captured row is measured by tmux itself (the row's
text up to it is written into a scratch window and the cursor's column read), so the
test does not trust the width rules it checks.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from reader.store import Store
from tests.conftest import wait_until
from tests.scripts_data import HEADLINES, articles
from tests.test_e2e import READER, TERMINAL_ENV, Tmux

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

SEPARATOR = "▕"


class Ruler:
    """Cells tmux gives a text: it is printed in a fresh window and the cursor column read."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.socket = f"reader-ruler-{uuid.uuid4().hex[:8]}"
        self._tmux("-f", "/dev/null", "new-session", "-d", "-x", "200", "-y", "5", "sleep 60")

    def _tmux(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args],
            capture_output=True, text=True, check=True, env=TERMINAL_ENV,
        ).stdout  # fmt: skip

    def column(self, text: str) -> int:
        path = self.folder / f"ruler-{uuid.uuid4().hex[:8]}.txt"
        path.write_text(text, encoding="utf-8")
        window = self._tmux(
            "new-window", "-d", "-P", "-F", "#{window_id}", f"cat '{path}'; sleep 60"
        ).strip()
        x = "0"

        def drawn() -> bool:  # the text is never empty: the cursor leaves column 0
            nonlocal x
            x = self._tmux("display-message", "-p", "-t", window, "#{cursor_x}").strip()
            return x != "0"

        wait_until(drawn, 10, lambda: f"{text!r} drawn")
        self._tmux("kill-window", "-t", window)
        return int(x)

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


@pytest.fixture
def scripts_db(tmp_path: Path) -> Path:
    path = tmp_path / "scripts.db"
    with Store(path) as store:
        store.save(articles())
    return path


def test_the_separator_stays_in_one_column_on_every_row(scripts_db, tmp_path):
    term = Tmux([str(READER), "--db", str(scripts_db)], tmp_path, size=(140, 30))
    ruler = Ruler(tmp_path)
    try:
        screen = term.wait_for(f"{len(HEADLINES)} shown")
        wait_until(lambda: "Tag0" in term.screen() or "Lede" in term.screen(), 10, term.screen)
        screen = term.screen()
        rows = [line for line in screen.splitlines() if SEPARATOR in line and "●" in line]
        assert len(rows) == len(HEADLINES), screen
        columns = {}
        for line in rows:
            prefix = line[: line.index(SEPARATOR)]
            columns.setdefault(ruler.column(prefix), []).append(line)
        assert len(columns) == 1, "separator columns: " + repr(
            {column: lines[0] for column, lines in columns.items()}
        )
        # Nothing spilled: every row's text is in the pane (no row wrapped onto the next).
        assert len(screen.splitlines()) <= 30
    finally:
        ruler.close()
        term.close()
