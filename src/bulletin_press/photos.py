"""Photos at the size the layout placed them: cropped and resampled once, cached by content hash."""

from __future__ import annotations

import hashlib
import math
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import unquote, urlsplit

import weasyprint
from PIL import Image as PILImage
from weasyprint.formatting_structure import boxes
from weasyprint.images import RasterImage

from .filecache import remember

CSS_PX_PER_INCH = 96
RASTER = (".jpg", ".jpeg", ".png")


def fit_to_placement(document: weasyprint.Document, cache: Path, dpi: int, quality: int) -> int:
    """Swap each placed photo for a copy of exactly the pixels its box shows at `dpi`; return how many.

    Runs after layout and before the PDF is written. The copy has the box's aspect ratio (what
    `object-fit: cover` would crop is cropped away), so the drawing is unchanged and no pixel the
    reader cannot see is embedded.
    """
    jobs = []
    for page in document.pages:
        for box in page._page_box.descendants():
            if isinstance(box, boxes.ReplacedBox) and isinstance(box.replacement, RasterImage) and box.element is not None:
                source = _local_path(box.element.get("src") or "")
                if source and source.suffix.lower() in RASTER and box.width and box.height:
                    jobs.append((box, source))
    if not jobs:
        return 0
    cache.mkdir(parents=True, exist_ok=True)

    def prepare(job: tuple[boxes.ReplacedBox, Path]) -> tuple[boxes.ReplacedBox, Path | None]:
        box, source = job
        width = max(1, math.ceil(box.width / CSS_PX_PER_INCH * dpi))
        height = max(1, math.ceil(box.height / CSS_PX_PER_INCH * dpi))
        cover = box.style["object_fit"] == "cover"
        target = cache / f"{content_hash(source, cache)}-{width}x{height}-{'cover' if cover else 'fit'}-q{quality}.jpg"
        if not target.is_file():
            if not _resample(source, target, width, height, cover, quality):
                return box, None
        return box, target

    # Pillow decodes and resizes without holding the GIL: threads use both cores.
    with ThreadPoolExecutor() as pool:
        done = list(pool.map(prepare, jobs))
    for box, target in done:
        if target is not None:
            with PILImage.open(target) as im:
                box.replacement = RasterImage(im, target.name, target.read_bytes(), filename=str(target))
    return sum(target is not None for _, target in done)


def _local_path(url: str) -> Path | None:
    parts = urlsplit(url)
    return Path(unquote(parts.path)) if parts.scheme == "file" else None


def content_hash(path: Path, cache: Path | None = None) -> str:
    """The photo's content hash, computed once per file version (kept in the cache folder)."""
    return remember(cache, "hashes", path, lambda: hashlib.sha256(path.read_bytes()).hexdigest()[:24])


def _resample(source: Path, target: Path, width: int, height: int, cover: bool, quality: int) -> bool:
    """Crop to the box's aspect (cover) or keep it whole (fit), resample, save; False if the source is bigger than needed anyway."""
    with PILImage.open(source) as im:
        if im.width <= width * 1.1 and im.height <= height * 1.1:
            return False  # already at or below the needed resolution: embed as it is
        im.draft("RGB", (width, height))  # JPEG: decode at 1/2, 1/4, 1/8 scale when that is enough
        scale_x, scale_y = im.width / width, im.height / height
        if cover:  # the centred region the box shows (object-position: 50% 50%)
            scale = min(scale_x, scale_y)
            crop_w, crop_h = width * scale, height * scale
            left, top = (im.width - crop_w) / 2, (im.height - crop_h) / 2
            region = (round(left), round(top), round(left + crop_w), round(top + crop_h))
            out = im.convert("RGB").resize((width, height), PILImage.Resampling.LANCZOS, box=region)
        else:
            out = im.convert("RGB")
            out.thumbnail((width, height), PILImage.Resampling.LANCZOS)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    out.save(tmp, "JPEG", quality=quality, optimize=True, progressive=True)  # progressive: ~3 % smaller
    tmp.replace(target)
    return True
