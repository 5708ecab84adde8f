"""Photos keep their shape, read back from the PDF: whole unless `crop:`, at most a quarter cropped
for rhythm, tall photos capped and centred, rows at one height filling the column."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pytest
from PIL import Image

from bulletin_press.build import Options, Result, build
from bulletin_press.content.blocks import Photo, PhotoBlock, PhotoRow
from bulletin_press.content.load import load_issue
from bulletin_press.diagnostics import BuildError
from bulletin_press.project import Project
from bulletin_press.layout.passes import block_id

from ..conftest import HEADER, MM, ROOT, make_project

LEFT, RIGHT = 18 * MM, 192 * MM  # the cega-bulletin's column, in PDF points
TALL_CAP = 110 * MM  # cega-bulletin's --photo-tall-height
WIDE_CAP = 100 * MM  # cega-bulletin's --photo-max-height
TOLERANCE = 0.5  # pt
RED, GREEN, BLUE = (220, 30, 30), (30, 200, 30), (30, 30, 220)


def bands(size: tuple[int, int], across: bool = False) -> Image.Image:
    """Three colour bands, red first: top to bottom, or left to right when `across`."""
    im = Image.new("RGB", size, GREEN)
    w, h = size
    first, last = ((0, 0, w // 3, h), (w - w // 3, 0, w, h)) if across else ((0, 0, w, h // 3), (0, h - h // 3, w, h))
    im.paste(RED, first)
    im.paste(BLUE, last)
    return im


ISSUE = HEADER + """\
sections:
  - type: section
    title: 图片
    body:
      - type: article
        title: 图片的形状
        body:
          - 单张横幅照片占满栏宽。
          - {type: photo, src: photos/land.jpg, caption: "四比三的横幅照片", credit: 摄影者甲}
          - {type: photo, src: photos/portrait.jpg, caption: "竖幅照片完整显示，居中"}
          - {type: photo, src: photos/pano.jpg, caption: "全景照片占满栏宽，不裁切"}
          - {type: photo, src: photos/cropped.jpg, caption: "按编辑要求裁成十六比九，保留上部", crop: "16:9", focus: top}
          - {type: photo, src: photos/turned.jpg, caption: "手机竖拍（EXIF 旋转）的照片按竖幅显示"}
          - type: photo_row
            photos:
              - {src: photos/land.jpg, caption: "两张一行：横幅", credit: 摄影者乙}
              - {src: photos/portrait.jpg, caption: "两张一行：竖幅，图注较长需要折行显示在图片下方"}
          - type: photo_row
            photos:
              - {src: photos/pano.jpg, caption: "三张一行：全景"}
              - {src: photos/portrait.jpg, caption: "竖幅"}
              - {src: photos/land.jpg, caption: "横幅"}
          - type: photo_row
            photos:
              - {src: photos/land.jpg, caption: "四张一行"}
              - {src: photos/portrait.jpg, caption: "竖幅图注"}
              - {src: photos/square.jpg, caption: "方形"}
              - {src: photos/wide.jpg, caption: "十六比九的宽幅照片"}
"""


@dataclass
class Placed:
    """One photo of the YAML and where the PDF drew it."""

    photo: Photo
    row: int | None  # which row of the issue it stands in; None for a photo alone
    page: pdfplumber.page.Page
    image: dict  # pdfplumber's image: x0, x1, top, bottom, srcsize, stream
    file_aspect: float  # width over height of the file as shown (EXIF turns applied)
    scale: float = 1.0  # the no-holes pass shrank the photo (or its row) to this share, centred (holes.py)

    @property
    def width(self) -> float:
        return self.image["x1"] - self.image["x0"]

    @property
    def height(self) -> float:
        return self.image["bottom"] - self.image["top"]

    @property
    def aspect(self) -> float:
        return self.width / self.height

    @property
    def visible(self) -> float:
        """The share of the photo's area the frame shows (it covers the frame)."""
        return min(self.aspect, self.file_aspect) / max(self.aspect, self.file_aspect)

    def caption_top(self) -> float:
        """Where the caption under the photo starts: the top of its first line's characters in the
        caption face (an emoji's box stands higher on the same line)."""
        im = self.image
        chars = [c for c in self.page.chars if im["x0"] <= (c["x0"] + c["x1"]) / 2 <= im["x1"]
                 and im["bottom"] < c["top"] < im["bottom"] + 15 * MM and "Emoji" not in c["fontname"]]
        assert chars, f"no caption under {self.photo.src}"
        return min(c["top"] for c in chars)

    def pixels(self) -> Image.Image:
        return Image.open(io.BytesIO(self.image["stream"].get_data())).convert("RGB")


def shown_aspect(path: Path) -> float:
    with Image.open(path) as im:
        w, h = im.size
        return h / w if im.getexif().get(0x0112, 1) in (5, 6, 7, 8) else w / h


def placed(result: Result, folder: Path) -> list[Placed]:
    """The photos of the issue in reading order, each matched with its image in the PDF (drawing order)."""
    issue = load_issue(folder)
    wanted: list[tuple[Photo, int | None, float]] = []
    rows = 0
    for value, _ in issue.walk():
        asked = result.hints.get(block_id(value), {}) if isinstance(value, (PhotoBlock, PhotoRow)) else {}
        scale = asked.get("scale") or 1.0
        if isinstance(value, PhotoBlock):
            wanted.append((value, None, scale))
        elif isinstance(value, PhotoRow):
            wanted += [(p, rows, scale) for p in value.photos]
            rows += 1
    pdf = pdfplumber.open(result.pdf)
    drawn = [(page, im) for page in pdf.pages for im in page.images
             if im["x1"] - im["x0"] > 10 * MM]  # colour emoji are images too, a few mm wide
    assert len(drawn) == len(wanted), (len(drawn), len(wanted))
    return [Placed(photo, row, page, im, shown_aspect(folder / photo.src), scale)
            for (photo, row, scale), (page, im) in zip(wanted, drawn)]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> list[Placed]:
    tmp = tmp_path_factory.mktemp("photos")
    project = make_project(tmp, ISSUE)
    photos = project.issues / "x" / "photos"
    photos.mkdir()
    for name, size in {"land": (2400, 1800), "portrait": (1800, 2400), "pano": (3000, 1000),
                       "square": (1600, 1600), "wide": (2400, 1350), "cropped": (1800, 2400)}.items():
        bands(size).save(photos / f"{name}.jpg", quality=90)
    # Stored on its side with red at the left; EXIF orientation 6 turns it upright: red on top.
    exif = Image.Exif()
    exif[0x0112] = 6
    bands((2400, 1800), across=True).save(photos / "turned.jpg", quality=90, exif=exif)
    result = build(project, "x", Options())
    return placed(result, project.issues / "x")


def singles(photos: list[Placed]) -> dict[str, Placed]:
    return {p.photo.src.removeprefix("photos/").removesuffix(".jpg"): p for p in photos if p.row is None}


def rows(photos: list[Placed]) -> list[list[Placed]]:
    count = max(p.row for p in photos if p.row is not None) + 1
    return [[p for p in photos if p.row == i] for i in range(count)]


def check_rules(photos: list[Placed]) -> None:
    """The house rules every rendered photo keeps, whatever the issue."""
    for p in photos:
        where = f"{p.photo.src} on page {p.page.page_number}"
        if p.photo.crop is None:
            assert p.visible >= 0.75 - 0.005, f"{where}: {p.visible:.0%} of the photo shown"
        # The screen copy has the shape of its frame: the pixels cover what is shown, no more.
        w, h = p.image["srcsize"]
        assert abs(w / h - p.aspect) <= p.aspect / min(w, h) + 0.002, f"{where}: {w}×{h} px in a frame of {p.aspect:.3f}"
        assert LEFT - TOLERANCE <= p.image["x0"] and p.image["x1"] <= RIGHT + TOLERANCE, where
        if p.row is None:  # a shrunk photo: the column, the caps and so the photo at p.scale, its shape kept
            assert p.height <= max(WIDE_CAP, TALL_CAP) * p.scale + TOLERANCE, where
            if p.width < (RIGHT - LEFT) * p.scale - TOLERANCE:  # not full width: a tall photo, whole and centred
                assert p.height <= TALL_CAP * p.scale + TOLERANCE and p.visible > 0.995, where
            if p.width < RIGHT - LEFT - TOLERANCE:
                assert (p.image["x0"] + p.image["x1"]) / 2 == pytest.approx((LEFT + RIGHT) / 2, abs=TOLERANCE), where
    for row in rows(photos) if any(p.row is not None for p in photos) else []:
        where = f"row of {', '.join(p.photo.src for p in row)}"
        assert {p.page.page_number for p in row} == {row[0].page.page_number}, where
        assert max(p.height for p in row) - min(p.height for p in row) <= TOLERANCE, where
        assert max(p.image["top"] for p in row) - min(p.image["top"] for p in row) <= TOLERANCE, where
        inset = (RIGHT - LEFT) * (1 - row[0].scale) / 2  # a shrunk row stands centred
        assert row[0].image["x0"] == pytest.approx(LEFT + inset, abs=TOLERANCE), where
        assert row[-1].image["x1"] == pytest.approx(RIGHT - inset, abs=TOLERANCE), where
        gutters = [b.image["x0"] - a.image["x1"] for a, b in zip(row, row[1:])]
        assert max(gutters) - min(gutters) <= TOLERANCE and min(gutters) > 0, (where, gutters)
        tops = [p.caption_top() for p in row]
        assert max(tops) - min(tops) <= TOLERANCE, (where, tops)


def test_every_photo_keeps_its_shape_within_the_crop_rule(synthetic: list[Placed]) -> None:
    check_rules(synthetic)


def test_landscape_full_width_capped_portrait_whole_panorama_whole(synthetic: list[Placed]) -> None:
    one = singles(synthetic)
    land, portrait, pano = one["land"], one["portrait"], one["pano"]
    assert land.width == pytest.approx(RIGHT - LEFT, abs=TOLERANCE)
    assert land.height == pytest.approx(WIDE_CAP, abs=TOLERANCE)  # 4:3 at 174 mm would be 130 mm: 23 % cropped
    assert portrait.height == pytest.approx(TALL_CAP, abs=TOLERANCE)
    assert portrait.aspect == pytest.approx(0.75, abs=0.005)
    assert pano.width == pytest.approx(RIGHT - LEFT, abs=TOLERANCE) and pano.aspect == pytest.approx(3, abs=0.01)


def test_crop_and_focus_from_the_yaml_reach_the_embedded_pixels(synthetic: list[Placed]) -> None:
    cropped = singles(synthetic)["cropped"]
    assert cropped.aspect == pytest.approx(16 / 9, abs=0.01) and cropped.width == pytest.approx(RIGHT - LEFT, abs=TOLERANCE)
    pixels = cropped.pixels()
    top, bottom = pixels.getpixel((pixels.width // 2, 2)), pixels.getpixel((pixels.width // 2, pixels.height - 3))
    # A 3:4 photo in bands red/green/blue cropped 16:9 at its top keeps the red and part of the green.
    assert top[0] > 180 and top[2] < 80, top
    assert bottom[1] > 150 and bottom[2] < 80, bottom


def test_a_photo_turned_by_exif_is_shaped_and_resampled_upright(synthetic: list[Placed]) -> None:
    turned = singles(synthetic)["turned"]
    assert turned.aspect == pytest.approx(0.75, abs=0.005) and turned.height == pytest.approx(TALL_CAP, abs=TOLERANCE)
    pixels = turned.pixels()
    assert pixels.height > pixels.width
    top = pixels.getpixel((pixels.width // 2, 2))
    assert top[0] > 180 and top[2] < 80, top  # the stored left edge (red) is the shown top


def test_rows_are_justified_and_a_panorama_beside_a_portrait_is_balanced(synthetic: list[Placed]) -> None:
    two, three, four = rows(synthetic)
    assert [round(p.aspect, 2) for p in two] == [1.33, 0.75]  # shapes close enough: whole
    assert [round(p.aspect, 2) for p in four] == [1.33, 0.75, 1.0, 1.78]
    pano, portrait, land = three
    # 3:1 beside 3:4 would leave the portrait 34 mm wide: each end of the range gives up to a quarter.
    assert 0.75 <= pano.visible < 0.9 and 0.75 <= portrait.visible < 0.9 and land.visible > 0.995
    assert pano.aspect / portrait.aspect <= 2.5 + 0.01


@pytest.mark.slow
def test_the_corpus_photos_keep_their_shape(tmp_path_factory: pytest.TempPathFactory) -> None:
    project = Project(ROOT, build_dir=tmp_path_factory.mktemp("build"))
    shapes_seen = set()
    for issue_id in ("2023-12", "2024-01"):
        folder = ROOT / "tests" / "corpus" / issue_id
        photos = placed(build(project, str(folder), Options()), folder)
        check_rules(photos)
        shapes_seen |= {("row", len(r)) for r in rows(photos)}
        shapes_seen |= {("portrait" if p.file_aspect < 1 else "pano" if p.file_aspect >= 2.5 else "other", p.row is None)
                        for p in photos}
    assert {("row", 2), ("row", 3), ("row", 4), ("portrait", True), ("pano", True)} <= shapes_seen


@pytest.mark.parametrize("field, value, message", [
    ("crop", "wide", "crop 'wide' is not a shape; expected width:height such as 16:9"),
    ("focus", "middle", "focus 'middle' is unknown; expected one of: centre, top, bottom, left, right"),
])
def test_a_crop_or_focus_the_engine_cannot_read_is_an_error_at_its_place(tmp_path: Path, field: str, value: str,
                                                                        message: str) -> None:
    project = make_project(tmp_path, HEADER + f"""\
sections:
  - type: section
    title: 图片
    body:
      - type: photo_row
        photos:
          - src: photos/a.jpg
            {field}: {value}
""")
    with pytest.raises(BuildError) as caught:
        build(project, "x", Options())
    text = "\n".join(str(f) for f in caught.value.findings)
    assert "issue.yaml:18:13" in text and message in text, text


def test_a_photo_placed_twice_at_one_size_is_made_once_and_embedded_once(tmp_path: Path) -> None:
    """Copies are made side by side: two placements of one file at one size once raced for one file."""
    twice = HEADER + """\
sections:
  - type: section
    title: 图片
    body:
      - type: article
        title: 第一篇
        body:
          - 第一篇用了这张照片。
          - {type: photo, src: photos/land.jpg, caption: "第一次出现"}
      - type: article
        title: 第二篇
        body:
          - 第二篇又用了同一张照片。
          - {type: photo, src: photos/land.jpg, caption: "第二次出现"}
"""
    project = make_project(tmp_path, twice)
    (project.issues / "x" / "photos").mkdir()
    bands((2400, 1800)).save(project.issues / "x" / "photos" / "land.jpg", quality=90)
    result = build(project, "x", Options())  # the copy cache is empty: both placements want the copy now
    first, second = placed(result, project.issues / "x")
    assert first.image["srcsize"] == second.image["srcsize"] and first.image["srcsize"][0] < 2400
    assert first.image["stream"].objid == second.image["stream"].objid
    assert len(list((project.build / "cache").glob("*-q*.jpg"))) == 1
