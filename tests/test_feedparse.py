"""reader.feedparse: RSS, Atom and JSON Feed bytes to FeedDocument, and hostile documents refused.

The hostile tests prove two layers apart: ``parse_feed`` refuses a DOCTYPE that declares
entities, and feedparser-rs itself (reached with that check switched off) neither expands
nor fetches them. "Nothing opened, nothing connected" is checked twice: by a Python audit
hook (sees what Python code does) and by a secret file and a listening socket (see what the
native parser does too, which an audit hook cannot).
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reader import feedparse
from reader.entry import Entry, FeedDocument, FeedError
from reader.feedparse import parse_date, parse_feed
from reader.sanitize import is_clean

FEEDS = Path(__file__).parent / "data" / "feeds"
URL = "https://feeds.example.net/path/feed.xml"
SECRET = "S3CRET-feedparse-must-not-leak"


def parse(name: str, url: str = URL) -> FeedDocument:
    return parse_feed((FEEDS / name).read_bytes(), url)


def by_title(doc: FeedDocument) -> dict[str | None, Entry]:
    return {entry.title: entry for entry in doc.entries}


def plain_fields(doc: FeedDocument) -> Iterator[str]:
    """Every plain-text string of a document (HTML fields excluded: cleaned later)."""
    for value in (doc.title, doc.link):
        if value is not None:
            yield value
    for e in doc.entries:
        for value in (e.guid, e.link, e.title, e.published, e.updated, e.author, e.content_text):
            if value is not None:
                yield value
        yield from e.categories


# ---- RSS ----------------------------------------------------------------------------------------


def test_rss20_fields() -> None:
    doc = parse("rss20.xml")
    assert doc.kind == "rss"
    assert doc.title == "Example News"  # &#x9b;2J and &#27;[31m dropped whole
    assert doc.link == "https://feeds.example.net/"
    first = doc.entries[0]
    assert first.guid == "urn:example:1"
    assert first.link == "https://feeds.example.net/news/first"
    assert first.published == "2003-06-10T04:00+02:00"
    assert first.updated is None
    assert first.author == "jane@example.com (Jane Doe)"
    assert first.categories == ("Politics", "Europe")
    assert first.content_html == "<p>The <b>full</b> body.</p>"
    assert first.summary_html == "<p>The summary.</p>"


def test_rss20_c1_controls_from_character_references_are_gone() -> None:
    doc = parse("rss20.xml")
    title = doc.entries[0].title
    assert title is not None and title.startswith("First")
    assert is_clean(title) and "pwned" not in title  # the OSC sequence went whole
    assert all(is_clean(value) for value in plain_fields(doc))


def test_rss20_unsafe_links_become_none() -> None:
    entries = by_title(parse("rss20.xml"))
    assert entries["Second"].link is None  # javascript:
    assert entries["Data link"].link is None
    assert entries["File link"].link is None
    assert entries["No offset"].link == "https://other.example.org/x?a=1&b=2"


def test_rss20_dates() -> None:
    entries = by_title(parse("rss20.xml"))
    assert entries["Second"].published is None  # "not a date at all", never "now"
    assert entries["File link"].published == "2003-06-11T09:30+00:00"  # GMT
    assert entries["No offset"].published == "2003-06-12T08:15"  # no offset given, none added


def test_duplicate_guids_are_kept_in_document_order() -> None:
    doc = parse("rss20.xml")  # the store collapses duplicates, not the parser
    assert [e.guid for e in doc.entries] == [
        "urn:example:1",
        "urn:example:2",
        "urn:example:3",
        "urn:example:3",
        None,
    ]
    assert [e.guid for e in doc.entries][2:4] == ["urn:example:3", "urn:example:3"]


def test_an_entry_with_nothing_is_dropped() -> None:
    doc = parse("rss20.xml")
    assert len(doc.entries) == 5  # the item with a blank guid and an empty link is gone
    assert all(e.title or e.link or e.guid for e in doc.entries)


def test_rss091_in_iso_8859_1_with_a_public_dtd() -> None:
    doc = parse("rss091.xml")
    assert doc.kind == "rss"
    assert doc.title == "Old Café News"
    assert [e.title for e in doc.entries] == ["Café opens", "Second old item"]
    assert doc.entries[0].guid is None  # no guid invented from the link
    assert doc.entries[0].summary_html == "A new café."


def test_rss10_rdf() -> None:
    doc = parse("rss10.rdf")
    assert doc.kind == "rss"
    assert doc.title == "RDF Site"
    one, two = doc.entries
    assert one.link == "http://rdf.example.com/one"
    assert one.published == "2004-03-01T12:00-05:00"
    assert one.author == "Ann Author"
    assert one.categories == ("Science",)
    assert two.title == "RDF two"


def test_relative_links_resolve_against_the_feed_url() -> None:
    data = (
        b'<rss version="2.0"><channel><title>t</title><link>../home</link>'
        b"<item><title>a</title><link>story?id=1</link></item>"
        b"<item><title>b</title><link>//cdn.example.org/x</link></item></channel></rss>"
    )
    doc = parse_feed(data, "https://site.example.com/feeds/news/rss.xml")
    assert doc.link == "https://site.example.com/feeds/home"
    assert [e.link for e in doc.entries] == [
        "https://site.example.com/feeds/news/story?id=1",
        "https://cdn.example.org/x",
    ]


def test_html_in_rss_title_is_reduced_to_text() -> None:
    data = (
        b'<rss version="2.0"><channel><item><title>AT&amp;T &lt;b&gt;wins&lt;/b&gt; '
        b"&amp;amp; x &lt; y</title></item></channel></rss>"
    )
    assert parse_feed(data, URL).entries[0].title == "AT&T wins & x < y"


# ---- Atom ---------------------------------------------------------------------------------------


def test_atom10_contents_by_type() -> None:
    doc = parse("atom10.xml")
    assert doc.kind == "atom"
    assert doc.title == "Atom & Example"
    assert doc.link == "http://atom.example.org/"  # rel=alternate, not rel=self
    xhtml, html, text = doc.entries
    assert xhtml.guid == "tag:example.org,2003:3.2397"
    assert xhtml.title == "Atom xhtml entry"  # type="html" title reduced to text
    assert xhtml.link == "https://feeds.example.net/2005/04/02/atom"  # not the enclosure
    assert xhtml.published == "2003-12-13T08:29:29-04:00"
    assert xhtml.updated == "2005-07-31T12:29:29+00:00"
    assert xhtml.author == "Mark Pilgrim"
    assert xhtml.content_html is not None and "<i>[Update: The Atom draft" in xhtml.content_html
    assert xhtml.summary_html == "A plain summary."
    # label over term; "TECHNOLOGY" is "Technology" again, kept once in the first spelling
    assert xhtml.categories == ("Technology", "atom")
    assert html.content_html == "<p>Escaped <b>HTML</b></p>"
    assert html.summary_html is None  # not a copy of the content
    assert html.updated == "2005-08-01T10:00+05:30"
    assert text.content_html is None
    assert text.content_text == "Plain text body <not a tag>"


def test_atom_text_summary_becomes_html_that_says_the_same() -> None:
    data = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>1</id>'
        b'<summary type="text">a &lt;b&gt; c</summary></entry></feed>'
    )
    assert parse_feed(data, URL).entries[0].summary_html == "a &lt;b&gt; c"


def test_atom03() -> None:
    doc = parse("atom03.xml")
    assert doc.kind == "atom"
    (entry,) = doc.entries
    assert entry.published == "2003-12-13T08:29:29-04:00"
    assert entry.updated == "2003-12-13T18:30:02+00:00"


# ---- JSON Feed ----------------------------------------------------------------------------------


def test_jsonfeed11() -> None:
    doc = parse("jsonfeed11.json")
    assert doc.kind == "json"
    assert doc.title == "JSON Feed"  # \u009b2J dropped whole
    assert doc.link == "https://json.example.org/"
    one, two = doc.entries
    assert one.guid == "j1"
    assert one.link == "https://feeds.example.net/posts/1"
    assert one.published == "2020-01-02T03:04:05+01:00"
    assert one.updated == "2020-01-03T00:00+00:00"
    assert one.author == "Jo Writer"
    assert one.content_html == "<p>Hello <b>JSON</b></p>"
    assert one.summary_html == "Short."
    assert one.categories == ("News", "Tech")
    assert two.link is None  # javascript:
    assert two.content_text == "A plain text item.\nSecond line."


def test_jsonfeed10_numeric_ids_and_feed_author() -> None:
    doc = parse("jsonfeed10.json")
    assert [e.guid for e in doc.entries] == ["42", "s"]
    assert doc.entries[0].published == "2017-05-17T10:02:12-07:00"
    assert doc.entries[0].author == "Old Author"


def test_jsonfeed_wrong_types_drop_the_field_or_the_item() -> None:
    doc = parse("jsonfeed_wrongtypes.json")
    assert doc.title is None and doc.link is None
    kept, bool_id, good = doc.entries  # "not an object", 42 and null skipped
    assert kept == Entry(content_text="kept")  # float id, number title, object url... dropped
    assert bool_id.guid is None and bool_id.title == "Bool id"
    assert bool_id.categories == ("ok",)  # non-strings dropped, "OK" a duplicate
    assert bool_id.summary_html is None and bool_id.author is None
    assert good.guid == "good" and good.published is None  # "yesterday"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"[1, 2]", "JSON Feed: the top level must be an object"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": {}}', "'items' must be a list"),
        (b'{"version": "https://jsonfeed.org/version/1.1"}', "'items' must be a list"),
        (b'{"items": []}', "not a feed (JSON without a JSON Feed version)"),
        (b'{"version": 1.1, "items": []}', "not a feed (JSON without a JSON Feed version)"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": [', "invalid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "not a feed"),
        (b'{"version": "https://jsonfeed.org/version/1", "x": ' + b"9" * 5000 + b"}", "not a"),
    ],
)
def test_json_that_is_not_a_feed(data: bytes, reason: str) -> None:
    with pytest.raises(FeedError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        parse_feed(data, URL)


# ---- not a feed ---------------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", [None, "text/html; charset=utf-8"])
def test_an_html_page_is_not_a_feed(content_type: str | None) -> None:
    data = (FEEDS / "not_a_feed.html").read_bytes()
    with pytest.raises(FeedError, match=r"^not a feed \(HTML page\)$"):
        parse_feed(data, URL, content_type)


@pytest.mark.parametrize("data", [b"", b"garbage", b"<foo/>", b"\x00" * 10, b"\xff\xfe\x00"])
def test_other_bytes_are_not_a_feed(data: bytes) -> None:
    with pytest.raises(FeedError, match=r"^not a feed"):
        parse_feed(data, URL)


def test_a_path_or_url_is_never_taken_for_the_document() -> None:
    with pytest.raises(TypeError):
        parse_feed("/etc/passwd", URL)  # type: ignore[arg-type]
    with pytest.raises(FeedError):
        parse_feed(b"/etc/passwd", URL)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tue, 10 Jun 2003 04:00:00 +0200", "2003-06-10T04:00+02:00"),
        ("Tue, 10 Jun 2003 04:00:07 -0330", "2003-06-10T04:00:07-03:30"),
        ("10 Jun 2003 04:00:00", "2003-06-10T04:00"),
        ("2003-12-13T08:29:29-04:00", "2003-12-13T08:29:29-04:00"),
        ("2003-12-13T08:29:29Z", "2003-12-13T08:29:29+00:00"),
        ("2003-12-13", "2003-12-13T00:00"),
        ("not a date", None),
        ("Tue, 99 Foo 2003", None),
        ("2003-13-45T99:00:00", None),
        ("1 Jan 99999 00:00:00 +0000", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_date(text: str | None, expected: str | None) -> None:
    assert parse_date(text) == expected


def test_many_entries_are_all_kept() -> None:
    items = b"".join(b"<item><guid>g%d</guid></item>" % i for i in range(12_000))
    doc = parse_feed(b'<rss version="2.0"><channel>' + items + b"</channel></rss>", URL)
    assert len(doc.entries) == 12_000  # feedparser-rs alone would stop at 10,000


# ---- hostile XML --------------------------------------------------------------------------------


class Audit:
    """Records "open" and "socket.connect" audit events while ``recording`` (one hook a run)."""

    recording = False
    events: list[tuple[str, str]] = []
    _installed = False

    @classmethod
    def hook(cls, event: str, args: tuple[object, ...]) -> None:
        if cls.recording and event in ("open", "socket.connect"):
            cls.events.append((event, repr(args[:2])))

    @classmethod
    @contextmanager
    def record(cls) -> Iterator[list[tuple[str, str]]]:
        if not cls._installed:
            sys.addaudithook(cls.hook)  # hooks cannot be removed: install once
            cls._installed = True
        cls.events = []
        cls.recording = True
        try:
            yield cls.events
        finally:
            cls.recording = False


class Listener:
    """A socket on 127.0.0.1 that counts the connections it accepts."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            conn.close()

    def close(self) -> int:
        time.sleep(0.2)  # a connection the parser started late still arrives
        self._stop.set()
        self._thread.join()
        self.sock.close()
        return self.accepted


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET + "\n")
    return path


@pytest.fixture(params=["with the check", "parser alone"])
def layer(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each hostile test runs as shipped, then with the entity check off (the parser alone)."""
    if request.param == "parser alone":
        monkeypatch.setattr(feedparse, "declares_entities", lambda data: False)
    return request.param


def hostile_result(data: bytes) -> tuple[str, float]:
    """Everything the parse gave back (or its error), and how long it took."""
    start = time.perf_counter()
    try:
        result = repr(parse_feed(data, URL))
    except FeedError as error:
        result = f"FeedError: {error}"
    return result, time.perf_counter() - start


def test_the_audit_hook_sees_an_open_and_a_connect(listener: Listener, tmp_path: Path) -> None:
    """The proof below means something only if the hook would have caught the act."""
    with Audit.record() as events:
        (tmp_path / "x").write_text("x")
        with socket.create_connection(("127.0.0.1", listener.port)):
            pass
    assert any(event == "open" and str(tmp_path / "x") in args for event, args in events)
    assert any(event == "socket.connect" for event, _ in events)


def test_billion_laughs(layer: str) -> None:
    result, seconds = hostile_result((FEEDS / "billion_laughs.xml").read_bytes())
    assert seconds < 5  # "about a second" asked; margin for a loaded machine, far below a blow-up
    assert "lollol" not in result
    if layer == "with the check":
        assert result == "FeedError: XML declares entities: refused"


def test_billion_laughs_in_utf16_is_refused() -> None:
    data = (FEEDS / "billion_laughs.xml").read_text().replace('"1.0"?', '"1.0" encoding="utf-16"?')
    with pytest.raises(FeedError, match="declares entities"):
        parse_feed(data.encode("utf-16"), URL)
    with pytest.raises(FeedError, match="declares entities"):
        parse_feed(data.encode("utf-16-be"), URL)  # no BOM


def test_xxe_file_is_never_read(layer: str, secret_file: Path) -> None:
    data = (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret_file}">]>\n'
        '<rss version="2.0"><channel><title>&xxe;</title><link>http://x.example/</link>'
        "<item><title>t &xxe;</title><link>http://x.example/1</link>"
        "<description>&xxe;</description><guid>&xxe;</guid></item></channel></rss>"
    ).encode()
    with Audit.record() as events:
        result, seconds = hostile_result(data)
    assert SECRET not in result
    assert not [e for e in events if str(secret_file) in e[1]]
    assert seconds < 5  # "about a second" asked; margin for a loaded machine, far below a blow-up


def test_xxe_parameter_entity_on_a_file(layer: str, secret_file: Path) -> None:
    data = (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY % p SYSTEM "file://{secret_file}">'
        ' %p;]>\n<rss version="2.0"><channel><item><title>t</title></item></channel></rss>'
    ).encode()
    with Audit.record() as events:
        result, _ = hostile_result(data)
    assert SECRET not in result
    assert not [e for e in events if str(secret_file) in e[1]]


@pytest.mark.parametrize(
    "template",
    [
        # an external general entity over HTTP
        '<?xml version="1.0"?>\n<!DOCTYPE feed [<!ENTITY e SYSTEM "http://127.0.0.1:{port}/x">]>'
        '\n<feed xmlns="http://www.w3.org/2005/Atom"><title>&e;</title>'
        "<entry><id>1</id><title>t &e;</title></entry></feed>",
        # an external DTD (nothing declared in the document itself)
        '<?xml version="1.0"?>\n<!DOCTYPE rss SYSTEM "http://127.0.0.1:{port}/evil.dtd">\n'
        '<rss version="2.0"><channel><title>t</title><item><title>t &ent;</title>'
        "<link>http://x.example/1</link></item></channel></rss>",
        # a public DTD with a system URL, as RSS 0.91 feeds declare theirs
        '<?xml version="1.0"?>\n<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"'
        ' "http://127.0.0.1:{port}/rss-0.91.dtd">\n<rss version="0.91"><channel><title>t</title>'
        "<item><title>t</title><link>http://x.example/1</link></item></channel></rss>",
        # an external parameter entity
        '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY % r SYSTEM "http://127.0.0.1:{port}/p">'
        ' %r;]>\n<rss version="2.0"><channel><item><title>t</title></item></channel></rss>',
    ],
    ids=["external-entity", "external-dtd", "public-dtd", "parameter-entity"],
)
def test_nothing_is_fetched_over_the_network(layer: str, listener: Listener, template: str) -> None:
    data = template.replace("{port}", str(listener.port)).encode()
    with Audit.record() as events:
        _, seconds = hostile_result(data)
    assert listener.close() == 0
    assert not [e for e in events if e[0] == "socket.connect"]
    assert seconds < 5  # "about a second" asked; margin for a loaded machine, far below a blow-up


def test_an_external_dtd_alone_is_parsed_without_it(listener: Listener) -> None:
    data = (
        f'<!DOCTYPE rss SYSTEM "http://127.0.0.1:{listener.port}/x.dtd"><rss version="2.0">'
        "<channel><title>Fine</title><item><title>Kept</title></item></channel></rss>"
    ).encode()
    doc = parse_feed(data, URL)
    assert doc.title == "Fine" and [e.title for e in doc.entries] == ["Kept"]
    assert listener.close() == 0


# ---- robustness ---------------------------------------------------------------------------------


def check_outcome(data: bytes, content_type: str | None = None) -> None:
    try:
        doc = parse_feed(data, URL, content_type)
    except FeedError as error:
        assert str(error) and "\n" not in str(error)
        return
    assert isinstance(doc, FeedDocument)
    for value in plain_fields(doc):
        assert is_clean(value), value
    for entry in doc.entries:
        assert entry.link is None or entry.link.startswith(("http://", "https://"))
        for html in (entry.content_html, entry.summary_html):
            assert html is None or isinstance(html, str)


@given(st.binary(max_size=2000), st.sampled_from([None, "application/json", "text/xml"]))
def test_any_bytes_give_a_document_or_a_feed_error(data: bytes, content_type: str | None) -> None:
    check_outcome(data, content_type)


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


def _xml_text(text: str) -> str:
    """``text`` escaped for XML, every character outside printable ASCII as a reference."""
    return "".join(c if " " <= c <= "~" else f"&#{ord(c)};" for c in escape(text))


@given(st.lists(st.tuples(_TEXT, _TEXT, _TEXT, _TEXT, _TEXT), max_size=5), _TEXT)
def test_any_rss_text_comes_out_clean(items: list[tuple[str, ...]], title: str) -> None:
    body = "".join(
        f"<item><title>{_xml_text(t)}</title><link>{_xml_text(link)}</link>"
        f"<guid>{_xml_text(g)}</guid><category>{_xml_text(c)}</category>"
        f"<pubDate>{_xml_text(d)}</pubDate><author>{_xml_text(t)}</author></item>"
        for t, link, g, c, d in items
    )
    rss = f'<rss version="2.0"><channel><title>{_xml_text(title)}</title>{body}</channel></rss>'
    check_outcome(rss.encode())


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=20,
)
_KEYS = st.sampled_from(
    ["id", "url", "title", "content_html", "content_text", "summary", "date_published",
     "date_modified", "authors", "author", "tags"]
)  # fmt: skip


@given(st.lists(st.dictionaries(_KEYS, _JSON, max_size=8) | _JSON, max_size=5), _JSON)
def test_any_json_feed_values_come_out_clean(items: list[object], title: object) -> None:
    import json

    feed = {"version": "https://jsonfeed.org/version/1.1", "title": title, "items": items}
    check_outcome(json.dumps(feed).encode())


# ---- big feeds: chunked parsing ---------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["rss20.xml", "rss091.xml", "rss10.rdf", "atom10.xml", "atom03.xml"]
)
def test_a_chunked_parse_gives_what_a_whole_parse_gives(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = parse(name)
    monkeypatch.setattr(feedparse, "CHUNK_FROM_BYTES", 0)
    monkeypatch.setattr(feedparse, "CHUNK_ITEMS", 1)
    data = (FEEDS / name).read_bytes()
    if name not in ("rss20.xml", "atom03.xml"):  # not well-formed (&#27;); a single entry
        assert feedparse._item_spans(data) is not None
    assert parse(name) == whole


def synthetic_rss(n: int) -> bytes:
    items = (
        f"<item><title>Headline {i} &amp; more</title><link>/a/{i}</link><guid>g{i}</guid>"
        f"<pubDate>Mon, 01 Jan 2024 10:{i % 60:02d}:00 +0200</pubDate>"
        f"<category>Europe</category><description>{'words ' * 40}</description></item>\n"
        for i in range(n)
    )
    head = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Big</title>'
    return (head + "".join(items) + "</channel></rss>").encode()


def test_a_big_feed_in_chunks_keeps_every_entry_in_order() -> None:
    doc = parse_feed(synthetic_rss(5000), URL)
    assert [e.guid for e in doc.entries] == [f"g{i}" for i in range(5000)]
    assert doc.title == "Big"
    assert doc.entries[4999].link == "https://feeds.example.net/a/4999"


def test_a_50000_item_feed_stays_under_150_mib(tmp_path: Path) -> None:
    """Peak memory of a whole fresh process (interpreter and feed bytes included)."""
    import subprocess

    feed = tmp_path / "big.xml"
    feed.write_bytes(synthetic_rss(50_000))
    script = (
        "from pathlib import Path; from reader.feedparse import parse_feed\n"
        f"doc = parse_feed(Path({str(feed)!r}).read_bytes(), 'https://x.example/')\n"
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the parent (a pytest
        # worker already past 150 MiB would fail this whatever the parser did).
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
        "print(len(doc.entries), int(hwm.split()[1]) // 1024)\n"
    )
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, check=True
    )
    entries, peak_mib = map(int, out.stdout.split())
    assert entries == 50_000
    assert peak_mib < 150
