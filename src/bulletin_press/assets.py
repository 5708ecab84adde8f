"""Gathers what the issue refers to before anything is laid out: photos, logos, links."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image as PILImage

from .content import inline
from .content.blocks import Link
from .content.model import Image, Issue, Text
from .diagnostics import BuildError, Finding, Pos, Report
from .filecache import remember

PILImage.MAX_IMAGE_PIXELS = 100_000_000  # a 10 000 × 10 000 photo is the most we decode


@dataclass(frozen=True)
class Asset:
    """A resolved image: its URL for the HTML and its pixel size as shown, or why it is a placeholder."""

    src: str
    url: str | None
    width: int = 0
    height: int = 0
    problem: str = ""

    @property
    def missing(self) -> bool:
        return self.url is None


def gather(issue: Issue, report: Report, cache: Path | None = None) -> dict[str, Asset]:
    """Check every image and link of the issue; problems become warnings and placeholders.

    What a photo's check found is kept in `cache` per file version: a photo is decoded once.
    """
    folder = Path(issue.folder)
    assets: dict[str, Asset] = {}
    images: dict[str, Image] = {}
    for value, owner in issue.walk():
        if isinstance(value, Image) and value.src not in assets:
            assets[value.src] = _asset(folder, value, cache)
            images[value.src] = value
        elif isinstance(value, Link) and value.url == "#":
            _placeholder_link(report, value.pos, inline.plain(value.title))
        elif isinstance(value, Text):
            for text, url in inline.links(value):
                if url == "#":
                    _placeholder_link(report, owner.pos, text)
    for src, asset in assets.items():
        if asset.problem:
            report.warn(images[src].pos, asset.problem)
    return assets


def _decodes(path: Path) -> dict[str, object]:
    """Pixel size once the whole file has decoded (at 1/8 scale for JPEG: fast), or what is wrong."""
    try:
        with PILImage.open(path) as im:
            width, height = im.size
            if width * height > PILImage.MAX_IMAGE_PIXELS:
                return {"bomb": f"{width}×{height} pixels"}
            # A quarter turn in EXIF (a phone held upright): shown, and so shaped, the other way round.
            turned = im.getexif().get(0x0112, 1) in (5, 6, 7, 8)
            im.draft("RGB", (max(1, width // 8), max(1, height // 8)))
            im.load()
    except PILImage.DecompressionBombError as e:
        return {"bomb": str(e)}
    except (OSError, SyntaxError, ValueError) as e:
        return {"error": str(e)}
    return {"size": [height, width] if turned else [width, height]}


def _placeholder_link(report: Report, pos: Pos, text: str) -> None:
    shown = text if len(text) <= 30 else text[:30] + "…"
    report.warn(pos, f"link '{shown}' has no address ('#'); expected a URL — shown as underlined text, not clickable")


def _asset(folder: Path, image: Image, cache: Path | None) -> Asset:
    path = folder / image.src
    if path.exists() and not path.resolve().is_relative_to(folder.resolve()):  # a link pointing out
        raise BuildError([Finding(image.pos, f"image {image.src} leads outside the issue folder; expected a file inside it")])
    if not path.is_file():
        hint = " — a stand-in: run scripts/make_standins.py" if image.standin else ""
        return Asset(image.src, None, problem=f"image not found: {image.src}{hint}; shown as a placeholder")
    if path.suffix.lower() == ".svg":
        return Asset(image.src, path.resolve().as_uri())
    facts = remember(cache, "images-upright", path, lambda: _decodes(path))  # sizes as shown (EXIF turns)
    if "bomb" in facts:
        raise BuildError([Finding(image.pos, f"image {image.src} is too large ({facts['bomb']}); expected at most "
                                             f"{PILImage.MAX_IMAGE_PIXELS // 1_000_000} megapixels (a decompression bomb?)")])
    if "error" in facts:
        return Asset(image.src, None, problem=f"image {image.src} cannot be read ({facts['error']}); shown as a placeholder")
    width, height = facts["size"]
    return Asset(image.src, path.resolve().as_uri(), width, height)


