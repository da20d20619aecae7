"""Every script on the command line: CJK words found by `reader search`, tags that differ
only by case in any script are one tag in `reader tags`."""

from __future__ import annotations

import json

from click.testing import CliRunner

from reader.cli import cli


def run(db, *args):
    return CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)


def test_search_finds_a_word_inside_cjk_text(tmp_path):
    (tmp_path / "tokyo.txt").write_text("东京股市大涨\n\n日经平均指数创下新高。\n\n#日本\n")
    (tmp_path / "seoul.txt").write_text("서울에서 회의가 열렸다\n\n새로운 합의가 발표되었다.\n")
    db = tmp_path / "news.db"
    assert run(db, "import", str(tmp_path)).exit_code == 0
    found = json.loads(run(db, "search", "股市", "--json").stdout)
    assert [a["headline"] for a in found] == ["东京股市大涨"]
    assert [a["headline"] for a in json.loads(run(db, "search", "서울", "--json").stdout)] == [
        "서울에서 회의가 열렸다"
    ]
    assert json.loads(run(db, "search", "市股", "--json").stdout) == []  # characters in order


def test_tags_differing_only_by_case_are_one_tag_in_any_script(tmp_path):
    (tmp_path / "a.txt").write_text("Summit opens\n\nLeaders meet.\n\n#İstanbul\n")
    (tmp_path / "b.txt").write_text("Summit ends\n\nLeaders part.\n\n#ISTANBUL\n")
    db = tmp_path / "news.db"
    assert run(db, "import", str(tmp_path)).exit_code == 0
    tags = json.loads(run(db, "tags", "--json").stdout)
    assert [(t["name"], t["articles"]) for t in tags] == [("İstanbul", 2)]
