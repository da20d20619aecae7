"""reader.opml: OPML and newsboat urls files in, OPML out, and hostile XML refused."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reader.article import tag_key
from reader.opml import (
    OpmlError,
    Skipped,
    Subscription,
    looks_like_opml,
    read_opml,
    read_urls,
    write_opml,
)
from reader.sanitize import sanitize_line

DATA = Path(__file__).parent / "data" / "opml"


def by_url(subs: list[Subscription]) -> dict[str, Subscription]:
    return {sub.url: sub for sub in subs}


# ---- realistic exports ----------------------------------------------------------------------


def test_newsboat_export_opml1() -> None:
    subs, skipped = read_opml((DATA / "newsboat-export.opml").read_bytes())
    assert skipped == []
    assert subs == [
        Subscription("https://lwn.net/headlines/newrss", "LWN.net"),
        Subscription("https://www.theguardian.com/world/rss", "World news | The Guardian"),
        Subscription("https://example.org/never-fetched.xml"),  # title="" text="": no title
        Subscription("https://meduza.io/rss/all", "Медуза — Meduza"),
    ]


def test_newsboat_export_opml2_category_is_tags() -> None:
    subs, skipped = read_opml((DATA / "newsboat-export2.opml").read_bytes())
    assert skipped == []
    feeds = by_url(subs)
    assert feeds["https://lwn.net/headlines/newrss"].tags == ("linux", "news")
    # newsboat writes tags as they are: "uk/press" is one tag, not a path
    assert feeds["https://www.theguardian.com/world/rss"].tags == ("World News", "news", "uk/press")
    assert feeds["https://example.org/untagged.xml"] == Subscription(
        "https://example.org/untagged.xml"
    )


def test_feedly_nested_folders() -> None:
    subs, skipped = read_opml((DATA / "feedly-nested.opml").read_bytes())
    assert [sub.url for sub in subs] == [
        "https://feeds.bbci.co.uk/news/world/rss.xml",
        "https://www.lemonde.fr/rss/une.xml",
        "https://www.spiegel.de/schlagzeilen/index.rss",
        "https://news.ycombinator.com/rss",
        "https://xkcd.com/rss.xml",
    ]
    feeds = by_url(subs)
    # the same feed in two folders: one subscription, both tags, first place kept
    assert feeds["https://feeds.bbci.co.uk/news/world/rss.xml"] == Subscription(
        "https://feeds.bbci.co.uk/news/world/rss.xml", "BBC News - World", ("News", "Tech")
    )
    assert feeds["https://www.lemonde.fr/rss/une.xml"].tags == ("News", "Europe")
    spiegel = feeds["https://www.spiegel.de/schlagzeilen/index.rss"]  # xmlurl, lower case
    assert spiegel.title == "Spiegel & Co <Schlagzeilen>"
    assert spiegel.tags == ("News", "Europe")
    assert feeds["https://news.ycombinator.com/rss"].tags == ("Tech",)  # XMLURL
    assert feeds["https://xkcd.com/rss.xml"] == Subscription("https://xkcd.com/rss.xml", "xkcd.com")
    assert skipped == [
        Skipped(18, "javascript:alert(document.cookie)", "not an http(s) URL"),
        Skipped(19, "file:///etc/passwd", "not an http(s) URL"),
    ]


def test_opml1_in_latin1() -> None:
    subs, skipped = read_opml((DATA / "opml1-latin1.opml").read_bytes())
    assert skipped == []
    assert [(sub.title, sub.tags) for sub in subs] == [
        ("CNET News.com", ()),
        ("Café Society", ()),  # no title attribute: text
        ("Scripting News", ()),
    ]


def test_folder_label_is_text_before_title_and_feed_title_before_text() -> None:
    data = b"""<opml version="2.0"><body>
      <outline text="Blogs" title="ignored"><outline title="friends">
        <outline xmlUrl="https://mike.example/rss" title="Notes by Mike" text="mike"/>
      </outline></outline></body></opml>"""
    subs, _ = read_opml(data)
    assert subs == [Subscription("https://mike.example/rss", "Notes by Mike", ("Blogs", "friends"))]


def test_category_paths_give_one_tag_per_level() -> None:
    data = b"""<opml version="2.0"><body><outline text="News">
      <outline xmlUrl="https://a.example/rss"
               category="/Boston/Weather, /Harvard/Berkman,news,Politics"/>
      </outline></body></opml>"""
    (sub,), _ = read_opml(data)
    assert sub.tags == ("News", "Boston", "Weather", "Harvard", "Berkman", "Politics")


def test_titles_and_tags_are_sanitised_and_deduplicated() -> None:
    data = """<opml version="2.0"><body>
      <outline text="World&#x202E;  News"><outline text="  ">
        <outline xmlUrl=" https://a.example/rss " title="\x9b2JEvil&#x9b;31m title&#9;here"
                 category="world news,WORLD NEWS,\u200f,Extra"/>
      </outline></outline></body></opml>""".encode()
    (sub,), skipped = read_opml(data)
    assert skipped == []
    assert sub == Subscription("https://a.example/rss", "Evil title here", ("World News", "Extra"))


def test_command_and_unsafe_urls_are_skipped_with_reasons() -> None:
    data = b"""<opml version="2.0"><body>
      <outline xmlUrl="|/usr/bin/make-feed" text="piped"/>
      <outline xmlUrl="exec:~/bin/feed.sh"/>
      <outline xmlUrl="https://ok.example/rss" filtercmd="rm -rf ~"/>
      <outline xmlUrl="/relative/feed.xml"/>
      <outline xmlUrl="https://bad.example/a b"/>
    </body></opml>"""
    subs, skipped = read_opml(data)
    assert subs == [Subscription("https://ok.example/rss")]  # the filter command is never run
    assert [(s.line, s.reason) for s in skipped] == [
        (2, "command feed (Liferea pipe; not run here)"),
        (3, "exec: feed (runs a command; not run here)"),
        (5, "not an http(s) URL"),
        (6, "not an http(s) URL"),
    ]


def test_skipped_text_is_shortened_and_clean() -> None:
    data = f'<opml><body><outline xmlUrl="gopher://&#x9b;2J&#x202e;{"x" * 500}"/></body></opml>'
    _, (skip,) = read_opml(data.encode())
    assert len(skip.text) == 80
    assert skip.text.endswith("…")
    assert "\x9b" not in skip.text and "\u202e" not in skip.text


# ---- refused documents ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   \n",
        b"<opml><body><outline xmlUrl='https://a.example/'></body></opml>",
        b"<opml><body>",
        b"https://lwn.net/headlines/newrss linux\n",
        b"<?xml version='1.0'?>\n<opml>\n<body>\n<outline xmlUrl=\"https://a.example/&x\"/>",
    ],
)
def test_malformed_xml_is_one_line_opml_error(data: bytes) -> None:
    with pytest.raises(OpmlError) as raised:
        read_opml(data)
    assert isinstance(raised.value, ValueError)
    message = str(raised.value)
    assert message.startswith("not well-formed XML: ")
    assert "\n" not in message


def test_a_feed_is_not_an_opml_file() -> None:
    with pytest.raises(OpmlError, match=r"root element is <rss>"):
        read_opml(b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>')


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<opml version="2.0"><body><outline xmlUrl="https://a.example/rss" title="&lol9;"/></body></opml>
"""


def test_billion_laughs_is_refused_at_once() -> None:
    start = time.perf_counter()
    with pytest.raises(OpmlError, match="declares an entity"):
        read_opml(BILLION_LAUGHS)
    assert time.perf_counter() - start < 5  # a blow-up takes far longer


def test_even_one_harmless_entity_is_refused() -> None:
    data = b'<!DOCTYPE opml [<!ENTITY me "Jane">]><opml><body><outline text="&me;"/></body></opml>'
    with pytest.raises(OpmlError, match="declares an entity"):
        read_opml(data)


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-4242")
    return path


def test_xxe_external_entity_is_refused(secret: Path) -> None:
    data = f"""<?xml version="1.0"?>
<!DOCTYPE opml [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>
<opml version="2.0"><body>
<outline xmlUrl="https://a.example/rss" title="&xxe;" category="&xxe;"/>
</body></opml>""".encode()
    with pytest.raises(OpmlError) as raised:
        read_opml(data)
    assert "TOP-SECRET" not in str(raised.value)


def test_xxe_parameter_entity_is_refused(secret: Path) -> None:
    data = f"""<?xml version="1.0"?>
<!DOCTYPE opml [<!ENTITY % p SYSTEM "{secret.as_uri()}"> %p;]>
<opml version="2.0"><body><outline xmlUrl="https://a.example/rss" title="x"/></body></opml>"""
    with pytest.raises(OpmlError) as raised:
        read_opml(data.encode())
    assert "TOP-SECRET" not in str(raised.value)


def test_an_external_dtd_is_never_fetched(secret: Path) -> None:
    data = f"""<?xml version="1.0"?>
<!DOCTYPE opml SYSTEM "{secret.as_uri()}">
<opml version="2.0"><body><outline xmlUrl="https://a.example/rss" title="x"/></body></opml>"""
    subs, skipped = read_opml(data.encode())  # a DOCTYPE alone is harmless: nothing is read
    assert subs == [Subscription("https://a.example/rss", "x")]
    assert "TOP-SECRET" not in repr((subs, skipped))


# ---- writing and the round trip -------------------------------------------------------------


def test_write_opml_layout() -> None:
    text = write_opml(
        [
            Subscription("https://a.example/rss", "A & <B>", ("News", "world", "uk/press")),
            Subscription("https://b.example/rss"),
            Subscription("https://c.example/rss", "C", ("News",)),
        ],
        title='Jane\'s "feeds"',
    )
    assert text.startswith("<?xml version='1.0' encoding='utf-8'?>\n<opml version=\"2.0\">")
    assert '<title>Jane\'s "feeds"</title>' in text
    assert text.count('text="News"') == 1  # one folder for the tag
    assert 'title="A &amp; &lt;B&gt;"' in text
    assert 'category="world,uk/press"' in text
    assert (
        '<outline type="rss" text="https://b.example/rss" xmlUrl="https://b.example/rss" />' in text
    )


def test_round_trip_with_awkward_tags_and_documented_order() -> None:
    subs = [
        Subscription(
            "https://a.example/rss", "A & <b> \"c\" 'd' é", ("x,y", "plain", "/lead", "a/b")
        ),
        Subscription("http://b.example/rss", None, ()),
        Subscription("https://c.example/rss", "Ц", ("Ünïcode", "ünïcode", "Other")),
    ]
    back, skipped = read_opml(write_opml(subs).encode())
    assert skipped == []
    assert back == [
        # first tag, then category tags in order, then tags written as outline copies
        Subscription(subs[0].url, subs[0].title, ("x,y", "plain", "a/b", "/lead")),
        Subscription("http://b.example/rss"),
        Subscription("https://c.example/rss", "Ц", ("Ünïcode", "Other")),
    ]


def test_write_drops_what_xml_cannot_carry() -> None:
    text = write_opml(
        [Subscription("https://a.example/rss", "a\ud800b\uffff\x00c\x1b[2J", ("\x07",))]
    )
    (sub,), _ = read_opml(text.encode("utf-8"))
    assert sub == Subscription("https://a.example/rss", "abc")


def test_write_output_is_readable_as_utf8_bytes() -> None:
    text = write_opml([Subscription("https://a.example/rss", "Медуза", ("новости",))])
    (sub,), _ = read_opml(text.encode("utf-8"))
    assert sub == Subscription("https://a.example/rss", "Медуза", ("новости",))


_chars = st.one_of(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\ufffe\uffff"),
    st.sampled_from("&<>\"',/ ~!#;\t\n\x1b\u202e"),
)
_texts = st.text(_chars, max_size=12)


@st.composite
def subscription_lists(draw: st.DrawFn) -> list[Subscription]:
    count = draw(st.integers(0, 6))
    return [
        Subscription(
            f"https://feed{i}.example/rss?a=1&b=<{i}>",
            draw(st.none() | _texts),
            tuple(draw(st.lists(_texts, max_size=4))),
        )
        for i in range(count)
    ]


def _clean_tags(sub: Subscription) -> list[str]:
    """What the reader makes of ``sub.tags``: sanitised, no empties, first spelling kept."""
    tags: dict[str, str] = {}
    for tag in map(sanitize_line, sub.tags):
        if tag:
            tags.setdefault(tag_key(tag), tag)
    return list(tags.values())


def _expected(sub: Subscription) -> tuple[str | None, set[str]]:
    return sanitize_line(sub.title or "") or None, set(_clean_tags(sub))


@given(subscription_lists(), _texts)
def test_round_trip_property(subs: list[Subscription], title: str) -> None:
    back, skipped = read_opml(write_opml(subs, title=title).encode("utf-8"))
    assert skipped == []
    assert len(back) == len(subs)
    got = by_url(back)
    for sub in subs:
        assert (got[sub.url].title, set(got[sub.url].tags)) == _expected(sub)
        clean = _clean_tags(sub)
        # the first tag first, then the tags that fit in `category`, in their order
        in_category = [t for t in clean[1:] if "," not in t and not t.startswith("/")]
        prefix = tuple(clean[:1] + in_category)
        assert got[sub.url].tags[: len(prefix)] == prefix


# ---- newsboat urls files --------------------------------------------------------------------


def test_urls_fixture() -> None:
    subs, skipped = read_urls((DATA / "urls").read_text(encoding="utf-8"))
    assert subs == [
        # a URL seen again merges its tags, case-insensitively, first spelling kept
        Subscription("https://lwn.net/headlines/newrss", None, ("linux", "news", "kernel stuff")),
        Subscription(
            "https://www.theguardian.com/world/rss", "The Guardian: World", ("World News", "news")
        ),
        Subscription("https://meduza.io/rss/all", "Медуза", ("russia",)),
        Subscription("http://feeds.bbci.co.uk/news/world/rss.xml", None, ("news",)),  # ! dropped
    ]
    assert [(s.line, s.reason) for s in skipped] == [
        (8, "newsboat query feed"),
        (9, "exec: feed (runs a command; not run here)"),
        (10, "filter: feed (runs a command; not run here)"),
        (11, "not an http(s) URL"),
    ]
    assert skipped[1].text == "exec:~/bin/fetch-hn.sh tech"
    assert skipped[3].text == "this line is not a feed"


def test_urls_crlf_and_bom() -> None:
    text = '\ufeff# comment\r\nhttps://a.example/rss news\r\n\r\nhttps://b.example/rss "~B"\r\n'
    subs, skipped = read_urls(text)
    assert subs == [
        Subscription("https://a.example/rss", None, ("news",)),
        Subscription("https://b.example/rss", "B"),
    ]
    assert skipped == []


def test_urls_line_numbers_count_crlf_once() -> None:
    _, skipped = read_urls("https://a.example/\r\n\r\nnope\r\n")
    assert skipped == [Skipped(3, "nope", "not an http(s) URL")]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('https://a.example/ "say \\"hi\\"" x', ("https://a.example/", None, ('say "hi"', "x"))),
        ('"https://a.example/" "~T \\\\ t"', ("https://a.example/", "T \\ t", ())),
        ("https://a.example/#frag tag#1 #comment", ("https://a.example/#frag", None, ("tag#1",))),
        (
            "https://a.example/\t\ttab\tseparated",
            ("https://a.example/", None, ("tab", "separated")),
        ),
        ('https://a.example/ "unclosed quote', ("https://a.example/", None, ("unclosed quote",))),
        ("https://a.example/ ~First ~Second", ("https://a.example/", "First", ())),
        ("https://a.example/ ~ ! !hidden tag", ("https://a.example/", None, ("tag",))),
        ('https://a.example/ "" "  " x', ("https://a.example/", None, ("x",))),
        ('https://a.example/ "line\\nbreak"', ("https://a.example/", None, ("line break",))),
        ('https://a.example/ "~\x1b[31mRed\x1b[0m"', ("https://a.example/", "Red", ())),
    ],
)
def test_urls_tokenising(line: str, expected: tuple[str, str | None, tuple[str, ...]]) -> None:
    subs, skipped = read_urls(line)
    assert skipped == []
    assert subs == [Subscription(*expected)]


@pytest.mark.parametrize(
    "text",
    ["", "\n\n", "# only a comment", "   # indented comment", "\ufeff"],
)
def test_urls_nothing_to_import(text: str) -> None:
    assert read_urls(text) == ([], [])


def test_urls_garbage_is_skipped_not_fatal() -> None:
    text = "javascript:alert(1)\n<opml>\nftp://files.example/feed\n\x1b]0;title\x07\nhttps://ok.example/\n"
    subs, skipped = read_urls(text)
    assert subs == [Subscription("https://ok.example/")]
    assert [s.line for s in skipped] == [1, 2, 3, 4]
    assert all(s.reason == "not an http(s) URL" for s in skipped)
    assert all("\x1b" not in s.text and "\x07" not in s.text for s in skipped)


# ---- which reader -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["newsboat-export.opml", "feedly-nested.opml", "opml1-latin1.opml"]
)
def test_fixtures_look_like_opml(name: str) -> None:
    assert looks_like_opml((DATA / name).read_bytes())


def test_a_urls_file_does_not_look_like_opml() -> None:
    assert not looks_like_opml((DATA / "urls").read_bytes())
    assert not looks_like_opml(b"https://a.example/rss\n")
    assert not looks_like_opml(b"")
    assert not looks_like_opml(b"\xef\xbb\xbf# comment\n")


def test_bom_and_utf16_opml() -> None:
    data = write_opml([Subscription("https://a.example/rss", "Ω")])
    for encoded in (
        b"\xef\xbb\xbf" + data.encode("utf-8"),
        b"\n  " + data.encode("utf-8"),
        data.replace("utf-8", "utf-16").encode("utf-16"),
        data.replace("utf-8", "utf-16").encode("utf-16-le"),
    ):
        assert looks_like_opml(encoded)
    subs, _ = read_opml(data.replace("utf-8", "utf-16").encode("utf-16"))
    assert subs == [Subscription("https://a.example/rss", "Ω")]


def test_multibyte_declared_encoding_is_decoded_first() -> None:
    text = '<?xml version="1.0" encoding="Shift_JIS"?><opml><body><outline text="ニュース">'
    text += (
        '<outline xmlUrl="https://nhk.example/rss" title="NHK ニュース"/></outline></body></opml>'
    )
    subs, _ = read_opml(text.encode("shift_jis"))
    assert subs == [Subscription("https://nhk.example/rss", "NHK ニュース", ("ニュース",))]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'<?xml version="1.0" encoding="x-nonsense"?><opml/>', "unknown encoding 'x-nonsense'"),
        (b'<?xml version="1.0" encoding="gbk"?><opml>\xff\xff\xff</opml>', "declared encoding"),
    ],
)
def test_bad_encodings_are_opml_errors(data: bytes, message: str) -> None:
    with pytest.raises(OpmlError, match=message):
        read_opml(data)


def test_undefined_entities_under_an_external_dtd_are_left_out() -> None:
    data = b"""<!DOCTYPE opml SYSTEM "https://evil.example/opml.dtd"><opml><body>
      <outline xmlUrl="https://a.example/rss" title="&remote;">&remote;</outline></body></opml>"""
    assert read_opml(data) == ([Subscription("https://a.example/rss")], [])


def test_copies_never_come_before_a_feeds_first_outline() -> None:
    # "," is a copy for the second feed but the first feed's own folder: the copy
    # must not be read first, or "," would become the second feed's first tag
    subs = [
        Subscription("https://a.example/rss", None, (",",)),
        Subscription("https://b.example/rss", None, ("0", ",")),
    ]
    back, _ = read_opml(write_opml(subs).encode())
    assert back == subs
