from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SAMPLE = SAMPLES / "kremlin-prisoner-swap.txt"


@pytest.fixture
def sample_bytes() -> bytes:
    return SAMPLE.read_bytes()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A path for a fresh database in a temporary folder."""
    return tmp_path / "test.db"


@pytest.fixture
def store(db_path: Path):
    from reader.store import Store

    with Store(db_path) as opened:
        yield opened


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    """A copy of the committed demo database: tests never write to the original."""
    copy = tmp_path / "articles.db"
    shutil.copyfile(ROOT / "articles.db", copy)
    return copy
