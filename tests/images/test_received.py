"""Images as members send them, in every profile, read back from the PDF as a reader sees it:
pixels of the rendered page (transparency over the paper, a 16-bit gradient's range, colours of
HEIC and CMYK files) and the warnings word for word at their place in the YAML."""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

import pdfplumber
import pypdfium2
import pytest
from PIL import Image

from bulletin_press.images import received
from bulletin_press.build import Options, Result, build

from ..conftest import HEADER, make_project, pdf_text

pytestmark = pytest.mark.slow  # a page of every received format in three profiles

SCALE = 2  # rendered pixels per PDF point
RED, BLUE, HALF_BLUE = (200, 20, 20), (0, 0, 255), (127, 127, 255)  # half blue: 50 % blue over white paper
GREEN, NAVY, ORANGE = (30, 160, 60), (30, 60, 160), (200, 100, 0)
NFD_NAME = unicodedata.normalize("NFD", "café.jpg")

# Each case: the file name typed in the YAML, and its picture; None: the file is written by `files()`.
CASES = ["logo.png", "grey16.png", "cut.jpg", "iphone.heic", "照片 1.jpg", "café.jpg", "pal.png", "logo.webp",
         "logo.gif", "cmyk.jpg", "cmyk.tif", "flyer.jpg", "broken.svg", "anim.gif", "logo.png"]


def logo() -> Image.Image:
    """A partner logo: transparent background, an opaque red square, a 50 % blue square."""
    im = Image.new("RGBA", (1600, 800), (0, 0, 0, 0))  # transparent black: what a flattening would show
    im.paste(RED + (255,), (200, 200, 600, 600))
    im.paste(BLUE + (128,), (800, 200, 1400, 600))
    return im


def files(folder: Path) -> None:
    photos = folder / "photos"
    photos.mkdir()
    logo().save(photos / "logo.png")
    grey = Image.new("I;16", (256, 64))
    grey.putdata([x * 257 for _ in range(64) for x in range(256)])  # 0 … 65535 left to right
    grey.save(photos / "grey16.png")
    data = io.BytesIO()
    Image.linear_gradient("L").resize((600, 400)).convert("RGB").save(data, "JPEG", quality=90)
    (photos / "cut.jpg").write_bytes(data.getvalue()[: len(data.getvalue()) // 2])  # a download that stopped
    Image.new("RGB", (600, 400), GREEN).save(photos / "iphone.heic", quality=80)
    Image.new("RGB", (600, 400), NAVY).save(photos / "照片 1.JPG", quality=90)  # the camera's capitals
    Image.new("RGB", (600, 400), NAVY).save(photos / NFD_NAME, quality=90)  # a Mac's decomposed é
    palette = Image.new("P", (1600, 800), 0)
    palette.putpalette([0, 0, 0, *RED, *BLUE])
    palette.paste(1, (200, 200, 600, 600))
    palette.paste(2, (800, 200, 1400, 600))
    palette.save(photos / "pal.png", transparency=0)  # index 0 (black) is transparent: tRNS
    logo().save(photos / "logo.webp", lossless=True)
    logo().save(photos / "logo.gif")
    Image.new("CMYK", (600, 400), (0, 100, 200, 0)).save(photos / "cmyk.jpg", quality=90)
    Image.new("CMYK", (600, 400), (0, 100, 200, 0)).save(photos / "cmyk.tif")
    (photos / "flyer.jpg").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    (photos / "broken.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10"><rect', encoding="utf-8")
    frames = [Image.new("RGB", (300, 200), colour) for colour in (RED, GREEN, NAVY)]
    frames[0].save(photos / "anim.gif", save_all=True, append_images=frames[1:])


ISSUE = HEADER + """\
sections:
  - type: section
    title: 图片
    body:
      - type: article
        title: 会员发来的图片
        body:
          - 会员发来的各种图片。
""" + "".join(f"          - {{type: photo, src: photos/{name}, caption: 第{i}张}}\n" for i, name in enumerate(CASES))


def where(name: str, nth: int = 0) -> tuple[int, int]:
    """Line and column of the nth photo of `name` in ISSUE."""
    lines = [(number, line) for number, line in enumerate(ISSUE.splitlines(), 1) if f"src: photos/{name}," in line]
    number, line = lines[nth]
    return number, line.index("{") + 1


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Result]:
    project = make_project(tmp_path_factory.mktemp("received"), ISSUE)
    files(project.issues / "x")
    return {profile: build(project, "x", Options(profile=profile)) for profile in ("screen", "print", "archive")}


def drawn(result: Result) -> list[tuple[Image.Image, dict]]:
    """Every image of the PDF in reading order: the rendered page it is on, and its box there."""
    found = []
    doc = pypdfium2.PdfDocument(str(result.pdf))
    with pdfplumber.open(result.pdf) as pdf:
        for number, page in enumerate(pdf.pages):
            bitmap = doc[number].render(scale=SCALE).to_pil().convert("RGB")
            found += [(bitmap, image) for image in sorted(page.images, key=lambda i: i["top"])]
    doc.close()
    return found


def pixel(bitmap: Image.Image, image: dict, fx: float, fy: float) -> tuple[int, int, int]:
    """The rendered colour at a fraction of the image's drawn box."""
    x = image["x0"] + (image["x1"] - image["x0"]) * fx
    y = image["top"] + (image["bottom"] - image["top"]) * fy
    return bitmap.getpixel((int(x * SCALE), int(y * SCALE)))


def near(colour: tuple[int, ...], wanted: tuple[int, ...], by: int = 10) -> bool:
    return all(abs(a - b) <= by for a, b in zip(colour, wanted))


# Images in reading order: the cut JPEG prints as far as it goes, the PDF, the broken SVG get placeholders.
ORDER = ["logo.png", "grey16.png", "cut.jpg", "iphone.heic", "照片 1.jpg", "café.jpg", "pal.png", "logo.webp",
         "logo.gif", "cmyk.jpg", "cmyk.tif", "anim.gif", "logo.png"]


def image_of(built: dict[str, Result], profile: str, name: str) -> tuple[Image.Image, dict]:
    images = drawn(built[profile])
    assert len(images) == len(ORDER), [i["srcsize"] for _, i in images]
    return images[ORDER.index(name)]


@pytest.mark.parametrize("profile", ["screen", "print", "archive"])
@pytest.mark.parametrize("name", ["logo.png", "logo.webp", "pal.png", "logo.gif"])
def test_a_transparent_logo_shows_the_paper_and_half_alpha_blends(built: dict[str, Result], profile: str, name: str) -> None:
    bitmap, image = image_of(built, profile, name)
    corner, red, blue = (pixel(bitmap, image, fx, fy) for fx, fy in ((0.03, 0.08), (0.25, 0.5), (0.69, 0.5)))
    assert near(corner, (255, 255, 255), 3), f"{name} in {profile}: the transparent corner prints {corner}"
    assert near(red, RED), f"{name} in {profile}: {red}"
    # PNG and WebP keep 50 % alpha; GIF and a palette's tRNS have only on/off transparency: solid.
    wanted = BLUE if name in ("pal.png", "logo.gif") else HALF_BLUE
    assert near(blue, wanted), f"{name} in {profile}: the 50 % blue square prints {blue}, expected {wanted}"


@pytest.mark.parametrize("profile", ["screen", "print", "archive"])
def test_a_16_bit_grey_gradient_keeps_its_range(built: dict[str, Result], profile: str) -> None:
    bitmap, image = image_of(built, profile, "grey16.png")
    row = [pixel(bitmap, image, fx / 20, 0.5)[0] for fx in range(1, 20)]
    assert row[0] < 30 and row[-1] > 225 and abs(row[9] - 128) < 20, row
    assert all(b >= a - 3 for a, b in zip(row, row[1:])), row


@pytest.mark.parametrize("profile", ["screen", "print", "archive"])
def test_heic_cmyk_and_names_that_differ_print_their_colours(built: dict[str, Result], profile: str) -> None:
    for name, colour in [("iphone.heic", GREEN), ("照片 1.jpg", NAVY), ("café.jpg", NAVY),
                         ("cmyk.jpg", (255, 155, 55)), ("cmyk.tif", (255, 155, 55))]:
        bitmap, image = image_of(built, profile, name)
        shown = pixel(bitmap, image, 0.5, 0.5)
        # Print keeps CMYK: the viewer converts it by its own formula, a shade off Pillow's.
        assert near(shown, colour, 25 if "cmyk" in name else 12), f"{name} in {profile}: {shown}, expected {colour}"


def test_cmyk_stays_cmyk_for_the_print_shop_and_is_srgb_in_the_archive(built: dict[str, Result]) -> None:
    """PDF/X-4 declares a CMYK printing condition; PDF/A-3b (sRGB output intent) forbids DeviceCMYK."""
    for profile, space in (("print", "DeviceCMYK"), ("archive", "DeviceRGB"), ("screen", "DeviceRGB")):
        _, image = image_of(built, profile, "cmyk.tif")
        assert space in str(image["colorspace"]), (profile, image["colorspace"])


def test_each_case_is_named_at_its_place_word_for_word(built: dict[str, Result]) -> None:
    expected = {
        (*where("cut.jpg"), "image photos/cut.jpg is damaged: the file ends early and the lower part of the picture is "
                            "missing (printed grey) — ask the sender for the original again"),
        (*where("照片 1.jpg"), "image photos/照片 1.jpg is not there as typed; using photos/照片 1.JPG (the letter case "
                              "differs) — type src: photos/照片 1.JPG"),
        (*where("café.jpg"), f"image photos/café.jpg is not there as typed; using photos/{NFD_NAME} (the same letters in "
                             "another Unicode form, as a Mac writes names) — retype the file's name, or copy it into src"),
        (*where("flyer.jpg"), "image photos/flyer.jpg is a PDF document, not a picture the engine can print; shown as a "
                              "placeholder — export the picture from it as JPEG or PNG"),
        (*where("broken.svg"), "image photos/broken.svg is not readable as SVG (line 1: unclosed token): the file is "
                               "damaged or not an SVG; shown as a placeholder — ask the sender for it again, or use a PNG"),
        (*where("anim.gif"), "image photos/anim.gif is an animation (3 frames); the first is printed — if another is "
                             "wanted, save that one as PNG"),
        (*where("logo.png", 1), "photo photos/logo.png is placed twice (first at line "
                                f"{where('logo.png')[0]}); expected each photo once — if the repeat is meant, leave it, "
                                "otherwise choose another photo"),
    }
    for profile, result in built.items():
        found = {(f.pos.line, f.pos.col, f.message) for f in result.report.warnings if "dpi where" not in f.message}
        assert found == expected, f"{profile}: {found ^ expected}"


def test_an_unusable_file_is_labelled_unusable_not_missing(built: dict[str, Result]) -> None:
    text = pdf_text(built["screen"].pdf)
    assert "图片无法使用 · photos/flyer.jpg" in text and "图片无法使用 · photos/broken.svg" in text
    assert "图片缺失" not in text


def test_a_progressive_jpeg_cut_short_and_heic_without_a_reader_are_named(tmp_path: Path) -> None:
    data = io.BytesIO()
    Image.linear_gradient("L").save(data, "JPEG", quality=90, progressive=True)
    (tmp_path / "p.jpg").write_bytes(data.getvalue()[: len(data.getvalue()) * 2 // 3])
    assert received.facts(tmp_path / "p.jpg")["damage"] == "the picture is incomplete (blurred or grey in part)"
    (tmp_path / "whole.jpg").write_bytes(data.getvalue())
    assert "damage" not in received.facts(tmp_path / "whole.jpg")
    heic = io.BytesIO()
    Image.new("RGB", (64, 48)).save(heic, "HEIF")
    assert received._what_instead(heic.getvalue()[:64]) == (
        "an iPhone photo (HEIC) and this installation has no HEIC reader",
        "install pillow-heif (scripts/setup.sh does), or export the photo as JPEG")
