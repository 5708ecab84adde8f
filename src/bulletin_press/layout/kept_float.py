"""A block kept whole that holds a float (the featured NGO's card and its logo) gives way below the float only: the float and what stands beside it stay together, with the first lines after them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only render.py imports WeasyPrint (--help stays fast)
    from weasyprint.formatting_structure import boxes as wboxes

# Kept with what follows and never split: WeasyPrint 70 breaking a page beside a float carries the
# float's neighbours over out of reading order, and a float that misses the page leaves its block's
# frame empty there (layout/block.py _out_of_flow_layout stops the block with no child).
HEAD_CSS = "break-inside: avoid; break-after: avoid"


def holds_float(box: "wboxes.Box") -> bool:
    return any(child.is_floated() for child in getattr(box, "children", ()))


def head(laid: "wboxes.Box") -> int:
    """How many of a laid-out block's first children (by their index in the box tree) make its head:
    up to its last float and the in-flow children that begin beside one (above a float's bottom)."""
    floats = [c for c in laid.children if c.is_floated()]
    if not floats:
        return 0
    bottom = max(f.position_y + f.margin_height() for f in floats)
    beside = [c for c in laid.children if c.is_floated() or c.position_y < bottom - 0.5]
    return max(getattr(c, "index", 0) for c in beside) + 1


def _paragraphs(box: "wboxes.Box") -> list["wboxes.Box"]:
    """The blocks of lines in `box` (itself, or its descendants), in order."""
    from weasyprint.formatting_structure import boxes

    children = getattr(box, "children", [])
    if any(isinstance(c, boxes.LineBox) for c in children):
        return [box]
    return [p for c in children if isinstance(c, boxes.BlockBox) for p in _paragraphs(c)]


def need(laid: "wboxes.Box", top: float) -> float | None:
    """From `top` (the area's), the room a laid-out block needs for its head and the first lines
    after it (`orphans` of them; the whole paragraph when a float draws text); None when nothing
    follows the head (then it breaks nowhere)."""
    count = head(laid)
    first = next((p for c in laid.children if getattr(c, "index", -1) >= count for p in _paragraphs(c)), None)
    if first is None:
        return None
    lines = [line for line in first.children if getattr(line, "children", None)] or first.children
    last = lines[-1] if draws_text(laid) else lines[min(len(lines), max(1, first.style["orphans"])) - 1]
    return last.position_y + last.margin_height() - top


def draws_text(laid: "wboxes.Box") -> bool:
    """Whether a float of the block holds an SVG image, which may draw text (a logo's name; a stand-in's
    label): WeasyPrint draws an image as a stacking context of its own, after the page's lines, so a
    paragraph going on to the next page would copy out with that text inside it."""
    from weasyprint.formatting_structure import boxes

    return any(isinstance(b, boxes.ReplacedBox) and type(b.replacement).__name__ == "SVGImage"
               for c in laid.children if c.is_floated() for b in c.descendants())


def loosened(box: "wboxes.Box", laid: "wboxes.Box") -> "wboxes.Box":
    """A copy of `box` that may break (break-inside: auto) between its parts: its head (as `laid`,
    its layout, shows it) kept whole and with what follows; after it, each paragraph kept whole too
    when a float may draw text (draws_text), else split as any (orphans, widows)."""
    from ..engine.pages import restyled

    loose = restyled(box, "break-inside: auto")
    count = head(laid)
    if not draws_text(laid):
        loose.children = [restyled(c, HEAD_CSS) if i < count else c for i, c in enumerate(loose.children)]
        return loose

    def whole(part: Any) -> Any:
        from weasyprint.formatting_structure import boxes

        if not isinstance(part, boxes.BlockBox):
            return part
        if _paragraphs(part) == [part]:
            return restyled(part, "break-inside: avoid")
        part.children = [whole(c) for c in part.children]
        return part

    loose.children = [restyled(c, HEAD_CSS) if i < count else whole(c) for i, c in enumerate(loose.children)]
    return loose


def giving_way(box: "wboxes.Box", following: "wboxes.Box", room: float, margin_above: Any) -> "wboxes.Box | None":
    """`box` loosened (as it stands laid out in the area `following`, a page or a column) when its
    head and first lines fit `room`, the rest of the area before (`margin_above(box)`: the margin its
    top took away); None when they do not: it stays whole (WeasyPrint would leave its frame empty)."""
    laid = laid_in(following, box.element)
    top = following.position_y if getattr(following, "is_column", False) else following.content_box_y()
    needs = need(laid, top) if laid is not None else None
    dropped = margin_above(following.children[0]) if following.children else 0.0
    if needs is None or needs + dropped > room:
        return None
    return loosened(box, laid)


def laid_in(area: "wboxes.Box", element: Any) -> "wboxes.Box | None":
    """The laid-out box of `element` in an area (a page, a column)."""
    from .page_fill import in_flow

    return next((b for b in in_flow(area) if b.element is element and b.children), None)
