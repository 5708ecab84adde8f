"""Resolves the house fonts of fonts/fonts.yaml through fontconfig and checks them with fontTools."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from .diagnostics import BuildError, Finding, Pos, relpath
from .filecache import remember

# fontconfig's weight scale, for the CSS weights a role asks for.
FC_WEIGHT = {400: 80, 500: 100, 700: 200}


@dataclass(frozen=True)
class Face:
    family: str
    weight: int
    file: str
    index: int


@dataclass(frozen=True)
class Fonts:
    roles: dict[str, tuple[Face, ...]]
    langs: dict[str, str] = dataclasses.field(default_factory=dict)  # role -> the language it sets (zh-Hant …)
    fallbacks: tuple[str, ...] = ()  # the roles every text stack ends in, in order

    def css(self) -> str:
        """The roles as custom properties (--font-body …) that layouts use."""
        props = "".join(f'  --font-{role}: "{faces[0].family}";\n' for role, faces in self.roles.items())
        return ":root {\n" + props + "}\n"

    def house(self, lang: str = "") -> list[str]:
        """The roles that set text of this language group: its own (body-tc …), else the default ones."""
        own = [role for role, group in self.langs.items() if lang and group.lower() == lang.lower()]
        return own or [role for role in self.roles if role not in self.langs and role not in self.fallbacks]


def resolve_fonts(fonts_yaml: Path, cache: Path | None = None) -> Fonts:
    """Find every role's family and weights; stop naming the Debian package when one is missing.

    What fontconfig and fontTools found is kept in `cache` while fonts.yaml and the font files
    stay as they are (two fc-list calls per face cost more than the rest of start-up).
    """
    if cache is not None:
        found = remember(cache, "fonts", fonts_yaml, lambda: _as_json(_resolve(fonts_yaml, fonts_yaml.stat().st_mtime_ns)),
                         extra="roles-2")
        roles = {role: tuple(Face(**face) for face in faces) for role, faces in found["roles"].items()}
        if all(Path(face.file).is_file() for faces in roles.values() for face in faces):
            return Fonts(roles, found["langs"], tuple(found["fallbacks"]))
    return _resolve(fonts_yaml, fonts_yaml.stat().st_mtime_ns)


def _as_json(fonts: Fonts) -> dict[str, object]:
    roles = {role: [dataclasses.asdict(face) for face in faces] for role, faces in fonts.roles.items()}
    return {"roles": roles, "langs": fonts.langs, "fallbacks": list(fonts.fallbacks)}


@lru_cache(maxsize=8)
def _resolve(fonts_yaml: Path, _mtime: int) -> Fonts:
    shown = relpath(fonts_yaml)
    try:
        spec = yaml.safe_load(fonts_yaml.read_text(encoding="utf-8"))["roles"]
        wanted = {role: (r["family"], r.get("package", ""), tuple(r.get("weights", [400]))) for role, r in spec.items()}
        langs = {role: str(r["lang"]) for role, r in spec.items() if r.get("lang")}
        fallbacks = tuple(role for role, r in spec.items() if r.get("fallback"))
    except (yaml.YAMLError, KeyError, TypeError, AttributeError) as e:
        raise BuildError([Finding(Pos(shown), f"cannot read fonts ({e}); expected roles: "
                                              "{name: {family, package, weights, lang?, fallback?}}")]) from None
    if not shutil.which("fc-list"):
        raise BuildError([Finding(Pos(shown), "fontconfig's fc-list is missing; install the Debian package fontconfig")])
    problems: list[Finding] = []
    roles: dict[str, tuple[Face, ...]] = {}
    for role, (family, package, weights) in wanted.items():
        faces = []
        for weight in weights:
            face = _find_face(family, weight)
            if face is None:
                hint = f"install the Debian package {package} (apt-get install {package})" if package else "install it"
                problems.append(Finding(Pos(shown), f"font '{family}' weight {weight} (role {role}) is not installed; {hint}"))
            else:
                faces.append(face)
        roles[role] = tuple(faces)
    if problems:
        raise BuildError(problems)
    return Fonts(roles, langs, fallbacks)


def _find_face(family: str, weight: int) -> Face | None:
    out = subprocess.run(
        ["fc-list", f":family={family}:weight={FC_WEIGHT.get(weight, 80)}:slant=0:width=100", "--format", "%{file}\t%{index}\n"],
        capture_output=True, text=True, check=False,
    ).stdout
    for line in out.splitlines():
        file, _, index = line.partition("\t")
        if _has_family(file, int(index or 0), family):
            return Face(family, weight, file, int(index or 0))
    return None


@lru_cache(maxsize=64)
def _has_family(file: str, index: int, family: str) -> bool:
    """fontTools confirms what fontconfig found: the face really carries this family name."""
    from fontTools.ttLib import TTFont  # imported here: most renders find the answer in the cache

    try:
        font = TTFont(file, fontNumber=index, lazy=True)
    except Exception:  # noqa: BLE001 - an unreadable font file is simply not a match
        return False
    names = {n.toUnicode() for n in font["name"].names if n.nameID in (1, 16)}
    return family in names


@lru_cache(maxsize=16)
def codepoints(file: str, index: int) -> frozenset[int]:
    """The characters a font file (face `index` of a collection) has."""
    from fontTools.ttLib import TTFont  # only when the cached map is missing

    return frozenset(TTFont(file, fontNumber=index, lazy=True).getBestCmap())


@lru_cache(maxsize=256)
def fallback_family(ch: str) -> str | None:
    """The family fontconfig would pick for this character, if any font really has it."""
    out = subprocess.run(["fc-match", "-s", "--format", "%{family[0]}\t%{file}\t%{index}\n", f":charset={ord(ch):x}"],
                         capture_output=True, text=True, check=False).stdout
    for line in out.splitlines()[:5]:
        family, file, index = (line.split("\t") + ["", "", "0"])[:3]
        try:
            if ord(ch) in codepoints(file, int(index or 0)):
                return family
        except Exception:  # noqa: BLE001 - a font fontTools cannot read is no fallback
            continue
    return None
