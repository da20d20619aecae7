"""A 50,000-item feed refreshes in bounded memory (issue 11: peak under 150 MiB).

Slow (about a minute on two loaded cores): in the second run, ``pytest -m slow``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent

# In a fresh process: the document is served by a stand-in for the fetcher (the network is
# not what is measured), refreshed into a new database, then the peak resident size read.
SCRIPT = """
import sys
sys.path.insert(0, "benchmarks")
import feedsynth

data = feedsynth.feed_xml(0, 50_000, lean=True)[0]
with open(sys.argv[1], "wb") as out:
    out.write(data)
"""

REFRESH = """
import sys
from pathlib import Path
from reader import update
from reader.fetch import Response
from reader.store import Store

data = Path(sys.argv[1]).read_bytes()

def fetch_all(requests, limits, cancelled=None):
    for request in requests:
        yield Response(request, "ok", body=data, content_type="application/rss+xml")

update.fetch_all = fetch_all
with Store(Path(sys.argv[2])) as store:
    store.add_feed("http://127.0.0.1/big.xml")
    (outcome,) = update.refresh(store)
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the parent.
peak = [line for line in open("/proc/self/status") if line.startswith("VmHWM")][0]
print(outcome.new, int(peak.split()[1]) // 1024, len(data) // 2**20)
"""


def test_a_50000_item_feed_refreshes_under_150_mib(tmp_path):
    feed, db = tmp_path / "big.xml", tmp_path / "big.db"
    subprocess.run([sys.executable, "-c", SCRIPT, str(feed)], cwd=ROOT, check=True)
    done = subprocess.run(
        [sys.executable, "-c", REFRESH, str(feed), str(db)],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    new, peak_mib, body_mib = map(int, done.stdout.split())
    print(f"50,000 items, {body_mib} MiB of feed: peak {peak_mib} MiB")
    assert new == 50_000
    assert peak_mib < 150
