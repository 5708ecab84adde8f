"""Gathers what the issue refers to before anything is laid out: photos, logos, links."""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PIL import Image as PILImage

from .content import inline
from .content.blocks import Link
from .content.model import Image, Issue, Text
from .diagnostics import BuildError, Finding, Pos, Report

PILImage.MAX_IMAGE_PIXELS = 100_000_000  # a 10 000 × 10 000 photo is the most we decode


@dataclass(frozen=True)
class Asset:
    """A resolved image: its URL for the HTML, or why it is shown as a placeholder."""

    src: str
    url: str | None
    width: int = 0
    height: int = 0
    problem: str = ""

    @property
    def missing(self) -> bool:
        return self.url is None


def gather(issue: Issue, report: Report, cache: Path | None = None, max_px: int = 0) -> dict[str, Asset]:
    """Check every image and link of the issue; problems become warnings and placeholders.

    With `cache` and `max_px`, photos larger than max_px on their long edge are replaced by a
    resampled copy kept under `cache` by content hash, so that the PDF stays small to e-mail.
    """
    folder = Path(issue.folder)
    assets: dict[str, Asset] = {}
    images: dict[str, Image] = {}
    for value, owner in issue.walk():
        if isinstance(value, Image) and value.src not in assets:
            assets[value.src] = _asset(folder, value)
            images[value.src] = value
        elif isinstance(value, Link) and value.url == "#":
            _placeholder_link(report, value.pos, inline.plain(value.title))
        elif isinstance(value, Text):
            for text, url in inline.links(value):
                if url == "#":
                    _placeholder_link(report, owner.pos, text)
    if cache and max_px:
        # Pillow decodes and resizes without holding the GIL: threads use both cores.
        with ThreadPoolExecutor() as pool:
            done = pool.map(lambda a: a if a.missing else _downsampled(a, folder / a.src, cache, max_px), assets.values())
            assets = {a.src: a for a in done}
    for src, asset in assets.items():
        if asset.problem:
            report.warn(images[src].pos, asset.problem)
    return assets


def _placeholder_link(report: Report, pos: Pos, text: str) -> None:
    shown = text if len(text) <= 30 else text[:30] + "…"
    report.warn(pos, f"link '{shown}' has no address ('#'); expected a URL — shown as underlined text, not clickable")


def _asset(folder: Path, image: Image) -> Asset:
    path = folder / image.src
    if path.exists() and not path.resolve().is_relative_to(folder.resolve()):  # a link pointing out
        raise BuildError([Finding(image.pos, f"image {image.src} leads outside the issue folder; expected a file inside it")])
    if not path.is_file():
        hint = " — a stand-in: run scripts/make_standins.py" if image.standin else ""
        return Asset(image.src, None, problem=f"image not found: {image.src}{hint}; shown as a placeholder")
    if path.suffix.lower() == ".svg":
        return Asset(image.src, path.resolve().as_uri())
    try:
        with PILImage.open(path) as im:  # reads the header only
            width, height = im.size
            if width * height > PILImage.MAX_IMAGE_PIXELS:
                raise PILImage.DecompressionBombError(f"{width}×{height} pixels")
            im.verify()  # a corrupt header fails here, before layout
    except PILImage.DecompressionBombError as e:
        raise BuildError([Finding(image.pos, f"image {image.src} is too large ({e}); expected at most "
                                             f"{PILImage.MAX_IMAGE_PIXELS // 1_000_000} megapixels (a decompression bomb?)")]) from None
    except (OSError, SyntaxError, ValueError) as e:
        return Asset(image.src, None, problem=f"image {image.src} cannot be read ({e}); shown as a placeholder")
    return Asset(image.src, path.resolve().as_uri(), width, height)


def _downsampled(asset: Asset, path: Path, cache: Path, max_px: int) -> Asset:
    """A copy at most max_px on its long edge, made once per photo content and size."""
    if max(asset.width, asset.height) <= max_px or path.suffix.lower() not in (".jpg", ".jpeg", ".png"):
        return asset
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:24]
    target = cache / f"{digest}-{max_px}.jpg"
    if not target.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        try:
            _resample(path, target, max_px)
        except (OSError, ValueError) as e:  # a truncated or corrupt file shows only when decoded
            return Asset(asset.src, None, problem=f"image {asset.src} cannot be read ({e}); shown as a placeholder")
    return Asset(asset.src, target.resolve().as_uri(), asset.width, asset.height)


def _resample(path: Path, target: Path, max_px: int) -> None:
    with PILImage.open(path) as im:
        im.draft("RGB", (max_px, max_px))  # JPEG: decode at 1/2, 1/4 … scale, far faster
        small = im.convert("RGB")
    small.thumbnail((max_px, max_px), PILImage.Resampling.LANCZOS)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    small.save(tmp, "JPEG", quality=80)
    tmp.replace(target)
