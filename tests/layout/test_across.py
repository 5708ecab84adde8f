"""A table set across the columns that misses the page its balanced columns end on: the text after it moves up (across.py)."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pytest

from bulletin_press.layout import across

from ..designer import matrix, measure

pytestmark = pytest.mark.slow  # designer variants rendered with and without the pass


def _render(project, monkeypatch: pytest.MonkeyPatch, on: bool, variant: str) -> tuple[Path, measure.Findings]:
    if not on:
        monkeypatch.setattr(across.Across, "made", lambda *_: None)
    cell = matrix.run(project, "2024-01", variant)
    monkeypatch.undo()
    assert cell.error is None and cell.findings is not None
    out = project.root / f"{variant}-{on}.pdf"
    out.write_bytes(cell.result.pdf.read_bytes())
    return out, cell.findings


@pytest.mark.parametrize("variant", ["two-column-article", "two-column-section"])
def test_the_text_after_a_table_across_the_columns_fills_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              variant: str) -> None:
    """2024-01's grants table (four columns, web addresses: set across two columns) does not fit under
    the balanced columns of page 1 (caption, head and first row): it opens page 2. Left there, the
    columns end 13-17 % short of page 1's foot; with the pass, the paragraph after the table in its
    article stands on page 1 and every column there reaches its foot, the table still opening page 2."""
    project = matrix.project(tmp_path)
    before, found = _render(project, monkeypatch, False, variant)
    assert any(h.startswith("p1 ") for h in found.holes)  # the hole a reader sees without the pass
    after, found = _render(project, monkeypatch, True, variant)
    assert not any(h.startswith("p1 ") for h in found.holes), found.holes
    assert all(c.empty <= measure.MAX_EMPTY for c in found.columns if c.page == 1)
    with pdfplumber.open(after) as pdf:
        one, two = (p.extract_text().replace("\n", "") for p in pdf.pages[:2])
    assert "申请指南全文" in one and "申请指南全文" not in two
    assert "小额联合资助计划申请通道" in two and two.index("申请通道") < two.index("流域与湿地")
