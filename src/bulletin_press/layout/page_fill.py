"""Page and column fill: how much of each page's (each column's) body is left empty at its foot, and the headings left at a column's foot, read from the laid-out boxes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..engine.boxes import page_box

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
    from ..engine.boxes import AbsolutePlaceholder, placed_box

    stack = [box]  # not recursive: the pass walks every page it makes (a generator per box cost ~2×)
    while stack:
        box = stack.pop()
        if isinstance(box, AbsolutePlaceholder):
            box = placed_box(box)
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


def starts_own_page(page: "wboxes.PageBox", seen: set, cards: bool = True) -> bool:
    """The page opens with a new element that asks for a page of its own (break-before: page: the
    back page), or with a new section whose first block is still kept whole and holds a float (the
    featured NGO's card, when its logo and name with the first lines after them miss the page
    before: holes.py lets it break below them when they fit): nothing of what follows could fill the
    page before it. `cards=False`: only a forced break (what the no-holes pass and feathering ask)."""
    from weasyprint.formatting_structure import boxes

    box: wboxes.Box = page
    while isinstance(box, boxes.ParentBox) and box.children and not isinstance(box, boxes.LineBox):
        box = box.children[0]
        if box.element is None or box.element in seen:
            continue
        if box.style["break_before"] in FORCED:
            return True
        if box.element_tag == "section" and cards:
            # Its columns, if it is set in columns, hold its blocks.
            kids = [k for c in box.children for k in (c.children if getattr(c, "is_column", False) else [c])]
            first = next((c for c in kids if c.element_tag not in HEADINGS), None)
            return (first is not None and first.style["break_inside"] == "avoid"
                    and any(c.is_floated() for c in first.children))
    return False


def page_fill(document: "weasyprint.Document") -> list[PageFill]:
    """For every page: the empty share of its body at the bottom, and whether the rule exempts it."""
    pages = [page_box(p) for p in document.pages]
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


# ---- per column ----------------------------------------------------------------------------------

HEAD_CLASSES = {"article-meta", "schedule-date"}  # headings that are no <h*>: a date line, a schedule's day


@dataclass(frozen=True)
class ColumnFill:
    """One column of one page, as a reader sees it: how empty its foot is, what heading ends it.

    A page set in one column has one, index 0, spanning the body (its `empty` is PageFill's). A
    multi-column box (CSS `columns`) gives one per column it lays out on the page, left to right,
    rows of columns top to bottom; text outside the columns that ends the page (below the last
    row) is one more, full width. A column's foot is the page body's bottom when nothing on the
    page stands below it, else the bottom of its row (the tallest column of a balanced row).
    Lengths in CSS px (1/96 in), from the page's top left corner."""

    page: int  # 1-based
    index: int  # 0-based on its page: left to right, then top to bottom
    left: float  # the column's box, CSS px
    right: float
    top: float
    foot: float  # where the column ends: the body's bottom, or its row's
    empty: float  # share of the page body's height left empty between the column's lowest line, image or rule and its foot
    stranded: tuple[str, ...]  # the headings (their text) the column ends with: a banner, a title and its date line, a schedule day, a table caption; () when its last line is text
    exempt: bool  # at the page's foot, before a page of its own (a forced break) or at the document's end: `empty` may be anything
    at_foot: bool  # nothing on the page stands below it
    last_page: bool = False  # the column stands on the document's last page

    @property
    def hole(self) -> bool:
        """More than MAX_EMPTY empty where the rule holds."""
        return not self.exempt and self.empty > MAX_EMPTY

    @property
    def breaks_rule(self) -> bool:
        """A hole, or a heading left at its foot."""
        return self.hole or bool(self.stranded)


def is_heading(box: "wboxes.Box") -> bool:
    """A heading kept with what follows it: <h1>–<h6>, an article's date line, a schedule's day, a table caption."""
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.TableCaptionBox):
        return True
    element = box.element
    if element is None or box.element_tag in ("html", "body"):
        return False
    if element.tag in HEADINGS or element.tag == "caption":
        return True
    return not HEAD_CLASSES.isdisjoint((element.get("class") or "").split())


def _marks(box: "wboxes.Box", page_bottom: float, columns: list | None) -> list[tuple[float, float, Any]]:
    """(top, bottom, heading element or None) of each line, image and decorated box in `box`, in
    document order (content_bottom's rules); column boxes are not entered but appended to
    `columns` (when a list is given) with the path of their parents."""
    from weasyprint.formatting_structure import boxes
    from ..engine.boxes import AbsolutePlaceholder, placed_box

    out: list[tuple[float, float, Any]] = []
    stack: list[tuple[Any, Any]] = [(box, None)]
    while stack:
        inner, head = stack.pop()
        if isinstance(inner, AbsolutePlaceholder):
            inner = placed_box(inner)
        if isinstance(inner, boxes.MarginBox):
            continue
        if columns is not None and getattr(inner, "is_column", False) and inner is not box:
            columns.append(inner)
            continue
        if head is None and isinstance(inner, boxes.BlockLevelBox) and is_heading(inner):
            head = inner.element
        if isinstance(inner, (boxes.LineBox, boxes.ReplacedBox)):
            if not (isinstance(inner, boxes.LineBox) and not inner.children):
                out.append((inner.position_y, inner.position_y + inner.margin_height(), head))
            if isinstance(inner, boxes.LineBox):
                continue
        elif not isinstance(inner, boxes.PageBox) and inner.element_tag not in ("html", "body") and _decorated(inner):
            end = inner.border_box_y() + inner.border_height()
            if end < page_bottom - 0.5:  # a fragment split by the page end is stretched to it
                out.append((inner.border_box_y(), end, head))
        if isinstance(inner, boxes.ParentBox):
            stack.extend((child, head) for child in reversed(inner.children))
    return out


def _stranded(marks: list[tuple[float, float, Any]]) -> tuple[str, ...]:
    """The headings a column's lowest marks belong to, top to bottom; () when its lowest is text."""
    if not marks:
        return ()
    ordered = sorted(marks, key=lambda m: m[1])
    heads: list[Any] = []
    for _, _, head in reversed(ordered):
        if head is None:
            break
        if head not in heads:
            heads.append(head)
    return tuple(" ".join("".join(h.itertext()).split())[:40] for h in reversed(heads))


def page_columns(page: "wboxes.PageBox", number: int, exempt: bool, last: bool = False) -> list[ColumnFill]:
    """The columns of one laid-out page (see ColumnFill); `exempt`: the page is before a forced break or the last."""
    top, bottom = body_area(page)
    height = bottom - top
    found: list[Any] = []
    flow = _marks(page, bottom, found)
    if not found:
        low = max((m[1] for m in flow), default=None)
        empty = 1.0 if low is None else max(0.0, bottom - low) / height
        left = page.content_box_x()
        return [ColumnFill(number, 0, left, left + page.width, top, bottom, round(empty, 4), _stranded(flow),
                           exempt, True, last)]
    rows: dict[float, list[Any]] = {}
    for column in found:
        rows.setdefault(round(column.position_y, 1), []).append(column)
    row_bottoms = {y: max(c.position_y + c.margin_height() for c in cs) for y, cs in rows.items()}
    out: list[ColumnFill] = []
    lowest_row = max(row_bottoms.values())
    below = [m for m in flow if m[0] >= lowest_row - 0.5]  # text outside the columns ending the page
    for y in sorted(rows):
        row_bottom = row_bottoms[y]
        at_foot = not below and not any(other > y for other in rows)
        foot = bottom if at_foot else row_bottom
        for column in sorted(rows[y], key=lambda c: c.position_x):
            marks = _marks(column, bottom, None)
            low = max((m[1] for m in marks), default=y)  # an empty column: from its top
            empty = max(0.0, foot - low) / height
            out.append(ColumnFill(number, len(out), column.position_x, column.position_x + column.margin_width(), y,
                                  foot, round(min(empty, 1.0), 4), _stranded(marks), exempt and at_foot, at_foot, last))
    if below:
        low = max(m[1] for m in below)
        left = page.content_box_x()
        out.append(ColumnFill(number, len(out), left, left + page.width, lowest_row, bottom,
                              round(max(0.0, bottom - low) / height, 4), _stranded(below), exempt, True, last))
    return out


def column_fill(document: "weasyprint.Document") -> list[ColumnFill]:
    """Every column of every page (ColumnFill), pages in order: the page promises per column."""
    pages = page_fill(document)
    return [column for fill, page in zip(pages, document.pages)
            for column in page_columns(page_box(page), fill.number, fill.exempt, fill.last)]
