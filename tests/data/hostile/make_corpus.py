"""Write the hostile corpus into a folder: the committed text files plus the generated ones.

Files holding control bytes, other encodings, odd line ends or megabytes are generated
here rather than committed (an editor or git would "fix" them, and a 5 MB file has no
place in the repository). ``README.md`` in this folder lists every file and what its
import must give.

    python tests/data/hostile/make_corpus.py OUTDIR
"""

from __future__ import annotations

import codecs
import json
import os
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

ESC = "\x1b"
BEL = "\x07"
ST = ESC + "\\"
PAYLOAD = "cHduZWQ="  # base64 of "pwned": must never reach a clipboard or the screen

HUGE_BYTES = 5 * 1024 * 1024
HUGE_TOKEN = 200_000
MANY_TAGS = 5_000
LONG_TAG = 10_000
QUOTE_MARKS = 20_000


def _article(headline: str, dateline: str, body: str, tags: list[str], source="AA") -> str:
    tag_lines = "".join(f"#{tag}\n" for tag in tags)
    return f"{headline}\n\n{dateline}\n{source}\n\n{body}\n\n{tag_lines}"


def _texts() -> dict[str, str]:
    """Generated files that are text (written as UTF-8 unless named otherwise)."""
    files: dict[str, str] = {}
    files["ansi-csi.txt"] = (
        f"{ESC}[2J{ESC}[HScreen {ESC}[31mcleared{ESC}[0m here{ESC}[6n\n"
        "\n"
        "10:0001/05/2025\n"
        f"{ESC}[1mAA{ESC}[0m\n"
        f"{ESC}[?1049hcaption{ESC}[?1049l\n"
        "\n"
        f"Lede with a status request{ESC}[5n and a DA request{ESC}[c.\n"
        "\n"
        f"Body {ESC}[38;2;255;0;0mred{ESC}[m and{ESC}[3J{ESC}[1;1H cursor home{ESC}[21t.\n"
        "\n"
        f"#{ESC}[31mRed tag{ESC}[0m\n"
    )
    files["osc.txt"] = (
        f"{ESC}]0;pwned{BEL}Title {ESC}]2;pwned{ST}change\n"
        "\n"
        "10:0002/05/2025\n"
        "AA\n"
        "\n"
        f"Lede {ESC}]52;c;{PAYLOAD}{ST}clipboard write and{ESC}]52;p;{PAYLOAD}{BEL} primary.\n"
        "\n"
        f"Body {ESC}]8;;https://evil.example/{ST}hyperlink{ESC}]8;;{ST} and"
        f" {ESC}]8;id=1;file:///etc/passwd{BEL}file{ESC}]8;;{BEL} and colour"
        f"{ESC}]4;1;?{BEL} and foreground{ESC}]10;?{BEL} queries.\n"
        "\n"
        f"Window {ESC}krenamed{ST} name.\n"
        "\n"
        f"#{ESC}]0;pwned{BEL}Tag\n"
    )
    files["dcs.txt"] = (
        f"{ESC}P$qm{ST}Device {ESC}Ptmux;{ESC}{ESC}]52;c;{PAYLOAD}{BEL}{ST}control strings\n"
        "\n"
        "10:0003/05/2025\n"
        "AA\n"
        "\n"
        f"Lede with an APC{ESC}_Gi=31;AAAA{ST}, a PM{ESC}^private{ST} and an SOS{ESC}Xsos{ST}.\n"
        "\n"
        f"#DCS{ESC}P1$r0m{ST}\n"
    )
    files["c1-controls.txt"] = (
        "\u009b2J\u009bHEight-bit \u009d0;pwned\u009ccontrols\u0085\n"
        "\n"
        "10:0004/05/2025\n"
        "AA\n"
        "\n"
        f"Lede with an 8-bit OSC\u009d52;c;{PAYLOAD}\u0007, a DCS\u0090$qm\u009c and RI\u008d.\n"
        "\n"
        "#\u009b31mC1 tag\n"
    )
    files["unterminated.txt"] = (
        f"Unterminated {ESC}]0;pwned title without a terminator\n"
        "\n"
        "10:0005/05/2025\n"
        "AA\n"
        "\n"
        f"Lede ends with an open CSI {ESC}[\n"
        "\n"
        f"Paragraph with a dangling OSC 52 {ESC}]52;c;{PAYLOAD}\n"
        "\n"
        f"Paragraph with a dangling 8-bit OSC \u009d0;pwned\n"
        "\n"
        "Paragraph after them survives.\n"
        "\n"
        f"Ends with a lone ESC{ESC}\n"
        "\n"
        "#Unterminated\n"
        f"{ESC}]0;pwned"
    )
    files["bidi.txt"] = (
        "Invoice_\u202efdp.exe and \u2066isolated\u2069 \u202aembedded\u202c text\n"
        "\n"
        "10:0006/05/2025\n"
        "\u202eAA\n"
        "\n"
        "Lede\u200f with marks\u200e and an Arabic\u061c letter mark and an\u202d override.\n"
        "\n"
        "#\u202eGAT\n"
    )
    files["crlf.txt"] = (
        "CRLF headline\r\n\r\n10:0009/05/2025\r\nAA\r\nCaption\r\n\r\n"
        "Lede line one\r\nline two\r\n\r\nBody\r\n\r\n#CRLF tag\r\n"
    )
    files["lone-cr.txt"] = (
        "Lone CR headline\r\r10:0010/05/2025\rAA\rCaption\r\r"
        "Lede line one\rline two\r\rBody\r\r#Lone CR tag\r"
    )
    files["whitespace-only.txt"] = " \t\r\n\n   \t \u00a0\u2003\r\n\r \n"
    files["controls-only.txt"] = f"{ESC}[2J{ESC}]0;pwned{BEL}\n\u0007\u0008\u202e\n{ESC}[6n\n"
    files["many-tags.txt"] = _article(
        "An article with five thousand tags",
        "10:0015/04/2025",
        "Its chips fill many lines.",
        [f"tag {n:04d}" for n in range(1, MANY_TAGS + 1)] + ["TAG 0001", "Tag  0002"],
    )
    long_tag = ("longtag-" * (LONG_TAG // 8 + 1))[:LONG_TAG]
    files["long-tag.txt"] = _article(
        "An article with a ten-thousand-character tag",
        "10:0014/04/2025",
        "The chip of its tag is wider than any screen.",
        [long_tag, "short"],
    )
    openers = "“a \"b ‘c 'd «e „f "  # six kinds, none closed
    unbalanced = (openers * (QUOTE_MARKS // 6 + 1)).rstrip()
    straight = ' "x' * (QUOTE_MARKS + 1)
    files["quotes-20k.txt"] = _article(
        "An article with twenty thousand unbalanced quote marks",
        "10:0013/04/2025",
        f"Lede “never closed\n\n{unbalanced}\n\n{straight.strip()}\n\nThe end.",
        ["Quotes"],
    )
    return files


def _binaries() -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    files["nul.txt"] = b"A headline\n\n\x00\x01\x02 binary junk\n"
    files["nul-trailing.txt"] = b"A fine headline\n\nA fine lede.\n\x00"
    files["empty.txt"] = b""
    files["utf8-bom-only.txt"] = codecs.BOM_UTF8
    utf16 = (
        f"UTF-16 headline with {ESC}[2Jescape and [b]markup[/b]\n\n10:0007/05/2025\nAA\n\n"
        "Lede in UTF-16 — with “curly” quotes.\n\n#UTF-16\n"
    )
    files["utf16-le-bom.txt"] = codecs.BOM_UTF16_LE + utf16.encode("utf-16-le")
    utf16_be = utf16.replace("UTF-16", "UTF-16BE").replace("07/05", "08/05")
    files["utf16-be-bom.txt"] = codecs.BOM_UTF16_BE + utf16_be.replace("\n", "\r\n").encode(
        "utf-16-be"
    )
    broken = "Broken UTF-16 headline\n\n10:0009/04/2025\nAA\n\nLede with a lone surrogate: "
    files["utf16-broken.txt"] = (
        codecs.BOM_UTF16_LE
        + broken.encode("utf-16-le")
        + b"\x00\xd8"  # an unpaired high surrogate
        + " and an odd byte.\n".encode("utf-16-le")
        + b"\x0a"
    )
    files["cp1252-undefined.txt"] = (
        b"Caf\xe9 \x93quoted\x94 headline \x81\x8d\x8f\x90\x9d end\n\n10:0008/04/2025\nAA\n\n"
        b"Lede \x96 dash, \x9b guillemet, \x80 euro, \x9d\x81gone.\n\n#Caf\xe9\n"
    )
    files["hostile.jsonl"] = _jsonl()
    files["huge-body.txt"] = _huge()
    return files


def _jsonl() -> bytes:
    good = {
        "headline": f"{ESC}]0;pwned{BEL}JSON {ESC}[2J[@click=app.quit]headline[/]",
        "published": "2025-04-11T10:00",
        "source": f"{ESC}[1mAA\u202e",
        "captions": [f"{BEL}caption [b]"],
        "lede": f"Lede\u009b2J with\r\nCRLF and {ESC}]52;c;{PAYLOAD}{BEL}OSC 52.",
        "body": [
            {"kind": "paragraph", "text": "Para\u009d0;pwned\u009cgraph [/]"},
            {"kind": "subheading", "text": f"Sub\u202eheading {ESC}P$q{ST}"},
        ],
        "tags": ["\u202eevil", "[/]", f"{ESC}[31mred", "JSON"],
        "warnings": [f"{ESC}[2Jforged"],
    }
    lines = [
        json.dumps(good),
        "not json {",
        "[1, 2]",
        json.dumps({"headline": f"{ESC}[2J{BEL}\u202e"}),
        json.dumps({"headline": 42}),
        json.dumps({"headline": "x", "published": "31/02/2025"}),
        json.dumps({"headline": "x", "published": f"{ESC}]0;pwned{BEL}"}),
        json.dumps({"headline": "x", "body": [{"kind": "[@click=app.quit]", "text": "y"}]}),
        json.dumps({"headline": "y", "tags": "[/]"}),
        '{"headline": "raw \x1b[2J control"}',
        "[" * 100_000,
    ]
    return "\n".join(lines).encode() + b"\n"


def _huge() -> bytes:
    """About 5 MB: 2,400-odd paragraphs, one of them a single 200,000-character token."""
    head = "A five-megabyte article\n\n10:0012/04/2025\nAA\n\nIts lede is short.\n\n"
    words = "the quick brown fox jumps over the lazy dog “and says” nothing at all "
    paragraph = (words * 30).strip() + "\n\n"
    token = ("Ab1" * (HUGE_TOKEN // 3 + 1))[:HUGE_TOKEN] + "\n\n"
    tail = f"The last paragraph ends with a clear-screen{ESC}[2J.\n\n#Huge\n"
    room = HUGE_BYTES - len(head) - len(token) - len(tail)
    count = room // len(paragraph.encode())
    middle = paragraph * (count // 2) + token + paragraph * (count - count // 2)
    return (head + middle + tail).encode()


NAMED = {
    # File names are data too: they reach the database (origin) and the error lines.
    f"names/title-{ESC}]0;named{BEL}.txt": _article(
        "A file whose name sets the terminal title", "31/02/2025", "Lede.", ["Names"]
    ).encode(),
    f"names/empty-{ESC}]0;named{BEL}{ESC}[2J\n[@click=app.quit].txt": b"",
}
BAD_UTF8_NAME = b"names/latin1-\xe9.txt"  # not UTF-8: a surrogate-escaped str in Python


def build(target: Path) -> Path:
    """Write the whole corpus into ``target`` (created if needed); returns ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(HERE.glob("*.txt")):
        shutil.copyfile(path, target / path.name)
    for name, text in _texts().items():
        (target / name).write_bytes(text.encode())
    for name, data in _binaries().items():
        (target / name).write_bytes(data)
    (target / "names").mkdir(exist_ok=True)
    for name, data in NAMED.items():
        (target / name).write_bytes(data)
    (target / os.fsdecode(BAD_UTF8_NAME)).write_bytes(
        _article("A file whose name is not UTF-8", "10:0006/04/2025", "Lede.", ["Names"]).encode()
    )
    return target


if __name__ == "__main__":
    print(build(Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-corpus")))
