"""Tables that read: column widths from content, amounts on the decimal point, group labels continued."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from . import passes as relayout
from ..cjk import chars
from ..cjk.filters import Typography
from ..content import addresses
from ..content.blocks import Table
from ..engine.boxes import page_box
from ..typeset import DEFAULT, plain_text

if TYPE_CHECKING:
    import weasyprint

# A cell this wide (in em of the table's type) or narrower is a name, a date, an amount: it is
# never broken while another column has room. A longer one is running text and may wrap.
SHORT_EM = 12.0
# What the first layout assumes until the laid-out table says otherwise (the `measure` hint):
# the cega-bulletin's 174 mm column in 9 pt type, and 2 mm of padding either side of a cell.
MEASURE_EM = 54.8
PADDING_EM = 1.3
AIR_EM = 0.5  # per column: an estimate a few per cent short must not wrap a short cell
FLOOR_EM = 4.0  # no column narrower, unless everything is short of room (an address column too)

# A number as a table prints it: sign, currency, digits with thousands commas, a fraction, a unit.
NUMBER = re.compile(r"(?P<lead>[+\-−±]?[¥￥$€£]?)(?P<int>\d[\d,]*)(?P<frac>\.\d+)?(?P<unit>[%‰]?)")
PLACEHOLDER = re.compile(r"[—–\-－/]*")  # an empty or dashed cell in a column of numbers
LATIN_WORD = chars.NON_CJK_WORD  # Han of every extension (names use B–H) breaks anywhere, as CJK marks do


@dataclass(frozen=True)
class Column:
    width: float  # percent of the table's width
    numeric: bool = False  # every cell a number: right-aligned, on the decimal point
    tail: float = 0  # width in ch (a digit's) of its widest point, fraction and unit; 0: no box


@dataclass(frozen=True)
class Row:
    index: int  # the row's place in the table's body (data-row), across groups
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Segment:
    """The rows of a group that stand on one page: one label cell spans them."""

    group: int  # its group's place in the table
    label: str
    continued: bool  # the group began on an earlier page: its label reads 华中（续）
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Plan:
    columns: tuple[Column, ...]
    segments: tuple[Segment, ...] = ()  # a grouped table's groups, cut where pages begin
    span: bool = False  # too wide for the layout's column: set across the columns (column-span: all)

    def cell(self, column: int, text: str) -> Markup | None:
        """A cell of a number column as HTML; None for any other cell.

        What follows the integer part (point, fraction, unit) stands left-aligned in a box as wide
        as the column's widest, as at a decimal tab: every point of the column falls on one x
        however wide the face draws it, and an integer ends where the others' points stand.
        """
        col = self.columns[column]
        m = NUMBER.fullmatch(text.strip()) if col.numeric else None
        if not m:  # a dash or nothing in a column of numbers stands flush right with them
            return Markup(escape(text)) if col.numeric and PLACEHOLDER.fullmatch(text.strip()) else None
        whole, tail = escape(m["lead"] + m["int"]), escape((m["frac"] or "") + m["unit"])
        if not col.tail:
            return Markup(f"{whole}{tail}")
        return Markup(f'{whole}<span class="num-tail" style="width: {col.tail}ch">{tail}</span>')


def advance(ch: str) -> float:
    """A character's advance in em, close to Noto Sans CJK's (the house table face): Han and
    full-width forms are 1 em, its Latin digits 0.555; letters by rough classes."""
    if ch in "\u200b\u2060\u00ad" or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0.0
    if unicodedata.east_asian_width(ch) in "WFA":  # A: quotes, dashes, ·: set full width here
        return 1.0
    if ch.isspace():
        return 0.25
    if ch.isdigit():
        return 0.56
    if ch in "ijlI.,:;'!|":
        return 0.28
    if ch in "ftr()[]{}/-":
        return 0.38
    if ch in "mwMW@%&":
        return 0.9
    return 0.66 if ch.isupper() else 0.54


def width(text: str) -> float:
    return sum(advance(c) for c in text)


def unbreakable(text: str) -> float:
    """The widest piece of a cell no line may break: a Latin word (an address breaks anywhere)."""
    for a in addresses.find(text):
        text = text[: a.start] + " " * (a.end - a.start) + text[a.end :]
    return max((width(w) for w in LATIN_WORD.findall(text)), default=0.0)


def numeric(cells: Sequence[str]) -> tuple[bool, float]:
    """Whether a column holds numbers (placeholders aside), and the width in ch of its widest
    tail after the integer part: a digit is 1 ch (tabular figures), a point less than 0.55 ch,
    % or ‰ less than 1.8. No tail box (0) when no number has a fraction and all share one unit."""
    numbers = [m for c in cells if not PLACEHOLDER.fullmatch(c.strip()) for m in [NUMBER.fullmatch(c.strip())]]
    if not numbers or not all(numbers):
        return False, 0.0
    if not any(m["frac"] for m in numbers) and len({m["unit"] for m in numbers}) == 1:
        return True, 0.0
    return True, max((len(m["frac"]) - 0.45 if m["frac"] else 0) + (1.8 if m["unit"] else 0) for m in numbers)


def widths(natural: Sequence[float], least: Sequence[float], measure: float, padding: float) -> list[float]:
    """Column widths (em, padding included) that share `measure`.

    A column that needs no more than an equal share of the room left is given all it needs (a
    13-character name beside a column of long titles stays on one line); the other columns get
    the same fraction λ of their natural (one-line) width, never less than their least (short
    cells and words unbroken) nor more than they need, so that their cells wrap to about as many
    lines. When everything fits on one line, the slack is shared in proportion.
    """
    room = measure - padding * len(natural)
    if sum(natural) <= room:
        scale = room / sum(natural) if sum(natural) else 1.0
        return [n * scale + padding for n in natural]
    if sum(least) >= room:  # too many short columns: they wrap, in proportion
        scale = room / sum(least) if sum(least) else 1.0
        return [m * scale + padding for m in least]
    whole: set[int] = set()
    while True:
        rest = [i for i in range(len(natural)) if i not in whole]
        share = (room - sum(natural[i] for i in whole)) / len(rest)
        fits = {i for i in rest if natural[i] <= share}
        if not fits:
            break
        whole |= fits
    if sum(natural[i] for i in whole) + sum(least[i] for i in rest) > room:
        whole = set()  # the others' least would not fit: every column takes its part of λ

    def used(lam: float) -> list[float]:
        return [n if i in whole else min(n, max(m, lam * n)) for i, (n, m) in enumerate(zip(natural, least))]

    low, high = 0.0, 1.0
    for _ in range(40):
        mid = (low + high) / 2
        low, high = (mid, high) if sum(used(mid)) < room else (low, mid)
    return [w + padding for w in used(low)]


def plan(block: Table, measure: Sequence[float] | None = None, continued_at: Sequence[int] = (),
         columns_em: float | None = None, settings: Typography = DEFAULT) -> Plan:
    """How a table is set: each column's width, whether it holds numbers, its groups' segments.

    The hints of the previous layout: `measure`, [table width, cell padding] in em as laid out
    (the first layout assumes the bulletin's); `continued_at`, the rows that begin a page inside
    their group; `columns_em`, the width of the multi-column box it stood in, when it stood in a
    column: a table whose short cells cannot all stand whole in the column is set across the
    columns at that width instead (Plan.span).
    """
    total, padding = measure or (MEASURE_EM, PADDING_EM)
    span = False
    body = list(block.rows) or [r for g in block.groups for r in g.rows]
    columns: list[list[str]] = [[h] for h in block.header]
    offset = 1 if block.groups else 0
    if block.groups:
        columns[0] += [g.label for g in block.groups]
    for row in body:
        for i, cell in enumerate(row):
            columns[i + offset].append(cell)
    natural, least, kinds = [], [], []
    for i, cells in enumerate(columns):
        shown = [plain_text(c, settings) for c in cells]
        is_number, tail = numeric(cells[1:]) if i >= offset else (False, 0.0)
        spans = [width(s) for s in shown]
        if is_number and tail:  # as set: each integer part, then the column's tail box
            numbers = [NUMBER.fullmatch(c.strip()) for c in cells[1:]]
            spans = spans[:1] + [width(m["lead"] + m["int"]) + tail * advance("0") if m else w
                                 for m, w in zip(numbers, spans[1:])]
        if i == 0 and block.groups:  # a continued label's （续） may take a line of its own
            spans.append(width("（续）"))
        natural.append(max(spans) + AIR_EM)
        short = [w for w in spans if w <= SHORT_EM]
        least.append(max([*short, *(min(unbreakable(s), SHORT_EM) for s in shown), min(max(spans), FLOOR_EM)]) + AIR_EM)
        kinds.append((is_number, round(tail, 2)))
    if block.groups:  # 华中（续） on one line too, if every column can have all it needs
        continued = max(width(plain_text(g.label, settings)) for g in block.groups) + width("（续）") + AIR_EM
        if sum(natural) - natural[0] + continued <= total - padding * len(natural):
            natural[0] = max(natural[0], continued)
    if columns_em and columns_em > total + 1 and sum(least) > total - padding * len(natural):
        total, span = columns_em, True  # its short cells would break in the column: across the columns
    got = widths(natural, least, total, padding)
    share = [100 * w / sum(got) for w in got]
    return Plan(tuple(Column(round(s, 2), *k) for s, k in zip(share, kinds)), tuple(segments(block, continued_at)), span)


def segments(block: Table, continued_at: Sequence[int] = ()) -> Iterator[Segment]:
    """The table's groups, each cut where a page begins inside it (hint "continued_at")."""
    cuts, index = set(continued_at), 0
    for number, group in enumerate(block.groups):
        rows: list[Row] = []
        continued = False
        for cells in group.rows:
            if rows and index in cuts:
                yield Segment(number, group.label, continued, tuple(rows))
                rows, continued = [], True
            rows.append(Row(index, tuple(cells)))
            index += 1
        yield Segment(number, group.label, continued, tuple(rows))


def _walk_columns(box: Any, multicol: float | None = None) -> Iterator[tuple[Any, float | None]]:
    """Every box, with the width of the multi-column box it stands in (None outside columns)."""
    yield box, multicol
    for child in getattr(box, "children", ()):
        yield from _walk_columns(child, box.width if getattr(child, "is_column", False) else multicol)


def _walk(box: Any) -> Iterator[Any]:
    yield box
    for child in getattr(box, "children", ()):
        yield from _walk(child)


def asks(box: Any, multicol: float | None, hint: Mapping[str, Any], first: bool = True) -> dict[str, Any]:
    """What a laid-out table fragment asks of the next layout, beyond `hint` (what it was set
    with): the width of the multi-column box it stands in (`multicol`, px), and, for its first
    fragment, its real measure and cell padding in em. {} when it was set right."""
    from weasyprint.formatting_structure import boxes

    out: dict[str, Any] = {}
    size = box.style["font_size"]
    if multicol:
        width = round(multicol / size, 1)
        if abs(width - (hint.get("columns") or 0)) > 0.5:
            out["columns"] = width
    if not first or "table-span" in (box.element.get("class") or "").split():
        return out  # set across the columns: its measure is the columns' (above)
    cell = next((b for b in _walk(box) if isinstance(b, boxes.TableCellBox)), None)
    pad = PADDING_EM if cell is None else (
        cell.padding_left + cell.padding_right + cell.border_left_width + cell.border_right_width) / size
    w, pad = round(box.width / size, 1), round(pad, 2)
    was = hint.get("measure") or (MEASURE_EM, PADDING_EM)
    if abs(w - was[0]) > 0.5 or abs(pad - was[1]) > 0.2:
        out["measure"] = [w, pad]
    return out


def set_with(element: Any) -> dict[str, Any]:
    """The hints a table's HTML was set with (table.html writes them), as `asks` compares them."""
    measure, columns = element.get("data-measure"), element.get("data-columns")
    return {"measure": [float(v) for v in measure.split()] if measure else None,
            "columns": float(columns) if columns else None}


@relayout.adjuster
def continue_groups(document: weasyprint.Document, hints: relayout.Hints) -> dict[str, dict[str, Any]]:
    """Rows of one group on two pages → the first row on the later page gets a label of its own;
    and the table's real width and padding, when the first layout assumed others."""
    from weasyprint.formatting_structure import boxes

    pages: dict[str, dict[int, tuple[int, str]]] = {}  # block → row → (page, group)
    added: dict[str, dict[str, Any]] = {}
    seen: set[str] = set()
    for number, page in enumerate(document.pages, 1):
        for box, multicol in _walk_columns(page_box(page)):
            element = getattr(box, "element", None)
            if element is None:
                continue
            if isinstance(box, boxes.TableBox) and (key := element.get("data-block")):
                wanted = asks(box, multicol, hints.get(key, {}), key not in seen)
                seen.add(key)
                if wanted:
                    added.setdefault(key, {}).update(wanted)
            elif isinstance(box, boxes.TableRowBox) and element.get("data-row") is not None:
                key = element.get("data-table")
                row = int(element.get("data-row"))
                pages.setdefault(key, {}).setdefault(row, (number, element.get("data-group")))
    for key, rows in pages.items():
        if key in added:  # set at the wrong measure: where its pages begin will change
            continue
        before = list(hints.get(key, {}).get("continued_at", ()))
        starts = [r for r in sorted(rows) if r - 1 in rows and rows[r - 1][1] == rows[r][1]
                  and rows[r - 1][0] != rows[r][0]]
        if set(starts) - set(before):  # hints only grow: a cut once made stays
            added.setdefault(key, {})["continued_at"] = sorted(set(before) | set(starts))
    return added
