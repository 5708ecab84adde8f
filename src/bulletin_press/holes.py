"""No holes: a photo that does not fit the rest of a page shrinks a little, or lets the text after it move up."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from . import relayout
from .fill import HEADINGS, MAX_EMPTY, body_area, content_bottom, in_flow, lowest

if TYPE_CHECKING:  # only render.py imports WeasyPrint (--help stays fast)
    import weasyprint
    from weasyprint.formatting_structure import boxes as wboxes

ANCHORED = {"photo", "photo_row"}  # block types that may give way to the text after them
ANCHOR_CLASS = "photo-anchor"
MAX_MOVE = 3  # a photo never moves past more than three blocks of its article
MIN_SCALE = 0.85  # a photo that fits at 85 % of its size or more shrinks instead of moving
TRIGGER = MAX_EMPTY / 2  # a smaller hole is a line or two: not worth moving a photo away from its text
# How much further than a fix's own hole the pages after it may move (share of the body height):
# about three lines, what widows, orphans and a line's rounding add at each page end.
SLACK = 0.08


# ---- the templates' side: the order of a body's blocks, and the anchor around a photo -------------

def arranged(blocks: Sequence[Any], move: Any) -> list[tuple[Any, int]]:
    """The blocks in the order they are set: a block that `move(block)` says +n of goes after the next
    n blocks, one it says -n of before the previous n (fewer at the ends of the body). Returns
    (block, how far it moved: + down, - up)."""
    order: list[tuple[Any, int]] = [(b, 0) for b in blocks]
    for block in blocks:
        n = move(block) if getattr(block, "type_name", "") in ANCHORED else 0
        if not n:
            continue
        at = next(i for i, (b, _) in enumerate(order) if b is block)
        moved = min(n, len(order) - at - 1) if n > 0 else -min(-n, at)
        order.insert(at + moved, (order.pop(at)[0], moved))
    return order


def yaml_places(blocks: Sequence[Any], order: Sequence[tuple[Any, int]]) -> dict[int, tuple[int, int, bool]]:
    """Where each moved block stands in the YAML, told from where it is set: id(block) → (its rank in
    the YAML, the offset in `order` from it to its YAML neighbour, whether it goes after that
    neighbour — the block before it in the YAML — or before the one after it, when it is first).
    Moves compose (a photo moved up past a photo moved up), so a count alone would not say."""
    at = {id(b): i for i, (b, _) in enumerate(order)}
    places = {}
    for rank, block in enumerate(blocks):
        if not order[at[id(block)]][1]:
            continue
        after = rank > 0
        neighbour = blocks[rank - 1] if after else blocks[rank + 1]
        places[id(block)] = (rank, at[id(neighbour)] - at[id(block)], after)
    return places


def anchor(block: Any, html: str, moved: int, scale: float | None,
           place: tuple[int, int, bool] | None = None) -> Markup:
    """The frame a photo is set in: its block id for the layout passes; when it moved, how far and
    where the YAML has it (to put the tagged PDF's reading order back, reading_order.py); and a
    narrower width when it shrinks (its height follows)."""
    attrs = f' class="{ANCHOR_CLASS}" data-block="{escape(relayout.block_id(block))}"'
    if moved and place:
        rank, offset, after = place
        attrs += f' data-moved="{moved}" data-rank="{rank}" data-{"after" if after else "before"}="{offset}"'
    if scale:  # the width, and the caps on a photo's height (base.css), by one factor: shape kept
        attrs += (f' style="width: {scale * 100:.0f}%; margin-left: auto; margin-right: auto;'
                  f' --photo-scale: {scale:.2f}"')
    return Markup(f"<div{attrs}>\n{html}\n</div>")


# ---- the layout's side: which photo left a hole, and what it should do ----------------------------

@dataclass
class Laid:
    """The laid-out document as the adjuster reads it: page boxes, each element's fragments."""

    pages: list["wboxes.PageBox"]
    fragments: dict[Any, list[tuple[int, "wboxes.Box"]]]
    parents: dict[Any, Any]

    @classmethod
    def read(cls, document: "weasyprint.Document") -> "Laid":
        from weasyprint.formatting_structure import boxes

        pages = [p._page_box for p in document.pages]
        fragments: dict[Any, list[tuple[int, wboxes.Box]]] = {}
        for number, page in enumerate(pages):
            for box in in_flow(page):
                if box.element is not None and isinstance(box, boxes.BlockLevelBox):
                    fragments.setdefault(box.element, []).append((number, box))
        root = pages[0].children[0].element if pages and pages[0].children else None
        parents = {child: parent for parent in root.iter() for child in parent} if root is not None else {}
        return cls(pages, fragments, parents)

    def height(self, element: Any) -> float:
        """The room an element's text takes, all its fragments together: from each fragment's top
        margin to its last line (a fragment split by the page end is stretched to the page bottom)."""
        fragments = self.fragments.get(element, [])
        total = 0.0
        for i, (number, box) in enumerate(fragments):
            end = content_bottom(box, body_area(self.pages[number])[1])
            if end is not None:
                total += end - box.position_y
            if i == len(fragments) - 1:
                total += box.margin_bottom
        return total


def _is_block(box: Any) -> bool:
    from weasyprint.formatting_structure import boxes

    return isinstance(box, boxes.BlockLevelBox)


def _classes(element: Any) -> list[str]:
    return (element.get("class") or "").split() if element is not None else []


def _is_head(box: "wboxes.Box") -> bool:
    """A heading kept with what follows it (a banner, an article title, its date line)."""
    element = box.element
    return element is not None and (element.tag in HEADINGS or "article-meta" in _classes(element)
                                    or box.style["break_after"] == "avoid")


def opening_anchor(page: "wboxes.PageBox", seen: set) -> "wboxes.Box | None":
    """The photo anchor a page opens with, headings kept with it allowed before it; None otherwise."""
    from weasyprint.formatting_structure import boxes

    def walk(box: wboxes.Box, head: bool) -> Iterator[tuple[wboxes.Box, bool]]:
        if isinstance(box, boxes.MarginBox):
            return
        head = head or (_is_block(box) and _is_head(box))
        yield box, head
        if isinstance(box, boxes.ParentBox) and not isinstance(box, boxes.LineBox):
            for child in box.children:
                yield from walk(child, head)

    for box, head in walk(page, False):
        if ANCHOR_CLASS in _classes(box.element):
            return box if box.element not in seen else None
        if isinstance(box, (boxes.LineBox, boxes.ReplacedBox)) and box.children != [] and not head:
            return None
    return None


def _scalable(box: "wboxes.Box") -> float:
    """The height of the photo frames in an anchor: a frame's height follows the anchor's width (its
    padding is a share of it) and `--photo-scale` scales the layout's caps, so the whole height
    shrinks with the scale; 0 for a placeholder (a missing file), which keeps its size."""
    frames = [b for b in in_flow(box) if "photo-frame" in _classes(b.element) and _is_block(b)]
    return max((b.border_height() for b in frames), default=0.0)


def advise(laid: Laid, hints: relayout.Hints) -> dict[str, dict[str, Any]]:
    """For every page that ends with a hole before a page opening with a photo: shrink it, or move it
    after the next blocks of its article.

    Several holes in one layout: a fix pulls the pages after it up by at most its hole (what it moves
    fits there), so a later page that opens with a block kept whole which would still not fit after
    that pull opens with it in the next layout too, and from there on the pages stay as they are
    here: a hole after it is fixed now. A hole before such a page waits for the next layout."""
    seen: set = set()
    fills = _fills(laid)
    advice: dict[str, dict[str, Any]] = {}
    drift: float | None = None  # how far the fixes so far may pull this page up; None: it stays
    floor = 0  # the first page that stays as laid out
    for k, page in enumerate(laid.pages):
        if k > 0 and drift is None:
            found = _advice(laid, k - 1, page, seen, fills[k - 1], hints, floor)
            if found:
                advice.update(found)
                drift = fills[k - 1]
        elif k > 0:
            top, bottom = body_area(page)
            need = _opening_need(page, seen)
            if need is not None and fills[k - 1] + drift + SLACK * (bottom - top) < need:
                drift, floor = None, k  # it still opens this page: the pages from here on stay
            elif need is not None:
                drift += need  # it may move up a page: what follows moves by its height too
        seen.update(b.element for b in in_flow(page) if b.element is not None)
    return advice


def _opening_need(page: "wboxes.PageBox", seen: set) -> float | None:
    """The height a block kept whole that opens the page needs at the end of the page before (the
    headings kept with it and its top margin included); None when the page opens with text."""
    from weasyprint.formatting_structure import boxes

    top = body_area(page)[0]
    for box in in_flow(page):
        if isinstance(box, boxes.LineBox) and box.children:
            return None
        if (_is_block(box) and box.element is not None and box.element not in seen
                and (box.style["break_inside"] == "avoid" or ANCHOR_CLASS in _classes(box.element))):
            return box.border_box_y() + box.border_height() - top + _margin_above(box)
    return None


def _fills(laid: Laid) -> list[float]:
    """The empty height at the bottom of each page, in CSS px."""
    out = []
    for page in laid.pages:
        top, bottom = body_area(page)
        low = lowest(page)
        out.append(bottom - (top if low is None else low))
    return out


def _advice(laid: Laid, k: int, page: "wboxes.PageBox", seen: set, hole: float,
            hints: relayout.Hints, floor: int = 0) -> dict[str, dict[str, Any]]:
    """What the photo opening `page` should do about the hole at the bottom of page k: shrink to fit
    it; else let the text after it fill it; else, when that text is too short, move up before the
    text it follows, to where it fits (at 85 % or more), so that this text fills the page instead.
    Pages before `floor` change in the next layout: a photo does not move up onto them."""
    top, bottom = body_area(page)
    gap = TRIGGER * (bottom - top)
    if hole <= gap:
        return {}
    box = opening_anchor(page, seen)
    if box is None:
        return {}
    element = box.element
    block = element.get("data-block")
    article = laid.parents.get(element)
    if not block or article is None or article.tag != "article":
        return {}  # only inside an article: a photo never leaves it
    own = hints.get(block, {})
    if own.get("advance"):
        return {}  # moved up already: where it stands it fits
    # The photo and the headings kept with it, and the margin above it that the page top took away.
    need = box.border_box_y() + box.border_height() - top + _margin_above(box)
    if hole >= need:
        return {}  # something else left this hole
    image = _scalable(box)
    if not own.get("defer") and "scale" not in own:
        scale = _scale(need - hole, image)
        if scale:
            return {block: {"scale": scale}}
    done = own.get("defer", 0)
    movable = list(_siblings(element, article, after=True))[: MAX_MOVE - done]
    room = hole - (box.border_box_y() - top)  # banner, title and date line move up with the text
    heights = list(_cumulative(laid.height(e) for e in movable))
    if heights and heights[-1] >= room - gap:  # the text after it can fill the page
        clean = [n for n, h in enumerate(heights, 1) if room - gap <= h <= room]
        n = clean[-1] if clean else next(n for n, h in enumerate(heights, 1) if h > room)
        return {block: {"defer": done + n}}
    # Up: before the nearest block it fits above (the blocks it moved past first put back).
    before = list(_siblings(element, article, after=False))[done:]
    height = box.margin_height()
    for n, previous in enumerate(before[:MAX_MOVE], 1):
        if previous not in laid.fragments or _is_head_element(previous):
            break
        number, first = laid.fragments[previous][0]
        if number < floor:
            break
        room_up = body_area(laid.pages[number])[1] - first.position_y
        if room_up >= height:
            return {block: {"advance": n, "defer": 0}}
        scale = _scale(height - room_up, image)
        if scale:  # it fits there a little smaller: the text it passes fills the page after it
            return {block: {"advance": n, "defer": 0, "scale": scale}}
    if movable:  # a smaller hole at least
        return {block: {"defer": done + len(movable)}}
    return {}


def _scale(excess: float, image: float) -> float | None:
    """The scale at which a photo `image` high sheds `excess` of its height, a point to spare; None
    below MIN_SCALE (or for a placeholder, which keeps its size)."""
    if not image:
        return None
    scale = math.floor((1 - excess / image) * 100 - 1) / 100
    return scale if scale >= MIN_SCALE else None


def _margin_above(box: "wboxes.Box") -> float:
    """The top margin a box and its first descendants ask for (they collapse into one): WeasyPrint
    drops it at the top of a page, but the box at the bottom of the previous page needs it."""
    from weasyprint.formatting_structure import boxes

    margin = 0.0
    while box is not None:
        value = box.style["margin_top"]
        if getattr(value, "unit", None) == "px":
            margin = max(margin, value.value)
        box = box.children[0] if isinstance(box, boxes.BlockContainerBox) and box.children else None
    return margin


def _is_head_element(element: Any) -> bool:
    return element.tag in HEADINGS or "article-meta" in _classes(element)


def _siblings(element: Any, parent: Any, after: bool) -> Iterator[Any]:
    """The blocks after (or before, nearest first) a photo in its article, up to the next photo:
    photos keep their order."""
    children = list(parent)
    at = children.index(element)
    for child in children[at + 1:] if after else reversed(children[:at]):
        if ANCHOR_CLASS in _classes(child):
            return
        yield child


def _cumulative(values: Iterable[float]) -> Iterator[float]:
    total = 0.0
    for v in values:
        total += v
        yield total


@relayout.adjuster
def anchor_photos(document: "weasyprint.Document", hints: relayout.Hints) -> dict[str, dict[str, Any]]:
    """The layout pass: a photo that left a hole shrinks or moves down (see advise)."""
    if not document.pages:
        return {}
    return advise(Laid.read(document), hints)
