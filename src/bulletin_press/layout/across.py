"""A table set across the columns that misses the page its columns end on: the text after it in its article moves up before it, a block at a time."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .page_fill import MAX_EMPTY, in_flow, is_heading, page_columns

if TYPE_CHECKING:
    from weasyprint.formatting_structure import boxes as wboxes

ACROSS_CLASS = "table-across"  # layouts/base/blocks/table.html: a table too wide for a column
MAX_MOVE = 3  # a table never moves past more than three blocks of its article


def _classes(element: Any) -> list[str]:
    return (element.get("class") or "").split() if element is not None else []


def _is_multicol(box: Any) -> bool:
    return box.style["column_count"] != "auto" or box.style["column_width"] != "auto"


@dataclass
class Across:
    """The tables set across the columns of one box tree (after columns.hoist), each with the
    multi-column box that holds it, and how many blocks each has let move up before it.

    WeasyPrint balances the columns before a block set across them; when the table that follows
    does not fit under them (its caption, head and first row), it goes to the next page and the
    balanced columns end short of the page's foot: a hole in each. The text after the table in its
    article then moves up before it (into those columns), a block at a time, until the columns
    reach the foot or the table ends its article; the pages from the hole's are made again."""

    holders: dict[Any, "wboxes.Box"] = field(default_factory=dict)  # table-across element → its multi-column box
    moved: dict[Any, int] = field(default_factory=dict)  # table-across element → blocks moved up before it

    @classmethod
    def of(cls, root: "wboxes.Box") -> "Across":
        from weasyprint.formatting_structure import boxes

        found = cls()
        stack = [root]
        while stack:
            box = stack.pop()
            if isinstance(box, boxes.LineBox) or not isinstance(box, boxes.ParentBox):
                continue
            if _is_multicol(box):
                for child in box.children:
                    if ACROSS_CLASS in _classes(child.element):
                        found.holders[child.element] = box
            stack.extend(box.children)
        return found

    def made(self, fixer: Any, index: int, pages: list[Any]) -> int | None:
        """After page `index` is made: when it opens with a table across the columns and the
        columns at the foot of the page before end more than MAX_EMPTY short, a block of the text
        after the table moves up before it; returns the page to make again from, else None."""
        if not self.holders or index == 0:
            return None
        seen = {e for blocks in fixer.page_blocks[:index] for e, _ in blocks}
        element = _opening(pages[index], self.holders, seen)
        if element is None or self.moved.get(element, 0) >= MAX_MOVE:
            return None
        k = index - 1
        columns = page_columns(pages[k], k + 1, False)
        if len(columns) < 2 or not any(c.at_foot and c.empty > MAX_EMPTY for c in columns):
            return None
        if not self._move_one(fixer, element):
            return None
        self.moved[element] = self.moved.get(element, 0) + 1
        return k

    def _move_one(self, fixer: Any, element: Any) -> bool:
        """The block after the table (in its article) before it, in the box tree; False when none
        can: the table ends its article, or what follows it is a heading, a photo or another table."""
        holder = self.holders[element]
        children = holder.children
        at = next((i for i, c in enumerate(children) if c.element is element), None)
        if at is None or at + 1 >= len(children):
            return False
        table, after = children[at], children[at + 1]
        if holder.element_tag != "article":  # cut out of its article (columns.hoist): the pieces around it are the article
            before = children[at - 1] if at else None
            if before is None or before.element_tag != "article" or after.element is not before.element:
                return False
            # The next piece's first block joins the piece before.
            if not after.children or not _movable(after.children[0]):
                return False
            block = after.children.pop(0)
            before.children.append(block)
            fixer.parent[id(block)] = before
            if not after.children:
                children.pop(at + 1)
            for body in fixer.order:
                if block in body.blocks:
                    body.blocks.remove(block)
                if body.box is before:
                    body.blocks.append(block)
            return True
        if not _movable(after):  # the table's parent is its article: what follows it is the article's
            return False
        children[at], children[at + 1] = after, table
        for body in fixer.order:  # an article with photos sets its body from this list (holes.Fixer._arrange)
            if body.box is holder and table in body.blocks and after in body.blocks:
                i, j = body.blocks.index(table), body.blocks.index(after)
                body.blocks[i], body.blocks[j] = after, table
        return True


def _movable(box: "wboxes.Box") -> bool:
    """Text that may move up before a table: not a heading, a photo's frame or another table across."""
    classes = _classes(box.element)
    return not (is_heading(box) or ACROSS_CLASS in classes or "photo-anchor" in classes)


def _opening(page: "wboxes.PageBox", holders: dict[Any, Any], seen: set) -> Any:
    """The element of the table across the columns that a page opens with (nothing drawn above it),
    when it first stands there; None otherwise."""
    from weasyprint.formatting_structure import boxes

    for box in in_flow(page):
        if box.element in holders:
            return box.element if box.element not in seen else None
        if isinstance(box, (boxes.LineBox, boxes.ReplacedBox)) and getattr(box, "children", None) != []:
            return None
    return None
