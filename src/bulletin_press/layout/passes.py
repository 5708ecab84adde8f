"""Layout passes: what one layout shows (a hole, a group split by a page) becomes hints for the next."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ..content.model import Value

if TYPE_CHECKING:  # only render.py imports WeasyPrint (--help stays fast)
    import weasyprint

# Block id → that block's hints (e.g. {"continued_at": [5]}): what the templates
# read through `hint(block, name)`. Frozen between passes so that a template cannot change them.
Hints = Mapping[str, Mapping[str, Any]]
Adjuster = Callable[["weasyprint.Document", Hints], dict[str, dict[str, Any]]]
NONE: Hints = MappingProxyType({})
MAX_PASSES = 12  # a first layout and at most eleven corrections: each pass only adds hints

ADJUSTERS: list[Adjuster] = []


def adjuster(fn: Adjuster) -> Adjuster:
    """Register a pass: it reads the laid-out document and the hints it was laid out with, and
    returns the hints it wants added (block id → settings); an empty dict when the pages are right."""
    ADJUSTERS.append(fn)
    return fn


def block_id(block: Value) -> str:
    """A block's id in the HTML (`data-block`), stable across passes: its place in the YAML."""
    return f"b{block.pos.line}-{block.pos.col}"


_cut: contextvars.ContextVar[list[bool] | None] = contextvars.ContextVar("bulletin_press_cut", default=None)


def cut_short() -> bool:
    """Asked during a layout by a pass that sees an adjuster will want another one (a table set at
    a measure it does not have): whether the layout may end now. True: it may, and it is marked
    cut short (settle lays out again even when the adjusters add nothing)."""
    holder = _cut.get()
    if holder is None or not holder[1]:
        return False
    holder[0] = True
    return True


def settle(lay_out: Callable[[Hints], "weasyprint.Document"]) -> tuple["weasyprint.Document", Hints, int]:
    """Lay out, let every adjuster look, and lay out again with their hints until none has more.

    Returns the last document, the hints it was made with and the number of layouts. Hints only
    grow (an adjuster adds, never takes back), so the passes end; MAX_PASSES bounds them anyway.
    A layout may be cut short (cut_short) when another is certain: the adjusters read the pages
    it made; one cut short that left them nothing to add is made again whole.
    """
    hints: Hints = NONE
    whole = False
    for passes in range(1, MAX_PASSES + 1):
        holder = [False, not whole and passes < MAX_PASSES]
        token = _cut.set(holder)
        try:
            document = lay_out(hints)
        finally:
            _cut.reset(token)
        added: dict[str, dict[str, Any]] = {}
        for fn in ADJUSTERS:
            for key, values in fn(document, hints).items():
                added.setdefault(key, {}).update(values)
        merged = {key: {**hints.get(key, {}), **values} for key, values in added.items()}
        if passes == MAX_PASSES or all(hints.get(key) == values for key, values in merged.items()):
            if holder[0] and passes < MAX_PASSES:
                whole = True  # cut short for nothing: the same hints, every page
                continue
            return document, hints, passes
        hints = MappingProxyType({**hints, **{k: MappingProxyType(v) for k, v in merged.items()}})
    raise AssertionError("unreachable")
