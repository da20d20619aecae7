"""Which links the reader stores and opens: absolute ``http``/``https`` URLs only.

A feed is untrusted: ``javascript:``, ``data:``, ``file:`` or a URL hiding control
characters or spaces must never reach a browser, so anything else is dropped here,
at import, and checked again before opening.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sys
from urllib.parse import urljoin, urlsplit

from reader.sanitize import is_clean

MAX_LINK_LENGTH = 4096
_SCHEMES = frozenset({"http", "https"})
# Most links are already absolute, with a plain host and no port: nothing to join or check
# further (a feed of 50,000 items spent half its conversion in urljoin and urlsplit).
_PLAIN_ABSOLUTE = re.compile(r"https?://[A-Za-z0-9.-]+(?:[/?#]\S*)?\Z")


def safe_link(url: str | None, base: str | None = None) -> str | None:
    """``url`` made absolute against ``base``, if it is a clean http(s) URL; else ``None``."""
    if not url:
        return None
    url = url.strip()
    if not url or len(url) > MAX_LINK_LENGTH or not is_clean(url):
        return None
    if _PLAIN_ABSOLUTE.match(url):
        return url
    if any(c.isspace() for c in url):
        return None
    if base:
        try:
            url = urljoin(base, url)
        except ValueError:
            return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError on a port that is not a number
    except ValueError:
        return None
    if parts.scheme.lower() not in _SCHEMES or not parts.hostname:
        return None
    return url


def is_openable(url: str | None) -> bool:
    """May this stored link be handed to a browser? (The same test as at import.)"""
    return url is not None and safe_link(url) == url


def browser_command(url: str, environ: dict[str, str] | None = None) -> tuple[list[str], bool]:
    """How to open ``url``: the command, and whether it runs in the terminal (and so in
    the foreground, as newsboat runs it).

    ``$BROWSER`` first (a ``:``-separated list of commands; ``%s`` stands for the URL,
    else it is the last argument): it may be a terminal browser (lynx, w3m), so it gets
    the terminal. Otherwise the platform's opener (``open`` on macOS, ``xdg-open``
    elsewhere), in the background. An empty command list: nothing to open with.
    """
    environ = os.environ if environ is None else environ
    for candidate in environ.get("BROWSER", "").split(os.pathsep):
        try:
            words = shlex.split(candidate)
        except ValueError:
            continue
        if words and shutil.which(words[0], path=environ.get("PATH")):
            if any("%s" in word for word in words):
                return [word.replace("%s", url) for word in words], True
            return [*words, url], True
    opener = "open" if sys.platform == "darwin" else "xdg-open"
    found = shutil.which(opener, path=environ.get("PATH"))
    return ([found, url] if found else []), False
