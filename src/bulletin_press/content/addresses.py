"""Web and e-mail addresses typed in running text: where they are, where they link, where they may break."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

# What the engine puts inside an address so that it breaks well; invisible, not in the PDF's text.
ZWSP = "\u200b"  # a break opportunity
WJ = "\u2060"  # no break here
INVISIBLE = ZWSP + WJ

# An address ends at the first full-width mark or space (`见https://a.org/x。` links `https://a.org/x`)
# and at a Han character after a letter or digit (`https://a.org/x说明`); after `/` `=` `#` `?` `_` `-`
# Chinese goes on as a path or query (`https://zh.wikipedia.org/wiki/北京市`, linked percent-encoded).
# Not after a letter, digit or `@_-` (`xhttps://`, `a@www.b.org`); after a dot it is, so that an
# ellipsis typed before an address (`见...https://a.org`) changes nothing about it.
URL = re.compile(r"(?<![A-Za-z0-9@_-])(?:https?://[A-Za-z0-9]|www\.[A-Za-z0-9-]+\.[A-Za-z])[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")
EMAIL = re.compile(r"(?<![A-Za-z0-9_%+-])[A-Za-z0-9_%+-][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![A-Za-z0-9-])")
ADDRESS = re.compile(f"{URL.pattern}|{EMAIL.pattern}")
# Non-ASCII letters (Han, accented) and the ASCII that may follow them in a path, after an ASCII part.
WIDE_PATH = re.compile(r"[^\W\d_][\w\-.~:/?#\[\]@!$&'()*+,;=%]*")
OPENS_PATH = "/=#?_-"
TRAILING = ".,:;!?'\"*"  # typed after an address, not part of it (`见 https://a.org/x.`)
PAIRS = {")": "(", "]": "["}

# Chicago's rule: break after `/` or `//`, before these (and before `@` in an e-mail address) …
BREAK_BEFORE = ".?#&=-_~@%"  # `%`: a percent-encoded path is one long word otherwise
# … and never after these, where a line breaker following UAX #14 would: a hyphen at a line's
# end reads as a word's hyphenation (PDFium even copies it out as U+FFFE, dropping it).
NO_BREAK_AFTER = "-?!"


@dataclass(frozen=True)
class Address:
    """An address found in a text: its place (end excluded), as typed, and the link it makes."""

    start: int
    end: int
    text: str  # without the invisible break characters
    href: str


def find(text: str) -> list[Address]:
    """Every address in `text`, trailing punctuation left out; invisible break characters are looked through."""
    keep = [i for i, ch in enumerate(text) if ch not in INVISIBLE]
    clean = "".join(text[i] for i in keep)
    found = []
    for m in ADDRESS.finditer(clean):
        whole = m.group()
        while m.group().startswith(("http", "www")) and whole[-1] in OPENS_PATH \
                and (more := WIDE_PATH.match(clean, m.start() + len(whole))) and not more.group()[0].isascii():
            whole += more.group()  # a Chinese path segment, then any ASCII after it up to a space or mark
        shown = _trim(whole)
        start, end = keep[m.start()], keep[m.start() + len(shown) - 1] + 1
        found.append(Address(start, end, shown, href(shown)))
    return found


def href(address: str) -> str:
    """The link an address makes: `www.` gets `https://`, an e-mail address `mailto:`."""
    if address.startswith(("http://", "https://")):
        return encode(address)
    if address.startswith("www."):
        return "https://" + encode(address)
    return "mailto:" + address


def encode(url: str) -> str:
    """A link's target with its non-ASCII characters percent-encoded as UTF-8 (a PDF link is ASCII);
    what is already encoded or reserved is kept."""
    return quote(url, safe="".join(chr(c) for c in range(33, 127) if chr(c) not in '"<>\\^`{|}'))


def breakable(address: str) -> dict[int, str]:
    """Where to insert a break opportunity (ZWSP) or a glue (WJ) in an address: offset → character.

    Gaps that already hold an invisible character are left alone, so that the result is stable.
    """
    inserts: dict[int, str] = {}
    for k in range(1, len(address)):
        prev, ch = address[k - 1], address[k]
        if prev in INVISIBLE or ch in INVISIBLE:
            continue
        if prev == "/" and ch != "/":
            inserts[k] = ZWSP
        elif ch in BREAK_BEFORE and prev not in BREAK_BEFORE and prev != "/":
            inserts[k] = ZWSP
        elif prev in NO_BREAK_AFTER:
            inserts[k] = WJ
    return inserts


def _trim(address: str) -> str:
    """Trailing punctuation off; a closing bracket only when it closes one opened before the address."""
    while address:
        last = address[-1]
        if last in TRAILING or last in PAIRS and address.count(last) > address.count(PAIRS[last]):
            address = address[:-1]
        else:
            break
    return address
