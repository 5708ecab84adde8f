"""Turns content text (inline markup) into safe HTML fragments, through the CJK text filters."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterator

from markupsafe import Markup, escape

from .cjk import filters
from .cjk.filters import Typography, filter_text, halt_spans
from .content import addresses, inline

DEFAULT = Typography()
# A run of Latin words in running text (ASCII punctuation and spaces between them), from a letter to
# a letter. One with a word of five letters or more, not all capitals (not an acronym), is marked
# English: Chinese text does not hyphenate, and a long English word that cannot break leaves the line
# before it loose; base.css hyphenates `span[lang="en"]` with the English dictionary.
ENGLISH = re.compile(r"[A-Za-z][A-Za-z0-9'’\-.,:;!?()&/ \u00a0\u200b\u2060]*[A-Za-z]")
WORD = re.compile(r"[A-Za-z]?[a-z]{4,}")
HAN = re.compile(f"[{filters.HAN}]")  # only Chinese text marks its English: elsewhere the element's lang holds


@lru_cache(maxsize=16384)
def inline_html(text: str, settings: Typography = DEFAULT, paragraph: bool = False, autolink: bool = True) -> Markup:
    """Inline markup → HTML. Everything but the three marks is escaped: `<b>` prints as typed.

    A web or e-mail address typed in the text becomes a link, as if written [addr](addr);
    `autolink=False` where the template puts the text inside a link of its own (no nested links).
    """
    spans = inline.parse(text)
    parts = filter_text(list(_leaves(spans)), settings, paragraph)
    latin = filters.latin_quotes("".join(parts))  # decided across inline marks, by their neighbours
    starts = [0]
    for part in parts:
        starts.append(starts[-1] + len(part))
    filtered = iter([(part, frozenset(i - a for i in latin if a <= i < a + len(part))) for part, a in zip(parts, starts)])
    html = "".join(_html(span, filtered, settings, autolink) for span in spans)
    # A line break typed in the text (a YAML `|` block, an imported Word file's soft break): a new line, not a space.
    return Markup(html.replace("\n", "<br>\n") if "\n" in html else html)


@lru_cache(maxsize=16384)
def plain_text(text: str, settings: Typography = DEFAULT, paragraph: bool = False) -> str:
    """The text as the reader sees it on the page: marks removed, filters applied.

    Break opportunities (U+200B) and joiners (U+2060) inside it draw nothing and never reach the
    PDF's text layer; compare with `verify.squash`.
    """
    return "".join(filter_text(list(_leaves(inline.parse(text))), settings, paragraph))


def _leaves(spans: tuple[inline.Span, ...]) -> Iterator[str]:
    for span in spans:
        if span.kind == "text":
            yield span.text
        else:
            yield from _leaves(span.children)


def _html(span: inline.Span, filtered: Iterator[tuple[str, frozenset[int]]], settings: Typography, autolink: bool) -> str:
    if span.kind == "text":
        return _text(*next(filtered), settings, autolink)
    inside = autolink and span.kind != "link"  # never a link inside a link
    inner = "".join(_html(c, filtered, settings, inside) for c in span.children)
    if span.kind == "strong":
        return f"<strong>{inner}</strong>"
    if span.kind == "em":
        return f"<em>{inner}</em>"
    if span.url == "#":  # the address was lost: look like a link, lead nowhere
        return f'<span class="link link-missing">{inner}</span>'
    return f'<a href="{escape(addresses.encode(span.url))}">{inner}</a>'


def _text(text: str, latin: frozenset[int], settings: Typography, autolink: bool) -> str:
    """A filtered text node: its addresses as links (class `address`: they may break anywhere at
    worst, see base.css), the rest with its punctuation compressed."""
    out, at = [], 0
    found = addresses.find(text)
    spans = [(a.start, a.end, a.href) for a in found]
    spans += [(a, b, None) for a, b in filters.long_strings(text, [(a.start, a.end) for a in found])]
    for start, end, href in sorted(spans):
        out.append(_marks(text[at:start], {i - at for i in latin}, settings))
        shown = escape(text[start:end])
        out.append(f'<a class="address" href="{escape(href)}">{shown}</a>' if autolink and href
                   else f'<span class="address">{shown}</span>')  # a DOI or file name: no link
        at = end
    out.append(_marks(text[at:], {i - at for i in latin}, settings))
    return "".join(out)


def _marks(text: str, latin: set[int], settings: Typography) -> str:
    """Escaped text, its compressed punctuation in `halt` spans, its English words in `lang="en"`.

    A run holding a Latin quote (filters.latin_quotes, at these offsets) is marked English too, with
    the Latin quotes at its ends: base.css sets them at the font's proportional width, not 1 em.
    """
    out, at = [], 0
    runs = []
    han = HAN.search(text)
    for m in ENGLISH.finditer(text) if han or latin else ():
        a, b = m.span()
        while a - 1 in latin and a - 1 >= at:
            a -= 1
        while b in latin:
            b += 1
        if han and WORD.search(m.group()) or any(a <= i < b for i in latin):
            runs.append((a, b))
            at = b
    runs += [(i, i + 1) for i in latin if i < len(text) and not any(a <= i < b for a, b in runs)]
    at = 0
    for a, b in sorted(runs):
        out += [_compress(text[at:a], settings), f'<span lang="en">{escape(text[a:b])}</span>']
        at = b
    out.append(_compress(text[at:], settings))
    return "".join(out)


def _compress(text: str, settings: Typography) -> str:
    escaped = str(escape(text))
    return halt_spans(escaped) if settings.compress else escaped
