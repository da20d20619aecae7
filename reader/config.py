"""The config file: TOML read with ``tomllib``, checked, and turned into a ``Config`` value.

No Textual here (the core never imports it): what only the app knows, the ids of its
bindings and the names of its themes, is checked by ``check_names`` with sets the app
passes in. Every problem is one line, ``PATH:LINE: KEY: reason``, found by the line the
key is on (``tomllib`` gives a line only for syntax errors; for the rest the file is
scanned for the key). What the app remembers by itself (a theme picked in the palette, the
sidebar width set with ``[``/``]``) goes to a small JSON file beside the config
(``state_path``), so the user's TOML is never rewritten: its comments and order stay theirs.

An example::

    theme = "nord"
    date_format = "%d.%m %H:%M"
    sidebar_width = "40%"          # or columns: 60

    [keys]
    "app.toggle-read" = "x"
    "app.star" = ["S", "ctrl+s"]
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from reader.datefmt import check_list_format

#: Top-level keys and what they hold (the message of a wrong type says it).
KNOWN = {
    "theme": 'a theme name, as in theme = "nord"',
    "date_format": 'a strftime pattern, as in date_format = "%d.%m %H:%M"',
    "sidebar_width": 'columns or a percentage, as in sidebar_width = 60 or "40%"',
    "keys": 'a table of binding ids to keys, as in [keys] "app.toggle-read" = "x"',
}

COLUMNS = (20, 300)  # the sidebar's width in columns: at least, at most
PERCENT = (10, 90)
STEP_COLUMNS = 4  # what [ and ] take off or add
STEP_PERCENT = 5


class ConfigError(Exception):
    """One problem of the config file, as one line: ``PATH:LINE: KEY: reason``."""

    def __init__(self, path: Path | str, reason: str, *, line: int | None = None, key: str = ""):
        self.path = Path(path)
        self.line = line
        self.key = key
        self.reason = reason
        where = f"{self.path}:{line}" if line else str(self.path)
        super().__init__(f"{where}: {key}: {reason}" if key else f"{where}: {reason}")


@dataclass(frozen=True)
class SidebarWidth:
    """The headline list's width: ``value`` columns, or ``value`` percent of the screen."""

    value: int
    percent: bool = False

    @classmethod
    def parse(cls, raw: object) -> SidebarWidth:
        """From the file's ``60``, ``"60"`` or ``"40%"``; ``ValueError`` says what is wrong."""
        if isinstance(raw, bool) or not isinstance(raw, int | str):
            raise TypeError(KNOWN["sidebar_width"])
        text = str(raw).strip()
        percent = text.endswith("%")
        digits = text[:-1].strip() if percent else text
        if not digits.isdigit():
            raise ValueError(f"{raw!r} is not {KNOWN['sidebar_width']}")
        value = int(digits)
        low, high = PERCENT if percent else COLUMNS
        if not low <= value <= high:
            unit = "%" if percent else " columns"
            raise ValueError(f"{raw!r} is out of range ({low} to {high}{unit})")
        return cls(value, percent)

    def css(self) -> str:
        """As a Textual width: ``"40%"`` or ``"60"``."""
        return f"{self.value}%" if self.percent else str(self.value)

    def step(self, direction: int) -> SidebarWidth:
        """Narrower (``-1``) or wider (``+1``) by one step, kept in range."""
        low, high = PERCENT if self.percent else COLUMNS
        size = STEP_PERCENT if self.percent else STEP_COLUMNS
        return replace(self, value=min(max(self.value + direction * size, low), high))

    def __str__(self) -> str:
        return self.css()


#: The sidebar's width when the config says nothing (as in ``widgets/app.tcss``).
DEFAULT_SIDEBAR = SidebarWidth(45, percent=True)


@dataclass(frozen=True)
class Config:
    """What the config file asks for; ``None`` (or an empty ``keys``) means the default."""

    path: Path | None = None
    theme: str | None = None
    date_format: str | None = None
    sidebar_width: SidebarWidth | None = None
    #: binding id -> Textual key string (several keys joined by commas)
    keys: Mapping[str, str] = field(default_factory=dict)
    text: str = field(default="", repr=False, compare=False)  # the file, to find lines in

    def error(self, reason: str, *path: str) -> ConfigError:
        """A ``ConfigError`` on the line where ``path`` (``"keys", "app.x"``) is set."""
        return ConfigError(
            self.path or "config", reason, line=find_line(self.text, path), key=_dotted(path)
        )


def load(path: Path | None, *, must_exist: bool = False) -> Config:
    """Read and check the file at ``path``; an absent one is the defaults (unless
    ``must_exist``, for a file named on the command line). Raises ``ConfigError``."""
    if path is None:
        return Config()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if must_exist:
            raise ConfigError(path, "no such file") from None
        return Config(path=path)
    except OSError as error:
        raise ConfigError(path, error.strerror or str(error)) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ConfigError(path, "not UTF-8 text", line=line) from None
    return parse(text, path)


_AT = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$")


def parse(text: str, path: Path | str = "config.toml") -> Config:
    """``text`` as a ``Config``, every value checked (all but the names only the app
    knows: ``check_names``). Raises ``ConfigError`` for the first problem."""
    import tomllib  # here: without a config file, start-up does not pay for the parser

    path = Path(path)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        at = _AT.search(message)
        reason = message[: at.start()] if at else message
        if at and at.group(1):
            line, column = int(at.group(1)), int(at.group(2))
            reason += f" (column {column})"
        else:
            line = text.count("\n") + (0 if text.endswith("\n") else 1)
        raise ConfigError(path, reason, line=line, key=_key_on_line(text, line)) from None
    config = Config(path=path, text=text)
    for name in raw:
        if name not in KNOWN:
            close = difflib.get_close_matches(name, KNOWN, n=1)
            hint = f"did you mean {close[0]}?" if close else f"known: {', '.join(KNOWN)}"
            raise config.error(f"unknown setting ({hint})", name)
    values: dict[str, object] = {}
    for name in ("theme", "date_format"):
        if name in raw:
            value = raw[name]
            if not isinstance(value, str) or not value.strip():
                raise config.error(f"expected {KNOWN[name]}", name)
            values[name] = value
    if "date_format" in values and (problem := check_list_format(values["date_format"])):
        raise config.error(problem, "date_format")
    if "sidebar_width" in raw:
        try:
            values["sidebar_width"] = SidebarWidth.parse(raw["sidebar_width"])
        except TypeError as error:
            raise config.error(f"expected {error}", "sidebar_width") from None
        except ValueError as error:
            raise config.error(str(error), "sidebar_width") from None
    if "keys" in raw:
        values["keys"] = _keys(config, raw["keys"])
    return replace(config, **values)


def _keys(config: Config, table: object) -> dict[str, str]:
    if not isinstance(table, dict):
        raise config.error(f"expected {KNOWN['keys']}", "keys")
    keys = {}
    for binding_id, value in table.items():
        wanted = [value] if isinstance(value, str) else value
        if not isinstance(wanted, list) or not all(isinstance(k, str) for k in wanted):
            raise config.error(
                'expected a key or a list of keys, as in "x" or ["x", "ctrl+x"]',
                "keys",
                binding_id,
            )
        names = [part.strip() for key in wanted for part in key.split(",")]
        if not names or any(not name or any(c.isspace() for c in name) for name in names):
            raise config.error(
                f"{value!r} is not a key (a key name, as in x, ctrl+x, f5 or question_mark)",
                "keys",
                binding_id,
            )
        keys[binding_id] = ",".join(names)
    return keys


def check_names(
    config: Config, *, binding_ids: Collection[str] = (), themes: Collection[str] = ()
) -> None:
    """The names only the app knows: every ``[keys]`` id is one of ``binding_ids``, the
    theme one of ``themes`` (an empty collection: not checked)."""
    if binding_ids:
        for binding_id in config.keys:
            if binding_id not in binding_ids:
                close = difflib.get_close_matches(binding_id, binding_ids, n=1)
                hint = f" (did you mean {close[0]}?)" if close else " (? in the app lists keys)"
                raise config.error(f"no binding has this id{hint}", "keys", binding_id)
    if themes and config.theme is not None and config.theme not in themes:
        close = difflib.get_close_matches(config.theme, themes, n=1)
        hint = f"did you mean {close[0]}?" if close else f"known: {', '.join(sorted(themes))}"
        raise config.error(f"{config.theme!r} is not a theme ({hint})", "theme")


# ---- lines of keys ------------------------------------------------------------------------

_PART = re.compile(r"""\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*""")
_TABLE = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(?:#.*)?$")
_ARRAY_TABLE = re.compile(r"^\s*\[\[")


def _key_parts(text: str) -> tuple[str, ...] | None:
    """A TOML dotted key (``a."b.c"``) as its parts, or ``None`` when it is not one."""
    parts, position = [], 0
    while True:
        match = _PART.match(text, position)
        if not match:
            return None
        parts.append(next(g for g in match.groups() if g is not None))
        position = match.end()
        if position == len(text):
            return tuple(parts)
        if text[position] != ".":
            return None
        position += 1


def _lines(text: str):
    """``(line number, table, key or None)`` for each line that sets a key or opens a table."""
    table: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), 1):
        if _ARRAY_TABLE.match(line):
            continue
        if header := _TABLE.match(line):
            table = _key_parts(header.group(1)) or ()
            yield number, table, None
        elif "=" in line:
            key = _key_parts(line.split("=", 1)[0]) if not line.lstrip().startswith("#") else None
            if key:
                yield number, table, key


def find_line(text: str, path: Collection[str]) -> int | None:
    """The line where the key ``path`` (``("keys", "app.x")``) is set, else where its
    nearest parent is, else ``None``."""
    path = tuple(path)
    best = None
    for number, table, key in _lines(text):
        full = table + key if key else table
        if full == path:
            return number
        if best is None and full and path[: len(full)] == full:
            best = number
    return best


def _key_on_line(text: str, line: int) -> str:
    for number, table, key in _lines(text):
        if number == line:
            return _dotted(table + key if key else table)
    return ""


def _dotted(path: Collection[str]) -> str:
    return ".".join(p if re.fullmatch(r"[A-Za-z0-9_-]+", p) else json.dumps(p) for p in path)


# ---- what the app remembers ---------------------------------------------------------------


def state_path(config_path: Path) -> Path:
    """Where the app remembers a theme picked in the palette and the width set with
    ``[``/``]``: beside the config file (``config.toml`` → ``config-state.json``), so that
    each config, ``--config`` ones and the tests' included, has its own."""
    return config_path.with_name(f"{config_path.stem}-state.json")


def remembered(config: Config) -> dict[str, str]:
    """What the app chose last for each setting, kept only while the config still says
    what it said then: a setting edited in the file since wins over the app's choice."""
    if config.path is None:
        return {}
    try:
        state = json.loads(state_path(config.path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(state, dict):
        return {}
    chosen = {}
    for name, entry in state.items():
        if (
            isinstance(entry, dict)
            and isinstance(entry.get("value"), str)
            and entry.get("config") == _said(config, name)
        ):
            chosen[name] = entry["value"]
    return chosen


def remember(config: Config, name: str, value: str) -> None:
    """Keep ``value`` for ``name`` (``"theme"``, ``"sidebar_width"``) for the next start,
    with what the config said then. Written whole beside the old file, then renamed
    (two apps quitting at once never leave half a file). Raises ``OSError``."""
    if config.path is None:
        return
    target = state_path(config.path)
    try:
        state = json.loads(target.read_text(encoding="utf-8"))
        if not isinstance(state, dict):
            state = {}
    except (OSError, ValueError):
        state = {}
    state[name] = {"value": value, "config": _said(config, name)}
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}")
    try:
        temporary.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _said(config: Config, name: str) -> str | None:
    value = getattr(config, name, None)
    return None if value is None else str(value)
