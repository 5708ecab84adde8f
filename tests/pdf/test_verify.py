"""The checks after layout and after writing: no cry of wolf at hyphens, and real loss still caught."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulletin_press.build import build
from bulletin_press.diagnostics import BuildError
from bulletin_press.pdf.verify import comparable

from ..conftest import HEADER, make_project, pdf_text

# Words that break at hyphens: hyphenation (lang: en), typed hyphens (PDFium shows '-' at a line
# end as U+FFFE), soft hyphens (drawn only where the line breaks), and addresses with hyphens.
ENGLISH = ("Our community-based, locally-led well-being programmes bring long-standing "
           "science-policy dialogue to river-basin co-management, eco-compensation and "
           "carbon-sink re-forestation; inter\u00adgovern\u00admental part\u00adner\u00adships "
           "sup\u00adport bio\u00addiversity-positive fin\u00adance in 2020-2023 and 2024-2030. "
           "Intergovernmental reports are at https://www.example.org/reports/2023/annual-environmental-"
           "report-final-version.pdf?lang=en&page=3, questions to river-basin.team@greenfund-example.org.cn. ")
ISSUE = HEADER + """
sections:
  - type: section
    title: 栏目
    body:
      - type: article
        title: Community-based river-basin co-management
        lang: en
        body:
          - "{text}"
      - type: article
        title: 中文里的连字符
        body:
          - "中文段落里也有 co-management 与 community-based 这样的词，以及 well-being 一词，网址 https://www.example.org/river-basin/co-management?id=2023 与邮箱 co-management@example.org 也常见。"
"""


def narrow(width_mm: int) -> dict[str, dict[str, str]]:
    """A layout whose text column is `width_mm` wide, so that other words land at line ends."""
    side = (210 - width_mm) / 2
    return {"narrow": {"layout.yaml": "extends: cega-bulletin\nstylesheets: [narrow.css]\n",
                       "narrow.css": f"@page {{ margin-left: {side}mm; margin-right: {side}mm; }}\n"}}


ADDRESSES = ("https://www.example.org/reports/2023/annual-environmental-report-final-version.pdf?lang=en&page=3",
             "river-basin.team@greenfund-example.org.cn", "https://www.example.org/river-basin/co-management?id=2023",
             "co-management@example.org")



def line_end_hyphens(text: str) -> int:
    """Hyphens the PDF's text layer shows where a line ends inside a word."""
    return text.count("\ufffe") + text.count("\u0002") + sum(text.count(h + "\r\n") for h in "-\u2010\u00ad")


@pytest.mark.parametrize("width", [60, 71, 83, 97, 174])
def test_hyphens_at_line_ends_are_not_reported_lost(tmp_path: Path, width: int) -> None:
    project = make_project(tmp_path, ISSUE.replace("{text}", ENGLISH * 3).replace("layout: cega-bulletin", "layout: narrow"),
                           layouts=narrow(width))
    result = build(project, "x")  # raises BuildError if the text-layer check cried wolf
    assert not result.report.errors and result.pages >= 1
    text = pdf_text(result.pdf)
    if width < 174:  # the narrow columns really put hyphens at line ends
        assert line_end_hyphens(text) > 0
    # An address breaks only where it may, with no hyphen added: it copies out whole.
    joined = text.replace("\r\n", "").replace("\ufffe", "-")
    assert [a for a in ADDRESSES if a not in joined] == []


def test_comparable_forgets_hyphens_inside_words_only() -> None:
    assert comparable("con\u2010\r\nsiderations") == comparable("considerations")
    assert comparable("well\ufffebeing") == comparable("well-being") == "wellbeing"
    assert comparable("inter\u00adgovernmental") == "intergovernmental"
    assert comparable("——破折号") == "——破折号" and comparable("a —— b") == "a——b"
    assert comparable("环境 资助\u2060者") == "环境资助者"


def _pages_pdf(tmp_path: Path, count: int) -> Path:
    import weasyprint

    html = "".join(f"<p style='break-after: page'>第{n}页：湿地保护与社区参与 page {n}</p>" for n in range(1, count + 1))
    pdf = tmp_path / "pages.pdf"
    weasyprint.HTML(string=html).write_pdf(pdf)
    return pdf


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per os.fork() the code under test makes."""
    import os

    made: list[int] = []
    fork = os.fork
    monkeypatch.setattr(os, "fork", lambda: made.append(1) or fork())
    return made


def test_the_text_layer_is_read_on_two_cores_page_for_page(tmp_path: Path, monkeypatch, forks: list[int]) -> None:
    """The second half read by a forked child comes back in order; a child that fails is read again here."""
    import os

    import pypdfium2

    from bulletin_press.pdf import verify

    pdf = _pages_pdf(tmp_path, 10)
    texts = verify._page_texts(pdf, 10)
    assert forks == [1] and [t.split("：")[0] for t, in texts] == [f"第{n}页" for n in range(1, 11)]

    parent, opened = os.getpid(), pypdfium2.PdfDocument

    def refused_in_the_child(*args, **kwargs):
        if os.getpid() != parent:
            raise OSError("the child cannot read")
        return opened(*args, **kwargs)

    monkeypatch.setattr(pypdfium2, "PdfDocument", refused_in_the_child)
    assert verify._page_texts(pdf, 10) == texts and forks == [1, 1]


@pytest.mark.parametrize("pages", [10, 3])
def test_the_disk_syncs_while_the_text_is_read_but_no_thread_runs_at_the_fork(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pages: int) -> None:
    """write_pdf's fsync thread starts once the check has forked (a child forked beside a running thread
    may inherit a lock held for ever); short PDFs, read without a fork, are synced too."""
    import os
    import threading

    import weasyprint

    from bulletin_press.engine import render
    from bulletin_press.pdf import verify

    events: list[str] = []
    fork, fsync = os.fork, os.fsync

    def counted_fork() -> int:
        events.append(f"fork with {threading.active_count()} thread(s)")
        return fork()

    def logged_fsync(fd: int) -> None:
        events.append("fsync")
        fsync(fd)

    monkeypatch.setattr(os, "fork", counted_fork)
    monkeypatch.setattr(os, "fsync", logged_fsync)
    html = "".join(f"<p style='break-after: page'>第{n}页：湿地保护 page {n}</p>" for n in range(1, pages + 1))
    document = weasyprint.HTML(string=html).render()
    texts: list[list[str]] = []

    def check(written: Path) -> None:
        texts.extend(verify._page_texts(written, pages))
        events.append("read")

    render.write_pdf(document, tmp_path / "out.pdf", check=check)
    assert [t.split("：")[0] for t, in texts] == [f"第{n}页" for n in range(1, pages + 1)]
    forked = ["fork with 1 thread(s)"] if pages >= 8 and verify.usable_cpus() > 1 else []
    assert events[:len(forked)] == forked and sorted(events[len(forked):]) == ["fsync", "read"]


def test_text_lost_on_a_page_the_child_reads_is_an_error(tmp_path: Path, forks: list[int]) -> None:
    filler = "".join(f"\n      - 第{n}段：湿地保护工作进入新的阶段，志愿者在冬季开展鸟类调查与栖息地巡护，记录候鸟迁徙的路线。" * 3
                     for n in range(1, 120))
    body = f"""
sections:
  - type: section
    title: 栏目
    body:{filler}
      - "冰雪融化的屋脊—\\u2060—珠峰雪豹项目展"
"""
    project = make_project(tmp_path, HEADER + body)
    with pytest.raises(BuildError) as e:
        build(project, "x")
    [lost] = [f for f in e.value.findings if "text layer" in f.message]
    assert "'冰雪融化的屋脊——珠峰雪豹项目展'" in lost.message and forks == [1]  # the last page: the child's


# Pasted dash, ellipsis and wave variants (issue 21): the CJK faces draw ― ⋯ 〜 with the glyph of the
# house form (— in Chinese context, … and ～), and a PDF's text map gives one glyph one character.
PASTED = HEADER + """
sections:
  - type: section
    title: 栏目
    body:
      - "冰雪融化的屋脊——珠峰雪豹项目展……展期12月1日～3日。"
      - "从Word粘贴的破折号――省略号⋯⋯和波浪号〜，以及⸺长破折号。"
      - "第二段里又有——和……以及～。"
"""


def test_pasted_variants_pass_the_text_layer_check_as_house_forms(tmp_path: Path) -> None:
    result = build(make_project(tmp_path, PASTED), "x")  # raised BuildError naming the first paragraph
    copied = comparable(pdf_text(result.pdf))
    assert "从Word粘贴的破折号——省略号……和波浪号～，以及——长破折号。" in copied
    assert not set("\u2015\u22ef\u301c\u2e3a") & set(copied)


@pytest.mark.parametrize("odd_first", [False, True])
def test_two_characters_drawn_with_one_glyph_are_named_where_the_odd_one_was_typed(tmp_path: Path, odd_first: bool) -> None:
    # U+2012 FIGURE DASH and U+2013 EN DASH share a glyph in Noto Serif CJK and are not normalised;
    # whichever the PDF's map keeps, the paragraph named is the one with the figure dash.
    odd, usual = '      - "第二段：编号12‒34。"\n', '      - "第一段：2019–2020年。"\n'
    issue = HEADER + """
sections:
  - type: section
    title: 栏目
    body:
""" + (odd + usual if odd_first else usual + odd) + '      - "第三段：2021–2022年。"\n'
    odd_line, usual_line = (17, 18) if odd_first else (18, 17)
    with pytest.raises(BuildError) as e:
        build(make_project(tmp_path, issue), "x")
    [shared] = [f for f in e.value.findings if "same glyph" in f.message]
    assert not [f for f in e.value.findings if "text layer" in f.message and f is not shared]
    assert (str(shared.pos).endswith(f"issues/x/issue.yaml:{odd_line}:9") and shared.message ==
            "'‒' (U+2012 FIGURE DASH) typed here is drawn with the same glyph as '–' (U+2013 EN DASH), typed in 2 other "
            f"texts (first at {shared.pos.path}:{usual_line}:9); a PDF's text layer gives a glyph one character, so one of them "
            "copies out wrong; expected one of the two throughout — type '–' here")
