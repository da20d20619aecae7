"""The article anatomy, rule by rule (ARTICLE_FORMAT.md), and the sample's table."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.article import Article, ParseError
from reader.parse import parse_bytes, parse_text
from reader.sanitize import BIDI_CONTROLS, is_clean, sanitize
from tests.conftest import load_synth


def parse(text: str) -> Article:
    return parse_text(text)


# ---- the sample ------------------------------------------------------------------


def test_sample_gives_the_spec_table(sample_bytes):
    a = parse_bytes(sample_bytes, origin="kremlin.txt")
    assert a.headline == (
        "Kremlin says all parties interested in conducting Russia-Ukraine prisoner swap "
        "‘as soon as possible'"
    )
    assert a.published == "2025-05-22T15:46"
    assert a.source == "AA"
    assert a.captions == ("File photo",)
    assert a.lede == (
        "Both sides agreed to exchange 1,000 prisoners of war from each side during Istanbul talks"
    )
    assert [b.text for b in a.body if b.kind == "subheading"] == ["Reaction on WSJ report"]
    assert len(a.body) == 16
    assert a.body[8].kind == "subheading"
    assert a.tags == (
        "Dmitry Peskov",
        "Europe",
        "Kremlin",
        "Russia",
        "Ukraine",
        "Wall Street Journal",
    )
    assert a.warnings == ()
    assert a.origin == "kremlin.txt"
    texts = [q.text for q in a.quotes]
    assert len(texts) == 11
    assert [q.part for q in a.quotes] == ["headline"] + ["body"] * 10
    assert texts[0] == "as soon as possible"
    assert texts[1] == "as soon as possible."
    assert texts[2] == "This is a rather labor-intensive issue,"
    assert texts[3].startswith("Since we are talking about 1,000 for 1,000")
    assert texts[4].startswith("We are preparing an exchange.")
    assert texts[5].startswith("We know what Trump told Putin. …")
    assert texts[6:8] == ["carefully", "completely differently"]
    assert texts[8].startswith("Every company is different.")
    assert texts[9] == "The Europeans will continue, as always, to shoot themselves in the foot."
    assert texts[10] == "over time."


def test_sample_quote_offsets_point_at_their_marks(sample_bytes):
    a = parse_bytes(sample_bytes)
    for q in a.quotes:
        text = {"headline": a.headline, "lede": a.lede}.get(q.part)
        if text is None:
            text = a.body[q.block].text
        span = text[q.start : q.end]
        assert span[1:-1] == q.text or span[1:] == q.text


def test_sample_speakers(sample_bytes):
    speakers = [q.speaker for q in parse_bytes(sample_bytes).quotes]
    assert speakers[2] == "Dmitry Peskov"
    assert speakers[4] == "Volodymyr Zelenskyy"
    assert speakers[8] == "Dmitry Peskov"  # "he went on to say": the last named speaker
    assert speakers[0] is None and speakers[6] is None and speakers[7] is None


# ---- decoding ----------------------------------------------------------------------

ARTICLE = "Héadline “quoted”\n\n15:4622/05/2025, Thursday\nAA\n\nLede café.\n\nBody.\n\n#Tag\n"


@pytest.mark.parametrize(
    "data",
    [
        ARTICLE.encode("utf-8"),
        codecs.BOM_UTF8 + ARTICLE.encode("utf-8"),
        ARTICLE.encode("utf-16"),  # with BOM, little endian here
        codecs.BOM_UTF16_BE + ARTICLE.encode("utf-16-be"),
    ],
    ids=["utf8", "utf8-bom", "utf16", "utf16-be"],
)
def test_unicode_encodings_decode_alike(data):
    a = parse_bytes(data)
    assert a.headline == "Héadline “quoted”"
    assert a.lede == "Lede café."
    assert a.warnings == ()


def test_invalid_utf8_falls_back_to_cp1252_with_a_warning():
    data = "Caf\xe9 \x93news\x94\n\nbody \x80 \x81\x8d\x8f\x90\x9d end\n".encode("latin-1")
    a = parse_bytes(data)
    assert a.headline == "Café “news”"
    assert a.lede == "body €  end"  # bytes undefined in cp1252 are dropped, never raise
    assert a.warnings == ("cp1252",)


def test_nul_bytes_mean_binary():
    with pytest.raises(ParseError, match="binary"):
        parse_bytes(b"Headline\x00\n\nbody")


@pytest.mark.parametrize("text", ["", "   \n\t\n  ", "\r\n\r\n"])
def test_no_headline_is_rejected(text):
    with pytest.raises(ParseError, match="no headline"):
        parse(text)


def test_crlf_and_lone_cr_are_newlines():
    a = parse("Head\r\n\r\nLede one\rlede two\r\n\r\nBody\r\r#T\r")
    assert a.lede == "Lede one lede two"
    assert [b.text for b in a.body] == ["Body"]
    assert a.tags == ("T",)


# ---- sanitising ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("A\x1b[2JB", "AB"),  # CSI clear screen: the whole sequence goes
        ("A\x1b[31;1mB\x1b[0m", "AB"),
        ("A\x1b]0;pwned\x07B", "AB"),  # OSC title, BEL-terminated
        ("A\x1b]52;c;aGVsbG8=\x1b\\B", "AB"),  # OSC 52 clipboard write, ST-terminated
        ("\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", "link"),  # OSC 8 hyperlink
        ("A\x1bP1$r\x1b\\B", "AB"),  # DCS
        ("A\x1b[6nB", "AB"),  # report request
        ("A\x9b2JB", "AB"),  # 8-bit CSI
        ("A\x9d0;t\x9cB", "AB"),  # 8-bit OSC and ST
        ("A\x1b]0;never ends", "A"),  # unterminated: stops at end of line
        ("A\u202efdp.exe", "Afdp.exe"),
        ("A\u2066B\u2069", "AB"),
        ("bell\x07 del\x7f", "bell del"),
    ],
)
def test_escape_sequences_are_dropped_whole(raw, clean):
    assert parse(raw).headline == clean


def test_unterminated_escape_only_eats_its_line():
    a = parse("Head\n\nLede \x1b]0;title\nstill lede\n")
    assert a.lede == "Lede still lede"


# ---- header block ---------------------------------------------------------------------


def test_header_block_needs_a_dateline():
    a = parse("Head\n\nAA\nNot a caption\n\nBody")
    assert a.published is None and a.source is None and a.captions == ()
    assert a.lede == "AA Not a caption"
    assert a.warnings == ()


def test_captions_repeated_consecutively_are_kept_once():
    a = parse("H\n\n10:0001/02/2025\nSRC\nCap A\nCap A\nCap B\nCap A\n\nLede")
    assert a.source == "SRC"
    assert a.captions == ("Cap A", "Cap B", "Cap A")


@pytest.mark.parametrize(
    ("line", "published", "warnings"),
    [
        ("15:4622/05/2025, Thursday", "2025-05-22T15:46", ()),
        ("15:4622/05/2025", "2025-05-22T15:46", ()),
        ("09:0501/03/2024, Friday", "2024-03-01T09:05", ()),
        ("15:4622/05/2025, Friday", "2025-05-22T15:46", ("weekday-mismatch",)),
        ("15:4631/02/2025, Friday", None, ("bad-date",)),
        ("31/02/2025", None, ("bad-date",)),
        ("07.03.2024 10:30", "2024-03-07T10:30", ()),
        ("07.03.2024", "2024-03-07T00:00", ()),
        ("2024-03-01", "2024-03-01T00:00", ()),  # ISO: never read day first
        ("2025-05-22T15:46:00+03:00", "2025-05-22T15:46+03:00", ()),
        ("2025-05-22T15:46:30Z", "2025-05-22T15:46:30+00:00", ()),
        ("2025-13-45", None, ("bad-date",)),
        ("22 May 2025 15:46", "2025-05-22T15:46", ()),
        ("Thu, 22 May 2025 15:46:00 +0300", "2025-05-22T15:46+03:00", ()),
        ("Fri, 22 May 2025 15:46:00 +0300", "2025-05-22T15:46+03:00", ("weekday-mismatch",)),
        ("03/04/2025 12:00", "2025-04-03T12:00", ()),  # day first
        ("31 February 2025", None, ("bad-date",)),
    ],
)
def test_datelines(line, published, warnings):
    a = parse(f"Headline\n\n{line}\nSRC\n\nLede")
    assert a.published == published
    assert a.warnings == warnings
    assert a.source == "SRC"
    assert a.lede == "Lede"


@pytest.mark.parametrize(
    "line", ["Monday", "May 2025", "AA", "The 2025 season starts", "1,000 dead"]
)
def test_lines_that_are_not_datelines(line):
    a = parse(f"Headline\n\n{line}\nSRC\n\nLede")
    assert a.published is None
    assert a.lede == f"{line} SRC"


def test_dateline_right_under_the_headline():
    a = parse("Headline\n15:4622/05/2025\nAA\n\nLede")
    assert a.published == "2025-05-22T15:46"
    assert a.source == "AA"


# ---- lede, body, subheadings ------------------------------------------------------------


def test_blocks_paragraphs_and_subheadings():
    a = parse(
        "H\n\nLede line one\n  lede line two  \n\n\n\nPara a\npara b\n \t \n- Sub\n\n"
        "- not a\n- subheading\n\n- \n\nlast"
    )
    assert a.lede == "Lede line one lede line two"
    assert [(b.kind, b.text) for b in a.body] == [
        ("paragraph", "Para a para b"),
        ("subheading", "Sub"),
        ("paragraph", "- not a - subheading"),
        ("paragraph", "-"),
        ("paragraph", "last"),
    ]


def test_headline_only():
    a = parse("\n\n  Just a headline  \n\n")
    assert a.headline == "Just a headline"
    assert a.lede == "" and a.body == () and a.tags == ()


# ---- tags --------------------------------------------------------------------------------


def test_trailing_tags_fold_case_and_space_and_keep_the_first_spelling():
    a = parse(
        "H\n\nLede\n\n#Wall Street  Journal\n#russia\n#Russia\n#  \n#RUSSIA\n"
        "#wall street journal\n\n\n"
    )
    assert a.tags == ("Wall Street Journal", "russia")


def test_hash_line_inside_the_body_is_text():
    a = parse("H\n\nLede\n\n#1 in the charts\n\nMore text\n\n#Music")
    assert [b.text for b in a.body] == ["#1 in the charts", "More text"]
    assert a.tags == ("Music",)


def test_tags_with_blank_lines_between_them():
    assert parse("H\n\nLede\n\n#A\n\n#B\n").tags == ("A", "B")


# ---- any input --------------------------------------------------------------------------

FORBIDDEN = (
    {chr(c) for c in range(0x20) if chr(c) not in "\n\t"}
    | {chr(c) for c in range(0x7F, 0xA0)}
    | set(BIDI_CONTROLS)
)


def _fields(a: Article) -> list[str]:
    out = [a.headline, a.lede, a.published or "", a.source or "", *a.captions, *a.tags]
    out += [b.text for b in a.body] + [q.text for q in a.quotes]
    out += [q.speaker or "" for q in a.quotes] + list(a.warnings)
    return out


def _assert_clean(a: Article) -> None:
    for value in _fields(a):
        assert is_clean(value), repr(value)
        assert not FORBIDDEN & set(value), repr(value)
    for value in [a.headline, a.source or "", *a.captions, *a.tags, *(b.text for b in a.body)]:
        assert "\n" not in value


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_any_bytes_give_an_article_or_a_parse_error(data):
    try:
        a = parse_bytes(data)
    except ParseError as error:
        assert str(error) and "\n" not in str(error)
        return
    _assert_clean(a)


_nasty = st.sampled_from(
    [*"\x1b\x9b\x9d\x07\x00\r\n\t #-“”\"'‘’«»„:/.,", "\u202e", "\u2066", "\x1b[", "\x1b]", "\n\n"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=8), _nasty), max_size=60).map("".join))
def test_any_text_gives_a_clean_article_or_a_parse_error(text):
    try:
        a = parse_text(text)
    except ParseError:
        assert not sanitize(text).strip()  # only a file with nothing visible is rejected
        return
    _assert_clean(a)
    assert a.headline


def test_the_parser_reads_back_what_the_generator_wrote():
    """``benchmarks/synth.py`` records each field as it writes it, every quote's speaker
    included (the person it attributed the quote to, by name, surname or he/she), without
    reading its own text: on 2,000 articles, every form of attribution, the parser agrees."""
    assert load_synth().check(2000) == []
