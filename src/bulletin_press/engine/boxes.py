"""Reads of WeasyPrint 70's laid-out pages that its public API does not offer: the rest of the project goes through these."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def page_box(page: Any) -> Any:
    """The root box of a laid-out page (`weasyprint.Page._page_box`, WeasyPrint 70's page/document.py):
    the tree the passes and checks walk. If WeasyPrint renames it, every pass fails here at once."""
    return page._page_box


def placed_box(placeholder: Any) -> Any:
    """The absolutely positioned box an `AbsolutePlaceholder` stands for in its parent's children
    (`_box`, WeasyPrint 70's layout/absolute.py)."""
    return placeholder._box


def raster_image(pillow_image: Any, path: Path) -> Any:
    """The image WeasyPrint draws for the raster file at `path`, opened as `pillow_image`, to stand in
    a laid-out box's `replacement` or a background layer (`weasyprint.images.RasterImage(pillow_image,
    image_id, image_data, filename)`, WeasyPrint 70). If its arguments change, resampled photos fail here."""
    from weasyprint.images import RasterImage

    return RasterImage(pillow_image, path.name, path.read_bytes(), filename=str(path))


def __getattr__(name: str) -> Any:
    # AbsolutePlaceholder and RasterImage (for isinstance) on first use: importing this module does
    # not import WeasyPrint (start-up).
    if name == "AbsolutePlaceholder":
        from weasyprint.layout.absolute import AbsolutePlaceholder

        return AbsolutePlaceholder
    if name == "RasterImage":
        from weasyprint.images import RasterImage

        return RasterImage
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
