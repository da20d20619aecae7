"""The core never needs the UI, and start-up imports only what the first screen needs."""

from __future__ import annotations

import subprocess
import sys


def modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(out.split())


def test_the_core_imports_no_ui():
    loaded = modules_after(
        "import reader.cli, reader.store, reader.parse, reader.importer, reader.jsonl"
    )
    assert not {m for m in loaded if m.split(".")[0] in ("textual", "widgets", "rich")}


def test_the_reading_screen_does_not_load_heavy_modules_at_start():
    loaded = modules_after("import widgets.app, widgets.main")
    heavy = {"click", "dateutil", "sqlite_utils", "reader.parse", "reader.quotes", "reader.cli"}
    assert not {m for m in loaded if m in heavy or m.split(".")[0] in heavy}


def test_the_schema_reads_plainly_in_sqlite_utils(demo_db):
    import sqlite_utils

    db = sqlite_utils.Database(demo_db)
    assert {"articles", "tags", "article_tags", "quotes", "counters"} <= set(db.table_names())
    assert db["articles"].count == db["counters"].get("articles")["value"]
    columns = {c.name for c in db["articles"].columns}
    assert {"headline", "published", "source", "lede", "body", "read", "starred"} <= columns
    quote = next(db["quotes"].rows_where("speaker is not null", limit=1))
    assert quote["text"] and quote["speaker"]
    assert db["article_search"].count == db["articles"].count  # the view the search index reads
