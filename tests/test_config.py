"""The config file (issue 12): loading and checking it, the app with one (pilot), the
command line's ``--config`` and ``reader config path``, and what the app remembers.

Never the user's own config folder: every test here runs with ``XDG_CONFIG_HOME`` and
``READER_CONFIG`` pointing into its temporary folder, or names its file with ``--config``.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from reader import datefmt
from reader.cli import cli
from reader.config import (
    Config,
    ConfigError,
    SidebarWidth,
    check_names,
    find_line,
    load,
    parse,
    remember,
    remembered,
    state_path,
)
from reader.paths import config_path
from tests.conftest import WIDE, notices, read_state, rendered, settle

EXAMPLE = """\
# the reader's settings
theme = "nord"
date_format = "%d.%m.%y"
sidebar_width = "40%"

[keys]
"app.toggle-read" = "x"
"app.star" = ["S", "ctrl+s"]
"""


@pytest.fixture(autouse=True)
def own_config_folder(tmp_path, monkeypatch):
    """No test reads or writes the user's config folder."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.delenv("READER_CONFIG", raising=False)
    yield
    datefmt.set_list_format(None)


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problem(text: str, **names) -> str:
    """The one line a bad ``text`` gives (``names``: what ``check_names`` is given)."""
    with pytest.raises(ConfigError) as caught:
        check_names(parse(text, "config.toml"), **names)
    message = str(caught.value)
    assert "\n" not in message
    return message


# ---- loading and checking -------------------------------------------------------------------


def test_a_full_file_reads_as_its_values():
    config = parse(EXAMPLE, "config.toml")
    assert config.theme == "nord"
    assert config.date_format == "%d.%m.%y"
    assert config.sidebar_width == SidebarWidth(40, percent=True)
    assert dict(config.keys) == {"app.toggle-read": "x", "app.star": "S,ctrl+s"}
    check_names(config, binding_ids={"app.toggle-read", "app.star"}, themes={"nord"})


def test_an_empty_file_and_a_missing_one_are_the_defaults(tmp_path):
    assert parse("", "c.toml") == Config(path=Path("c.toml"))
    missing = tmp_path / "nothing.toml"
    assert load(missing) == Config(path=missing)
    assert load(None) == Config()


def test_a_file_named_on_the_command_line_must_exist(tmp_path):
    with pytest.raises(ConfigError, match=r"nothing\.toml: no such file"):
        load(tmp_path / "nothing.toml", must_exist=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # TOML syntax: tomllib's line, and the key on it
        ('theme = "nord"\ndate_format = \n', "config.toml:2: date_format: Invalid value"),
        ('theme = "nord"\n[keys\n', "config.toml:2: "),
        ('theme = "a"\ntheme = "b"\n', "config.toml:2: theme: Cannot overwrite a value"),
        ('theme = """\nnord', "config.toml:2: Unterminated string"),
        # unknown keys, with the nearest known one
        ("\n\nsidebar_widht = 40\n", "config.toml:3: sidebar_widht: unknown setting (did you"),
        ("colour = 1\n", "config.toml:1: colour: unknown setting (known: theme, date_format"),
        # wrong types
        ("theme = 3\n", "config.toml:1: theme: expected a theme name"),
        ('theme = ""\n', "config.toml:1: theme: expected a theme name"),
        ("# c\nsidebar_width = true\n", "config.toml:2: sidebar_width: expected columns or a"),
        ("sidebar_width = 3.5\n", "config.toml:1: sidebar_width: expected columns"),
        ('sidebar_width = "wide"\n', "config.toml:1: sidebar_width: 'wide' is not columns"),
        ("sidebar_width = 5\n", "config.toml:1: sidebar_width: 5 is out of range (20 to 300"),
        ('sidebar_width = "95%"\n', "config.toml:1: sidebar_width: '95%' is out of range"),
        ('keys = "x"\n', "config.toml:1: keys: expected a table of binding ids"),
        ('[keys]\n"app.star" = 5\n', 'config.toml:2: keys."app.star": expected a key or a list'),
        ('[keys]\n"app.star" = ""\n', "config.toml:2: keys.\"app.star\": '' is not a key"),
        ('[keys]\n"app.star" = "ctrl s"\n', "config.toml:2: keys.\"app.star\": 'ctrl s' is not"),
        ('keys = { "app.star" = 1 }\n', 'config.toml:1: keys."app.star": expected a key'),
        # date formats
        ('date_format = "%Q"\n', "config.toml:1: date_format: %Q in '%Q' is not a date"),
        ('date_format = "%d %"\n', "config.toml:1: date_format: '%d %' ends with a lone %"),
        ('date_format = "%Y-%m-%d %H:%M"\n', "date_format: '%Y-%m-%d %H:%M' gives up to 16"),
        ('date_format = "%A %d"\n', "date_format: '%A %d' gives up to 12 cells"),
        ('date_format = "\\t%d"\n', "date_format: '\\t%d' holds a tab"),
    ],
)
def test_a_bad_file_is_one_line_naming_the_line_and_the_key(text, expected):
    said = problem(text)
    assert said.startswith("config.toml:") and expected in said


def test_unknown_binding_ids_and_themes_are_named_with_the_nearest_known():
    text = 'theme = "nrod"\n\n[keys]\n"app.toggle-read" = "x"\n"app.toggle-raed" = "y"\n'
    ids = {"app.toggle-read", "app.star"}
    assert problem(text, binding_ids=ids) == (
        'config.toml:5: keys."app.toggle-raed": no binding has this id'
        " (did you mean app.toggle-read?)"
    )
    assert problem(text.split("\n\n")[0], themes={"nord", "dracula"}) == (
        "config.toml:1: theme: 'nrod' is not a theme (did you mean nord?)"
    )


def test_a_key_is_found_on_its_line_however_it_is_written():
    text = (
        "# [keys] in a comment\n"
        "theme = 'x'  # theme = 'y'\n"
        "[keys]\n"
        "  'app.quit' = 'Q'\n"
        'app."quotes" = "x"\n'
        "[other.table]\n"
        "deep = 1\n"
    )
    assert find_line(text, ("theme",)) == 2
    assert find_line(text, ("keys", "app.quit")) == 4
    assert find_line(text, ("keys", "app", "quotes")) == 5
    assert find_line(text, ("keys", "app.star")) == 3  # not there: its table
    assert find_line(text, ("other", "table", "deep")) == 7
    assert find_line(text, ("nowhere",)) is None


def test_a_file_that_is_not_utf8_names_its_line(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b'theme = "nord"\ndate_format = "\xff"\n')
    with pytest.raises(ConfigError, match=r"config\.toml:2: not UTF-8 text"):
        load(path)


def test_sidebar_widths_step_and_stay_in_range():
    assert SidebarWidth.parse(60) == SidebarWidth(60)
    assert SidebarWidth.parse(" 60 ") == SidebarWidth(60)
    assert SidebarWidth.parse("40%").css() == "40%"
    assert SidebarWidth(40, True).step(-1) == SidebarWidth(35, True)
    assert SidebarWidth(60).step(+1) == SidebarWidth(64)
    assert SidebarWidth(12, True).step(-1) == SidebarWidth(10, True)
    assert SidebarWidth(298).step(+1) == SidebarWidth(300)


def test_the_list_date_follows_the_configured_pattern():
    published = "2025-05-22T15:46:00"
    now = datetime(2025, 5, 22, 18, 0)
    assert datefmt.short_date(published, now) == "15:46"
    datefmt.set_list_format("%d.%m.%y")
    assert datefmt.short_date(published, now) == "22.05.25"
    assert datefmt.short_date(None) == ""
    datefmt.set_list_format(None)
    assert datefmt.short_date(published, now) == "15:46"


# ---- where the file is ----------------------------------------------------------------------


def test_the_config_path_is_the_named_one_else_the_environment_else_the_config_folder(
    tmp_path, monkeypatch
):
    assert config_path() == (tmp_path / "xdg-config" / "reader" / "config.toml", False)
    assert config_path(Path("mine.toml")) == (Path("mine.toml"), True)
    monkeypatch.setenv("READER_CONFIG", str(tmp_path / "env.toml"))
    assert config_path() == (tmp_path / "env.toml", True)
    assert not (tmp_path / "xdg-config").exists()  # finding the path creates nothing


def test_reader_config_path_prints_the_path_in_use_whether_it_exists_or_not(tmp_path):
    runner = CliRunner()
    default = runner.invoke(cli, ["config", "path"], catch_exceptions=False)
    assert default.exit_code == 0
    assert default.output == f"{tmp_path / 'xdg-config' / 'reader' / 'config.toml'}\n"
    named = runner.invoke(cli, ["--config", str(tmp_path / "no.toml"), "config", "path"])
    assert (named.exit_code, named.output) == (0, f"{tmp_path / 'no.toml'}\n")
    env = runner.invoke(cli, ["config", "path"], env={"READER_CONFIG": str(tmp_path / "e.toml")})
    assert env.output == f"{tmp_path / 'e.toml'}\n"


def test_a_command_with_a_bad_config_says_so_in_one_line_on_stderr_and_goes_on(tmp_path, demo_db):
    bad = write(tmp_path, 'theme = "nord"\n\nsidebar_widht = 40\n')
    runner = CliRunner()
    result = runner.invoke(cli, ["--config", str(bad), "tags", "--db", str(demo_db)])
    assert result.exit_code == 0
    said = [line for line in result.stderr.splitlines() if "config" in line]
    assert said == [
        f"reader: {bad}:3: sidebar_widht: unknown setting (did you mean sidebar_width?)"
    ]
    assert result.stdout  # the tags, as without a config
    missing = runner.invoke(cli, ["--config", str(tmp_path / "x.toml"), "tags", "--db", demo_db])
    assert f"reader: {tmp_path / 'x.toml'}: no such file" in missing.stderr.splitlines()
    good = write(tmp_path, EXAMPLE, "good.toml")
    quiet = runner.invoke(cli, ["--config", str(good), "tags", "--db", str(demo_db)])
    assert "good.toml" not in quiet.stderr


def test_the_bare_app_takes_config_anywhere_in_its_arguments():
    import widgets.main as main

    assert main._config_argument(["--config", "c.toml", "--db", "x.db"]) == (
        ["--db", "x.db"],
        Path("c.toml"),
    )
    assert main._config_argument(["--demo", "--config=c.toml"]) == (["--demo"], Path("c.toml"))
    assert main._bare_db_argument(["--db", "x.db", "--config", "c.toml"]) == Path("x.db")
    assert main._bare_db_argument(["--config", "c.toml"]) is None
    assert main._bare_db_argument(["--config"]) is False  # click says what is missing
    assert main._bare_db_argument(["--config", "a", "--config", "b"]) is False
    assert main._bare_db_argument(["--config", "c.toml", "list"]) is False


# ---- the app with a config ------------------------------------------------------------------


async def test_a_remapped_key_does_what_the_old_one_did_and_the_old_one_nothing(tmp_path, demo_db):
    from widgets.app import make_app

    config = write(tmp_path, '[keys]\n"app.toggle-read" = "x"\n"app.undo" = "U"\n')
    app = make_app(demo_db, watch=False, config=config)
    async with app.run_test(size=WIDE) as pilot:
        row = app.headlines.current
        before = read_state(demo_db)[row.id]
        await pilot.press("m")  # no longer toggles
        await settle(app, pilot)
        assert read_state(demo_db)[row.id] == before
        await pilot.press("x")
        await settle(app, pilot)
        assert read_state(demo_db)[row.id] == (not before)
        await pilot.press("U")  # undo moved, and "nothing to undo" with it (same key)
        await settle(app, pilot)
        assert read_state(demo_db)[row.id] == before
        assert app._keymap["app.nothing-to-undo"] == "U"
        # The help and the palette show the new key.
        toggle = next(b for b in app.BINDINGS if b.id == "app.toggle-read")
        assert app.get_key_display(toggle) == "x"
        assert any(c.help == "Read/unread (x)" for c in app.get_system_commands(app.screen))


async def test_a_key_taken_from_another_binding_is_told(tmp_path, demo_db):
    from widgets.app import make_app

    config = write(tmp_path, '\n[keys]\n"app.toggle-read" = "s"\n')
    app = make_app(demo_db, watch=False, config=config)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await pilot.pause()
        assert app.config_warning == (
            f'{config}:3: keys."app.toggle-read": s was the key of app.star, which has none now'
            " (give it another in [keys])"
        )
        assert "app.star, which has none now" in " ".join(notices(app))
    # Swapped on purpose: nothing to say.
    swapped = write(tmp_path, '[keys]\n"app.toggle-read" = "s"\n"app.star" = "m"\n')
    app = make_app(demo_db, watch=False, config=swapped)
    async with app.run_test(size=WIDE) as pilot:
        assert app.config_warning is None
        row = app.headlines.current
        await pilot.press("s")
        await settle(app, pilot)
        assert read_state(demo_db)[row.id] != row.read


async def test_the_theme_date_format_and_width_of_the_file_are_applied(tmp_path, demo_db):
    from widgets.app import make_app

    config = write(tmp_path, EXAMPLE)
    app = make_app(demo_db, watch=False, config=config)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(app, pilot)
        assert app.theme == "nord"
        assert app.query_one("#sidebar").outer_size.width == 56  # 40% of 140
        list_text = rendered(app.headlines)
        height = app.headlines.size.height
        dated = [r for r in app.headlines.rows_after(-1) if r[1].published and r[0] < height]
        assert dated
        for _, row in dated:
            assert datetime.fromisoformat(row.published).strftime("%d.%m.%y") in list_text
        assert notices(app) == []
    assert datefmt.list_format() is None  # the process's default again


async def test_brackets_change_the_sidebar_width_and_the_next_start_keeps_it(tmp_path, demo_db):
    from widgets.app import make_app

    config = tmp_path / "config.toml"  # none yet: the defaults, and a place to remember
    app = make_app(demo_db, watch=False, config=config)
    async with app.run_test(size=WIDE) as pilot:
        sidebar = app.query_one("#sidebar")
        first = sidebar.outer_size.width
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert sidebar.outer_size.width == 56  # 45% → 40% of 140
        await pilot.press("right_square_bracket", "right_square_bracket")
        await pilot.pause()
        assert sidebar.outer_size.width == 70 > first
    assert json.loads(state_path(config).read_text())["sidebar_width"]["value"] == "50%"
    again = make_app(demo_db, watch=False, config=config)
    async with again.run_test(size=WIDE) as pilot:
        await pilot.pause()
        assert again.query_one("#sidebar").outer_size.width == 70
    # Narrow: one pane at a time, the stylesheet's widths, [ and ] hidden.
    narrow = make_app(demo_db, watch=False, config=config)
    async with narrow.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert narrow.query_one("#sidebar").outer_size.width == 80
        assert narrow.check_action("narrower", ()) is False


async def test_a_bad_file_starts_the_app_with_defaults_and_shows_its_line(tmp_path, demo_db):
    from widgets.app import make_app

    config = write(tmp_path, 'theme = "nord"\n[keys]\n"app.toggle-raed" = "x"\n')
    app = make_app(demo_db, watch=False, config=config)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(app, pilot)
        assert app.theme == "textual-dark"  # nothing of the file applied
        assert not app._keymap
        assert app.config_problem == (
            f'{config}:3: keys."app.toggle-raed": no binding has this id'
            " (did you mean app.toggle-read?)"
        )
        said = " ".join(notices(app))
        assert "Config file not used" in said and "app.toggle-raed" in said
        row = app.headlines.current
        await pilot.press("m")  # the default keys work
        await settle(app, pilot)
        assert read_state(demo_db)[row.id] != row.read


async def test_a_named_config_that_is_missing_is_told_and_a_default_one_is_not(tmp_path, demo_db):
    from widgets.app import make_app

    missing = tmp_path / "gone.toml"
    app = make_app(demo_db, watch=False, config=missing, config_required=True)
    async with app.run_test(size=WIDE):
        assert app.config_problem == f"{missing}: no such file"
    quiet = make_app(demo_db, watch=False, config=missing)
    async with quiet.run_test(size=WIDE):
        assert quiet.config_problem is None


async def test_an_id_of_a_screen_not_opened_yet_is_known(tmp_path, demo_db):
    from widgets.app import make_app

    config = write(tmp_path, '[keys]\n"quotes.speaker" = "p"\n"help.close-q" = "x"\n')
    app = make_app(demo_db, watch=False, config=config)
    async with app.run_test(size=WIDE):
        assert app.config_problem is None
        assert app._keymap["quotes.speaker"] == "p"


async def test_a_theme_chosen_in_the_palette_is_remembered_until_the_file_changes(
    tmp_path, demo_db
):
    from widgets.app import make_app

    config = write(tmp_path, 'theme = "nord"\n')
    app = make_app(demo_db, watch=False, config=config)
    async with app.run_test(size=WIDE) as pilot:
        assert app.theme == "nord"
        app.action_change_theme()  # the palette's theme list, as ctrl+p → "Theme" opens it
        await pilot.pause()
        await pilot.press(*"dracula")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.theme == "dracula"
    assert config.read_text() == 'theme = "nord"\n'  # the user's file is never rewritten
    again = make_app(demo_db, watch=False, config=config)
    async with again.run_test(size=WIDE):
        assert again.theme == "dracula"
    # The file edited since: what it says now wins.
    config.write_text('theme = "gruvbox"\n')
    edited = make_app(demo_db, watch=False, config=config)
    async with edited.run_test(size=WIDE):
        assert edited.theme == "gruvbox"


def test_what_is_remembered_is_kept_beside_the_config_and_yields_to_edits(tmp_path):
    config = parse('theme = "nord"\n', tmp_path / "reader.toml")
    assert remembered(config) == {}
    remember(config, "theme", "dracula")
    remember(config, "sidebar_width", "60")
    assert state_path(config.path) == tmp_path / "reader-state.json"
    assert remembered(config) == {"theme": "dracula", "sidebar_width": "60"}
    edited = parse('theme = "gruvbox"\nsidebar_width = 50\n', tmp_path / "reader.toml")
    assert remembered(edited) == {}
    state_path(config.path).write_text("{not json")
    assert remembered(config) == {}  # a damaged state file is forgotten, not an error


async def test_the_tests_own_apps_read_no_config(demo_db, tmp_path):
    from widgets.app import make_app

    app = make_app(demo_db, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        app.theme = "nord"
        await pilot.press("left_square_bracket")
        await pilot.pause()
    assert app.config == Config()
    assert not (tmp_path / "xdg-config").exists()


def test_every_binding_has_an_id(demo_db):
    from textual.binding import Binding

    from widgets.app import _widget_classes, binding_ids

    ids = binding_ids(["load everything"])
    assert {"app.toggle-read", "app.narrower", "quotes.speaker", "list.j"} <= ids
    without = [
        f"{cls.__name__}: {b.key}"
        for cls in _widget_classes()
        for b in cls.__dict__.get("BINDINGS", ())
        if isinstance(b, Binding) and not b.id
    ]
    assert without == []


def test_the_readme_example_is_a_good_file():
    from textual.theme import BUILTIN_THEMES

    from tests.conftest import ROOT
    from widgets.app import binding_ids

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1]
    example = section.split("```toml\n", 1)[1].split("```", 1)[0]
    config = parse(example, "config.toml")
    check_names(config, binding_ids=binding_ids(config.keys), themes=BUILTIN_THEMES)
    assert config.theme == "nord" and config.keys["app.star"] == "S,ctrl+s"
