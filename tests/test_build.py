"""The real 2023-11 issue, read back from its PDF as a reader (and a PDF viewer) sees it."""

from __future__ import annotations

import re

import pypdf
import pytest

from bulletin_press.build import build
from bulletin_press.content.blocks import Article, Section, Table
from bulletin_press.content.load import load_issue
from bulletin_press.diagnostics import BuildError
from bulletin_press.typeset import plain_text
from bulletin_press.pdf.verify import squash

from .conftest import HEADER, ROOT, Rendered, make_project, missing_and_out_of_order, read_pdf

ISSUE = load_issue(ROOT / "issues" / "2023-11")


def test_every_text_of_the_yaml_is_in_the_pdf_in_order(rendered: Rendered) -> None:
    missing, out_of_order = missing_and_out_of_order(ISSUE, rendered.pages)
    assert not missing, "missing from the PDF:\n" + "\n".join(missing)
    assert out_of_order == []


def test_the_engine_refuses_a_pdf_that_lost_a_text(tmp_path) -> None:
    project = make_project(tmp_path, HEADER + """
        sections:
          - type: section
            title: 栏目
            body:
              - 第一段文字。
              - type: notice
                title: 海报
                lines: [扫描二维码查看更多信息]
        """.replace("\n        ", "\n"), layouts={"hiding": {
            "layout.yaml": "extends: cega-bulletin\nstylesheets: [hide.css]\n",
            "hide.css": ".notice { display: none; }\n"}})
    (project.issues / "x" / "issue.yaml").write_text(
        (project.issues / "x" / "issue.yaml").read_text().replace("layout: cega-bulletin", "layout: hiding"))
    with pytest.raises(BuildError) as e:
        build(project, "x")
    messages = [str(f) for f in e.value.findings]
    assert any("text missing from the PDF: '海报'" in m for m in messages), messages
    assert any("扫描二维码查看更多信息" in m for m in messages), messages
    assert not list((project.build / "x").glob("*.pdf"))


def test_summary_line(rendered: Rendered) -> None:
    line = rendered.result.summary()
    assert re.fullmatch(r".*环境资助者网络简报-2023年第十一期-screen\.pdf: screen, \d+ pages, \d+ KB, [\d.]+ s, \d+ warnings", line)
    assert rendered.result.pages == len(rendered.pages)


def test_metadata(rendered: Rendered) -> None:
    reader = pypdf.PdfReader(rendered.result.pdf)
    assert reader.metadata.title == "环境资助者网络简报 2023年第十一期（总第二十八期）"
    assert reader.metadata.author == "环境资助者网络（CEGA）"
    assert reader.trailer["/Root"]["/Lang"] == "zh-CN"


def test_outline_has_each_section_with_its_articles(rendered: Rendered) -> None:
    reader = pypdf.PdfReader(rendered.result.pdf)
    outline = reader.outline
    top = [squash(o.title) for o in outline if not isinstance(o, list)]
    assert top == ["编者按", "CEGA共创环境美好未来", "会员动态", "项目进展", "本期优秀NGO", "简介"]
    # pypdf lists a section's children as the list right after it.
    children = {squash(outline[i].title): [c.title for c in outline[i + 1]]
                for i in range(len(outline) - 1) if isinstance(outline[i + 1], list)}
    for section in ISSUE.sections:
        if isinstance(section, Section):
            articles = [plain_text(a.title) for a in section.body if isinstance(a, Article)]
            assert children[section.title] == articles


def test_masthead_on_page_one_only_and_running_heads_after(rendered: Rendered) -> None:
    first, *rest = rendered.pages
    assert "简报" in first.body() and "CHINAENVIRONMENTALGRANTMAKERSALLIANCE" in squash(first.body())
    assert "2023年第十一期总第二十八期" in squash(first.body())
    top_margin = 22 * 72 / 25.4
    assert first.text(0, top_margin - 1).strip() == ""  # no running head on page 1
    assert not re.search(r"\d", first.text(first.height - 20 * 72 / 25.4))  # no folio
    for page in rest:
        head = squash(page.text(0, top_margin - 1))
        assert head == "环境资助者网络简报2023年第十一期总第二十八期", (page.number, head)
        assert squash(page.text(page.height - 20 * 72 / 25.4)) == str(page.number)
        assert "CHINA ENVIRONMENTAL GRANTMAKERS ALLIANCE" not in page.text() or page is rendered.pages[-1]


def test_grouped_table_column_spans_its_rows(rendered: Rendered) -> None:
    table = next(b for _, b in _blocks() if isinstance(b, Table))
    chars = [c for p in rendered.pages for c in p.chars if squash(c["text"])]
    text = "".join(c["text"] for c in chars)

    def seen(value: str) -> str:
        return squash(plain_text(value))

    start = text.index(seen(table.caption))
    last_cell = seen(table.groups[-1].rows[-1][-1])
    end = text.index(last_cell, text.index(seen(table.groups[-1].label), start)) + len(last_cell)
    table_text = text[start:end]
    for group in table.groups:
        label = seen(group.label)
        in_cells = sum(seen(cell).count(label) for g in table.groups for row in g.rows for cell in row)
        assert table_text.count(label) == 1 + in_cells, f"group label {label} should stand once, spanning its rows"
        if len(group.rows) < 2:
            continue
        label_top = chars[text.index(label, start)]["top"]
        first_top = chars[text.index(seen(group.rows[0][0]), start)]["top"]
        last_top = chars[text.index(seen(group.rows[-1][0]), start)]["top"]
        assert first_top < label_top < last_top, label  # centred across its rows, not in the first


def test_schedule_shows_local_and_beijing_times(rendered: Rendered) -> None:
    body = rendered.body
    assert "迪拜时间：12月9日9:00-10:30北京时间：12月9日13:00-14:30" in body
    assert "迪拜时间：12月11日14:45-16:00北京时间：12月11日18:45-20:00" in body
    assert "12月1日-3日@迪拜世博城COP大会蓝区UN展览区Booth5" in body


def test_links_are_live(rendered: Rendered) -> None:
    reader = pypdf.PdfReader(rendered.result.pdf)
    uris = [a.get_object()["/A"].get("/URI") for page in reader.pages for a in page.get("/Annots", [])
            if a.get_object().get("/A")]
    assert "mailto:wjzhao@geichina.org" in uris
    assert "tel:18600166565" in uris


def test_fonts_are_embedded_subsets_of_the_house_fonts(rendered: Rendered) -> None:
    reader = pypdf.PdfReader(rendered.result.pdf)
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    assert names, "no fonts"
    assert all(re.match(r"/[A-Z]{6}\+", n) for n in names), names
    families = {n.split("+", 1)[1] for n in names}
    assert {"Noto-Serif-CJK-SC", "Noto-Sans-CJK-SC-Bold"} <= families, families


def test_html_is_written_for_designers(rendered: Rendered) -> None:
    html = rendered.result.html.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and 'lang="zh-CN"' in html


def test_placeholder_links_are_warnings_with_their_place(rendered: Rendered) -> None:
    messages = [str(f) for f in rendered.result.report.warnings]
    assert all(re.match(r"issues/2023-11/issue\.yaml:\d+:\d+: warning: link '.+' has no address", m) for m in messages), messages
    assert len(messages) == 6


def test_missing_photo_is_a_visible_placeholder(tmp_path) -> None:
    project = make_project(tmp_path, HEADER + """
sections:
  - type: section
    title: 栏目
    body:
      - 一段文字。
      - type: photo
        src: photos/none.jpg
        caption: 图注文字
""")
    result = build(project, "x")
    [warning] = result.report.warnings
    assert str(warning).startswith("issues/x/issue.yaml:") or "issue.yaml:" in str(warning)
    assert "image not found: photos/none.jpg" in str(warning)
    text = squash("".join(p.text() for p in read_pdf(result.pdf)))
    assert "图片缺失·photos/none.jpg" in text and "图注文字" in text


def _blocks():
    for value, owner in ISSUE.walk():
        if hasattr(value, "type_name") and value.type_name:
            yield owner, value
