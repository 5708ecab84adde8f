"""Inter-character justification for Han text, hooked into WeasyPrint 70's line justification.

WeasyPrint justifies only at U+0020 and U+00A0 (layout/inline.py: count_expandable_spaces), so a
justified Chinese paragraph keeps a ragged right edge. This module makes every gap next to a CJK
character an expansion opportunity too, and draws the extra space as Pango letter-spacing on
those characters (text/line_break.py: Layout.set_text). No character is inserted: the text
copied out of the PDF is unchanged.

It replaces two private functions, so it is written for, and checked against, one WeasyPrint
version range; `install()` refuses any other (tests/cjk/test_justify.py fails loudly).
"""

from __future__ import annotations

import re
from functools import lru_cache

from weasyprint.formatting_structure import boxes
from weasyprint.layout import inline as wp_inline
from weasyprint.text import line_break as wp_line_break
from weasyprint.text.ffi import pango

from ..wp_version import require

SUPPORTED = ("70.",)  # WeasyPrint versions whose internals this module was written against

# Characters that take inter-character space: Han, kana, CJK and full-width punctuation,
# Chinese quotation marks. Dashes and ellipses are left out so that —— and …… never split.
CJK = re.compile(
    "[\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3190-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\u2018\u2019\u201c\u201d"
    "\U00020000-\U0003134f]+"
)

_installed: dict[str, object] = {}


def expandable(text: str) -> float:
    """Expansion opportunities in one text box: its spaces, and its CJK characters.

    Pango adds half of a character's letter-spacing on each side of it but trims the half
    before a layout's first glyph and after its last, hence the halves taken off at the ends.
    """
    count = text.count(" ") + text.count("\u00a0")
    cjk = sum(len(m) for m in CJK.findall(text))
    if cjk:
        count += cjk - 0.5 * bool(CJK.match(text[:1])) - 0.5 * bool(CJK.match(text[-1:]))
    return count


def _count_expandable_spaces(box: boxes.Box) -> float:
    if isinstance(box, boxes.TextBox):
        return expandable(box.text)
    if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        return sum(_count_expandable_spaces(child) for child in box.children)
    return 0


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
    if not (justify and spacing and self.text):
        return
    ranges = _cjk_byte_ranges(self.text)
    if not ranges:
        return
    attr_list = pango.pango_layout_get_attributes(self.layout)
    if attr_list == wp_line_break.ffi.NULL:
        attr_list = wp_line_break.ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
    letter_spacing = self.style["letter_spacing"]
    base = 0 if letter_spacing == "normal" else letter_spacing
    units = int((base + spacing) * wp_line_break.TO_UNITS)
    for start, end in ranges:
        attr = pango.pango_attr_letter_spacing_new(units)
        attr.start_index, attr.end_index = start, end
        pango.pango_attr_list_change(attr_list, attr)
    pango.pango_layout_set_attributes(self.layout, attr_list)


def install() -> None:
    """Hook the justification into WeasyPrint (once per process)."""
    if _installed:
        return
    require("bulletin_press.cjk.justify", SUPPORTED, "layout/inline.py and text/line_break.py")
    _installed["count"] = wp_inline.count_expandable_spaces
    _installed["set_text"] = wp_line_break.Layout.set_text
    wp_inline.count_expandable_spaces = _count_expandable_spaces
    wp_line_break.Layout.set_text = _set_text


def uninstall() -> None:
    """Back to WeasyPrint's own behaviour (for side-by-side measurements)."""
    if _installed:
        wp_inline.count_expandable_spaces = _installed.pop("count")
        wp_line_break.Layout.set_text = _installed.pop("set_text")
