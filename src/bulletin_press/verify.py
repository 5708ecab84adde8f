"""After layout, before writing: every text of the issue is on a page, and none runs off it."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from collections.abc import Iterator

import weasyprint
from weasyprint.formatting_structure import boxes

from .cjk.filters import Typography
from .typeset import plain_text
from .content.model import Issue
from .diagnostics import Finding, Pos, Report

# What the engine may add between characters without changing the text (spacing, joiners).
IGNORABLE = re.compile(r"[\s\u2005\u200b\u2060]+")


def squash(text: str) -> str:
    return IGNORABLE.sub("", text)


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
                 for box, margin in walk(page._page_box, False))


def check_completeness(issue: Issue, document: weasyprint.Document, settings: Typography) -> list[Finding]:
    """Every text of the YAML must be in the laid-out pages; a missing one is an error."""
    laid_out = text_boxes(document)
    body = squash("".join(b.text for _, b, margin in laid_out if not margin))
    everywhere = body + squash("".join(b.text for _, b, margin in laid_out if margin))
    findings = []
    cursor = 0
    for text, owner in issue.texts():
        wanted = squash(plain_text(text, settings))
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
    taken out page by page so that a paragraph split across pages reads whole.
    """
    import pypdfium2  # already loaded for preview; here only when a PDF is written

    margins: dict[int, list[str]] = {}
    for number, box, margin in text_boxes(document):
        if margin:
            margins.setdefault(number, []).append(squash(box.text))
    doc = pypdfium2.PdfDocument(str(pdf))
    try:
        pages = []
        for number in range(1, len(doc) + 1):
            text = squash(doc[number - 1].get_textpage().get_text_range())
            for head in margins.get(number, []):
                at = text.rfind(head)  # drawn after the page's body
                if head and at >= 0:
                    text = text[:at] + text[at + len(head):]
            pages.append(text)
    finally:
        doc.close()
    whole = "".join(pages)
    findings = []
    for text, owner in issue.texts():
        wanted = squash(plain_text(text, settings))
        if wanted and wanted not in whole:
            shown = wanted if len(wanted) <= 40 else wanted[:40] + "…"
            findings.append(Finding(owner.pos, f"text missing from the PDF's text layer: '{shown}'; expected it to copy out "
                                               "of the PDF as typed — an invisible character (joiner, control) or a font "
                                               "without text mapping inside it breaks that"))
    return findings


def check_overflow(document: weasyprint.Document, report: Report, where: Pos) -> None:
    """Text that runs past the right edge of the page's content area is clipped for the reader."""
    pages = document.pages
    for number, box, margin in text_boxes(document):
        page = pages[number - 1]._page_box
        if not margin and box.position_x + box.width > page.content_box_x() + page.width + 1:
            report.warn(where, f"page {number}: text '{box.text[:30]}' runs past the right margin")
