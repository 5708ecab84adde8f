"""CSS images (a masthead cover, an @page background) go through the photo pipeline: resampled, checked, bled."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pypdf
import pytest
from PIL import Image, ImageFilter

from bulletin_press.build import Options, build

from ..conftest import ARTICLE, HEADER, make_project

MM = 96 / 25.4  # CSS px per mm
# The masthead set to the trim edge on three sides (negative margins), a camera photo covering it.
COVER_CSS = """\
.masthead { margin: -22mm -18mm 5mm; padding: 22mm 18mm 6mm; min-height: 52mm; border: none;
            background: #123 url(cover.jpg) center / cover no-repeat; }
.masthead, .masthead-title { color: white; }
"""


def _camera_photo(path: Path, size: tuple[int, int] = (4000, 3000), seed: int = 20) -> None:
    """A camera-sized JPEG of smooth seeded noise (never committed): ~1.4 MB as a phone writes it."""
    rng = random.Random(seed)
    small = Image.new("RGB", (40, 30))
    small.putdata([(rng.randrange(40, 90), rng.randrange(90, 160), rng.randrange(40, 110)) for _ in range(40 * 30)])
    photo = small.resize(size, Image.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(2))
    grain = Image.effect_noise(size, 24).convert("RGB")
    Image.blend(photo, grain, 0.12).save(path, quality=90)


def _project(tmp_path: Path, css: str = COVER_CSS, size: tuple[int, int] = (4000, 3000)):
    issue = (HEADER + ARTICLE).replace("layout: cega-bulletin", "layout: cover")
    project = make_project(tmp_path, issue, layouts={"cover": {
        "layout.yaml": "name: cover\nextends: cega-bulletin\nstylesheets: [cover.css]\n", "cover.css": css}})
    _camera_photo(tmp_path / "layouts" / "cover" / "cover.jpg", size)
    return project


def _images(pdf: Path) -> list[tuple[int, int]]:
    sizes = []
    for page in pypdf.PdfReader(pdf).pages:
        for obj in page["/Resources"].get("/XObject", {}).values():
            sizes += _walk(obj.get_object())
    return sizes


def _walk(obj) -> list[tuple[int, int]]:
    if obj.get("/Subtype") == "/Image":
        return [(int(obj["/Width"]), int(obj["/Height"]))]
    found = []
    for inner in obj.get("/Resources", {}).get("/XObject", {}).values():
        found += _walk(inner.get_object())
    return found


@pytest.mark.slow
def test_a_cover_is_embedded_at_its_placed_size_on_screen(tmp_path: Path) -> None:
    project = _project(tmp_path)
    camera = (tmp_path / "layouts" / "cover" / "cover.jpg").stat().st_size
    assert camera > 1_000_000
    result = build(project, "x")
    [(width, height)] = _images(result.pdf)
    # 210 mm wide (the page), covered at 150 dpi: 1240 px, not the camera's 4000.
    assert abs(width - round(210 / 25.4 * 150)) <= 2, (width, height)
    assert abs(width / height - 4 / 3) < 0.01
    assert result.size < camera / 4, (result.size, camera)


def test_a_small_cover_is_named_with_its_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = _project(tmp_path, size=(800, 600))
    monkeypatch.chdir(tmp_path)
    result = build(project, "x")
    [warning] = [str(f) for f in result.report.warnings if "cover.jpg" in str(f)]
    assert warning.startswith("layouts/cover/cover.jpg: warning: background image layouts/cover/cover.jpg is 9")
    assert "dpi where the layout's CSS draws it on page 1 (210×" in warning
    assert warning.endswith("expected at least 150 dpi — supply a larger image")


def _render_png(pdf: Path, tmp_path: Path) -> Image.Image:
    subprocess.run(["pdftoppm", "-r", "30", "-f", "1", "-l", "1", "-png", "-cropbox", str(pdf), str(tmp_path / "page")],
                   check=True)
    return Image.open(next(tmp_path.glob("page*.png"))).convert("RGB")


@pytest.mark.slow
def test_in_print_a_cover_at_the_trim_edge_reaches_the_bleed_box(tmp_path: Path) -> None:
    project = _project(tmp_path)
    result = build(project, "x", Options(profile="print"))
    reader = pypdf.PdfReader(result.pdf)
    page = reader.pages[0]
    bleed, trim = [float(v) for v in page.bleedbox], [float(v) for v in page.trimbox]
    assert bleed[0] < trim[0] - 8  # 3 mm ≈ 8.5 pt of bleed on each side
    # Rendered over the whole bleed box (-cropbox with crop = bleed + marks): the cover's top band is
    # green/dark out to the bleed box's left, top and right edges — not white.
    image = _render_png(result.pdf, tmp_path)
    scale = image.width / (float(page.cropbox[2]) - float(page.cropbox[0]))
    left = round((bleed[0] - float(page.cropbox[0])) * scale) + 1
    right = round((bleed[2] - float(page.cropbox[0])) * scale) - 2
    top = round((float(page.cropbox[3]) - bleed[3]) * scale) + 1
    for x, y in ((left, top), (right, top), (left, top + 20), (right, top + 20), (image.width // 2, top)):
        r, g, b = image.getpixel((x, y))
        assert r + g + b < 600, ((x, y), (r, g, b))  # white is 765
    # and the trim line's outside on the text pages stays white (only what touches the trim bleeds)
    assert sum(image.getpixel((left, image.height // 2))) > 700
