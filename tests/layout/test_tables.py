"""Tables that read, checked on the PDF: widths from content, amounts on the point, groups continued."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pytest

from bulletin_press.layout import tables
from bulletin_press.build import Options, Result, build
from bulletin_press.content.blocks import Table
from bulletin_press.content.load import load_issue
from bulletin_press.project import Project
from bulletin_press.typeset import plain_text
from bulletin_press.pdf.verify import squash

from .. import conftest
from ..conftest import HEADER, ROOT, make_project

sys.path.insert(0, str(ROOT / "scripts"))
import make_standins  # noqa: E402

pytestmark = pytest.mark.slow  # the seeds' and the corpus' tables laid out

CORPUS = ROOT / "tests" / "corpus"
LABELS = ["华北", "东北", "华东", "西北", "华中", "西南", "华南"]
# 41 rows of grants by region (as in the corpus issue 2024-01): names and organisations of every
# length, amounts with two decimals, completion rates with and without one. 华中 (rows 22–30) is
# where the first page ends when the table follows the article title on page 1.
ISSUE = HEADER + """\
sections:
  - type: section
    title: 项目进展
    body:
      - type: article
        title: 2023年度小额联合资助项目
        body:
          - type: table
            caption: "表2 2023年度小额联合资助项目拨付一览（按地区）"
            header: ["地区", "项目名称", "执行机构", "拨付金额（元）", "完成率"]
            groups:
              - label: "华北"
                rows:
                  - ["永定河上游社区水源地保护", "怀来县绿源协会", "96,000.00", "100%"]
                  - ["坝上草原退化地块补播与围栏管护", "张北草原之友", "128,500.00", "92.5%"]
                  - ["城市中小学校园雨水花园", "北京市朝阳区青木社工事务所", "45,000.00", "100%"]
                  - ["太行山猕猴栖息地社区巡护", "济源山野志愿者协会", "80,000.00", "87.5%"]
                  - ["白洋淀渔民转产生态导赏培训", "安新县淀上人家合作社", "62,300.50", "75%"]
                  - ["冬季散煤替代入户调查", "晋中清风环境", "38,000.00", "100%"]
              - label: "东北"
                rows:
                  - ["黑土地保护性耕作示范", "梨树县黑土地农民合作社", "150,000.00", "90%"]
                  - ["图们江下游东方白鹳繁殖地监测", "珲春湿地守望者", "72,000.00", "100%"]
                  - ["辽河口斑海豹迁徙通道调查", "盘锦黑嘴鸥保护协会", "88,800.00", "95%"]
                  - ["林区社区防火宣传与应急演练", "伊春绿色家园", "40,000.00", "100%"]
              - label: "华东"
                rows:
                  - ["太湖蓝藻水华公众观察网络", "无锡太湖卫士", "110,000.00", "100%"]
                  - ["千岛湖水源地农药减量示范", "淳安县生态农业促进会", "135,000.00", "82.5%"]
                  - ["崇明东滩鸻鹬类栖息地管理", "上海长江口湿地研究社", "99,000.00", "100%"]
                  - ["闽江河口红树林补种与养护", "福州绿家园", "76,500.00", "91%"]
                  - ["社区厨余就地堆肥", "杭州零废弃联盟", "30,000.00", "100%"]
                  - ["黄山南麓短尾猴与村民冲突缓解", "黟县山野之声", "58,000.00", "66.5%"]
                  - ["鄱阳湖越冬候鸟协助巡护", "都昌县候鸟保护协会", "120,000.00", "100%"]
                  - ["沂蒙山区小流域面源污染调查", "临沂清水行动", "64,250.00", "88%"]
              - label: "西北"
                rows:
                  - ["石羊河流域社区节水灌溉", "甘肃民勤石羊河流域社区发展中心", "200,000.00", "100%"]
                  - ["祁连山雪豹社区监测", "祁连山生态保护志愿者协会", "88,000.00", "96%"]
                  - ["黄河宁夏段湿地鸟类调查", "银川湿地观察社", "44,700.00", "100%"]
              - label: "华中"
                rows:
                  - ["洞庭湖社区水质监测员网络", "岳阳江湖水环境观察中心", "180,000.00", "100%"]
                  - ["洪湖沿岸农田退水生态沟渠", "洪湖湿地保护协会", "125,000.00", "88.5%"]
                  - ["丹江口库区水源涵养林管护", "十堰绿色汉江", "98,000.00", "100%"]
                  - ["长江江豚协助巡护", "湖北长江生态保护志愿者联盟", "150,000.00", "100%"]
                  - ["神农架川金丝猴栖息地社区共管", "神农架自然保护协会", "110,000.00", "94%"]
                  - ["湘江重金属污染农田修复观察", "株洲湘江守望者", "66,000.00", "80%"]
                  - ["大别山区村级垃圾收运试点", "信阳大别山绿色发展中心", "52,400.00", "100%"]
                  - ["武汉城市湖泊公众巡湖", "武汉湖泊守护者", "36,000.00", "100%"]
                  - ["南水北调中线水源区生态茶园", "淅川县生态茶叶合作社", "84,000.00", "90%"]
              - label: "西南"
                rows:
                  - ["赤水河流域酒企废水公众监督", "仁怀河流守护者", "90,000.00", "100%"]
                  - ["高黎贡山白眉长臂猿栖息地恢复", "腾冲县生物多样性保护协会", "160,000.00", "78.5%"]
                  - ["滇池入湖河道垃圾拦截", "昆明绿色昆明", "42,000.00", "100%"]
                  - ["三江源社区垃圾收运", "玉树县嘉塘草原保护协会", "115,000.00", "95%"]
                  - ["嘉陵江渔民转岗巡护培训", "南充江河之友", "55,500.00", "100%"]
              - label: "华南"
                rows:
                  - ["湛江红树林蓝碳社区共管", "雷州半岛红树林之友", "140,000.00", "100%"]
                  - ["珠江口中华白海豚公众观察", "珠海海洋公民", "86,000.00", "92%"]
                  - ["漓江流域生态农业示范", "阳朔生态农业协会", "70,000.00", "85%"]
                  - ["海南长臂猿社区友好茶园", "白沙县鹦哥岭自然学校", "95,000.00", "100%"]
                  - ["城中村垃圾分类督导", "深圳零废弃", "28,600.00", "100%"]
                  - ["南岭山地溪流鱼类调查", "韶关山水之间", "48,000.00", "70%"]
"""


@dataclass
class Rendered:
    result: Result
    pages: list[pdfplumber.page.Page]
    blocks: list[Table]


def render(project: Project, issue: str) -> Rendered:
    result = build(project, issue, Options())
    pdf = pdfplumber.open(result.pdf)
    found = load_issue(project.issue_folder(issue))
    blocks = [b for s in found.sections for a in getattr(s, "body", ()) for b in getattr(a, "body", ())
              if isinstance(b, Table)]
    return Rendered(result, list(pdf.pages), blocks)


@pytest.fixture(scope="module")
def grouped(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    return render(make_project(tmp_path_factory.mktemp("tables"), ISSUE), "x")


@pytest.fixture(scope="module", params=["2023-12", "2024-01"])
def corpus(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    assert make_standins.main([str(CORPUS / request.param)]) == 0
    return render(Project(ROOT, build_dir=tmp_path_factory.mktemp("corpus")), str(CORPUS / request.param))


def lines(page: pdfplumber.page.Page | conftest.PdfPage) -> list[tuple[float, str]]:
    """The page's lines of text (characters within 2 pt of one top), each read left to right."""
    out: list[tuple[float, list[dict]]] = []
    for c in sorted(page.chars, key=lambda c: c["top"]):
        if out and c["top"] - out[-1][0] <= 2:
            out[-1][1].append(c)
        else:
            out.append((c["top"], [c]))
    return [(top, squash("".join(c["text"] for c in sorted(cs, key=lambda c: c["x0"])))) for top, cs in out]


def words(page: pdfplumber.page.Page, pattern: str) -> list[dict]:
    return [w for w in page.extract_words(return_chars=True) if re.fullmatch(pattern, w["text"])]


def table_pages(rendered: Rendered, block: Table) -> list[int]:
    """Pages (0-based) that hold a row of the table: those where its body cells appear."""
    cells = {squash(plain_text(c)) for row in block.rows or [r for g in block.groups for r in g.rows] for c in row[:1]}
    return [i for i, p in enumerate(rendered.pages) if any(c in squash(p.extract_text()) for c in cells)]


def test_a_41_row_table_runs_over_two_pages_each_with_the_header_row(grouped: Rendered) -> None:
    block, = grouped.blocks
    on = table_pages(grouped, block)
    assert len(on) == 2 and grouped.result.passes == 2  # the second layout cut 华中 where page 2 begins
    header = squash("".join(block.header))
    for i in on:
        assert any(header in text for _, text in lines(grouped.pages[i])), f"page {i + 1} has no header row"


def test_a_group_continued_on_a_new_page_is_labelled_again_at_its_top(grouped: Rendered) -> None:
    block, = grouped.blocks
    first, second = (grouped.pages[i] for i in table_pages(grouped, block))
    continued = [w for p in (first, second) for w in p.extract_words() if "（续）" in w["text"]]
    assert [w["text"] for w in continued] == ["华中（续）"] and continued[0] in second.extract_words()
    header_bottom = max(w["bottom"] for w in second.extract_words() if w["text"] == "完成率")
    body = sorted((w for w in second.extract_words() if w["top"] > header_bottom), key=lambda w: w["top"])
    group = next(g for g in block.groups if g.label == "华中")
    names = {squash(plain_text(r[0])) for r in group.rows}
    # The first row under the repeated header is a 华中 row, and the label stands beside 华中's rows there.
    assert any(body[0]["text"] in n for n in names) or any(n.startswith(body[0]["text"]) for n in names), body[0]
    last = max(w["bottom"] for w in body if any(w["text"] in n for n in names))
    assert header_bottom < continued[0]["top"] < last
    assert "华中" in [w["text"] for w in first.extract_words()]  # its first rows, labelled plainly, on page 1


def short_cells(block: Table) -> list[str]:
    rows = block.rows or [r for g in block.groups for r in g.rows]
    texts = [*block.header, *(g.label for g in block.groups), *(c for r in rows for c in r)]
    return [t for t in (squash(plain_text(c)) for c in texts) if len(t) <= 8 and not tables.NUMBER.fullmatch(t)]


def test_no_short_cell_wraps(grouped: Rendered, corpus: Rendered) -> None:
    for rendered in (grouped, corpus):
        for block in rendered.blocks:
            shown = [text for i in table_pages(rendered, block) for _, text in lines(rendered.pages[i])]
            wrapped = [t for t in short_cells(block) if not any(t in line for line in shown)]
            assert not wrapped, wrapped


def test_cells_of_the_corpus_application_table_keep_their_names_and_dates_whole(corpus: Rendered) -> None:
    """流域与湿地, 城乡废弃物与循环经济, 2024年4月30日: not starved into 4-character lines by the URLs."""
    for block in corpus.blocks:
        if block.header[0] != "通道":
            continue
        shown = [text for i in table_pages(corpus, block) for _, text in lines(corpus.pages[i])]
        for row in block.rows:
            for cell in row[:2]:
                assert any(squash(plain_text(cell)) in line for line in shown), cell


def test_the_seed_table_keeps_every_organisation_on_one_line(rendered: conftest.Rendered) -> None:
    """2023-11's 表6-1: 中国国际民间组织合作促进会 (13 characters) stays on one line beside 45-character case
    titles (an equal fraction of each column's one-line width would wrap it)."""
    block, = [b for s in load_issue(ROOT / "issues" / "2023-11").sections for a in getattr(s, "body", ())
              for b in getattr(a, "body", ()) if isinstance(b, Table)]
    shown = [text for page in rendered.pages for _, text in lines(page)]
    for group in block.groups:
        assert any(group.label in line for line in shown), group.label
        for _, org in group.rows:
            assert any(squash(plain_text(org)) in line for line in shown), org


def points(word: dict) -> float:
    """Where a number's decimal point stands: its point's left edge, or an integer's right edge."""
    chars = [c for c in word["chars"] if c["text"] not in "%‰"]
    dot = next((c for c in chars if c["text"] == "."), None)
    return dot["x0"] if dot else chars[-1]["x1"]


def test_numbers_are_right_aligned_on_the_decimal_point(grouped: Rendered, corpus: Rendered) -> None:
    checked = 0
    for rendered in (grouped, corpus):
        for i in sorted({i for b in rendered.blocks for i in table_pages(rendered, b)}):
            page = rendered.pages[i]
            for pattern in (r"[\d,]+\.\d\d", r"\d+(\.\d)?%"):  # amounts, rates
                found = words(page, pattern)
                if len(found) < 3:
                    continue
                checked += 1
                dots = [points(w) for w in found]
                assert max(dots) - min(dots) <= 0.5, (i + 1, pattern, [(w["text"], round(points(w), 1)) for w in found])
                same = {len(w["text"].partition(".")[2]) for w in found}
                if len(same) == 1:  # every one as long after the point: they end together too
                    ends = [w["x1"] for w in found]
                    assert max(ends) - min(ends) <= 0.5, (i + 1, pattern, sorted(ends))
    assert checked >= 3


TALL = HEADER + """\
sections:
  - type: section
    title: 项目进展
    body:
      - type: article
        title: 项目说明
        body:
          - type: table
            header: ["编号", "项目说明", "执行机构"]
            rows:
""" + "".join(f'              - ["{n}", "{f"第{n}号项目在流域上游的村庄开展水质监测、湿地修复和社区培训，" * 3}", "{n}号机构"]\n'
              for n in range(1, 31))


def test_no_row_is_split_between_pages(grouped: Rendered, tmp_path: Path) -> None:
    """Every row's cells whole on one page: the 41 rows, and 30 rows of four lines each over three
    pages (which WeasyPrint cuts between lines without `break-inside: avoid` on tr)."""
    tall = render(make_project(tmp_path, TALL), "x")
    for rendered in (grouped, tall):
        block, = rendered.blocks
        texts = [squash("".join(c["text"] for c in p.chars)) for p in rendered.pages]
        assert len(table_pages(rendered, block)) >= 2
        for row in block.rows or [r for g in block.groups for r in g.rows]:
            cells = [squash(plain_text(c)) for c in row]
            assert any(all(c in text for c in cells) for text in texts), row


def test_widths_give_short_columns_their_width_and_long_ones_the_rest() -> None:
    natural, least = [10.5, 8.4, 50.5, 20.0], [10.5, 8.4, 4.5, 4.5]
    got = tables.widths(natural, least, 54.8, 1.3)
    assert abs(sum(got) - 54.8) < 0.01
    assert got[0] >= 10.5 + 1.3 and got[1] >= 8.4 + 1.3
    assert (got[2] - 1.3) / natural[2] == pytest.approx((got[3] - 1.3) / natural[3], rel=0.01)  # long ones wrap alike
    # 2023-11: a 13-character organisation beside 45-character case titles gets its whole line.
    seed = tables.widths([8.5, 45.5, 13.5], [8.5, 12.5, 12.5], 54.8, 1.3)
    assert seed[2] == pytest.approx(13.5 + 1.3) and seed[0] == pytest.approx(8.5 + 1.3)
    roomy = tables.widths([5, 20, 8], [5, 12, 8], 54.8, 1.3)
    assert (roomy[1] - 1.3) / (roomy[0] - 1.3) == pytest.approx(20 / 5, rel=0.01)  # all on one line: slack shared


def test_a_name_with_a_han_extension_character_breaks_anywhere_as_han() -> None:
    """Extension A–H characters (names use them) are Han in the width measure: 1 em each, and no
    run of them is taken for a Latin word no line may break (the column's least width)."""
    for name in ("王𠀀明", "张𬞟华", "㐀㐁华", "𠀋𠀋𠀋𠀋𠀋𠀋𠀋𠀋合作社", "王\U00031350明"):  # B, E, A, B, H
        assert tables.width(name) == len(name)
        assert tables.unbreakable(name) == 0.0, name
    assert tables.unbreakable("Zhang 张𬞟华") == tables.unbreakable("Zhang")


def test_number_columns_are_found_and_padded_to_a_decimal_tab() -> None:
    assert tables.numeric(["1,280.00", "96.00", "27103400.95", "—"]) == (True, pytest.approx(2.55))  # .00 in ch
    assert tables.numeric(["12%", "8%"]) == (True, 0.0)  # nothing after the integers but one unit: no box
    assert tables.numeric(["100%", "92.5%"])[1] == pytest.approx(0.55 + 1 + 1.8)
    assert not tables.numeric(["1,280.00", "约300"])[0] and not tables.numeric(["—", ""])[0]
    plan = tables.Plan((tables.Column(50, True, 3.35),))
    assert str(plan.cell(0, "100%")) == '100<span class="num-tail" style="width: 3.35ch">%</span>'
    assert plan.cell(0, "—") == "—" and plan.cell(0, "约300") is None
    assert tables.Plan((tables.Column(50),)).cell(0, "100%") is None  # a text column


def test_a_table_set_in_other_type_is_measured_and_laid_out_again(tmp_path: Path) -> None:
    """A layout's 12 pt table type: the first layout's assumed measure (9 pt) is wrong; the tables'
    own, read from the laid-out boxes, sets the widths of the second, and only then are groups cut
    where pages begin (a third): short cells whole, every （续） label the first on its page."""
    issue = ISSUE.replace("        body:\n", """        body:
          - type: table
            header: ["通道", "截止日期", "申请网址"]
            rows:
              - ["城乡废弃物与循环经济", "2024年4月30日", "https://grants.example.org/2024/small-grants/circular-economy/apply?lang=zh"]
""", 1)
    project = make_project(tmp_path, issue.replace("layout: cega-bulletin", "layout: big"), layouts={"big": {
        "layout.yaml": "extends: cega-bulletin\nstylesheets: [big.css]\n",
        "big.css": "table.table { font-size: 12pt; }\n"}})
    rendered = render(project, "x")
    assert rendered.result.passes == 3
    for block in rendered.blocks:
        shown = [text for i in table_pages(rendered, block) for _, text in lines(rendered.pages[i])]
        assert not [t for t in short_cells(block) if not any(t in line for line in shown)]
    continued = 0
    for page in rendered.pages:
        labels = sorted((w for w in page.extract_words() if any(w["text"].startswith(g) for g in LABELS)),
                        key=lambda w: w["top"])
        continued += sum("（续）" in w["text"] for w in labels)
        assert all("（续）" not in w["text"] for w in labels[1:]), [w["text"] for w in labels]
    assert continued >= 1
