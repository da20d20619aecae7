from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Speed is measured by benchmarks/, never by a test: no per-example deadline, and no
# "too slow" health check, on a shared machine or a loaded CI runner.
settings.register_profile("reader", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("reader")

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
