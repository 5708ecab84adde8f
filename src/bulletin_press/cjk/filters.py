"""Text filters for Chinese on text nodes only: punctuation width, Han–Latin spacing, line-break joiners."""

from __future__ import annotations

import re
from dataclasses import dataclass

HAN = "\u2e80-\u2fff\u3040-\u30ff\u3100-\u312f\u31a0-\u31bf\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
LATIN = "A-Za-z0-9\u00c0-\u024f"
# Marks whose glyph sits on one half of a full-width cell, the other half blank.
CLOSING = "，。、；：？！）》」』】〕”’"  # blank on the right
OPENING = "（《「『【〔“‘"  # blank on the left
CJK_CONTEXT = re.compile(f"[{HAN}{CLOSING}{OPENING}\u3000-\u303f\uff00-\uffef]")
IS_HAN = re.compile(f"[{HAN}]")
# Never touched: web and e-mail addresses typed in running text.
PROTECTED = re.compile(r"(?:https?://|www\.)[^\s\u3000-\u303f\uff00-\uffef]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
HALF_TO_FULL = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
SPACE_BETWEEN = re.compile(f"(?<=[{HAN}])(?=[{LATIN}])|(?<=[{LATIN}])(?=[{HAN}])")
# Pango lets these start a line; a WORD JOINER before a run of them keeps it with what precedes.
# Never inside the run: a joiner between two dashes breaks the PDF's text mapping of ——.
NO_LINE_START = re.compile("(?<=[^\\s\u2060·～—…])(?=[·～—…])")
WJ = "\u2060"
# The spacing and joiners the filters may add; everything else in the text is kept as typed.
ADDED = " \u2060"


@dataclass(frozen=True)
class Typography:
    """What a layout switches on (layout.yaml `typography:`)."""

    punctuation: bool = True  # half-width , ( ) : ; ? ! → full-width in Chinese context
    autospace: bool = True  # a space between Han and Latin letters or digits
    joiners: bool = True  # keep · ～ — … off line starts; no lone last-line character
    compress: bool = True  # adjacent punctuation set at 1.5 em (the fonts' halt feature)
    justify: bool = True  # inter-character justification (cjk/justify.py)


def filter_text(parts: list[str], settings: Typography, paragraph: bool = False) -> list[str]:
    """Filter the text nodes of one text field, seen as one string across their boundaries.

    `parts` are the text nodes in order (plain text, inline marks between them); the result has
    the same number of parts. Only spacing and joiners are added; punctuation is replaced in place.
    """
    text = "".join(parts)
    protected = [m.span() for m in PROTECTED.finditer(text)]

    def free(i: int) -> bool:  # character i is not part of an address
        return not any(a <= i < b for a, b in protected)

    def between(i: int) -> bool:  # a gap before character i that does not cut an address
        return not any(a < i < b for a, b in protected)

    if settings.punctuation:
        text = normalize_punctuation(text, free)
    inserts: dict[int, str] = {}
    if settings.autospace:
        for m in SPACE_BETWEEN.finditer(text):
            if between(m.start()):
                inserts[m.start()] = inserts.get(m.start(), "") + " "
    if settings.joiners:
        for m in NO_LINE_START.finditer(text):
            if between(m.start()):
                inserts[m.start()] = inserts.get(m.start(), "") + WJ
        if paragraph and (at := _last_line_bind(text)) is not None:
            inserts[at] = inserts.get(at, "") + WJ
    return _split_back(text, parts, inserts)


def normalize_punctuation(text: str, free=lambda i: True) -> str:
    """`,` `:` `;` `?` `!` after Chinese, and `( )` around Chinese, become full-width."""
    out = list(text)
    pairs = _paren_pairs(text)
    for i, ch in enumerate(text):
        if not free(i):
            continue
        prev = out[i - 1] if i else ""
        if ch in ",:;?!" and CJK_CONTEXT.match(prev) and not _inside_number(text, i):
            out[i] = HALF_TO_FULL[ch]
        elif ch == "(" and i in pairs:
            inner = text[i + 1 : pairs[i]]
            nxt = text[i + 1 : i + 2]
            if IS_HAN.match(nxt) or (IS_HAN.match(prev) and IS_HAN.search(inner)):
                out[i], out[pairs[i]] = "（", "）"
    return "".join(out)


def _paren_pairs(text: str) -> dict[int, int]:
    stack, pairs = [], {}
    for i, ch in enumerate(text):
        if ch == "(":
            stack.append(i)
        elif ch == ")" and stack:
            pairs[stack.pop()] = i
    return pairs


def _inside_number(text: str, i: int) -> bool:
    return text[i - 1 : i].isdigit() and text[i + 1 : i + 2].isdigit()


def _last_line_bind(text: str) -> int | None:
    """Where a joiner keeps the last Han character company, so that no line holds it alone."""
    end = len(text.rstrip(CLOSING + "…—" + WJ + " "))
    if end >= 2 and IS_HAN.match(text[end - 1]) and IS_HAN.match(text[end - 2]):
        return end - 1
    return None


def _split_back(text: str, parts: list[str], inserts: dict[int, str]) -> list[str]:
    """Cut the filtered text back into the original parts; an insertion at a boundary opens the next part."""
    out, start = [], 0
    for n, part in enumerate(parts):
        end = start + len(part)
        last = n == len(parts) - 1
        pieces = []
        for i in range(start, end):
            pieces.append(inserts.get(i, "") + text[i])
        if last and end in inserts:
            pieces.append(inserts[end])
        out.append("".join(pieces))
        start = end
    return out


def strip_added(text: str) -> str:
    """The text without what the filters may add (for comparing with the source)."""
    return text.translate({ord(c): None for c in ADDED})


HALT_PAIR = re.compile(f"[{CLOSING}](?=[{CLOSING}{OPENING}])|(?<=[{OPENING}])[{OPENING}]")


def halt_spans(escaped_html_text: str) -> str:
    """Wrap the mark whose blank half falls between two adjacent marks in a `halt` span (1.5 em)."""
    return HALT_PAIR.sub(lambda m: f'<span class="halt">{m.group()}</span>', escaped_html_text)
