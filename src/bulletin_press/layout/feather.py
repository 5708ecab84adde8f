"""Feathering: a column that must end short (its next heading group or kept block cannot follow) reaches its foot by a little more space between its paragraphs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .page_fill import MAX_EMPTY, body_area, in_flow, is_heading, page_columns, starts_own_page

if TYPE_CHECKING:
    from weasyprint.formatting_structure import boxes as wboxes

BLOCK_GAP = 0.035  # a gap between two blocks grows by at most this share of the body height (~1.5 lines on A4)
LINE_GAP = 0.2  # one between two lines of a paragraph by at most this share of the line's height


def _is_unit(box: "wboxes.Box") -> bool:
    """A block moved whole: an image, a table, a flex row, a heading, a block kept whole or one
    beside a float; a paragraph is not one (its lines are)."""
    from weasyprint.formatting_structure import boxes

    if isinstance(box, (boxes.TableBox, boxes.ReplacedBox)) or box.is_table_wrapper or is_heading(box):
        return True
    if isinstance(box, boxes.FlexContainerBox) or box.style["break_inside"] in ("avoid", "avoid-page", "avoid-column"):
        return True
    children = getattr(box, "children", [])
    return any(c.is_floated() for c in children) or not children


def _units(area: "wboxes.Box") -> list["wboxes.Box"]:
    """What an area (a page, a column) moves whole, top to bottom, in flow: lines of paragraphs, and
    the blocks _is_unit names."""
    from weasyprint.formatting_structure import boxes

    out = []
    stack = list(reversed(getattr(area, "children", [])))
    while stack:
        box = stack.pop()
        if isinstance(box, boxes.LineBox):
            out.append(box)
        elif isinstance(box, boxes.MarginBox) or not isinstance(box, boxes.BlockLevelBox) or not box.is_in_normal_flow():
            continue
        elif getattr(box, "is_column", False):
            continue  # a row of columns is measured (and feathered) column by column
        elif _is_unit(box):
            out.append(box)
        else:
            stack.extend(reversed(box.children))
    return out


def _shift(box: Any, shifts: dict[int, float]) -> tuple[float, float] | None:
    """Move the units (by `shifts`, id → dy) and stretch what holds them; returns the shift of
    the first and last unit inside `box`, None when it holds none."""
    if id(box) in shifts:
        if shifts[id(box)]:
            box.translate(dy=shifts[id(box)])
        return shifts[id(box)], shifts[id(box)]
    if getattr(box, "is_column", False):
        return None
    found = [s for child in getattr(box, "children", []) if (s := _shift(child, shifts)) is not None]
    if not found:
        return None
    first, last = found[0][0], found[-1][1]
    box.position_y += first
    if isinstance(box.height, (int, float)):
        box.height += last - first
    return first, last


def _caps(units: list[Any], height: float) -> list[float]:
    """How much the gap before each unit may grow: none after a heading (it stays with what
    follows) nor before the first; between two lines of one paragraph a little; between blocks more."""
    from weasyprint.formatting_structure import boxes

    caps = [0.0]
    for before, unit in zip(units, units[1:]):
        if isinstance(before, boxes.LineBox) and isinstance(unit, boxes.LineBox) and before.element is unit.element:
            caps.append(LINE_GAP * before.height)
        elif is_heading(before) or before.style["break_after"] in ("avoid", "avoid-page", "avoid-column"):
            caps.append(0.0)
        else:
            caps.append(BLOCK_GAP * height)
    return caps


def feather(area: "wboxes.Box", empty: float, height: float) -> bool:
    """Spread `empty` (px) over the gaps between the area's lines and blocks, each as little as it
    can (the same amount, up to its cap); only when that brings the area within MAX_EMPTY / 2.
    True if done."""
    units = _units(area)
    caps = _caps(units, height)
    room = sum(caps)
    if empty - room > MAX_EMPTY * height / 2:
        return False
    want = min(empty, room) - 0.5  # half a pixel short: never past the foot
    low, high = 0.0, max(caps, default=0.0)
    for _ in range(30):  # the one amount λ with sum(min(cap, λ)) = want
        mid = (low + high) / 2
        low, high = (mid, high) if sum(min(c, mid) for c in caps) < want else (low, mid)
    shifts: dict[int, float] = {}
    total = 0.0
    for unit, cap in zip(units, caps):
        total += min(cap, low)
        shifts[id(unit)] = total
    for child in getattr(area, "children", []):
        _shift(child, shifts)
    return True


def feather_pages(pages: list["wboxes.PageBox"]) -> int:
    """Every column (or page) over MAX_EMPTY empty at its foot that the rule does not exempt, feathered
    when its gaps allow. Returns how many were."""
    from .page_fill import _marks

    seen: set = set()
    forced: list[bool] = []
    for page in pages:
        forced.append(starts_own_page(page, seen, cards=False))  # a card kept whole: feathered if it can be
        seen.update(b.element for b in in_flow(page) if b.element is not None)
    done = 0
    for i, page in enumerate(pages):
        exempt = i == len(pages) - 1 or forced[i + 1]
        columns = [c for c in page_columns(page, i + 1, exempt) if c.hole and c.at_foot and not c.stranded]
        if not columns:
            continue
        top, bottom = body_area(page)
        found: list[Any] = []
        _marks(page, bottom, found)
        areas = sorted(found, key=lambda c: (round(c.position_y, 1), c.position_x))
        for column in columns:
            area = next((a for a in areas if abs(a.position_x - column.left) < 1 and abs(a.position_y - column.top) < 1), None)
            if area is None and column.right - column.left >= page.width - 1 and not found:
                area = page
            if area is not None and feather(area, column.empty * (bottom - top), bottom - top):
                done += 1
    return done
