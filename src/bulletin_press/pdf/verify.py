"""After layout, before writing: every text of the issue is on a page, and none runs off it."""

from __future__ import annotations

import json
import os
import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path
from collections.abc import Iterator

import weasyprint
from weasyprint.formatting_structure import boxes

from ..cjk.filters import Typography
from ..typeset import plain_text
from ..content.model import Issue, Value
from ..diagnostics import Finding, Pos, Report
from ..engine.boxes import page_box
from ..engine import render
from ..machine import usable_cpus

# What the engine may add between characters without changing the text (spacing, joiners).
IGNORABLE = re.compile(r"[\s\u2005\u200b\u2060]+")
# A joiner typed inside a run of dashes or ellipses: HarfBuzz merges the marks into one glyph
# that has no text mapping (the one cause of text-layer loss we know and can name).
JOINED_MARKS = re.compile("[—―…][\u200c\u200d\u2060]+(?=[—―…])")


# Hyphens that a text layer may add, drop or mark where a word breaks at a line end: WeasyPrint
# draws a hyphenation point as its hyphenate-character (U+2010), PDFium reports a typed '-' at a
# line end as U+FFFE and a generated hyphen as U+0002. Between two word characters (spacing
# squashed) they are not compared, on either side.
WORD_HYPHEN = re.compile(r"(?<=\w)[-\u2010\u2011\u00ad\ufffe\u0002]+(?=\w)")


def squash(text: str) -> str:
    return IGNORABLE.sub("", text)


def comparable(text: str) -> str:
    """The text as the checks compare it: no spacing or joiners, no hyphens inside words."""
    return WORD_HYPHEN.sub("", squash(text))


@lru_cache(maxsize=1)  # three checks read the same document: walk its boxes once
def text_boxes(document: weasyprint.Document) -> tuple[tuple[int, boxes.TextBox, bool], ...]:
    """(page number, text box, in a page margin) for every laid-out text, in drawing order."""

    def walk(box: boxes.Box, margin: bool) -> Iterator[tuple[boxes.TextBox, bool]]:
        margin = margin or isinstance(box, boxes.MarginBox)
        if isinstance(box, boxes.TextBox):
            yield box, margin
        for child in box.all_children() if isinstance(box, boxes.ParentBox) else ():
            yield from walk(child, margin)

    return tuple((number, box, margin) for number, page in enumerate(document.pages, 1)
                 for box, margin in walk(page_box(page), False))


def check_completeness(issue: Issue, document: weasyprint.Document, settings: Typography) -> list[Finding]:
    """Every text of the YAML must be in the laid-out pages; a missing one is an error."""
    laid_out = text_boxes(document)
    body = comparable("".join(b.text for _, b, margin in laid_out if not margin))
    everywhere = body + comparable("".join(b.text for _, b, margin in laid_out if margin))
    findings = []
    cursor = 0
    for text, owner in issue.texts():
        wanted = comparable(plain_text(text, settings))
        if not wanted:
            continue
        at = body.find(wanted, cursor)
        if at >= 0:
            cursor = at + len(wanted)
        elif wanted not in everywhere:
            shown = wanted if len(wanted) <= 40 else wanted[:40] + "…"
            findings.append(Finding(owner.pos, f"text missing from the PDF: '{shown}'; expected every text of the issue on a page"))
    return findings


def check_pdf_text(pdf: Path, issue: Issue, document: weasyprint.Document, settings: Typography) -> list[Finding]:
    """The written PDF's own text layer, as a reader's viewer copies it, holds every text of the issue.

    Catches what the laid-out boxes cannot show: a glyph run whose text mapping was lost (a word
    joiner inside —— merges the dashes into one glyph with no text). Running heads and folios are
    taken out page by page so that a paragraph split across pages reads whole. A float (sidebar,
    pull quote) is read as a block of its own: WeasyPrint draws a page's floats before its lines,
    so copied out as drawn, its text would stand inside the paragraph broken across that page.
    """
    margins: dict[int, list[str]] = {}
    for number, box, margin in text_boxes(document):
        if margin:
            margins.setdefault(number, []).append(squash(box.text))
    pages, asides = [], []
    for number, (copied, *floated) in enumerate(_page_texts(pdf, len(document.pages), float_areas(document)), 1):
        text = squash(copied)
        for head in margins.get(number, []):
            at = text.rfind(head)  # drawn after the page's body
            if head and at >= 0:
                text = text[:at] + text[at + len(head):]
        pages.append(text)
        asides.extend(floated)
    # Joined first: a word may break from one page to the next, a float from one page to the next.
    whole = comparable("".join(pages)) + "\0" + comparable("".join(asides))
    findings = []
    texts = [(owner, typed, comparable(typed)) for text, owner in issue.texts() for typed in (plain_text(text, settings),)]
    shared: dict[tuple[str, str], list[Value]] = {}  # (typed, copied out) → the texts refused so
    for owner, typed, wanted in texts:
        if wanted and wanted not in whole:
            lo, got = _parted(wanted, whole)
            # A shared glyph only when the text copies out whole with the one character for the other
            # (a text cut short by a lost glyph also parts there, with anything after it).
            if (got[:1] and lo < len(wanted) and got[0] != wanted[lo] and wanted.replace(wanted[lo], got[0]) in whole
                    and any(got[0] in w for _, _, w in texts)):
                shared.setdefault((wanted[lo], got[0]), []).append(owner)
                continue
            shown = wanted if len(wanted) <= 40 else wanted[:40] + "…"
            findings.append(Finding(owner.pos, f"text missing from the PDF's text layer: '{shown}'; {_why(typed, wanted, whole)}"))
    for pair in shared:
        typing = {ch: [o for o, _, w in texts if ch in w] for ch in pair}
        odd, usual = sorted(pair, key=lambda ch: (len(typing[ch]), ch != pair[1]))  # the rarer one; a tie: what the PDF shows
        findings.append(_shared_glyph(odd, usual, typing[odd][0], typing[usual]))
    return findings


def _shared_glyph(odd: str, usual: str, holder: Value, others: list[Value]) -> Finding:
    """Two characters the font draws with one glyph: a PDF's text map (ToUnicode) gives a glyph one
    character, so the texts typed with one of them copy out with the other. Named where the rarer
    one was typed (the paragraph to change), with the first text holding the other."""
    def name(ch: str) -> str:
        return f"'{ch}' (U+{ord(ch):04X} {unicodedata.name(ch, '?')})"

    count = f"{len(others)} other text{'s' if len(others) > 1 else ''}"
    return Finding(holder.pos, f"{name(odd)} typed here is drawn with the same glyph as {name(usual)}, typed in {count} "
                               f"(first at {others[0].pos}); a PDF's text layer gives a glyph one character, so one of them "
                               f"copies out wrong; expected one of the two throughout — type '{usual}' here")


def _parted(wanted: str, whole: str) -> tuple[int, str]:
    """How much of the beginning of `wanted` the text layer holds, and what it holds after that."""
    lo, hi = 0, len(wanted)  # the longest beginning of `wanted` that the text layer holds
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if wanted[:mid] in whole else (lo, mid - 1)
    at = whole.find(wanted[:lo]) + lo if lo else -1
    return lo, whole[at : at + 6] if at >= 0 else ""


PX = 0.75  # PDF points per CSS px


Area = tuple[float, float, float, float]  # left, bottom, right, top in PDF points


def float_areas(document: weasyprint.Document) -> dict[int, list[Area]]:
    """Where the floats holding text lie on each page (1-based), outermost only, in drawing order.
    (A floated ::first-letter never gets here: preflight/stylesheets.py refuses it.)"""
    found: dict[int, list[Area]] = {}
    for number, page in enumerate(document.pages, 1):
        stack: list[boxes.Box] = [page_box(page)]
        while stack:
            box = stack.pop()
            if box.is_floated() and any(isinstance(b, boxes.TextBox) and b.text.strip() for b in box.descendants()):
                x, y = box.border_box_x(), box.border_box_y()
                found.setdefault(number, []).append((x * PX, (page.height - y - box.border_height()) * PX,
                                                     (x + box.border_width()) * PX, (page.height - y) * PX))
            elif isinstance(box, boxes.ParentBox) and not isinstance(box, boxes.MarginBox):
                stack.extend(reversed(box.children))
    return found


def _split_page(textpage: object, areas: list[Area]) -> list[str]:
    """A page's text as [what is outside its floats, each float's own text], each character given
    to the float its origin lies in (PDFium copies them out in drawing order: floats first)."""
    import ctypes

    import pypdfium2.raw as pdfium

    raw = textpage.raw  # type: ignore[attr-defined]
    x, y = ctypes.c_double(), ctypes.c_double()
    parts: list[list[str]] = [[] for _ in range(len(areas) + 1)]
    owner = 0
    for i in range(pdfium.FPDFText_CountChars(raw)):
        char = chr(pdfium.FPDFText_GetUnicode(raw, i))
        if 0xDC00 <= ord(char) <= 0xDFFF:  # the second half of a surrogate pair goes with the first
            parts[owner].append(char)
            continue
        owner = 0
        if not char.isspace():  # PDFium's own line ends and spaces have no place of their own
            pdfium.FPDFText_GetCharOrigin(raw, i, x, y)
            owner = next((k + 1 for k, (left, bottom, right, top) in enumerate(areas)
                          if left - 1 <= x.value <= right + 1 and bottom - 1 <= y.value <= top + 1), 0)
        parts[owner].append(char)
    # PDFium counts in UTF-16 units: a character beyond the BMP (Han Extensions B–H, emoji) comes as two.
    return ["".join(part).encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace") for part in parts]


def _page_texts(pdf: Path, count: int, floats: dict[int, list[Area]] | None = None) -> list[list[str]]:
    """Each page's text as PDFium copies it out, [its text] — on a page with `floats`, [the text
    outside them, each float's text] (_split_page); the second half of a longer PDF read by a forked
    child on another core meanwhile (PDFium, ~8 ms a page, runs in one thread per process: 2023-11
    0.16 → 0.13 s). Should the child fail, its pages are read here."""
    import pypdfium2  # already loaded for preview; here only when a PDF is written

    areas = floats or {}

    def read(numbers: range) -> list[list[str]]:
        doc = pypdfium2.PdfDocument(str(pdf))
        try:
            return [_split_page(page, areas[n + 1]) if n + 1 in areas else [page.get_text_range()]
                    for n in numbers for page in (doc[n].get_textpage(),)]
        finally:
            doc.close()

    # Forked only while this thread is the process's one (write_pdf starts its fsync after the fork).
    alone = threading.active_count() == 1
    half = count // 2 if count >= 8 and usable_cpus() > 1 and hasattr(os, "fork") and alone else count
    if half == count:
        render.start_sync()
        return read(range(count))
    into, out = os.pipe()
    child = os.fork()
    if child == 0:  # the child: its pages down the pipe, then gone without running the parent's exit code
        code = 1
        try:
            os.close(into)
            with os.fdopen(out, "wb") as pipe:
                pipe.write(json.dumps(read(range(half, count))).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(out)
    render.start_sync()  # the disk syncs the PDF while both processes read it
    with os.fdopen(into, "rb") as pipe:
        try:
            first = read(range(half))
            sent = pipe.read()
        finally:
            pipe.close()  # a child still writing (we failed) stops at once
            _, status = os.waitpid(child, 0)
    try:
        rest = json.loads(sent) if status == 0 else None
    except ValueError:
        rest = None
    return first + (rest if isinstance(rest, list) and len(rest) == count - half else read(range(half, count)))


def _why(typed: str, wanted: str, whole: str) -> str:
    """Where the copied text parts from the typed one, and the cause when it is known."""
    lo, got = _parted(wanted, whole)
    where = f"after '{wanted[max(0, lo - 8):lo]}' it copies out as '{got}', not '{wanted[lo:lo + 6]}'" if lo else \
        f"it copies out differently from its first character '{wanted[:1]}'"
    if joined := JOINED_MARKS.search(typed):
        joiner = joined.group()[1]
        return (f"{where} — the invisible U+{ord(joiner):04X} {unicodedata.name(joiner)} typed inside "
                f"'{joined.group()[0]}{joined.group()[0]}' merges the marks into a glyph with no text; expected the marks "
                "without it — delete it")
    return f"{where}; expected it to copy out of the PDF as typed"


def check_overflow(document: weasyprint.Document, report: Report, where: Pos) -> None:
    """Text that runs past the right edge of the page's content area is clipped for the reader."""
    pages = document.pages
    for number, box, margin in text_boxes(document):
        page = page_box(pages[number - 1])
        if not margin and box.position_x + box.width > page.content_box_x() + page.width + 1:
            report.warn(where, f"page {number}: text '{box.text[:30]}' runs past the right margin")
