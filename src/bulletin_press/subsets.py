"""Font subsets kept from the preview's last whole render, for its first look at one page (WeasyPrint 70 hook).

Writing a one-page PDF still subsets each CJK face with HarfBuzz (~0.15 s for 2023-11's three
faces, whatever the page holds). WeasyPrint 70 subsets with the glyph ids kept (`Font.subset`,
HB_SUBSET_FLAGS_RETAIN_GIDS), so a subset made for the whole issue draws any page of it that uses
no other glyph exactly as that page's own subset would: same glyph ids, same outlines. The whole
render records its subsets; the first look hands them back for every face whose glyphs they hold,
and subsets the others as usual.

It replaces a method of WeasyPrint's Font, so it is written for, and checked against, one
WeasyPrint version range; tests/test_subsets.py fails loudly when the hook stops applying.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

from weasyprint.pdf import fonts as wp_fonts

from .wp_version import require

SUPPORTED = ("70.",)

# Font hash (WeasyPrint's name for a face at a weight and style) → (glyph ids, hinting, subset file).
Kept = dict[str, tuple[frozenset[int], bool, bytes]]

_mode: contextvars.ContextVar[tuple[str, Kept] | None] = contextvars.ContextVar("bulletin_press_subsets", default=None)
_installed: dict[str, Any] = {}
asked = {"made": 0, "reused": 0}  # for tests and benchmarks


def _subset(self: wp_fonts.Font, to_unicode: dict[int, str], hinting: bool) -> None:
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


def install() -> None:
    """Hook WeasyPrint's font subsetting (once per process)."""
    if _installed:
        return
    require("bulletin_press.subsets", SUPPORTED, "pdf/fonts.py (Font.clean → Font.subset, RETAIN_GIDS)")
    _installed["subset"] = wp_fonts.Font.subset
    wp_fonts.Font.subset = _subset


def uninstall() -> None:
    if _installed:
        wp_fonts.Font.subset = _installed.pop("subset")
