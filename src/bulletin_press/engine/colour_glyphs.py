"""Colour emoji copy out of the PDF as typed: WeasyPrint 70's invisible glyphs get a shape.

WeasyPrint draws a colour glyph (Noto Color Emoji's PNG bitmaps, SVG or COLR glyphs) as an
image, over text shown in the same font whose glyphs it emptied (pdf/fonts.py: Font.clean) so
that only the image shows. A text object of one empty glyph has a zero-width box, and PDFium's
text page drops such objects (cpdf_textpage.cpp: ProcessTextObject), so an emoji standing alone
between two Han characters copied out as a space. Here every glyph a colour font shows gets a
box outline as wide as its advance, and that text is shown invisibly (3 Tr): the box gives the
text object its width, the image still is all a reader sees.

Replaces `weasyprint.pdf.fonts.Font.clean` and `weasyprint.pdf.stream.Stream` methods (`add_font`,
`show_text`, `set_text_rendering`, `push_state`, `pop_state`; reads `Stream._current_font`). If
WeasyPrint stops emptying colour glyphs, or draws text through other methods, emoji copy out as
spaces again or show twice: the output depends on it, so `install()` refuses another WeasyPrint.
"""

from __future__ import annotations

import io

from weasyprint.pdf import fonts as wp_fonts
from weasyprint.pdf import stream as wp_stream

from .hooks import Hook

SUPPORTED = ("70.",)
INVISIBLE = 3  # PDF text rendering mode: neither fill nor stroke

_colour_fonts: set[str] = set()  # font.hash of every colour font a stream has shown


def _is_colour(font: wp_fonts.Font) -> bool:
    return bool(font.png or font.svg or font.colr)


def boxed_glyphs(font_file: bytes, glyph_ids: set[int]) -> bytes:
    """The font with each of `glyph_ids` a rectangle from the descender to the ascender, as wide as its advance."""
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont

    tt = TTFont(io.BytesIO(font_file))
    order = tt.getGlyphOrder()
    low, high = tt["hhea"].descent, tt["hhea"].ascent
    for gid in sorted(glyph_ids):
        if gid >= len(order):
            continue
        name = order[gid]
        advance = tt["hmtx"][name][0]
        if advance <= 0:
            continue
        pen = TTGlyphPen(None)
        pen.moveTo((0, low))
        pen.lineTo((0, high))
        pen.lineTo((advance, high))
        pen.lineTo((advance, low))
        pen.closePath()
        tt["glyf"][name] = pen.glyph()
        tt["hmtx"][name] = (advance, 0)
    out = io.BytesIO()
    tt.save(out)
    return out.getvalue()


def _clean(self: wp_fonts.Font, to_unicode: bool, hinting: bool) -> None:
    _installed["clean"](self, to_unicode, hinting)  # type: ignore[operator]
    if _is_colour(self) and self.widths:
        self.file_content = boxed_glyphs(self.file_content, set(self.widths))


def _add_font(self: wp_stream.Stream, pango_font: object) -> tuple[wp_fonts.Font, float]:
    font, size = _installed["add_font"](self, pango_font)  # type: ignore[operator]
    if _is_colour(font):
        _colour_fonts.add(font.hash)
    return font, size


def _show_text(self: wp_stream.Stream, text: str) -> None:
    current = self._current_font
    if not (current and current[0] in _colour_fonts):
        _installed["show_text"](self, text)  # type: ignore[operator]
        return
    _installed["set_text_rendering"](self, INVISIBLE)  # type: ignore[operator]
    _installed["show_text"](self, text)  # type: ignore[operator]
    _installed["set_text_rendering"](self, _mode(self))  # type: ignore[operator]


# The mode to go back to after colour glyphs: what WeasyPrint last set (SVG text sets it) in
# this graphics state, 0 (fill) otherwise; a stack, because Q restores the mode q saved.
def _mode(stream: wp_stream.Stream) -> int:
    return stream.__dict__.setdefault("_bp_modes", [0])[-1]


def _set_text_rendering(self: wp_stream.Stream, mode: int) -> None:
    self.__dict__.setdefault("_bp_modes", [0])[-1] = mode
    _installed["set_text_rendering"](self, mode)  # type: ignore[operator]


def _push_state(self: wp_stream.Stream) -> None:
    modes = self.__dict__.setdefault("_bp_modes", [0])
    modes.append(modes[-1])
    _installed["push_state"](self)  # type: ignore[operator]


def _pop_state(self: wp_stream.Stream) -> None:
    modes = self.__dict__.setdefault("_bp_modes", [0])
    if len(modes) > 1:
        modes.pop()
    _installed["pop_state"](self)  # type: ignore[operator]


HOOK = Hook("bulletin_press.engine.colour_glyphs", {"weasyprint": SUPPORTED},
            "pdf/fonts.py (Font.clean) and draw/text.py", saves_time=False)
HOOK.replace(wp_fonts.Font, "clean", _clean)
for _name, _hook in {"add_font": _add_font, "show_text": _show_text, "set_text_rendering": _set_text_rendering,
                     "push_state": _push_state, "pop_state": _pop_state}.items():
    HOOK.replace(wp_stream.Stream, _name, _hook)
_installed = HOOK.original
install, uninstall = HOOK.install, HOOK.uninstall  # uninstall: for the test that shows the bug
