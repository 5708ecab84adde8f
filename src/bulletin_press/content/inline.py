"""Inline markup of text fields: **bold**, *emphasis*, [link](url) and backslash escapes."""

from __future__ import annotations

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


EMPHASIS = {"**": ("strong", "bold"), "*": ("em", "emphasis")}


class InlineError(ValueError):
    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.offset = offset


@lru_cache(maxsize=4096)
def parse(source: str) -> tuple[Span, ...]:
    """Parse inline markup; raises InlineError for an unclosed mark or a broken link."""
    spans, end = _parse(source, 0, closer=None)
    return spans


def _parse(src: str, i: int, closer: str | None) -> tuple[tuple[Span, ...], int]:
    out: list[Span] = []
    buf: list[str] = []

    def flush() -> None:
        if buf:
            out.append(Span("text", "".join(buf)))
            buf.clear()

    while i < len(src):
        c = src[i]
        if c == "\\" and i + 1 < len(src) and src[i + 1] in "\\*[]()":
            buf.append(src[i + 1])
            i += 2
            continue
        if closer and src.startswith(closer, i) and not (closer == "*" and src.startswith("**", i)):
            flush()
            return tuple(out), i + len(closer)
        mark = "**" if src.startswith("**", i) else c if c == "*" else ""
        if mark:
            flush()
            kind, name = EMPHASIS[mark]
            children, j = _parse(src, i + len(mark), mark)
            if j < 0:
                escaped = "\\*" * len(mark)
                raise InlineError(f"unclosed '{mark}' ({name}); expected a closing '{mark}' or '{escaped}' for literal stars", i)
            out.append(Span(kind, children=children))
            i = j
            continue
        if c == "[" and closer != "]":
            flush()
            children, j = _parse(src, i + 1, "]")
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
