"""Deterministic synthetic news articles for the benchmarks (standard library only).

Article ``i`` of ``n`` (``i = 0`` is the newest) is the same on every run and machine for a
given ``seed``: ``generate`` seeds one random stream per ``CHUNK`` articles, so ``write_files``
and ``build_db`` hold the same articles, and ``i`` alone (with ``n``, which spreads the dates)
says what is in it:

* the headline starts ``Headline 0000001`` for the newest (``headline_prefix(i)``), so a
  benchmark knows the text at the top of the list; one in five has a quote;
* dates go back from ``NEWEST`` over ``years`` years (six by default), strictly older as ``i``
  grows, in the agency's glued form ``HH:MMDD/MM/YYYY, Weekday`` with the right weekday;
* one of ~20 agencies as the source, a caption (sometimes repeated) on 60%, a lede, 3 to 10
  body blocks: paragraphs, ``- Subheading`` blocks, quotes with speakers
  (``“…,” Name Surname said.``, ``…,” said Foreign Minister Name Surname.``, ``he added``),
  scare quotes and a few nested ones; ~2.4 KB of text;
* words drawn Zipf-like (``word_share``) from common English words, ~4,000 pseudo-words and
  ``DIACRITIC_WORDS`` (Kyiv, İstanbul, Café, Zürich, ... Tromsø) at fixed ranks. Draws go
  through a table of 65,536 slots, so the ~2,000 rarest words share one floor frequency
  (each in ~1.6% of articles); the headline numbers are the truly rare terms;
* 1 to 6 ``#Tag`` lines (~2.4 on average) drawn Zipf-like from ``tags`` names
  (``tag_names(tags)``: rank 0, ``Europe``, is the most used);
* 30% unread (``unread``) and 1% starred, for ``build_db`` and JSON Lines.

``check`` parses generated texts with ``reader.parse`` and compares every field, quotes and
speakers included, with what the generator meant: they agree on 20,000 articles. A quote's
speaker is the person the generator attributed it to, recorded as it writes the text (a
surname alone only for someone nobody else quoted in the article shares it with), never
worked out from the text, so the check does not repeat the parser's reasoning.

From Python (``import synth`` with ``benchmarks/`` on the path, or ``from benchmarks import
synth``)::

    text = synth.article_text(0, random.Random(1))       # one article as text, from a stream
    synth.write_files("benchmarks/data/files", 10_000)    # one .txt per article
    synth.write_files(folder, 10_000, jsonl=True, order="random")  # one articles.jsonl
    synth.build_db(None, 1_000_000)    # benchmarks/data/synth-1000000-50000.db, built or reused

From the shell (from the repository root)::

    .venv/bin/python benchmarks/synth.py show 0              # print article 0 (the newest)
    .venv/bin/python benchmarks/synth.py files DIR --n 10000 [--jsonl] [--order random]
    .venv/bin/python benchmarks/synth.py db [PATH] --n 1000000 [--tags 50000] [--unread 0.3]
    .venv/bin/python benchmarks/synth.py check --n 2000      # does the parser agree?

``build_db`` does not go through the parser. Worker processes generate the rows (identity and
content hash from ``reader.store``, so that importing the same articles as files later finds
them all unchanged); the main process writes them with ``executemany``, oldest first so that
ids and search rowids follow dates (article ``i`` gets id ``n - i``), in transactions of
``DB_TRANSACTION`` articles, with the journal off and the search index's in-memory buffer at
16 MiB (``FTS_HASHSIZE``, about 2x faster inserts into the index; the setting is removed at
the end). The two counting triggers on inserts are dropped while it runs and recreated from
their own SQL at the end, after the tags are written with their counts and ``counters`` set
from one scan. 1,000,000 articles take about 3.5 minutes on 2 cores and 7.6 GiB. A database
whose side file ``PATH.params.json`` holds the same parameters is reused as it is.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import random
import sys
import time
from array import array
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"

#: Bump when the generated articles change, so that saved databases are rebuilt.
SYNTH_VERSION = 3
#: Articles per random stream: article ``i`` comes from stream ``i // CHUNK``.
CHUNK = 1000
#: Articles per transaction in ``build_db``.
DB_TRANSACTION = 50_000
#: The date of article 0; the others are older.
NEWEST = datetime(2025, 6, 30, 18, 0)
DEFAULT_YEARS = 6
DEFAULT_TAGS = 50_000
WORD_ZIPF = 1.0
WORD_TABLE = 1 << 16  # slots of the word table: a draw is two random bytes
TAG_ZIPF = 1.0
TAGS_PER_ARTICLE = (1, 2, 3, 4, 5, 6)
TAGS_PER_ARTICLE_WEIGHTS = (30, 30, 18, 11, 7, 4)  # about 2.4 tags an article


def _split(words: str) -> tuple[str, ...]:
    """Words separated by white space, each once."""
    return tuple(dict.fromkeys(words.split()))


def _items(items: str) -> tuple[str, ...]:
    """Comma-separated items (which may hold spaces), each once."""
    return tuple(dict.fromkeys(" ".join(item.split()) for item in items.split(",")))


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

AGENCIES = _items(
    """
    AA, Reuters, AFP, AP, dpa, ANSA, EFE, Kyodo, Xinhua, PA Media, TASS, Ukrinform, Yonhap, PTI,
    Interfax, Bernama, Agerpres, ČTK, BTA, MTI, Lusa, Anadolu Ajansı
    """
)

CAPTIONS = _items(
    """
    File photo, Archive photo, Photo: Pool, Handout, Illustration, Screenshot from a video,
    Photo: press office, Aerial view
    """
)

#: Words with diacritics, at fixed ranks of the vocabulary (common to rare).
DIACRITIC_WORDS = _split(
    """
    Kyiv İstanbul Türkiye Café Zürich São Kraków München Düsseldorf Gdańsk Málaga Reykjavík
    Bogotá Córdoba Nürnberg Škoda Dvořák Łódź Ærø Besançon naïve résumé façade jalapeño
    coöperation Ñuñoa Øresund Şanlıurfa Čapek Tromsø
    """
)
DIACRITIC_RANKS = tuple(60 + 137 * k for k in range(len(DIACRITIC_WORDS)))


# Common words, most frequent first. Pronouns, speech verbs and "according" are left out so
# that no generated sentence attributes a quote by accident.
COMMON_WORDS = _split(
    """
    the of and to a in that is for on with as was at by from be this are have an not or but
    which were been has their its more after will would about over new one two three first last
    year years government minister officials people country city state president police court
    talks week month day report reports plan plans deal market prices economy election party
    vote votes parliament law border region forces war peace aid company companies bank rate
    rates growth budget tax workers strike union port harbour coast storm flood rain water
    energy gas oil power wind solar plant plants factory jobs health hospital school schools
    students children families local national international public private support against
    during before under between while since into across around near early late higher lower
    record million billion percent half quarter team match season league cup final game players
    coach club fans festival film music museum science study research data system network
    service services project projects rail road bridge airport flights ship ships trade exports
    imports fund funds council mayor district village island islands river sea north south east
    west central capital agency ministry office statement meeting summit leaders allies partners
    members group groups crisis talks ceasefire exchange prisoners troops army navy security
    defence climate emissions carbon farmers harvest food water supply shortage demand costs
    """
)

FIRST_NAMES = _split(
    """
    Ana Dmitry Olena Mehmet Zeynep Jonas Maria Luca Sofia Pierre Amélie Javier Lucía Andrzej
    Łukasz Ingrid Björn Fatima Omar Hiroshi Yuki Chen Priya Arjun Kwame Amara Tomás Inês Nikos
    Eleni Petra Miroslav Agnieszka Gábor Réka Mihai Ioana Selin Emre Hannah Daniel Sarah Thomas
    Clara Oskar Leila Rania
    """
)
SURNAMES = _split(
    """
    Petrescu Peskov Kovalenko Yılmaz Çelik Lindqvist Rossi García Núñez Wójcik Nowak Johansson
    Haddad Tanaka Sato Wang Sharma Mensah Okafor Silva Costa Papadopoulos Novák Dvořáková Kovács
    Szabó Popescu Ionescu Demir Schneider Müller Weber Fischer Dubois Lefèvre Moreau Bianchi
    Ferrari Horvat Jensen Nielsen Kowalczyk Andersen Mazur Oliveira Ramírez Herrera Yamamoto
    """
)
TITLES = _items(
    """
    Foreign Minister, Prime Minister, Deputy Mayor, Finance Minister, Kremlin spokesman,
    chief executive, Health Minister, Defence Minister, Governor, Professor, Ambassador
    """
)
SPEECH = ("said", "added", "told journalists", "noted", "explained", "warned", "stressed")

_SYLLABLES = _split(
    """
    ka lo mi ra ten vor sel dan bri que stra po lin mar ost vel nu zer ha gri tal pen do fer sku
    wen ri an ess ul ko bal tor min sa e o ia ut ber
    """
)


# ---- tables -----------------------------------------------------------------------------


def _zipf_cum(count: int, exponent: float) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank + 1) ** exponent for rank in range(count)))


@lru_cache(maxsize=1)
def pseudo_words(count: int = 4000) -> tuple[str, ...]:
    """``count`` distinct invented words, the same on every run."""
    rng = random.Random(1234)
    seen = set(COMMON_WORDS)
    words = []
    while len(words) < count:
        word = "".join(rng.choices(_SYLLABLES, k=rng.choice((2, 2, 3, 3, 3, 4))))
        if len(word) > 3 and word not in seen:
            seen.add(word)
            words.append(word)
    return tuple(words)


@lru_cache(maxsize=1)
def vocabulary() -> tuple[str, ...]:
    """Words by rank: common English first, pseudo-words after, diacritics here and there."""
    words = list(COMMON_WORDS)
    pseudo = iter(pseudo_words())
    # Interleave news words and pseudo-words below the top 40 so both kinds range in frequency.
    ranked = words[:40]
    rest = iter(words[40:])
    for flip in itertools.count():
        source = rest if flip % 3 == 0 else pseudo
        word = next(source, None)
        if word is None:
            word = next(pseudo, None) if source is rest else next(rest, None)
            if word is None:
                break
        ranked.append(word)
    for rank, word in sorted(zip(DIACRITIC_RANKS, DIACRITIC_WORDS, strict=True)):
        ranked.insert(rank, word)
    return tuple(ranked)


def word_rank(word: str) -> int:
    """Rank of a vocabulary word (0 is the most common); ``ValueError`` if it is none."""
    return vocabulary().index(word)


@lru_cache(maxsize=1)
def word_table() -> tuple[str, ...]:
    """``WORD_TABLE`` slots, each word in as many as its Zipf weight gives (at least one).

    Drawing a uniform slot is a Zipf draw over the vocabulary, and much faster than
    ``random.choices`` with weights.
    """
    words = vocabulary()
    weights = [1.0 / (rank + 1) ** WORD_ZIPF for rank in range(len(words))]
    spare = WORD_TABLE - len(words)
    share = [spare * w / sum(weights) for w in weights]
    slots = [1 + int(s) for s in share]
    by_remainder = sorted(range(len(words)), key=lambda k: int(share[k]) - share[k])
    for k in by_remainder[: WORD_TABLE - sum(slots)]:
        slots[k] += 1
    return tuple(word for word, count in zip(words, slots, strict=True) for _ in range(count))


def word_share(word: str) -> float:
    """The expected share of ``word`` among the words drawn for article text."""
    return word_table().count(word) / WORD_TABLE


CURATED_TAGS = _items(
    """
    Europe, Russia, Ukraine, Türkiye, Economy, Politics, Elections, Climate, Energy, Football,
    Health, Technology, Middle East, Wall Street Journal, Kyiv, İstanbul, Markets, Diplomacy,
    Weather, Culture, Science, Transport, Crime, Education, Agriculture, Defence, Migration,
    Trade, Space, Film, Music, Tennis, Banking, Housing, Labour, Human Rights, United Nations,
    NATO, European Union, Asia, Africa, Latin America, Zürich, São Paulo, Café Society, Dmitry
    Peskov, Oil, Shipping, Floods, Wildfires
    """
)


@lru_cache(maxsize=4)
def tag_names(count: int = DEFAULT_TAGS) -> tuple[str, ...]:
    """``count`` tag names by rank, distinct after case folding (rank 0 is the most used).

    Curated names first, then invented two-word names, then ``Word Word 1234`` names.
    """
    rng = random.Random(4321)
    pseudo = pseudo_words()
    names = list(CURATED_TAGS[:count])
    keys = {" ".join(n.casefold().split()) for n in names}
    while len(names) < count:
        first, second = rng.choice(pseudo).capitalize(), rng.choice(pseudo).capitalize()
        name = f"{first} {second}" if len(names) < 5000 else f"{first} {second} {len(names)}"
        key = " ".join(name.casefold().split())
        if key not in keys:
            keys.add(key)
            names.append(name)
    return tuple(names)


@lru_cache(maxsize=4)
def _tag_cum(count: int) -> list[float]:
    return _zipf_cum(count, TAG_ZIPF)


# ---- one article ------------------------------------------------------------------------


def headline_prefix(i: int) -> str:
    """The start of article ``i``'s headline: ``Headline 0000001`` for the newest (i = 0)."""
    return f"Headline {i + 1:07d}"


def published_at(i: int, n: int, years: int = DEFAULT_YEARS) -> datetime:
    """Date of article ``i`` of ``n``: strictly older as ``i`` grows, spread over ``years``."""
    step = max(1, years * 365 * 24 * 60 // max(n, 1))
    jitter = (i * 2654435761 + 97) % step
    return NEWEST - timedelta(minutes=i * step + jitter)


def dateline(moment: datetime) -> str:
    """The glued agency form: ``15:4622/05/2025, Thursday``."""
    return f"{moment:%H:%M%d/%m/%Y}, {WEEKDAYS[moment.weekday()]}"


@dataclass(slots=True)
class Synthetic:
    """One generated article, as the parser should read it back.

    ``quotes`` are ``(text, part, block, start, end, speaker)`` like ``reader.article.Quote``;
    ``caption_lines`` are the header lines as written (a caption may be repeated).
    """

    i: int
    headline: str
    published: datetime
    source: str
    caption_lines: list[str]
    lede: str
    body: list[tuple[str, str]]  # (kind, text)
    tags: list[str]
    quotes: list[tuple[str, str, int | None, int, int, str | None]] = field(default_factory=list)
    read: bool = False
    starred: bool = False

    @property
    def captions(self) -> list[str]:
        kept: list[str] = []
        for caption in self.caption_lines:
            if not kept or kept[-1] != caption:
                kept.append(caption)
        return kept

    @property
    def published_iso(self) -> str:
        return f"{self.published:%Y-%m-%dT%H:%M}"

    @property
    def sort_key(self) -> str:
        return f"{self.published:%Y-%m-%dT%H:%M:%S}"

    def text(self) -> str:
        """The article in the plain-text format of ARTICLE_FORMAT.md."""
        out = [self.headline, "", dateline(self.published), self.source, *self.caption_lines]
        out += ["", self.lede]
        for kind, text in self.body:
            out += ["", f"- {text}" if kind == "subheading" else text]
        out.append("")
        out += [f"#{tag}" for tag in self.tags]
        return "\n".join(out) + "\n"

    def to_json(self) -> dict:
        """The article as a line of ``reader export`` (without id and origin)."""
        return {
            "headline": self.headline,
            "published": self.published_iso,
            "source": self.source,
            "captions": self.captions,
            "lede": self.lede,
            "body": [{"kind": kind, "text": text} for kind, text in self.body],
            "tags": self.tags,
            "read": self.read,
            "starred": self.starred,
        }


class _People:
    """Who the article has quoted so far, and by what name its text knows each of them.

    The generator's own record of what it wrote, not a reading of the text: a person named
    in full is known by the full name from then on, one named by surname alone (and never
    in full) by the surname; ``he``/``she`` is the person quoted last.
    """

    def __init__(self) -> None:
        self.known: dict[tuple[str, str], str] = {}
        self.last: tuple[str, str] | None = None

    def named(self, person: tuple[str, str], *, in_full: bool) -> str:
        """The speaker of a quote attributed to ``person`` by full name or by surname."""
        first, last = person
        if in_full:
            self.known[person] = f"{first} {last}"
        else:
            self.known.setdefault(person, last)
        self.last = person
        return self.known[person]

    def shares_surname(self, person: tuple[str, str]) -> bool:
        """Has someone else with ``person``'s surname been quoted?"""
        return any(other[1] == person[1] and other != person for other in self.known)

    def again(self) -> str:
        """The speaker of a quote attributed with a pronoun: the person quoted last."""
        assert self.last is not None
        return self.known[self.last]


class _Writer:
    """Builds one article's text parts and records the quotes with their offsets."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.table = word_table()
        self.speakers = _People()
        self.quotes: list[tuple[str, str, int | None, int, int, str | None]] = []
        self.people: list[tuple[str, str]] = []

    def draw(self, k: int) -> list[str]:
        """``k`` words, Zipf-distributed."""
        slots = array("H", self.rng.randbytes(2 * k))
        if sys.byteorder == "big":
            slots.byteswap()  # the same words on every machine
        table = self.table
        return [table[slot] for slot in slots]

    def sentence_words(self, low: int, high: int) -> list[str]:
        words = self.draw(self.rng.randint(low, high))
        words[0] = words[0][:1].upper() + words[0][1:]
        return words

    def sentence(self, low: int = 8, high: int = 26) -> str:
        words = self.sentence_words(low, high)
        if len(words) > 8 and self.rng.random() < 0.4:
            at = self.rng.randrange(3, len(words) - 3)
            words[at] += ","
        return " ".join(words) + "."

    def sentences(self, low: int, high: int) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(low, high)))

    def person(self) -> tuple[str, str]:
        if self.people and self.rng.random() < 0.5:
            return self.rng.choice(self.people)
        person = (self.rng.choice(FIRST_NAMES), self.rng.choice(SURNAMES))
        self.people.append(person)
        return person

    def headline(self, i: int) -> str:
        rng = self.rng
        words = self.draw(rng.randint(4, 9))
        text = f"{headline_prefix(i)} {' '.join(words)}"
        if rng.random() < 0.2:
            inner = " ".join(self.draw(rng.randint(2, 5)))
            opener, closer = rng.choice((("‘", "'"), ("‘", "’"), ("“", "”")))
            start = len(text) + len(" says ")
            text = f"{text} says {opener}{inner}{closer}"
            self.quotes.append((inner, "headline", None, start, len(text), None))
        return text

    def plain(self, part: str, block: int | None, low: int, high: int) -> str:
        """Sentences, one of them with a scare quote now and then (no speaker)."""
        text = self.sentences(low, high)
        if self.rng.random() < 0.15:
            words = self.sentence_words(8, 16)
            at = self.rng.randrange(1, len(words) - 4)
            width = self.rng.randint(1, 3)
            opener, closer = self.rng.choice((("“", "”"), ("‘", "’"), ("«", "»")))
            inner = " ".join(words[at : at + width])
            if opener == "‘" and len(inner) < 2:
                inner = inner + " " + words[at + width]
                width += 1
            head = " ".join(words[:at])
            start = len(text) + 1 + len(head) + 1
            quoted = f"{opener}{inner}{closer}"
            text = f"{text} {head} {quoted} {' '.join(words[at + width :])}."
            self.quotes.append((inner, part, block, start, start + len(quoted), None))
        return text

    def quoted(self, block: int) -> str:
        """``“…,” Name Surname said.`` and its variants, then maybe more sentences."""
        rng = self.rng
        inner = self.sentences(1, 3)[:-1] + ","
        nested = None
        if rng.random() < 0.1:
            words = self.sentence_words(6, 10)
            nested = " ".join(words[2:4])
            inner = f"{' '.join(words[:2])} ‘{nested}’ {' '.join(words[4:])}. {inner}"
        quote = f"“{inner}”"
        form = rng.random()
        person = self.person()
        first, last = person
        if form < 0.35:
            tail = f" {first} {last} {rng.choice(SPEECH)}."
            speaker = self.speakers.named(person, in_full=True)
        elif form < 0.55:
            title = rng.choice(TITLES)
            tail = f" said {title} {first} {last}."
            speaker = self.speakers.named(person, in_full=True)
        elif form < 0.7:
            title = rng.choice(TITLES[3:8])
            tail = f" {title} {first} {last} {rng.choice(SPEECH)}."
            speaker = self.speakers.named(person, in_full=True)
        elif form < 0.85 and self.speakers.last is not None:
            tail = f" {rng.choice(('he', 'she'))} {rng.choice(SPEECH[:4])}."
            speaker = self.speakers.again()
        else:
            # A surname alone names the one person quoted under it: when someone else
            # quoted here shares it, the name is written in full.
            in_full = self.speakers.shares_surname(person)
            name = f"{first} {last}" if in_full else last
            tail = f" {name} {rng.choice(SPEECH)}."
            speaker = self.speakers.named(person, in_full=in_full)
        self.quotes.append((inner, "body", block, 0, len(quote), speaker))
        if nested is not None:
            start = inner.index("‘") + 1
            self.quotes.append((nested, "body", block, start, start + len(nested) + 2, None))
        text = quote + tail
        if rng.random() < 0.3:
            text += " " + self.sentences(1, 2)
        return text


def synthesize(
    i: int,
    rng: random.Random,
    n: int = 1_000_000,
    tags: int = DEFAULT_TAGS,
    unread: float = 0.3,
    years: int = DEFAULT_YEARS,
) -> Synthetic:
    """Article ``i`` (0 = newest) of ``n``, drawing from ``rng``; ``n`` only sets the dates."""
    w = _Writer(rng)
    headline = w.headline(i)
    source = rng.choice(AGENCIES)
    captions: list[str] = []
    if rng.random() < 0.6:
        caption = rng.choice(CAPTIONS)
        captions = [caption, caption] if rng.random() < 0.5 else [caption]
    lede = w.plain("lede", None, 1, 2)
    body: list[tuple[str, str]] = []
    for _ in range(rng.randint(3, 10)):
        if body and body[-1][0] == "paragraph" and rng.random() < 0.12:
            body.append(("subheading", " ".join(w.sentence_words(2, 6))))
        elif rng.random() < 0.3:
            body.append(("paragraph", w.quoted(len(body))))
        else:
            body.append(("paragraph", w.plain("body", len(body), 2, 5)))
    names = tag_names(tags)
    drawn = rng.choices(
        range(tags),
        cum_weights=_tag_cum(tags),
        k=rng.choices(TAGS_PER_ARTICLE, TAGS_PER_ARTICLE_WEIGHTS)[0],
    )
    article = Synthetic(
        i=i,
        headline=headline,
        published=published_at(i, n, years),
        source=source,
        caption_lines=captions,
        lede=lede,
        body=body,
        tags=[names[rank] for rank in dict.fromkeys(drawn)],
        quotes=w.quotes,
        read=rng.random() >= unread,
        starred=rng.random() < 0.01,
    )
    return article


def article_text(
    i: int,
    rng: random.Random,
    n: int = 1_000_000,
    tags: int = DEFAULT_TAGS,
    years: int = DEFAULT_YEARS,
) -> str:
    """Article ``i`` (0 = newest) as plain text, drawing from ``rng``."""
    return synthesize(i, rng, n=n, tags=tags, years=years).text()


def generate(
    n: int,
    start: int = 0,
    stop: int | None = None,
    *,
    seed: int = 0,
    tags: int = DEFAULT_TAGS,
    unread: float = 0.3,
    years: int = DEFAULT_YEARS,
) -> Iterator[Synthetic]:
    """Articles ``start`` to ``stop`` of ``n``: the same article for an ``i`` on every call."""
    stop = n if stop is None else min(stop, n)
    i = start - start % CHUNK
    while i < stop:
        rng = random.Random(f"synth-{seed}-{i // CHUNK}")
        for j in range(i, min(i + CHUNK, n)):
            article = synthesize(j, rng, n=n, tags=tags, unread=unread, years=years)
            if start <= j < stop:
                yield article
        i += CHUNK


# ---- files --------------------------------------------------------------------------------


ORDERS = ("oldest", "newest", "random")


def file_name(article: Synthetic, order: str = "oldest", seed: int = 0) -> str:
    """A name that puts the file where ``order`` wants it in a sorted listing.

    ``oldest``: date first (oldest first); ``newest``: the headline number first (newest
    first); ``random``: a slug-like hash first, so that names say nothing of dates, as with
    most agency dumps (and ``samples/``).
    """
    number = f"{article.i + 1:07d}"
    if order == "oldest":
        return f"{article.published:%Y%m%d-%H%M}-{number}.txt"
    if order == "newest":
        return f"{number}-{article.published:%Y%m%d-%H%M}.txt"
    if order == "random":
        digest = hashlib.sha1(f"{seed}-{article.i}".encode()).hexdigest()[:10]
        return f"{digest}-{number}.txt"
    raise ValueError(f"order is one of {', '.join(ORDERS)}, not {order!r}")


def write_files(
    folder: str | Path,
    n: int,
    *,
    seed: int = 0,
    tags: int = DEFAULT_TAGS,
    unread: float = 0.3,
    years: int = DEFAULT_YEARS,
    jsonl: bool = False,
    order: str = "oldest",
) -> list[Path]:
    """Write ``n`` articles into ``folder``: one ``.txt`` each, or one ``articles.jsonl``.

    ``order`` (``ORDERS``) is the order in which ``reader import`` will meet them: in a
    sorted listing of the files, or line by line. The JSON Lines file is in ``reader export``
    form without ids, with read marks (``unread`` of them unread). Returns the paths written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    articles = generate(n, seed=seed, tags=tags, unread=unread, years=years)
    if jsonl:
        named = sorted((file_name(a, order, seed), a.to_json()) for a in articles)
        path = folder / "articles.jsonl"
        with path.open("w", encoding="utf-8") as out:
            for _, record in named:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return [path]
    paths = []
    for article in articles:
        path = folder / file_name(article, order, seed)
        path.write_bytes(article.text().encode("utf-8"))
        paths.append(path)
    return paths


# ---- database -------------------------------------------------------------------------------

_ARTICLE_INSERT = (
    "INSERT INTO articles (id, identity, headline, published, source, captions, lede, body,"
    " warnings, origin, sort_key, content_hash, read, starred, imported_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, '[]', ?, ?, ?, ?, ?, ?)"
)
_TAG_INSERT = (
    "INSERT INTO article_tags (tag_id, sort_key, article_id, position, read) VALUES (?, ?, ?, ?, ?)"
)
_QUOTE_INSERT = (
    'INSERT INTO quotes (article_id, seq, part, block, start, "end", text, speaker)'
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_FTS_INSERT = "INSERT INTO articles_fts (rowid, headline, lede, body, tags) VALUES (?, ?, ?, ?, ?)"
FTS_HASHSIZE = 16 * 2**20
_COUNTING_TRIGGERS = ("articles_counted", "article_tags_counted")
IMPORTED_AT = "2025-07-01T00:00:00"


def ensure_reader_importable() -> None:
    """Make ``reader`` importable when this file runs as a script outside the venv's install."""
    try:
        import reader  # noqa: F401
    except ImportError:
        sys.path.insert(0, str(ROOT))


def _article_of(a: Synthetic):
    from reader.article import Article, Block, Quote

    return Article(
        headline=a.headline,
        published=a.published_iso,
        source=a.source,
        captions=tuple(a.captions),
        lede=a.lede,
        body=tuple(Block(kind, text) for kind, text in a.body),
        tags=tuple(a.tags),
        quotes=tuple(Quote(*q) for q in a.quotes),
    )


def _db_rows(job: tuple[int, int, int, dict]) -> tuple[list, list, list, list]:
    """Rows for articles ``start`` to ``stop``, oldest first (the id is ``n - i``)."""
    n, start, stop, options = job
    ensure_reader_importable()
    from reader.store import content_hash, identity

    tag_ids = {name: rank + 1 for rank, name in enumerate(tag_names(options["tags"]))}
    fold = search_folding()
    articles, tag_rows, quote_rows, fts_rows = [], [], [], []
    for a in reversed(list(generate(n, start, stop, **options))):
        article_id = n - a.i
        key, read = a.sort_key, int(a.read)
        value = _article_of(a)
        articles.append(
            (
                article_id,
                identity(value),
                a.headline,
                value.published,
                a.source,
                json.dumps(a.captions, ensure_ascii=False),
                a.lede,
                json.dumps([{"kind": k, "text": t} for k, t in a.body], ensure_ascii=False),
                f"synth:{a.i + 1}",
                key,
                content_hash(value),
                read,
                int(a.starred),
                IMPORTED_AT,
            )
        )
        tag_rows += [(tag_ids[t], key, article_id, p, read) for p, t in enumerate(a.tags)]
        quote_rows += [
            (article_id, seq, part, block, start, end, text, speaker)
            for seq, (text, part, block, start, end, speaker) in enumerate(a.quotes)
        ]
        body = "\n".join(t for _, t in a.body) if a.body else None
        tags = "\n".join(a.tags) or None
        fts_rows.append(
            (article_id, *(fold(t) if t else t for t in (a.headline, a.lede, body, tags)))
        )
    return articles, tag_rows, quote_rows, fts_rows


def search_folding():
    """What the store applies to text before the search index sees it (the identity if none).

    The index must get exactly what the ``article_search`` view gives, or a later update of
    the article would leave stale terms behind.
    """
    ensure_reader_importable()
    try:
        from reader.search import fold_for_index
    except ImportError:
        return lambda text: text
    return fold_for_index


def db_params(n: int, tags: int, unread: float, seed: int, years: int) -> dict:
    ensure_reader_importable()
    from reader.schema import LATEST_VERSION

    return {
        "synth_version": SYNTH_VERSION,
        "schema_version": LATEST_VERSION,
        "n": n,
        "tags": tags,
        "unread": unread,
        "seed": seed,
        "years": years,
    }


def params_path(path: str | Path) -> Path:
    path = Path(path)
    return path.with_name(path.name + ".params.json")


def default_db_path(n: int, tags: int = DEFAULT_TAGS) -> Path:
    return DATA / f"synth-{n}-{tags}.db"


def build_db(
    path: str | Path | None,
    n: int,
    tags: int = DEFAULT_TAGS,
    unread: float = 0.3,
    *,
    seed: int = 0,
    years: int = DEFAULT_YEARS,
    workers: int | None = None,
    force: bool = False,
    progress: bool = False,
) -> Path:
    """A reader database of ``n`` synthetic articles at ``path``, built fast or reused.

    Article ``i`` gets id ``n - i`` (ids follow dates; the newest has the largest id) and is
    the same article that ``write_files`` writes. ``unread`` of them are unread, 1% starred.
    ``path=None`` is ``default_db_path(n, tags)``. A database at ``path`` whose side file
    does not hold the same parameters (generator and schema versions included) is deleted
    and built again; the build goes to ``PATH.partial`` and is renamed when complete.
    ``progress`` prints the rate and where the time goes every ``DB_TRANSACTION`` articles.
    """
    path = Path(path) if path is not None else default_db_path(n, tags)
    params = db_params(n, tags, unread, seed, years)
    side = params_path(path)
    if not force and path.exists() and side.exists():
        try:
            saved = json.loads(side.read_text())
        except ValueError:
            saved = {}
        if {k: saved.get(k) for k in params} == params:
            return path
    from reader.schema import open_database

    path.parent.mkdir(parents=True, exist_ok=True)
    side.unlink(missing_ok=True)
    partial = path.with_name(path.name + ".partial")
    for leftover in (path, partial):
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{leftover}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    conn = open_database(partial)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -262144")  # 256 MiB
    triggers = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN (?, ?)",
        _COUNTING_TRIGGERS,
    ).fetchall()
    for name, _ in triggers:
        conn.execute(f"DROP TRIGGER {name}")
    # A bigger in-memory index before each flush to disk: about 2x faster inserts into the
    # search index. Set back to the default (the row removed) at the end.
    conn.execute(
        "INSERT INTO articles_fts (articles_fts, rank) VALUES ('hashsize', ?)", (FTS_HASHSIZE,)
    )

    options = {"seed": seed, "tags": tags, "unread": unread, "years": years}
    # Oldest chunk first: ids and rowids grow with the date.
    jobs = [(n, s, min(s + CHUNK, n), options) for s in range((n - 1) // CHUNK * CHUNK, -1, -CHUNK)]
    workers = workers or max(1, (os.cpu_count() or 1))
    done = 0
    conn.execute("BEGIN")
    spent = dict.fromkeys(("wait", "articles", "tags", "quotes", "fts", "commit"), 0.0)
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        spent[name] += now - clock
        clock = now

    with ProcessPoolExecutor(max_workers=workers) as pool:
        for articles, tag_rows, quote_rows, fts_rows in _bounded_map(
            pool, _db_rows, jobs, 4 * workers
        ):
            lap("wait")
            conn.executemany(_ARTICLE_INSERT, articles)
            lap("articles")
            conn.executemany(_TAG_INSERT, tag_rows)
            lap("tags")
            conn.executemany(_QUOTE_INSERT, quote_rows)
            lap("quotes")
            conn.executemany(_FTS_INSERT, fts_rows)
            lap("fts")
            before, done = done, done + len(articles)
            if done // DB_TRANSACTION != before // DB_TRANSACTION:
                conn.execute("COMMIT")
                conn.execute("BEGIN")
                lap("commit")
                if progress:
                    rate = done / (time.perf_counter() - started)
                    where = ", ".join(f"{k} {v:.0f}" for k, v in spent.items())
                    print(
                        f"  {done:>9,} articles, {rate:,.0f}/s (seconds in {where})",
                        file=sys.stderr,
                    )
    _finish(conn, tags, triggers)
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    partial.rename(path)
    params["seconds"] = round(time.perf_counter() - started, 1)
    params["bytes"] = path.stat().st_size
    side.write_text(json.dumps(params, indent=2) + "\n")
    return path


def _finish(conn, tags: int, triggers: list[tuple[str, str]]) -> None:
    """Tags with their counts, the counters, and the triggers back as they were."""
    from reader.article import tag_key

    names = tag_names(tags)
    used = conn.execute(
        "SELECT tag_id, count(*), sum(read = 0) FROM article_tags GROUP BY tag_id"
    ).fetchall()
    conn.executemany(
        "INSERT INTO tags (id, name, key, article_count, unread_count) VALUES (?, ?, ?, ?, ?)",
        [
            (tag_id, names[tag_id - 1], tag_key(names[tag_id - 1]), count, unread)
            for tag_id, count, unread in used
        ],
    )
    total, unread, starred = conn.execute(
        "SELECT count(*), coalesce(sum(read = 0), 0), coalesce(sum(starred), 0) FROM articles"
    ).fetchone()
    conn.executemany(
        "UPDATE counters SET value = ? WHERE name = ?",
        [(total, "articles"), (unread, "unread"), (starred, "starred")],
    )
    for _, sql in triggers:
        conn.execute(sql)
    conn.execute("DELETE FROM articles_fts_config WHERE k = 'hashsize'")


def _bounded_map(pool, fn, jobs, limit: int) -> Iterator:
    """``pool.map`` in order, with at most ``limit`` jobs submitted and not yet consumed."""
    pending = []
    jobs = iter(jobs)
    for job in itertools.islice(jobs, limit):
        pending.append(pool.submit(fn, job))
    while pending:
        result = pending.pop(0).result()
        job = next(jobs, None)
        if job is not None:
            pending.append(pool.submit(fn, job))
        yield result


# ---- checking against the parser ------------------------------------------------------------


def check(n: int, *, seed: int = 0, tags: int = DEFAULT_TAGS, stop_after: int = 10) -> list[str]:
    """Parse ``n`` generated texts with ``reader.parse`` and list every disagreement."""
    ensure_reader_importable()
    from reader.parse import parse_text

    problems: list[str] = []
    for a in generate(n, seed=seed, tags=tags):
        parsed = parse_text(a.text())
        expected = _article_of(a)
        for name in (
            "headline",
            "published",
            "source",
            "captions",
            "lede",
            "body",
            "tags",
            "quotes",
            "warnings",
        ):
            got, want = getattr(parsed, name), getattr(expected, name)
            if got != want:
                problems.append(f"article {a.i}: {name}: parser {got!r} != synth {want!r}")
        if len(problems) >= stop_after:
            break
    return problems


# ---- command line -------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    show = commands.add_parser("show", help="print article I (0 = newest)")
    show.add_argument("i", type=int, nargs="?", default=0)
    files = commands.add_parser("files", help="write N articles as files")
    files.add_argument("folder")
    files.add_argument("--jsonl", action="store_true", help="one articles.jsonl instead")
    files.add_argument("--order", choices=ORDERS, default="oldest", help="see file_name()")
    db = commands.add_parser("db", help="build (or reuse) a database of N articles")
    db.add_argument("path", nargs="?", help="default: benchmarks/data/synth-N-TAGS.db")
    db.add_argument("--unread", type=float, default=0.3)
    db.add_argument("--workers", type=int, default=None)
    db.add_argument("--force", action="store_true", help="rebuild even if it exists")
    chk = commands.add_parser("check", help="compare N parsed articles with the generator")
    for sub in (show, files, db, chk):
        sub.add_argument("--n", type=int, default=10_000)
        sub.add_argument("--tags", type=int, default=DEFAULT_TAGS)
        sub.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    if args.command == "show":
        article = next(generate(args.n, args.i, args.i + 1, seed=args.seed, tags=args.tags))
        sys.stdout.write(article.text())
    elif args.command == "files":
        started = time.perf_counter()
        paths = write_files(
            args.folder, args.n, seed=args.seed, tags=args.tags, jsonl=args.jsonl, order=args.order
        )
        print(f"{len(paths)} file(s) in {args.folder} ({time.perf_counter() - started:.1f} s)")
    elif args.command == "db":
        started = time.perf_counter()
        path = build_db(
            args.path,
            args.n,
            args.tags,
            args.unread,
            seed=args.seed,
            workers=args.workers,
            force=args.force,
            progress=True,
        )
        size = path.stat().st_size
        print(
            f"{path}: {args.n:,} articles, {size / 2**20:,.0f} MiB ({size / max(args.n, 1):,.0f}"
            f" bytes an article), {time.perf_counter() - started:.1f} s"
        )
    else:
        problems = check(args.n, seed=args.seed, tags=args.tags)
        print("\n".join(problems) or f"{args.n} articles: the parser agrees")
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
