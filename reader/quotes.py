"""Quoted spans and their speakers (rule 8 of ARTICLE_FORMAT.md).

One left-to-right pass over each paragraph with a small stack of open marks.

* Pairs: ``“…”`` (also ``“…"``), ``"…"``, ``‘…’`` (also ``‘…'``), ``'…'``,
  ``«…»``, ``„…“`` (also ``„…”`` and ``„…"``). ``’``, ``”`` and ``»`` never open.
* A closer closes the nearest open mark it can pair with; marks opened after that
  one and still open are dropped (single marks were apostrophes, double marks
  crossed the closer). A single closer only looks inside the innermost open
  double quote, so a stray apostrophe never closes across a double quote.
* Any kind nests in any kind (``‘…’`` in ``“…”``, ``“…”`` in ``‘…’``, ``«…»``
  in ``“…”``). A nested quote never gets a speaker.
* Straight ``"`` closes an open ``"``; it closes an open ``“``/``„`` too, unless
  it clearly opens (after a space or bracket and before a non-space), which
  gives a nested straight quote: ``“He called it "a farce,"” she said``.
  Otherwise it opens, except right after a letter or digit (``12" vinyl``) or
  before a space.
* Straight ``'`` opens only before a non-space, and closes only after a
  non-space. A single-quoted span needs two characters between its marks.
* No mark opens as the last character of a paragraph.
* At the end of a paragraph, open single marks are apostrophes and open double
  marks run to the end of the paragraph (``end == len(text)``, no closing mark).
* At most ``_MAX_DEPTH`` marks are open at once; further openers are plain text.

Cost: each mark is pushed and popped at most once and every lookup is O(1), so
a paragraph costs O(n); speaker attribution reads at most ``_WINDOW`` characters
after each outermost quote. The quote texts themselves hold at most
``_MAX_DEPTH`` copies of any character, so even the output stays linear.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from reader.article import Part, Quote
from reader.speakers import PARTICLES, surname_only

OPENING_MARKS = "“\"‘'«„"
_MARKS = re.compile("[“”\"‘’'«»„]")
_DOUBLE = frozenset('“"«„')
_OPENER = re.compile(f"[{OPENING_MARKS}]")
# closer -> the openers it can close
_CLOSES = {
    "”": ("“", "„"),
    "“": ("„",),
    '"': ('"', "“", "„"),
    "»": ("«",),
    "’": ("‘",),
    "'": ("'", "‘"),
}
_OPEN_CONTEXT = frozenset("([{<—–-/")
_MAX_DEPTH = 64
_WINDOW = 200


def find_quotes(parts: Sequence[tuple[Part, int | None, str]]) -> list[Quote]:
    """Every quote in ``parts`` (``(part, block, text)`` in reading order).

    Each text is one paragraph. Quotes come in reading order of their opening
    marks, a nested quote right after the one holding it; ``speaker`` is set
    where the attribution right after the closing mark is clear, and carried to
    the quote that goes on after that attribution (``“…,” X said. “…”``) and to
    the paragraphs of one quote that runs over several (each ends open, the next
    opens with a mark).
    """
    speakers = _Speakers()
    found: list[list] = []  # [inner, part, block, start, end, speaker]
    run: list[int] = []  # indexes in found of one quote running over paragraphs
    for part, block, text in parts:
        previous: tuple[int, str] | None = None  # (end, speaker) of an attributed quote
        goes_on, runs_on = bool(run), False  # the run reaches this paragraph, the next one
        for start, end, closed, nested in _spans(text):
            inner = text[start + 1 : end - 1] if closed else text[start + 1 :]
            speaker = None
            if not nested:
                if closed:
                    speaker = speakers.resolve(_attribution(text, inner, end))
                if speaker is not None:
                    previous = (end, speaker)
                elif previous is not None and _continues(text[previous[0] : start]):
                    speaker = previous[1]
                    previous = None
                else:
                    previous = None
                if not (goes_on and start == 0):  # not the next paragraph of the run
                    _share(found, run)
                    run = []
                run.append(len(found))
                runs_on = not closed
            found.append([inner, part, block, start, end, speaker])
            goes_on = False
        if not runs_on:
            _share(found, run)
            run = []
    _share(found, run)
    _full_names(found, parts)
    return [Quote(*q) for q in found]


def _full_names(found: list[list], parts: Sequence[tuple[Part, int | None, str]]) -> None:
    """A surname alone takes the one full name with that surname named before its quote,
    anywhere in the article (``Finance Minister Dana Marevic on Tuesday…``, then
    ``“…,” Marevic said``). Each surname costs one pass over the text."""
    alone = {q[5] for q in found if q[5] and surname_only(q[5])}
    if not alone:
        return
    where = {(part, block): k for k, (part, block, _) in enumerate(parts)}
    texts = [text for _, _, text in parts]
    for surname in alone:
        first = _mentions(texts, surname)  # name -> (paragraph, offset) of its first mention
        for q in found:
            if q[5] == surname:
                at = (where[(q[1], q[2])], q[3])
                before = [name for name, seen in first.items() if seen < at]
                if len(before) == 1:
                    q[5] = before[0]


def _share(found: list[list], run: list[int]) -> None:
    """Carry the speaker of a quote running over paragraphs to its later paragraphs.

    Only forward: a speaker named after the last paragraph (``“…¶“…,” she said``) is not
    given to the paragraphs before it, as a credit after a quoted block is not.
    """
    speaker = None
    for k in run:
        if found[k][5] is None:
            found[k][5] = speaker
        else:
            speaker = found[k][5]


# A short attribution clause between two quotes of one paragraph: ``, Peskov said. ``,
# ``, she said, adding: `` or ``, he said, adding that ``; no sentence ends inside it
# (``… said. The minister …`` does).
_GOES_ON = re.compile(
    r"[^“”\"«»„‘’!?;]{1,120}?(?:[.,:]|,? (?:adding|and added|before adding)(?: that)?)\s+"
)
_SENTENCE_END = re.compile(r"[^\W\d_]{2}[.] ")


def _continues(gap: str) -> bool:
    """Whether ``gap``, between an attributed quote and the next, is only the attribution."""
    if _GOES_ON.fullmatch(gap) is None:
        return False
    inside = gap.rstrip().rstrip(".,:")
    return not any(m.group()[0].islower() for m in _SENTENCE_END.finditer(inside + " "))


# -- spans --------------------------------------------------------------------


def _spans(text: str) -> Iterator[tuple[int, int, bool, bool]]:
    """``(start, end, closed, nested)`` of each quote in ``text``, by start."""
    if _OPENER.search(text) is None:  # most paragraphs: nothing can open a quote
        return
    stack: list[tuple[str, int, int]] = []  # (mark, start, slot)
    open_at: dict[str, list[int]] = {mark: [] for mark in OPENING_MARKS}
    doubles: list[int] = []  # stack indexes of open double marks
    slots: list[tuple[int, int, bool] | None] = []  # one per opener, in order

    def pop() -> tuple[str, int, int]:
        entry = stack.pop()
        open_at[entry[0]].pop()
        if entry[0] in _DOUBLE:
            doubles.pop()
        return entry

    n = len(text)
    for match in _MARKS.finditer(text):
        i = match.start()
        mark = match.group()
        before = text[i - 1] if i else ""
        after = text[i + 1] if i + 1 < n else ""
        if mark in "'’" and before.isalnum() and after.isalnum():
            continue  # apostrophe inside a word: Kyiv's
        target = _closable(mark, stack, open_at, doubles, i, before, after)
        if target is not None:
            while len(stack) > target + 1:
                pop()
            _, start, slot = pop()
            slots[slot] = (start, i + 1, True)
        elif _can_open(mark, before, after) and len(stack) < _MAX_DEPTH:
            if mark in _DOUBLE:
                doubles.append(len(stack))
            open_at[mark].append(len(stack))
            stack.append((mark, i, len(slots)))
            slots.append(None)
    for mark, start, slot in stack:
        if mark in _DOUBLE:
            slots[slot] = (start, n, False)

    ends: list[int] = []  # ends of the kept quotes holding the current one
    for span in slots:
        if span is not None:
            start, end, closed = span
            while ends and ends[-1] <= start:
                ends.pop()
            yield start, end, closed, bool(ends)
            ends.append(end)


def _closable(
    mark: str,
    stack: list[tuple[str, int, int]],
    open_at: dict[str, list[int]],
    doubles: list[int],
    i: int,
    before: str,
    after: str,
) -> int | None:
    """Stack index of the open mark that ``mark`` at ``i`` closes, if any."""
    openers = _CLOSES.get(mark)
    if not openers:
        return None
    target = max((open_at[o][-1] for o in openers if open_at[o]), default=None)
    if target is None:
        return None
    opener, start, _ = stack[target]
    if mark in "'’":
        inside_double = doubles[-1] if doubles else -1
        if target < inside_double or before.isspace() or i - start - 1 < 2:
            return None
    elif mark == '"' and opener != '"' and _clearly_opens(before, after):
        return None
    return target


def _can_open(mark: str, before: str, after: str) -> bool:
    if mark not in OPENING_MARKS or before.isalnum() or not after:
        return False
    return not (mark in "\"'" and after.isspace())


def _clearly_opens(before: str, after: str) -> bool:
    """A straight mark placed like an opener: after a space or bracket, before text."""
    return (not before or before.isspace() or before in _OPEN_CONTEXT) and (
        bool(after) and not after.isspace()
    )


# -- speakers -----------------------------------------------------------------

_WORD = re.compile(r"\s*([^\W\d_][\w'’.\-]*)([^\w\s]*)")


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_PRONOUNS = frozenset({"he", "she", "they"})
_FILLERS = _wordset(
    """
    also later then further earlier again previously separately reportedly once has had have
    """
)
_VERBS = _wordset(
    """
    said says say added adds told tells stated states asked asks noted notes explained
    explains warned warns replied replies insisted insists wrote writes continued continues
    declared declares stressed stresses argued argues recalled recalls remarked remarks
    commented comments announced announces responded responds answered answers claimed
    claims concluded concludes acknowledged acknowledges admitted admits emphasised
    emphasized emphasises emphasizes tweeted posted advised advises urged urges conceded
    concedes suggested suggests predicted predicts observed observes agreed agrees recounted
    recounts cautioned cautions countered counters confirmed confirms promised promises
    pledged pledges vowed vows complained complains lamented laments joked jokes quipped
    quips reiterated reiterates maintained maintains assured assures exclaimed exclaims
    """
)
_PHRASAL_VERBS = (("went", "on", "to", "say"), ("goes", "on", "to", "say"))
_NOT_INVERTED = frozenset({"told", "tells"})  # "…,” told X": X is the listener
# Titles, roles and nationality adjectives: a name starts after the last of them.
_TITLES = _wordset(
    """
    president vice prime minister foreign deputy secretary general state spokesman
    spokeswoman spokesperson press kremlin mayor senator sen rep representative congressman
    congresswoman governor gov chancellor director ceo cfo coo chairman chairwoman chair
    chief head commander ambassador envoy adviser advisor aide dr mr mrs ms miss prof
    professor king queen prince princess pope sir lord lady judge justice officer official
    leader founder executive former acting interim defence defense interior finance economy
    affairs office presidential ministry capt col colonel gen lt sgt admiral marshal pm fm
    ukrainian russian american us u.s uk u.k british english french german chinese turkish
    polish italian spanish japanese indian israeli palestinian iranian european belarusian
    hungarian romanian georgian canadian australian korean north south syrian egyptian saudi
    qatari greek dutch swedish finnish norwegian danish irish scottish welsh brazilian
    mexican argentine czech slovak austrian swiss belgian estonian latvian lithuanian
    moldovan serbian croatian bulgarian azerbaijani armenian kazakh pakistani afghan iraqi
    lebanese jordanian emirati nigerian kenyan african sheikh emir imam rabbi bishop
    archbishop cardinal rev reverend mp coach manager economist analyst lawyer attorney
    prosecutor
    """
)
# Suffixes that belong to a name and keep their dot: Martin Luther King Jr.
_SUFFIXES = frozenset({"jr", "sr"})
# Words that never stand before a name as part of a role ("a friend of", "people close to").
_STOPS = _wordset(
    """
    to for with and or but nor in on at by from about than as after before who whom whose
    which that when while during into over under not no was is were are be been being will
    would could should may might can did does do this these those there here if so because
    while where how what
    """
)
_PARTICLES = PARTICLES
# Capitalised words that are no speaker ("…,” said Thursday); months that are
# also names (May, June, August) are left out.
_NOT_NAMES = _wordset(
    """
    monday tuesday wednesday thursday friday saturday sunday january february march
    september october november december i we you it
    """
)
# A dash right after a closing mark: a credit follows (a spaced hyphen counts too).
_CREDIT_DASH = re.compile(r"(?:[ \t]*[—–―]|[ \t]+-(?=[ \t]))[ \t]*")
_CLAUSE_ENDS = (",", "?", "!", "…", "...", "—", "–", "-")


def _attribution(text: str, inner: str, end: int) -> str | None:
    """The speaker named right after a closing mark at ``end - 1``.

    Returns a name, ``""`` for a pronoun (he/she/they), or ``None``.
    """
    after = text[end : end + _WINDOW]
    dash = _CREDIT_DASH.match(after)
    if dash is not None:  # "“…” — Jane Doe", the credit line of a quoted block
        return _credit(
            after[dash.end() :], end - len(inner) - 2 == 0, end + len(after) == len(text)
        )
    comma_after = after.startswith(",")
    if comma_after:
        after = after[1:]
    elif not inner.rstrip(" ’'\"”»“").endswith(_CLAUSE_ENDS):
        return None  # the quote does not end a clause: it is part of a sentence
    words = _words(after)
    if not words:
        return None
    first = words[0][0].lower()
    if first in _PRONOUNS:
        return "" if _verb(words, _fillers(words, 1), inverted=False) else None
    at = _verb(words, 0, inverted=True)
    if at is not None:  # "…,” said Foreign Minister Ana Petrescu
        if at < len(words) and words[at][0].lower() in _PRONOUNS:
            return ""
        return _name(_phrase(words, at))
    phrase = _phrase(words, 0)
    if not phrase or words[len(phrase) - 1][1]:
        return None
    if _verb(words, _fillers(words, len(phrase)), inverted=False) is None:
        return None
    return _name(phrase)


def _credit(rest: str, starts_paragraph: bool, to_the_end: bool) -> str | None:
    """The name in ``rest``, the text after a dash that follows a closing mark.

    A name that ends the paragraph is the speaker (``… — Jane Doe.``), and so is a name
    followed by a comma or a bracket when the quote opens the paragraph
    (``“…” — Jane Doe, mayor of Springfield``); a name followed by more of a sentence
    (``… — Johnson, however, disagreed``) is not.
    """
    phrase = _phrase(_words(rest), 0)
    if not phrase:
        return None
    pos = 0
    for word in phrase:
        pos = rest.index(word, pos) + len(word)
    tail = rest[pos:].strip()
    if not ((to_the_end and tail in ("", ".")) or (starts_paragraph and tail[:1] in (",", "("))):
        return None
    return _name(phrase)


def _words(text: str, limit: int = 16) -> list[tuple[str, bool]]:
    """Leading words of ``text`` as ``(word, punctuation follows)``, up to a break."""
    words: list[tuple[str, bool]] = []
    pos = 0
    while len(words) < limit:
        match = _WORD.match(text, pos)
        if match is None:
            break
        word, punct = match.groups()
        if word.endswith(".") and not _abbreviation(word):
            word, punct = word.rstrip("."), "." + punct
        words.append((word, bool(punct)))
        if punct:
            break
        pos = match.end()
    return words


def _abbreviation(word: str) -> bool:
    bare = word.rstrip(".")
    return len(bare) == 1 or "." in bare or bare.lower() in _TITLES or bare.lower() in _SUFFIXES


def _fillers(words: list[tuple[str, bool]], at: int) -> int:
    """Skip adverbs and auxiliaries (``also``, ``has``) between subject and verb."""
    while at < len(words) and not words[at - 1][1] and words[at][0].lower() in _FILLERS:
        at += 1
    return at


def _verb(words: list[tuple[str, bool]], at: int, *, inverted: bool) -> int | None:
    """Index after a speech verb starting at ``at``, or ``None``."""
    if at >= len(words) or (at and words[at - 1][1]):
        return None
    lowered = [w.lower() for w, _ in words[at : at + 4]]
    if inverted and lowered[:2] == ["according", "to"] and not words[at][1]:
        return at + 2
    for phrasal in _PHRASAL_VERBS:
        if tuple(lowered[: len(phrasal)]) == phrasal and not any(
            brk for _, brk in words[at : at + len(phrasal) - 1]
        ):
            return at + len(phrasal)
    if lowered[0] in _VERBS and not (inverted and lowered[0] in _NOT_INVERTED):
        return at + 1
    return None


def _phrase(words: list[tuple[str, bool]], at: int) -> list[str]:
    """Words from ``at`` that can name a speaker, up to the first that cannot.

    Lowercase roles may come before the name (``plant director Oleksandr Hrytsenko``,
    ``his rival Milica Janković``); a lowercase word after it ends the phrase.
    """
    phrase: list[str] = []
    named = False  # a capitalised word that is no title has been seen
    for word, brk in words[at:]:
        lowered = word.lower().rstrip(".")
        if lowered in _NOT_NAMES or lowered in _VERBS or lowered in _FILLERS:
            break
        if _capitalised(word):
            named = named or not _is_title(word)
        elif lowered not in _PARTICLES and lowered != "of":  # "Secretary of State Marco Rubio"
            # a lowercase title may follow a capitalised word: "Commission spokeswoman"
            title = _is_title(word)
            role = title or (not named and lowered.isalpha() and lowered not in _STOPS)
            if not role or len(phrase) >= 6:
                break
        phrase.append(word)
        if brk:
            break
    return phrase


def _name(phrase: list[str]) -> str | None:
    """The person a phrase names: titles and roles dropped from its front, an affiliation
    (``John Smith of Acme Corp``) from its back; ``None`` where that is not clear."""
    lowered = [w.lower() for w in phrase]
    if "of" not in lowered:
        return _run(phrase)[0]
    at = lowered.index("of")
    left, right = phrase[:at], phrase[at + 1 :]
    name, titled = _run(right)
    if titled and name:  # "Bank of England Governor Andrew Bailey"
        return name
    name, _ = _run(left)
    if name:  # "John Smith of Acme Corp", "Prof. Hans Müller of the Berlin institute"
        return name
    return None


def _run(phrase: list[str]) -> tuple[str | None, bool]:
    """The trailing run of capitalised words with the titles before its last one cut,
    and whether a title was cut."""
    run: list[str] = []
    for word in reversed(phrase):
        possessive = word.endswith(("'s", "’s", "'", "’"))
        if possessive or not (_capitalised(word) or word.lower() in _PARTICLES):
            break
        run.append(word)
    run.reverse()
    core = len(run)
    while core and run[core - 1].rstrip(".").lower() in _SUFFIXES:
        core -= 1
    # before a suffix a title word is a name: Martin Luther King Jr.
    last = core - 1 if core < len(run) else core
    cut = max((k + 1 for k, w in enumerate(run[:last]) if _is_title(w)), default=0)
    if not run[cut:core] or not _capitalised(run[core - 1]):
        return None, cut > 0
    return " ".join(run[cut:]), cut > 0


def _is_title(word: str) -> bool:
    """A title or role (``Minister``, ``Prof.``, ``Secretary-General``)."""
    lowered = word.lower().rstrip(".")
    return lowered in _TITLES or ("-" in lowered and all(p in _TITLES for p in lowered.split("-")))


def _capitalised(word: str) -> bool:
    return word[:1].isupper() or ("-" in word and word.rsplit("-", 1)[1][:1].isupper())


class _Speakers:
    """Speakers seen so far in one article: pronouns and surnames resolve to them."""

    def __init__(self) -> None:
        self.last: str | None = None
        self.by_tail: dict[tuple[str, ...], str] = {}

    def resolve(self, found: str | None) -> str | None:
        """The full name for an attribution: ``""`` is a pronoun, ``None`` none."""
        if found is None:
            return None
        if found == "":
            return self.last
        words = tuple(found.split())
        name = self.by_tail.get(words, found)
        full = tuple(name.split())
        for k in range(1, len(full)):
            self.by_tail[full[k:]] = name
        self.last = name
        return name


# -- names in running text ----------------------------------------------------

_TOKEN = re.compile(r"[^\W\d_][\w'’.\-]*")
# Capitalised words that start sentences rather than names ("Yesterday Marevic said").
_NOT_FIRST_NAMES = (
    _NOT_NAMES
    | _STOPS
    | _wordset(
        """
    the a an his her their its our my your he she they it also yesterday today tonight
    meanwhile however then last next speaking asked according both only even still now
    since although though later earlier once mr mrs ms
    """
    )
)


def _mentions(texts: Sequence[str], surname: str) -> dict[str, tuple[int, int]]:
    """Every name of two words or more that ends with ``surname`` in ``texts``, titles and
    roles dropped (``Finance Minister Dana Marevic said`` gives ``Dana Marevic``), with
    where it is first named: (index in ``texts``, offset).

    Reads a few words before each whole-word occurrence of ``surname``: linear in the text.
    """
    pattern = re.compile(r"(?<![\w'’\-])" + re.escape(surname) + r"(?![\w\-])")
    names: dict[str, tuple[int, int]] = {}
    for index, text in enumerate(texts):
        for match in pattern.finditer(text):
            start = match.start()
            if start == 0 or text[start - 1] != " ":
                continue
            tokens = text[max(0, start - 100) : start - 1].split(" ")
            if start > 100:
                tokens.pop(0)  # perhaps cut: not a word
            words: list[str] = []
            for token in reversed(tokens):
                if _TOKEN.fullmatch(token) is None or len(words) >= 6:
                    break
                if token.endswith(".") and not _abbreviation(token):
                    break  # the end of the sentence before
                if token.lower().rstrip(".") in _NOT_FIRST_NAMES or token.lower() in _VERBS:
                    break
                if not (_capitalised(token) or token.lower() in _PARTICLES):
                    break
                words.append(token)
            words.reverse()
            while words and words[0].lower() in _PARTICLES:  # "and de Vries": no name starts so
                words.pop(0)
            name = _run([*words, surname])[0] if words else None
            if name is not None and len(name.split()) > 1:
                names.setdefault(name, (index, start))
    return names
