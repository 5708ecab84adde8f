"""One PDF font per font file of a `unicode-range` set (a WeasyPrint 70 hook).

WeasyPrint keys the fonts it embeds by their Pango description — family, weight, style — not by
file (`pdf/stream.py: Stream.add_font`, `pdf/fonts.py: Font.hash`). The files of a set split by
`unicode-range` share one description, so the glyphs of every file were drawn with the first
file's font program: wrong outlines, and a text layer that copies out wrong (issue 20: dozens of
"text missing" errors on a Chinese web font in 3 slices). Here a face of a family a layout declares
with `@font-face` is keyed by its file too, and named after its character map, so that the same
file gets the same PDF name in every render (the preview reuses subsets by that name).
Faces of other families (the house fonts of fonts/fonts.yaml) are left exactly as WeasyPrint keys them.

Replaces `weasyprint.pdf.stream.Stream.add_font` and `weasyprint.text.fonts.FontConfiguration.add_font_face`.
If `Stream._fonts`, `get_pango_font_key`, `Font.hash`/`Font.name` change, sliced web fonts draw with
one file's glyphs again: the output depends on it, so `install()` refuses another WeasyPrint.
"""

from __future__ import annotations

import hashlib
from typing import Any

from weasyprint.pdf import fonts as wp_fonts
from weasyprint.pdf import stream as wp_stream
from weasyprint.text import fonts as wp_text_fonts
from weasyprint.text.ffi import ffi, harfbuzz, pango

from .hooks import Hook

SUPPORTED = ("70.",)

_families: set[str] = set()  # casefolded families some @font-face rule declared in this process
_identity: dict[int, str] = {}  # hb_face address → digest of its cmap table (faces live as long as the font map)


def _face_identity(pango_font: Any) -> str:
    face = harfbuzz.hb_font_get_face(pango.pango_font_get_hb_font(pango_font))
    address = int(ffi.cast("uintptr_t", face))
    if address not in _identity:
        tag = harfbuzz.hb_tag_from_string(b"cmap", -1)
        blob = harfbuzz.hb_face_reference_table(face, tag)
        try:
            length = ffi.new("unsigned int *")
            data = harfbuzz.hb_blob_get_data(blob, length)
            cmap = b"" if data == ffi.NULL else ffi.unpack(data, int(length[0]))
        finally:
            harfbuzz.hb_blob_destroy(blob)
        count = harfbuzz.hb_face_get_glyph_count(face)
        _identity[address] = hashlib.md5(cmap + str(count).encode(), usedforsecurity=False).hexdigest()
    return _identity[address]


def _add_font(self: Any, pango_font: Any) -> Any:
    key, description, font_size = wp_text_fonts.get_pango_font_key(pango_font)
    family = ffi.string(pango.pango_font_description_get_family(description)).decode()
    if family.casefold() not in _families:
        return _installed["add_font"](self, pango_font)
    identity = _face_identity(pango_font)
    own_key = (key, identity)
    if own_key not in self._fonts:
        font = wp_fonts.Font(pango_font, description, font_size)
        digest = hashlib.md5(f"{font.hash}{identity}".encode(), usedforsecurity=False).digest()
        renamed = "".join(chr(65 + byte % 26) for byte in digest[:6])
        font.name = b"/" + renamed.encode() + font.name[len(font.hash) + 1:]
        font.hash = renamed
        self._fonts[own_key] = font
    return self._fonts[own_key], font_size


def _add_font_face(self: Any, rule_descriptors: dict, url_fetcher: Any) -> Any:
    if family := rule_descriptors.get("font_family"):
        _families.add(str(family).casefold())
    return _installed["add_font_face"](self, rule_descriptors, url_fetcher)


HOOK = Hook("bulletin_press.engine.split_faces", {"weasyprint": SUPPORTED},
            "pdf/stream.py (Stream.add_font keyed by get_pango_font_key), pdf/fonts.py (Font.hash, Font.name), "
            "text/fonts.py (FontConfiguration.add_font_face)", saves_time=False)
HOOK.replace(wp_stream.Stream, "add_font", _add_font)
HOOK.replace(wp_text_fonts.FontConfiguration, "add_font_face", _add_font_face)
_installed = HOOK.original
install, uninstall = HOOK.install, HOOK.uninstall
