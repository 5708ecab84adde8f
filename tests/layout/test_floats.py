"""Floats: a sidebar and a pull quote beside the text, read from the PDF as blocks of their own,
within their article, with no false refusal; a drop cap refused with its place, or set raised."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bulletin_press.build import Options, build
from bulletin_press.cjk.numerals import cn_number
from bulletin_press.content.load import load_issue
from bulletin_press.diagnostics import BuildError
from bulletin_press.pdf.verify import comparable

from ..conftest import HEADER, PdfPage, make_project, missing_and_out_of_order, read_pdf

# A paragraph long enough to run from page 1 onto page 2: the sidebar after it floats on page 2,
# where WeasyPrint draws it before the paragraph's last lines (the old false refusal).
LONG = "".join(f"第{cn_number(i)}句话讲述资助者之间的合作。" for i in range(1, 120))
# Characters beyond the BMP on the float's page, in it and beside it (a Han name in Extension E, an
# emoji): PDFium hands them out as two UTF-16 halves, which the split must put back together.
BESIDE = "".join(f"旁边的第{cn_number(i)}句话。" for i in range(1, 30)) + "湖州白𬞟洲湿地🌊。"
SIDEBAR = ("延伸阅读", "旁栏第一段：白𬞟洲湿地保护工作进入新的阶段，志愿者在冬季开展鸟类调查🌊。", "旁栏第二段：记录候鸟迁徙的路线。")
QUOTE = ("合作让改变发生，也让改变持续。", "某基金会秘书长")

ISSUE = f"""\
sections:
  - type: section
    title: 栏目
    body:
      - type: article
        title: 第一篇文章
        body:
          - {LONG}
          - type: sidebar
            title: {SIDEBAR[0]}
            paragraphs:
              - {SIDEBAR[1]}
              - {SIDEBAR[2]}
          - {BESIDE}
          - type: pullquote
            text: {QUOTE[0]}
            attribution: {QUOTE[1]}
          - 本文最后一段。
      - type: article
        title: 第二篇文章
        body:
          - 第二篇文章的正文。
"""

# A designer's layout: the pull quote floated left beside the text too.
FLOATY = {"floaty": {"layout.yaml": "name: floaty\nextends: cega-bulletin\nstylesheets: [f.css]\n",
                     "f.css": ".pullquote { float: left; width: 35%; margin: 1mm 5mm 2mm 0; padding: 2mm 0; }\n"}}


@dataclasses.dataclass
class Float:
    page: PdfPage
    left: float
    right: float
    top: float
    bottom: float

    def holds(self, c: dict) -> bool:
        return self.left - 1 <= c["x0"] and c["x1"] <= self.right + 1 and self.top - 1 <= c["top"] and c["bottom"] <= self.bottom + 1


def spelled(page: PdfPage, text: str) -> list[dict]:
    """The characters of the page that spell `text` one after another in drawing order, spacing aside."""
    chars = [c for c in page.chars if c["text"].strip()]
    owner = [c for c in chars for _ in c["text"]]  # a glyph may carry two characters (—— is one)
    wanted = comparable(text)
    at = "".join(c["text"] for c in chars).find(wanted)
    assert at >= 0, f"'{wanted}' not on page {page.number}"
    return list({id(c): c for c in owner[at:at + len(wanted)]}.values())


def find_float(pages: list[PdfPage], texts: tuple[str, ...]) -> Float:
    """Where the float holding `texts` stands: the box around its characters."""
    page = next(p for p in pages if comparable(texts[0]) in comparable(p.text()))
    chars = [c for t in texts for c in spelled(page, t)]
    return Float(page, min(c["x0"] for c in chars), max(c["x1"] for c in chars),
                 min(c["top"] for c in chars), max(c["bottom"] for c in chars))


def without(pages: list[PdfPage], floats: list[Float]) -> list[PdfPage]:
    """The pages with each float's characters taken out: what is read around them."""
    return [dataclasses.replace(p, chars=[c for c in p.chars if not any(f.page is p and f.holds(c) for f in floats)])
            for p in pages]


@pytest.fixture(scope="module", params=["cega-bulletin", "floaty"])
def rendered(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, list[PdfPage]]:
    layout = request.param
    project = make_project(tmp_path_factory.mktemp(layout), HEADER.replace("layout: cega-bulletin", f"layout: {layout}") + ISSUE,
                           layouts=FLOATY)
    result = build(project, "x")  # the text-layer check runs as the PDF is written: no false refusal
    assert not result.report.errors
    return layout, project.issue_folder("x"), read_pdf(result.pdf)


def floats_of(layout: str, pages: list[PdfPage]) -> list[Float]:
    found = [find_float(pages, SIDEBAR)]
    if layout == "floaty":
        found.append(find_float(pages, QUOTE))
    return found


def test_the_sidebar_floats_beside_a_paragraph_continued_from_the_page_before(rendered) -> None:
    layout, _, pages = rendered
    sidebar = find_float(pages, SIDEBAR)
    first = pages[0].body()
    assert comparable(LONG[:20]) in comparable(first) and comparable(LONG[-20:]) not in comparable(first), \
        "the long paragraph should run from page 1 onto page 2"
    assert sidebar.page.number == 2
    # Beside: the paragraph's characters on the sidebar's lines stand left of it, at least 3 mm away.
    beside = [c for c in spelled(sidebar.page, BESIDE) if sidebar.top <= c["top"] <= sidebar.bottom]
    assert beside, "no line of the paragraph after the sidebar stands beside it"
    assert max(c["x1"] for c in beside) < sidebar.left - 8
    page_width = float(sidebar.page.chars[0]["page_width"]) if "page_width" in sidebar.page.chars[0] else 595
    assert sidebar.right - sidebar.left < 0.45 * page_width  # about 40 % of the column


def test_each_float_reads_as_its_own_block_and_the_text_around_it_in_order(rendered) -> None:
    layout, folder, pages = rendered
    floats = floats_of(layout, pages)
    for f, texts in zip(floats, (SIDEBAR, QUOTE)):
        inside = comparable("".join(c["text"] for c in f.page.chars if f.holds(c)))
        assert inside.startswith(comparable(texts[0])) and all(comparable(t) in inside for t in texts)
        assert len(inside) <= len(comparable("".join(texts))) + 2  # nothing of the paragraphs (the attribution's ——)
    missing, out_of_order = missing_and_out_of_order(load_issue(folder), without(pages, floats))
    float_texts = {comparable(t)[:40] for t in SIDEBAR + (QUOTE if layout == "floaty" else ())}
    assert {m.split(": ", 1)[1] for m in missing} == float_texts
    assert out_of_order == []


def test_a_float_stays_within_its_article(rendered) -> None:
    layout, _, pages = rendered
    title = next(p for p in pages if "第二篇文章" in p.body())
    top = min(c["top"] for c in spelled(title, "第二篇文章"))
    for f in floats_of(layout, pages):
        assert f.page.number < title.number or f.bottom < top


def test_a_float_that_loses_its_text_in_the_pdf_is_still_refused(tmp_path: Path) -> None:
    """A word joiner inside —— merges the dashes into one glyph without text: in a float too."""
    lossy = ISSUE.replace(SIDEBAR[2], "合作——\u2060——共赢。")
    project = make_project(tmp_path, HEADER + lossy)
    with pytest.raises(BuildError) as e:
        build(project, "x")
    assert any("text layer" in f.message and "U+2060" in f.message and f.pos.line == 20 for f in e.value.findings)


DROP_CAP = """\
/* A drop cap on each article's first paragraph. */
.article > .paragraph:first-of-type::first-letter {
  float: left; font-size: 3em; line-height: 1; color: var(--accent);
}
"""


def test_a_floated_drop_cap_is_refused_with_its_place_before_layout(tmp_path: Path, monkeypatch, capsys) -> None:
    from bulletin_press.commands import cli

    layouts = {"dropcap": {"layout.yaml": "name: dropcap\nextends: cega-bulletin\nstylesheets: [d.css]\n", "d.css": DROP_CAP}}
    make_project(tmp_path, HEADER + ISSUE, layouts=layouts)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["render", "x", "--layout", "dropcap"]) == cli.EXIT_ERRORS
    err = capsys.readouterr().err
    assert ("layouts/dropcap/d.css:2:1: a floated ::first-letter cannot be laid out by WeasyPrint 70" in err
            and "'.article > .paragraph:first-of-type::first-letter { font-size: 2em }'" in err)
    assert "internal error" not in err and "Traceback" not in err
    assert not list((tmp_path / "build").rglob("*.pdf"))


def test_a_raised_initial_is_set(tmp_path: Path) -> None:
    """What the refusal suggests: a ::first-letter without float, larger, on its first line."""
    css = ".article > .paragraph:first-of-type::first-letter { font-size: 2em; color: var(--accent); }\n"
    layouts = {"initial": {"layout.yaml": "name: initial\nextends: cega-bulletin\nstylesheets: [i.css]\n", "i.css": css}}
    project = make_project(tmp_path, HEADER + ISSUE, layouts=layouts)
    result = build(project, "x", Options(layout="initial"))
    pages = read_pdf(result.pdf)
    letter, second, *_ = spelled(pages[0], LONG[:6])
    assert letter["size"] > 1.8 * second["size"]
    missing, out_of_order = missing_and_out_of_order(load_issue(project.issue_folder("x")), without(pages, floats_of("", pages)))
    assert out_of_order == []
