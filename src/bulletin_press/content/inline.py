"""Inline markup of text fields: **bold**, *emphasis*, [link](url) and backslash escapes."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from functools import lru_cache

# A hand-written parser rather than a Markdown library: CommonMark's flanking rules refuse
# `**项目。**2019年` (a bold lead-in ending in CJK punctuation), which Chinese text needs.


@dataclass(frozen=True)
class Span:
    """One node of parsed inline text: plain text, or a mark around children."""

    kind: str  # "text", "strong", "em", "link"
    text: str = ""
    children: tuple[Span, ...] = ()
    url: str = ""


EMPHASIS = {"**": "strong", "*": "em"}


class InlineError(ValueError):
    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.offset = offset


MAX_DEPTH = 64  # marks nested deeper than this are text: bounds the recursion on hostile input


@lru_cache(maxsize=4096)
def parse(source: str) -> tuple[Span, ...]:
    """Parse inline markup; raises InlineError for a broken link. A star with no partner is text."""
    spans, end = _Parser(source).parse(0, None, 0)
    return spans


class _Parser:
    """One source text. A mark is tried as an opener only when a possible partner follows (a star
    not after a space), and what a try found is kept per (place, closer): a text of many lone
    stars costs one pass, not one pass per star."""

    def __init__(self, src: str):
        self.src = src
        self.memo: dict[tuple[int, str | None], tuple[tuple[Span, ...], int]] = {}
        self.closers = [k for k in range(1, len(src)) if src[k] == "*" and not src[k - 1].isspace()]

    def parse(self, i: int, closer: str | None, depth: int) -> tuple[tuple[Span, ...], int]:
        key = (i, closer)
        if key not in self.memo:
            self.memo[key] = self._parse(i, closer, depth)
        return self.memo[key]

    def _may_open(self, i: int, mark: str) -> bool:
        src, after = self.src, i + len(mark)
        if after >= len(src) or src[after].isspace():
            return False
        k = bisect.bisect_left(self.closers, after + 1)  # a partner closes after at least one character
        return k < len(self.closers)

    def _parse(self, i: int, closer: str | None, depth: int) -> tuple[tuple[Span, ...], int]:
        src = self.src
        out: list[Span] = []
        buf: list[str] = []
        visited: list[int] = []  # a scan from any of these meets what this one met

        def flush() -> None:
            if buf:
                out.append(Span("text", "".join(buf)))
                buf.clear()

        while i < len(src):
            if closer and self.memo.get((i, closer), ((), 0))[1] < 0:
                break  # an earlier scan went on from here and found no partner: neither will this one
            visited.append(i)
            c = src[i]
            if c == "\\" and i + 1 < len(src) and src[i + 1] in "\\*[]()":
                buf.append(src[i + 1])
                i += 2
                continue
            if closer and src.startswith(closer, i) and not (closer == "*" and src.startswith("**", i)) \
                    and not src[i - 1].isspace():
                flush()
                return tuple(out), i + len(closer)
            mark = "**" if src.startswith("**", i) else c if c == "*" else ""
            if mark and depth < MAX_DEPTH and self._may_open(i, mark):
                children, j = self.parse(i + len(mark), mark, depth + 1)
                if j >= 0:
                    flush()
                    out.append(Span(EMPHASIS[mark], children=children))
                    i = j
                    continue
            if mark:  # a star with no partner is text: 注：带*号的项目, 5*2, a * b
                buf.append(mark)
                i += len(mark)
                continue
            if c == "[" and closer != "]":
                flush()
                children, j = self.parse(i + 1, "]", depth + 1)
                if j < 0 or not src.startswith("(", j):
                    raise InlineError("'[' starts a link but no '](url)' follows; expected [text](url) or '\\[' for a literal bracket", i)
                k = src.find(")", j)
                if k < 0:
                    raise InlineError("link URL is not closed; expected ')'", j)
                url = src[j + 1 : k].strip()
                out.append(Span("link", children=children, url=url))
                i = k + 1
                continue
            buf.append(c)
            i += 1
        flush()
        if closer:
            for v in visited:  # no partner from here on, whichever mark is tried there
                self.memo.setdefault((v, closer), ((), -1))
            return tuple(out), -1
        return tuple(out), i


def plain(source: str) -> str:
    """The text a reader sees, marks removed."""
    return "".join(_plain(s) for s in parse(source))


def _plain(span: Span) -> str:
    return span.text if span.kind == "text" else "".join(_plain(c) for c in span.children)


def links(source: str) -> list[tuple[str, str]]:
    """Every link in the text as (link text, URL)."""
    found: list[tuple[str, str]] = []

    def walk(spans: tuple[Span, ...]) -> None:
        for s in spans:
            if s.kind == "link":
                found.append(("".join(_plain(c) for c in s.children), s.url))
            walk(s.children)

    walk(parse(source))
    return found
