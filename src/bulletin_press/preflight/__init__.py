"""Preflight: what a prepress check would find, all at once, before the PDF goes out."""

from __future__ import annotations

from .budget import check_budget
from .glyphs import check_glyphs
from .images import check_resolution
from .structure import check_structure

__all__ = ["check_budget", "check_glyphs", "check_resolution", "check_structure"]
