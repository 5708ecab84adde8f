"""Addresses in running text: found the same way by the autolinker and the filters, trailing punctuation left out."""

from __future__ import annotations

import pytest

from bulletin_press.content.addresses import ZWSP, breakable, find


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
