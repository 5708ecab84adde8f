"""Font subsets made side by side, and kept from the preview's last whole render for its first look at one page (WeasyPrint 70 hooks).

WeasyPrint subsets the faces one after another (`build_fonts_dictionary`); HarfBuzz lets go of
the interpreter while it subsets, so the faces are subset on every core first, with the glyphs
WeasyPrint's loop would ask for, and the loop finds them done: the same PDF, byte for byte
(2023-11, three CJK faces: the PDF written in 0.74 s instead of 0.91).

Writing a one-page PDF still subsets each CJK face with HarfBuzz (~0.15 s for 2023-11's three
faces, whatever the page holds). WeasyPrint 70 subsets with the glyph ids kept (`Font.subset`,
HB_SUBSET_FLAGS_RETAIN_GIDS), so a subset made for the whole issue draws any page of it that uses
no other glyph exactly as that page's own subset would: same glyph ids, same outlines. The whole
render records its subsets; the first look hands them back for every face whose glyphs they hold,
and subsets the others as usual.

Replaces `weasyprint.pdf.fonts.Font.subset` and `weasyprint.pdf.build_fonts_dictionary`. If the
loop stops grouping faces by `Font.hash`, subsets without RETAIN_GIDS, or `Font.subset` takes
other arguments, a subset made ahead would not be the one WeasyPrint asks for (wrong glyphs). It
only saves time, so on a WeasyPrint it does not know it switches itself off (one warning) and
WeasyPrint subsets as usual (tests/engine/test_font_subsets.py).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import weasyprint.pdf as wp_pdf
from weasyprint.pdf import fonts as wp_fonts

from .hooks import Hook
from ..machine import usable_cpus

SUPPORTED = ("70.",)

# Font hash (WeasyPrint's name for a face at a weight and style) → (glyph ids, hinting, subset file).
Kept = dict[str, tuple[frozenset[int], bool, bytes]]

_mode: contextvars.ContextVar[tuple[str, Kept] | None] = contextvars.ContextVar("bulletin_press_subsets", default=None)
asked = {"made": 0, "reused": 0}  # for tests and benchmarks


def _subset(self: wp_fonts.Font, to_unicode: dict[int, str], hinting: bool) -> None:
    if self.__dict__.pop("_bp_subset", None) == (frozenset(to_unicode), hinting):
        return  # subset ahead, side by side with the other faces
    mode = _mode.get()
    if mode is None or not to_unicode:
        _installed["subset"](self, to_unicode, hinting)
        return
    kind, kept = mode
    if kind == "reuse":
        found = kept.get(self.hash)
        if found is not None and found[1] == hinting and found[0].issuperset(to_unicode):
            self.file_content = found[2]
            asked["reused"] += 1
            return
    asked["made"] += 1
    _installed["subset"](self, to_unicode, hinting)
    if kind == "record":
        kept[self.hash] = (frozenset(to_unicode), hinting, self.file_content)


def _ahead(font: wp_fonts.Font, to_unicode: dict[int, str], hinting: bool) -> None:
    _installed["subset"](font, to_unicode, hinting)
    font.__dict__["_bp_subset"] = (frozenset(to_unicode), hinting)


def _build_fonts_dictionary(pdf: Any, fonts: dict, compress: bool, subset: bool, options: dict) -> Any:
    """WeasyPrint's own, after each face's subset is made on a core of its own: the faces grouped
    and their glyphs merged as its loop does, so that the loop's own subsetting finds them done.
    Not in the preview (subsets kept or reused): its threads' memory arenas would stay with it."""
    jobs = []
    if subset and _mode.get() is None:
        faces: dict[str, list[wp_fonts.Font]] = {}
        for font in fonts.values():
            faces.setdefault(font.hash, []).append(font)
        for group in faces.values():
            if not group[0].bitmap and not group[0].used_in_forms:
                jobs.append((group[0], {k: v for f in group for k, v in f.to_unicode.items()}))
    if len(jobs) > 1:
        with ThreadPoolExecutor(min(len(jobs), usable_cpus())) as pool:
            list(pool.map(lambda job: _ahead(*job, options["hinting"]), jobs))
    return _installed["build_fonts_dictionary"](pdf, fonts, compress, subset, options)


@contextlib.contextmanager
def recording(kept: Kept) -> Iterator[Kept]:
    """Within this block (a whole render's PDF written), every font subset made is kept in `kept`."""
    install()
    token = _mode.set(("record", kept))
    try:
        yield kept
    finally:
        _mode.reset(token)


@contextlib.contextmanager
def reusing(kept: Kept) -> Iterator[None]:
    """Within this block, a face whose kept subset holds every glyph asked for is not subset again."""
    install()
    token = _mode.set(("reuse", kept))
    try:
        yield
    finally:
        _mode.reset(token)


HOOK = Hook("bulletin_press.engine.font_subsets", {"weasyprint": SUPPORTED},
            "pdf/fonts.py (build_fonts_dictionary: faces by hash, Font.clean → Font.subset, RETAIN_GIDS)",
            saves_time=True)
HOOK.replace(wp_fonts.Font, "subset", _subset)
HOOK.replace(wp_pdf, "build_fonts_dictionary", _build_fonts_dictionary)
_installed = HOOK.original
install, uninstall = HOOK.install, HOOK.uninstall
