"""Entry HTML to the article structure (``reader.html``), rule by rule, and feed entries."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.article import Block
from reader.entry import Entry
from reader.html import HtmlText, cap_depth, entry_article, html_to_text, plain_to_blocks
from reader.quotes import find_quotes
from reader.sanitize import is_clean


def P(text: str) -> Block:
    return Block("paragraph", text)


def H(text: str) -> Block:
    return Block("subheading", text)


def texts(html: str) -> list[str]:
    return [b.text for b in html_to_text(html).blocks]


def quoted(html: str) -> list[tuple[str, str | None]]:
    """``(quote text, speaker)`` of every quote in the paragraphs ``html`` gives."""
    blocks = html_to_text(html).blocks
    quotes = find_quotes([("body", i, b.text) for i, b in enumerate(blocks)])
    return [(q.text, q.speaker) for q in quotes]


# ---- paragraphs and subheadings ---------------------------------------------------------


@pytest.mark.parametrize(
    "tag", ["p", "div", "li", "td", "section", "article", "dd", "header", "pre", "address"]
)
def test_block_elements_are_paragraphs(tag):
    html = f"<{tag}>One</{tag}><{tag}>Two</{tag}>"
    if tag in ("li",):
        html = f"<ul>{html}</ul>"
    if tag == "td":
        html = f"<table><tr>{html}</tr></table>"
    assert html_to_text(html).blocks == (P("One"), P("Two"))


def test_inline_elements_join_their_paragraph_with_the_spacing_of_the_html():
    html = "<p>The <b>big</b> <i>red</i> dog<a href='#'>s</a> ran <span> far </span>away.</p>"
    assert texts(html) == ["The big red dogs ran far away."]


def test_whitespace_is_collapsed():
    assert texts("<p>\n  One\t\ttwo \n\n three&nbsp; four </p>") == ["One two three four"]


def test_br_runs_inside_a_div_are_paragraphs():
    assert texts("<div>First line<br>Second line<br/><br>Third</div>") == [
        "First line",
        "Second line",
        "Third",
    ]


def test_one_br_inside_a_p_joins_lines_two_end_the_paragraph():
    assert texts("<p>Line one<br>line two<br><br>Next</p>") == ["Line one line two", "Next"]


def test_text_between_blocks_is_a_paragraph_of_its_own():
    assert texts("<div>Before<p>Inside</p>After</div>") == ["Before", "Inside", "After"]


@pytest.mark.parametrize("level", range(1, 7))
def test_headings_are_subheadings(level):
    html = f"<p>Text</p><h{level}>A <em>title</em></h{level}><p>More</p>"
    assert html_to_text(html).blocks == (P("Text"), H("A title"), P("More"))


def test_empty_blocks_are_dropped():
    assert texts("<p> </p><div><p></p></div><h2>\n</h2><p>Kept</p>") == ["Kept"]


# ---- removed content, entities, control characters --------------------------------------


@pytest.mark.parametrize(
    "tag",
    ["script", "style", "noscript", "template", "iframe", "object", "svg", "form", "button", "nav"],
)
def test_removed_elements_take_their_content_with_them(tag):
    inner = "hidden <g><text>text</text></g>" if tag == "svg" else "hidden <b>text</b>"
    html = f"<div>Before <{tag}>{inner}</{tag}> after</div>"
    assert texts(html) == ["Before after"]


def test_comments_are_gone():
    assert texts("<p>A<!-- a comment --> B<!-- <p>no</p> --></p>") == ["A B"]


def test_entities_are_decoded_and_stay_text():
    html = "<p>Tom &amp; Jerry &#8220;quoted&#x201D; &lt;b&gt;not bold&lt;/b&gt; &eacute;&#233;</p>"
    assert texts(html) == ["Tom & Jerry “quoted” <b>not bold</b> éé"]


def test_no_control_character_survives():
    html = (
        "<p>a&#x9b;b&#x81;c&#x1b;[31mred&#x1b;[0m\x1b]0;title\x07d\x9b2Je&#0;f\u202eg</p>"
        "<img alt='cap&#x81;tion\x1b[1m'>"
    )
    result = html_to_text(html)
    assert all(is_clean(b.text) for b in result.blocks)
    assert result.captions == ("caption",)
    # &#x9b; is cp1252's › under the HTML rules, so it is text, not a CSI; &#x81; has no
    # cp1252 meaning and stays a C1 control, removed
    assert result.blocks == (P("a›bcredde\ufffdfg"),)  # &#0; is U+FFFD in HTML
    # &#x9d; stays C1 too: an OSC, dropped with the rest of its line as sanitize does
    assert html_to_text("<p>a&#x9d;0;title</p><p>b</p>").blocks == (P("a"), P("b"))


def test_markup_in_text_is_never_markup():
    result = html_to_text("<p>[bold]x[/] [@click=app.quit]y[/]</p>")
    assert result.blocks == (P("[bold]x[/] [@click=app.quit]y[/]"),)


# ---- quotes -----------------------------------------------------------------------------


def test_a_blockquote_is_wrapped_in_quote_marks():
    assert texts("<p>He wrote:</p><blockquote>We will win.</blockquote>") == [
        "He wrote:",
        "“We will win.”",
    ]
    assert quoted("<blockquote><p>We will win.</p></blockquote>") == [("We will win.", None)]


def test_a_blockquote_of_several_paragraphs_follows_the_press_convention():
    html = "<blockquote><p>One.</p><p>Two.</p><p>Three.</p></blockquote>"
    assert texts(html) == ["“One.", "“Two.", "“Three.”"]
    assert [q for q, _ in quoted(html)] == ["One.", "Two.", "Three."]


def test_a_blockquote_already_in_quote_marks_is_left_as_it_is():
    html = "<blockquote><p>“We will win,” said Jane Doe.</p></blockquote>"
    assert texts(html) == ["“We will win,” said Jane Doe."]
    assert quoted(html) == [("We will win,", "Jane Doe")]


def test_a_blockquote_holding_a_quote_nests_it():
    assert quoted("<blockquote>He called it “a farce” twice.</blockquote>") == [
        ("He called it “a farce” twice.", None),
        ("a farce", None),
    ]


@pytest.mark.parametrize(
    "credit",
    [
        "<cite>Jane Doe</cite>",
        "<footer>— Jane Doe</footer>",
        "<footer>&mdash; <cite>Jane Doe</cite>, mayor of Springfield</footer>",
        "<p>— Jane Doe</p>",
        "— <cite>Jane Doe</cite>",
    ],
)
def test_the_blockquote_credit_becomes_the_speaker(credit):
    html = f"<blockquote><p>We will win.</p><p>Again.</p>{credit}</blockquote>"
    blocks = texts(html)
    assert blocks[0] == "“We will win."
    assert blocks[1].startswith("“Again.” — Jane Doe")
    assert len(blocks) == 2
    assert quoted(html) == [("We will win.", None), ("Again.", "Jane Doe")]


def test_a_figcaption_of_a_figure_holding_a_blockquote_is_its_credit():
    html = (
        "<figure><blockquote><p>Less is more.</p></blockquote>"
        "<figcaption>— Ludwig Mies van der Rohe</figcaption></figure>"
    )
    result = html_to_text(html)
    assert result.blocks == (P("“Less is more.” — Ludwig Mies van der Rohe"),)
    assert result.captions == ()
    assert quoted(html) == [("Less is more.", "Ludwig Mies van der Rohe")]


def test_a_cite_inside_a_quoted_paragraph_is_a_title_not_a_credit():
    html = "<blockquote><p>Read <cite>War and Peace</cite> again.</p></blockquote>"
    assert quoted(html) == [("Read War and Peace again.", None)]


def test_q_is_wrapped_and_nested_q_alternates():
    assert texts("<p>It was <q>a farce</q>.</p>") == ["It was “a farce”."]
    assert texts("<p>He said <q>she called it <q>fine</q> </q>.</p>") == [
        "He said “she called it ‘fine’” ."
    ]
    assert texts("<blockquote>They said <q>no</q></blockquote>") == ["“They said ‘no’”"]
    assert quoted("<p>It was <q>a farce</q>.</p>") == [("a farce", None)]


def test_q_already_in_quote_marks_is_left_as_it_is():
    assert texts("<p>It was <q>“a farce”</q>.</p>") == ["It was “a farce”."]


def test_an_inline_attributed_quote_keeps_its_speaker():
    assert quoted("<p>“We will win,” said <b>Jane Doe</b>.</p>") == [("We will win,", "Jane Doe")]


def test_dash_credits_in_find_quotes():
    # the extension of reader.quotes this module relies on, and what it refuses
    def who(text: str) -> str | None:
        return find_quotes([("body", 0, text)])[0].speaker

    assert who("“Again.” — Jane Doe") == "Jane Doe"
    assert who("“Again.” – Foreign Minister Ana Petrescu.") == "Ana Petrescu"
    assert who("“Again.” - Jane Doe, CEO of Acme") == "Jane Doe"
    assert who("“Again.” — Jane Doe (@jane) May 1, 2025") == "Jane Doe"
    assert who("She called it “a disaster” — Johnson, however, disagreed.") is None
    assert who("“A disaster” — Johnson said nothing more") is None
    assert who("“A disaster” — he") is None
    assert who("“A disaster” —") is None


# ---- captions ---------------------------------------------------------------------------


def test_image_alt_and_figcaption_are_captions_consecutive_duplicates_once():
    html = (
        "<figure><img src='a.jpg' alt='File photo'><figcaption>File photo</figcaption></figure>"
        "<p>Text</p><img alt=''><img src='b.jpg'><img alt='  Second\nphoto '>"
        "<img alt='File photo'>"
    )
    result = html_to_text(html)
    assert result.captions == ("File photo", "Second photo", "File photo")
    assert result.blocks == (P("Text"),)


def test_a_figcaption_is_not_a_paragraph():
    result = html_to_text(
        "<figure><img src=x><figcaption><p>A <b>dog</b></p></figcaption></figure>"
    )
    assert result == HtmlText((), ("A dog",))


# ---- plain text and odd inputs ----------------------------------------------------------


def test_plain_text_without_tags_splits_on_blank_lines():
    assert html_to_text("One\nline &amp; more\n\n  \nTwo") == HtmlText(
        (P("One line & more"), P("Two")), ()
    )


def test_plain_to_blocks():
    assert plain_to_blocks("A\nb\n\n\n\tC \r\n\r\nD\x1b[2J") == (P("A b"), P("C"), P("D"))
    assert plain_to_blocks("") == ()
    assert plain_to_blocks(" \n\t\n") == ()


@pytest.mark.parametrize(
    "html",
    [
        "",
        "   ",
        "<",
        "</p>",
        "<p",
        "<p><b>unclosed <i>nesting</p> text",
        "<table><p>misplaced</table>",
        "<?xml version='1.0' encoding='utf-8'?><p>x</p>",
        "<!DOCTYPE html><html><head><title>T</title></head><body><p>x</p></body></html>",
        "a\ud800b <p>lone surrogate</p>",
        "\x00<p>\x00nul</p>",
        "<q><blockquote>crossing</q></blockquote>",
        "<blockquote><blockquote>inner</blockquote>outer</blockquote>",
        "<h2><p>block in heading</p></h2>",
        "<figcaption>orphan</figcaption><cite>— orphan</cite>",
    ],
)
def test_odd_input_gives_clean_text_without_exception(html):
    result = html_to_text(html)
    assert all(is_clean(b.text) and b.text for b in result.blocks)
    assert all(is_clean(c) and c for c in result.captions)


def test_ten_thousand_nested_divs_keep_their_text():
    html = "<div>" * 10_000 + "deep" + "</div>" * 10_000
    assert texts(html) == ["deep"]
    assert texts("<blockquote><q>" * 5_000 + "x") != []


@pytest.mark.parametrize(
    "unit", ["<div>", "<span>", "<blockquote>", "<figure><figcaption>a</figcaption>", "<q>"]
)
def test_five_megabytes_nested_complete_and_keep_the_text(unit):
    # Lexbor's tree building is quadratic in depth; cap_depth flattens past 512 first
    html = unit * (5_000_000 // len(unit)) + "deepest"
    result = html_to_text(html)
    assert "deepest" in result.blocks[-1].text


def test_cap_depth_drops_tags_past_the_limit_and_never_text():
    html = "<div>a" * 5 + "<script>x<div>y</script>" + "</div>" * 5
    assert cap_depth(html, limit=3) == "<div>a<div>a<div>aaa" + "</div>" * 3
    shallow = "<div><p>a<p>b</div><!-- <div><div><div><div> --><br><img>" * 3
    assert cap_depth(shallow, limit=2) == shallow
    assert cap_depth("<div>" * 3 + "<title><b>t</title>c", limit=2) == "<div><div>c"


def test_five_megabytes_of_html_complete():
    paragraph = "<p>Some <b>text</b> &amp; a <q>quote</q>.</p>\n"
    html = paragraph * (5_000_000 // len(paragraph))
    result = html_to_text(html)
    assert len(result.blocks) == 5_000_000 // len(paragraph)
    assert result.blocks[0] == P("Some text & a “quote”.")


def test_five_megabytes_in_one_paragraph_complete():
    assert len(texts("<p>" + "word " * 1_000_000)[0]) == 5_000_000 - 1


@given(st.text())
@settings(max_examples=300, deadline=None)
def test_any_text_gives_clean_text(text):
    result = html_to_text(text)
    assert all(is_clean(b.text) and b.text for b in result.blocks)
    assert all(is_clean(c) for c in result.captions)


_TAGS = [
    "p",
    "div",
    "br",
    "q",
    "blockquote",
    "cite",
    "footer",
    "figure",
    "figcaption",
    "img",
    "h2",
    "script",
    "b",
    "li",
    "table",
    "td",
    "!--",
    "/p",
    "/div",
    "/q",
    "/blockquote",
]


@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                [f"<{t}>" for t in _TAGS]
                + ["<img alt='x\x1b[2J'>", "&#x9b;", "&#8220;", "—", "”", "\x9b"]
            ),
            st.text(max_size=8),
        ),
        max_size=40,
    )
)
@settings(max_examples=300, deadline=None)
def test_any_tag_soup_gives_clean_text(pieces):
    html = "".join(pieces)
    result = html_to_text(html)
    assert all(is_clean(b.text) and b.text for b in result.blocks)
    assert all(is_clean(c) and c for c in result.captions)
    article = entry_article(Entry(content_html=html), source=None)
    assert is_clean(article.headline) and is_clean(article.lede)


# ---- a realistic article ----------------------------------------------------------------

NEWS = """<!DOCTYPE html><article>
<h1>Port strike ends &amp; ships sail again</h1>
<figure><img src="a.jpg" alt="Dockers at the gate"><figcaption>Dockers at the gate</figcaption>
</figure>
<p>Dock workers in Rotterdam voted on Tuesday to end a strike that had stranded 40 ships,
   the union said.</p>
<script>window.track({"event": "view"});</script>
<p>&#8220;We will win,&#8221; said Jane Doe, the union&#8217;s leader, after the vote.</p>
<h2>A deal <em>at last</em></h2>
<p>The port authority called the agreement <q>a fair compromise</q> and promised new cranes.</p>
<blockquote><p>This deal protects every job in the harbour.</p>
<p>It is the best we could get.</p><cite>Mark Smith</cite></blockquote>
<!-- ad slot --><nav><a href="/next">Next story</a></nav>
<p>Shipping firms said delays would last <strong>two&nbsp;weeks</strong>.</p>
</article>"""


def test_a_realistic_news_article():
    entry = Entry(
        guid="urn:1",
        link="https://news.example/port",
        title="Port strike ends",
        published="2025-05-22T15:46",
        content_html=NEWS,
        categories=("Ports", "Netherlands"),
    )
    a = entry_article(entry, source="Harbour News", extra_tags=("ports", "Strikes"), origin="f")
    assert a.headline == "Port strike ends"
    assert (a.published, a.source, a.origin, a.link) == (
        "2025-05-22T15:46",
        "Harbour News",
        "f",
        "https://news.example/port",
    )
    assert a.captions == ("Dockers at the gate",)
    assert a.lede == (
        "Dock workers in Rotterdam voted on Tuesday to end a strike that had stranded 40 ships,"
        " the union said."
    )
    assert a.body == (
        H("Port strike ends & ships sail again"),
        P("“We will win,” said Jane Doe, the union’s leader, after the vote."),
        H("A deal at last"),
        P("The port authority called the agreement “a fair compromise” and promised new cranes."),
        P("“This deal protects every job in the harbour."),
        P("“It is the best we could get.” — Mark Smith"),
        P("Shipping firms said delays would last two weeks."),
    )
    assert a.tags == ("Ports", "Netherlands", "Strikes")
    assert [(q.part, q.block, q.text, q.speaker) for q in a.quotes] == [
        ("body", 1, "We will win,", "Jane Doe"),
        ("body", 3, "a fair compromise", None),
        ("body", 4, "This deal protects every job in the harbour.", None),
        ("body", 5, "It is the best we could get.", "Mark Smith"),
    ]
    for q in a.quotes:
        text = a.body[q.block].text
        closed = q.end < len(text) or text[-1] in "”’"
        assert text[q.start + 1 : q.end - closed] == q.text


# ---- entries ----------------------------------------------------------------------------


def test_headline_from_the_first_sentence_when_the_title_is_missing():
    a = entry_article(Entry(content_html="<p>Rates rise again. Markets fall.</p>"), source=None)
    assert a.headline == "Rates rise again."
    assert a.lede == "Rates rise again. Markets fall."


def test_a_long_first_sentence_is_cut_at_a_word_to_100_characters():
    words = " ".join(["word"] * 40) + "."
    a = entry_article(Entry(title="  ", content_text=words), source=None)
    assert len(a.headline) <= 100 and a.headline.endswith("word…")
    assert a.headline == " ".join(["word"] * 20) + "…"
    one_word = entry_article(Entry(content_text="x" * 300), source=None)
    assert one_word.headline == "x" * 99 + "…"


def test_untitled_when_there_is_no_text_at_all():
    assert entry_article(Entry(), source="Feed").headline == "(untitled)"
    assert entry_article(Entry(content_html="<script>x</script>"), source=None).headline == (
        "(untitled)"
    )


def test_published_falls_back_to_updated():
    assert entry_article(Entry(updated="2025-01-02T03:04"), source=None).published == (
        "2025-01-02T03:04"
    )
    both = Entry(published="2025-01-01T00:00", updated="2025-01-02T03:04")
    assert entry_article(both, source=None).published == "2025-01-01T00:00"


def test_body_from_content_then_summary_then_text():
    content = Entry(content_html="<p>C1</p><p>C2</p>", summary_html="<p>C1</p>", content_text="T")
    assert (entry_article(content, source=None).lede, entry_article(content, source=None).body) == (
        "C1",
        (P("C2"),),
    )
    summary = Entry(summary_html="<p>S1</p><p>S2</p>", content_text="T")
    assert entry_article(summary, source=None).body == (P("S2"),)
    text = Entry(content_text="T1\n\nT2", content_html="<img alt='Only a photo'>")
    article = entry_article(text, source=None)
    assert (article.lede, article.body, article.captions) == ("T1", (P("T2"),), ("Only a photo",))


def test_a_summary_that_is_not_the_start_of_the_content_is_the_lede():
    entry = Entry(content_html="<p>Body one.</p><p>Body two.</p>", summary_html="<p>Teaser.</p>")
    a = entry_article(entry, source=None)
    assert a.lede == "Teaser."
    assert a.body == (P("Body one."), P("Body two."))


@pytest.mark.parametrize("summary", ["Body one.", "Body one. Body", "Body one…", "body one [...]"])
def test_a_summary_that_starts_the_content_is_not_a_lede(summary):
    entry = Entry(content_html="<p>Body one.</p><p>Body two.</p>", summary_html=summary)
    a = entry_article(entry, source=None)
    assert (a.lede, a.body) == ("Body one.", (P("Body two."),))


def test_a_subheading_never_becomes_the_lede():
    a = entry_article(Entry(content_html="<h2>Intro</h2><p>First.</p><p>Next.</p>"), source=None)
    assert a.lede == "First."
    assert a.body == (H("Intro"), P("Next."))
    only = entry_article(Entry(title="T", content_html="<h2>Only</h2>"), source=None)
    assert (only.lede, only.body) == ("", (H("Only"),))


def test_tags_are_categories_then_extra_tags_once_each():
    entry = Entry(categories=("Russia", " russia ", "Wall  Street", "", "Europe"))
    a = entry_article(entry, source=None, extra_tags=("EUROPE", "Feeds"))
    assert a.tags == ("Russia", "Wall Street", "Europe", "Feeds")


def test_quotes_cover_headline_lede_and_body_in_order():
    entry = Entry(
        title="Minister says ‘no deal'",
        summary_html="<p>“Never,” he said.</p>",
        content_html="<p>Talks failed.</p><blockquote>No.</blockquote>",
    )
    a = entry_article(entry, source=None)
    assert [(q.part, q.block, q.text) for q in a.quotes] == [
        ("headline", None, "no deal"),
        ("lede", None, "Never,"),
        ("body", 1, "No."),
    ]
