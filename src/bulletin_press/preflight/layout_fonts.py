"""Fonts a layout brings (`@font-face` in its CSS, one file or a `unicode-range` set): read, checked against the issue's text."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import tinycss2

from ..diagnostics import Finding, Pos, relpath
from ..engine.boxes import page_box
from ..filecache import Codepoints, remember_codepoints
from ..fonts import Fonts, codepoints, fallback_family
from ..templates import Layout

WHAT_TO_DO = ("merge the set into one file with fontTools' pyftmerge, or install the font and declare its family "
              "in fonts/fonts.yaml")


@dataclass(frozen=True)
class LayoutFace:
    """One @font-face rule and the file it loads."""

    family: str
    file: Path
    pos: Pos  # the @font-face rule in the layout's CSS
    ranges: tuple[tuple[int, int], ...]  # unicode-range; () covers every character of the file
    ranges_pos: Pos
    weight: str
    style: str
    cmap: Codepoints

    @property
    def name(self) -> str:
        return f"@font-face '{self.family}' ({relpath(self.file)})"

    def promises(self, codepoint: int) -> bool:
        """Fontconfig believes the face has it: WeasyPrint gives it the unicode-range as its character set."""
        return any(a <= codepoint <= b for a, b in self.ranges) if self.ranges else codepoint in self.cmap

    def covers(self, codepoint: int) -> bool:
        return self.promises(codepoint) and codepoint in self.cmap


def read_faces(layout: Layout, cache: Path | None = None) -> tuple[list[LayoutFace], list[Finding]]:
    """Every @font-face of the layout chain's stylesheets, its file read with fontTools; the rules that cannot work."""
    faces: list[LayoutFace] = []
    problems: list[Finding] = []
    roots = tuple(p.resolve() for p in (layout.chain[-1].parent, layout.chain[-1].parent.parent / "fonts"))
    for sheet in layout.stylesheets:
        try:
            text = sheet.read_text(encoding="utf-8")
        except OSError:
            continue  # a missing stylesheet is the template's finding, not this one's
        if "@font-face" not in text.lower():
            continue  # most sheets bring no font: not parsed (~8 ms a sheet, twice a render)
        rules = tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True)
        for rule in rules:
            if rule.type == "at-rule" and rule.lower_at_keyword == "font-face" and rule.content is not None:
                face = _face(sheet, rule, roots, cache, problems)
                if face:
                    faces.append(face)
    return faces, problems


def _face(sheet: Path, rule: tinycss2.ast.AtRule, roots: tuple[Path, ...], cache: Path | None,
          problems: list[Finding]) -> LayoutFace | None:
    pos = Pos(relpath(sheet), rule.source_line, rule.source_column)
    declared = {d.lower_name: d for d in tinycss2.parse_declaration_list(rule.content, skip_comments=True, skip_whitespace=True)
                if d.type == "declaration"}
    family_decl = declared.get("font-family")
    family = " ".join(str(t.value) for t in (family_decl.value if family_decl else ()) if t.type in ("string", "ident"))
    urls = [t.value for t in (declared["src"].value if "src" in declared else ()) if t.type == "url"]
    urls += [a.value for t in (declared["src"].value if "src" in declared else ())
             if t.type == "function" and t.lower_name == "url" for a in t.arguments if a.type == "string"]
    if not family or not urls:
        return None  # local() only, or no family: WeasyPrint's own business, nothing of the layout's to read
    url = urls[0]
    parts = urlsplit(url)
    if parts.scheme not in ("", "file"):
        problems.append(Finding(pos, f"@font-face '{family}' loads {url}; expected a font file in the layout's folder "
                                     "(nothing is fetched from the network) — put it in layouts/NAME/fonts/"))
        return None
    file = (sheet.parent / unquote(parts.path)).resolve() if not parts.scheme else Path(unquote(parts.path)).resolve()
    if not any(file.is_relative_to(root) for root in roots):
        problems.append(Finding(pos, f"@font-face '{family}' loads {file}, outside the layouts and fonts folders; "
                                     "expected a font file in the layout's folder (layouts/NAME/fonts/)"))
        return None
    if not file.is_file():
        problems.append(Finding(pos, f"@font-face '{family}': font file {relpath(file)} not found; expected it "
                                     f"beside the stylesheet ({url} is read relative to {relpath(sheet)})"))
        return None
    try:
        cmap = remember_codepoints(cache, file, 0, lambda: codepoints(str(file), 0))
    except Exception as e:  # noqa: BLE001 - whatever fontTools cannot read, WeasyPrint cannot either
        problems.append(Finding(pos, f"@font-face '{family}': {relpath(file)} is not a font fontTools can read ({e}); "
                                     "expected an OpenType, TrueType, WOFF or WOFF2 file"))
        return None
    ranges_decl = declared.get("unicode-range")
    ranges = tuple((t.start, t.end) for t in (ranges_decl.value if ranges_decl else ()) if t.type == "unicode-range")
    ranges_pos = Pos(pos.path, ranges_decl.source_line, ranges_decl.source_column) if ranges_decl else pos
    weight = tinycss2.serialize(declared["font-weight"].value).strip().lower() if "font-weight" in declared else "normal"
    style = tinycss2.serialize(declared["font-style"].value).strip().lower() if "font-style" in declared else "normal"
    weight = {"normal": "400", "bold": "700"}.get(weight, weight)
    return LayoutFace(family, file, pos, ranges, ranges_pos, weight, style, cmap)


def check_faces(faces: list[LayoutFace], chars: Mapping[str, Pos]) -> list[Finding]:
    """Refusals before layout: what WeasyPrint 70 would draw as boxes with these faces.

    `chars`: each character of the issue and where it first appears. Two things break a face:
    a unicode-range promising characters its file lacks (fontconfig takes the range as the face's
    character set, so no other font is tried), and — in a set of files sharing family, weight and
    style — a file without a space: Pango sets a space in the font of the characters around it.
    """
    findings: list[Finding] = []
    sets: dict[tuple[str, str, str], list[LayoutFace]] = {}
    for face in faces:
        sets.setdefault((face.family.casefold(), face.weight, face.style), []).append(face)
    for face in faces:
        lacking = [ch for ch in chars if face.promises(ord(ch)) and ord(ch) not in face.cmap and _draws(ch)]
        if lacking:
            shown = "".join(lacking[:12]) + ("…" if len(lacking) > 12 else "")
            first = chars[lacking[0]]
            findings.append(Finding(face.ranges_pos, (
                f"{face.name}: its unicode-range promises {len(lacking)} character{'s' if len(lacking) > 1 else ''} of the "
                f"issue its file lacks ({shown}; '{lacking[0]}' U+{ord(lacking[0]):04X} first at {first}), and they would "
                "print as blank boxes; expected a unicode-range listing only the characters the file has")))
        split = len(sets[(face.family.casefold(), face.weight, face.style)]) > 1
        if split and 0x20 not in face.cmap and any(face.covers(ord(ch)) for ch in chars):
            findings.append(Finding(face.pos, (
                f"{face.name} is one file of a unicode-range set and has no space (U+0020): WeasyPrint 70 sets the "
                "spaces between this file's characters in it, and they would print as boxes; expected every file of "
                f"the set to have U+0020 — add it to each file (pyftsubset --unicodes=U+0020,…), or {WHAT_TO_DO}")))
    return findings


def _draws(ch: str) -> bool:
    return not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Cc")


def covered(faces: Iterable[LayoutFace], codepoint: int) -> bool:
    return any(face.covers(codepoint) for face in faces)


def check_fallbacks(document: object, layout: Layout, fonts: Fonts | None = None, cache: Path | None = None) -> list[Finding]:
    """After layout: text whose font-family starts with a layout's face, in characters no file of that
    family has, is drawn by the next font that has them; a warning per family names them and that font."""
    faces, _ = read_faces(layout, cache)
    if not faces:
        return []
    from weasyprint.formatting_structure import boxes


    families: dict[str, list[LayoutFace]] = {}
    for face in faces:
        families.setdefault(face.family.casefold(), []).append(face)
    house = {face.family.casefold(): face for faces_ in (fonts.roles.values() if fonts else ()) for face in faces_}
    lacking: dict[str, dict[str, str]] = {}  # family → character → the font that draws it
    boxes_at: dict[str, LayoutFace] = {}  # character → the face that promises it and lacks it

    def drawn_in(ch: str, stack: tuple[str, ...]) -> str:
        for name in stack:
            key = name.casefold()
            if key in families and covered(families[key], ord(ch)):
                return name
            if key in house and ord(ch) in codepoints(house[key].file, house[key].index):
                return name
        return fallback_family(ch) or "no font (a blank box)"

    for page in document.pages:  # type: ignore[attr-defined]
        for box in page_box(page).descendants():
            if not isinstance(box, boxes.TextBox):
                continue
            stack = tuple(box.style["font_family"])
            own = families.get(stack[0].casefold()) if stack else None
            if not own:
                continue
            for ch in box.text:
                if not _draws(ch) or ch in lacking.get(stack[0], {}) or ch in boxes_at:
                    continue
                if broken := [f for f in own if f.promises(ord(ch)) and ord(ch) not in f.cmap]:
                    boxes_at[ch] = broken[0]  # a template's text the issue check could not see
                elif not covered(own, ord(ch)):
                    lacking.setdefault(stack[0], {})[ch] = drawn_in(ch, stack[1:])
    findings = [Finding(face.ranges_pos, (
        f"{face.name}: its unicode-range promises {''.join(chars)[:12]} (U+{ord(chars[0]):04X}…), set by the layout's "
        "templates, but its file lacks them: they print as blank boxes; expected a unicode-range listing only the "
        "characters the file has")) for face, chars in _by_face(boxes_at).items()]
    for family, chars in lacking.items():
        face = families[family.casefold()][0]
        by_font: dict[str, str] = {}
        for ch, font in chars.items():
            by_font[font] = by_font.get(font, "") + ch
        where = "; ".join(f"{text[:12]}{'…' if len(text) > 12 else ''} in {font}" for font, text in by_font.items())
        findings.append(Finding(face.pos, (
            f"@font-face '{face.family}' lacks {len(chars)} character{'s' if len(chars) > 1 else ''} the layout sets in "
            f"it: {where}; expected a font with every character it sets — add them to the font, or let a font "
            "that has them come next in font-family"), "warning"))
    return findings


def _by_face(chars: dict[str, LayoutFace]) -> dict[LayoutFace, list[str]]:
    grouped: dict[LayoutFace, list[str]] = {}
    for ch, face in chars.items():
        grouped.setdefault(face, []).append(ch)
    return grouped
