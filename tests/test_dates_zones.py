"""Datelines with time-zone abbreviations: read with their offset, silently."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from reader.dates import read_dateline


@pytest.mark.parametrize(
    ("line", "published", "expected_warnings"),
    [
        ("22 May 2025 15:46 EST", "2025-05-22T15:46-05:00", ()),
        ("22 May 2025 15:46 EDT", "2025-05-22T15:46-04:00", ()),
        ("22 May 2025 15:46 UTC", "2025-05-22T15:46+00:00", ()),
        ("Thu, 22 May 2025 15:46:00 GMT", "2025-05-22T15:46+00:00", ()),
        ("22 May 2025 15:46 CET", "2025-05-22T15:46+01:00", ()),
        ("22 May 2025 15:46 CEST", "2025-05-22T15:46+02:00", ()),
        ("22 May 2025 15:46 PST", "2025-05-22T15:46-08:00", ()),
        ("22 May 2025 15:46 PDT", "2025-05-22T15:46-07:00", ()),
        ("22 May 2025 15:46 BST", "2025-05-22T15:46+01:00", ()),
        ("22 May 2025 15:46 MSK", "2025-05-22T15:46+03:00", ()),
        ("Thursday, 22 May 2025 15:46 JST", "2025-05-22T15:46+09:00", ()),
        ("Friday, 22 May 2025 15:46 MSK", "2025-05-22T15:46+03:00", ("weekday-mismatch",)),
        ("22 May 2025 15:46 UTC+3", "2025-05-22T15:46+03:00", ()),
        ("22 May 2025 15:46 GMT-5", "2025-05-22T15:46-05:00", ()),
        ("Thu, 22 May 2025 15:46:00 +0300", "2025-05-22T15:46+03:00", ()),
        # Ambiguous (India, Ireland, Israel) or unknown: no offset guessed, a warning.
        ("22 May 2025 15:46 IST", "2025-05-22T15:46", ("unknown-timezone",)),
        ("22 May 2025 15:46 CST", "2025-05-22T15:46", ("unknown-timezone",)),
        ("22 May 2025 15:46 XYZT", "2025-05-22T15:46", ("unknown-timezone",)),
    ],
)
def test_zone_abbreviations_give_their_offset_without_a_python_warning(
    line, published, expected_warnings
):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dateline = read_dateline(line)
    assert dateline is not None
    assert dateline.published == published
    assert dateline.warnings == expected_warnings


def test_import_of_such_datelines_prints_nothing_on_stderr(tmp_path: Path):
    for index, zone in enumerate(["EST", "UTC", "CET", "GMT", "IST", "PDT"]):
        text = f"Headline {index}\n\n22 May 2025 15:4{index} {zone}\nAA\n\nLede.\n"
        (tmp_path / f"a{index}.txt").write_text(text)
    reader = Path(sys.executable).parent / "reader"
    done = subprocess.run(
        [str(reader), "--db", str(tmp_path / "t.db"), "import", str(tmp_path)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "6 new" in done.stdout
