"""Turns content text (inline markup) into safe HTML fragments; CJK text filters hook in here."""

from __future__ import annotations

from functools import lru_cache

from markupsafe import Markup, escape

from .content import inline


@lru_cache(maxsize=8192)
def inline_html(text: str) -> Markup:
    """Inline markup → HTML. Everything but the three marks is escaped: `<b>` prints as typed."""
    return Markup("".join(_html(span) for span in inline.parse(text)))


def _html(span: inline.Span) -> str:
    if span.kind == "text":
        return str(escape(span.text))
    inner = "".join(_html(c) for c in span.children)
    if span.kind == "strong":
        return f"<strong>{inner}</strong>"
    if span.kind == "em":
        return f"<em>{inner}</em>"
    if span.url == "#":  # the address was lost: look like a link, lead nowhere
        return f'<span class="link link-missing">{inner}</span>'
    return f'<a href="{escape(span.url)}">{inner}</a>'
