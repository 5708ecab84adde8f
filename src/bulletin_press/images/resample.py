"""Photos at the size the layout placed them: cropped and resampled once, cached by content hash."""

from __future__ import annotations

import hashlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import unquote, urlsplit

import weasyprint
from PIL import Image as PILImage, ImageOps
from weasyprint.formatting_structure import boxes

from ..engine.boxes import RasterImage, page_box, raster_image
from ..filecache import remember
from .received import has_alpha

CSS_PX_PER_INCH = 96
RASTER = (".jpg", ".jpeg", ".png")
ORIENTATION = 0x0112  # the EXIF tag


def fit_to_placement(document: weasyprint.Document, cache: Path, dpi: int, quality: int) -> int:
    """Swap each placed photo for a copy of exactly the pixels its box shows at `dpi`; return how many.

    Runs after layout and before the PDF is written. The copy has the box's aspect ratio (what
    `object-fit: cover` crops is cropped away, where `object-position` puts the box), so the
    drawing is unchanged and no pixel the reader cannot see is embedded.
    """
    jobs = []
    for page in document.pages:
        # placeholders=True: a photo positioned absolutely in its frame is found through its placeholder.
        for box in page_box(page).descendants(placeholders=True):
            if isinstance(box, boxes.ReplacedBox) and isinstance(box.replacement, RasterImage) and box.element is not None:
                source = _local_path(box.element.get("src") or "")
                if source and source.suffix.lower() in RASTER and box.width and box.height:
                    jobs.append((box, source))
    if not jobs:
        return 0
    cache.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor() as pool:  # hashlib and Pillow let go of the GIL: threads use both cores
        sources = sorted({source for _, source in jobs})
        hashes = dict(zip(sources, pool.map(lambda path: content_hash(path, cache), sources)))
        copies: dict[Path, tuple[Path, int, int, tuple[float, float] | None]] = {}  # target → what it is made from
        placed = []
        for box, source in jobs:
            # Rounded, the height from the width: the copy keeps the box's shape to a pixel, so that
            # covering the box scales it by no more than half a pixel past the box's edges.
            width = max(1, round(box.width / CSS_PX_PER_INCH * dpi))
            height = max(1, round(width * box.height / box.width))
            focus = focus_of(box) if box.style["object_fit"] == "cover" else None
            fit = f"cover{focus[0]:.3f},{focus[1]:.3f}" if focus else "fit"
            target = cache / f"{hashes[source]}-{width}x{height}-{fit}-q{quality}"  # .jpg, or .png with transparency
            copies.setdefault(target, (source, width, height, focus))
            placed.append((box, target))

        def make(target: Path) -> Path | None:
            source, width, height, focus = copies[target]
            return _made(target) or _resample(source, target, width, height, focus, quality)

        # A photo placed twice at one size (a logo, a repeated portrait) is made once.
        made = dict(zip(copies, pool.map(make, copies)))
    images: dict[Path, RasterImage] = {}
    for box, target in placed:
        if copy := made[target]:
            if copy not in images:
                with PILImage.open(copy) as im:
                    images[copy] = raster_image(im, copy)
            box.replacement = images[copy]
    return sum(made[target] is not None for _, target in placed)


def _made(stem: Path) -> Path | None:
    """The copy made earlier under this name: a JPEG, or a PNG where the photo has transparency."""
    return next((p for p in (stem.with_name(stem.name + ".jpg"), stem.with_name(stem.name + ".png")) if p.is_file()), None)


def _local_path(url: str) -> Path | None:
    parts = urlsplit(url)
    return Path(unquote(parts.path)) if parts.scheme == "file" else None


def content_hash(path: Path, cache: Path | None = None) -> str:
    """The photo's content hash, computed once per file version (kept in the cache folder)."""
    return remember(cache, "hashes", path, lambda: hashlib.sha256(path.read_bytes()).hexdigest()[:24])


def focus_of(box: boxes.ReplacedBox) -> tuple[float, float]:
    """Where object-position puts a covering image: for each axis, the fraction of the overflowing
    part that lies before the box (0: the left or top edge shows, 0.5: centred, 1: right or bottom)."""
    (x_side, x, y_side, y), = box.style["object_position"]
    image = box.replacement
    scale = max(box.width / image.width, box.height / image.height)
    over_x, over_y = image.width * scale - box.width, image.height * scale - box.height
    return _fraction(x, over_x, x_side == "right"), _fraction(y, over_y, y_side == "bottom")


def _fraction(offset: object, overflow: float, from_end: bool) -> float:
    """A position offset (a percentage or a length in CSS px) as a fraction of the overflow."""
    value, unit = offset.value, offset.unit  # type: ignore[attr-defined]
    fraction = value / 100 if unit == "%" else (-value / overflow if overflow > 0 else 0.5)
    fraction = 1 - fraction if from_end else fraction
    return min(max(fraction, 0.0), 1.0)


def _resample(source: Path, stem: Path, width: int, height: int, focus: tuple[float, float] | None,
              quality: int) -> Path | None:
    """Crop to the box's aspect where `focus` puts it (cover) or keep it whole (fit), resample, save as
    `stem`.jpg, or .png keeping the alpha of a picture with transparency (a logo: JPEG has no alpha,
    and RGB of a transparent pixel is usually black); None if the source is no bigger than needed anyway."""
    with PILImage.open(source) as im:
        orientation = im.getexif().get(ORIENTATION, 1)
        turned = orientation in (5, 6, 7, 8)  # a quarter turn: the file's width is the shown height
        shown_w, shown_h = (im.height, im.width) if turned else im.size
        if shown_w <= width * 1.1 and shown_h <= height * 1.1:
            return None  # already at or below the needed resolution: embed as it is
        im.draft("RGB", (height, width) if turned else (width, height))  # JPEG: decode at 1/2, 1/4, 1/8 scale when that is enough
        # Upright the way WeasyPrint shows it (image-orientation: from-image): the copy carries no EXIF.
        upright = ImageOps.exif_transpose(im) if orientation != 1 else im
        scale_x, scale_y = upright.width / width, upright.height / height
        if focus:  # the region the box shows: the overflow split as object-position splits it
            scale = min(scale_x, scale_y)
            crop_w, crop_h = width * scale, height * scale
            left, top = (upright.width - crop_w) * focus[0], (upright.height - crop_h) * focus[1]
            region = (round(left), round(top), round(left + crop_w), round(top + crop_h))
        alpha = has_alpha(upright)
        mode = ("LA" if upright.mode in ("L", "LA") else "RGBA") if alpha else "RGB"  # Pillow resizes alpha premultiplied
        if focus:
            out = upright.convert(mode).resize((width, height), PILImage.Resampling.LANCZOS, box=region)
        else:
            out = upright.convert(mode)
            out.thumbnail((width, height), PILImage.Resampling.LANCZOS)
    target = stem.with_name(stem.name + (".png" if alpha else ".jpg"))
    tmp = target.with_name(f".{target.name}.{os.getpid()}-{threading.get_ident()}.part")  # renders may run side by side
    if alpha:
        out.save(tmp, "PNG")
    else:
        out.save(tmp, "JPEG", quality=quality, optimize=True, progressive=True)  # progressive: ~3 % smaller
    tmp.replace(target)
    return target


def css_images(document: weasyprint.Document) -> list[tuple[int, object, str, int, Path]]:
    """Every raster background a layout's CSS draws: its page number, the box holding it, the attribute and
    layer index it is in, and its file;
    the page boxes (an @page background), the canvas (the root's) and every box's (a masthead cover)."""
    found = []
    for number, page in enumerate(document.pages, 1):
        root = page_box(page)
        holders = [(root, "canvas_background"), *((box, "background") for box in root.descendants(placeholders=True))]
        for box, attribute in holders:
            background = getattr(box, attribute, None)
            if not background or not background.layers:
                continue
            urls = [value for kind, value in background.style["background_image"]]
            for index, layer in enumerate(background.layers):
                url = urls[index] if index < len(urls) and isinstance(urls[index], str) else ""
                source = _local_path(url)
                if isinstance(layer.image, RasterImage) and source and source.suffix.lower() in RASTER:
                    found.append((number, box, attribute, index, source))
    return found


def fit_css_images(document: weasyprint.Document, cache: Path, dpi: int | None, quality: int, bleed: bool) -> int:
    """The layout's background images as its photos: painted out to the bleed box where their box touches
    the trim edge (`bleed`, the print profile), then resampled to the size they are drawn at `dpi`
    (None: kept as they are); return how many were resampled."""
    jobs = css_images(document)
    if bleed:
        for page in document.pages:
            _bleed_backgrounds(page_box(page))
    if not dpi or not jobs:
        return 0
    cache.mkdir(parents=True, exist_ok=True)
    made = 0
    for _, box, attribute, index, source in jobs:
        background = getattr(box, attribute)
        layer = background.layers[index]
        width, height = layer.size
        if not width or not height or layer.repeat != ("no-repeat", "no-repeat"):
            continue  # a tiled pattern is drawn at its own size: nothing to gain
        pixels_w = max(1, round(width / CSS_PX_PER_INCH * dpi))
        pixels_h = max(1, round(pixels_w * height / width))
        stem = cache / f"{content_hash(source, cache)}-{pixels_w}x{pixels_h}-fit-q{quality}"
        target = _made(stem) or _resample(source, stem, pixels_w, pixels_h, None, quality)
        if target is None:
            continue
        with PILImage.open(target) as im:
            image = raster_image(im, target)
        layers = list(background.layers)
        layers[index] = layer._replace(image=image)
        setattr(box, attribute, background._replace(layers=layers))
        made += 1
    return made


def _bleed_backgrounds(page: boxes.PageBox) -> None:
    """A background painted up to a trim edge goes on to the bleed box's edge, and a cover image grows
    with it: WeasyPrint paints only the page's own background into the bleed."""
    bx, by, bw, bh = page.bleed_area
    width, height = page.margin_width(), page.margin_height()
    near = 0.5  # CSS px: a box set to the trim edge by negative margins lands there to a rounding
    holders = [(page, "canvas_background"), *((box, "background") for box in page.descendants(placeholders=True))]
    for box, attribute in holders:
        background = getattr(box, attribute, None)
        if not background or not background.layers:
            continue
        layers = []
        for layer in background.layers:
            x, y, w, h = layer.painting_area
            left, top = (bx if abs(x) < near else x), (by if abs(y) < near else y)
            right = bx + bw if abs(x + w - width) < near else x + w
            bottom = by + bh if abs(y + h - height) < near else y + h
            area = (left, top, right - left, bottom - top)
            if area == tuple(layer.painting_area):
                layers.append(layer)  # not at the trim, or already in the bleed (the page's own)
            else:
                clipped = [(min(c[0], left) if abs(c[0] - x) < near else c[0], min(c[1], top) if abs(c[1] - y) < near else c[1],
                            c[2], c[3], *c[4:]) for c in layer.clipped_boxes]
                clipped = [(cx, cy, (right if abs(c[0] + c[2] - x - w) < near else c[0] + c[2]) - cx,
                            (bottom if abs(c[1] + c[3] - y - h) < near else c[1] + c[3]) - cy, *c[4:])
                           for (cx, cy, *_), c in zip(clipped, layer.clipped_boxes)]
                layers.append(_cover(layer._replace(painting_area=area, clipped_boxes=clipped), (x, y, w, h)))
        setattr(box, attribute, background._replace(layers=layers))


def _cover(layer: object, before: tuple[float, float, float, float]) -> object:
    """An image that covered the area before it grew covers it after, scaled about the same anchor."""
    if layer.image is None or layer.size == "unused" or layer.repeat != ("no-repeat", "no-repeat"):  # type: ignore[attr-defined]
        return layer
    (px, py, *_), (ix, iy), (iw, ih) = layer.positioning_area, layer.position, layer.size  # type: ignore[attr-defined]
    x0, y0 = px + ix, py + iy
    bx, by, bw, bh = before
    if x0 > bx + 0.5 or y0 > by + 0.5 or x0 + iw < bx + bw - 0.5 or y0 + ih < by + bh - 0.5:
        return layer  # it did not cover its box: a positioned picture, left as placed
    ax, ay, aw, ah = layer.painting_area  # type: ignore[attr-defined]
    scale = max(aw / iw, ah / ih, 1.0)
    # Keep the point of the image at the old area's centre where it was.
    cx, cy = bx + bw / 2, by + bh / 2
    nx, ny = cx - (cx - x0) * scale, cy - (cy - y0) * scale
    nx, ny = min(nx, ax), min(ny, ay)
    nx, ny = max(nx, ax + aw - iw * scale), max(ny, ay + ah - ih * scale)
    return layer._replace(size=(iw * scale, ih * scale), position=(nx - px, ny - py))  # type: ignore[attr-defined]
