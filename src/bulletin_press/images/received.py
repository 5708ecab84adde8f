"""Images as members send them: the file found by its name as typed, what it is, whether it is whole, and a copy WeasyPrint draws right."""

from __future__ import annotations

import os
import threading
import unicodedata
from pathlib import Path
from xml.etree import ElementTree

from PIL import Image as PILImage, ImageCms, ImageOps

try:  # iPhone photos: Pillow reads HEIC/HEIF only through pillow-heif's opener (libheif)
    from pillow_heif import register_heif_opener
except ImportError:  # pragma: no cover - scripts/setup.sh installs it
    HEIF = False
else:
    register_heif_opener()
    HEIF = True

# What WeasyPrint 70 embeds as it is: JPEG and PNG in these modes (RasterImage writes other modes
# wrongly: 16-bit grey as an unknown colour space, CMYK PNG/TIFF not at all).
DRAWN_AS_IS = {"RGB", "RGBA", "L", "LA", "P", "1"}
LOSSY = {"HEIF", "AVIF", "WEBP", "JPEG", "MPO"}  # an opaque copy of these is a JPEG, of the rest a PNG
COPY_QUALITY = 95  # the copy of a lossy original for print: no visible second loss

# The first bytes of files members send in place of a picture, and what to say they are.
NOT_PICTURES = (
    (b"%PDF", "a PDF document", "export the picture from it as JPEG or PNG"),
    (b"PK\x03\x04", "a ZIP archive or Word/PowerPoint document", "save the picture out of it as JPEG or PNG"),
    (b"\xd0\xcf\x11\xe0", "an old Word/PowerPoint document", "save the picture out of it as JPEG or PNG"),
    (b"%!PS", "a PostScript, EPS or Illustrator file", "export it as SVG or PNG"),
    (b"<!DOCTYPE html", "a web page, not the picture on it", "open the page and save the picture itself"),
    (b"<html", "a web page, not the picture on it", "open the page and save the picture itself"),
)
HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1")


def fold(name: str) -> str:
    """A file name as a person reads it: one Unicode form (a Mac writes NFD), letter case ignored."""
    return unicodedata.normalize("NFC", name).casefold()


def locate(folder: Path, src: Path) -> tuple[Path | None, str]:
    """The file `src` names under `folder`, found part by part where its name differs only in letter
    case or Unicode form; and how it differed ('' when found as typed)."""
    if (folder / src).is_file():
        return folder / src, ""
    current, ways = folder, set()
    for part in src.parts:
        if (current / part).exists():
            current = current / part
            continue
        try:
            matches = [c for c in current.iterdir() if fold(c.name) == fold(part)]
        except OSError:
            return None, ""
        if len(matches) != 1:
            return None, ""
        name = matches[0].name
        if unicodedata.normalize("NFC", name) != unicodedata.normalize("NFC", part):
            ways.add("case")
        if unicodedata.normalize("NFC", name) != name or unicodedata.normalize("NFC", part) != part:
            ways.add("form")
        current = matches[0]
    if not current.is_file():
        return None, ""
    return current, " and ".join(w for w in ("case", "form") if w in ways)


def facts(path: Path) -> dict[str, object]:
    """What the file is (format, mode, pixel size as shown, transparency, frames), and what is wrong with it."""
    head = path.open("rb").read(64)
    if path.suffix.lower() == ".svg" or head.lstrip().startswith((b"<svg", b"<?xml")):
        return _svg(path)
    try:
        with PILImage.open(path) as im:
            width, height = im.size
            if width * height > PILImage.MAX_IMAGE_PIXELS:
                return {"bomb": f"{width}×{height} pixels"}
            # A quarter turn in EXIF (a phone held upright): shown, and so shaped, the other way round.
            turned = im.getexif().get(0x0112, 1) in (5, 6, 7, 8)
            found: dict[str, object] = {"format": im.format or "", "mode": im.mode,
                                        "frames": getattr(im, "n_frames", 1), "size": [height, width] if turned else [width, height]}
            im.draft("RGB", (max(1, width // 8), max(1, height // 8)))  # JPEG: 1/8 scale is enough to check
            im.load()
            found["alpha"] = has_alpha(im)
    except PILImage.DecompressionBombError as e:
        return {"bomb": str(e)}
    except (OSError, SyntaxError, ValueError) as e:
        return {"unreadable": _what_instead(head) or ("", str(e))}
    if ends := _ends_early(path, str(found["format"])):
        found["damage"] = ends
    return found


def _svg(path: Path) -> dict[str, object]:
    try:
        root = ElementTree.parse(path).getroot()
    except ElementTree.ParseError as e:
        return {"svg": f"not readable as SVG (line {e.position[0]}: {str(e).split(':')[0]})"}
    if not root.tag.endswith("svg"):
        return {"svg": f"an XML file whose root is <{root.tag.split('}')[-1]}>, not <svg>"}
    return {"format": "SVG"}


def has_alpha(im: PILImage.Image) -> bool:
    """Whether any pixel is less than opaque: an alpha channel all 255 (a photo saved as RGBA) is none."""
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        return im.getchannel("A").getextrema()[0] < 255
    if "transparency" in im.info:
        return im.convert("RGBA").getchannel("A").getextrema()[0] < 255
    return False


def _what_instead(head: bytes) -> tuple[str, str] | None:
    """A file Pillow cannot open, named for what it is, and what to do with it."""
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return ("an iPhone photo (HEIC) and this installation has no HEIC reader",
                "install pillow-heif (scripts/setup.sh does), or export the photo as JPEG")
    for magic, what, todo in NOT_PICTURES:
        if head.lstrip()[:len(magic)].lower() == magic.lower():
            return what, todo
    return None


def _ends_early(path: Path, kind: str) -> str:
    """'' when the file is whole; else what is missing (WeasyPrint loads a cut file silently, the rest grey)."""
    data = path.read_bytes()
    if kind in ("JPEG", "MPO") and _jpeg_cut(data):
        progressive = b"\xff\xc2" in data[:data.find(b"\xff\xda")] if b"\xff\xda" in data else False
        return ("the picture is incomplete (blurred or grey in part)" if progressive
                else "the lower part of the picture is missing (printed grey)")
    if kind == "PNG" and _png_cut(data):
        return "the lower part of the picture is missing (printed blank)"
    return ""


def _jpeg_cut(data: bytes) -> bool:
    """Whether the JPEG's segments run out before its end-of-image marker."""
    i = 2
    while i + 1 < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker == 0xD9:
            return False
        if marker in (0xFF, 0x01) or 0xD0 <= marker <= 0xD7:  # fill byte, markers with no length
            i += 1 if marker == 0xFF else 2
            continue
        i += 2 + int.from_bytes(data[i + 2:i + 4], "big")
        if marker == 0xDA:  # entropy-coded data: up to the next marker that is neither a stuffed 0xFF nor a restart
            while True:
                j = data.find(b"\xff", i)
                if j < 0 or j + 1 >= len(data):
                    return True
                if data[j + 1] == 0 or 0xD0 <= data[j + 1] <= 0xD7:
                    i = j + 2
                    continue
                i = j
                break
    return True


def _png_cut(data: bytes) -> bool:
    """Whether the PNG's chunks run out before IEND."""
    i = 8
    while i + 8 <= len(data):
        length, kind = int.from_bytes(data[i:i + 4], "big"), data[i + 4:i + 8]
        if kind == b"IEND":
            return False
        i += 12 + length
    return True


def needs_copy(found: dict[str, object], keep_cmyk: bool) -> bool:
    """Whether WeasyPrint would draw the file wrongly (or not at all) in this profile, as it is."""
    mode, kind = found.get("mode"), found.get("format")
    if kind in ("JPEG", "MPO"):
        return mode not in DRAWN_AS_IS | {"CMYK"} or (mode == "CMYK" and not keep_cmyk)
    if kind == "PNG":
        return mode not in DRAWN_AS_IS
    return kind != "SVG"  # WebP, HEIF, GIF, TIFF, BMP …: one flat picture WeasyPrint embeds as drawn


def copy(source: Path, found: dict[str, object], folder: Path, stem: str, keep_cmyk: bool) -> Path:
    """A JPEG or PNG of the first frame, upright, in a mode WeasyPrint writes right: transparency kept
    as alpha (a soft mask in the PDF), 16-bit grey scaled to 8 bits, CMYK to sRGB unless `keep_cmyk`."""
    alpha = bool(found.get("alpha"))
    # A PNG cannot hold CMYK: a CMYK copy for print is a JPEG too.
    lossy = (found.get("format") in LOSSY and not alpha) or (found.get("mode") == "CMYK" and keep_cmyk)
    target = folder / f"{stem}.{'jpg' if lossy else 'png'}"
    if target.is_file():
        return target
    with PILImage.open(source) as im:
        im.seek(0)
        im.load()
        upright = ImageOps.exif_transpose(im)
        out = _flat_mode(upright, alpha, keep_cmyk)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}-{threading.get_ident()}.part")
    if lossy:
        out.save(tmp, "JPEG", quality=COPY_QUALITY)
    else:
        out.save(tmp, "PNG")
    tmp.replace(target)
    return target


def _flat_mode(im: PILImage.Image, alpha: bool, keep_cmyk: bool) -> PILImage.Image:
    if im.mode.startswith("I") or im.mode == "F":  # 16-bit grey: its range kept, in 8 bits (Pillow's convert clips it)
        wide = im.convert("I")
        scale = 255 / 65535 if im.mode.startswith("I;16") or wide.getextrema()[1] > 255 else 1
        return wide.point(lambda v: v * scale).convert("L")
    if im.mode == "CMYK":
        return im if keep_cmyk else _cmyk_to_srgb(im)
    grey = im.mode in ("L", "LA", "1")
    if alpha:
        return im.convert("LA" if grey else "RGBA")
    return im.convert("L" if grey else "RGB")


def _cmyk_to_srgb(im: PILImage.Image) -> PILImage.Image:
    """Through the file's own ICC profile when it has one (what the sender saw), else Pillow's plain formula."""
    icc = im.info.get("icc_profile")
    if icc:
        try:
            from io import BytesIO
            return ImageCms.profileToProfile(im, ImageCms.ImageCmsProfile(BytesIO(icc)), ImageCms.createProfile("sRGB"),
                                             outputMode="RGB")
        except (OSError, ImageCms.PyCMSError):
            pass
    return im.convert("RGB")
