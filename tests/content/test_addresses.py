"""Addresses in running text: found the same way by the autolinker and the filters, trailing punctuation left out."""

from __future__ import annotations

import re

import pytest

from bulletin_press.content.addresses import ZWSP, breakable, find

from ..conftest import HEADER


@pytest.mark.parametrize("text, shown, href", [
    ("见https://a.org/x。", "https://a.org/x", "https://a.org/x"),
    ("see https://a.org/x.", "https://a.org/x", "https://a.org/x"),
    ("see https://a.org/x, then", "https://a.org/x", "https://a.org/x"),
    ("(see https://a.org/x)", "https://a.org/x", "https://a.org/x"),
    ("see https://en.wikipedia.org/wiki/A_(b).", "https://en.wikipedia.org/wiki/A_(b)", "https://en.wikipedia.org/wiki/A_(b)"),
    ("网址：www.cega.org.cn，欢迎", "www.cega.org.cn", "https://www.cega.org.cn"),
    ("邮箱wjzhao@geichina.org。", "wjzhao@geichina.org", "mailto:wjzhao@geichina.org"),
    ("等等...a.b@c.org", "a.b@c.org", "mailto:a.b@c.org"),
    ("等等...https://a.org/x", "https://a.org/x", "https://a.org/x"),
    ("http://a.org/?q=1&r=2#top'", "http://a.org/?q=1&r=2#top", "http://a.org/?q=1&r=2#top"),
    # Chinese after / = # ? _ - goes on as a path or query (linked percent-encoded), after a letter it ends it.
    ("详见https://zh.wikipedia.org/wiki/北京市 和", "https://zh.wikipedia.org/wiki/北京市",
     "https://zh.wikipedia.org/wiki/%E5%8C%97%E4%BA%AC%E5%B8%82"),
    ("检索https://s.org/q?w=气候变化&p=2，", "https://s.org/q?w=气候变化&p=2", "https://s.org/q?w=%E6%B0%94%E5%80%99%E5%8F%98%E5%8C%96&p=2"),
    ("见https://a.org/x说明", "https://a.org/x", "https://a.org/x"),
    ("见https://a.org/%E5%8C%97。", "https://a.org/%E5%8C%97", "https://a.org/%E5%8C%97"),
])
def test_found_without_trailing_punctuation(text: str, shown: str, href: str) -> None:
    [address] = find(text)
    assert (address.text, address.href, text[address.start : address.end]) == (shown, href, shown)


@pytest.mark.parametrize("text", ["2020/9/6", "a.b", "wwwa.org", "xhttps://a.org", "@CEGA", "a@b", "https://", "17:09"])
def test_not_addresses(text: str) -> None:
    assert find(text) == []


def test_break_characters_are_looked_through() -> None:
    typed = "见https://a.org/x-y。"
    url = "https://a.org/x-y"
    marked = "".join(breakable(url).get(k, "") + ch for k, ch in enumerate(url))
    assert ZWSP in marked
    [address] = find(f"见{marked}。")
    assert address.text == url and address.end == 1 + len(marked)
    assert breakable(marked) == {}  # stable: nothing added twice
    assert find(typed)[0].text == url


def test_a_percent_encoded_path_breaks_before_each_percent() -> None:
    assert breakable("https://a.org/%E5%8C%97") == {8: ZWSP, 9: ZWSP, 14: ZWSP, 17: ZWSP, 20: ZWSP}


# A narrow column (two per section on A4, 84 mm): before, the line before an address, a DOI or a file
# name that could not break stretched to `论    文    DOI`; the whole address links, not `…/wiki/`.
LONG = HEADER.replace("layout: cega-bulletin", "layout: narrow") + """
sections:
  - type: section
    title: 栏目
    body:
      - type: article
        title: 标题
        body:
          - "论文DOI为10.1016/j.envsci.2023.04.012345678，附件名为2023年度_monitoring_records_final_version_3.xlsx，原文见https://example.org/%E5%8C%97%E4%BA%AC%E5%B8%82%E7%8E%AF%E5%A2%83%E4%BF%9D%E6%8A%A4%E5%B1%80/report，词条见https://zh.wikipedia.org/wiki/北京市生态环境局 ，联系reports.secretariat-beijing@example-alliance.org.cn。"
"""


def test_long_strings_break_and_a_chinese_address_links_whole(tmp_path) -> None:
    import sys

    import pypdf

    from bulletin_press.build import Options, build
    from bulletin_press.engine import han_justify as justify
    from bulletin_press.pdf.verify import comparable

    from ..conftest import ROOT, make_project, pdf_text

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import cjk_measure

    project = make_project(tmp_path, LONG, layouts={"narrow": {
        "layout.yaml": "extends: cega-bulletin\nstylesheets: [narrow.css]\n",
        "narrow.css": ".section { columns: 2; column-gap: 6mm; }\n.section-banner { column-span: all; }\n"}})
    pdf = build(project, "x", Options()).pdf
    loose = cjk_measure.loose_lines(pdf, 62, 56, limit=justify.HAN_MAX + 0.005)
    assert not loose, [f"{spread:.2f} em: {line.text}" for line, spread, _ in loose]
    # The percent-encoded address breaks before a `%`, never inside `%E5` (overflow-wrap's last resort).
    lines = pdf_text(pdf).split("\r\n")
    assert sum(line.startswith("%") for line in lines) >= 1 and not [x for x in lines if re.search("%[0-9A-F]?$", x)], lines
    uris = {a.get_object()["/A"]["/URI"] for page in pypdf.PdfReader(pdf).pages for a in page.get("/Annots") or []
            if "/A" in a.get_object()}
    assert "https://zh.wikipedia.org/wiki/%E5%8C%97%E4%BA%AC%E5%B8%82%E7%94%9F%E6%80%81%E7%8E%AF%E5%A2%83%E5%B1%80" in uris
    assert "https://zh.wikipedia.org/wiki/" not in uris
    assert "https://zh.wikipedia.org/wiki/北京市生态环境局" in comparable(pdf_text(pdf))  # shown as typed
