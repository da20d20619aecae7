"""Which links are stored and opened: absolute http(s) only, never a control or a space."""

from __future__ import annotations

from urllib.parse import urlsplit

from hypothesis import given
from hypothesis import strategies as st

from reader.links import is_openable, safe_link
from reader.sanitize import is_clean

BASE = "https://news.example/feeds/world.xml"


def test_schemes_other_than_http_are_dropped():
    for url in (
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,<b>x</b>",
        "file:///etc/passwd",
        "ftp://files.example/x",
        "vbscript:msgbox",
        "http://",
        "https://news.example:99999/",
        "http://news\x1b[2J.example/",
        "http://news.example/a b",
        "http://news.example/\u202eevil",
    ):
        assert safe_link(url, BASE) is None, url
        assert not is_openable(url)


def test_relative_links_are_resolved_against_the_feed():
    assert safe_link("/2026/story", BASE) == "https://news.example/2026/story"
    assert safe_link("story.html", BASE) == "https://news.example/feeds/story.html"
    assert safe_link("//cdn.example/x", BASE) == "https://cdn.example/x"
    assert safe_link("/2026/story") is None  # no feed to resolve it against


@given(st.text(max_size=60), st.sampled_from(["", "http://", "https://", "HTTP://", "/"]))
def test_any_text_gives_a_clean_absolute_http_link_or_none(text, prefix):
    url = safe_link(prefix + text, BASE)
    if url is None:
        return
    parts = urlsplit(url)
    assert parts.scheme.lower() in ("http", "https") and parts.hostname
    assert is_clean(url) and not any(c.isspace() for c in url)
    assert is_openable(url)
