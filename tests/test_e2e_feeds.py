"""Feeds end to end, as a new user meets them: the installed ``reader`` in tmux subscribes
from a newsboat ``urls`` file, R fetches a feed served on 127.0.0.1, an entry is read with
its quotes and tags, o opens its link with $BROWSER, and a second R keeps the read mark.
And under strace: a hostile feed makes ``reader update`` open no file and contact no host."""

from __future__ import annotations

import re
import shlex
import shutil
import socket
import sqlite3
import subprocess
import time

import pytest

from tests.conftest import wait_until
from tests.feed_data import item, rss
from tests.test_e2e import READER, TERMINAL_ENV, Tmux

pytestmark = pytest.mark.e2e


def serve(httpserver, path: str, body: str) -> str:
    httpserver.expect_request(path).respond_with_data(body, content_type="application/rss+xml")
    return httpserver.url_for(path)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_subscribe_refresh_read_open_and_refresh_again_in_a_real_terminal(tmp_path, httpserver):
    url = serve(httpserver, "/world.xml", rss(item(1), item(2), title="Local World"))
    urls = tmp_path / "urls"
    urls.write_text(f"# from newsboat\n{url} World\n")
    db = tmp_path / "news.db"
    imported = subprocess.run(
        [str(READER), "--db", str(db), "feed", "import-opml", str(urls)],
        capture_output=True,
        text=True,
        env=TERMINAL_ENV,
    )
    assert imported.returncode == 0, imported.stderr
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> {shlex.quote(str(opened))}\n')
    browser.chmod(0o755)
    command = f"BROWSER={shlex.quote(str(browser))} {shlex.quote(str(READER))} --db {db}"
    term = Tmux(["sh", "-c", f"{command}; echo status $?; sleep 30"], tmp_path)
    try:
        term.wait_for("no articles in this database yet")
        term.send("R")
        screen = term.wait_for("Story 2")
        assert "Story 1" in screen
        term.wait_for("1 feed refreshed: 2 new")
        term.send("g", "Enter")  # the newest, opened: read
        screen = term.wait_for("We will rebuild the bridge")
        assert "#World" in screen and "Local World" in screen
        term.send("o")
        wait_until(lambda: opened.exists() and opened.read_text(), 10, "the browser to run")
        assert opened.read_text() == "https://news.example/2\n"
        term.wait_for("Story 2")  # the app is back on screen after the browser
        httpserver.clear()
        serve(httpserver, "/world.xml", rss(item(1), item(2, title="Story 2, revised"), item(3)))
        term.send("R")  # (not after an escape: escape and R at once are alt+R)
        term.wait_for("Story 2, revised")
        term.wait_for("Story 3")
        term.send("Escape")  # from the article to the list, where q quits
        time.sleep(0.3)  # (escape and q at once would be alt+q)
        term.send("q")
        term.wait_for("status 0")
    finally:
        term.close()
    conn = sqlite3.connect(db)
    try:
        rows = dict(conn.execute("SELECT headline, read FROM articles"))
    finally:
        conn.close()
    assert rows == {"Story 1": 0, "Story 2, revised": 1, "Story 3": 0}


HOSTILE = """<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY secret SYSTEM "file://{secret}">
  <!ENTITY remote SYSTEM "http://127.0.0.1:{port}/entity">
  <!ENTITY lol "lollollollollollollollollollol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<rss version="2.0"><channel><title>Hostile</title>
<item><title>&secret; &remote; &lol3;</title><guid>h1</guid></item>
</channel></rss>
"""

EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE rss SYSTEM "http://127.0.0.1:{port}/rss.dtd">
<rss version="2.0"><channel><title>Plain</title>
<item><title>Harmless &#x9b;31mred&#x9b;0m</title><guid>p1</guid>
<link>file:///etc/passwd</link></item>
</channel></rss>
"""


def _can_trace() -> bool:
    if shutil.which("strace") is None:
        return False
    done = subprocess.run(["strace", "-qq", "-e", "trace=none", "true"], capture_output=True)
    return done.returncode == 0  # ptrace may be forbidden in a container


@pytest.mark.skipif(not _can_trace(), reason="strace is not installed or cannot trace here")
def test_a_hostile_feed_opens_no_file_and_contacts_no_other_host(tmp_path, httpserver):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    trap = socket.socket()  # where the entities and the DTD point: nobody may connect
    trap.bind(("127.0.0.1", 0))
    trap.listen(5)
    trap.setblocking(False)
    port = trap.getsockname()[1]
    hostile = serve(httpserver, "/hostile.xml", HOSTILE.format(secret=secret, port=port))
    plain = serve(httpserver, "/plain.xml", EXTERNAL_DTD.format(port=port))
    db = tmp_path / "news.db"
    for url in (hostile, plain):
        subprocess.run([str(READER), "--db", str(db), "feed", "add", url], check=True)
    log = tmp_path / "strace.log"
    done = subprocess.run(
        ["strace", "-f", "-qq", "-e", "trace=openat,connect", "-o", str(log),
         str(READER), "--db", str(db), "update"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert "XML declares entities: refused" in done.stderr
    trace = log.read_text()
    assert str(secret) not in trace
    connects = re.findall(r"connect\(\d+, \{sa_family=AF_INET, sin_port=htons\((\d+)\)", trace)
    assert connects and set(connects) == {str(httpserver.port)}
    with pytest.raises(BlockingIOError):
        trap.accept()  # no connection waiting
    trap.close()
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT headline, link FROM articles").fetchall()
    finally:
        conn.close()
    # The C1 control sequences (CSI as a character reference) gone whole, the file: link dropped.
    assert rows == [("Harmless red", None)]
