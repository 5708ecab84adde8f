"""Justification in narrow columns, read from the PDF: no Han line spread past 0.15 em, English hyphenated."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from bulletin_press.build import Options, build
from bulletin_press.engine import han_justify as justify
from bulletin_press.pdf.verify import comparable

from ..conftest import HEADER, ROOT, make_project, pdf_text

sys.path.insert(0, str(ROOT / "benchmarks"))
import cjk_measure  # noqa: E402  (the project's measure of loose lines, from character positions)

# Paragraphs whose lines went loose in two columns (issue 20): an acronym in brackets, a quoted
# code, English words, numbers with units, an e-mail address, a DOI and a file name; and a table
# of short names.
CHINESE = [
    "11月20号到24号，环境资助者网络（CEGA）在香港和深圳开展了一系列活动，与伙伴交流社区气候行动的经验。",
    "当地时间11月12日上午，塑料污染国际文书政府间谈判委员会第三次会议（以下简称“INC-3”）召开前夕，"
    "由世界自然基金会、北京市企业家环保基金会（SEE基金会）、青合循环经济与碳中和研究院联合主办的研讨会举行。",
    "《公众气候行动手册》中文版在第二届全球青年气候周（Global Youth Climate Week）期间发布，英文版将在"
    "联合国气候大会上发布，手册介绍了Intergovernmental Panel on Climate Change的最新评估结论。",
    "调查期间，长江口水域的盐度在2.1‰至11.7‰之间变化，受上游来水偏少影响，咸潮上溯的时间比往年提前了"
    "约两周，沿岸水厂的取水口一度停止取水。",
    "成员机构可通过共享空间下载资料，如有问题请联系秘书处secretariat@cega-example.org.cn，我们将在三个"
    "工作日内答复，并把常见问题整理在成员手册中。",
    "研究数据见doi:10.1038/s41586-020-2649-2，原始记录整理为annual_monitoring_records_2023.xlsx，"
    "可向秘书处索取，表格中的站点编号与地图一致。",
    "装了水表。“以前浇水是‘看天’，现在是‘看表’。”这句话后来被印在了村委会的宣传栏上，成为村里节水的口号。",
]
ENGLISH = ("The environmental grantmakers' network strengthened international collaboration on "
           "biodiversity conservation, community-based adaptation and sustainable agriculture, "
           "accompanying organisations throughout unprecedented transformations.")
ISSUE = HEADER.replace("layout: cega-bulletin", "layout: narrow") + """\
sections:
  - type: section
    title: 栏目
    body:
      - type: article
        title: 标题
        body:
""" + "".join(f'          - "{p}"\n' for p in CHINESE) + """\
          - type: table
            caption: 名单
            header: [领域, 机构]
            rows:
              - [生态保护与修复, 青禾气候基金会]
              - [公众倡导, 赣江流域保护基金会]
      - type: article
        title: Network news
        lang: en
        body:
""" + f'          - "{ENGLISH}"\n'
LAYOUTS = {  # two columns per section on A4 (84 mm each) and on A5 with smaller type (about 60 mm)
    "a4": ".section { columns: 2; column-gap: 6mm; }\n.section-banner { column-span: all; }\n",
    "a5": "@page { size: A5; margin: 15mm 12mm 14mm; }\n:root { --body-size: 9.5pt; }\n"
          ".section { columns: 2; column-gap: 5mm; }\n.section-banner { column-span: all; }\n",
}
MARGINS = {"a4": (62, 56), "a5": (15 * 72 / 25.4, 14 * 72 / 25.4)}  # head and folio, pt
ROUNDING = 0.005  # em: positions in the PDF are rounded


def render(tmp: Path, page: str) -> Path:
    project = make_project(tmp, ISSUE, layouts={"narrow": {
        "layout.yaml": "extends: cega-bulletin\nstylesheets: [narrow.css]\n", "narrow.css": LAYOUTS[page]}})
    return build(project, "x", Options()).pdf  # the build's own text-layer check passes or raises


@pytest.fixture(scope="module", params=sorted(LAYOUTS))
def pdf(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    return request.param, render(tmp_path_factory.mktemp(request.param), request.param)


def test_no_han_line_spreads_past_the_limit(pdf: tuple[str, Path]) -> None:
    page, path = pdf
    loose = cjk_measure.loose_lines(path, *MARGINS[page], limit=justify.HAN_MAX + ROUNDING)
    assert not loose, [f"p{ln.page} {spread:.2f} em: {ln.text}" for ln, spread, _ in loose]


def test_these_paragraphs_need_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Without the limit the same text spreads some lines past it: the test above can fail.
    monkeypatch.setattr(justify, "HAN_MAX", 10.0)
    path = render(tmp_path, "a4")
    assert cjk_measure.loose_lines(path, *MARGINS["a4"], limit=justify.HAN_MAX + ROUNDING) == []
    assert cjk_measure.loose_lines(path, *MARGINS["a4"], limit=0.15 + ROUNDING)


def test_english_is_hyphenated_and_copies_out_whole(pdf: tuple[str, Path]) -> None:
    page, path = pdf
    lines = [ln.text for ln in cjk_measure.lines_of(path, *MARGINS[page])]
    # A hyphen the engine printed: a line ending in letter + hyphen, the next going on in lower case.
    hyphenated = [f"{a} / {b}" for a, b in zip(lines, lines[1:])
                  if re.search("[a-z][-\u2010]$", a) and re.match("[a-z]", b)]
    assert hyphenated, lines
    copied = comparable(pdf_text(path))
    for word in re.findall("[A-Za-z]+", ENGLISH + "".join(CHINESE)):
        assert word in copied, word  # no soft hyphen or hyphen left inside a word
    assert not re.search("[\u00ad\ufffe\u0002]", pdf_text(path))
