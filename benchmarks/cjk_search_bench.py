"""Searching Chinese, Japanese and Korean text: index size and query time, against trigram FTS5.

Since schema 6 the reader indexes each CJK character as a word of its own
(``reader.search.fold_for_index`` on the way in, the ``article_search`` view in SQL), and a
query's run of CJK characters becomes a phrase of them: ``股市`` finds ``东京股市大涨``. This
benchmark makes N synthetic Chinese, Japanese and Korean news articles (deterministic for a
seed: about 1-3 KB of UTF-8 text each, CJK runs with digits and some Latin words, 2-4 tags),
saves them with the reader's own ``Store.save`` in batches of 500 into a fresh database, and
measures in the same run:

* sizes (``dbstat``): the database file, the search index (``articles_fts%``), and, for
  comparison, the index of the same articles saved with the CJK splitting switched off
  (``reader.writer.fold_for_index`` replaced by the identity in a second database: whole runs
  become single tokens, so that index is smaller but finds no word inside a run);
* the baseline: a trigram FTS5 table over the same text (headline, lede, body and tags, one
  column: ``CREATE VIRTUAL TABLE trigram_fts USING fts5(body, tokenize='trigram')``) in a copy
  of the reader's database, its index and its copy of the text sized apart;
* for 2- and 3-character words: hits and time of ``Store.count(Filter(query=w))`` and
  ``Store.page(Filter(query=w), limit=60)``, against the trigram table's ``MATCH`` (count, and
  the same page: the same columns of ``articles``, newest first) and against a full scan of
  its text (``instr``), which is what a 2-character word would cost there: a trigram index
  cannot look up a word of fewer than 3 characters (``MATCH`` finds nothing, reported as 0).
  The true number of articles holding the word (Python substring test) is given beside them.

Each query is run once to warm up, then ``--repeat`` times (9), all variants interleaved within
a repeat with their order rotated; times are medians in ms, and each ratio is the median over
repeats of reader time / baseline time in the same repeat (over 1: the reader is slower).
Everything is written into a ``tempfile.TemporaryDirectory``.

Usage (from the repository root)::

    .venv/bin/python benchmarks/cjk_search_bench.py                # 20,000 articles, 9 repeats
    .venv/bin/python benchmarks/cjk_search_bench.py --n 2000 --repeat 5 --seed 1
    .venv/bin/python benchmarks/cjk_search_bench.py --json > result.json
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
try:
    import reader
except ImportError:  # run as a script outside the venv's install
    sys.path.insert(0, str(ROOT))

import reader.writer  # noqa: E402
from reader.article import Article, Block  # noqa: E402
from reader.filters import Filter  # noqa: E402
from reader.rows import HEADLINE_COLUMNS, headline_of  # noqa: E402
from reader.store import Store  # noqa: E402

BATCH = 500
PAGE = 60


def _split(text: str) -> list[str]:
    return text.split()


# ---- synthetic articles -----------------------------------------------------------------------

# Vocabularies, most frequent first (drawn with Zipf weights by rank). The searched words sit
# at different ranks, so that hits range from common to rare.
ZH_WORDS = (
    "我们 经济 政府 发展 中国 市场 公司 企业 今年 表示 国家 记者 增长 工作 投资 问题 城市"
    " 美国 地区 银行 价格 部门 股市 项目 技术 国际 会议 数据 报告 消费 政策 产业 服务"
    " 北京 上海 教育 人民 社会 全球 合作 能源 环境 交通 医疗 新能源 科技 出口 贸易 汽车"
    " 制造业 房地产 专家 研究 人工智能 互联网 半导体 芯片 电池 疫苗 气候 农业 旅游 文化"
    " 体育 奥运会 足球 比赛 选手 冠军 天气 台风 地震 救援 法院 警方 调查 事故 安全 官员"
    " 改革 创新 就业 工资 收入 通胀 利率 央行 汇率 人民币 美元 债券 基金 投资者 股价"
    " 上涨 下跌 指数 季度 同比 环比 预计 目标 计划 措施 支持 推动 加强 提高 实现 完成"
    " 航天 卫星 火箭 月球 高铁 机场 港口 物流 电商 平台 用户 手机 数字 网络 数据中心"
)
JA_WORDS = (
    "日本 政府 首相 東京 経済 市場 企業 株価 円安 円相場 日銀 金利 物価 賃金 発表 会見"
    " 記者 調査 結果 今年 昨年 前年 国内 海外 輸出 輸入 自動車 半導体 工場 生産 販売"
    " 消費者 観光 訪日客 大阪 京都 北海道 沖縄 地震 台風 避難 被害 警察 事件 裁判 選挙"
    " 衆議院 参議院 与党 野党 大臣 知事 市長 教育 学校 大学 研究 技術 開発 宇宙 野球"
    " 大谷 優勝 試合 選手 監督 新幹線 鉄道 空港 医療 病院 感染 高齢者 人口 少子化 年金"
    " 投資 銀行 証券 指数 上昇 下落 予想 見通し 対策 支援 強化 検討 方針 計画 実施"
)
KO_WORDS = (
    "정부 경제 서울 대통령 한국 시장 기업 발표 국회 의원 정책 지난해 올해 증가 감소"
    " 가격 금리 환율 수출 수입 반도체 삼성 현대 자동차 배터리 투자 은행 주가 코스피"
    " 부동산 아파트 전세 물가 소비자 일자리 청년 교육 학교 대학 연구 기술 개발 인공지능"
    " 병원 의료 환자 코로나 백신 날씨 태풍 폭우 사고 경찰 수사 법원 재판 선거 여당 야당"
    " 장관 시장 지역 부산 인천 제주 관광 축구 야구 선수 경기 우승 감독 문화 영화 음악"
    " 북한 미국 중국 일본 외교 회담 협력 안보 국방 군사 훈련 발사 미사일"
)
LATIN = _split(
    "AI GDP CEO iPhone Apple Tesla Nvidia Samsung Toyota Sony OPEC WHO IMF NBA FIFA G20"
    " ChatGPT 5G EV ESG IPO ETF Nikkei KOSPI COVID-19 BYD Huawei TikTok"
)
JA_PARTICLES = _split("は が を に の で と も から まで へ")
JA_ENDINGS = ("した。", "する。", "と発表した。", "と述べた。", "という。", "となった。", "です。")
KO_PARTICLES = _split("은 는 이 가 을 를 에 의 에서 와 과 도 로")
KO_ENDINGS = ("했다.", "밝혔다.", "전했다.", "예정이다.", "있다.", "됐다.", "말했다.")
SOURCES = {
    "zh": ("新华社", "人民日报", "财新", "澎湃新闻", "中央社"),
    "ja": ("共同通信", "時事通信", "朝日新聞", "日本経済新聞", "NHK"),
    "ko": ("연합뉴스", "조선일보", "한겨레", "중앙일보", "KBS"),
}
TAGS = {
    "zh": _split("经济 政治 科技 体育 社会 国际 财经 健康 文化 环境 中国 美国 AI"),
    "ja": _split("経済 政治 科学 スポーツ 社会 国際 マーケット 健康 文化 天気 日本 東京 AI"),
    "ko": _split("경제 정치 과학 스포츠 사회 국제 증시 건강 문화 날씨 한국 서울 AI"),
}
OFFSETS = {"zh": 8, "ja": 9, "ko": 9}
#: Rare words: placed after the long tail, so that about 1-3% of articles hold one.
RARE = {"zh": ("熊猫", "机器人"), "ja": ("将棋",), "ko": ("김치",)}

#: The words searched: (word, language). 2 and 3 characters, common to rare.
QUERIES = (
    ("经济", "zh"),
    ("股市", "zh"),
    ("疫苗", "zh"),
    ("株価", "ja"),
    ("경제", "ko"),
    ("熊猫", "zh"),
    ("将棋", "ja"),
    ("김치", "ko"),
    ("半导体", "zh"),
    ("奥运会", "zh"),
    ("円相場", "ja"),
    ("대통령", "ko"),
    ("반도체", "ko"),
    ("机器人", "zh"),
)


class Generator:
    """Deterministic articles for a seed: the same N articles on every machine."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        rng = random.Random(seed + 1)
        # A long tail of rarer words made of random characters (the common ones come first).
        han = [chr(c) for c in rng.sample(range(0x4E00, 0x9FA6), 3000)]
        kana = [chr(c) for c in range(0x30A1, 0x30F7)]
        hangul = [chr(c) for c in rng.sample(range(0xAC00, 0xD7A4), 1500)]
        tails = {
            "zh": ["".join(rng.choices(han, k=rng.choice((2, 2, 3, 4)))) for _ in range(4000)],
            "ja": ["".join(rng.choices(han, k=2)) for _ in range(2000)]
            + ["".join(rng.choices(kana, k=rng.randint(3, 6))) for _ in range(1500)],
            "ko": ["".join(rng.choices(hangul, k=rng.choice((2, 2, 3)))) for _ in range(3500)],
        }
        self.vocab: dict[str, tuple[list[str], list[float]]] = {}
        for language, common in (("zh", ZH_WORDS), ("ja", JA_WORDS), ("ko", KO_WORDS)):
            words = common.split() + tails[language] + list(RARE[language])
            weights = [1.0 / (rank + 2) ** 0.9 for rank in range(len(words))]
            self.vocab[language] = (words, weights)

    def words(self, language: str, k: int) -> list[str]:
        words, weights = self.vocab[language]
        return self.rng.choices(words, weights, k=k)

    def extra(self, language: str) -> str:
        """A number, a date, an amount or a Latin word, as news text has between its words."""
        rng = self.rng
        kind = rng.random()
        if kind < 0.35:
            return rng.choice(LATIN)
        if kind < 0.55:
            return f"{rng.randint(1, 99)}.{rng.randint(0, 9)}%"
        if kind < 0.75:
            unit = {"zh": "亿元", "ja": "億円", "ko": "억원"}[language]
            return f"{rng.randint(1, 9999):,}{unit}"
        if language == "ko":
            return f"{rng.randint(2019, 2026)}년 {rng.randint(1, 12)}월"
        return f"{rng.randint(2019, 2026)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日"

    def tokens(self, language: str, k: int) -> list[str]:
        out = []
        for word in self.words(language, k):
            out.append(self.extra(language) if self.rng.random() < 0.08 else word)
        return out

    def sentence(self, language: str, low: int, high: int, *, end: bool = True) -> str:
        rng = self.rng
        tokens = self.tokens(language, rng.randint(low, high))
        if language == "zh":
            parts = []
            for index, token in enumerate(tokens):
                parts.append(token)
                if 0 < index < len(tokens) - 1 and rng.random() < 0.12:
                    parts.append("，")
            text = "".join(parts)
            return text + "。" if end else text
        if language == "ja":
            parts = []
            for index, token in enumerate(tokens):
                parts.append(token)
                if index < len(tokens) - 1 and rng.random() < 0.6:
                    parts.append(rng.choice(JA_PARTICLES))
                if 0 < index < len(tokens) - 1 and rng.random() < 0.08:
                    parts.append("、")
            text = "".join(parts)
            return text + rng.choice(JA_ENDINGS) if end else text
        words = [t + rng.choice(KO_PARTICLES) if rng.random() < 0.5 else t for t in tokens]
        text = " ".join(words)
        return text + " " + rng.choice(KO_ENDINGS) if end else text

    def article(self, published: datetime) -> Article:
        rng = self.rng
        language = rng.choices(("zh", "ja", "ko"), (0.5, 0.25, 0.25))[0]
        headline = self.sentence(language, 4, 9, end=False)
        lede = self.sentence(language, 10, 22)
        target = rng.randint(1000, 3000)  # UTF-8 bytes of headline, lede and body
        size = len((headline + lede).encode())
        paragraphs: list[str] = []
        while size < target:
            sentences = [self.sentence(language, 8, 20) for _ in range(rng.randint(1, 4))]
            paragraph = ("" if language != "ko" else " ").join(sentences)
            paragraphs.append(paragraph)
            size += len(paragraph.encode()) + 1
        tags = tuple(dict.fromkeys(rng.sample(TAGS[language], rng.randint(2, 4))))
        zone = timezone(timedelta(hours=OFFSETS[language]))
        return Article(
            headline=headline,
            published=published.astimezone(zone).isoformat(timespec="seconds"),
            source=rng.choice(SOURCES[language]),
            lede=lede,
            body=tuple(Block("paragraph", p) for p in paragraphs),
            tags=tags,
        )

    def articles(self, n: int) -> list[Article]:
        """Oldest first (the order an archive grows in): about one every 7 minutes."""
        start = datetime(2025, 1, 1, tzinfo=UTC)
        out = []
        moment = start
        for _ in range(n):
            moment += timedelta(seconds=self.rng.randint(60, 780))
            out.append(self.article(moment))
        return out


def fields(article: Article) -> tuple[str, str, str, str]:
    """The text the search index holds for an article: headline, lede, body, tags."""
    body = "\n".join(b.text for b in article.body)
    return (article.headline, article.lede, body, "\n".join(article.tags))


# ---- the databases ------------------------------------------------------------------------------


def save_all(path: Path, articles: list[Article]) -> float:
    """``Store.save`` in batches of ``BATCH`` into a fresh database; seconds."""
    started = time.perf_counter()
    with Store(path) as store:
        for start in range(0, len(articles), BATCH):
            store.save(articles[start : start + BATCH])
        if store.count() != len(articles):
            raise SystemExit(f"{path.name}: {store.count()} articles stored of {len(articles)}")
    return time.perf_counter() - started


def save_unsplit(path: Path, articles: list[Article]) -> float:
    """The same import with the CJK splitting switched off (the view left as is)."""
    original = reader.writer.fold_for_index
    reader.writer.fold_for_index = lambda text: text
    try:
        return save_all(path, articles)
    finally:
        reader.writer.fold_for_index = original


def has_dbstat(conn: sqlite3.Connection) -> bool:
    try:
        conn.execute("SELECT 1 FROM dbstat LIMIT 1").fetchall()
        return True
    except sqlite3.OperationalError:
        return False


def sizes(path: Path) -> dict[str, int | None]:
    """File size and the bytes of the tables and indexes that matter here (``dbstat``)."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        out: dict[str, int | None] = {"file": path.stat().st_size}
        if not has_dbstat(conn):
            return out | {"articles_fts": None, "trigram_index": None, "trigram_content": None}
        rows = dict(conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall())
        out["articles_fts"] = sum(v for k, v in rows.items() if k.startswith("articles_fts"))
        out["trigram_content"] = rows.get("trigram_fts_content")
        trigram = [v for k, v in rows.items() if k.startswith("trigram_fts")]
        out["trigram_index"] = (sum(trigram) - (out["trigram_content"] or 0)) if trigram else None
        out["articles"] = rows.get("articles")
        return out
    finally:
        conn.close()


def build_trigram(source: Path, path: Path, articles: list[Article]) -> float:
    """A copy of the reader's database with a trigram table over the same text; seconds."""
    with sqlite3.connect(source) as src, sqlite3.connect(path) as dst:
        src.backup(dst)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        ids = [row[0] for row in conn.execute("SELECT id FROM articles ORDER BY sort_key, id")]
        if len(ids) != len(articles):
            raise SystemExit("the copy does not hold every article")
        started = time.perf_counter()
        conn.execute("BEGIN")
        conn.execute("CREATE VIRTUAL TABLE trigram_fts USING fts5(body, tokenize='trigram')")
        conn.executemany(
            "INSERT INTO trigram_fts (rowid, body) VALUES (?, ?)",
            ((i, "\n".join(fields(a))) for i, a in zip(ids, articles, strict=True)),
        )
        conn.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        conn.close()


# ---- the queries ---------------------------------------------------------------------------------

TRIGRAM_PAGE = (
    f"SELECT {HEADLINE_COLUMNS} FROM trigram_fts AS f JOIN articles AS a ON a.id = f.rowid"
    " WHERE trigram_fts MATCH ? ORDER BY f.rowid DESC LIMIT ?"
)
SCAN_PAGE = (
    f"SELECT {HEADLINE_COLUMNS} FROM trigram_fts AS f JOIN articles AS a ON a.id = f.rowid"
    " WHERE instr(f.body, ?) > 0 ORDER BY f.rowid DESC LIMIT ?"
)


@dataclass
class Queries:
    store: Store
    trigram: sqlite3.Connection

    def reader_count(self, word: str) -> int:
        return self.store.count(Filter(query=word))

    def reader_page(self, word: str) -> list:
        return self.store.page(Filter(query=word), limit=PAGE)

    def trigram_count(self, word: str) -> int:
        sql = "SELECT count(*) FROM trigram_fts WHERE trigram_fts MATCH ?"
        return self.trigram.execute(sql, (f'"{word}"',)).fetchone()[0]

    def trigram_page(self, word: str) -> list:
        return [headline_of(r) for r in self.trigram.execute(TRIGRAM_PAGE, (f'"{word}"', PAGE))]

    def scan_count(self, word: str) -> int:
        sql = "SELECT count(*) FROM trigram_fts WHERE instr(body, ?) > 0"
        return self.trigram.execute(sql, (word,)).fetchone()[0]

    def scan_page(self, word: str) -> list:
        return [headline_of(r) for r in self.trigram.execute(SCAN_PAGE, (word, PAGE))]

    def trigram_like(self, word: str) -> int:
        sql = "SELECT count(*) FROM trigram_fts WHERE body LIKE ?"
        return self.trigram.execute(sql, (f"%{word}%",)).fetchone()[0]


VARIANTS = (
    "reader_count",
    "reader_page",
    "trigram_count",
    "trigram_page",
    "scan_count",
    "scan_page",
)


def measure(queries: Queries, words: list[str], repeat: int) -> dict[str, dict[str, list[float]]]:
    """Seconds of every variant for every word, interleaved and rotated each repeat."""
    runs = [(w, v) for w in words for v in VARIANTS]
    for word, variant in runs:  # warm-up
        getattr(queries, variant)(word)
    seconds: dict[str, dict[str, list[float]]] = {w: {v: [] for v in VARIANTS} for w in words}
    for number in range(repeat):
        shift = number * 7 % len(runs)
        for word, variant in runs[shift:] + runs[:shift]:
            call = getattr(queries, variant)
            started = time.perf_counter()
            call(word)
            seconds[word][variant].append(time.perf_counter() - started)
    return seconds


def ratio(values: list[float], floor: list[float]) -> float:
    return statistics.median(v / f for v, f in zip(values, floor, strict=True))


# ---- the run -------------------------------------------------------------------------------------


def run(n: int, seed: int, repeat: int, say) -> dict:
    started = time.perf_counter()
    articles = Generator(seed).articles(n)
    texts = [fields(a) for a in articles]
    text_bytes = sum(len(t.encode()) for f in texts for t in f)
    cjk_chars = sum(1 for f in texts for t in f for c in t if 0x3040 <= ord(c) <= 0xD7AF)
    all_chars = sum(len(t) for f in texts for t in f)
    say(
        f"  {n:,} articles made in {time.perf_counter() - started:.1f} s"
        f" ({text_bytes / n:,.0f} bytes of text each, {cjk_chars / all_chars:.0%} CJK)"
    )
    truth = {w: sum(1 for f in texts if any(w in t for t in f)) for w, _ in QUERIES}
    gc.collect()
    gc.freeze()
    with tempfile.TemporaryDirectory(prefix="cjk-search-") as folder:
        work = Path(folder)
        split_db, plain_db, trigram_db = work / "cjk.db", work / "unsplit.db", work / "trigram.db"
        say("  saving them with Store.save (CJK split, then unsplit) ...")
        seconds_split = save_all(split_db, articles)
        seconds_plain = save_unsplit(plain_db, articles)
        say(f"    {n / seconds_split:,.0f}/s split, {n / seconds_plain:,.0f}/s unsplit")
        say("  building the trigram table in a copy ...")
        seconds_trigram = build_trigram(split_db, trigram_db, articles)
        size_split, size_plain, size_trigram = sizes(split_db), sizes(plain_db), sizes(trigram_db)
        with Store(plain_db, readonly=True) as store:  # the splitting was off: a check
            unsplit_hits = {w: store.count(Filter(query=w)) for w, _ in QUERIES}
        plain_db.unlink()
        say(f"  timing {len(QUERIES)} words x {len(VARIANTS)} variants x {repeat} repeats ...")
        store = Store(split_db, readonly=True)
        trigram = sqlite3.connect(trigram_db.resolve().as_uri() + "?mode=ro", uri=True)
        try:
            queries = Queries(store, trigram)
            hits = {}
            for word, _ in QUERIES:
                reader_page = queries.reader_page(word)
                trigram_page = queries.trigram_page(word)
                hits[word] = {
                    "truth": truth[word],
                    "reader": queries.reader_count(word),
                    "trigram_match": queries.trigram_count(word),
                    "trigram_like": queries.trigram_like(word),
                    "scan": queries.scan_count(word),
                    "page": len(reader_page),
                    # Where both find the same articles, their first pages must be the same.
                    "same_page": [h.id for h in reader_page] == [h.id for h in trigram_page],
                }
            load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
            seconds = measure(queries, [w for w, _ in QUERIES], repeat)
        finally:
            store.close()
            trigram.close()
    words = []
    for word, language in QUERIES:
        s = seconds[word]
        words.append(
            {
                "word": word,
                "language": language,
                "chars": len(word),
                "hits": hits[word],
                "ms": {v: statistics.median(s[v]) * 1000 for v in VARIANTS},
                "ms_range": {v: (min(s[v]) * 1000, max(s[v]) * 1000) for v in VARIANTS},
                "reader_vs_trigram": {
                    "count": ratio(s["reader_count"], s["trigram_count"]),
                    "page": ratio(s["reader_page"], s["trigram_page"]),
                },
                "reader_vs_scan": {
                    "count": ratio(s["reader_count"], s["scan_count"]),
                    "page": ratio(s["reader_page"], s["scan_page"]),
                },
            }
        )
    return {
        "n": n,
        "seed": seed,
        "repeat": repeat,
        "text_bytes": text_bytes,
        "cjk_share": cjk_chars / all_chars,
        "environment": {
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "cpus": os.cpu_count(),
            "load_before_queries": round(load, 2) if load is not None else None,
        },
        "import_seconds": {
            "split": seconds_split,
            "unsplit": seconds_plain,
            "trigram_table": seconds_trigram,
        },
        "sizes": {"split": size_split, "unsplit": size_plain, "trigram": size_trigram},
        "unsplit_hits": unsplit_hits,
        "words": words,
    }


def _mib(value: int | None) -> str:
    return "n/a" if value is None else f"{value / 2**20:,.1f} MiB"


def print_tables(result: dict) -> None:
    n, env = result["n"], result["environment"]
    sizes_, imports = result["sizes"], result["import_seconds"]
    fts = sizes_["split"]["articles_fts"]
    print(
        f"\n{n:,} synthetic CJK articles (seed {result['seed']}; {result['text_bytes'] / n:,.0f}"
        f" bytes of text each, {result['cjk_share']:.0%} of characters CJK; 50% Chinese,"
        f" 25% Japanese, 25% Korean), saved by `Store.save` in batches of {BATCH};"
        f" Python {env['python']}, SQLite {env['sqlite']}, {env['cpus']} CPUs,"
        f" load {env['load_before_queries']}.\n"
    )
    print("| what | size | bytes an article | × reader's index |")
    print("|---|---|---|---|")

    def row(label: str, value: int | None) -> None:
        if value is None:
            print(f"| {label} | n/a | | |")
            return
        share = f"{value / fts:.2f}" if fts else ""
        print(f"| {label} | {_mib(value)} | {value / n:,.0f} | {share} |")

    row("text indexed (headline, lede, body, tags; UTF-8)", result["text_bytes"])
    row("reader database file", sizes_["split"]["file"])
    row("reader search index (`articles_fts%`, CJK one token a character)", fts)
    row(
        "same articles, CJK splitting off: search index (whole runs as tokens)",
        sizes_["unsplit"]["articles_fts"],
    )
    row("same articles, CJK splitting off: database file", sizes_["unsplit"]["file"])
    row(
        "trigram FTS5 index (`_data`, `_idx`, `_docsize`, `_config`)",
        sizes_["trigram"]["trigram_index"],
    )
    row("trigram FTS5 copy of the text (`_content`)", sizes_["trigram"]["trigram_content"])
    found = sum(result["unsplit_hits"].values())
    truth = sum(w["hits"]["truth"] for w in result["words"])
    split, unsplit, trigram = (n / imports[k] for k in ("split", "unsplit", "trigram_table"))
    print(
        f"\nImport: `Store.save` {split:,.0f} articles/s with the CJK splitting,"
        f" {unsplit:,.0f}/s without it: with it, {split / unsplit:.2f}× the speed"
        f" (one run each); filling the trigram table {trigram:,.0f}/s."
        f" The database saved without the splitting finds {found:,} of the {truth:,} hits below"
        " (a query is still split into characters, which that index does not hold).\n"
    )
    print(
        "| word (language, characters) | articles holding it (substring) | reader |"
        " trigram `MATCH` | trigram `LIKE '%w%'` |"
    )
    print("|---|---|---|---|---|")
    for w in result["words"]:
        h = w["hits"]
        note = "" if h["same_page"] or h["trigram_match"] == 0 else " (first page differs)"
        print(
            f"| {w['word']} ({w['language']}, {w['chars']}) | {h['truth']:,} | {h['reader']:,} |"
            f" {h['trigram_match']:,}{note} | {h['trigram_like']:,} |"
        )
    print(
        f"\n| word | reader count | trigram count | scan count | reader page ({PAGE}) |"
        " trigram page | scan page | reader × trigram (count; page) |"
        " reader × scan (count; page) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for w in result["words"]:
        h, ms = w["hits"], w["ms"]
        if h["trigram_match"] == 0:
            vs_trigram = "— (finds nothing)"
        else:
            vs_trigram = (
                f"{w['reader_vs_trigram']['count']:.2f}; {w['reader_vs_trigram']['page']:.2f}"
            )
        print(
            f"| {w['word']} | {ms['reader_count']:.2f} | {ms['trigram_count']:.2f} |"
            f" {ms['scan_count']:.1f} | {ms['reader_page']:.2f} | {ms['trigram_page']:.2f} |"
            f" {ms['scan_page']:.1f} | {vs_trigram} |"
            f" {w['reader_vs_scan']['count']:.3f}; {w['reader_vs_scan']['page']:.3f} |"
        )
    print(
        f"\nms: median of {result['repeat']} interleaved repeats after a warm-up; ×: median over"
        " repeats of the reader's time / the baseline's in the same repeat. Scan: `instr()`"
        " over every row of the trigram table (what a word under 3 characters costs there)."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000, help="articles (default 20,000)")
    parser.add_argument("--repeat", type=int, default=9, help="timed runs of each query")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    result = run(args.n, args.seed, args.repeat, say)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print_tables(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
