"""Inline markup: three marks, everything else literal text."""

from __future__ import annotations

import pytest

from bulletin_press.content.inline import InlineError, links, plain
from bulletin_press.typeset import inline_html


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


@pytest.mark.parametrize("text, offset", [("一段**文字", 2), ("一*段", 1), ("[链接", 0), ("[链接](https://x", 4)])
def test_unclosed_marks_are_errors_with_offsets(text: str, offset: int) -> None:
    with pytest.raises(InlineError) as e:
        plain(text)
    assert e.value.offset == offset
