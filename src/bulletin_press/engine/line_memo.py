"""Lines broken once per layout: a page made again asks Pango only for lines it has not broken yet (WeasyPrint 70 hook).

The no-holes pass (holes.py) makes some pages two or three times; most of their paragraphs break
into the same lines each time, at the same width. WeasyPrint 70's inline layout asks
`text.line_break.split_first_line` for each line, a Pango layout each time; within one layout,
the same text in the same style at the same width always gives the same line, so the answer is
remembered for the rest of that layout. The style is held with the answer, so that its id cannot
be taken by a new style while the entry lives.

Replaces `weasyprint.layout.inline.split_first_line` (imported there by name from
text/line_break.py). If its arguments change, or a line comes to depend on more than them, this
memo would hand back wrong lines; it only saves time, so on a WeasyPrint it does not know it
switches itself off (one warning) and every line is broken by Pango (tests/engine/test_line_memo.py).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

from weasyprint.layout import inline as wp_inline

from .hooks import Hook

SUPPORTED = ("70.",)

_memo: contextvars.ContextVar[dict[tuple, tuple[Any, tuple]] | None] = contextvars.ContextVar(
    "bulletin_press_line_memo", default=None)
asked = {"pango": 0, "remembered": 0}  # counts, for tests and benchmarks


def _split_first_line(text: str, style: Any, context: Any, max_width: float | None, justification_spacing: float,
                      is_line_start: bool = True, minimum: bool = False) -> tuple:
    memo = _memo.get()
    if memo is None:
        return _installed["split_first_line"](text, style, context, max_width, justification_spacing,
                                              is_line_start, minimum)
    key = (text, id(style), max_width, justification_spacing, is_line_start, minimum)
    found = memo.get(key)
    if found is not None and found[0] is style:
        asked["remembered"] += 1
        return found[1]
    asked["pango"] += 1
    line = _installed["split_first_line"](text, style, context, max_width, justification_spacing,
                                          is_line_start, minimum)
    memo[key] = (style, line)
    return line


@contextlib.contextmanager
def remembering() -> Iterator[None]:
    """Within this block (one layout), a line once broken is not broken again."""
    install()
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


HOOK = Hook("bulletin_press.engine.line_memo", {"weasyprint": SUPPORTED},
            "layout/inline.py (split_text_box → split_first_line)", saves_time=True)
HOOK.replace(wp_inline, "split_first_line", _split_first_line)
_installed = HOOK.original
install, uninstall = HOOK.install, HOOK.uninstall
