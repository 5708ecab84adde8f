"""Generate the stand-in photos and logos (`standin: true`) that issues and the test corpus name."""

from __future__ import annotations

import argparse
import colorsys
import hashlib
import io
import os
import random
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from xml.sax.saxutils import escape

import yaml
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

LABEL = "STAND-IN 替代图片"
RASTER_EXTS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG"}
SVG_EXTS = {".svg"}
FONT_QUERY = "Noto Sans CJK SC:bold"
FONT_FALLBACK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
# Folders whose <id>/issue.yaml files name stand-ins: the real issues, then the test corpus.
ISSUE_FOLDERS = ("issues", "tests/corpus")
# A photo's shape from the end of its file name (`…-portrait.jpg`); anything else is --size.
SHAPES = {"-portrait": "portrait", "-pano": "panorama", "-panorama": "panorama", "-square": "square", "-wide": "wide"}


class StandinError(Exception):
    """A problem reported to the user as one line on stderr (exit 2)."""


@dataclass(frozen=True)
class Job:
    target: Path
    src: str
    text: str  # alt, caption or file name: what the stand-in says it replaces


# --- finding the stand-ins ---------------------------------------------------------------------


def iter_standins(node: Any) -> Iterator[dict[str, Any]]:
    """Yield every mapping with `standin: true` and a string `src`, however deeply nested."""
    children: Iterable[Any]
    if isinstance(node, dict):
        if node.get("standin") is True and isinstance(node.get("src"), str):
            yield node
        children = node.values()
    elif isinstance(node, list):
        children = node
    else:
        return
    for child in children:
        yield from iter_standins(child)


def plain(text: str) -> str:
    """Drop the inline marks (`**`, `*`, `[t](url)`) so captions read as plain text."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(?<!\\)\*+", "", text)
    return re.sub(r"\\(.)", r"\1", text).strip()


def describe(image: dict[str, Any], src: str, *, caption_ok: bool) -> str:
    for key in ("alt", "caption") if caption_ok else ("alt",):
        value = image.get(key)
        if isinstance(value, str) and value.strip():
            return plain(value)
    name = PurePosixPath(src)
    return name.name if caption_ok else name.stem


def safe_target(issue_dir: Path, src: str) -> Path:
    """Resolve `src` inside the issue folder; refuse anything that would write elsewhere."""
    rel = PurePosixPath(src)
    if not src.strip():
        raise StandinError(f"{issue_dir / 'issue.yaml'}: a stand-in has an empty src")
    if rel.is_absolute() or ".." in rel.parts or "\\" in src:
        raise StandinError(f"{issue_dir / 'issue.yaml'}: src {src!r} must stay inside the issue folder")
    target = issue_dir.joinpath(*rel.parts)
    # Symlinked sub-folders could still lead outside.
    if not target.resolve().is_relative_to(issue_dir.resolve()):
        raise StandinError(f"{issue_dir / 'issue.yaml'}: src {src!r} leads outside the issue folder")
    return target


def load_issue(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        detail = " ".join(str(exc).split())
        raise StandinError(f"{path}: cannot read YAML: {detail}") from None


def collect_jobs(issue_files: list[Path]) -> list[Job]:
    jobs: dict[Path, Job] = {}
    for issue_file in issue_files:
        issue_dir = issue_file.parent
        for image in iter_standins(load_issue(issue_file)):
            src = image["src"]
            target = safe_target(issue_dir, src)
            ext = target.suffix.lower()
            if ext not in RASTER_EXTS and ext not in SVG_EXTS:
                raise StandinError(f"{issue_file}: cannot make a stand-in for {src!r} (use .jpg, .jpeg, .png or .svg)")
            # The same file may be named twice (a photo reused); the first description wins.
            jobs.setdefault(target, Job(target, src, describe(image, src, caption_ok=ext in RASTER_EXTS)))
    return list(jobs.values())


def issue_files(root: Path, ids: list[str]) -> list[Path]:
    """`ids` are issue ids (issues/<id>) or issue folders (tests/corpus/2023-12); none: every issue."""
    issues = root / "issues"
    if not issues.is_dir():
        raise StandinError(f"{issues} is not a folder (wrong --root?)")
    if not ids:
        return [f for folder in ISSUE_FOLDERS for f in sorted((root / folder).glob("*/issue.yaml"))]
    files = []
    for issue_id in ids:
        by_id = issues / issue_id / "issue.yaml"
        by_path = (root / issue_id / "issue.yaml", Path(issue_id) / "issue.yaml")
        if "/" not in issue_id and issue_id not in ("", ".", "..") and by_id.is_file():
            files.append(by_id)
        elif found := next((p for p in by_path if issue_id and p.is_file()), None):
            files.append(found)
        else:
            raise StandinError(f"no issue {issue_id!r}: neither {by_id} nor {by_path[0]} found")
    return files


def shape_size(target: Path, size: tuple[int, int]) -> tuple[int, int]:
    """The pixel size for a photo: --size, turned upright for `-portrait`, 3:1 for `-pano`, 1:1 for
    `-square`, 16:9 for `-wide`."""
    long, short = max(size), min(size)
    shape = next((s for suffix, s in SHAPES.items() if target.stem.lower().endswith(suffix)), None)
    if shape == "portrait":
        return short, long
    if shape == "panorama":
        return long, max(32, long // 3)
    if shape == "square":
        return short, short
    if shape == "wide":
        return long, max(32, long * 9 // 16)
    return size


# --- fonts -------------------------------------------------------------------------------------


def covers(path: str, index: int, text: str) -> bool:
    """True if face `index` of the font file has glyphs for every character of `text`."""
    try:
        try:
            from fontTools.ttLib import TTFont
        except ImportError:  # Without fontTools trust the family name that FreeType reports.
            return "CJK" in family(path, index)
        cmap = TTFont(path, fontNumber=index, lazy=True).getBestCmap() or {}
    except Exception:  # An unreadable file or a missing face simply does not qualify.
        return False
    return all(ord(ch) in cmap for ch in text if not ch.isspace())


def family(path: str, index: int) -> str:
    try:
        return ImageFont.truetype(path, 10, index=index).getname()[0] or ""
    except OSError:  # no such face in the collection
        return ""


def find_cjk_font() -> tuple[str, int]:
    """Return (file, face index) of a bold Simplified-Chinese font, found through fontconfig."""
    candidates: list[tuple[str, int]] = []
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{file}\t%{index}", FONT_QUERY], capture_output=True, text=True, timeout=30, check=False
        ).stdout
        file, _, face = out.partition("\t")
        if file:
            candidates.append((file, int(face or 0)))
    except (OSError, ValueError, subprocess.SubprocessError):
        pass  # No fontconfig: fall back to the Debian path below.
    # fc-match always answers, with a Latin font if need be, and .ttc index order varies,
    # so check what it names and otherwise try each face of the known collection.
    # The JP/KR/TC faces cover the label too but draw some hanzi the Japanese way: SC first.
    faces = [(str(FONT_FALLBACK), i) for i in range(10) if FONT_FALLBACK.is_file()]
    candidates += sorted(faces, key=lambda face: " SC" not in family(*face))
    for file, index in candidates:
        if Path(file).is_file() and covers(file, index, LABEL):
            return file, index
    raise StandinError(f"no CJK font found for {FONT_QUERY!r}; install the Debian package fonts-noto-cjk")


# --- rendering ---------------------------------------------------------------------------------


def seed_of(src: str) -> int:
    return int.from_bytes(hashlib.sha256(src.encode("utf-8")).digest()[:8], "big")


def hsv(h: float, s: float, v: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
    return round(r * 255), round(g * 255), round(b * 255)


def landscape(size: tuple[int, int], rng: random.Random) -> Image.Image:
    """A soft sky-and-hills picture, drawn tiny and scaled up so it costs nearly nothing."""
    w, h = size
    # A fixed ~200 px wide sketch: small outputs keep soft shapes instead of blocky mottling.
    sw = min(w, 200)
    sh = max(6, round(sw * h / w))
    small = Image.new("RGB", (sw, sh))
    draw = ImageDraw.Draw(small)
    sky = rng.uniform(0.52, 0.62)
    for y in range(sh):
        f = y / sh
        draw.line([(0, y), (sw, y)], fill=hsv(sky, 0.2 + 0.35 * f, 0.97 - 0.12 * f))
    for i in range(rng.randint(4, 6)):  # hills, far (pale, bluish) to near (dark, green)
        cx, cy = rng.uniform(-0.2, 1.2) * sw, sh * (0.42 + 0.11 * i + rng.uniform(-0.04, 0.04))
        rx, ry = rng.uniform(0.35, 0.9) * sw, rng.uniform(0.12, 0.25) * sh
        colour = hsv(max(0.2, rng.uniform(0.22, 0.45) - 0.02 * i), rng.uniform(0.3, 0.45) + 0.06 * i, 0.8 - 0.07 * i)
        draw.ellipse([cx - rx, cy - ry, cx + rx, cy + 4 * ry], fill=colour)
    small = small.filter(ImageFilter.GaussianBlur(sw / 60))
    # Faint mottling, so that the upscaled picture is not a perfectly clean gradient.
    mottle = Image.frombytes("RGB", small.size, rng.randbytes(sw * sh * 3)).point(lambda v: 120 + v * 16 // 255)
    small = ImageChops.add(small, mottle, 1.0, -128)
    return small.resize(size, Image.Resampling.BICUBIC)


def grain(size: tuple[int, int], rng: random.Random, amp: int = 9) -> Image.Image:
    """Camera-like fine noise, centred on 128: drawn at half size (fast) from the seeded RNG.

    Image.effect_noise would be quicker to write but uses C rand(), which is not seedable.
    """
    w, h = size
    nw, nh = max(1, w // 2), max(1, h // 2)
    noise = Image.frombytes("L", (nw, nh), rng.randbytes(nw * nh))
    noise = noise.point(lambda v: 128 - amp + v * 2 * amp // 255).resize(size, Image.Resampling.BILINEAR)
    return Image.merge("RGB", (noise, noise, noise))


def wrap(text: str, font: ImageFont.FreeTypeFont, width: float, max_lines: int = 2) -> list[str]:
    """Greedy wrap: Chinese breaks anywhere, Latin words stay whole unless longer than a line."""
    lines, line = [], ""
    for token in re.findall(r"[^\s\u2e80-\u9fff\uff00-\uffef]+\s*|\s+|.", " ".join(text.split())):
        if font.getlength(line + token.rstrip()) <= width or not line.strip():
            line += token
            continue
        lines.append(line.rstrip())
        line = token.lstrip()
    lines.append(line.rstrip())
    lines = [ln for ln in lines if ln] or [""]
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and font.getlength(last + "…") > width:
            last = last[:-1]
        lines = lines[: max_lines - 1] + [last + "…"]
    # A single unbreakable token can still be too wide: shorten it character by character.
    return [ln if font.getlength(ln) <= width else shorten(ln, font, width) for ln in lines]


def shorten(line: str, font: ImageFont.FreeTypeFont, width: float) -> str:
    while line and font.getlength(line + "…") > width:
        line = line[:-1]
    return line + "…"


def banner(img: Image.Image, text: str, font_file: str, font_index: int) -> None:
    """Paint a translucent band across the middle with the STAND-IN label and the description."""
    w, h = img.size
    probe = ImageFont.truetype(font_file, 100, index=font_index)
    label_px = max(8, int(min(h * 0.11, 100 * w * 0.82 / probe.getlength(LABEL))))
    label_font = ImageFont.truetype(font_file, label_px, index=font_index)
    text_font = ImageFont.truetype(font_file, max(6, int(label_px * 0.42)), index=font_index)
    lines = wrap(text, text_font, w * 0.86)
    line_h = text_font.size * 1.35
    band_h = int(label_px * 1.9 + line_h * len(lines) + label_px * 0.3)
    top = (h - band_h) // 2
    # Only the band is composited: a full-frame RGBA layer would double the run time.
    box = (0, top, w, top + band_h)
    layer = Image.new("RGBA", (w, band_h), (20, 30, 28, 120))
    draw = ImageDraw.Draw(layer)
    edge = max(2, h // 300)
    draw.rectangle([0, 0, w, edge], fill=(255, 255, 255, 200))
    draw.rectangle([0, band_h - edge, w, band_h], fill=(255, 255, 255, 200))
    y = label_px * 1.05
    draw.text(
        (w / 2, y),
        LABEL,
        font=label_font,
        anchor="mm",
        fill=(255, 255, 255, 255),
        stroke_width=max(1, label_px // 40),
        stroke_fill=(20, 30, 28, 255),
    )
    y = label_px * 1.75 + line_h / 2
    for line in lines:
        draw.text((w / 2, y), line, font=text_font, anchor="mm", fill=(255, 250, 225, 255))
        y += line_h
    band = img.crop(box).convert("RGBA")
    img.paste(Image.alpha_composite(band, layer).convert("RGB"), box)


def render_raster(job: Job, size: tuple[int, int], fmt: str, font: tuple[str, int]) -> bytes:
    rng = random.Random(seed_of(job.src))
    img = landscape(size, rng)
    if fmt == "JPEG":  # lossless PNG would keep every grain: 11 MB and 5 s instead of ~5 MB and 1 s
        img = ImageChops.add(img, grain(size, rng), 1.0, -128)
    banner(img, job.text, *font)
    out = io.BytesIO()
    if fmt == "JPEG":
        img.save(out, "JPEG", quality=85)
    else:
        img.save(out, "PNG", compress_level=3)
    return out.getvalue()


def svg_text_lines(text: str) -> tuple[list[str], int]:
    """Split the name into at most two lines and pick a font size that fits 230 units."""

    def ems(s: str) -> float:  # CJK glyphs are 1 em wide, Latin roughly 0.58 em
        return sum(1.0 if ord(ch) >= 0x2E80 else 0.58 for ch in s)

    text = " ".join(text.split()) or "logo"
    lines = [text]
    if ems(text) * 22 > 230:  # too long for one line at a readable size: cut near the middle,

        def longer(i: int) -> float:
            return max(ems(text[:i]), ems(text[i:]))

        cut = min(range(1, len(text)), key=longer)
        spaces = [i for i in range(1, len(text)) if text[i - 1] == " "]
        if spaces and longer(min(spaces, key=longer)) <= 0.7 * ems(text):  # at a space if fair
            cut = min(spaces, key=longer)
        lines = [text[:cut].strip(), text[cut:].strip()]
    size = int(max(11, min(28, 230 / max(ems(ln) for ln in lines))))
    return lines, size


def render_svg(job: Job) -> bytes:
    rng = random.Random(seed_of(job.src))
    hue = rng.uniform(0.25, 0.55)
    dark, mid, pale = (
        f"#{r:02x}{g:02x}{b:02x}" for r, g, b in (hsv(hue, 0.7, 0.42), hsv(hue, 0.55, 0.68), hsv(hue, 0.12, 0.97))
    )
    lines, size = svg_text_lines(job.text)
    y0 = 100 - (len(lines) - 1) * size * 0.6
    texts = "\n".join(
        f'  <text x="150" y="{y0 + i * size * 1.2:.1f}" font-size="{size}" font-weight="bold" fill="{dark}" '
        f'dominant-baseline="middle">{escape(line)}</text>'
        for i, line in enumerate(lines)
    )
    svg = f"""<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200" viewBox="0 0 400 200"
     font-family="'Noto Sans CJK SC', sans-serif">
  <title>{escape("STAND-IN: " + job.text)}</title>
  <rect x="6" y="6" width="388" height="188" rx="24" fill="{pale}"
        stroke="{mid}" stroke-width="4" stroke-dasharray="14 8"/>
  <circle cx="80" cy="100" r="48" fill="{mid}"/>
  <path d="M58 124 C56 90 76 66 108 64 C110 98 92 122 58 124 Z" fill="{pale}"/>
  <path d="M60 122 L98 78" stroke="{mid}" stroke-width="4" stroke-linecap="round"/>
{texts}
  <text x="380" y="182" font-size="12" text-anchor="end" fill="{mid}" letter-spacing="1">STAND-IN</text>
</svg>
"""
    return svg.encode("utf-8")


# --- driver ------------------------------------------------------------------------------------


def write_atomic(path: Path, data: bytes) -> None:
    """Write via a temporary file so an interrupted run never leaves a truncated image behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; other users (a web server, CI) may need to read
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def parse_size(value: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", value)
    if not match or min(int(match[1]), int(match[2])) < 32:
        raise argparse.ArgumentTypeError(f"expected WxH with both at least 32, e.g. 4000x3000, not {value!r}")
    return int(match[1]), int(match[2])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("issues", nargs="*", metavar="ISSUE",
                        help="issue ids or folders (default: every issues/*/ and tests/corpus/*/issue.yaml)")
    parser.add_argument(
        "--root",
        type=Path,
        default=Path(__file__).resolve().parent.parent,
        help="project root (default: the parent of scripts/)",
    )
    parser.add_argument(
        "--size",
        type=parse_size,
        default=(4000, 3000),
        metavar="WxH",
        help="pixel size of .jpg/.png stand-ins (default: 4000x3000, a camera photo); a file named "
        "…-portrait.jpg is drawn upright, …-pano.jpg three times as wide as high, …-square.jpg square, "
        "…-wide.jpg 16:9",
    )
    parser.add_argument("--force", action="store_true", help="regenerate files that already exist")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        files = issue_files(args.root, args.issues)
        jobs = collect_jobs(files)
        todo = [job for job in jobs if args.force or not job.target.exists()]
        # The font lookup costs a moment, so only pay for it when a raster is due.
        font = find_cjk_font() if any(j.target.suffix.lower() in RASTER_EXTS for j in todo) else None
        for job in todo:
            fmt = RASTER_EXTS.get(job.target.suffix.lower())
            data = render_raster(job, shape_size(job.target, args.size), fmt, font) if fmt and font else render_svg(job)
            write_atomic(job.target, data)
    except StandinError as exc:
        print(f"make_standins: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"make_standins: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(
        f"stand-ins: {len(todo)} generated, {len(jobs) - len(todo)} already present "
        f"({len(files)} issue{'s' if len(files) != 1 else ''})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
