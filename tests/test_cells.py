"""Padding and cutting by terminal cells (reader.cells), and the headline list drawn with it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reader import cells
from reader.store import Store
from tests.conftest import WIDE, settle
from tests.scripts_data import HEADLINES, articles


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("abc", 3),
        ("东京股市", 8),  # wide
        ("नमस्ते", 4),  # virama and vowel sign e are marks: no cell
        ("क्षत्रिय", 6),  # vowel sign i is a spacing mark: one cell, as terminals draw it
        ("தமிழ்", 4),
        ("مَرْحَبًا", 5),  # harakat take no cell
        ("😀", 2),
        ("🇺🇸", 2),  # two regional indicators, one cell each
        ("e\u0301", 1),
        ("서울", 4),
    ],
)
def test_width_counts_cells_as_a_terminal_does(text, expected):
    assert cells.width(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("👨‍👩‍👧", "👨👩👧"),
        ("🏳️‍🌈", "🏳🌈"),
        ("❤️", "❤"),
        ("👍🏽", "👍"),
        ("1️⃣", "1⃣"),
        ("🏴󠁧󠁢󠁳󠁣󠁴󠁿", "🏴"),
        ("plain", "plain"),
        ("नमस्ते", "नमस्ते"),
    ],
)
def test_plain_drops_the_marks_terminals_disagree_on(text, expected):
    assert cells.plain(text) == expected


def test_cut_never_splits_a_wide_character_and_keeps_trailing_marks():
    assert cells.cut("东京股市", 3) == "东"
    assert cells.cut("नमस्ते", 3) == "नमस्"  # the virama stays with its consonant
    assert cells.pad("东京股市", 3) == "东 "
    assert cells.fit("东京股市", 5) == "东京…"
    assert cells.fit("abc", 5, ">") == "  abc"
    assert cells.fit("abcdef", 0) == ""


_LETTERS = "aZ 东京股市नमस्तेिக்ிمَر😀🇺\u200d\ufe0f\u0301서…"
text_strategy = st.text(st.sampled_from(list(_LETTERS + "".join(HEADLINES))), max_size=60)


@given(text_strategy, st.integers(min_value=1, max_value=80), st.sampled_from("<>"))
def test_fit_and_pad_give_exactly_the_width(text, room, align):
    text = cells.plain(text)
    assert cells.width(cells.fit(text, room, align)) == room
    assert cells.width(cells.pad(text, room, align)) == room
    assert cells.width(cells.cut(text, room)) <= room


@given(text_strategy)
def test_plain_text_is_measured_the_same_by_parts(text):
    text = cells.plain(text)
    middle = len(text) // 2
    assert cells.width(text) == cells.width(text[:middle]) + cells.width(text[middle:])


@pytest.fixture
def scripts_db(db_path):
    with Store(db_path) as store:
        store.save(articles())
    return db_path


@pytest.mark.parametrize("size", [WIDE, (80, 30), (60, 30)])
async def test_every_headline_row_is_exactly_the_list_width_in_terminal_cells(scripts_db, size):
    from widgets.app import make_app
    from widgets.headline_list import HeadlineList

    app = make_app(scripts_db, watch=False)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        headlines = app.query_one(HeadlineList)
        assert headlines.total == len(HEADLINES)
        width = headlines.scrollable_content_region.width
        for y in range(len(HEADLINES)):
            for selected in (False, True):
                row = headlines._row(y)
                (strip,) = headlines.render_row(row, selected, width)
                text = "".join(segment.text for segment in strip)
                assert cells.width(text) == width == strip.cell_length, text
