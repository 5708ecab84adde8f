"""Measures Chinese typesetting in any PDF from character positions (clreq rules, see docs).

Usage:
  .venv/bin/python benchmarks/cjk_measure.py FILE.pdf [FILE.pdf …]   # one row per PDF
  .venv/bin/python benchmarks/cjk_measure.py --issue 2023-11 [--runs 3]
  .venv/bin/python benchmarks/cjk_measure.py --issue tests/corpus/2023-12 --runs 0   # any issue folder
  .venv/bin/python benchmarks/cjk_measure.py --narrow [2023-11,tests/corpus/2024-01] [-v]

With --narrow it renders each issue in the house layout and in narrow-column variants (two columns
per section, per article; A5 with smaller type) and counts, per PDF, the loose lines and the lines
held at the limit (Han gaps at 0.15 em: the justification stopped there and the line ends short),
each with the cause read from the line after it (`cause`).

With --issue it renders the issue with bulletin-press (writing its HTML), lays out the same HTML
with plain WeasyPrint, measures both side by side, and times the render with the justification
on and off in the same process (alternating runs, medians).

What it counts (body text: the body font at the body size; lines from the content stream):
- short: body lines ending more than 0.5 pt before their column's right edge, of all body lines
  (a paragraph's last line is short by nature); ragged: the same, paragraph ends left out;
- forbidden: lines starting with a closing mark (、，。…) or ending with an opening one (（《“…);
- lone: paragraph ends holding a single Han character (with its punctuation);
- Han–Latin: boundaries between a Han character and a Latin letter or digit inside a line,
  and how many of them have a gap of at least 0.15 em;
- loose: lines of any size (body, captions, cells, boxes) whose median gap between adjacent Han
  characters exceeds 0.15 em — the space justification spread beyond the glyphs' advances, as
  when a line is stretched around an unbreakable URL (at least three Han pairs to judge; display
  type of 12 pt and more, which a masthead tracks on purpose, left out).
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pdfplumber

ROOT = Path(__file__).resolve().parent.parent
HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")  # Ext B and later too
LATIN = re.compile("[A-Za-z0-9]")
NO_START = set("、，。；：！？）》」』】〕…%”’")
NO_END = set("（《「『【〔“‘")
INVISIBLE = {" ", "\u2060", "\u00a0", "\u3000", ""}
LOOSE_EM = 0.15  # median Han–Han gap above which a line reads as letter-spaced
LOOSE_MIN_PAIRS = 3
LOOSE_MAX_SIZE = 12.0  # display type from here up (the masthead) is tracked on purpose
SIDE_MARGIN = 18 * 72 / 25.4  # both layouts' left and right page margins: where a full column ends
# Page margins in pt (top, bottom) that hold the running head and folio, per layout.
MARGINS = {"cega-bulletin": (62.0, 56.0), "member-brief": (57.0, 51.0)}

OPPORTUNITY = re.compile(f"[ \u00a0{HAN.pattern.strip('[]')}]")


@dataclass
class Line:
    page: int
    chars: list[dict]
    page_width: float = 595.28

    @property
    def x0(self) -> float:
        return self.chars[0]["x0"]

    @property
    def x1(self) -> float:
        return self.chars[-1]["x1"]

    @property
    def text(self) -> str:
        return "".join(c["text"] for c in self.chars)

    @property
    def top(self) -> float:
        return statistics.median(c["top"] for c in self.chars)  # a superscript or emoji does not move it


@dataclass
class Figures:
    name: str
    body_lines: int = 0
    short: int = 0
    ragged: int = 0
    paragraph_ends: int = 0
    forbidden: list[str] = field(default_factory=list)
    lone: list[str] = field(default_factory=list)
    ragged_lines: list[str] = field(default_factory=list)
    boundaries: int = 0
    spaced: int = 0
    loose: list[str] = field(default_factory=list)

    def row(self) -> str:
        pct = lambda n, d: f"{100 * n / d:5.1f} %" if d else "    –"  # noqa: E731
        return (f"{self.name:<34}{self.body_lines:>6}{pct(self.short, self.body_lines):>9}"
                f"{pct(self.ragged, self.body_lines):>9}{len(self.forbidden):>10}{len(self.lone):>6}"
                f"{self.boundaries:>7}{pct(self.spaced, self.boundaries):>9}{len(self.loose):>7}")


HEADER = f"{'':<34}{'body':>6}{'short':>9}{'ragged':>9}{'forbidden':>10}{'lone':>6}{'Han–L':>7}{'gap':>9}{'loose':>7}"


def lines_of(pdf_path: Path, top_margin: float, bottom_margin: float) -> list[Line]:
    """Text lines in drawing order; a new line where the baseline changes or x runs backwards."""
    lines: list[Line] = []
    with pdfplumber.open(pdf_path) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            current: list[dict] = []
            for c in page.chars:
                if c["text"] in INVISIBLE or not (top_margin <= c["top"] <= page.height - bottom_margin):
                    continue
                if current and (abs(c["top"] - current[-1]["top"]) > 1 or c["x0"] < current[-1]["x0"] - 1
                                or c["x0"] - current[-1]["x1"] > c["size"] * 1.5):
                    lines.append(Line(number, current, float(page.width)))
                    current = []
                current.append(c)
            if current:
                lines.append(Line(number, current, float(page.width)))
    return lines


def measure(pdf_path: Path, name: str, body_size: float = 10.5, body_font: str = "Serif",
            top_margin: float = 62, bottom_margin: float = 56) -> Figures:
    figures = Figures(name)
    lines = lines_of(pdf_path, top_margin, bottom_margin)
    for i, line in enumerate(lines):
        first, last = line.text[0], line.text[-1]
        if first in NO_START:
            figures.forbidden.append(f"p{line.page} starts {line.text[:12]}")
        if last in NO_END:
            figures.forbidden.append(f"p{line.page} ends {line.text[-12:]}")
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        if last == "—" and nxt and nxt.text[0] == "—":
            figures.forbidden.append(f"p{line.page} splits ——")
        for a, b in zip(line.chars, line.chars[1:]):
            if (HAN.match(a["text"]) and LATIN.match(b["text"])) or (LATIN.match(a["text"]) and HAN.match(b["text"])):
                figures.boundaries += 1
                figures.spaced += (b["x0"] - a["x1"]) >= 0.15 * a["size"]
        if (spread := han_spread(line)) is not None and spread > LOOSE_EM:
            figures.loose.append(f"p{line.page} loose by {spread:.2f} em: {line.text[:16]}…{line.text[-8:]}")

    body = [ln for ln in lines if _is_body(ln, body_size, body_font)]
    figures.body_lines = len(body)
    # A column: body lines on one page sharing a left edge (first lines are indented 2 em).
    for i, line in enumerate(body):
        indent = 2 * body_size
        left = line.x0 - indent if _indented(line, body, indent) else line.x0
        right = _right_edge([ln.x1 for ln in body if ln.page == line.page and _same_column(ln, left, indent)],
                            line.page_width - SIDE_MARGIN)
        nxt = body[i + 1] if i + 1 < len(body) else None
        # A paragraph goes on at the column's left edge, on the next line down or atop the next
        # page; a wider step down is the space between paragraphs set without indent (English),
        # and so is a sentence's end at a page's foot before an unindented line.
        continues = nxt is not None and abs(nxt.x0 - left) < 1 and (
            (nxt.page == line.page + 1 and line.text[-1] not in ".!?")
            or (nxt.page == line.page and nxt.top - line.top < 2.05 * body_size))
        # A line of nothing but an address has no space and no Han character to widen: justifying
        # it would letter-space the address, which the engine never does.
        short = line.x1 < right - 0.5 and bool(OPPORTUNITY.search(line.text))
        figures.short += short
        if continues:
            figures.ragged += short
            if short:
                figures.ragged_lines.append(f"p{line.page} ragged by {right - line.x1:.1f} pt: {line.text[:16]}…{line.text[-8:]}")
        else:
            figures.paragraph_ends += 1
            han = [c for c in line.text if HAN.match(c)]
            if len(han) == 1 and len(line.text.strip("，。、；：！？”’）》")) == 1:
                figures.lone.append(f"p{line.page}: {line.text}")
    return figures


def han_spread(line: Line) -> float | None:
    """Median gap between adjacent Han characters of a line, in em; None with too few pairs."""
    gaps = [(b["x0"] - a["x1"]) / a["size"] for a, b in zip(line.chars, line.chars[1:])
            if HAN.match(a["text"]) and HAN.match(b["text"]) and a["size"] < LOOSE_MAX_SIZE]
    return statistics.median(gaps) if len(gaps) >= LOOSE_MIN_PAIRS else None


def _right_edge(ends: list[float], page_edge: float) -> float:
    """The column's right edge: the page's content edge when the column's lines reach it (within
    1 pt), else the furthest line end (a boxed or narrower column)."""
    furthest = max(ends)
    return page_edge if abs(furthest - page_edge) <= 1 else furthest


def _is_body(line: Line, size: float, font: str) -> bool:
    """Mostly the body size, and some of it in the body font (a bold lead-in may fill most of a line)."""
    sized = [c for c in line.chars if abs(c["size"] - size) < 0.05]
    return len(sized) >= 0.8 * len(line.chars) and any(font in c["fontname"] for c in sized)


def _indented(line: Line, body: list[Line], indent: float) -> bool:
    return any(abs(other.x0 - (line.x0 - indent)) < 1 for other in body if other.page == line.page)


def _same_column(line: Line, left: float, indent: float) -> bool:
    return abs(line.x0 - left) < 1 or abs(line.x0 - left - indent) < 1


def loose_lines(pdf_path: Path, top_margin: float = 62, bottom_margin: float = 56,
                limit: float = LOOSE_EM) -> list[tuple[Line, float, Line | None]]:
    """Lines whose Han characters stand more than `limit` em apart: (line, spread, next line)."""
    lines = lines_of(pdf_path, top_margin, bottom_margin)
    return [(ln, spread, lines[i + 1] if i + 1 < len(lines) else None) for i, ln in enumerate(lines)
            if (spread := han_spread(ln)) is not None and spread > limit]


QUOTES = set("“‘”’")
ADDRESS_MARK = re.compile(r"https?:|www\.|@|\.(?:org|com|cn|net)\b|/[A-Za-z]")


def cause(line: Line, nxt: Line | None) -> str:
    """Why a line went loose, read from what it could not take from the next line."""
    if nxt is None or nxt.page != line.page and not nxt.text:
        return "other"
    head, tail = nxt.text[:12], line.text[-12:]
    if ADDRESS_MARK.search(tail + head):
        return "address"
    if QUOTES & set(head[:3]) and HAN.match(head[0]):
        return "quote held to its neighbours"  # UAX #14: 称“INC… moves as one piece
    if head[0] in NO_START or head[:2] in ("——", "……") or head[1:3] in ("——", "……"):
        return "line-start prohibition"
    if LATIN.match(head[0]) or head[0] in "（(" and LATIN.match(head[1:2]):
        return "number" if head[0].isdigit() else "Latin word"
    if len(line.text) <= 8:
        return "few Han (narrow cell)"
    if len(nxt.text) <= 4:
        return "last-line binding"
    return "other"


VARIANTS = {  # narrow-column restyles a designer writes (issue 20); each extends the house layout
    "two-column-section": ".section { columns: 2; column-gap: 6mm; }\n.section-banner { column-span: all; }\n",
    "two-column-article": ".article { columns: 2; column-gap: 5mm; }\n.article-title, .article-meta { column-span: all; }\n",
    "a5": "@page { size: A5; margin: 15mm 12mm 14mm; }\n:root { --body-size: 9.5pt; --banner-size: 12pt; "
          "--article-title-size: 11pt; --masthead-title-size: 30pt; --photo-max-height: 70mm; --photo-tall-height: 80mm; }\n",
}
NARROW_ISSUES = "2023-11,tests/corpus/2023-12,tests/corpus/2024-01,tests/corpus/2024-03-brief"


def narrow(issues: list[str], verbose: bool = False) -> None:
    """Loose lines and lines held at the limit, per issue and layout, with their causes."""
    import shutil
    from collections import Counter

    sys.path.insert(0, str(ROOT / "src"))
    from bulletin_press.build import Options, build
    from bulletin_press.content.load import load_issue
    from bulletin_press.project import Project

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        shutil.copytree(ROOT / "layouts", base / "layouts")  # copied: the fetcher refuses files outside
        shutil.copytree(ROOT / "fonts", base / "fonts")
        for name, css in VARIANTS.items():
            (base / "layouts" / name).mkdir()
            (base / "layouts" / name / "layout.yaml").write_text(
                f"name: {name}\nextends: cega-bulletin\nstylesheets: [{name}.css]\n", encoding="utf-8")
            (base / "layouts" / name / f"{name}.css").write_text(css, encoding="utf-8")
        (base / "issues").mkdir()
        project = Project(base, build_dir=base / "build")
        print(f"{'issue':<16}{'layout':<20}{'pages':>6}{'s':>6}{'loose':>7}{'at limit':>10}  causes")
        for issue in issues:
            folder = ROOT / ("issues/" + issue if "/" not in issue else issue)
            (base / "issues" / folder.name).symlink_to(folder)
            house = load_issue(folder).layout
            for layout in ("house", *VARIANTS):
                start = time.perf_counter()
                result = build(project, folder.name, Options(layout=None if layout == "house" else layout))
                seconds = time.perf_counter() - start
                top, bottom = (15 * 72 / 25.4, 14 * 72 / 25.4) if layout == "a5" else MARGINS.get(house, MARGINS["cega-bulletin"])
                found = loose_lines(result.pdf, top, bottom, limit=LOOSE_EM - 0.005)  # at the limit or over
                loose = [f for f in found if f[1] > LOOSE_EM + 0.005]  # 0.005: the PDF's rounding
                causes = Counter(cause(ln, nxt) for ln, _, nxt in found)
                print(f"{folder.name:<16}{layout:<20}{result.pages:>6}{seconds:>6.1f}{len(loose):>7}"
                      f"{len(found) - len(loose):>10}  " + ", ".join(f"{k} {n}" for k, n in causes.most_common()))
                if verbose:
                    for ln, spread, nxt in found:
                        print(f"    p{ln.page} {spread:.2f} em {cause(ln, nxt)}: {ln.text} | {nxt.text[:12] if nxt else ''}")


def compare(issue: str, runs: int, verbose: bool = False) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from bulletin_press.build import Options, build
    from bulletin_press.cjk.filters import Typography
    from bulletin_press.content.load import load_issue
    from bulletin_press.project import Project

    if "/" in issue and not Path(issue, "issue.yaml").is_file() and (ROOT / issue / "issue.yaml").is_file():
        issue = str(ROOT / issue)  # a folder named from the project root, wherever we run
    folder = Project(ROOT).issue_folder(issue)
    top, bottom = MARGINS.get(load_issue(folder).layout, MARGINS["cega-bulletin"])
    with tempfile.TemporaryDirectory() as tmp:
        # An issue of issues/ renders into build/ as usual; any other folder (the test corpus) into
        # the temporary folder, so that it never overwrites a real issue's PDF of the same id.
        real = folder.parent == (ROOT / "issues").resolve()
        off = Typography(punctuation=False, autospace=False, joiners=False, compress=False, justify=False,
                         quotes=False, ellipsis=False)
        raw = build(Project(ROOT, build_dir=Path(tmp)), issue, Options(typography=off)).pdf
        result = build(Project(ROOT, build_dir=None if real else Path(tmp) / "bp"), issue, Options(html=True))
        plain = Path(tmp) / "plain.pdf"
        subprocess.run([str(Path(sys.executable).parent / "weasyprint"), "--base-url",
                        str(folder) + "/", str(result.html), str(plain)], check=True)
        print(HEADER)
        for pdf, name in ((result.pdf, "bulletin-press"), (plain, "plain WeasyPrint, same HTML"),
                          (raw, "bulletin-press, CJK all off")):
            figures = measure(pdf, name, top_margin=top, bottom_margin=bottom)
            print(figures.row())
            if verbose and name == "bulletin-press":
                details(figures)
    if runs < 1:
        return
    # Justification on and off, same process, same issue, alternating.
    project = Project(ROOT, build_dir=Path(tempfile.mkdtemp()))  # keep build/ as the real render left it
    times: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(runs):
        for flag in (True, False):
            start = time.perf_counter()
            build(project, issue, Options(typography=Typography(justify=flag)))
            times[flag].append(time.perf_counter() - start)
    on, off = statistics.median(times[True]), statistics.median(times[False])
    print(f"render with justification on {on:.2f} s, off {off:.2f} s, ratio {on / off:.3f} ({runs} runs each)")


def details(figures: Figures) -> None:
    for item in figures.forbidden + figures.lone + figures.ragged_lines + figures.loose:
        print("   ", item)


def margins(value: str) -> tuple[float, float]:
    try:
        top, bottom = (float(v) for v in value.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected TOP,BOTTOM in pt, e.g. 62,56, not {value!r}") from None
    return top, bottom


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("pdfs", nargs="*", type=Path)
    p.add_argument("--issue", help="an issue id (2023-11) or an issue folder (tests/corpus/2023-12)")
    p.add_argument("--runs", type=int, default=3, help="timing runs with justification on/off (0: none)")
    p.add_argument("--margins", type=margins, default=MARGINS["cega-bulletin"], metavar="TOP,BOTTOM",
                   help="for PDFs: the page margins in pt holding head and folio (member-brief: 57,51)")
    p.add_argument("--narrow", nargs="?", const=NARROW_ISSUES, metavar="ISSUES",
                   help=f"loose lines in narrow-column variants of comma-separated issues (default {NARROW_ISSUES})")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="list each forbidden break, lone line, ragged line and loose line")
    args = p.parse_args(argv)
    if args.narrow:
        narrow(args.narrow.split(","), args.verbose)
        return 0
    if args.issue:
        compare(args.issue, args.runs, args.verbose)
        return 0
    print(HEADER)
    for pdf in args.pdfs:
        figures = measure(pdf, pdf.name[:34], top_margin=args.margins[0], bottom_margin=args.margins[1])
        print(figures.row())
        if args.verbose:
            details(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
