"""Glyph coverage: every character of the issue is in the house fonts, or we say which font will stand in."""

from __future__ import annotations

import subprocess
from pathlib import Path
import unicodedata
from functools import lru_cache

from ..cjk.filters import Typography
from ..content.model import Issue
from ..diagnostics import Finding
from ..filecache import remember_codepoints
from ..fonts import Fonts
from ..typeset import plain_text


@lru_cache(maxsize=16)
def _cmap(file: str, index: int) -> frozenset[int]:
    from fontTools.ttLib import TTFont  # only when the cached map is missing

    return frozenset(TTFont(file, fontNumber=index, lazy=True).getBestCmap())


def check_glyphs(issue: Issue, fonts: Fonts, settings: Typography, cache: Path | None = None) -> list[Finding]:
    """A character missing from a house face is a warning naming the fallback; from every font, an error."""
    faces = [face for faces in fonts.roles.values() for face in faces]
    cmaps = {face: remember_codepoints(cache, Path(face.file), face.index, lambda f=face: _cmap(f.file, f.index))
             for face in faces}
    findings: list[Finding] = []
    reported: set[str] = set()
    for text, owner in issue.texts():
        for ch in plain_text(text, settings):
            if ch in reported or ch.isspace() or unicodedata.category(ch) in ("Cf", "Cc"):
                continue  # joiners and spaces draw nothing
            lacking = [face for face in faces if ord(ch) not in cmaps[face]]
            if not lacking:
                continue
            reported.add(ch)
            fallback = _fallback(ch)
            where = ", ".join(sorted({f"{f.family} {f.weight}" for f in lacking}))
            if fallback:
                findings.append(Finding(owner.pos, f"character '{ch}' (U+{ord(ch):04X}) is not in {where}; "
                                                   f"it will be drawn in {fallback} — expected house fonts only", "warning"))
            else:
                findings.append(Finding(owner.pos, f"character '{ch}' (U+{ord(ch):04X}) is in no installed font and would print as a "
                                                   f"blank box; expected a character the house fonts have — replace it"))
    return findings


@lru_cache(maxsize=256)
def _fallback(ch: str) -> str | None:
    """The family fontconfig would pick for this character, if any font really has it."""
    out = subprocess.run(["fc-match", "-s", "--format", "%{family[0]}\t%{file}\t%{index}\n", f":charset={ord(ch):x}"],
                         capture_output=True, text=True, check=False).stdout
    for line in out.splitlines()[:5]:
        family, file, index = (line.split("\t") + ["", "", "0"])[:3]
        try:
            if ord(ch) in _cmap(file, int(index or 0)):
                return family
        except Exception:  # noqa: BLE001 - a font fontTools cannot read is no fallback
            continue
    return None

