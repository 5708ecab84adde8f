"""Web and e-mail addresses typed in running text: where they are, where they link, where they may break."""

from __future__ import annotations

import re
from dataclasses import dataclass

# What the engine puts inside an address so that it breaks well; invisible, not in the PDF's text.
ZWSP = "\u200b"  # a break opportunity
WJ = "\u2060"  # no break here
INVISIBLE = ZWSP + WJ

# ASCII only: an address ends at the first Han character, full-width mark or space
# (`见https://a.org/x。` links `https://a.org/x`). Internationalised paths are not recognised.
# Not after a letter, digit or `@_-` (`xhttps://`, `a@www.b.org`); after a dot it is, so that an
# ellipsis typed before an address (`见...https://a.org`) changes nothing about it.
URL = re.compile(r"(?<![A-Za-z0-9@_-])(?:https?://[A-Za-z0-9]|www\.[A-Za-z0-9-]+\.[A-Za-z])[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")
EMAIL = re.compile(r"(?<![A-Za-z0-9_%+-])[A-Za-z0-9_%+-][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![A-Za-z0-9-])")
ADDRESS = re.compile(f"{URL.pattern}|{EMAIL.pattern}")
TRAILING = ".,:;!?'\"*"  # typed after an address, not part of it (`见 https://a.org/x.`)
PAIRS = {")": "(", "]": "["}

# Chicago's rule: break after `/` or `//`, before these (and before `@` in an e-mail address) …
BREAK_BEFORE = ".?#&=-_~@"
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
        shown = _trim(m.group())
        start, end = keep[m.start()], keep[m.start() + len(shown) - 1] + 1
        found.append(Address(start, end, shown, href(shown)))
    return found


def href(address: str) -> str:
    """The link an address makes: `www.` gets `https://`, an e-mail address `mailto:`."""
    if address.startswith(("http://", "https://")):
        return address
    if address.startswith("www."):
        return "https://" + address
    return "mailto:" + address


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
