"""The second house style: the 2020-09 member brief, and layouts swapped over the same content."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pdfplumber
import pypdf
import pytest

from bulletin_press.build import build
from bulletin_press.content.load import load_issue
from bulletin_press.project import Project
from bulletin_press.pdf.verify import squash

from .conftest import BRIEF_MARGINS, ROOT, Rendered, missing_and_out_of_order, read_pdf

sys.path.insert(0, str(ROOT / "benchmarks"))
import cjk_measure  # noqa: E402

pytestmark = pytest.mark.slow  # the brief and the bulletin rendered in each other's layout

BRIEF = load_issue(ROOT / "issues" / "2020-09")


def test_brief_is_one_to_three_pages_and_complete(rendered_brief: Rendered) -> None:
    assert 1 <= len(rendered_brief.pages) <= 3
    missing, out_of_order = missing_and_out_of_order(BRIEF, rendered_brief.pages)
    assert not missing, missing
    assert out_of_order == []
    assert rendered_brief.result.report.warnings == []


def test_key_figures_the_way_finance_pages_show_them(rendered_brief: Rendered) -> None:
    body = rendered_brief.body
    assert "收入总额2,710.34万元27,103,400.95元" in body
    assert "支出总额2,312.27万元23,122,739.73元" in body
    assert "爱心人次2,240人次" in body


def test_meta_lead_ins_note_and_credits(rendered_brief: Rendered) -> None:
    body = rendered_brief.body
    assert "中国绿发会国际交流与合作工作简介2020-09-0617:09·本站" in body
    assert "（截止至2020年8月25日，不完全汇总）" in body
    assert body.endswith("整理/Cyan、Linda审/绿会国际部编/Angel")
    # Lead-ins are set in the bold heading face.
    chars = [c for p in rendered_brief.pages for c in p.chars if squash(c["text"])]
    text = "".join(c["text"] for c in chars)
    at = text.index("全球狂犬病控制联盟")
    assert "Sans-CJK-SC-Bold" in chars[at]["fontname"]
    assert "Serif" in chars[text.index("2020年初") if "2020年初" in text else at + 30]["fontname"]


def test_half_width_punctuation_is_normalised_on_the_page(rendered_brief: Rendered) -> None:
    body = rendered_brief.body
    assert "基金会（简称“中国绿发会”、“绿会”），是" in body
    assert "联合国全球契约(UNGlobalCompact)" in body  # Latin inside: left as typed
    source = (ROOT / "issues" / "2020-09" / "issue.yaml").read_text(encoding="utf-8")
    assert "基金会(简称“中国绿发会”、“绿会”),是" in source  # the YAML keeps what was contributed


def test_brief_typography(rendered_brief: Rendered) -> None:
    figures = cjk_measure.measure(rendered_brief.result.pdf, "brief", top_margin=57, bottom_margin=51)
    assert figures.body_lines > 40
    assert figures.ragged == 0 and not figures.forbidden and not figures.lone
    assert figures.spaced / figures.boundaries >= 0.95


def test_metadata(rendered_brief: Rendered) -> None:
    reader = pypdf.PdfReader(rendered_brief.result.pdf)
    assert reader.metadata.title == "中国绿发会会员简报 2020年9月6日"
    assert reader.trailer["/Root"]["/Lang"] == "zh-CN"
    assert [o.title for o in reader.outline if not isinstance(o, list)] == ["收支信息", "工作简介"]


def swapped(tmp_path: Path, issue_id: str, layout: str, keep: slice | None = None) -> Path:
    """A copy of a real issue set in another layout; nothing but the `layout:` line changes."""
    shutil.copytree(ROOT / "layouts", tmp_path / "layouts")
    shutil.copytree(ROOT / "fonts", tmp_path / "fonts")
    shutil.copytree(ROOT / "issues" / issue_id, tmp_path / "issues" / issue_id)
    source = tmp_path / "issues" / issue_id / "issue.yaml"
    text = source.read_text(encoding="utf-8")
    original = load_issue(ROOT / "issues" / issue_id).layout
    source.write_text(text.replace(f"layout: {original}", f"layout: {layout}", 1), encoding="utf-8")
    return build(Project(tmp_path), issue_id).pdf


def fills(pdf: Path) -> set[tuple[float, ...]]:
    with pdfplumber.open(pdf) as doc:
        return {tuple(round(v, 2) for v in r["non_stroking_color"]) for p in doc.pages for r in p.rects
                if isinstance(r.get("non_stroking_color"), (list, tuple)) and len(r["non_stroking_color"]) == 3}


CEGA_GREEN = (0.12, 0.48, 0.3)
BRIEF_TEAL = (0.06, 0.43, 0.55)


def test_brief_content_in_the_bulletin_layout(tmp_path: Path, rendered_brief: Rendered) -> None:
    pdf = swapped(tmp_path, "2020-09", "cega-bulletin")
    pages = read_pdf(pdf)
    missing, _ = missing_and_out_of_order(BRIEF, pages)
    assert not missing
    assert CEGA_GREEN in fills(pdf) and BRIEF_TEAL not in fills(pdf)
    assert BRIEF_TEAL in fills(rendered_brief.result.pdf)


def test_bulletin_content_in_the_brief_layout(tmp_path: Path) -> None:
    pdf = swapped(tmp_path, "2023-11", "member-brief")
    pages = read_pdf(pdf, BRIEF_MARGINS)
    missing, _ = missing_and_out_of_order(load_issue(ROOT / "issues" / "2023-11"), pages)
    assert not missing
    body = squash("".join(p.body() for p in pages))
    assert "迪拜时间：12月9日9:00-10:30北京时间：12月9日13:00-14:30" in body  # schedule
    assert "生态保护与修复" in body  # table
    assert BRIEF_TEAL in fills(pdf) and CEGA_GREEN not in fills(pdf)
