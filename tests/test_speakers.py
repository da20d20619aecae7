"""Speakers, measured: precision and recall on a labelled set (tests/data/speakers/).

The articles are imported in order into one database, as ``reader import`` would, and
each quote's stored speaker is compared with its label: a later article leans on the
speakers of earlier ones (the archive) for a surname given on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reader.parse import parse_text
from reader.store import Store

SET = Path(__file__).parent / "data" / "speakers" / "quotes.txt"


@dataclass
class Labelled:
    headline: str
    paragraphs: list[str]
    labels: list[str | None]  # one per quote, in reading order


def load_set(path: Path = SET) -> list[Labelled]:
    """The articles of the set (format: tests/data/speakers/README.md)."""
    articles: list[Labelled] = []
    for chunk in path.read_text(encoding="utf-8").split("=== ")[1:]:
        headline, _, rest = chunk.partition("\n")
        article = Labelled(headline.strip(), [], [])
        for block in rest.split("\n\n"):
            lines = [line for line in block.strip().split("\n") if line.strip()]
            text = [line for line in lines if not line.startswith("> ")]
            if text:
                article.paragraphs.append(" ".join(text))
            for line in lines:
                if line.startswith("> "):
                    article.labels += [
                        None if who.strip() == "-" else who.strip() for who in line[2:].split("|")
                    ]
        articles.append(article)
    return articles


@dataclass
class Score:
    quotes: int = 0
    clear: int = 0  # quotes whose speaker the text makes clear
    given: int = 0  # quotes given a speaker
    correct: int = 0

    @property
    def precision(self) -> float:
        return self.correct / self.given if self.given else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.clear if self.clear else 1.0

    def __str__(self) -> str:
        return (
            f"speakers on {self.quotes} quotes ({self.clear} with a clear speaker): "
            f"precision {self.precision:.1%} ({self.correct}/{self.given}), "
            f"recall {self.recall:.1%} ({self.correct}/{self.clear})"
        )


def measure(db: Path) -> tuple[Score, list[str]]:
    """Import the set into ``db`` article by article; the score and every mismatch."""
    score, misses = Score(), []
    with Store(db) as store:
        for item in load_set():
            text = "\n\n".join([item.headline, *item.paragraphs]) + "\n"
            (article_id,) = store.save([parse_text(text)]).ids
            got = [
                (row[0], row[1])
                for row in store.conn.execute(
                    "SELECT text, speaker FROM quotes WHERE article_id = ? ORDER BY seq",
                    (article_id,),
                )
            ]
            assert len(got) == len(item.labels), (item.headline, got, item.labels)
            for (quote, speaker), label in zip(got, item.labels, strict=True):
                score.quotes += 1
                score.clear += label is not None
                score.given += speaker is not None
                score.correct += speaker is not None and speaker == label
                if speaker != label:
                    misses.append(
                        f"{item.headline}: “{quote[:40]}” gave {speaker!r}, want {label!r}"
                    )
    return score, misses


def test_the_set_is_big_enough():
    labels = [label for item in load_set() for label in item.labels]
    assert len(labels) >= 80 and sum(label is not None for label in labels) >= 60


def test_speaker_precision_and_recall(tmp_path, record_property):
    score, misses = measure(tmp_path / "speakers.db")
    report = "\n".join([str(score), *misses])
    print(report)
    record_property("measure", str(score))  # printed at the end of every run (conftest)
    assert score.precision >= 0.98 and score.recall >= 0.90, report
