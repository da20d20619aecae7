"""What the app benchmarks share: one run of ``../shared/tools/tui_first_paint.py``, the
summary of a list of timings, and the bytecode a real installation has.

The reader's modules are compiled to ``__pycache__`` before any run, as ``pip install``
does for a regular install and as Python does on an editable one's first start. With
``PYTHONDONTWRITEBYTECODE`` set (as on the machines we measure on) Python would instead
compile every module of the reader again at each start, which costs about 20 ms that no
user pays. The floor is one small script either way.
"""

from __future__ import annotations

import compileall
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT.parent / "shared" / "tools"
HARNESS = TOOLS / "tui_first_paint.py"
FLOOR = TOOLS / "minimal_textual_app.py"
VENV_BIN = Path(sys.executable).parent


def check_tools() -> None:
    """The harness and the floor come from the workspace, beside this repository."""
    missing = [str(path) for path in (HARNESS, FLOOR) if not path.exists()]
    if missing:
        raise SystemExit(
            f"missing {', '.join(missing)}: the app benchmarks need ../shared/tools/ of the"
            " workspace next to this repository"
        )


def compile_bytecode() -> None:
    """Compile ``reader/`` and ``widgets/`` as an installation would (see the docstring)."""
    for package in ("reader", "widgets"):
        compileall.compile_dir(ROOT / package, quiet=1)


def harness(cmd: str, expect: str, *extra: str, timeout: float = 60, quit_keys: str = "q") -> dict:
    """One run of tui_first_paint.py; its raw result, or ``{"error": ...}``."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(
            [
                sys.executable,
                str(HARNESS),
                "--cmd",
                cmd,
                "--expect",
                expect,
                "--runs",
                "1",
                "--timeout",
                str(timeout),
                "--quit-keys",
                quit_keys,
                "--json",
                out.name,
                *extra,
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        try:
            with open(out.name) as handle:
                return json.load(handle)["results"][0]
        except (ValueError, KeyError, IndexError):
            return {"error": "no result"}


def summary(values: list[float]) -> dict:
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "n": len(values),
    }
