"""One name per person: a speaker given by surname alone (``“…,” Marevic said``) takes the
full name that the article, or else the archive, gives for exactly one person (issue 12).

The article first, in ``reader.quotes.find_quotes``: the one full name with that surname
named before the quote (``Finance Minister Dana Marevic on Tuesday…``). Else the archive,
here, when the article is saved: the full-name speakers already stored, and those of the
same batch, whose last word is the surname (``quotes_by_surname``, an index on that last
word, makes this two index probes whatever the size of the archive).

Two people or none with that surname: the surname stays as it was.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import replace

from reader.article import Quote

#: SQL for the last word of ``speaker``: what ``quotes_by_surname`` indexes.
LAST_WORD = "substr(speaker, length(rtrim(speaker, replace(speaker, ' ', ''))) + 1)"
#: The index the archive lookup needs. A migration (schema.py) creates it; until every
#: database has had it, a save makes it where that is quick (``ensure_index``).
SURNAME_INDEX = (
    f"CREATE INDEX IF NOT EXISTS quotes_by_surname ON quotes ({LAST_WORD}, speaker)"
    " WHERE instr(speaker, ' ') > 0"
)
#: Up to this many articles the index is built during a save (well under a second);
#: beyond it a save would hold the write lock for seconds (17 s at 1,000,000 articles).
BUILD_DURING_SAVE = 20_000


#: Lowercase words inside names: Jan de Vries, Karim bin Saleh, Ursula von der Leyen.
PARTICLES = frozenset(
    {"von", "van", "der", "den", "de", "da", "di", "du", "del", "della", "des", "la", "le"}
    | {"bin", "ibn", "al", "el", "dos", "das", "ter", "ten"}
)


def surname_only(name: str) -> bool:
    """``Marevic``, ``de Vries``: a name with no given name before its surname."""
    return all(word in PARTICLES for word in name.split()[:-1])


def last_word(name: str) -> str:
    return name.rsplit(" ", 1)[-1]


def in_archive(conn: sqlite3.Connection, batch: list[tuple[Quote, ...]]) -> list[tuple[Quote, ...]]:
    """Each article's quotes of ``batch``, a surname still alone replaced by the one full
    name that the stored speakers and the other speakers of the batch give."""
    alone = {q.speaker for quotes in batch for q in quotes if q.speaker and surname_only(q.speaker)}
    if not alone or not ensure_index(conn):
        return batch
    known: dict[str, set[str]] = {}  # surname -> full names of the batch, then of the store
    for quotes in batch:
        for q in quotes:
            if q.speaker and not surname_only(q.speaker):
                known.setdefault(last_word(q.speaker), set()).add(q.speaker)
    full: dict[str, str] = {}
    for surname in alone:
        names = known.get(last_word(surname), set()) | stored(conn, last_word(surname))
        if len(names) == 1 and (name := names.pop()).endswith(" " + surname):
            full[surname] = name
    return [_renamed(quotes, full) for quotes in batch]


def ensure_index(conn: sqlite3.Connection) -> bool:
    """Whether ``quotes_by_surname`` exists, made now if the archive is small enough.

    Without it the lookup scans every quote (23 s at 1,000,000 articles): a large archive
    whose schema predates the index skips the archive lookup rather than stall a save.
    """
    if conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'quotes_by_surname'"
    ).fetchone():
        return True
    row = conn.execute("SELECT value FROM counters WHERE name = 'articles'").fetchone()
    if row is None or row[0] > BUILD_DURING_SAVE:
        return False
    conn.execute(SURNAME_INDEX)
    return True


def stored(conn: sqlite3.Connection, word: str) -> set[str]:
    """At most two of the stored full-name speakers whose last word is ``word``: the first
    and the last in binary order, each one probe of ``quotes_by_surname``."""
    where = f"{LAST_WORD} = ?1 AND instr(speaker, ' ') > 0"
    row = conn.execute(
        f"SELECT (SELECT min(speaker) FROM quotes WHERE {where}),"
        f" (SELECT max(speaker) FROM quotes WHERE {where})",
        (word,),
    ).fetchone()
    return {name for name in row if name is not None}


def _renamed(quotes: Iterable[Quote], full: dict[str, str]) -> tuple[Quote, ...]:
    if not full:
        return tuple(quotes)
    return tuple(replace(q, speaker=full[q.speaker]) if q.speaker in full else q for q in quotes)
