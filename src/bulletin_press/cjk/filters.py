"""Text filters for Chinese on text nodes only: punctuation, quotes, Han–Latin spacing, line-break joiners."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import accumulate

from . import chars
from ..content import addresses

HAN = chars.CJK_LETTERS  # Han (Extensions A–I), kana, bopomofo: cjk/chars.py
LATIN = "A-Za-z0-9\u00c0-\u024f"
# Marks whose glyph sits on one half of a full-width cell, the other half blank.
CLOSING = "，。、；：？！）》」』】〕”’"  # blank on the right
OPENING = "（《「『【〔“‘"  # blank on the left
CJK_CONTEXT = re.compile(f"[{HAN}{CLOSING}{OPENING}{chars.CJK_PUNCTUATION}{chars.FULLWIDTH}]")
IS_HAN = chars.IS_CJK_LETTER
IS_LATIN = re.compile(f"[{LATIN}]")
HALF_TO_FULL = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
QUOTES = {'"': "“”", "'": "‘’"}
# An ellipsis typed as dots, ideographic full stops or a single …, alone (never part of a longer run of stops).
ELLIPSIS = re.compile(r"(?:\.\.\.|。。。|…)+")
SPACE_BETWEEN = re.compile(f"(?<=[{HAN}])(?=[{LATIN}])|(?<=[{LATIN}])(?=[{HAN}])")
# Pango lets these start a line; a WORD JOINER before a run of them keeps it with what precedes.
# Never inside the run: a joiner between two dashes breaks the PDF's text mapping of ——.
NO_LINE_START = re.compile("(?<=[^\\s\u2060·～—…])(?=[·～—…])")
WJ = "\u2060"
ZWSP = "\u200b"
# Pango follows UAX #14, whose quotation marks (class QU) hold on to both neighbours: `简称“INC-3”）`
# then moves as one piece and leaves the line before it loose. Chinese typesetting breaks before an
# opening quote and after a closing one (clreq), so a break opportunity goes there, between Han
# characters or marks that may end or start a line.
QUOTE_BREAK = re.compile(f"(?<=[{HAN}{CLOSING}])(?=[“‘])|(?<=[”’])(?=[{HAN}{OPENING}])")
# A DOI, a file name, a path typed without `https://`: a string of letters, digits and marks with a
# `/` or `_` in it, or a file extension, at least 12 characters long. Like an address it is kept as
# typed and breaks at its marks (addresses.breakable): unbroken it leaves the line before it loose.
LONG_STRING = re.compile("[A-Za-z0-9][A-Za-z0-9._/:#?=&\\-\u200b\u2060]*[A-Za-z0-9/]")
STRING_MARK = re.compile(r"[/_]|[A-Za-z0-9]\.[A-Za-z]{2,4}$|^doi:", re.IGNORECASE)
# The spacing, joiners and break opportunities the filters may add; everything else is kept as typed.
ADDED = " \u2060\u200b"
# Pasted from Word or WeChat: variants of the house dash (——), ellipsis (……) and wave (～) that the CJK
# faces draw with the house form's glyph (⋯ and 〜 share it in the cmap; locl draws — with ―'s). A
# PDF's text map gives a glyph one character, so an issue holding both copies one of them out wrong:
# always set as the house form, whatever the typography switches.
VARIANTS = {"\u2015": "\u2014", "\u2e3a": "\u2014\u2014", "\u2e3b": "\u2014\u2014\u2014", "\u22ef": "\u2026",
            "\u301c": "\uff5e"}
# Word's and WeChat's line and paragraph separators draw a box in the CJK faces: white space, as a
# line break typed in YAML is — a space between Latin words, nothing between Chinese characters.
SEPARATORS = "\u2028\u2029"
# Quotation marks whose width depends on the language they stand in (East Asian ambiguous width).
CURLY = "‘’“”"


@dataclass(frozen=True)
class Typography:
    """What a layout switches on (layout.yaml `typography:`)."""

    punctuation: bool = True  # half-width , ( ) : ; ? ! → full-width in Chinese context
    autospace: bool = True  # a space between Han and Latin letters or digits
    joiners: bool = True  # keep · ～ — … off line starts; no lone last-line character; breaks at “ ”
    compress: bool = True  # adjacent punctuation set at 1.5 em (the fonts' halt feature)
    justify: bool = True  # inter-character justification (cjk/justify.py)
    quotes: bool = True  # straight "…" '…' → “…” ‘…’ in Chinese context
    ellipsis: bool = True  # ... 。。。 … → …… in Chinese context


def filter_text(parts: list[str], settings: Typography, paragraph: bool = False) -> list[str]:
    """Filter the text nodes of one text field, seen as one string across their boundaries.

    `parts` are the text nodes in order (plain text, inline marks between them); the result has
    the same number of parts. Marks are replaced in place (an ellipsis may change length); only
    spacing, joiners and, inside web and e-mail addresses, break opportunities are added.
    """
    text = "".join(parts)
    pasted = pasted_cells(text)
    text = "".join(c[:1] or " " for c in pasted)  # one character each while the passes run
    protected = [(a.start, a.end) for a in addresses.find(text)]
    protected += long_strings(text, protected)

    def free(i: int) -> bool:  # character i is not part of an address
        return not any(a <= i < b for a, b in protected)

    # Each pass only turns marks full-width or curly, and one may give the next its Chinese
    # context (`中"",` → `中“”,` → `中“”，`): repeat until nothing changes, so that filtering is stable.
    while settings.punctuation or settings.quotes:
        before = text
        if settings.punctuation:
            text = normalize_punctuation(text, free)
        if settings.quotes:
            text = curl_quotes(text, free)
        if text == before:
            break
    cells = ellipses(text, free) if settings.ellipsis else list(text)  # what each typed character became
    # A variant of more than one character, or a separator dropped, once the passes left it alone.
    cells = [p if len(p) != 1 and c == (p[:1] or " ") else c for c, p in zip(cells, pasted)]
    text = "".join(cells)
    starts = [0, *accumulate(len(c) for c in cells)]
    protected = [(starts[a], starts[b]) for a, b in protected]

    def between(i: int) -> bool:  # a gap before character i that does not cut an address
        return not any(a < i < b for a, b in protected)

    inserts: dict[int, str] = {}

    def insert(at: int, what: str) -> None:
        inserts[at] = inserts.get(at, "") + what

    if settings.autospace:
        for m in SPACE_BETWEEN.finditer(text):
            if between(m.start()):
                insert(m.start(), " ")
    if settings.joiners:
        for m in NO_LINE_START.finditer(text):
            if between(m.start()):
                insert(m.start(), WJ)
        if paragraph and (at := _last_line_bind(text)) is not None:
            insert(at, WJ)
        for m in QUOTE_BREAK.finditer(text):
            if between(m.start()) and m.start() not in inserts:
                insert(m.start(), ZWSP)
    for a, b in protected:  # always: an address that cannot break runs off a narrow column
        for k, what in addresses.breakable(text[a:b]).items():
            insert(a + k, what)
    return _split_back(cells, parts, inserts)


def pasted_cells(text: str) -> list[str]:
    """What each character becomes as pasted text is normalised: house forms for variants, a space or
    nothing for a line or paragraph separator (nothing between two Chinese characters or marks)."""
    cells = [VARIANTS.get(ch, ch) for ch in text]
    for i, ch in enumerate(text):
        if ch in SEPARATORS:
            before, after = _neighbour(text, i, -1), _neighbour(text, i, 1)
            cells[i] = "" if _chinese_side(before) and _chinese_side(after) else " "
    return cells


def _chinese_side(c: str) -> bool:
    """A separator's neighbour that asks for no space: none, a space, a separator, Chinese text."""
    return not c or c.isspace() or c in SEPARATORS or bool(CJK_CONTEXT.match(c))


def long_strings(text: str, addresses_found: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Where DOIs, file names and paths stand in `text` (start, end), addresses left out."""
    found = []
    for m in LONG_STRING.finditer(text):
        visible = m.group().translate({ord(c): None for c in addresses.INVISIBLE})
        if (len(visible) >= 12 and STRING_MARK.search(visible)
                and not any(a < m.end() and m.start() < b for a, b in addresses_found)):
            found.append(m.span())
    return found


def normalize_punctuation(text: str, free=lambda i: True) -> str:
    """`,` `:` `;` `?` `!` after Chinese, and `( )` around Chinese, become full-width."""
    out = list(text)
    pairs = _paren_pairs(text)
    latin: set[int] | None = None  # the Latin quotes, found when a mark follows a quote
    for i, ch in enumerate(text):
        if not free(i):
            continue
        prev = out[i - 1] if i else ""
        if ch in ",:;?!" and CJK_CONTEXT.match(prev) and not _inside_number(text, i):
            if prev in CURLY:  # `China”, says`: after a Latin quote, or before Latin words, it stays
                latin = latin if latin is not None else latin_quotes("".join(out))
                after = _neighbour(text.replace(" ", ZWSP), i, 1)  # the next visible character past spaces
                if i - 1 in latin and not IS_HAN.match(after) or IS_LATIN.match(after):
                    continue
            out[i] = HALF_TO_FULL[ch]
        elif ch == "(" and i in pairs:
            inner = text[i + 1 : pairs[i]]
            nxt = text[i + 1 : i + 2]
            if IS_HAN.match(nxt) or (IS_HAN.match(prev) and IS_HAN.search(inner)):
                out[i], out[pairs[i]] = "（", "）"
    return "".join(out)


def curl_quotes(text: str, free=lambda i: True) -> str:
    """Straight quotes paired in order become “…” and ‘…’ when Chinese is inside or right outside the pair.

    An apostrophe or prime between Latin letters or digits (`it's`, `5'10"`) is never a quote; a
    quote that cannot open or close where it stands is left as typed.
    """
    out = list(text)
    for straight, (left, right) in QUOTES.items():
        for i, j in _quote_pairs(text, straight, free):
            inner = text[i + 1 : j]
            if IS_HAN.search(inner) or CJK_CONTEXT.match(_neighbour(text, i, -1)) or CJK_CONTEXT.match(_neighbour(text, j, 1)):
                out[i], out[j] = left, right
    return "".join(out)


def latin_quotes(text: str) -> set[int]:
    """Where the curly quotes set in Latin context stand: their ambiguous width is the Latin font's.

    An apostrophe between Latin letters (`it’s`) or after one (`authors’ view`) is Latin; a pair
    of quotes is Latin when it holds no Chinese and the characters right outside it are not
    Chinese (`“the rise of China”, says`); `中“OK”`, `“中国”` stay Chinese, full width.
    """
    latin, opened = set(), {"“": [], "‘": []}
    closer = {"”": "“", "’": "‘"}
    for i, ch in enumerate(text):
        if ch not in CURLY:
            continue
        prev, nxt = _neighbour(text, i, -1), _neighbour(text, i, 1)
        if ch == "’" and IS_LATIN.match(prev) and (IS_LATIN.match(nxt) or not opened["‘"]) and not IS_HAN.match(nxt):
            latin.add(i)  # an apostrophe: it’s, authors’
        elif ch in opened:
            opened[ch].append(i)
        elif opened[closer[ch]]:
            start = opened[closer[ch]].pop()
            outside = _neighbour(text, start, -1) + _neighbour(text, i, 1)
            if not CHINESE_MARK.search(text[start + 1 : i]) and not CHINESE_MARK.search(outside.strip(CURLY)):
                latin.update((start, i))
        elif IS_LATIN.match(prev) and not IS_HAN.match(nxt):
            latin.add(i)  # a closer without its opener, after a Latin word
    return latin


CHINESE_MARK = re.compile(f"[{HAN}{chars.CJK_PUNCTUATION}{chars.FULLWIDTH}]")  # Han, or a full-width mark


def _quote_pairs(text: str, quote: str, free) -> list[tuple[int, int]]:
    pairs, opened = [], None
    for i, ch in enumerate(text):
        if ch != quote or not free(i):
            continue
        prev, nxt = _neighbour(text, i, -1), _neighbour(text, i, 1)
        if IS_LATIN.match(prev) and IS_LATIN.match(nxt):
            continue  # it's, 5'10: inside a word or number
        if opened is not None and prev and not prev.isspace():
            pairs.append((opened, i))
            opened = None
        elif nxt and not nxt.isspace() and not IS_LATIN.match(prev):
            opened = i  # an earlier opener without a closer stays as typed
    return pairs


def ellipses(text: str, free=lambda i: True) -> list[str]:
    """What each character becomes when an ellipsis typed in Chinese context is set as ……."""
    cells = list(text)
    for m in ELLIPSIS.finditer(text):
        a, b = m.span()
        if m.group() == "……" or not all(free(k) for k in range(a, b)):
            continue
        if _neighbour(text, a, -1) in (".", "。") or _neighbour(text, b - 1, 1) in (".", "。"):
            continue  # part of a longer run of stops: not an ellipsis we know
        chinese = "。" in m.group() or CJK_CONTEXT.match(_neighbour(text, a, -1)) or CJK_CONTEXT.match(_neighbour(text, b - 1, 1))
        if chinese:
            cells[a:b] = ["……"] + [""] * (b - a - 1)
    return cells


def _neighbour(text: str, i: int, step: int) -> str:
    """The visible character next to i (joiners and break opportunities looked through), or ''."""
    i += step
    while 0 <= i < len(text) and text[i] in addresses.INVISIBLE:
        i += step
    return text[i] if 0 <= i < len(text) else ""


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


def _split_back(cells: list[str], parts: list[str], inserts: dict[int, str]) -> list[str]:
    """Cut the filtered text back into the original parts; an insertion at a boundary opens the next part.

    `cells[i]` is what the i-th typed character became; `inserts` are keyed by filtered offsets.
    """
    out, start, at = [], 0, 0
    for n, part in enumerate(parts):
        end = start + len(part)
        pieces = []
        for i in range(start, end):
            for ch in cells[i]:
                pieces.append(inserts.get(at, "") + ch)
                at += 1
        if n == len(parts) - 1 and at in inserts:
            pieces.append(inserts[at])
        out.append("".join(pieces))
        start = end
    return out


def strip_added(text: str) -> str:
    """The text without what the filters may add (for comparing with the source)."""
    return text.translate({ord(c): None for c in ADDED})


HALT_PAIR = re.compile(f"[{CLOSING}](?=[{ZWSP}{WJ}]?[{CLOSING}{OPENING}])|(?<=[{OPENING}])[{OPENING}]")


def halt_spans(escaped_html_text: str) -> str:
    """Wrap the mark whose blank half falls between two adjacent marks in a `halt` span (1.5 em)."""
    return HALT_PAIR.sub(lambda m: f'<span class="halt">{m.group()}</span>', escaped_html_text)
