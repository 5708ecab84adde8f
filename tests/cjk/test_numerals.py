"""Chinese numerals, issue lines, dates and time spans."""

from __future__ import annotations

import datetime as dt

import pytest

from bulletin_press.cjk.numerals import cn_date, cn_date_range, cn_number, cn_timespan, cumulative_line, issue_line


@pytest.mark.parametrize("n, text", [
    (0, "零"), (1, "一"), (10, "十"), (11, "十一"), (20, "二十"), (28, "二十八"), (100, "一百"),
    (101, "一百零一"), (110, "一百一十"), (111, "一百一十一"), (1001, "一千零一"), (1010, "一千零一十"),
    (1100, "一千一百"), (9999, "九千九百九十九"), (10000, "一万"), (10010, "一万零一十"), (120034, "十二万零三十四"),
])
def test_cn_number(n: int, text: str) -> None:
    assert cn_number(n) == text


def test_issue_lines() -> None:
    assert issue_line(2023, 11) == "2023年第十一期"
    assert cumulative_line(28) == "总第二十八期"


def test_dates() -> None:
    assert cn_date(dt.date(2023, 11, 30)) == "2023年11月30日"
    assert cn_date_range(dt.date(2023, 12, 1), dt.date(2023, 12, 3)) == "12月1日-3日"
    assert cn_date_range(dt.date(2023, 11, 30), dt.date(2023, 12, 2)) == "11月30日-12月2日"
    assert cn_date_range(dt.date(2023, 12, 9), None) == "12月9日"


def test_timespan() -> None:
    day = dt.datetime(2023, 12, 9, 13, 0)
    assert cn_timespan((day, day.replace(hour=14, minute=30))) == "12月9日13:00-14:30"
    assert cn_timespan((day.replace(hour=23), day + dt.timedelta(hours=12))) == "12月9日23:00-12月10日1:00"
    assert cn_timespan((day.replace(hour=9), None)) == "12月9日9:00"


def test_money() -> None:
    from bulletin_press.cjk.numerals import money, wan
    assert money(27103400.95) == "27,103,400.95 元"
    assert wan(27103400.95) == "2,710.34 万元"
    assert wan(23122739.73) == "2,312.27 万元"
    assert wan(1234567890) == "12.35 亿元"
