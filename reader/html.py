"""Feed entry HTML to the plain-text article structure: paragraphs, subheadings, captions.

The HTML goes through a real HTML5 parser (selectolax's Lexbor engine: the browsers'
tree-building rules, so malformed markup becomes what a browser would show, and no depth
limit that drops text). The tree is walked without recursion and every string that
comes out is passed through ``sanitize_line``: the result is plain text, never markup.

Quotes follow ARTICLE_FORMAT.md rule 8 so that ``find_quotes`` sees them: a
``blockquote`` is wrapped in “…” (several paragraphs: each opens with “, only the last
closes), ``q`` in “…” (‘…’ inside another quote), and where the HTML names who spoke
(``cite`` or ``footer`` in the blockquote, a ``figcaption`` of the figure holding it, a
last line starting with a dash) the name follows the closing mark as ``“…” — Jane Doe``,
which ``reader.quotes`` reads as the speaker.
"""

from __future__ import annotations

import html as html_module
import re
from dataclasses import dataclass
from typing import Protocol

from reader.article import Article, Block, tag_key
from reader.entry import Entry
from reader.quotes import OPENING_MARKS, find_quotes
from reader.sanitize import sanitize, sanitize_line

__all__ = ["HtmlText", "entry_article", "html_to_text", "plain_to_blocks"]


def _names(words: str) -> frozenset[str]:
    return frozenset(words.split())


#: Elements dropped with everything inside them.
SKIPPED = _names(
    """
    script style noscript template iframe object embed applet svg math form button input
    select textarea nav canvas audio video frameset frame head title dialog
    """
)
#: Elements that start and end a paragraph; any other element is inline.
_BLOCKS = _names(
    """
    p div li td th section article header footer main aside ul ol dl dt dd table tr thead
    tbody tfoot caption address details summary figure pre hr center fieldset legend
    hgroup body html menu
    """
)
_HEADINGS = _names("h1 h2 h3 h4 h5 h6")
_CLOSING_MARKS = "”\"’'»“"
_DASHES = "—–―-"
_CREDIT_LIMIT = 120  # a last dash line longer than this is text, not a credit
_HEADLINE_LIMIT = 100
_MAX_Q = 16  # q elements nested deeper keep their text unmarked (each wrap copies its text)
_SUMMARY_TAIL = re.compile(r"\s*(?:\[(?:…|\.\.\.)\]|…|\.\.\.)\s*$")
_SENTENCE_END = re.compile(r"[.!?…](?=[”\"’']?\s+[“\"‘'«(]?[A-Z0-9])")


@dataclass(frozen=True, slots=True)
class HtmlText:
    """What an HTML body holds: paragraphs and subheadings in reading order, image captions."""

    blocks: tuple[Block, ...]
    captions: tuple[str, ...]


class Events(Protocol):
    """What a tree walker calls; ``reader.html`` walks Lexbor, the benchmark also lxml."""

    def start(self, tag: str, alt: str | None) -> None: ...
    def end(self, tag: str) -> None: ...
    def text(self, text: str) -> None: ...


def html_to_text(html: str) -> HtmlText:
    """Paragraphs, subheadings and captions of an HTML fragment or document; any string."""
    if "<" not in html:  # plain text (many feed summaries): blank lines split paragraphs
        return HtmlText(plain_to_blocks(html_module.unescape(html)), ())
    if html.count("<") > _DEPTH_CHECK:
        html = cap_depth(html)
    builder = Builder()
    walk_lexbor(html, builder)
    return builder.result()


def plain_to_blocks(text: str) -> tuple[Block, ...]:
    """Paragraphs of a plain-text body: blocks split on blank lines, lines joined by spaces."""
    blocks = []
    for chunk in re.split(r"\n[ \t]*\n", sanitize(text)):
        line = sanitize_line(chunk)
        if line:
            blocks.append(Block("paragraph", line))
    return tuple(blocks)


# -- the depth guard ------------------------------------------------------------------

# The HTML5 tree builder checks the stack of open elements for nearly every tag, so a
# document nested n deep costs O(n²) in Lexbor: 20,000 nested divs take 0.6 s, a 5 MB
# one hours. Browsers cap the depth (Chromium at 512); this does the same before
# parsing, by dropping tags, never text. Fewer than _DEPTH_CHECK tags cannot nest deep
# enough to matter, so ordinary bodies skip it.
_DEPTH_LIMIT = 512
_DEPTH_CHECK = 2000
_TAG = re.compile(r"<(/?)([A-Za-z][^\s/>]*)[^>]*>|<!--")
_VOID = _names("area base br col embed hr img input link meta param source track wbr")
_SELF_ENDING = _names("p li dt dd tr td th option")  # <p><p>: the second ends the first
_RAW = {
    name: re.compile(f"</{name}", re.IGNORECASE)
    for name in _names("script style textarea title xmp iframe noembed noframes noscript")
}


def cap_depth(html: str, limit: int = _DEPTH_LIMIT) -> str:
    """``html`` without the start and end tags that would nest deeper than ``limit``.

    A scan of tag boundaries, not a parser: it follows nesting closely enough to find
    runaway depth (raw-text elements and comments skipped, void elements and ``<p><p>``
    known); what it removes is only tags, so the text stays, in a flatter tree. The
    content of a dropped element whose content is never shown (``script``) goes too.
    """
    out: list[str] = []
    stack: list[str] = []
    open_count: dict[str, int] = {}
    dropped: dict[str, int] = {}
    copied = i = 0
    while (match := _TAG.search(html, i)) is not None:
        i = match.end()
        if match.group(2) is None:  # a comment: its text is no tag
            end = html.find("-->", i)
            i = len(html) if end < 0 else end + 3
            continue
        name = match.group(2).lower()
        if match.group(1):  # an end tag
            if open_count.get(name):
                while (top := stack.pop()) != name:
                    open_count[top] -= 1
                open_count[name] -= 1
            elif dropped.get(name):
                dropped[name] -= 1
                out.append(html[copied : match.start()])
                copied = i
            continue
        if name in _VOID:
            continue
        if name in _SELF_ENDING and stack and stack[-1] == name:
            stack.pop()
            open_count[name] -= 1
        raw = _RAW.get(name)
        raw_end = raw.search(html, i) if raw is not None else None
        if len(stack) < limit:
            stack.append(name)
            open_count[name] = open_count.get(name, 0) + 1
            if raw is not None:
                i = len(html) if raw_end is None else raw_end.start()
            continue
        out.append(html[copied : match.start()])
        if raw is None:
            dropped[name] = dropped.get(name, 0) + 1
            copied = i
        else:  # drop the element with its content
            close = html.find(">", raw_end.end()) if raw_end is not None else -1
            copied = i = len(html) if close < 0 else close + 1
    out.append(html[copied:])
    return "".join(out)


# -- the walk -------------------------------------------------------------------------


def walk_lexbor(html: str, events: Events) -> None:
    """Feed ``events`` from a Lexbor parse of ``html``: document order, no recursion."""
    from selectolax.lexbor import LexborHTMLParser  # a C extension: loaded when first used

    try:
        root = LexborHTMLParser(html).body
    except UnicodeError:  # lone surrogates cannot be encoded for the parser
        root = LexborHTMLParser(html.encode("utf-8", "replace").decode("utf-8")).body
    if root is None:
        return
    start, end, text = events.start, events.end, events.text
    top = root.mem_id
    node = root.child
    while node is not None:
        tag = node.tag
        if tag == "-text":
            text(node.text_content or "")
        elif tag not in SKIPPED and tag[:1] not in ("-", "!"):  # comments, doctype
            start(tag, node.attributes.get("alt") if tag == "img" else None)
            child = node.child
            if child is not None:
                node = child
                continue
            end(tag)
        following = node.next
        while following is None:  # climb to the next sibling of an ancestor
            node = node.parent
            if node is None or node.mem_id == top:
                return
            end(node.tag)
            following = node.next
        node = following


# -- the builder ----------------------------------------------------------------------


class _Quote:
    """An open ``blockquote``: its paragraphs and the credit its HTML gives."""

    __slots__ = ("credit", "depth", "paragraphs")

    def __init__(self, depth: int) -> None:
        self.depth = depth
        self.paragraphs: list[str] = []
        self.credit = ""


class Builder:
    """Turns start/end/text events into blocks and captions (see ``Events``)."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.captions: list[str] = []
        self.buf: list[str] = []
        self.serial = 0  # counts flushes: a ``q`` spanning a flush is left unwrapped
        self.stack: list[str] = []  # open elements
        self.blocks_open: list[str] = []  # open block elements, for ``br``
        self.headings = 0
        self.quote: _Quote | None = None  # the outermost open blockquote
        self.q_open: list[tuple[int, int]] = []  # (serial, buffer index) of open ``q``
        self.capture: list[str] | None = None  # text of a cite/footer/figcaption
        self.capture_tag = ""
        self.capture_depth = -1
        self.pending_br = False
        # open figures, innermost last: the index in ``blocks`` of the last paragraph of
        # an uncredited quote directly before its figcaption, or None
        self.figures: list[int | None] = []

    # events

    def start(self, tag: str, alt: str | None) -> None:
        depth = len(self.stack)
        self.stack.append(tag)
        if self.capture is not None:
            if tag in _BLOCKS or tag in _HEADINGS or tag == "br":
                self.capture.append(" ")
            return
        if tag == "img":
            if alt:
                self._caption(alt)
            return
        if tag == "br":
            self._br()
            return
        if tag == "q":
            self.q_open.append((self.serial, len(self.buf)))
            return
        if tag in _BLOCKS or tag in _HEADINGS or tag == "blockquote" or tag == "figcaption":
            self.flush()
        quote = self.quote
        if tag == "blockquote":
            if quote is None:
                self.quote = _Quote(depth)
        elif (
            tag in ("cite", "footer") and quote is not None and depth == quote.depth + 1
        ) or tag == "figcaption":
            self.capture, self.capture_tag, self.capture_depth = [], tag, depth
            return
        elif tag == "figure":
            self.figures.append(None)
        if tag in _HEADINGS:
            self.headings += 1
        if tag in _BLOCKS or tag in _HEADINGS:
            self.blocks_open.append(tag)

    def end(self, tag: str) -> None:
        if not self.stack:
            return
        self.stack.pop()
        depth = len(self.stack)
        if self.capture is not None:
            if depth == self.capture_depth:
                self._end_capture()
            elif tag in _BLOCKS or tag in _HEADINGS or tag == "br":
                self.capture.append(" ")
            return
        if tag == "q":
            self._end_q()
            return
        if tag in _BLOCKS or tag in _HEADINGS or tag == "blockquote":
            self.flush()
        if tag in _BLOCKS or tag in _HEADINGS:
            if self.blocks_open:
                self.blocks_open.pop()
            if tag in _HEADINGS:
                self.headings -= 1
            if tag == "figure":
                self.figures.pop()
        elif tag == "blockquote" and self.quote is not None and self.quote.depth == depth:
            self._end_blockquote()

    def text(self, text: str) -> None:
        if self.capture is not None:
            self.capture.append(text)
            return
        if text.isspace():
            if self.buf:  # leading white space of a paragraph is dropped anyway
                self.buf.append(text)
            return
        self.pending_br = False
        self.buf.append(text)

    # results

    def result(self) -> HtmlText:
        """Everything seen so far, open elements closed."""
        while self.stack:
            self.end(self.stack[-1])
        self.flush()
        return HtmlText(tuple(self.blocks), tuple(self.captions))

    def flush(self) -> None:
        """End the paragraph being built (if any text)."""
        self.pending_br = False
        if not self.buf:
            return
        text = sanitize_line("".join(self.buf))
        self.buf.clear()
        self.serial += 1
        if not text:
            return
        if self.quote is not None:
            self.quote.paragraphs.append(text)
        else:
            self.blocks.append(Block("subheading" if self.headings else "paragraph", text))

    # helpers

    def _caption(self, text: str) -> None:
        caption = sanitize_line(text)
        if caption and (not self.captions or self.captions[-1] != caption):
            self.captions.append(caption)

    def _br(self) -> None:
        # Inside a paragraph one <br> is a line break (the plain format joins lines with
        # spaces) and two in a row end it; elsewhere (a div of lines) each ends one.
        inside = self.blocks_open[-1] if self.blocks_open else "body"
        if inside == "p" or inside in _HEADINGS or inside == "li":
            if self.pending_br:
                self.flush()
            else:
                self.buf.append(" ")
                self.pending_br = True
        else:
            self.flush()

    def _end_q(self) -> None:
        if not self.q_open:
            return
        serial, index = self.q_open.pop()
        if serial != self.serial or index > len(self.buf) or len(self.q_open) >= _MAX_Q:
            return  # a block started inside the q, or too deep: leave its text as it is
        inner = "".join(self.buf[index:])
        stripped = inner.strip()
        if not stripped or (stripped[0] in OPENING_MARKS and stripped[-1] in _CLOSING_MARKS):
            return
        inside = len(self.q_open) + (self.quote is not None)
        opening, closing = ("‘", "’") if inside % 2 else ("“", "”")
        lead = inner[: len(inner) - len(inner.lstrip())]
        trail = inner[len(inner.rstrip()) :]
        del self.buf[index:]
        self.buf += [lead, opening, stripped, closing, trail]

    def _end_capture(self) -> None:
        text = sanitize_line("".join(self.capture or ()))
        tag = self.capture_tag
        self.capture, self.capture_tag, self.capture_depth = None, "", -1
        if tag == "figcaption":
            index = self.figures[-1] if self.figures else None
            credit = _credit(text)
            if index is not None and credit:
                block = self.blocks[index]
                self.blocks[index] = Block(block.kind, f"{block.text} — {credit}")
                self.figures[-1] = None
            else:
                self._caption(text)
        elif self.quote is not None:
            credit = _credit(text)
            if credit:
                self.quote.credit = credit

    def _end_blockquote(self) -> None:
        quote = self.quote
        self.quote = None
        if quote is None:
            return
        paragraphs = quote.paragraphs
        credit = quote.credit
        if paragraphs and paragraphs[-1].lstrip(_DASHES + " ") == "":
            paragraphs.pop()  # "—" left before a <cite>
        if not credit and len(paragraphs) > 1 and paragraphs[-1][0] in _DASHES:
            last = paragraphs[-1]
            if len(last) <= _CREDIT_LIMIT:
                credit = _credit(last)
                paragraphs.pop()
        if not paragraphs:
            if credit:
                self.blocks.append(Block("paragraph", f"— {credit}"))
            return
        for k, paragraph in enumerate(paragraphs):
            last = k == len(paragraphs) - 1
            if not _opens_quote(paragraph):
                paragraph = "“" + paragraph + ("”" if last else "")
            if last and credit:
                paragraph = f"{paragraph} — {credit}"
            self.blocks.append(Block("paragraph", paragraph))
        if self.figures and not credit:
            self.figures[-1] = len(self.blocks) - 1


def _credit(text: str) -> str:
    """A speaker line without its leading dashes: ``— Jane Doe`` → ``Jane Doe``."""
    return text.lstrip(_DASHES + "~ ").strip()


def _opens_quote(text: str) -> bool:
    """True when ``text`` already starts with a quote (the source put the marks itself)."""
    if not text or text[0] not in OPENING_MARKS:
        return False
    return any(q.start == 0 for q in find_quotes([("body", 0, text)]))


# -- entries --------------------------------------------------------------------------


def entry_article(
    entry: Entry,
    *,
    source: str | None,
    extra_tags: tuple[str, ...] = (),
    origin: str | None = None,
) -> Article:
    """The article a feed entry holds (``source`` is the feed's title)."""
    content = html_to_text(entry.content_html) if entry.content_html is not None else None
    summary = html_to_text(entry.summary_html) if entry.summary_html is not None else None
    if content is not None and content.blocks:
        body, captions = content.blocks, content.captions
    elif summary is not None and summary.blocks:
        body, captions = summary.blocks, summary.captions
    else:
        body = plain_to_blocks(entry.content_text or "")
        captions = (content or summary or HtmlText((), ())).captions

    lede = ""
    if content is not None and content.blocks and summary is not None and summary.blocks:
        summary_text = " ".join(b.text for b in summary.blocks)
        if not _starts(" ".join(b.text for b in content.blocks), summary_text):
            lede = summary_text
    if not lede:
        first = next((i for i, b in enumerate(body) if b.kind == "paragraph"), None)
        if first is not None:
            lede = body[first].text
            body = body[:first] + body[first + 1 :]

    headline = sanitize_line(entry.title or "")
    if not headline:
        headline = _headline_from(lede or next((b.text for b in body), ""))

    tags: list[str] = []
    seen: set[str] = set()
    for tag in (*entry.categories, *extra_tags):
        name = sanitize_line(tag)
        key = tag_key(name)
        if key and key not in seen:
            seen.add(key)
            tags.append(name)

    parts = [("headline", None, headline), ("lede", None, lede)]
    parts += [("body", index, block.text) for index, block in enumerate(body)]
    return Article(
        headline=headline,
        published=entry.published if entry.published is not None else entry.updated,
        source=source,
        captions=captions,
        lede=lede,
        body=body,
        tags=tuple(tags),
        quotes=tuple(find_quotes(parts)),
        origin=origin,
        link=entry.link,
    )


def _starts(content: str, summary: str) -> bool:
    """True when the summary is only the start of the content (a teaser cut with "…")."""
    summary = _SUMMARY_TAIL.sub("", summary).casefold()
    return content.casefold().startswith(summary)


def _headline_from(text: str) -> str:
    """A headline made from body text: its first sentence, cut at a word to 100 characters."""
    if not text:
        return "(untitled)"
    match = _SENTENCE_END.search(text[: _HEADLINE_LIMIT + 8])
    sentence = text[: match.end()] if match else text
    if len(sentence) <= _HEADLINE_LIMIT:
        return sentence
    cut = sentence[:_HEADLINE_LIMIT]  # room for "…" after the last whole word
    space = cut.rfind(" ")
    head = cut[:space] if space > 0 else cut[: _HEADLINE_LIMIT - 1]
    return head.rstrip(" ,;:—–-") + "…"
