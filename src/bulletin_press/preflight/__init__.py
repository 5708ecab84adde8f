"""Preflight: what a prepress check would find, all at once, before the PDF goes out."""

from __future__ import annotations

from .budget import check_budget
from .glyphs import check_glyphs
from .images import check_resolution
from .layout_fonts import check_fallbacks as check_layout_fonts
from .structure import check_structure
from .stylesheets import check_stylesheets, engine_note

__all__ = ["check_budget", "check_glyphs", "check_layout_fonts", "check_resolution", "check_structure", "check_stylesheets",
           "engine_note"]
