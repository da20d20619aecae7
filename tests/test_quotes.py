"""Quote spans and speakers (ARTICLE_FORMAT.md rule 8), through ``find_quotes`` alone."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.article import Quote
from reader.quotes import OPENING_MARKS, find_quotes


def body(*paragraphs: str) -> list[Quote]:
    return find_quotes([("body", i, text) for i, text in enumerate(paragraphs)])


def spans(text: str) -> list[str]:
    """Each quote of one paragraph as the slice its offsets point at."""
    return [text[q.start : q.end] for q in body(text)]


def texts(*paragraphs: str) -> list[str]:
    return [q.text for q in body(*paragraphs)]


def speaker(text: str) -> str | None:
    (quote, *_) = body(text)
    return quote.speaker


# ---- the sample --------------------------------------------------------------------


def sample_parts(raw: bytes) -> list[tuple[str, int | None, str]]:
    """Headline, lede and body blocks of the sample, as the parser hands them over."""
    blocks = [b.strip() for b in raw.decode("utf-8").split("\n\n") if b.strip()]
    headline, _header, lede, *rest = blocks
    paragraphs = []
    for block in rest:
        lines = [line for line in block.split("\n") if not line.startswith("#")]
        if lines:
            paragraphs.append(" ".join(lines).removeprefix("- "))
    parts: list[tuple[str, int | None, str]] = [("headline", None, headline), ("lede", None, lede)]
    return parts + [("body", i, text) for i, text in enumerate(paragraphs)]


PESKOV, ZELENSKYY = "Dmitry Peskov", "Volodymyr Zelenskyy"
SAMPLE_QUOTES = [  # (part, block, text or (start, end) of the text, speaker)
    ("headline", None, "as soon as possible", None),
    ("body", 0, "as soon as possible.", None),
    ("body", 3, "This is a rather labor-intensive issue,", PESKOV),
    ("body", 4, ("Since we are talking", "as quickly as possible,"), PESKOV),  # "Peskov added"
    ("body", 7, ("We are preparing an exchange.", "And we are trying hard,"), ZELENSKYY),
    ("body", 11, ("We know what Trump told Putin. … And", "article you mentioned,"), PESKOV),
    ("body", 12, "carefully", None),
    ("body", 12, "completely differently", None),
    (
        "body",
        13,
        ("Every company is different.", "sectors of the economy,"),
        PESKOV,
    ),  # "he went on"
    ("body", 14, "The Europeans will continue, as always, to shoot themselves in the foot.", None),
    ("body", 15, "over time.", None),
]


def test_sample_gives_the_eleven_quotes_with_speakers(sample_bytes):
    parts = sample_parts(sample_bytes)
    assert len(parts) == 2 + 16
    quotes = find_quotes(parts)
    assert len(quotes) == len(SAMPLE_QUOTES)
    for q, (part, block, text, who) in zip(quotes, SAMPLE_QUOTES, strict=True):
        assert (q.part, q.block, q.speaker) == (part, block, who)
        if isinstance(text, tuple):
            assert q.text.startswith(text[0]) and q.text.endswith(text[1])
        else:
            assert q.text == text
        paragraph = parts[2 + q.block][2] if q.part == "body" else parts[0][2]
        assert paragraph[q.start : q.end] == paragraph[q.start] + q.text + paragraph[q.end - 1]
        assert paragraph[q.start] in '“"‘' and paragraph[q.end - 1] in "”\"'"


def test_sample_headline_pairs_curly_opener_with_straight_closer(sample_bytes):
    (_, _, headline), *_ = sample_parts(sample_bytes)
    (quote,) = find_quotes([("headline", None, headline)])
    assert headline[quote.start : quote.end] == "‘as soon as possible'"
    assert quote.end == len(headline)


# ---- spans and offsets -------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("He said “yes” twice.", ["“yes”"]),
        ('He said "yes" twice.', ['"yes"']),
        ("He said ‘yes’ twice.", ["‘yes’"]),
        ("He said 'yes' twice.", ["'yes'"]),
        ("Il a dit «oui» deux fois.", ["«oui»"]),
        ("Il a dit « oui » deux fois.", ["« oui »"]),
        ("Er sagte „ja“ zweimal.", ["„ja“"]),
        ("Powiedział „tak” dwa razy.", ["„tak”"]),
        ("He said ‘yes' twice.", ["‘yes'"]),  # curly opener, straight closer
        ('He said “yes" twice.', ['“yes"']),
        ("“one” and “two”", ["“one”", "“two”"]),
    ],
)
def test_matching_marks_make_quotes(text, expected):
    assert spans(text) == expected


def test_offsets_and_text_exclude_the_marks():
    text = "Then “it is done,” he said."
    (quote,) = body(text)
    assert (quote.start, quote.end) == (5, 18)
    assert quote.text == text[quote.start + 1 : quote.end - 1] == "it is done,"
    assert (quote.part, quote.block) == ("body", 0)


def test_straight_opener_does_not_pair_with_curly_closer():
    # Only a curly opener may take a straight closer; "yes” stays open to the end.
    text = 'He said "yes” twice.'
    (quote,) = body(text)
    assert quote.end == len(text) and quote.text == "yes” twice."


def test_parts_keep_their_part_and_block():
    quotes = find_quotes(
        [("headline", None, "A “b”"), ("lede", None, "C “d”"), ("body", 0, "E"), ("body", 1, "“f”")]
    )
    assert [(q.part, q.block, q.text) for q in quotes] == [
        ("headline", None, "b"),
        ("lede", None, "d"),
        ("body", 1, "f"),
    ]


def test_no_parts_and_no_marks_give_no_quotes():
    assert find_quotes([]) == []
    assert body("", "Plain text, no quotes at all.") == []


# ---- apostrophes -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Ukraine's position and Kyiv’s view",
        "'Tis the season.",
        "Back in the '90s and the '80s.",
        "He loves rock 'n' roll.",
        "He loves rock ’n’ roll.",
        "Music from the ’70s returns.",
        "Music from the ’70s and ’80s returns.",
        "On the families' behalf, the mayor spoke.",
        "The players' union and the owners' league.",
        "Single letters 'a' and ‘b’ hold no quote.",
        "A lone ‘ opener and a lone ’ closer.",
    ],
)
def test_apostrophes_are_not_quotes(text):
    assert body(text) == []


def test_an_apostrophe_inside_a_word_does_not_close_a_quote():
    assert spans("He said 'Kyiv's plan' works.") == ["'Kyiv's plan'"]
    assert spans("He said ‘Kyiv’s plan’ works.") == ["‘Kyiv’s plan’"]


def test_apostrophes_inside_a_quote_stay_in_its_text():
    text = "“Kyiv's and Ukraine’s view, 'tis clear,” he said."
    assert texts(text) == ["Kyiv's and Ukraine’s view, 'tis clear,"]


def test_an_unclosed_single_mark_does_not_hide_a_later_quote():
    assert spans("In the '90s he sang 'Yesterday' daily.") == ["'Yesterday'"]
    assert spans("He loves rock 'n' roll and 'jazz' too.") == ["'jazz'"]


def test_a_single_closer_does_not_reach_across_a_double_quote():
    text = "'Tis “the families' day,” he said."
    assert spans(text) == ["“the families' day,”"]


def test_single_quoted_span_needs_two_characters():
    assert spans("He said 'ok' and ‘no’.") == ["'ok'", "‘no’"]
    assert spans("Grade 'A' or ‘B’.") == []


def test_straight_single_opener_needs_text_after_it():
    assert body("He said ' hello' to me.") == []


# ---- straight double quotes --------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        'A 12" vinyl and a 7" single.',
        'A 12" vinyl.',
        'Frames of 12"x10" and 5"x7".',
        'The screen is 27" wide',
        'He stopped. "',
    ],
)
def test_straight_double_after_a_digit_or_before_a_space_does_not_open(text):
    assert body(text) == []


def test_straight_doubles_alternate_open_and_close():
    assert spans('"a" and "b" and "c"') == ['"a"', '"b"', '"c"']


def test_straight_double_closes_an_open_curly_quote():
    assert spans('“We go," he said.') == ['“We go,"']


def test_straight_double_placed_as_an_opener_nests_in_a_curly_quote():
    text = '“He called it "a farce,"” she said.'
    assert spans(text) == [text[:25], '"a farce,"']


# ---- nesting -----------------------------------------------------------------------


def test_single_inside_double_is_listed_right_after_its_holder():
    text = "“Say ‘now’ or ‘never’,” he said, and ‘later’."
    assert spans(text) == ["“Say ‘now’ or ‘never’,”", "‘now’", "‘never’", "‘later’"]


def test_double_inside_single_and_guillemets_inside_curly_nest_too():
    assert spans("‘He said “hi” to me’") == ["‘He said “hi” to me’", "“hi”"]
    text = "“He wrote «no» twice,” Peskov said."
    assert spans(text) == ["“He wrote «no» twice,”", "«no»"]
    outer, inner = body(text)
    assert (outer.speaker, inner.speaker) == ("Peskov", None)


def test_russian_style_nesting():
    assert spans("Он сказал: «Это „тест“ и всё».") == ["«Это „тест“ и всё»", "„тест“"]


def test_crossing_double_marks_keep_the_outer_quote():
    # « is cut by the ” that closes “: it is no quote, and » is left stray.
    assert spans("“A «B” C» D") == ["“A «B”"]


def test_nested_quotes_sort_by_opening_mark_across_paragraphs():
    quotes = body("‘a’ “b ‘cc’ d” ‘ee’", "“f")
    assert [(q.block, q.text) for q in quotes] == [
        (0, "b ‘cc’ d"),
        (0, "cc"),
        (0, "ee"),
        (1, "f"),
    ]


# ---- unclosed double quotes run to the end of the paragraph -------------------------


def test_unclosed_double_quote_runs_to_the_end_of_its_paragraph():
    first = "“We will go on. And on"
    second = "“Until the end,” he said."
    q1, q2 = body(first, second)
    assert (q1.start, q1.end, q1.text) == (0, len(first), "We will go on. And on")
    assert (q2.block, q2.text) == (1, "Until the end,")


@pytest.mark.parametrize("opener", ["“", '"', "«", "„"])
def test_every_double_kind_runs_on(opener):
    text = f"He said {opener}this goes on"
    (quote,) = body(text)
    assert (quote.start, quote.end, quote.text) == (8, len(text), "this goes on")


def test_unclosed_quote_holds_closed_nested_ones():
    text = "“He said ‘wait’ and «stop» and went"
    assert [(q.start, q.end) for q in body(text)] == [(0, len(text)), (9, 15), (20, 26)]


def test_unclosed_single_quotes_never_run_on():
    assert body("He said ‘this goes on", "and 'on") == []


# ---- speakers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("“We go,” Peskov added.", "Peskov"),
        ("“We go,” Kremlin spokesman Dmitry Peskov told journalists.", "Dmitry Peskov"),
        ("“We go,” said Ana Petrescu.", "Ana Petrescu"),
        ("“We go,” said Foreign Minister Ana Petrescu.", "Ana Petrescu"),
        ("“We go,” Foreign Minister Ana Petrescu said.", "Ana Petrescu"),
        ("“We go,” said Ana Petrescu, the foreign minister.", "Ana Petrescu"),
        (
            "“We go,” Ukrainian President Volodymyr Zelenskyy also said in a video address.",
            "Volodymyr Zelenskyy",
        ),
        ("“We go,” NATO Secretary General Mark Rutte said.", "Mark Rutte"),
        ("“We go,” Secretary of State Marco Rubio said.", "Marco Rubio"),
        ("“We go,” Dr. Jane Smith said.", "Jane Smith"),
        ("“We go,” Ursula von der Leyen said.", "Ursula von der Leyen"),
        ("“We go,” Syrian President Bashar al-Assad said.", "Bashar al-Assad"),
        ("“We go,” Theresa May said.", "Theresa May"),
        ("“We go,” Peskov has also said.", "Peskov"),
        ("“We go,” Peskov went on to say.", "Peskov"),
        ("“We go,” according to Peskov.", "Peskov"),
        ("“Why?” asked Peskov.", "Peskov"),
        ("“Never!” Peskov insisted.", "Peskov"),
        ("“We go”, Peskov said.", "Peskov"),  # comma outside the mark
        ('"We go," Peskov wrote.', "Peskov"),
        ("‘We go,’ Peskov noted.", "Peskov"),
        ("«We go», Peskov said.", "Peskov"),
        ("“He said ‘no,’” Peskov said.", "Peskov"),
    ],
)
def test_named_speakers(text, expected):
    assert speaker(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "He said the deal was “a good one,” adding that talks go on.",  # no attribution
        "Peskov said: “We go.”",  # the name comes before the quote
        "He argued: “The Europeans will shoot themselves in the foot.”",
        "“We go,” the official said.",  # a common noun
        "“We go,” officials said.",
        "“We go,” the Kremlin said.",
        "“We go,” Kremlin spokesman said.",  # a role without a name
        "“We go,” President said.",
        "“We go,” Peskov and Lavrov said.",  # two people
        "“We go,” Peskov, the spokesman, said.",  # an aside: not clear enough
        "“We go,” told Peskov.",  # Peskov is the listener
        "“We go,” said Thursday.",
        "“We go,” said the minister.",
        "“We go.” Peskov said the talks were over.",  # a new sentence
        "Those that left “carefully” will be treated well.",  # not the end of a clause
        "Those that left “carefully” Peskov said.",
        "“We go,” (Peskov said).",  # not right after the closing mark
        "“We go, Peskov said.",  # never closed
    ],
)
def test_unclear_attribution_gives_no_speaker(text):
    assert speaker(text) is None


def test_pronoun_refers_to_the_last_named_speaker_across_paragraphs():
    quotes = body(
        "“One,” said Ana Petrescu.",
        "“Two,” Peskov told reporters.",
        "Then he spoke of other things.",
        "“Three,” he went on to say.",
        "“Four,” she added.",
        "“Five,” they said.",
    )
    assert [q.speaker for q in quotes] == ["Ana Petrescu", "Peskov", "Peskov", "Peskov", "Peskov"]


def test_pronoun_without_an_earlier_speaker_is_unknown():
    assert [q.speaker for q in body("“One,” he said.", "“Two,” Peskov said.")] == [None, "Peskov"]


def test_surname_resolves_to_the_full_name_of_an_earlier_speaker():
    quotes = body(
        "“One,” Kremlin spokesman Dmitry Peskov said.",
        "“Two,” said Ana Petrescu.",
        "“Three,” Peskov added.",
        "“Four,” Petrescu said.",
        "“Five,” Lavrov said.",
        "“Six,” said Kremlin spokesman Peskov.",
    )
    assert [q.speaker for q in quotes] == [
        "Dmitry Peskov",
        "Ana Petrescu",
        "Dmitry Peskov",
        "Ana Petrescu",
        "Lavrov",
        "Dmitry Peskov",
    ]


def test_surname_resolves_to_the_most_recent_matching_speaker():
    quotes = body("“One,” Anna Smith said.", "“Two,” John Smith said.", "“Three,” Smith added.")
    assert [q.speaker for q in quotes] == ["Anna Smith", "John Smith", "John Smith"]


def test_a_surname_seen_first_is_not_rewritten_later():
    quotes = body("“One,” Peskov said.", "“Two,” Dmitry Peskov said.", "“Three,” Peskov said.")
    assert [q.speaker for q in quotes] == ["Peskov", "Dmitry Peskov", "Dmitry Peskov"]


def test_nested_quotes_have_no_speaker():
    quotes = body("“He told me ‘we go,’ Peskov said, and left,” Petrescu said.")
    assert [(q.text[:5], q.speaker) for q in quotes] == [("He to", "Petrescu"), ("we go", None)]


def test_headline_quotes_need_a_clear_attribution():
    quotes = find_quotes(
        [
            ("headline", None, "Kremlin wants swap ‘as soon as possible'"),
            ("lede", None, "‘We will win,’ says Zelenskyy"),
            ("body", 0, "“Soon,” he said."),
        ]
    )
    assert [q.speaker for q in quotes] == [None, "Zelenskyy", "Zelenskyy"]


# ---- long paragraphs -------------------------------------------------------------
# How fast they are parsed is for the benchmarks to say; here, what comes out of them.

PATTERNS = ["“", "'", '"', "“‘", "‘a’ ", "“a” ", "„“", "“‘«„\"'", "'a “b ", "«a ‘bc’ »"]

#: The spans (start, end) of ``pattern * n`` (``length`` long) that the rules give.
EXPECTED_SPANS = {
    # None closes: at most 64 open at once, and open double marks run to the end.
    "“": lambda n, length: [(k, length) for k in range(64)],
    '"': lambda n, length: [(2 * k, 2 * k + 2) for k in range(n // 2)],
    "“a” ": lambda n, length: [(4 * k, 4 * k + 3) for k in range(n)],
    "„“": lambda n, length: [(2 * k, 2 * k + 2) for k in range(n)],
    "«a ‘bc’ »": lambda n, length: [
        span for k in range(n) for span in ((9 * k, 9 * k + 9), (9 * k + 3, 9 * k + 7))
    ],
    # 64 open (32 of each kind), none closes; at the end the single marks are apostrophes.
    "“‘": lambda n, length: [(2 * k, length) for k in range(32)],
    "'a “b ": lambda n, length: [(6 * k + 3, length) for k in range(32)],
}


def closed_before(quotes: list[Quote], text: str, limit: int) -> list[tuple[int, int, str]]:
    return [(q.start, q.end, q.text) for q in quotes if q.end <= limit and q.end < len(text)]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_twenty_thousand_marks_give_what_the_rules_say(pattern):
    small, big = pattern * 2_000, pattern * 20_000
    quotes = body(big)
    assert_well_formed([("body", 0, big)], quotes)
    if pattern in EXPECTED_SPANS:
        expected = EXPECTED_SPANS[pattern](20_000, len(big))
        assert [(q.start, q.end) for q in quotes] == expected
    # One pass, left to right: a quote closed well before the end of the small paragraph
    # is the same quote in the big one that goes on with the same text, and no other.
    limit = len(small) - 2 * len(pattern)
    assert closed_before(quotes, big, limit) == closed_before(body(small), small, limit)


@pytest.mark.parametrize("pattern", PATTERNS)
def test_quote_texts_stay_linear_in_the_paragraph(pattern):
    text = pattern * 20_000
    assert sum(len(q.text) for q in body(text)) <= 100 * len(text)


# ---- properties --------------------------------------------------------------------

ALPHABET = st.sampled_from([*"“”\"‘’'«»„ab Z9,.:?-\t", "Peskov", " said", " he", "Ana "])
PARAGRAPH = st.lists(ALPHABET, max_size=40).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.lists(PARAGRAPH, max_size=5), PARAGRAPH, PARAGRAPH)
def test_any_text_gives_well_formed_quotes_in_reading_order(paragraphs, headline, lede):
    parts = [("headline", None, headline), ("lede", None, lede)]
    parts += [("body", i, text) for i, text in enumerate(paragraphs)]
    assert_well_formed(parts, find_quotes(parts))


def assert_well_formed(parts: list[tuple[str, int | None, str]], quotes: list[Quote]) -> None:
    """Quotes in reading order, each where its offsets say, spans nesting, never crossing."""
    order = {"headline": 0, "lede": 1, "body": 2}
    keys = [(order[q.part], q.block or 0, q.start) for q in quotes]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    texts_of = {(part, block): text for part, block, text in parts}
    holding: dict[tuple, list[Quote]] = {}  # each paragraph's quotes holding the one looked at
    for q in quotes:
        text = texts_of[(q.part, q.block)]
        assert 0 <= q.start < q.end <= len(text)
        assert text[q.start] in OPENING_MARKS
        if q.text == text[q.start + 1 : q.end - 1]:
            assert text[q.end - 1] in "”\"’'»“"
        else:  # runs to the end of the paragraph: double kinds only
            assert q.end == len(text) and q.text == text[q.start + 1 :]
            assert text[q.start] in '“"«„'
        if text[q.start] in "‘'":
            assert len(q.text) >= 2
        assert q.speaker is None or (q.speaker and q.speaker == q.speaker.strip())
        # spans of one paragraph nest or are disjoint, never cross
        held = holding.setdefault((q.part, q.block), [])
        while held and held[-1].end <= q.start:
            held.pop()
        assert not held or q.end <= held[-1].end
        held.append(q)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_any_unicode_text_is_handled(text):
    for q in body(text, text):
        assert text[q.start] in OPENING_MARKS
        assert 0 <= q.start < q.end <= len(text)
