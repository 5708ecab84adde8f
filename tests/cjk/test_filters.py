"""CJK text filters: conservative punctuation, Han–Latin spacing, joiners; never lose a character."""

from __future__ import annotations

import re

from hypothesis import given, settings, strategies as st

from bulletin_press.cjk.filters import Typography, filter_text, halt_spans, normalize_punctuation, strip_added
from bulletin_press.typeset import plain_text

ON = Typography()


def run(text: str, paragraph: bool = False) -> str:
    return filter_text([text], ON, paragraph)[0]


def seen(text: str) -> str:
    """What the reader sees: break opportunities and joiners draw nothing."""
    return text.replace("\u200b", "").replace("\u2060", "")


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
    assert seen(run("邮箱：wjzhao@geichina.org，见https://example.org/a?b=1,2")) == "邮箱：wjzhao@geichina.org，见 https://example.org/a?b=1,2"
    assert seen(run("联系wjzhao@geichina.org获取")) == "联系 wjzhao@geichina.org 获取"  # not 联系wjzhao@… as one address


def test_addresses_break_after_slashes_and_before_marks_and_never_after_a_hyphen() -> None:
    Z, J = "\u200b", "\u2060"
    assert run("见https://a.org/x-y_z?b=1&c=2#d。") == f"见 https://{Z}a{Z}.org/{Z}x{Z}-{J}y{Z}_z{Z}?{J}b{Z}=1{Z}&c{Z}=2{Z}#d。"
    assert run("写信给wj.zhao@gei-china.org。") == f"写信给 wj{Z}.zhao{Z}@gei{Z}-{J}china{Z}.org。"
    assert run("www.a.org/b//c") == f"www{Z}.a{Z}.org/{Z}b//{Z}c"  # after //, never between the slashes


def test_addresses_are_never_filtered_inside() -> None:
    for url in ["https://a.org/x,y(z)", "https://a.org/\"q\"", "https://a.org/...", "https://a.org/it's"]:
        assert seen(run(f"见{url} 中")).startswith(f"见 {url.split(chr(34))[0]}"), url



def test_spacing_across_inline_marks() -> None:
    assert filter_text(["成员", "SEE", "基金会"], ON) == ["成员", " SEE", " 基金会"]


def test_joiners_keep_marks_off_line_starts_and_no_lone_last_character() -> None:
    assert run("屋脊——珠峰") == "屋脊\u2060——珠峰"  # before the run, never inside it
    assert run("请查看本期简报。", paragraph=True) == "请查看本期简\u2060报。"
    assert run("请查看本期简报。") == "请查看本期简报。"  # titles and cells are not paragraphs


def test_switches() -> None:
    off = Typography(punctuation=False, autospace=False, joiners=False, quotes=False, ellipsis=False)
    assert filter_text(['基金会(简称),是"CEGA"...——'], off, True) == ['基金会(简称),是"CEGA"...——']


def test_straight_quotes_curl_in_chinese_context() -> None:
    assert seen(run('他说"好"，\'对\'。')) == "他说“好”，‘对’。"
    assert seen(run('"CEGA"成员')) == "“CEGA”成员"  # Latin inside, Han right outside: Chinese context
    assert seen(run('参加"Earth Hour"活动')) == "参加“Earth Hour”活动"
    assert filter_text(['"', "中国角", '"'], ON) == ["“", "中国角", "”"]  # across inline marks
    assert seen(run('"甲"和"乙"')) == "“甲”和“乙”"  # open and close alternate


def test_lines_may_break_before_an_opening_quote_and_after_a_closing_one() -> None:
    # UAX #14 holds a quotation mark to both neighbours; clreq breaks outside the quotes.
    assert run("简称“INC-3”）召开") == "简称\u200b“INC-3”）召开"
    assert run("添‘益’点绿”回收") == "添\u200b‘益’\u200b点绿”\u200b回收"
    assert run("计算的，‘损害’却") == "计算的，\u200b‘损害’\u200b却"
    assert run("“甲”“乙”") == "“甲”\u200b“乙”"
    assert run("“好”。") == "“好”。"  # never before a mark that may not start a line
    assert run("it’s “fine”") == "it’s “fine”"  # English keeps its quotes as typed
    assert halt_spans("说，\u200b“好") == '说<span class="halt">，</span>\u200b“好'  # still compressed


def test_dois_and_file_names_break_at_their_marks_like_addresses() -> None:
    assert run("见doi:10.1038/s41586-020，") == "见 doi:10\u200b.1038/\u200bs41586\u200b-\u2060020，"
    assert run("文件annual_report_2023.pdf已上传") == "文件 annual\u200b_report\u200b_2023\u200b.pdf 已上传"
    for kept in ["版本2.0.1", "e.g. and/or", "community-based", "COP28"]:  # short, or words: as typed
        assert "\u200b" not in run(kept), kept


def test_latin_quotes_apostrophes_and_primes_stay() -> None:
    for text in ['He said "hello"', "it's", "CEGA's members", "5'10\"", 'the members\' "work"',
                 '身高5\'10"的人', '一个"没有配对的引号', "'Tis"]:
        assert seen(run(text)).replace(" ", "") == text.replace(" ", ""), text


def test_ellipses_in_chinese_context() -> None:
    for typed in ["等等...", "等等。。。", "等等…", "等等……", "等等......", "等等。。。。。。", "等等...…"]:
        assert seen(run(typed)) == "等等……", typed
    assert seen(run("。。。")) == "……"  # ideographic stops are Chinese by themselves
    for text in ["Wait...", "1...10", "等等....", "等等。。"]:  # Latin, or not an ellipsis: left alone
        assert seen(run(text)) == text, text


def test_halt_wraps_the_mark_whose_blank_falls_between() -> None:
    assert halt_spans("《报告》，见") == '《报告<span class="halt">》</span>，见'
    assert halt_spans("说：“好。”") == '说<span class="halt">：</span>“好<span class="halt">。</span>”'
    assert halt_spans("（《书》）") == '（<span class="halt">《</span>书<span class="halt">》</span>）'


CHARS = st.sampled_from(list("中文字报会，。、：；？！（）“”‘’《》—…·～()[],:;?!. 0123456789ABCabc@/-_\"'")
                        + ["http://a.b/c", "x@y.org", "x.y@z.org", "www.a.org/b-c?d=1", "...", "。。。", "\u2060", "\u200b"])
TEXTS = st.lists(CHARS, max_size=40).map("".join)
WIDTH = str.maketrans("，：；？！（）“”‘’", ",:;?!()\"\"''")


def marks(text: str) -> str:
    """The text with punctuation widths, quote shapes and ellipsis spellings made one."""
    return re.sub(r"(?:\.\.\.|。。。|…)+", "…", strip_added(text).translate(WIDTH))


@settings(max_examples=300, deadline=None)
@given(st.lists(TEXTS, min_size=1, max_size=4), st.booleans())
def test_filters_only_add_spacing_and_only_change_punctuation_width(parts: list[str], paragraph: bool) -> None:
    out = filter_text(parts, ON, paragraph)
    assert len(out) == len(parts)
    # Nothing lost, added or reordered but the spacing, joiners and break opportunities the filters
    # insert; marks change only width, quote shape or ellipsis spelling …
    assert marks("".join(out)) == marks("".join(parts))
    # … and none of what they may add is ever taken away.
    assert all("".join(out).count(c) >= "".join(parts).count(c) for c in " \u2060\u200b")


@settings(max_examples=300, deadline=None)
@given(st.lists(TEXTS, min_size=1, max_size=4), st.booleans())
def test_filters_are_idempotent(parts: list[str], paragraph: bool) -> None:
    once = filter_text(parts, ON, paragraph)
    assert filter_text(once, ON, paragraph) == once


def test_plain_text_is_what_the_page_shows() -> None:
    assert plain_text("**项目**,是[CEGA](https://a.org)成员") == "项目，是 CEGA 成员"
