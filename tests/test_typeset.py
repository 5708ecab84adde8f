"""Addresses and quotes in running text, read back from the rendered PDF at several column widths."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pypdf
import pytest

from bulletin_press.build import Options, build
from bulletin_press.pdf.verify import squash

from .conftest import HEADER, make_project, pdf_text

REPORT = "https://www.example.org/reports/2023/annual-environmental-report-final-version.pdf?lang=zh&page=3"
MEMBERS = "www.cega.org.cn/about-us/members?type=foundation#list"
MAIL = "wjzhao@geichina.org"
CELL = "https://www.vankefoundation.org/projects/climate_action/cop28-side-events?year=2023&lang=zh"
LINKED = "https://unfccc.int/cop28/side-events/schedule?day=2023-12-09"
ISSUE = HEADER.replace("layout: cega-bulletin", "layout: narrow") + f"""\
sections:
  - type: section
    title: 栏目
    body:
      - type: article
        title: 标题
        body:
          - "访问{REPORT}获取全文。"
          - '如有疑问请写信给{MAIL}，也可访问{MEMBERS}。(详见 {REPORT})'
          - '"CEGA"成员说：''好...''He said "hello", it''s fine.'
          - type: table
            caption: 成员网站
            header: [机构, 简介, 网址]
            rows:
              - [万科公益基金会, 气候行动, "{CELL}"]
          - type: links
            items:
              - title: "{LINKED}"
                url: "{LINKED}"
"""
HREFS = {REPORT, "https://" + MEMBERS, "mailto:" + MAIL, CELL, LINKED}
WIDTHS = [40, 62, 90]  # mm: narrower than a table cell can hold a URL, a column, a page


@pytest.fixture(scope="module", params=WIDTHS)
def pdf(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path]:
    width = request.param
    project = make_project(tmp_path_factory.mktemp(f"w{width}"), ISSUE, layouts={"narrow": {
        "layout.yaml": "extends: cega-bulletin\nstylesheets: [narrow.css]\n",
        "narrow.css": f"body {{ width: {width}mm; }}\n"}})
    return width, build(project, "x", Options()).pdf


def addresses_on_the_page(pdf: Path) -> dict[str, list[list[dict]]]:
    """Each address's characters as pdfplumber reads them, split into the lines they stand on."""
    with pdfplumber.open(pdf) as doc:
        chars = [c for page in doc.pages for c in page.chars]
    text = "".join(c["text"] for c in chars)
    owner = [k for k, c in enumerate(chars) for _ in c["text"]]  # a ligature (fi) is one char, two letters
    found: dict[str, list[list[dict]]] = {}
    for address in [REPORT, MEMBERS, MAIL, CELL, LINKED]:
        at = text.find(address)
        assert at >= 0, f"{address} is not in the PDF as one run of characters (something was put inside it)"
        mine = [chars[k] for k in sorted(set(owner[at : at + len(address)]))]
        lines: dict[tuple[int, float], list[dict]] = {}
        for c in mine:
            lines.setdefault((c["page_number"], round(c["top"])), []).append(c)
        found[address] = list(lines.values())
    return found


def test_addresses_are_live_links(pdf: tuple[int, Path]) -> None:
    uris = set()
    for page in pypdf.PdfReader(pdf[1]).pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A") or {}
            if "/URI" in action:
                uris.add(str(action["/URI"]))
    assert HREFS <= uris, sorted(HREFS - uris)


def test_addresses_copy_out_of_the_pdf_as_typed(pdf: tuple[int, Path]) -> None:
    text = squash(pdf_text(pdf[1]))
    for address in [REPORT, MEMBERS, MAIL, CELL, LINKED]:
        assert address in text, address  # a hyphen at a line end would come out as U+FFFE


def test_addresses_break_at_their_marks_and_are_never_spread(pdf: tuple[int, Path]) -> None:
    width, path = pdf
    found = addresses_on_the_page(path)
    assert len(found[REPORT]) >= 2 if width < 90 else True  # it does break in a column
    for address, lines in found.items():
        for line in lines:
            shown = "".join(c["text"] for c in line)
            for a, b in zip(line, line[1:]):
                assert b["x0"] - a["x1"] <= 0.5, (width, address, shown, a["text"], b["text"], round(b["x0"] - a["x1"], 2))
            if line is not lines[-1] and address != CELL:  # at a Chicago break point (the cell may break anywhere)
                nxt = lines[lines.index(line) + 1][0]["text"]
                assert shown.endswith("/") or nxt[0] in ".?#&=-_~@", (width, address, shown, nxt)
            assert not shown.endswith("-"), (width, shown)  # a line-end hyphen reads as hyphenation


def test_a_long_address_in_a_narrow_cell_breaks_inside_the_column(pdf: tuple[int, Path]) -> None:
    width, path = pdf
    with pdfplumber.open(path) as doc:
        page = doc.pages[0]
        left = min(c["x0"] for c in page.chars if c["text"] == "标")  # the article title starts the column
    right = left + width * 72 / 25.4
    cell = addresses_on_the_page(path)[CELL]
    assert len(cell) >= 2
    assert max(c["x1"] for line in cell for c in line) <= right + 0.5


def test_quotes_curl_in_chinese_context_and_stay_straight_in_latin(pdf: tuple[int, Path]) -> None:
    with pdfplumber.open(pdf[1]) as doc:
        text = squash("".join(c["text"] for page in doc.pages for c in page.chars))
    assert "“CEGA”成员说：‘好……’" in text
    assert squash('He said "hello", it\'s fine.') in text
