"""Photo resolution at the size the layout placed it: enough pixels for screen (150 dpi) or print (300)."""

from __future__ import annotations

import weasyprint
from weasyprint.formatting_structure import boxes

from ..engine.boxes import page_box
from ..images.assets import Asset
from ..content.model import Image, Issue
from ..diagnostics import Finding, Pos, relpath

CSS_PX_PER_INCH = 96


def check_resolution(issue: Issue, document: weasyprint.Document, assets: dict[str, Asset],
                     min_dpi: int = 150) -> list[Finding]:
    """Effective resolution of each source photo where it was placed; under min_dpi is a warning."""
    by_url = {a.url: a for a in assets.values() if a.url}
    images = {v.src: v for v, _ in issue.walk() if isinstance(v, Image)}
    worst: dict[str, tuple[float, int, float, float]] = {}
    for number, page in enumerate(document.pages, 1):
        for box in page_box(page).descendants(placeholders=True):  # photos sit absolutely in their frames
            if not isinstance(box, boxes.ReplacedBox) or box.element is None:
                continue
            asset = by_url.get(box.element.get("src"))
            if not asset or not asset.width or not box.width or not box.height:
                continue
            # object-fit: cover fills the box, so the tighter axis sets the scale.
            fit = box.style["object_fit"]
            scales = (box.width / asset.width, box.height / asset.height)
            scale = max(scales) if fit == "cover" else min(scales)
            dpi = CSS_PX_PER_INCH / scale
            if asset.src not in worst or dpi < worst[asset.src][0]:
                worst[asset.src] = (dpi, number, box.width, box.height)
    findings = []
    for src, (dpi, number, width, height) in worst.items():
        if dpi < min_dpi:
            mm = lambda px: px / CSS_PX_PER_INCH * 25.4  # noqa: E731
            asset = assets[src]
            findings.append(Finding(images[src].pos, (
                f"photo {src} is {dpi:.0f} dpi where page {number} places it ({asset.width}×{asset.height} px over "
                f"{mm(width):.0f}×{mm(height):.0f} mm); expected at least {min_dpi} dpi — supply a larger original"), "warning"))
    return findings + _check_css_images(document, min_dpi)


def _check_css_images(document: weasyprint.Document, min_dpi: int) -> list[Finding]:
    """The layout's background images (covers, bands) at the size they are drawn, named by their file."""
    from ..images.resample import css_images

    worst: dict[str, tuple[float, int, float, float]] = {}
    for number, box, attribute, index, source in css_images(document):
        layer = getattr(box, attribute).layers[index]
        if layer.size == "unused" or not layer.size[0] or not layer.size[1]:
            continue
        dpi = CSS_PX_PER_INCH * min(layer.image.width / layer.size[0], layer.image.height / layer.size[1])
        key = relpath(source)
        if key not in worst or dpi < worst[key][0]:
            worst[key] = (dpi, number, *layer.size)
    mm = lambda px: px / CSS_PX_PER_INCH * 25.4  # noqa: E731
    return [Finding(Pos(src), (
        f"background image {src} is {dpi:.0f} dpi where the layout's CSS draws it on page {number} ({mm(w):.0f}×{mm(h):.0f} mm); "
        f"expected at least {min_dpi} dpi — supply a larger image"), "warning")
        for src, (dpi, number, w, h) in worst.items() if dpi < min_dpi]

