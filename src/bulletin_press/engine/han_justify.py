"""Inter-character justification for Han text, hooked into WeasyPrint 70's line justification.

WeasyPrint justifies only at U+0020 and U+00A0 (layout/inline.py: justify_line,
count_expandable_spaces), so a justified Chinese paragraph keeps a ragged right edge. This module
spreads a line's extra space over every opportunity in it, as Chinese typesetting does (clreq,
inter-character justification): the gaps next to CJK characters and the word spaces (the Han–Latin
spaces among them). Gaps inside Latin words are left alone: Pango's letter-spacing at the ends of
a run left lines up to 1 pt off flush, and letter-spaced English reads worse than wider word
spaces. A Han gap never takes more than 0.15 em: past
that the word spaces take the rest, and a line without a word space that still cannot be filled
stays short at its end rather than letter-spaced (a narrow table cell, a line before an unbreakable
word). The extra space is drawn as Pango letter-spacing on those characters
(text/line_break.py: Layout.set_text); no character is inserted, so the text copied out of the PDF
is unchanged.

Replaces `weasyprint.layout.inline.count_expandable_spaces`, `justify_line` and
`weasyprint.text.line_break.Layout.set_text`. If WeasyPrint's justification starts counting other
gaps, or set_text stops being where a line's Pango attributes are made, Han lines come out ragged
or spread twice: the output depends on it, so `install()` refuses another WeasyPrint
(tests/engine/test_han_justify.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from weasyprint.formatting_structure import boxes
from weasyprint.layout import inline as wp_inline
from weasyprint.text import line_break as wp_line_break
from weasyprint.text.ffi import pango

from .hooks import Hook
from ..cjk import chars

SUPPORTED = ("70.",)  # WeasyPrint versions whose internals this module was written against

# Characters that take inter-character space: Han (Extensions A–I), kana, CJK and full-width
# punctuation, Chinese quotation marks; not dashes and ellipses (cjk/chars.py).
CJK = chars.JUSTIFIED_RUN

HAN_MAX = 0.15  # issue 20's promise: no line whose Han characters stand more than this apart (em)



@dataclass(frozen=True)
class Gaps:
    """A text's expansion opportunities, by kind (halves where Pango trims a layout's ends)."""

    han: float = 0
    space: float = 0

    def __add__(self, other: Gaps) -> Gaps:
        return Gaps(self.han + other.han, self.space + other.space)


class Spacing(float):
    """The justification spacing of a line: its float value is the word spacing WeasyPrint adds to
    spaces itself; `han` is the letter-spacing this module adds to the CJK runs."""

    han: float

    def __new__(cls, space: float, han: float) -> Spacing:
        spacing = super().__new__(cls, space)
        spacing.han = han
        return spacing

    def width(self, gaps: Gaps) -> float:
        return gaps.space * self + gaps.han * self.han


@lru_cache(maxsize=8192)
def gaps(text: str) -> Gaps:
    """Expansion opportunities in one text box: its spaces and its CJK characters.

    Pango adds half of a character's letter-spacing on each side of it but trims the half
    before a layout's first glyph and after its last, hence the halves taken off at the ends.
    """
    cjk = sum(len(m) for m in CJK.findall(text))
    if cjk:
        cjk -= 0.5 * bool(CJK.match(text[:1])) + 0.5 * bool(CJK.match(text[-1:]))
    return Gaps(cjk, text.count(" ") + text.count("\u00a0"))


def expandable(text: str) -> float:
    """Expansion opportunities where a Han gap and a word space count alike."""
    g = gaps(text)
    return g.han + g.space


def share(extra: float, found: Gaps, em: float) -> Spacing | None:
    """How much a Han gap and a word space each take of a line's `extra` width (px); `em`: the
    size the Han limit is measured in. Both take alike until a Han gap reaches HAN_MAX; the word
    spaces then take the rest (justified English is flush however wide its spaces grow, as in
    WeasyPrint itself), and a line without one stays short at its end rather than spaced loose.
    None when the line has no opportunity at all."""
    if not (found.han or found.space):
        return None
    han = min(extra / (found.han + found.space), HAN_MAX * em) if found.han else 0.0
    space = (extra - han * found.han) / found.space if found.space else 0.0
    return Spacing(space, han)


def _box_gaps(box: boxes.TextBox) -> Gaps:
    return gaps(box.text)


def _count_expandable_spaces(box: boxes.Box) -> float:
    if isinstance(box, boxes.TextBox):
        return expandable(box.text)
    if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        return sum(_count_expandable_spaces(child) for child in box.children)
    return 0


def _gaps_and_em(box: boxes.Box) -> tuple[Gaps, float]:
    """The line's opportunities, and the smallest font size among its texts with Han gaps: the
    limit in em then holds for the smallest type on the line too."""
    if isinstance(box, boxes.TextBox):
        found = _box_gaps(box)
        return found, box.style["font_size"] if found.han else float("inf")
    total, em = Gaps(), float("inf")
    if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        for child in box.children:
            if child.is_in_normal_flow():
                found, size = _gaps_and_em(child)
                total, em = total + found, min(em, size)
    return total, em


def _justify_line(context, line: boxes.LineBox, extra_width: float) -> None:
    found, em = _gaps_and_em(line)
    spacing = share(extra_width, found, line.style["font_size"] if em == float("inf") else em)
    if spacing is not None:
        _spread(context, line, spacing, 0)


def _spread(context, box: boxes.Box, spacing: Spacing, x_advance: float) -> float:
    """Move each box by the space given before it, widen each text box by its own share."""
    if isinstance(box, boxes.TextBox):
        box.justification_spacing = spacing
        box.position_x += x_advance
        if extra := spacing.width(_box_gaps(box)):
            layout = wp_line_break.create_layout(box.text, box.style, context, None, spacing)
            layout.deactivate()
            box.pango_layout = layout
            box.width += extra
            x_advance += extra
    elif isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        box.position_x += x_advance
        before = x_advance
        children = box.children[::-1] if box.style["direction"] == "rtl" else box.children
        for child in children:
            if child.is_in_normal_flow():
                x_advance = _spread(context, child, spacing, x_advance)
        box.width += x_advance - before
    else:  # an atomic inline (an image, an inline block) moves with the text before it
        box.translate(x_advance, 0)
    return x_advance


@lru_cache(maxsize=4096)
def _cjk_byte_ranges(text: str) -> tuple[tuple[int, int], ...]:
    """UTF-8 byte ranges of the CJK runs: Pango attributes are indexed in bytes."""
    ranges = []
    for m in CJK.finditer(text):
        start = len(text[: m.start()].encode())
        ranges.append((start, start + len(m.group().encode())))
    return tuple(ranges)


def _set_text(self: wp_line_break.Layout, text: str, justify: bool = False) -> None:
    _installed["set_text"](self, text, justify)  # type: ignore[operator]
    spacing = self.justification_spacing
    # A line laid out again (its Pango layout made anew) keeps the spacing _spread gave it.
    extra = getattr(spacing, "han", spacing)
    if not (justify and extra and self.text):
        return
    ranges = _cjk_byte_ranges(self.text)
    if not ranges:
        return
    attr_list = pango.pango_layout_get_attributes(self.layout)
    if attr_list == wp_line_break.ffi.NULL:
        attr_list = wp_line_break.ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
    letter_spacing = self.style["letter_spacing"]
    base = 0 if letter_spacing == "normal" else letter_spacing
    units = int((base + extra) * wp_line_break.TO_UNITS)
    for start, end in ranges:
        attr = pango.pango_attr_letter_spacing_new(units)
        attr.start_index, attr.end_index = start, end
        pango.pango_attr_list_change(attr_list, attr)
    pango.pango_layout_set_attributes(self.layout, attr_list)


HOOK = Hook("bulletin_press.engine.han_justify", {"weasyprint": SUPPORTED},
            "layout/inline.py and text/line_break.py", saves_time=False)
HOOK.replace(wp_inline, "count_expandable_spaces", _count_expandable_spaces)
HOOK.replace(wp_inline, "justify_line", _justify_line)
HOOK.replace(wp_line_break.Layout, "set_text", _set_text)
_installed = HOOK.original
install, uninstall = HOOK.install, HOOK.uninstall  # uninstall: for side-by-side measurements
