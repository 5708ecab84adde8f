"""Pages made one at a time, and made again from an earlier one when a pass changes the box tree (WeasyPrint 70 hook).

WeasyPrint 70 lays the pages out in `layout.make_all_pages`, a generator that calls `page.remake_page`
for each page in turn: `context.page_maker[i]` holds where page i starts (its resume_at) and the
page counters there, so a page can be made again from that state. This module replaces that loop
with one that asks a `Fixer` after each page whether the box tree changed (a photo moved or shrunk,
holes.py); if so it throws away the pages from the one named on and makes them again, in the same
layout. Only the pages after a change cost twice: no new HTML, no new cascade, no new box tree.

Replaces `weasyprint.layout.make_all_pages` (a rewritten copy of its loop; calls
`layout.page.remake_page`, reads `context.page_maker`, `broken_out_of_flow`, `reported_footnotes`,
`footnotes`). If the page maker's state or remake_page change, pages made again would start from
the wrong place: the output depends on it, so `install()` refuses another WeasyPrint
(tests/engine/test_pages.py).
"""

from __future__ import annotations

import contextlib
import contextvars
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from weasyprint import layout as wp_layout
from weasyprint.css import AnonymousStyle, ComputedStyle
from weasyprint.css.validation import preprocess_declarations
from weasyprint.layout import page as wp_page

from . import columns
from .hooks import Hook

SUPPORTED = ("70.",)  # WeasyPrint versions whose internals this module was written against
STYLE_ATTRIBUTE = (3, math.inf, (1, 0, 0))  # the cascade weight of a style="" declaration in WeasyPrint 70
STOP = -1  # what a fixer returns to end the document after the page just made (the preview's first look)


class Abandoned(Exception):
    """The layout was given up between two pages: what it was for is out of date (a newer save)."""


class Fixer(Protocol):
    def begin(self, root_box: Any) -> None:
        """A new layout of this box tree starts."""

    def made(self, index: int, pages: list[Any], page_maker: list[Any], ended: bool) -> int | None:
        """Page `index` was just made (`pages` holds it and those before it; `page_maker[index + 1][0]`
        is where the next starts; `ended`: it is the last). Returns the index of the page to make
        again from, after changing the box tree past that page's start, None to go on, or STOP to
        end the document with this page."""


_fixer: contextvars.ContextVar[Fixer | None] = contextvars.ContextVar("bulletin_press_fixer", default=None)
_abandon: contextvars.ContextVar[Callable[[], bool] | None] = contextvars.ContextVar("bulletin_press_abandon", default=None)


@dataclass
class _Before:
    """What making a page changes in the layout context beyond page_maker: put back to make it again."""

    broken_out_of_flow: dict
    reported_footnotes: list
    footnotes: list
    rendered_notes: int

    @classmethod
    def of(cls, context: Any) -> "_Before":
        return cls(dict(context.broken_out_of_flow), list(context.reported_footnotes), list(context.footnotes),
                   len(context.rendered_notes))

    def restore(self, context: Any) -> None:
        context.broken_out_of_flow = dict(self.broken_out_of_flow)
        context.reported_footnotes = list(self.reported_footnotes)
        context.footnotes = list(self.footnotes)
        del context.rendered_notes[self.rendered_notes:]


def _make_all_pages(context: Any, root_box: Any, html: Any, pages: list[Any]) -> Iterator[Any]:
    fixer = _fixer.get()
    if fixer is None or pages:  # no pass, or a later round for page counters: WeasyPrint's own loop
        yield from _installed["make_all_pages"](context, root_box, html, pages)
        return
    context.rendered_notes = []
    fixer.begin(root_box)
    made: list[Any] = []
    before: list[_Before] = []
    index = 0
    abandon = _abandon.get()
    while True:
        if abandon is not None and abandon():
            raise Abandoned(f"layout given up before page {index + 1}")
        del before[index:]
        before.append(_Before.of(context))
        remake_state = context.page_maker[index][-1]
        remake_state.update(content_changed=False, pages_wanted=False, anchors=[], content_lookups=[])
        page, resume_at = wp_page.remake_page(index, context, root_box, html)
        del made[index:]
        made.append(page)
        ended = resume_at is None and not context.reported_footnotes
        again = fixer.made(index, made, context.page_maker, ended)
        if again == STOP:  # the pages so far are the document: no page after this one
            if not ended:
                context.page_maker[index + 1][-1]["content_changed"] = False
            ended, again = True, None
        if again is not None:
            if not 0 <= again <= index:
                raise ValueError(f"a fixer may make a page again from one already made, not {again} after {index}")
            del made[again:]
            del context.page_maker[again + 1:]  # remake_page appends the next page's state anew
            before[again].restore(context)
            index = again
            continue
        index += 1
        if ended:
            del context.page_maker[index + 1:]
            context.broken_out_of_flow.clear()
            context.reported_footnotes.clear()
            break
    finish = getattr(fixer, "finish", None)
    if finish is not None:  # the pages are final: what moves nothing from page to page (feathering)
        finish(made)
    yield from made


@contextlib.contextmanager
def abandoning(test: Callable[[], bool] | None) -> Iterator[None]:
    """Within this block, a layout asks `test()` before each page and raises Abandoned when it is true."""
    token = _abandon.set(test)
    try:
        yield
    finally:
        _abandon.reset(token)


@contextlib.contextmanager
def fixing(fixer: Fixer) -> Iterator[Fixer]:
    """Within this block, every layout asks `fixer` after each page (install() first)."""
    token = _fixer.set(fixer)
    try:
        yield fixer
    finally:
        _fixer.reset(token)


HOOK = Hook("bulletin_press.engine.pages", {"weasyprint": SUPPORTED},
            "layout/__init__.py (layout_document) and layout/page.py (make_all_pages, remake_page)", saves_time=False)
HOOK.replace(wp_layout, "make_all_pages", _make_all_pages)
_installed = HOOK.original


def install() -> None:
    """Hook the page loop into WeasyPrint (once per process)."""
    if HOOK.installed:
        return
    HOOK.install()
    columns.install()  # a spanning heading stays with its columns


def uninstall() -> None:
    """Back to WeasyPrint's own loop."""
    if HOOK.installed:
        HOOK.uninstall()
        columns.uninstall()


# ---- box tree edits ---------------------------------------------------------------------------

def restyled(box: Any, css: str) -> Any:
    """A copy of `box` and its descendants, styled as if its element's style attribute also said
    `css` (declarations): its descendants' styles computed anew from it (their own rules kept),
    so that a custom property it sets reaches the values computed from it (a calc() of a var())."""
    import tinycss2

    extra = {name: (value, STYLE_ATTRIBUTE) for name, value, _ in
             preprocess_declarations(box.style.base_url, tinycss2.parse_blocks_contents(css))}
    copy = box.deepcopy()
    new: dict[int, Any] = {}

    def style_of(style: Any, top: bool) -> Any:
        if id(style) in new:
            return new[id(style)]
        parent = new.get(id(style.parent_style), style.parent_style)
        if isinstance(style, ComputedStyle):
            cascaded = {**style.cascaded, **extra} if top else style.cascaded
            made = ComputedStyle(parent, cascaded, style.pseudo_type, style.root_style, style.base_url,
                                 style.font_config, style.initial_page_sizes)
        elif isinstance(style, AnonymousStyle):
            made = AnonymousStyle(parent)
        else:
            return style
        new[id(style)] = made
        return made

    def walk(b: Any, top: bool) -> None:
        b.style = style_of(b.style, top)
        for child in getattr(b, "children", ()):
            walk(child, False)

    walk(copy, True)
    return copy
