"""Inter-character justification: flush lines, unchanged text, and a loud failure if WeasyPrint changes."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pytest
import weasyprint

from bulletin_press.engine import han_justify as justify
from ..conftest import refuses_other_weasyprint

PARAGRAPH = (
    "十一月，在COP28即将召开之际，环境资助者网络（CEGA）在万科公益基金会园区内组织了“公益助力讲好中国应对气候变化故事”沙龙。"
    "月底，COP28拉开帷幕，万科公益基金会、中国绿色碳汇基金会、中华环保联合会、湖北省长江生态保护基金会（CCF）等机构抵达迪拜，"
    "在COP28开幕当天率先召开了多个活动。<b>COP28会议之外</b>，CEGA和各位伙伴的<a href='https://example.org'>其他活动和工作</a>"
    "也在如火如荼开展。Protecting Mount Qomolangma, the Melting Rooftop 环境资助者网络在香港和深圳开展了系列活动。"
)
HTML = f"""<html lang="zh-CN"><style>
@page {{ size: 120mm 200mm; margin: 10mm }}
body {{ margin: 0; font-family: "Noto Serif CJK SC"; font-size: 10.5pt; line-height: 1.8; text-align: justify }}
b {{ font-weight: 700 }}
</style><p>{PARAGRAPH}</p><p style="font-family: 'Noto Sans CJK SC'; font-size: 8.5pt">{PARAGRAPH[:120]}</p></html>"""


def lines(pdf: Path) -> list[tuple[float, str, str]]:
    """(right edge, text, font) of each line, in order."""
    out: dict[float, list[dict]] = {}
    with pdfplumber.open(pdf) as doc:
        for c in doc.pages[0].chars:
            if c["text"].strip():
                out.setdefault(round(c["top"], 1), []).append(c)
    return [(max(c["x1"] for c in cs), "".join(c["text"] for c in cs), cs[0]["fontname"]) for _, cs in sorted(out.items())]


def render(tmp_path: Path, on: bool) -> list[tuple[float, str, str]]:
    justify.install() if on else justify.uninstall()
    try:
        target = tmp_path / f"{on}.pdf"
        weasyprint.HTML(string=HTML).write_pdf(target)
        return lines(target)
    finally:
        justify.install()


def test_written_for_this_weasyprint() -> None:
    justify.install()
    assert weasyprint.__version__.startswith(justify.SUPPORTED), (
        f"WeasyPrint {weasyprint.__version__} is not the version cjk/justify.py hooks into; "
        "check layout/inline.py and text/line_break.py and update SUPPORTED")
    from weasyprint.layout import inline
    from weasyprint.text import line_break
    assert inline.count_expandable_spaces is justify._count_expandable_spaces
    assert line_break.Layout.set_text is justify._set_text


RIGHT = (120 - 10) * 72 / 25.4  # the column's right edge in points


def test_every_line_but_the_last_is_flush(tmp_path: Path) -> None:
    result = render(tmp_path, on=True)
    serif = [ln for ln in result if "Serif" in ln[2]]
    sans = [ln for ln in result if "Sans" in ln[2]]
    assert len(serif) >= 5 and len(sans) >= 2
    for x1, text, _ in serif[:-1] + sans[:-1]:  # pure Han, mixed Latin, bold and link lines
        assert abs(x1 - RIGHT) <= 0.5, (round(x1, 2), round(RIGHT, 2), text)


def test_text_is_unchanged_and_plain_weasyprint_is_ragged(tmp_path: Path) -> None:
    on, off = render(tmp_path, on=True), render(tmp_path, on=False)
    assert "".join(t for _, t, _ in on) == "".join(t for _, t, _ in off)  # no character inserted
    assert sum(x1 < RIGHT - 0.5 for x1, _, _ in off[:-1]) > 3  # what this module is for


def test_refuses_other_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    refuses_other_weasyprint(justify, monkeypatch)


NAMES = "".join(f"志愿者王{c}明、李{c}华和张{c}{c}在湿地巡护，" for c in ("𠀋", "𬞟")) * 4  # Extension B, E (in the house faces)


def test_a_name_with_a_han_extension_character_is_spaced_as_han(tmp_path: Path) -> None:
    """On a flush line, an Extension B or E character stands as far from the next as any Han
    character does: it takes its share of the line's extra space (cjk/chars.py)."""
    justify.install()
    target = tmp_path / "names.pdf"
    weasyprint.HTML(string=HTML.replace(PARAGRAPH, NAMES, 1)).write_pdf(target)
    with pdfplumber.open(target) as doc:
        chars = [c for c in doc.pages[0].chars if c["text"].strip() and "Serif" in c["fontname"]]
    rows: dict[float, list[dict]] = {}
    for c in chars:
        rows.setdefault(round(c["top"], 1), []).append(c)
    lines_ = [row for _, row in sorted(rows.items())][:-1]  # the last line is not spread
    assert len(lines_) >= 3
    checked = 0
    for row in lines_:
        assert abs(max(c["x1"] for c in row) - RIGHT) <= 0.5
        pitch = {a["text"]: b["x0"] - a["x0"] for a, b in zip(row, row[1:]) if a["text"] in "志愿者在湿地巡护"}
        usual = max(pitch.values())
        for a, b in zip(row, row[1:]):
            if a["text"] in "𠀋𬞟":
                assert abs((b["x0"] - a["x0"]) - usual) <= 0.05, (a["text"], b["x0"] - a["x0"], usual)
                checked += 1
    assert checked >= 6
    assert all(justify.CJK.fullmatch(name) for name in ("王𠀀明", "张𬞟华", "王\U00031350明"))  # H too
