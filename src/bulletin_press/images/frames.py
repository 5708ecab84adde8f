"""Photo shapes: the frame each photo is shown in, from its pixel size and the YAML's `crop:` and `focus:`."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .assets import Asset
from ..content.blocks import Photo

# The most of a photo's area the layout may crop without `crop:` in the YAML (house style).
MAX_CROP = 0.25
# Narrower than 5:4, a single photo is shown whole at the layout's --photo-tall-height instead of
# full width: full width, even a square would stand 174 mm tall, or lose more than a quarter.
TALL_BELOW = 1.25
# In a row the widest frame is at most this many times as wide (at one height) as the narrowest;
# a panorama beside a portrait would leave the portrait a sliver, so both give up to MAX_CROP.
ROW_SPREAD = 2.5
UNSIZED = 4 / 3  # an SVG or a missing file: the shape of its placeholder

POSITIONS = {"centre": "50% 50%", "center": "50% 50%", "top": "50% 0%", "bottom": "50% 100%",
             "left": "0% 50%", "right": "100% 50%"}


@dataclass(frozen=True)
class Shape:
    """How a photo is framed. Lengths the layout owns (column width, caps, gutter) stay in CSS:
    these are ratios, so a frame keeps its shape in any column."""

    kind: str  # "wide": full width, "tall": whole and centred, "cell": one of a justified row
    aspect: float  # width/height of the photo as the YAML shapes it (its pixels, or `crop:`)
    frame: float  # width/height of the frame: `aspect` unless a row balances it; wide frames: see least
    least: float  # wide: the frame's height/width may not go below this (MAX_CROP), 0 for `crop: fill`
    position: str  # object-position: what a crop keeps
    share: float = 1.0  # row: this photo's part of the row's width less its gutters

    @property
    def style(self) -> str:
        """Custom properties for the figure: base.css turns them into sizes with the layout's lengths."""
        props = {"--aspect": f"{self.aspect:.6f}", "--natural": f"{100 / self.frame:.4f}%",
                 "--least": f"{100 * self.least:.4f}%", "--share": f"{self.share:.6f}"}
        return "; ".join(f"{k}: {v}" for k, v in props.items())


def aspect_of(photo: Photo, asset: Asset | None) -> float:
    """Width over height as the reader should see it: the `crop:` shape, else the file's pixels."""
    if ratio := photo.crop_ratio:
        return ratio
    if asset and asset.width and asset.height:
        return asset.width / asset.height
    return UNSIZED


def position(photo: Photo) -> str:
    return POSITIONS[(photo.focus or "centre").strip().lower()]


def single(photo: Photo, asset: Asset | None) -> Shape:
    """A photo alone: full width (cropped at most MAX_CROP to the layout's cap), or whole and centred if tall."""
    aspect = aspect_of(photo, asset)
    if aspect < TALL_BELOW and not photo.crop_fill:
        return Shape("tall", aspect, aspect, 1 / aspect, position(photo))
    least = 0.0 if photo.crop_fill else (1 - MAX_CROP) / aspect
    return Shape("wide", aspect, aspect, least, position(photo))


def row(photos: Sequence[Photo], assets: Mapping[str, Asset]) -> list[Shape]:
    """Photos side by side at one height filling the width: each width in proportion to its frame's aspect."""
    aspects = [aspect_of(p, assets.get(p.src)) for p in photos]
    frames = balance(aspects, [p.crop_fill for p in photos])
    total = sum(frames)
    return [Shape("cell", a, f, 1 / f, position(p), f / total) for p, a, f in zip(photos, aspects, frames)]


def balance(aspects: Sequence[float], fill: Sequence[bool]) -> list[float]:
    """Frame aspects for a row: when the shapes differ more than ROW_SPREAD, the widest frames lose
    their ends and the narrowest their top and bottom, equally and never more than MAX_CROP each.
    A `crop: fill` photo takes the row's mean shape (geometric) instead."""
    fixed = [a for a, f in zip(aspects, fill) if not f]
    mean = math.exp(sum(map(math.log, fixed)) / len(fixed)) if fixed else UNSIZED
    shapes = [mean if f else a for a, f in zip(aspects, fill)]
    low, high = min(shapes), max(shapes)
    if high / low <= ROW_SPREAD:
        return shapes
    step = min(math.sqrt(high / low / ROW_SPREAD), 1 / (1 - MAX_CROP))  # each end moves by this factor
    low, high = low * step, high / step
    return [min(max(s, low), high) for s in shapes]


def visible(aspect: float, frame: float) -> float:
    """The share of a photo of `aspect` that a frame of `frame` shows when it covers the frame."""
    return min(aspect, frame) / max(aspect, frame)
