"""Page fill: how much of each page's body is left empty at its bottom, read from the laid-out boxes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only render.py imports WeasyPrint (--help stays fast)
    import weasyprint
    from weasyprint.formatting_structure import boxes as wboxes

MAX_EMPTY = 0.10  # the house rule: no page ends more than 10 % empty (house-style.md, "No holes")
FORCED = {"page", "left", "right", "recto", "verso"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


@dataclass(frozen=True)
class PageFill:
    number: int  # 1-based
    empty: float  # share of the body height left empty below the lowest text, image or rule
    forced_next: bool  # the next page starts on a page of its own (the back page, the featured NGO)
    last: bool

    @property
    def exempt(self) -> bool:
        return self.forced_next or self.last

    @property
    def breaks_rule(self) -> bool:
        return not self.exempt and self.empty > MAX_EMPTY


def body_area(page: "wboxes.PageBox") -> tuple[float, float]:
    """Top and bottom of the page's body (its content box), in CSS px."""
    return page.content_box_y(), page.content_box_y() + page.height


def in_flow(box: "wboxes.Box") -> Iterator["wboxes.Box"]:
    """The box and its descendants, depth first, outside the page's margin boxes (head, folio).
    An absolutely positioned box (a photo in its frame) is read through the placeholder that
    WeasyPrint leaves in its parent's children."""
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout.absolute import AbsolutePlaceholder

    stack = [box]  # not recursive: the pass walks every page it makes (a generator per box cost ~2×)
    while stack:
        box = stack.pop()
        if isinstance(box, AbsolutePlaceholder):
            box = box._box
        if isinstance(box, boxes.MarginBox):
            continue
        yield box
        if isinstance(box, boxes.ParentBox) and not isinstance(box, boxes.LineBox):
            stack.extend(reversed(box.children))


def _decorated(box: "wboxes.Box") -> bool:
    style = box.style
    return bool(style["background_color"].alpha or box.border_bottom_width)


def lowest(page: "wboxes.PageBox") -> float | None:
    """The bottom of the lowest line, image or decorated box on the page's body; None if it is empty."""
    return content_bottom(page, body_area(page)[1])


def content_bottom(box: "wboxes.Box", page_bottom: float) -> float | None:
    """The bottom of the lowest line, image or decorated box in `box`; None if it holds none.

    A box split by the page end is stretched to the page bottom by WeasyPrint: only its lines count,
    so a box's own bottom counts only when it ends above the page bottom (a banner, a notice frame).
    """
    from weasyprint.formatting_structure import boxes

    low: float | None = None
    for inner in in_flow(box):
        if isinstance(inner, (boxes.PageBox, boxes.MarginBox)) or inner.element_tag in ("html", "body"):
            continue
        if isinstance(inner, (boxes.LineBox, boxes.ReplacedBox)):
            if isinstance(inner, boxes.LineBox) and not inner.children:
                continue
            end = inner.position_y + inner.margin_height()
        elif _decorated(inner):
            end = inner.border_box_y() + inner.border_height()
            if end >= page_bottom - 0.5:  # stretched fragment
                continue
        else:
            continue
        low = end if low is None else max(low, end)
    return low


def starts_own_page(page: "wboxes.PageBox", seen: set) -> bool:
    """The page opens with a new element that asks for a page of its own (break-before: page: the
    back page), or with a new section whose first block is kept whole and is no photo (the featured
    NGO's card): nothing of what follows could fill the page before it."""
    from weasyprint.formatting_structure import boxes

    box: wboxes.Box = page
    while isinstance(box, boxes.ParentBox) and box.children and not isinstance(box, boxes.LineBox):
        box = box.children[0]
        if box.element is None or box.element in seen:
            continue
        if box.style["break_before"] in FORCED:
            return True
        if box.element_tag == "section":
            first = next((c for c in box.children if c.element_tag not in HEADINGS), None)
            return (first is not None and first.style["break_inside"] == "avoid"
                    and not any(_is_photo(b) for b in in_flow(first)))
    return False


def _is_photo(box: "wboxes.Box") -> bool:
    classes = (box.element.get("class") or "").split() if box.element is not None else []
    return any(c.startswith("photo") for c in classes)


def page_fill(document: "weasyprint.Document") -> list[PageFill]:
    """For every page: the empty share of its body at the bottom, and whether the rule exempts it."""
    pages = [p._page_box for p in document.pages]
    seen: set = set()
    forced: list[bool] = []
    for page in pages:
        forced.append(starts_own_page(page, seen))
        seen.update(b.element for b in in_flow(page) if b.element is not None)
    fills = []
    for i, page in enumerate(pages):
        top, bottom = body_area(page)
        low = lowest(page)
        empty = 1.0 if low is None else max(0.0, bottom - low) / (bottom - top)
        last = i == len(pages) - 1
        fills.append(PageFill(i + 1, round(empty, 4), not last and forced[i + 1], last))
    return fills
