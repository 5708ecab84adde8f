"""Multi-column boxes (CSS `columns`), WeasyPrint 70: a heading that spans the columns never ends a page without them; a block deeper inside that spans them is lifted to where WeasyPrint sees it.

Replaces `weasyprint.layout.block.columns_layout` and `block_box_layout` (and swaps
`weasyprint.layout.column.inf` during a call). If their arguments or results change, banners end
pages alone again or columns are balanced wrong: the output depends on it, so `install()` refuses
another WeasyPrint.
"""

from __future__ import annotations

from typing import Any

from weasyprint.layout import block as wp_block
from weasyprint.layout import column as wp_column

from .hooks import Hook

SUPPORTED = ("70.",)
AVOID = ("avoid", "avoid-page", "avoid-column")


def _columns_layout(context: Any, box: Any, bottom_space: float, skip_stack: Any, containing_block: Any,
                    page_is_empty: bool, absolute_boxes: Any, fixed_boxes: Any, *rest: Any) -> tuple:
    """WeasyPrint's columns_layout, then: blocks that span the columns (`column-span: all`) and ask
    to stay with what follows (`break-after: avoid`: a section's banner) are not left as the last
    thing of a box that goes on on the next page. WeasyPrint lays a spanning block out on its own,
    so its break-after is never weighed against the columns that follow it (a banner stranded at a
    page's foot). They go to the next page with what follows; when nothing else of the box was laid
    out, the box does, as a block that does not fit."""
    before = wp_column.inf
    wp_column.inf = _Unmeasured()  # read anew by each call; a nested one has its own
    try:
        result = _installed["columns_layout"](context, box, bottom_space, skip_stack, containing_block, page_is_empty,
                                              absolute_boxes, fixed_boxes, *rest)
    finally:
        wp_column.inf = before
    new_box, resume_at = result[0], result[1]
    if new_box is None or resume_at is None:
        return result
    children = new_box.children
    keep = len(children)
    while keep and not children[keep - 1].is_column and children[keep - 1].style["break_after"] in AVOID:
        keep -= 1
    if keep == len(children) or (keep == 0 and page_is_empty):
        return result
    dropped = children[keep:]
    wp_block.remove_placeholders(context, dropped, absolute_boxes, fixed_boxes)
    if keep == 0:
        return None, {0: None}, {"break": "any", "page": None}, [], False
    first = dropped[0].element
    index = next(i for i, child in enumerate(box.children) if child.element is first and child.style["column_span"] == "all")
    new_box.children = children[:keep]
    last = children[keep - 1]
    new_box.height = last.position_y + last.margin_height() - new_box.content_box_y()
    return (new_box, {index: None}, *result[2:])


class _Unmeasured(float):
    """WeasyPrint 70 balances columns by growing their height until the content fits, by the room
    the next block lacks; when it cannot tell (the next block cannot be separated from what follows
    it: a title and its photo), by 1 px, and lays the columns out again each time: 148 layouts of
    a section's columns for one page of 2023-11. column.py's `inf` is this value: infinite in every
    sum and comparison, but `lost_space == inf` is false for it, so the step WeasyPrint adds is
    this value itself, whose sum with a height grows the height by 1, 2, 4 … 16 px: the same
    columns within 16 px of their balance in a tenth of the layouts."""

    def __new__(cls) -> "_Unmeasured":
        made = super().__new__(cls, float("inf"))
        made.step = 1.0
        return made

    def __eq__(self, other: object) -> bool:
        return other is not self and float(self) == other

    __hash__ = float.__hash__

    def __radd__(self, height: float) -> float:
        grown = height + self.step
        self.step = min(self.step * 2, STEP)
        return grown


STEP = 16.0  # px: the most an unmeasured balancing step adds (a column may stand this much taller than balanced)


def _is_multicol(box: Any) -> bool:
    return box.style["column_count"] != "auto" or box.style["column_width"] != "auto"


def _split(box: Any) -> list[Any]:
    """`box` cut around the blocks inside it that span the columns: [box] when none does, else its
    pieces (copies holding the children between) and those blocks, in order."""
    from weasyprint.formatting_structure import boxes

    if not isinstance(box, boxes.BlockBox) or _is_multicol(box):
        return [box]
    pieces: list[Any] = []
    between: list[Any] = []
    for child in box.children:
        for part in [child] if child.style["column_span"] == "all" else _split(child):
            if part.style["column_span"] == "all":
                if between:
                    pieces.append(box.copy_with_children(between))
                pieces.append(part)
                between = []
            else:
                between.append(part)
    if len(pieces) == 0:
        return [box]
    if between:
        pieces.append(box.copy_with_children(between))
    return pieces


def hoist(root: Any) -> int:
    """WeasyPrint 70 sets a block across the columns only when it is a child of the multi-column
    box (the spec allows any descendant in its flow): a table in an article in a two-column section
    is lifted there, the article cut around it. Returns how many multi-column boxes changed."""
    from weasyprint.formatting_structure import boxes

    changed = 0
    stack = [root]
    while stack:
        box = stack.pop()
        if not isinstance(box, boxes.ParentBox) or isinstance(box, (boxes.LineBox, boxes.InlineBox)):
            continue
        if _is_multicol(box):
            children = [part for child in box.children for part in _split(child)]
            if len(children) != len(box.children):
                box.children = children
                changed += 1
        stack.extend(box.children)
    return changed


def _block_box_layout(context: Any, box: Any, bottom_space: float, skip_stack: Any, containing_block: Any,
                      page_is_empty: bool, absolute_boxes: Any, fixed_boxes: Any, adjoining_margins: Any,
                      first_letter_style: Any, first_line_style: Any, *rest: Any, **named: Any) -> tuple:
    """WeasyPrint's block_box_layout, but a multi-column box with a bottom margin, border or
    padding is laid out once with room for them: WeasyPrint lays such a box out, and when it ends
    on the page lays it out again with that room (balancing its columns twice). When it does not
    fit with the room, WeasyPrint's own way, as before."""
    if box.style["column_count"] == "auto" and box.style["column_width"] == "auto":
        return _installed["block_box_layout"](context, box, bottom_space, skip_stack, containing_block, page_is_empty,
                                              absolute_boxes, fixed_boxes, adjoining_margins, first_letter_style,
                                              first_line_style, *rest, **named)
    spacing = [box.margin_bottom, box.padding_bottom, box.border_bottom_width]
    if all(isinstance(v, (int, float)) for v in spacing) and sum(spacing):
        result = wp_block.columns_layout(context, box, bottom_space + sum(spacing), skip_stack, containing_block,
                                         page_is_empty, absolute_boxes, fixed_boxes, adjoining_margins,
                                         first_letter_style, first_line_style)
        if result[0] is not None and result[1] is None:
            return (*result, None)  # what WeasyPrint's second layout gives, the first spared
        if result[0] is not None:
            wp_block.remove_placeholders(context, [result[0]], absolute_boxes, fixed_boxes)
    return _installed["block_box_layout"](context, box, bottom_space, skip_stack, containing_block, page_is_empty,
                                          absolute_boxes, fixed_boxes, adjoining_margins, first_letter_style,
                                          first_line_style, *rest, **named)


HOOK = Hook("bulletin_press.engine.columns", {"weasyprint": SUPPORTED},
            "layout/column.py (columns_layout) and layout/block.py (block_box_layout)", saves_time=False)
HOOK.replace(wp_block, "columns_layout", _columns_layout)
HOOK.replace(wp_block, "block_box_layout", _block_box_layout)
_installed = HOOK.original
install, uninstall = HOOK.install, HOOK.uninstall
