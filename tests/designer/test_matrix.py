"""The designer's matrix: corpus issues × layout variants, each promise read from the PDF, per column."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from bulletin_press.content.load import load_issue

from ..conftest import missing_and_out_of_order, read_pdf
from . import matrix

pytestmark = pytest.mark.slow  # about 30 renders: left out of the quick tier

# Every variant on the seed and on the corpus issue with the most tables; the variants that change
# the page's shape most (columns, A5) on every issue. About 30 renders: the suite's slowest module.
CELLS = sorted({*((issue, v) for issue in ("2023-11", "2024-01") for v in ["cega-bulletin", *matrix.variants(refused=False)]),
                *((issue, v) for issue in matrix.ISSUES for v in ("two-column-section", "a5")),
                ("2023-12", "float-links")})  # a float on a page with Han Extension E and emoji

# Promises not yet kept, each cell named with what is wrong there (issue 20). A strict xfail: the
# test fails as soon as the promise holds, so that the entry is taken out.
OPEN: dict[str, dict[tuple[str, str], str]] = {
    "holes": {
        ("2023-11", "two-column-article"): "an article whose second column opens with a photo too tall for "
                                           "the room left goes whole to the next page: columns 11-22 % empty",
    },
    "stranded": {},
    "loose": {},
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory):
    return matrix.project(tmp_path_factory.mktemp("designer"))


@functools.cache
def _cell(root: Path, issue: str, variant: str) -> matrix.Cell:
    from bulletin_press.project import Project

    return matrix.run(Project(root, build_dir=root / "build"), issue, variant)


def cell(project, issue: str, variant: str) -> matrix.Cell:
    found = _cell(project.root, issue, variant)
    if found.error:
        pytest.fail(f"refused a layout it should set:\n{found.error}")
    return found


def marked(promise: str) -> list:
    return [pytest.param(*c, marks=pytest.mark.xfail(strict=True, reason=OPEN[promise][c])) if c in OPEN[promise]
            else pytest.param(*c) for c in CELLS]


@pytest.mark.parametrize("issue, variant", CELLS)
def test_every_text_reaches_the_pdf(project, issue: str, variant: str) -> None:
    found = cell(project, issue, variant)
    assert found.result is not None and not found.result.report.errors
    pages = read_pdf(found.result.pdf, matrix.MARGINS.get(variant, (22, 20)))
    missing, _ = missing_and_out_of_order(load_issue(project.issue_folder(issue)), pages)
    assert missing == []


@pytest.mark.parametrize("issue, variant", marked("holes"))
def test_no_column_ends_more_than_a_tenth_empty(project, issue: str, variant: str) -> None:
    assert cell(project, issue, variant).findings.holes == []


@pytest.mark.parametrize("issue, variant", marked("stranded"))
def test_no_column_ends_with_a_heading(project, issue: str, variant: str) -> None:
    assert cell(project, issue, variant).findings.stranded == []


@pytest.mark.parametrize("issue, variant", marked("loose"))
def test_no_line_spreads_its_han_characters(project, issue: str, variant: str) -> None:
    assert cell(project, issue, variant).findings.loose == []


@pytest.mark.parametrize("issue", ["2023-11", "2024-03-brief"])
def test_a_construct_weasyprint_cannot_set_is_refused_at_its_rule(project, issue: str) -> None:
    """A floated ::first-letter (a drop cap) stops WeasyPrint 70 on an assertion or draws the first
    line over the letter: the build refuses it before layout, at the rule, on any issue."""
    for variant, place in matrix.REFUSED.items():
        found = _cell(project.root, issue, variant)
        assert found.error is not None and not found.error.startswith("internal error")
        assert f"layouts/{variant}/{place}: a floated ::first-letter" in found.error


def test_the_measure_sees_a_one_column_hole(tmp_path: Path) -> None:
    """The reader's measure itself, on a page whose first column is full and whose second stops a
    third of the way down: a hole in column 2 only, though a page-level measure would see none."""
    from bulletin_press.build import Options, build

    from ..conftest import HEADER, make_project
    from . import measure

    text = "环境资助者网络的成员在会上交流了各自的经验与做法，并就下一步合作达成共识。" * 4
    body = "".join(f"      - {text}\n" for _ in range(5))
    yaml = HEADER + f"""
sections:
  - type: section
    title: 栏目
    body:
{body}      - type: article
        title: 留在栏底的标题
        body:
          - 下一页的文字。
  - type: section
    title: 另一栏目
    body:
      - 另起一页。
"""
    css = """.section { columns: 2; column-fill: auto; column-gap: 6mm; }
.section + .section { break-before: page; }
.article-title { break-after: auto; }"""
    project = make_project(tmp_path, yaml, layouts={"cols": {"layout.yaml": "extends: cega-bulletin\nstylesheets: [c.css]\n",
                                                             "c.css": css}})
    result = build(project, "x", Options(layout="cols"))
    found = measure.measure(result.pdf, 2, (22, 20), ["栏目", "留在栏底的标题", "另一栏目"])
    first = [c for c in found.columns if c.page == 1]
    assert first[0].empty < 0.05 and 0.3 < first[1].empty < 0.95, first
    assert [h.split(":")[0] for h in found.holes] == ["p1 column 2"]
