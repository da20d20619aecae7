"""Headlines in many scripts and emoji sequences: the text that broke fixed columns."""

from __future__ import annotations

from reader.article import Article

HEADLINES = (
    "Family 👨‍👩‍👧 reunited after the storm in the northern valley",
    "Pride march 🏳️‍🌈 draws record crowds in the capital city",
    "Flags 🇺🇸 🇺🇦 🇯🇵 raised at the summit of the leaders today",
    "Heart ❤️ and sun ☀️ emoji campaign goes viral online",
    "Thumbs 👍🏽 up for the new transit plan from the mayor",
    "Keycap 1️⃣ results of the first round are in",
    "Scotland 🏴󠁧󠁢󠁳󠁣󠁴󠁿 votes on the new budget",
    "क्षत्रिय नमस्ते भारत में चुनाव प्रचार तेज़ हुआ आज",
    "தமிழ்நாடு அரசு புதிய திட்டம் அறிவிப்பு",
    "مرحبا بكم في الأخبار العاجلة من القاهرة اليوم",
    "东京股市大涨 日经平均指数创下新高 投资者欢欣鼓舞",
    "서울에서 열린 회의에서 새로운 합의가 발표되었다",
    "Plain ASCII headline that is long enough to be cut by the list width",
)
SOURCES = ("AA", "新华社", "प्रेस ट्रस्ट", "Reuters", "وكالة", "👨‍👩‍👧 news")


def articles() -> list[Article]:
    return [
        Article(
            headline=headline,
            published=f"2025-05-22T10:{index:02d}",
            source=SOURCES[index % len(SOURCES)],
            lede=f"Lede {index}.",
            tags=(f"Tag{index}",),
        )
        for index, headline in enumerate(HEADLINES)
    ]
