"""Gathers what the issue refers to before anything is laid out: photos, logos, links."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image as PILImage

from . import received
from ..content import inline
from ..content.blocks import Link, Photo
from ..content.model import Image, Issue, Text
from ..diagnostics import BuildError, Finding, Pos, Report
from ..filecache import remember
from .resample import content_hash

PILImage.MAX_IMAGE_PIXELS = 100_000_000  # a 10 000 × 10 000 photo is the most we decode
RECEIVED = "received"  # the cache's folder of copies WeasyPrint draws in place of a file as sent (the sandbox reads it)


@dataclass(frozen=True)
class Asset:
    """A resolved image: its URL for the HTML and its pixel size as shown, or why it is a placeholder."""

    src: str
    url: str | None
    width: int = 0
    height: int = 0
    problem: str = ""  # what the editor is told, at the image's place in the YAML (several: one per line)
    label: str = "图片缺失"  # a placeholder's words: missing, or there but unusable

    @property
    def missing(self) -> bool:
        return self.url is None


def gather(issue: Issue, report: Report, cache: Path | None = None, keep_cmyk: bool = True) -> dict[str, Asset]:
    """Check every image and link of the issue; problems become warnings and placeholders.

    What a photo's check found is kept in `cache` per file version: a photo is decoded once. A file
    WeasyPrint would draw wrongly is drawn from a copy in `cache` (received.copy); `keep_cmyk`: the
    profile prints CMYK as it is (a CMYK output intent), else CMYK becomes sRGB.
    """
    folder = Path(issue.folder)
    assets: dict[str, Asset] = {}
    images: dict[str, Image] = {}
    placed: dict[str, Image] = {}  # each photo's first placement, by the file it found
    for value, owner in issue.walk():
        if isinstance(value, Image) and value.src not in assets:
            assets[value.src] = _asset(folder, value, cache, keep_cmyk)
            images[value.src] = value
        if isinstance(value, Photo):
            key = received.fold(assets[value.src].url or str(value.src))
            if key in placed:
                first = placed[key].pos
                report.warn(value.pos, f"photo {value.src} is placed twice (first at line {first.line}); expected each "
                                       "photo once — if the repeat is meant, leave it, otherwise choose another photo")
            else:
                placed[key] = value
        elif isinstance(value, Link) and value.url == "#":
            _placeholder_link(report, value.pos, inline.plain(value.title))
        elif isinstance(value, Text):
            for text, url in inline.links(value):
                if url == "#":
                    _placeholder_link(report, owner.pos, text)
    for src, asset in assets.items():
        for problem in filter(None, asset.problem.split("\n")):
            report.warn(images[src].pos, problem)
    return assets


def _placeholder_link(report: Report, pos: Pos, text: str) -> None:
    shown = text if len(text) <= 30 else text[:30] + "…"
    report.warn(pos, f"link '{shown}' has no address ('#'); expected a URL — shown as underlined text, not clickable")


def _asset(folder: Path, image: Image, cache: Path | None, keep_cmyk: bool) -> Asset:
    src = image.src
    path, differs = received.locate(folder, Path(src))
    if path is None:
        path = folder / src
        if path.exists() and not path.resolve().is_relative_to(folder.resolve()):  # a link pointing out
            raise BuildError([Finding(image.pos, f"image {src} leads outside the issue folder; expected a file inside it")])
        hint = " — a stand-in: run scripts/make_standins.py" if image.standin else ""
        return Asset(src, None, problem=f"image not found: {src}{hint}; shown as a placeholder")
    if not path.resolve().is_relative_to(folder.resolve()):  # a link pointing out
        raise BuildError([Finding(image.pos, f"image {src} leads outside the issue folder; expected a file inside it")])
    notes = []
    if differs:
        typed = path.relative_to(folder).as_posix()
        how = {"case": "the letter case differs", "form": "the same letters in another Unicode form, as a Mac writes names",
               "case and form": "the letter case and the Unicode form differ"}[differs]
        todo = f"type src: {typed}" if "case" in differs else "retype the file's name, or copy it into src"
        notes.append(f"image {src} is not there as typed; using {typed} ({how}) — {todo}")
    facts = remember(cache, "images-received", path, lambda: received.facts(path))  # sizes as shown (EXIF turns)
    if "bomb" in facts:
        raise BuildError([Finding(image.pos, f"image {src} is too large ({facts['bomb']}); expected at most "
                                             f"{PILImage.MAX_IMAGE_PIXELS // 1_000_000} megapixels (a decompression bomb?)")])
    if "unreadable" in facts:
        what, todo = facts["unreadable"]
        problem = (f"image {src} is {what}, not a picture the engine can print; shown as a placeholder — {todo}" if what else
                   f"image {src} cannot be read ({todo}): the file is damaged or not a picture; shown as a placeholder — "
                   "ask the sender for the original again, as JPEG or PNG")
        return Asset(src, None, problem="\n".join([*notes, problem]), label="图片无法使用")
    if "svg" in facts:
        problem = (f"image {src} is {facts['svg']}: the file is damaged or not an SVG; shown as a placeholder — "
                   "ask the sender for it again, or use a PNG")
        return Asset(src, None, problem="\n".join([*notes, problem]), label="图片无法使用")
    if facts.get("damage"):
        notes.append(f"image {src} is damaged: the file ends early and {facts['damage']} — ask the sender for the original again")
    if int(facts.get("frames", 1)) > 1:
        kind = "an animation" if facts.get("format") in ("GIF", "WEBP", "PNG") else "a file of several pages"
        notes.append(f"image {src} is {kind} ({facts['frames']} frames); the first is printed — "
                     "if another is wanted, save that one as PNG")
    if facts.get("format") == "SVG":
        return Asset(src, path.resolve().as_uri(), problem="\n".join(notes))
    if cache is not None and received.needs_copy(facts, keep_cmyk):
        stem = f"{content_hash(path, cache)}-received{'' if keep_cmyk else '-rgb'}"
        path = received.copy(path, facts, cache / RECEIVED, stem, keep_cmyk)
    width, height = facts["size"]
    return Asset(src, path.resolve().as_uri(), width, height, problem="\n".join(notes))
