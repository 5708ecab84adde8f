"""Inline markup: three marks, everything else literal text."""

from __future__ import annotations

import pytest

from bulletin_press.content.inline import InlineError, Span, links, parse, plain
from bulletin_press.typeset import inline_html, plain_text


def test_marks_become_html_and_the_rest_is_escaped() -> None:
    assert inline_html("**项目。**2019年") == "<strong>项目。</strong>2019 年"  # Han–Latin space added
    assert inline_html("*强调*与[链接](https://a.org/?x=1&y=2)") == '<em>强调</em>与<a href="https://a.org/?x=1&amp;y=2">链接</a>'
    assert inline_html(r"<script>alert(1)</script> {{ 7\*7 }}") == "&lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }}"


def test_html_and_template_syntax_print_literally() -> None:
    assert plain("<b>粗</b> {{ 7*7 }}".replace("*", "\\*")) == "<b>粗</b> {{ 7*7 }}"
    assert str(inline_html("<b>粗</b>")) == "&lt;b&gt;粗&lt;/b&gt;"


def test_escapes_and_plain_text() -> None:
    assert plain(r"\*不是强调\* \[不是链接]") == "*不是强调* [不是链接]"
    assert plain("见“[气候变化与社区适应](#)”") == "见“气候变化与社区适应”"
    assert links("见[甲](#)和[乙](https://b.org)") == [("甲", "#"), ("乙", "https://b.org")]


@pytest.mark.parametrize("text, offset", [("[链接", 0), ("[链接](https://x", 4), ("*[链接*", 1)])
def test_broken_links_are_errors_with_offsets(text: str, offset: int) -> None:
    with pytest.raises(InlineError) as e:
        plain(text)
    assert e.value.offset == offset


@pytest.mark.parametrize("text", ["注：带*号的项目为新增", "5*2=10", "*", "a * b", "一段**文字", "**", "粗体 **未闭合", "x*", "**bold **"])
def test_a_star_without_partner_is_text(text: str) -> None:
    assert parse(text) == (Span("text", text),)


def test_matched_stars_still_mark() -> None:
    assert inline_html("**项目。**2019年") == "<strong>项目。</strong>2019 年"
    assert inline_html("*甲*、**乙**与*丙 **丁** 戊*") == "<em>甲</em>、<strong>乙</strong>与<em>丙 <strong>丁</strong> 戊</em>"
    assert inline_html("注：带*号的为**重点**项目") == "注：带*号的为<strong>重点</strong>项目"
    assert inline_html("**a*b**") == "<strong>a*b</strong>"


def test_many_lone_stars_parse_and_keep_their_text() -> None:
    """The time they take (linear, not quadratic) is measured by benchmarks/parsing.py."""
    for text in ["*a " * 16000, "** *" * 12000, "**a *" * 10000, "*a***" * 10000]:
        text = text[:50000]
        assert plain(text).replace("*", "") == text.replace("*", "")  # only stars are ever taken as marks


def test_addresses_in_text_become_links_that_break() -> None:
    html = str(inline_html("见https://a.org/x。邮箱：a@b.org，网站www.c.org/d"))
    assert '<a class="address" href="https://a.org/x">https://\u200ba\u200b.org/\u200bx</a>。' in html
    assert 'href="mailto:a@b.org"' in html and 'href="https://www.c.org/d"' in html
    # Written as a link already, or put inside one by the template: no link in a link.
    assert str(inline_html("[https://a.org](https://a.org)")).count("<a ") == 1
    assert "<a " not in str(inline_html("https://a.org/x", autolink=False))
    assert plain_text("见https://a.org/x。").replace("\u200b", "") == "见 https://a.org/x。"
