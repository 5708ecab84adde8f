"""Text pasted from Word and WeChat (issue 21): separators, dash/ellipsis/wave variants, curly quotes by language."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulletin_press.build import Options, build
from bulletin_press.cjk.filters import Typography, latin_quotes
from bulletin_press.typeset import inline_html, plain_text
from bulletin_press.pdf.verify import comparable

from ..conftest import HEADER, PdfPage, make_project, pdf_text, read_pdf

OFF = Typography(*(False,) * 7)


@pytest.mark.parametrize("typed, shown", [
    ("第一行\u2028第二行。", "第一行第二行。"),  # between Chinese: nothing
    ("line\u2028separator", "line separator"),  # between Latin words: a space
    ("段落\u2029Paragraph", "段落 Paragraph"),
    ("破折号――省略号⋯⋯波浪号〜长⸺更长⸻", "破折号——省略号……波浪号～长——更长———"),
])
def test_pasted_characters_become_the_house_forms_whatever_the_switches(typed: str, shown: str) -> None:
    assert comparable(plain_text(typed)) == comparable(shown)
    assert plain_text(typed, OFF) == shown


@pytest.mark.parametrize("typed, latin", [
    ("it’s the authors’ view", "’’"),
    ("“We will work with China”, says Li.", "“”"),
    ("他说“你好”", ""),
    ("中“OK”", ""),  # quotes of a Chinese sentence, whatever they hold
    ("‘看天’，现在是‘看表’", ""),
    ("他说：“We’re here.”", "’"),  # the apostrophe is Latin, the quotes of the Chinese sentence not
])
def test_quotes_take_the_language_of_their_neighbours(typed: str, latin: str) -> None:
    assert "".join(typed[i] for i in sorted(latin_quotes(typed))) == latin


@pytest.mark.parametrize("typed, shown", [
    ('"We will work with China", says Li.', '"We will work with China", says Li.'),
    ("“We will work with China”, says Li.", "“We will work with China”, says Li."),
    ("李硕说“China”, says Li。", "李硕说“China”, says Li。"),  # English follows the comma: it stays
    ('他说"你好",然后离开', "他说“你好”，然后离开"),
    ("他说“OK”,然后离开", "他说“OK”，然后离开"),
])
def test_a_mark_after_a_latin_quote_stays_half_width(typed: str, shown: str) -> None:
    assert comparable(plain_text(typed)) == comparable(shown)


def test_latin_quotes_are_marked_english_in_the_html() -> None:
    assert str(inline_html("他说it’s好")) == '他说 <span lang="en">it’s</span> 好'
    assert '<span lang="en">“We will work with China”</span>, says' in str(inline_html("“We will work with China”, says Li."))
    assert "lang" not in str(inline_html("他说“你好”。"))


ISSUE = HEADER + """
sections:
  - type: section
    title: 栏目
    body:
      - type: article
        title: 中文里的英文
        body:
          - "李硕在会上说：“We’re here because it’s the authors’ view.”他还引用了“中国”一词。"
          - "“We will work with China”, says Li Shuo，这是他在会后的原话。"
          - "从微信粘贴的一段\\u2028换了行的文字，和Word里的line\\u2028separator，在简报里都应当接着排，不留方框，也不把它所在的一行拉散，读者看到的是连贯的一段话，复制出来也一样。"
      - type: article
        title: Members’ news
        lang: en
        body:
          - "It’s the “members’ choice”, says the board."
"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[PdfPage]]:
    pdf = build(make_project(tmp_path_factory.mktemp("quotes"), ISSUE), "x", Options()).pdf
    return pdf, read_pdf(pdf)


def widths(pages: list[PdfPage], before: str, char: str) -> list[float]:
    """The widths (em) of `char` where it follows `before` on the pages, as the PDF draws them."""
    found = []
    for page in pages:
        text = "".join(c["text"] for c in page.chars)
        at = text.find(before + char)
        while at >= 0:
            c = page.chars[at + len(before)]
            found.append(c["width"] / c["size"])
            at = text.find(before + char, at + 1)
    return found


def test_apostrophes_in_english_are_narrow(pages: tuple[Path, list[PdfPage]]) -> None:
    _, read = pages
    for before in ("it", "We", "authors", "It", "members"):  # in Chinese text and in a lang: en article
        assert widths(read, before, "’") and all(w < 0.35 for w in widths(read, before, "’")), before  # was 1 em


def test_quotes_in_chinese_stay_full_width(pages: tuple[Path, list[PdfPage]]) -> None:
    _, read = pages
    assert widths(read, "还引用了", "“") == [1.0] and widths(read, "中国", "”") == [1.0]


def test_the_comma_after_an_english_quote_stays_half_width(pages: tuple[Path, list[PdfPage]]) -> None:
    _, read = pages
    for before in ("China”", "choice”"):
        [width] = widths(read, before, ",")  # was '，', 1 em
        assert width < 0.4
    assert widths(read, "China", "”") and all(w < 0.5 for w in widths(read, "China", "”"))


def test_a_line_separator_prints_nothing_and_spreads_nothing(pages: tuple[Path, list[PdfPage]]) -> None:
    pdf, read = pages
    copied = comparable(pdf_text(pdf))
    assert "从微信粘贴的一段换了行的文字，和Word里的lineseparator，在简报里" in copied and "\u2028" not in copied
    chars = [c for p in read for c in p.chars]
    text = "".join(c["text"] for c in chars)
    at = text.index("从微信")
    line = [c for c in chars[at : at + 8]]  # 从微信粘贴的一段: one line, set solid (the box letter-spaced it)
    gaps = [(b["x0"] - a["x1"]) / a["size"] for a, b in zip(line, line[1:])]
    assert max(gaps) < 0.16, gaps
