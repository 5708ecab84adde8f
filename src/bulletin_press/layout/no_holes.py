"""No holes: a photo that does not fit the rest of a page shrinks a little, or lets the text after it move up, in one layout."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from . import across, kept_float, passes as relayout
from ..engine import columns
from .page_fill import HEADINGS, MAX_EMPTY, body_area, content_bottom, in_flow, is_heading, lowest, page_columns, starts_own_page

if TYPE_CHECKING:  # only render.py imports WeasyPrint (--help stays fast)
    from weasyprint.formatting_structure import boxes as wboxes

ACTIVE = True  # the pass runs (benchmarks/page_fill.py measures the pages without it)
ANCHORED = {"photo", "photo_row"}  # block types that may give way to the text after them
ANCHOR_CLASS = "photo-anchor"
MAX_MOVE = 3  # a photo never moves past more than three blocks of its article
MIN_SCALE = 0.85  # a photo that fits at 85 % of its size or more shrinks instead of moving
TRIGGER = MAX_EMPTY / 2  # a smaller hole is a line or two: not worth moving a photo away from its text


# ---- the templates' side: the frame a photo is set in -----------------------------------------------

def anchor(block: Any, html: str) -> Markup:
    """The frame a photo is set in: its block id, for the pass to find it in the box tree."""
    return Markup(f'<div class="{ANCHOR_CLASS}" data-block="{escape(relayout.block_id(block))}">\n{html}\n</div>')


def anchor_key(element: Any) -> str:
    """What a photo's frame shows (its files and captions): the same across renders when a line
    added above it gives its block another id."""
    srcs = " ".join(e.get("src") or "" for e in element.iter("img"))
    return f"{srcs}|{''.join(element.itertext()).strip()}"


def arranged(blocks: Sequence[Any], move: Any) -> list[tuple[Any, int]]:
    """The blocks in the order they are set: a block that `move(block)` says +n of goes after the next
    n blocks, one it says -n of before the previous n (fewer at the ends of the body); moves apply in
    the blocks' order. Returns (block, how far it moved: + down, - up)."""
    order: list[tuple[Any, int]] = [(b, 0) for b in blocks]
    for block in blocks:
        n = move(block)
        if not n:
            continue
        at = next(i for i, (b, _) in enumerate(order) if b is block)
        moved = min(n, len(order) - at - 1) if n > 0 else -min(-n, at)
        order.insert(at + moved, (order.pop(at)[0], moved))
    return order


# ---- the layout's side: which photo left a hole, and what it should do ----------------------------

@dataclass
class Laid:
    """The pages made so far as the pass reads them: page boxes, each element's fragments."""

    pages: list["wboxes.PageBox"]
    fragments: dict[Any, list[tuple[int, "wboxes.Box"]]]

    @staticmethod
    def blocks_of(page: "wboxes.PageBox") -> list[tuple[Any, "wboxes.Box"]]:
        from weasyprint.formatting_structure import boxes

        return [(box.element, box) for box in in_flow(page)
                if box.element is not None and isinstance(box, boxes.BlockLevelBox)]

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


# A bound on the fixes of one layout (each adds to a photo's settings or bans a way, so they end anyway).
FIXES_PER_PHOTO = 8


class Step(Enum):
    """What the photo opening a page does about the hole at the bottom of the page before it."""

    NOTHING = "nothing"  # no hole, or one the photo did not leave
    AGAIN = "again"  # the box tree changed: the pages are made again from Advice.again
    WAIT = "wait"  # the text after the photo is not laid out far enough yet to tell
    STUCK = "stuck"  # the photo can neither shrink nor move to end the page before it full


@dataclass(frozen=True)
class Advice:
    """Fixer._advice's answer: a step, and for AGAIN the page to make again from."""

    step: Step
    again: int | None = None

    @staticmethod
    def remake(page: int) -> Advice:
        return Advice(Step.AGAIN, page)


NOTHING, WAIT, STUCK = Advice(Step.NOTHING), Advice(Step.WAIT), Advice(Step.STUCK)


@dataclass(frozen=True)
class _Hole:
    """A hole at the bottom of page k before the photo opening page k + 1, as _advice measured it:
    `hole` tall, the photo `need`s that much, `room` once its article's heads move up with the text,
    `gap` the hole too small to act on."""

    k: int
    box: "wboxes.Box"
    own: dict[str, Any]  # the photo's settings so far (Fixer.moves)
    hole: float
    need: float
    room: float
    gap: float

    @property
    def block(self) -> str:
        return self.box.element.get("data-block")


@dataclass
class _Fix:
    """A fix made: the photo, its settings before and those it got, the page with the hole, the page
    made again from; whether its photo tried another way."""

    block: str
    before: dict[str, Any]
    values: dict[str, Any]
    k: int
    again: int
    tried: bool = False


def _kind(values: dict[str, Any]) -> str:
    return "advance" if values.get("advance") else "defer" if values.get("defer") else "scale"


@dataclass
class _Body:
    """An article's box and its body as the YAML has it (its title and date line stay first)."""

    box: "wboxes.Box"
    heads: list["wboxes.Box"]
    blocks: list["wboxes.Box"]  # a shrunk photo's anchor replaced by its shrunk copy


class Fixer:
    """The no-holes pass, made while the pages are (pagemaker.py): after each page, a page that ends
    with a hole before a page opening with a photo makes the photo shrink, or move after the next
    blocks of its article, or before the previous ones, in the box tree, and the pages from the one
    it changes are made again. `moves` (block id → defer / advance / scale) only grow, so it ends."""

    def __init__(self) -> None:
        self.moves: dict[str, dict[str, Any]] = {}
        self.pages_made = 0
        self.fixes = 0

    # -- pagemaker.Fixer ------------------------------------------------------------------------

    def begin(self, root_box: "wboxes.Box") -> None:
        from weasyprint.formatting_structure import boxes

        self.moves, self.pages_made, self.fixes = {}, 0, 0
        columns.hoist(root_box)  # a table across the columns, first: the articles are cut around it
        self.across = across.Across.of(root_box)  # ... and when it misses the page, the text after it moves up
        self.bodies: dict[Any, _Body] = {}  # anchor element → its article
        self.anchors: dict[Any, "wboxes.Box"] = {}  # anchor element → its box as the YAML has it
        self.parent: dict[int, "wboxes.Box"] = {}
        self.sections: dict[Any, Any] = {}
        self.order: list[_Body] = []
        stack = [root_box]
        while stack:
            box = stack.pop()
            if isinstance(box, boxes.LineBox) or not isinstance(box, boxes.ParentBox):
                continue  # no block inside a line
            children = box.children
            for child in children:
                self.parent[id(child)] = box
                if child.style["break_before"] in FORCED_BREAKS and child.element is not None:
                    self.sections.setdefault(child.element, child)  # a page of its own (_tighten_spill)
            if box.element_tag == "article" and any(ANCHOR_CLASS in _classes(c.element) for c in children):
                heads = 0
                while heads < len(children) and _is_head(children[heads]):
                    heads += 1
                body = _Body(box, list(children[:heads]), list(children[heads:]))
                self.order.append(body)
                for child in body.blocks:
                    if ANCHOR_CLASS in _classes(child.element):
                        self.bodies[child.element] = body
                        self.anchors[child.element] = child
            stack.extend(reversed(children))
        self.page_blocks: list[list[tuple[Any, Any]]] = []
        self.fills: list[float] = []
        self.pending: list[int] = []
        self.history: list[_Fix] = []
        self.banned: dict[str, set[str]] = {}  # block id → the ways it tried that left a hole after
        self.retrying: _Fix | None = None  # the fix whose photo tries another way
        self.shrunk: dict[tuple[str, float], Any] = {}
        self.kept = _kept_blocks(root_box, self.anchors)
        self.section_now: dict[Any, Any] = {}
        self.relaxed: list[Any] = []  # kept blocks let break (elements), in the order they gave way
        self.column_tries: set[tuple] = set()  # the ways a photo in a column tried (_photo_in_column)
        self.page_cols: list[list[Any]] = []  # each page's columns as last made (fill.page_columns)
        self.tightened: dict[Any, int] = {}  # a section on pages of its own → the LEADING steps it took

    def made(self, index: int, pages: list[Any], page_maker: list[Any], ended: bool) -> int | None:
        self.pages_made += 1
        del self.page_blocks[index:], self.fills[index:]
        page = pages[index]
        self.page_blocks.append(Laid.blocks_of(page))
        top, bottom = body_area(page)
        low = lowest(page)
        self.fills.append(bottom - (top if low is None else low))
        self.pending = [k for k in self.pending if k < index - 1]
        if self.retrying and index > self.retrying.k + 2:
            self.retrying = None  # the other way left no hole it could not fix: it stays
        if index:
            self.pending.append(index - 1)
        if not ended and self._another_pass(index, pages[index]) and relayout.cut_short():
            from ..engine import pages as pagemaker

            return pagemaker.STOP  # a table set at a measure it does not have: this layout is thrown away
        again = self._give_way(index, pages, ended)
        if again is None and ended:
            again = _tighten_spill(self, index, pages)
        if again is not None:
            self.pending = []
            return again
        while self.pending and self.fixes < FIXES_PER_PHOTO * len(self.anchors):
            k = self.pending[0]
            advice = self._advice(k, pages, page_maker, ended)
            if advice.step is Step.WAIT:
                return None
            self.pending.pop(0)
            found = self._retry(k) if advice.step is Step.STUCK else advice.again
            if found is not None:
                self.pending = []
                return found
        return None

    def _another_pass(self, index: int, page: Any) -> bool:
        """A table on this page (its first fragment) was set with hints its layout contradicts
        (tables.asks): the table pass will want another layout."""
        from weasyprint.formatting_structure import boxes

        from . import tables

        if not any(isinstance(b, boxes.TableBox) for _, b in self.page_blocks[index]):
            return False
        earlier = {e for blocks in self.page_blocks[:index] for e, _ in blocks}
        for box, multicol in tables._walk_columns(page):
            if isinstance(box, boxes.TableBox) and box.element is not None and box.element.get("data-block"):
                if tables.asks(box, multicol, tables.set_with(box.element), box.element not in earlier):
                    return True
        return False

    def finish(self, pages: list[Any]) -> None:
        """The pages are final: a column that must still end short is feathered (feather.py)."""
        from .feather import feather_pages

        # Only when a column ends short (the house's pages never do: nothing to walk).
        short = any(c.empty > MAX_EMPTY for columns in self.page_cols[:-1] for c in columns)
        self.feathered = feather_pages(pages) if short else 0

    def _give_way(self, index: int, pages: list[Any], ended: bool) -> int | None:
        again = self.across.made(self, index, pages)
        return again if again is not None else _give_way_of(self, index, pages, ended)

    def _fix(self, k: int, block: str, values: dict[str, Any], again: int) -> int:
        self.fixes += 1
        self.history.append(_Fix(block, dict(self.moves.get(block, {})), values, k, again))
        self.moves[block] = {**self.moves.get(block, {}), **values}
        self._arrange(block)
        return again

    def _retry(self, k: int) -> int | None:
        """A photo that can do nothing about the hole before it, just after the page the last fix
        filled: that fix's photo tries its next way (moving up rather than down …) once; when that
        leaves a hole nothing fixes either, the first way is put back for good (the hole stays)."""
        first, self.retrying = self.retrying, None
        if first is not None and k <= first.k + 1:
            again = min([first.again] + [f.again for f in self.history if f.block == first.block])
            self.moves[first.block] = {**first.before, **first.values}
            self._arrange(first.block)
            for fix in self.history:
                fix.tried = True
            return again
        if not self.history or self.history[-1].k < k - 1 or self.history[-1].tried:
            return None
        last = self.history[-1]
        last.tried = True
        self.banned.setdefault(last.block, set()).add(_kind(last.values))
        self.moves[last.block] = dict(last.before)
        self._arrange(last.block)
        self.retrying = last
        return last.again

    # -- the reading order ----------------------------------------------------------------------

    def reading_moves(self) -> list[tuple[Any, Any, bool]]:
        """For each photo set away from its YAML place: (its element, the block it belongs next to in
        the YAML, whether before that block). Those that go after their YAML neighbour first, in the
        YAML's order (a neighbour moved too is back in place before it serves), then the others."""
        after, before = [], []
        for body in self.order:
            yaml = [b.element for b in body.blocks]
            for rank, element in enumerate(yaml):
                asked = self.moves.get(element.get("data-block") or "", {})
                if ANCHOR_CLASS not in _classes(element) or not (asked.get("defer") or asked.get("advance")):
                    continue
                if rank:
                    after.append((element, yaml[rank - 1], False))
                elif len(yaml) > 1:
                    before.append((element, yaml[1], True))
        return after + before[::-1]

    # -- the decision ---------------------------------------------------------------------------

    def _current(self, body: _Body) -> list["wboxes.Box"]:
        return body.box.children[len(body.heads):]

    def _siblings(self, element: Any, after: bool) -> list["wboxes.Box"]:
        """The blocks after (or before, nearest first) a photo in its article as set now, up to the
        next photo: photos keep their order."""
        current = self._current(self.bodies[element])
        at = next(i for i, b in enumerate(current) if b.element is element)
        out = []
        for box in current[at + 1:] if after else reversed(current[:at]):
            if ANCHOR_CLASS in _classes(box.element):
                break
            out.append(box)
        return out

    def _complete(self, box: "wboxes.Box", page_maker: list[Any], last: int, ended: bool) -> bool:
        """Whether a block is laid out whole on the pages made so far (the last one ends before it)."""
        if ended:
            return True
        path = []
        while id(box) in self.parent:
            parent = self.parent[id(box)]
            path.append(next(i for i, c in enumerate(parent.children) if c is box))
            box = parent
        node = page_maker[last + 1][0]
        for at in reversed(path):
            if not isinstance(node, dict) or at not in node:
                return True
            node = node[at]
        return False

    def _advice(self, k: int, pages: list[Any], page_maker: list[Any], ended: bool) -> Advice:
        """What the photo opening page k + 1 should do about the hole at the bottom of page k: shrink
        to fit it; else let the text after it fill it; else, when that text is too short, move up
        before the text it follows, to where it fits (at 85 % or more), so that this text fills the
        page instead. AGAIN: the page to make again from (the box tree changed); NOTHING: nothing to
        do; WAIT: the text after it is not laid out far enough to tell; STUCK: the photo can do
        nothing about it."""
        hole = self._hole(k, pages)
        if hole is None:
            return NOTHING
        if hole.hole >= hole.need:
            return self._shrink_more(hole)
        return self._shrink(hole) or self._give_way_to_text(hole, pages, page_maker, ended)

    def _hole(self, k: int, pages: list[Any]) -> _Hole | None:
        """The hole at the bottom of page k and the photo that opens page k + 1, when there is a hole
        worth acting on and the photo (inside an article: it never leaves it) has not moved up."""
        top, bottom = body_area(pages[k + 1])
        gap = TRIGGER * (bottom - top)
        hole = self.fills[k]
        if hole <= gap:
            return None
        seen = {e for blocks in self.page_blocks[:k + 1] for e, _ in blocks}
        box = opening_anchor(pages[k + 1], seen)
        if box is None or box.element not in self.bodies:
            return None  # only inside an article: a photo never leaves it
        own = self.moves.get(box.element.get("data-block"), {})
        if own.get("advance"):
            return None  # moved up already: where it stands it fits
        # The photo and the headings kept with it, and the margin above it that the page top took away.
        need = box.border_box_y() + box.border_height() - top + _margin_above(box)
        room = hole - (box.border_box_y() - top)  # banner, title and date line move up with the text
        return _Hole(k, box, own, hole, need, room, gap)

    def _shrink_more(self, h: _Hole) -> Advice:
        """The hole is as tall as the photo needs: something else left it, unless the photo, shrunk,
        missed it by its own margin below (WeasyPrint wants it on the page): then a little more."""
        below = _margin_below(h.box)
        if h.own.get("scale") and not h.own.get("defer") and h.hole < h.need + below:
            more = _scale(h.need + below - h.hole, _scalable(h.box))
            scale = math.floor(h.own["scale"] * (more or 0) * 100) / 100
            if scale >= MIN_SCALE - 0.015:  # the limit was the first decision's; its miss is a point at most
                return Advice.remake(self._fix(h.k, h.block, {"scale": scale}, h.k))
        return NOTHING

    def _shrink(self, h: _Hole) -> Advice | None:
        """The first way, once: the photo shrinks to fit the hole (to MIN_SCALE at most)."""
        if h.own.get("defer") or "scale" in h.own or "scale" in self.banned.get(h.block, set()):
            return None
        scale = _scale(h.need - h.hole, _scalable(h.box))
        return Advice.remake(self._fix(h.k, h.block, {"scale": scale}, h.k)) if scale else None

    def _give_way_to_text(self, h: _Hole, pages: list[Any], page_maker: list[Any], ended: bool) -> Advice:
        """The photo goes after as much of the text after it as fills the page; else it moves up
        before the text it follows; else after all it may pass (a smaller hole at least); else the
        photo before it makes way."""
        banned = self.banned.get(h.block, set())
        laid = self._laid(pages)
        done = h.own.get("defer", 0)
        movable = self._siblings(h.box.element, after=True)[: MAX_MOVE - done]
        heights = self._heights(movable, laid, page_maker, len(pages) - 1, ended, h.room)
        if heights is None:
            return WAIT
        if heights and heights[-1] >= h.room - h.gap and "defer" not in banned:  # the text after it can fill the page
            return Advice.remake(self._fix(h.k, h.block, {"defer": done + _enough(heights, h.room, h.gap)}, h.k))
        up = self._move_up(h.k, h.box, laid, pages, done) if "advance" not in banned else None
        if up is not None:
            return Advice.remake(up)
        if movable and "defer" not in banned:  # a smaller hole at least
            return Advice.remake(self._fix(h.k, h.block, {"defer": done + len(movable)}, h.k))
        return self._make_way(h.k, h.box.element, laid)

    def _heights(self, movable: list["wboxes.Box"], laid: Laid, page_maker: list[Any], last: int, ended: bool,
                 room: float) -> list[float] | None:
        """The heights the blocks after the photo laid out whole add up to, one after another; None
        when one is not laid out whole yet and those before it do not fill `room` (wait)."""
        heights: list[float] = []
        for b in movable:
            if not self._complete(b, page_maker, last, ended):
                if not heights or heights[-1] <= room:
                    return None
                break
            heights.append((heights[-1] if heights else 0.0) + laid.height(b.element))
        return heights

    def _laid(self, pages: list[Any]) -> Laid:
        laid = Laid(pages, {})
        for number, blocks in enumerate(self.page_blocks):
            for e, b in blocks:
                laid.fragments.setdefault(e, []).append((number, b))
        return laid

    def _move_up(self, k: int, box: "wboxes.Box", laid: Laid, pages: list[Any], done: int) -> int | None:
        """Up: the photo `box` goes before the nearest block it fits above (at MIN_SCALE or more; the
        blocks it moved past first put back), so that the text it passes fills the page (column)
        after it; None when it fits above none of the MAX_MOVE blocks before it."""
        element, image = box.element, _scalable(box)
        block = element.get("data-block")
        for n, previous in enumerate(self._siblings(element, after=False)[done:][:MAX_MOVE], 1):
            if previous.element not in laid.fragments or _is_head_element(previous.element):
                break
            number, first = laid.fragments[previous.element][0]
            # Where it goes it keeps the margin the page top took from it (collapsed with the one
            # above as the block it passes was), and the one WeasyPrint wants below it on the page.
            height = _top_in(previous, first, box, self.parent) + box.border_height() + _margin_below(box)
            room_up = body_area(pages[number])[1] - first.position_y
            if room_up >= height:
                return self._fix(k, block, {"advance": n, "defer": 0}, number)
            scale = _scale(height - room_up, image)
            if scale:  # it fits there a little smaller
                return self._fix(k, block, {"advance": n, "defer": 0, "scale": scale}, number)
        return None

    def _make_way(self, k: int, element: Any, laid: Laid) -> Advice:
        """A photo that could move up but for the photo before it: that one moves up a block first
        (once), so that the next time the text between them is more to pass; STUCK when it cannot."""
        current = self._current(self.bodies[element])
        at = next(i for i, b in enumerate(current) if b.element is element)
        j = at - 1 - len(self._siblings(element, after=False))
        if j < 1 or ANCHOR_CLASS not in _classes(current[j].element):
            return STUCK
        other, previous = current[j].element.get("data-block"), current[j - 1].element
        if (self.moves.get(other, {}).get("advance") or "advance" in self.banned.get(other, set())
                or ANCHOR_CLASS in _classes(previous) or _is_head_element(previous) or previous not in laid.fragments):
            return STUCK
        return Advice.remake(self._fix(k, other, {"advance": 1, "defer": 0}, laid.fragments[previous][0][0]))

    def _arrange(self, block: str) -> None:
        """A photo's settings in the box tree: its article's body set in the order they ask, the
        photo's anchor replaced by a copy at its scale (the width, and base.css's caps through
        --photo-scale: its shape kept), or back to its own."""
        from ..engine import pages as pagemaker

        element = next(e for e in self.bodies if e.get("data-block") == block)
        body = self.bodies[element]
        scale = self.moves.get(block, {}).get("scale")
        anchor = self.anchors[element]
        if scale:
            key = (block, scale)
            if key not in self.shrunk:
                self.shrunk[key] = pagemaker.restyled(anchor, f"width: {scale * 100:.0f}%; margin-left: auto;"
                                                      f" margin-right: auto; --photo-scale: {scale:.2f}")
                self.parent[id(self.shrunk[key])] = body.box
            anchor = self.shrunk[key]
        body.blocks[next(i for i, b in enumerate(body.blocks) if b.element is element)] = anchor

        def move(box: Any) -> int:
            asked = self.moves.get(box.element.get("data-block") or "", {}) if ANCHOR_CLASS in _classes(box.element) else {}
            return -(asked.get("advance") or 0) or asked.get("defer") or 0

        body.box.children = body.heads + [b for b, _ in arranged(body.blocks, move)]


def _enough(heights: list[float], room: float, gap: float) -> int:
    """How many of the blocks after a photo go before it: the most that fill `room` to within `gap`
    without spilling, else the fewest that spill."""
    clean = [n for n, h in enumerate(heights, 1) if room - gap <= h <= room]
    return clean[-1] if clean else next(n for n, h in enumerate(heights, 1) if h > room)


def _scale(excess: float, image: float) -> float | None:
    """The scale at which a photo `image` high sheds `excess` of its height, a point to spare; None
    below MIN_SCALE (or for a placeholder, which keeps its size)."""
    if not image or excess <= 0:
        return None  # a placeholder keeps its size; one that fits as it is has no reason to grow
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


def _margin_below(box: "wboxes.Box") -> float:
    """The bottom margin of a box's last descendants (the figure's in a photo's frame): WeasyPrint
    wants it within the page for the box to fit there."""
    from weasyprint.formatting_structure import boxes

    margin = 0.0
    while box is not None:
        margin = max(margin, box.margin_bottom or 0.0)
        box = box.children[-1] if isinstance(box, boxes.BlockContainerBox) and box.children else None
    return margin


def _top_in(previous: "wboxes.Box", first: "wboxes.Box", box: "wboxes.Box", parent: dict[int, Any]) -> float:
    """How far below the top of `previous`'s margin (its first fragment `first`) a photo's `box`
    set in its place starts: the collapsed margin above it is the photo's with the block before
    `previous`, not `previous`'s own."""
    siblings = parent[id(previous)].children if id(previous) in parent else [previous]
    at = next((i for i, c in enumerate(siblings) if c is previous), 0)
    over = _style_margin_below(siblings[at - 1]) if at else 0.0
    own = first.margin_top or 0.0
    return own - max(over, own) + max(over, _margin_above(box))


def _style_margin_below(box: "wboxes.Box") -> float:
    """The bottom margin a box (not laid out) and its last descendants ask for."""
    from weasyprint.formatting_structure import boxes

    margin = 0.0
    while box is not None:
        value = box.style["margin_bottom"]
        if getattr(value, "unit", None) == "px":
            margin = max(margin, value.value)
        box = box.children[-1] if isinstance(box, boxes.BlockContainerBox) and box.children else None
    return margin


def _trailing_margin(fixer: "Fixer", element: Any) -> float:
    """The bottom margin of the blocks a photo ends (its article, when it is the article's last
    block): collapsed with the photo's own, WeasyPrint wants it within the column too."""
    body = fixer.bodies.get(element)
    box = next((b for b in body.box.children if b.element is element), None) if body else None
    margin = 0.0
    while box is not None and id(box) in fixer.parent:
        parent = fixer.parent[id(box)]
        if not parent.children or parent.children[-1] is not box or parent.element_tag in ("html", "body"):
            break
        value = parent.style["margin_bottom"]
        margin = max(margin, value.value if getattr(value, "unit", None) == "px" else 0.0)
        if parent.style["padding_bottom"].value or parent.style["border_bottom_width"]:
            break  # a padding or border below ends the collapse
        box = parent
    return margin


def _is_head_element(element: Any) -> bool:
    return element.tag in HEADINGS or "article-meta" in _classes(element)


# ---- blocks kept whole that leave a hole: they break between their parts ------------------------

def _kept_blocks(root_box: "wboxes.Box", anchors: dict[Any, Any]) -> dict[Any, "wboxes.Box"]:
    """Blocks kept whole (break-inside: avoid: a card, a notice, a links box, key figures), by element;
    a photo and what holds it are the photo pass's, a table's rows the table's own."""
    from weasyprint.formatting_structure import boxes

    kept: dict[Any, wboxes.Box] = {}
    stack = [root_box]
    while stack:
        box = stack.pop()
        if isinstance(box, boxes.LineBox) or not isinstance(box, boxes.ParentBox) or box.element in anchors:
            continue
        if isinstance(box, (boxes.TableBox, boxes.InlineLevelBox)) or "photo-row" in _classes(box.element):
            continue
        if (isinstance(box, boxes.BlockBox) and box.style["break_inside"] in ("avoid", "avoid-page", "avoid-column")
                and box.element is not None and box.element.tag != "figure" and not is_heading(box)):
            kept.setdefault(box.element, box)  # one holding a float gives way below it (kept_float.py)
            continue  # the outer one gives way; what it holds keeps its own rules
        stack.extend(box.children)
    return kept


def _opening_kept(area: "wboxes.Box", kept: dict[Any, Any], seen: set) -> Any:
    """The element of the kept block an area (a page, a column) opens with, headings kept with it
    allowed before it; None when it opens with text or anything else."""
    from weasyprint.formatting_structure import boxes

    stack: list[tuple[Any, bool]] = [(area, False)]
    while stack:
        box, head = stack.pop()
        if isinstance(box, boxes.MarginBox):
            continue
        if box.element in kept and box is not area and box.element not in seen:
            return box.element
        head = head or (_is_block(box) and _is_head(box))
        if isinstance(box, (boxes.LineBox, boxes.ReplacedBox)):
            if box.children != [] and not head:
                return None
            continue
        if isinstance(box, boxes.ParentBox):
            stack.extend((child, head) for child in reversed(box.children))
    return None


def _areas(page: "wboxes.PageBox") -> list["wboxes.Box"]:
    """A page's column boxes in reading order (the page itself when it has none)."""
    from .page_fill import _marks

    found: list[Any] = []
    _marks(page, body_area(page)[1], found)
    return sorted(found, key=lambda c: (round(c.position_y, 1), c.position_x)) or [page]


def _give_way_of(fixer: "Fixer", index: int, pages: list[Any], ended: bool) -> int | None:
    """A column (or page) that ends more than MAX_EMPTY empty before a kept block that opens the
    next one: that block may break (break-inside: auto, in the box tree) and the pages from the
    hole's are made again. Each block gives way once."""
    page = pages[index]
    columns = page_columns(page, index + 1, False)
    del fixer.page_cols[index:]
    fixer.page_cols.append(columns)
    pairs: list[tuple[int, Any, Any, set]] = []
    earlier = lambda: {e for blocks in fixer.page_blocks[:index] for e, _ in blocks}  # noqa: E731
    if index and len(fixer.page_cols) > index and fixer.page_cols[index - 1][-1].empty > MAX_EMPTY:
        seen = earlier()
        if not starts_own_page(page, seen, cards=False):
            pairs.append((index - 1, fixer.page_cols[index - 1][-1], page, seen))
    if len(columns) > 1 and any(c.empty > MAX_EMPTY for c in columns[:-1]):  # only then the areas
        areas = _areas(page)
        seen = earlier()
        for i, area in enumerate(areas[:-1]):
            seen |= {b.element for b in in_flow(area) if b.element is not None}
            if i < len(columns):
                pairs.append((index, columns[i], areas[i + 1], set(seen)))
    for k, column, following, seen in pairs:
        if column.empty <= MAX_EMPTY:
            continue
        if column.right - column.left < pages[k].width - 1:  # a photo opening the next column
            again = _photo_in_column(fixer, k, column, following, seen, pages)
            if again is not None:
                return again
        element = _opening_kept(following, fixer.kept, seen)
        if element is None or element in fixer.relaxed:
            continue
        from ..engine import pages as pagemaker

        box = fixer.kept[element]
        parent = fixer.parent.get(id(box))
        if parent is None:
            continue
        if kept_float.holds_float(box):  # its float and what stands beside it stay together
            top_k, bottom_k = body_area(pages[k])
            loose = kept_float.giving_way(box, following, column.empty * (bottom_k - top_k), _margin_above)
            if loose is None:
                continue
        else:
            loose = pagemaker.restyled(box, "break-inside: auto")
        parent.children = [loose if c is box else c for c in parent.children]
        for body in fixer.order:
            body.blocks = [loose if b is box else b for b in body.blocks]
            if body.box is parent:
                body.heads = [loose if b is box else b for b in body.heads]
        fixer.parent[id(loose)] = parent
        fixer.kept[element] = loose
        fixer.relaxed.append(element)
        return k
    return None


def _photo_in_column(fixer: "Fixer", k: int, column: Any, following: "wboxes.Box", seen: set, pages: list[Any]) -> int | None:
    """A column that ends with a hole before a photo opening the next column (the page-level pass
    sees no hole there): the photo shrinks to fit it (85 % at least), else the text after it moves
    up past it, a block at a time (MAX_MOVE at most), else (no text after it) it moves up before the
    text it follows, where it fits; each way tried once."""
    box = opening_anchor(following, seen)
    if box is None or box.element not in fixer.bodies:
        return None
    block = box.element.get("data-block")
    own = fixer.moves.get(block, {})
    top = following.position_y if following.element is not None and getattr(following, "is_column", False) else body_area(following)[0]
    below = _margin_below(box)
    if following.element_tag is not None or getattr(following, "is_column", False):
        # A column on the same page: the margin below the article the photo ends must fit in it too.
        below = max(below, _trailing_margin(fixer, box.element))
    need = box.border_box_y() + box.border_height() - top + _margin_above(box) + below
    top_k, bottom_k = body_area(pages[k])
    room = column.empty * (bottom_k - top_k)
    tries = fixer.column_tries
    if "scale" not in own and (block, "scale") not in tries:
        tries.add((block, "scale"))
        scale = _scale(need - room, _scalable(box))
        if scale:
            return fixer._fix(k, block, {"scale": scale}, k)
    done = own.get("defer", 0)
    if done < MAX_MOVE and (block, "defer", done) not in tries and fixer._siblings(box.element, after=True):
        tries.add((block, "defer", done))
        return fixer._fix(k, block, {"defer": done + 1}, k)
    if not own.get("advance") and (block, "advance") not in tries:  # no text after it: up before the text it follows
        tries.add((block, "advance"))
        return fixer._move_up(k, box, fixer._laid(pages), pages, done)
    return None


# ---- a page of its own that spills a little: its text set a little tighter ------------------------

LEADING = ("1.65", "1.5")  # the line heights a spilling section tries, in turn (the house sets 1.8)
SPILL = 0.4  # a last page holding less than this share of a body is a spill worth taking back


def _tighten_spill(fixer: "Fixer", index: int, pages: list[Any]) -> int | None:
    """The document's last page holds only the end of a section that began on the page before it
    with a forced break (the back page) and fills less than SPILL of it: the section's text is set
    with a tighter line height, a step at a time, and the two pages made again."""
    from weasyprint.formatting_structure import boxes

    from ..engine import pages as pagemaker

    if index == 0:
        return None
    page = pages[index]
    top, bottom = body_area(page)
    low = lowest(page)
    if low is not None and (low - top) / (bottom - top) > SPILL:  # None: only a rule or an empty block
        return None
    box: Any = pages[index - 1]
    element = None
    while isinstance(box, boxes.ParentBox) and box.children and not isinstance(box, boxes.LineBox):
        box = box.children[0]
        if box.element is not None and box.style["break_before"] in FORCED_BREAKS and box.element_tag not in ("html", "body"):
            element = box.element
            break
    if element is None:
        return None
    inside = set(element.iter())
    if (any(e not in inside for e, b in fixer.page_blocks[index] if b.element_tag not in ("html", "body"))
            or not inside.isdisjoint(fixer.anchors)):
        return None
    step = fixer.tightened.get(element, 0)
    original = fixer.sections.get(element)
    if step > len(LEADING) or original is None or id(original) not in fixer.parent:
        return None
    parent = fixer.parent[id(original)]
    # The last step did not take the spill back either: the section as the layout sets it.
    tight = pagemaker.restyled(original, f"line-height: {LEADING[step]}") if step < len(LEADING) else original
    current = fixer.section_now.get(element, original)
    parent.children = [tight if c is current else c for c in parent.children]
    fixer.section_now[element] = tight
    fixer.tightened[element] = step + 1
    return index - 1


FORCED_BREAKS = ("page", "left", "right", "recto", "verso")
