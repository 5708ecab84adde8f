"""The page promises as a reader checks them on the printed page: per column, from the PDF alone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pdfplumber

from bulletin_press.pdf.verify import comparable

MM = 72 / 25.4
MAX_EMPTY = 0.10  # house-style.md, "No holes": no column ends more than 10 % empty
LOOSE_EM = 0.15  # issue 20: no line whose Han characters stand more than 0.15 em apart


@dataclass(frozen=True)
class Column:
    page: int  # 1-based
    index: int  # 0-based, left to right
    empty: float  # share of the body height left empty below the column's lowest ink
    stranded: str  # the heading it ends with, as read; "" when none


@dataclass
class Findings:
    """What a reader would mark on the proofs: holes and stranded headings, per column."""

    pages: int
    exempt: set[int]  # pages the rule leaves alone
    columns: list[Column] = field(default_factory=list)
    holes: list[str] = field(default_factory=list)  # columns over MAX_EMPTY that no rule exempts
    stranded: list[str] = field(default_factory=list)  # columns whose last line is a heading
    loose: list[str] = field(default_factory=list)  # lines whose Han characters stand over 0.15 em apart

    @property
    def worst(self) -> float:
        """The emptiest column that the rule covers (0 when every page is exempt)."""
        return max((c.empty for c in self.columns if c.page not in self.exempt), default=0.0)


def _ink(page: pdfplumber.page.Page, top: float, bottom: float) -> list[tuple[float, float, float, str]]:
    """What the body draws: (x0, x1, bottom, text) of characters, images and filled or stroked shapes."""
    ink = [(c["x0"], c["x1"], c["bottom"], c["text"]) for c in page.chars
           if c["text"].strip() and top - 1 <= c["top"] and c["bottom"] <= bottom + 1]
    for shape in [*page.images, *page.rects, *page.lines]:
        y0, y1 = max(shape["top"], top), min(shape["bottom"], bottom)
        if y1 > y0 - 0.5 and shape["top"] < bottom and shape["bottom"] > top:
            ink.append((shape["x0"], shape["x1"], y1, ""))
    return ink


def _lines_up(chars: list[dict]) -> list[list[dict]]:
    """A column's lines of text, the lowest first."""
    lines: dict[int, list[dict]] = {}
    for c in chars:
        lines.setdefault(round(c["bottom"] / 2), []).append(c)
    return [sorted(line, key=lambda c: c["x0"]) for _, line in sorted(lines.items(), reverse=True)]


def _is_heading(line: list[dict]) -> bool:
    """Set as a heading is set: bold or large (a list of links repeating an article's title is not)."""
    return all(c["size"] >= 10 for c in line) and any("Bold" in c["fontname"] or c["size"] >= 11 for c in line)


def _stranded(chars: list[dict], drawn: float, titles: list[str], metas: list[str]) -> str | None:
    """The heading a column ends with (date and source lines under it allowed), or None; `drawn`:
    the bottom of the lowest photo, rule or frame in the column (a heading above a photo is not last)."""
    for line in _lines_up(chars):
        if drawn > max(c["bottom"] for c in line) + 10:  # a banner's own frame and padding allowed
            return None
        text = comparable("".join(c["text"] for c in line))
        if len(text) < 2:
            continue
        if any(text in m for m in metas) and not _is_heading(line):
            continue  # the date line under a title: look above it
        return text if _is_heading(line) and any(text in t for t in titles) else None
    return None


def measure(pdf: Path, columns: int, margins_mm: tuple[float, float], titles: Iterable[str],
            metas: Iterable[str] = (), exempt: Iterable[int] = ()) -> Findings:
    """Per page and column: how empty its foot is, and whether its last line is a heading.

    `columns`: how many columns the layout sets at most; an object counts for each column it
    overlaps by more than a fifth of that column's width (a banner across both counts for both).
    `titles`: the headings a column must not end with (banners, titles, captions), `metas` the
    lines that may stand under them (date, source). `exempt`: 1-based pages the rule leaves alone
    (before a forced break; the last page always)."""
    wanted = [comparable(h) for h in titles if comparable(h)]
    under = [comparable(m) for m in metas if comparable(m)]
    with pdfplumber.open(pdf) as doc:
        findings = Findings(len(doc.pages), set(exempt) | {len(doc.pages)})
        exempt_pages = findings.exempt
        spans = [c for p in doc.pages for c in p.chars if c["text"].strip()]
        left = min(c["x0"] for c in spans)
        right = max(c["x1"] for c in spans)
        width = (right - left) / columns
        for number, page in enumerate(doc.pages, 1):
            top, bottom = margins_mm[0] * MM, float(page.height) - margins_mm[1] * MM
            ink = _ink(page, top, bottom)
            for k in range(columns):
                x0, x1 = left + k * width, left + (k + 1) * width
                mine = [i for i in ink if min(i[1], x1) - max(i[0], x0) > min(0.2 * width, 0.5 * (i[1] - i[0]))]
                low = max((b for _, _, b, _ in mine), default=top)
                chars = [c for c in page.chars if c["text"].strip() and top - 1 <= c["top"] and c["bottom"] <= bottom + 1
                         and min(c["x1"], x1) - max(c["x0"], x0) > 0.5 * (c["x1"] - c["x0"])]
                column = Column(number, k, round(max(0.0, bottom - low) / (bottom - top), 4),
                                _stranded(chars, max((b for _, _, b, t in mine if not t), default=top),
                                          wanted, under) or "")
                findings.columns.append(column)
                if number in exempt_pages:
                    continue
                where = f"p{number}" + (f" column {k + 1}" if columns > 1 else "")
                if column.empty > MAX_EMPTY:
                    findings.holes.append(f"{where}: {column.empty:.0%} empty")
                if column.stranded:
                    findings.stranded.append(f"{where} ends with a heading: {column.stranded[:24]}")
            findings.loose += [f"p{number}: {text[:20]}" for text in _loose_lines(page, top, bottom)]
    return findings


def _is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\U00020000" <= ch <= "\U0003134f"


def _loose_lines(page: pdfplumber.page.Page, top: float, bottom: float) -> list[str]:
    """Lines of text under 12 pt (display type is tracked on purpose) whose median gap between
    adjacent Han characters is over 0.15 em: justification spread too thin."""
    lines: list[list[dict]] = []
    for c in page.chars:  # drawing order: a line is drawn left to right, then the next
        if not (top - 1 <= c["top"] and c["bottom"] <= bottom + 1) or c["size"] >= 12:
            continue
        if lines and abs(c["top"] - lines[-1][-1]["top"]) < 1 and 0 <= c["x0"] - lines[-1][-1]["x0"] < 3 * c["size"]:
            lines[-1].append(c)
        else:
            lines.append([c])
    loose = []
    for line in lines:
        gaps = sorted((b["x0"] - a["x1"]) / a["size"] for a, b in zip(line, line[1:])
                      if _is_han(a["text"]) and _is_han(b["text"]))
        if len(gaps) >= 3 and gaps[len(gaps) // 2] > LOOSE_EM:
            loose.append("".join(c["text"] for c in line))
    return loose
