"""Chinese numerals, issue lines and dates, as Jinja filters for the layouts."""

from __future__ import annotations

import datetime as dt

DIGITS = "零一二三四五六七八九"
UNITS = ((1000, "千"), (100, "百"), (10, "十"))


def cn_number(n: int) -> str:
    """An integer 0..99999999 in Chinese numerals: 11 → 十一, 101 → 一百零一, 1010 → 一千零一十."""
    if not 0 <= n < 10**8:
        raise ValueError(f"{n} is outside 0..99999999")
    if n >= 10**4:
        high, low = divmod(n, 10**4)
        tail = "" if low == 0 else ("零" if low < 1000 else "") + _below_10000(low, leading=False)
        return cn_number(high) + "万" + tail
    return _below_10000(n, leading=True) if n else DIGITS[0]


def _below_10000(n: int, leading: bool) -> str:
    out: list[str] = []
    zero = False  # a skipped unit is read as one 零 before the next non-zero digit
    for value, unit in UNITS:
        d, n = divmod(n, value)
        if d:
            if zero:
                out.append("零")
            # 十一 not 一十一 at the start of a number; 一百一十 inside it.
            out.append(unit if (value == 10 and d == 1 and leading and not out) else DIGITS[d] + unit)
            zero = False
        elif out:
            zero = True
    if n:
        if zero:
            out.append("零")
        out.append(DIGITS[n])
    return "".join(out)


def issue_line(year: int, number: int) -> str:
    """2023, 11 → 2023年第十一期"""
    return f"{year}年第{cn_number(number)}期"


def cumulative_line(cumulative: int) -> str:
    """28 → 总第二十八期"""
    return f"总第{cn_number(cumulative)}期"


def cn_date(day: dt.date, year: bool = True) -> str:
    """2023-11-30 → 2023年11月30日 (or 11月30日)."""
    md = f"{day.month}月{day.day}日"
    return f"{day.year}年{md}" if year else md


def cn_date_range(start: dt.date, end: dt.date | None) -> str:
    """12月1日-3日, 11月30日-12月2日; a single day when there is no end."""
    if end is None or end == start:
        return cn_date(start, year=False)
    tail = f"{end.day}日" if end.month == start.month else cn_date(end, year=False)
    return f"{cn_date(start, year=False)}-{tail}"


def clock(t: dt.time | dt.datetime) -> str:
    """9:00, 13:05 — the hour without a leading zero, as Chinese schedules print it."""
    return f"{t.hour}:{t.minute:02d}"


def cn_timespan(span: tuple[dt.datetime, dt.datetime | None]) -> str:
    """12月9日13:00-14:30; the end's date is repeated only when it falls on another day."""
    start, end = span
    text = f"{cn_date(start, year=False)}{clock(start)}"
    if end is None:
        return text
    same_day = end.date() == start.date()
    return f"{text}-{'' if same_day else cn_date(end, year=False)}{clock(end)}"


def money(amount: float) -> str:
    """27103400.95 → 27,103,400.95 元 (the exact figure, grouped by thousands)."""
    return f"{amount:,.2f} 元"


def wan(amount: float) -> str:
    """The figure Chinese finance pages headline: 2,710.34 万元, or 1.23 亿元 from 10⁸ up."""
    if abs(amount) >= 10**8:
        return f"{amount / 10**8:,.2f} 亿元"
    return f"{amount / 10**4:,.2f} 万元"


def count(value: float) -> str:
    """2240 → 2,240 (grouped by thousands, no decimals when whole)."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"


def edition(year: int, number: int | None, day: dt.date) -> str:
    """How an issue names itself: 2023年第十一期, or by its date (2020年9月6日) when unnumbered."""
    return cn_date(day) if number is None else issue_line(year, number)
