"""Glyph coverage: every character of the issue is in the house fonts or a declared fallback, or we say which font will stand in."""

from __future__ import annotations

from pathlib import Path
import unicodedata
from collections.abc import Iterator

from ..cjk.filters import Typography
from ..content.blocks import Article, language_group
from ..content.model import Issue, Text, Value
from ..diagnostics import BuildError, Finding
from ..filecache import remember_codepoints
from ..fonts import Fonts, codepoints, fallback_family
from ..templates import Layout
from ..typeset import plain_text
from . import layout_fonts


def check_glyphs(issue: Issue, fonts: Fonts, settings: Typography, cache: Path | None = None,
                 layout: Layout | None = None) -> list[Finding]:
    """A character the house faces of its language lack is fine in a declared fallback (symbols, emoji)
    or in a font the layout brings (@font-face); otherwise a warning naming the system font that will
    stand in, or an error when no font has it. A layout's font WeasyPrint would draw as boxes is
    refused here, before layout (BuildError with every finding of this check)."""
    cmaps = {face: remember_codepoints(cache, Path(face.file), face.index, lambda f=face: codepoints(f.file, f.index))
             for faces in fonts.roles.values() for face in faces}
    fallback_faces = [face for role in fonts.fallbacks for face in fonts.roles[role]]
    first: dict[tuple[str, str], Value] = {}  # each character of each language group, where it first appears
    for text, owner, lang in _texts(issue, ""):
        for ch in plain_text(text, settings):
            first.setdefault((ch, lang), owner)
    brought, findings = layout_fonts.read_faces(layout, cache) if layout else ([], [])
    if brought:
        from ..engine import split_faces  # WeasyPrint's PDF fonts, one per file of a set

        split_faces.install()
        chars: dict[str, object] = {}
        for (ch, _), owner in first.items():
            chars.setdefault(ch, owner.pos)
        findings += layout_fonts.check_faces(brought, chars)  # type: ignore[arg-type]
    refusals = any(f.severity == "error" for f in findings)
    for (ch, lang), owner in first.items():
        if ch.isspace() or unicodedata.category(ch) in ("Cf", "Cc"):
            continue  # joiners and spaces draw nothing
        faces = [face for role in fonts.house(lang) for face in fonts.roles[role]]
        lacking = [face for face in faces if ord(ch) not in cmaps[face]]
        if not lacking or any(ord(ch) in cmaps[face] for face in fallback_faces) or layout_fonts.covered(brought, ord(ch)):
            continue
        fallback = fallback_family(ch)
        where = ", ".join(sorted({f"{f.family} {f.weight}" for f in lacking}))
        if fallback:
            findings.append(Finding(owner.pos, f"character '{ch}' (U+{ord(ch):04X}) is not in {where}; "
                                               f"it will be drawn in {fallback} — expected house fonts only", "warning"))
        else:
            findings.append(Finding(owner.pos, f"character '{ch}' (U+{ord(ch):04X}) is in no installed font and would print as a "
                                               f"blank box; expected a character the house fonts have — replace it"))
    if refusals:
        raise BuildError(findings)
    return findings


def _texts(value: Value, lang: str) -> Iterator[tuple[Text, Value, str]]:
    """Every text with its holder and the language group it is set in (an article's `lang:`)."""
    if isinstance(value, Article) and value.lang:
        lang = language_group(value.lang)
    for name in value.__dataclass_fields__:
        yield from _field(getattr(value, name), value, lang)


def _field(item: object, owner: Value, lang: str) -> Iterator[tuple[Text, Value, str]]:
    if isinstance(item, Text):
        yield item, owner, lang
    elif isinstance(item, Value):
        yield from _texts(item, lang)
    elif isinstance(item, tuple):
        for part in item:
            yield from _field(part, owner, lang)
