"""Entry HTML to text: selectolax (Lexbor) against lxml, through the same builder.

``--n`` synthetic article bodies of about 1-2 KB (``synth.py`` articles turned into HTML:
``<p>`` paragraphs with inline links and emphasis, ``<h2>`` subheadings, a figure with an
image, a blockquote with a cite, a ``q``, a script and entities) are converted by
``reader.html.html_to_text`` (Lexbor, what the reader uses) and by the same
``reader.html.Builder`` fed from an lxml parse. Each round times both on all bodies;
the best round counts. Prints articles per second and the ratio.

Usage, from the repository root with the project's venv::

    .venv/bin/python benchmarks/html_bench.py              # 3,000 bodies, 5 rounds
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import synth  # noqa: E402  (a sibling script, not a package)

synth.ensure_reader_importable()

from reader.html import SKIPPED, Builder, HtmlText, html_to_text  # noqa: E402


def body_html(index: int) -> str:
    """Article ``index`` of the synthetic set as an entry's HTML body (~1-2 KB)."""
    rng = random.Random(index)
    text = synth.article_text(index, rng)
    blocks = [b.strip() for b in text.split("\n\n") if b.strip()][2:]  # no headline, header
    parts = [
        '<figure><img src="a.jpg" alt="File photo"><figcaption>File photo</figcaption></figure>'
    ]
    for k, block in enumerate(blocks[:5]):
        lines = [line for line in block.split("\n") if not line.startswith("#")]
        if not lines:
            continue
        words = " ".join(lines).replace("&", "&amp;").replace("<", "&lt;").split(" ")
        if len(lines) == 1 and lines[0].startswith("- "):
            parts.append(f"<h2>{' '.join(words[1:])}</h2>")
            continue
        if len(words) > 6:
            words[2] = f'<a href="https://example.com/{k}">{words[2]}</a>'
            words[5] = f"<em>{words[5]}</em>"
        parts.append(f"<p>{' '.join(words)}</p>")
        if k == 1:
            parts.append(
                "<blockquote><p>We will win &amp; we will stay.</p>"
                "<cite>Jane Doe</cite></blockquote>"
            )
        if k == 2:
            parts.append("<p>It was <q>a farce</q>, she wrote &#8212; twice.</p>")
            parts.append("<script>var tracking = 1;</script>")
    return "<div class='entry'>" + "\n".join(parts) + "</div>"


def lxml_to_text(html: str) -> HtmlText:
    """``html_to_text`` with lxml's parser in place of Lexbor (the same builder)."""
    from lxml import etree
    from lxml import html as lxml_html

    builder = Builder()
    body = lxml_html.document_fromstring(html).find("body")
    if body is None:
        return builder.result()
    if body.text:
        builder.text(body.text)
    walker = etree.iterwalk(body, events=("start", "end"))
    next(walker)  # the body itself
    for event, element in walker:
        tag = element.tag
        if not isinstance(tag, str) or tag in SKIPPED:  # comments, processing instructions
            if event == "start":
                walker.skip_subtree()
            elif element.tail:
                builder.text(element.tail)
            continue
        if tag == "body":
            continue
        if event == "start":
            builder.start(tag, element.get("alt") if tag == "img" else None)
            if element.text:
                builder.text(element.text)
        else:
            builder.end(tag)
            if element.tail:
                builder.text(element.tail)
    return builder.result()


def rate(convert, bodies: list[str]) -> float:
    started = time.perf_counter()
    for body in bodies:
        convert(body)
    return len(bodies) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=3000, help="bodies (default 3000)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    bodies = [body_html(i) for i in range(args.n)]
    sizes = sorted(len(b.encode()) for b in bodies)
    print(f"{len(bodies)} bodies, median {sizes[len(sizes) // 2]} bytes")
    assert lxml_to_text(bodies[0]) == html_to_text(bodies[0]), "the two walks disagree"
    best = {"selectolax": 0.0, "lxml": 0.0}
    for _ in range(args.rounds):
        best["selectolax"] = max(best["selectolax"], rate(html_to_text, bodies))
        best["lxml"] = max(best["lxml"], rate(lxml_to_text, bodies))
    for name, value in best.items():
        print(f"{name:10} {value:9,.0f} articles/s")
    print(f"selectolax / lxml: {best['selectolax'] / best['lxml']:.2f}x")


if __name__ == "__main__":
    main()
