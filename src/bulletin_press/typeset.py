"""Turns content text (inline markup) into safe HTML fragments, through the CJK text filters."""

from __future__ import annotations

from functools import lru_cache
from typing import Iterator

from markupsafe import Markup, escape

from .cjk.filters import Typography, filter_text, halt_spans
from .content import inline

DEFAULT = Typography()


@lru_cache(maxsize=16384)
def inline_html(text: str, settings: Typography = DEFAULT, paragraph: bool = False) -> Markup:
    """Inline markup → HTML. Everything but the three marks is escaped: `<b>` prints as typed."""
    spans = inline.parse(text)
    filtered = iter(filter_text(list(_leaves(spans)), settings, paragraph))
    return Markup("".join(_html(span, filtered, settings) for span in spans))


@lru_cache(maxsize=16384)
def plain_text(text: str, settings: Typography = DEFAULT, paragraph: bool = False) -> str:
    """The text as the reader sees it on the page: marks removed, filters applied."""
    return "".join(filter_text(list(_leaves(inline.parse(text))), settings, paragraph))


def _leaves(spans: tuple[inline.Span, ...]) -> Iterator[str]:
    for span in spans:
        if span.kind == "text":
            yield span.text
        else:
            yield from _leaves(span.children)


def _html(span: inline.Span, filtered: Iterator[str], settings: Typography) -> str:
    if span.kind == "text":
        text = str(escape(next(filtered)))
        return halt_spans(text) if settings.compress else text
    inner = "".join(_html(c, filtered, settings) for c in span.children)
    if span.kind == "strong":
        return f"<strong>{inner}</strong>"
    if span.kind == "em":
        return f"<em>{inner}</em>"
    if span.url == "#":  # the address was lost: look like a link, lead nowhere
        return f'<span class="link link-missing">{inner}</span>'
    return f'<a href="{escape(span.url)}">{inner}</a>'
