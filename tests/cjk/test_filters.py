"""CJK text filters: conservative punctuation, Han–Latin spacing, joiners; never lose a character."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from bulletin_press.cjk.filters import Typography, filter_text, halt_spans, normalize_punctuation, strip_added
from bulletin_press.typeset import plain_text

ON = Typography()


def run(text: str, paragraph: bool = False) -> str:
    return filter_text([text], ON, paragraph)[0]


def test_half_width_punctuation_in_chinese_context() -> None:
    assert normalize_punctuation("基金会(简称“绿会”),是") == "基金会（简称“绿会”），是"
    assert normalize_punctuation("(截止至2020年8月25日,不完全汇总)") == "（截止至2020年8月25日，不完全汇总）"
    assert normalize_punctuation("收入总额:27103400.95元;爱心人次?") == "收入总额：27103400.95元；爱心人次？"


def test_latin_context_is_left_alone() -> None:
    for text in ["UN Global Compact (UNGC)", "2,240", "17:09", "2020/9/6", "联合国全球契约(UN Global Compact)",
                 "加入CMS, ITPGRFA等", "Site No: TA3-185", "中国企业气候行动(CCCA)项目"]:
        assert normalize_punctuation(text) == text, text


def test_han_latin_spacing() -> None:
    assert run("11月20号到24号，CEGA成员") == "11 月 20 号到 24 号，CEGA 成员"
    assert run("CEGA 成员") == "CEGA 成员"  # a space already there is kept, not doubled
    assert run("邮箱：wjzhao@geichina.org，见https://example.org/a?b=1,2") == "邮箱：wjzhao@geichina.org，见 https://example.org/a?b=1,2"


def test_spacing_across_inline_marks() -> None:
    assert filter_text(["成员", "SEE", "基金会"], ON) == ["成员", " SEE", " 基金会"]


def test_joiners_keep_marks_off_line_starts_and_no_lone_last_character() -> None:
    assert run("屋脊——珠峰") == "屋脊\u2060——珠峰"  # before the run, never inside it
    assert run("请查看本期简报。", paragraph=True) == "请查看本期简\u2060报。"
    assert run("请查看本期简报。") == "请查看本期简报。"  # titles and cells are not paragraphs


def test_switches() -> None:
    off = Typography(punctuation=False, autospace=False, joiners=False)
    assert filter_text(["基金会(简称),是CEGA——"], off, True) == ["基金会(简称),是CEGA——"]


def test_halt_wraps_the_mark_whose_blank_falls_between() -> None:
    assert halt_spans("《报告》，见") == '《报告<span class="halt">》</span>，见'
    assert halt_spans("说：“好。”") == '说<span class="halt">：</span>“好<span class="halt">。</span>”'
    assert halt_spans("（《书》）") == '（<span class="halt">《</span>书<span class="halt">》</span>）'


CHARS = st.sampled_from(list("中文字报会，。、：；？！（）“”《》—…·～()[],:;?!. 0123456789ABCabc@/-_") + ["http://a.b/c", "x@y.org"])
TEXTS = st.lists(CHARS, max_size=40).map("".join)
WIDTH = str.maketrans("，：；？！（）", ",:;?!()")


@settings(max_examples=300, deadline=None)
@given(st.lists(TEXTS, min_size=1, max_size=4), st.booleans())
def test_filters_only_add_spacing_and_only_change_punctuation_width(parts: list[str], paragraph: bool) -> None:
    out = filter_text(parts, ON, paragraph)
    assert len(out) == len(parts)
    # Nothing lost, added or reordered but the spacing and joiners the filters insert …
    assert strip_added("".join(out)).translate(WIDTH) == strip_added("".join(parts)).translate(WIDTH)
    # … and only U+0020 and U+2060 are added.
    assert len("".join(out)) - len("".join(parts)) == sum("".join(out).count(c) for c in " \u2060") - sum(
        "".join(parts).count(c) for c in " \u2060")


@settings(max_examples=300, deadline=None)
@given(st.lists(TEXTS, min_size=1, max_size=4), st.booleans())
def test_filters_are_idempotent(parts: list[str], paragraph: bool) -> None:
    once = filter_text(parts, ON, paragraph)
    assert filter_text(once, ON, paragraph) == once


def test_plain_text_is_what_the_page_shows() -> None:
    assert plain_text("**项目**,是[CEGA](https://a.org)成员") == "项目，是 CEGA 成员"
