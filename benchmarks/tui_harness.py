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
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
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


def _tool():
    """``../shared/tools/tui_first_paint.py`` as a module: its private tmux and its polling."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("tui_first_paint", HARNESS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _term() -> str:
    folders = ("/lib/terminfo", "/usr/share/terminfo", "/etc/terminfo")
    have = any(Path(folder, "t", "tmux-256color").exists() for folder in folders)
    return "tmux-256color" if have else "screen-256color"


def key_steps(
    cmd: str,
    expect: str,
    steps: Sequence[tuple[Sequence[str], Callable[[str], bool]]],
    *,
    held: tuple[int, float, Callable[[int], Callable[[str], bool]]] | None = None,
    settle: float = 0.3,
    gap: float = 0.02,
    timeout: float = 30,
    interval: float = 0.005,
    quit_keys: str = "q",
    width: int = 160,
    height: int = 48,
) -> dict:
    """One start of ``cmd`` in a private tmux (as ``tui_first_paint.py`` does), then keys.

    Each step sends its keys at once and waits until its predicate holds for the screen
    (plain text, no attributes): ``key_ms`` has one figure per step. ``held`` is
    ``(count, period, predicate_of)``: ``count`` single keys (``j``) sent ``period`` seconds
    apart without waiting, as a held key repeats, then the wait until ``predicate_of(count)``
    holds; ``held_ms`` is that wait, counted from the last key sent. Returns
    ``first_paint_ms``, the figures and ``rss_peak_kib_max``, or ``{"error": ...}``.
    """
    tool = _tool()
    tmux = tool.Tmux(width, height, _term())
    cycles: list[float] = []
    result: dict = {}
    try:
        tmux.start(cmd, str(ROOT), {"TERM": tmux.term})
        pattern = re.compile(expect, re.M)
        t0 = tmux.go()
        result["first_paint_ms"], _ = tool.wait_for(
            tmux, lambda s: pattern.search(s) is not None, t0, timeout, interval, cycles
        )
        time.sleep(settle)
        key_ms = []
        for keys, predicate in steps:
            t1 = time.monotonic()
            tmux.send_keys(list(keys))
            ms, _ = tool.wait_for(tmux, predicate, t1, timeout, interval, cycles)
            key_ms.append(ms)
            time.sleep(gap)
        result["key_ms"] = key_ms
        if held is not None:
            count, period, predicate_of = held
            time.sleep(settle)
            for _ in range(count):
                last = time.monotonic()
                tmux.send_keys(["j"])
                time.sleep(max(0.0, period - (time.monotonic() - last)))
            ms, _ = tool.wait_for(tmux, predicate_of(count), last, timeout, interval, cycles)
            result["held_ms"] = ms
        pid = tmux.pane_pid()
        if pid:
            result["rss_peak_kib_max"] = max(
                (tool.vm_hwm_kib(p) for p in tool.proc_tree(pid)), default=0
            )
        if quit_keys:
            tmux.send_keys(quit_keys.split())
            end = time.monotonic() + 3.0
            while time.monotonic() < end and not tmux.capture()[1]:
                time.sleep(0.02)
    except tool.RunError as error:
        result = {"error": str(error), "screen": error.screen}
    finally:
        tmux.close()
    return result
