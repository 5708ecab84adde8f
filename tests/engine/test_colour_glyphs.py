"""Emoji draw in colour from Noto Color Emoji wherever they stand, and copy out of the PDF as typed."""

from __future__ import annotations

from pathlib import Path

import pypdfium2
import weasyprint

from bulletin_press.engine import colour_glyphs
from bulletin_press.build import build

from ..conftest import HEADER, make_project, pdf_text, read_pdf

ISSUE = HEADER + """
sections:
  - type: section
    title: 栏目🌍
    body:
      - type: article
        title: 绿色行动😀
        body:
          - 环保🌱行动，CO₂ 减排 3‱。
          - {type: photo, src: photos/a.jpg, caption: 植树🌳现场}
"""



def test_emoji_in_paragraph_title_banner_and_caption(tmp_path: Path) -> None:
    from PIL import Image

    project = make_project(tmp_path, ISSUE)
    (project.issues / "x" / "photos").mkdir()
    Image.new("RGB", (1600, 1000), (200, 220, 200)).save(project.issues / "x" / "photos" / "a.jpg")
    result = build(project, "x")  # the build's own text-layer check passes too
    [page] = read_pdf(result.pdf)
    drawn = {c["text"]: c["fontname"].split("+", 1)[1] for c in page.chars}
    for emoji in "🌍😀🌱🌳":
        assert drawn[emoji].startswith("Noto-Color-Emoji"), drawn
    assert drawn["₂"] == "DejaVu-Sans" and drawn["‱"] == "DejaVu-Sans"
    text = pdf_text(result.pdf)
    for typed in ("栏目🌍", "绿色行动😀", "环保🌱行动", "植树🌳现场"):
        assert typed in text, text


def test_emoji_draws_as_its_picture_not_as_its_box(tmp_path: Path) -> None:
    """The box outline that gives the glyph its width is shown invisibly (3 Tr): the page shows the picture."""
    colour_glyphs.install()
    target = tmp_path / "e.pdf"
    weasyprint.HTML(string="<p style='font: 40pt \"Noto Serif CJK SC\"'>环🌱保</p>").write_pdf(target)
    [page] = read_pdf(target)
    [sprout] = [c for c in page.chars if c["text"] == "🌱"]
    doc = pypdfium2.PdfDocument(str(target))
    image = doc[0].render(scale=2).to_pil().convert("RGB")
    doc.close()
    box = image.crop(tuple(round(v * 2) for v in (sprout["x0"], sprout["top"], sprout["x1"], sprout["bottom"])))
    raw = box.tobytes()
    pixels = [tuple(raw[i:i + 3]) for i in range(0, len(raw), 3)]
    dark = sum(1 for r, g, b in pixels if r + g + b < 60) / len(pixels)
    green = sum(1 for r, g, b in pixels if g > r + 40 and g > b + 40) / len(pixels)
    assert dark < 0.05 and green > 0.1, (dark, green)


def test_without_the_hook_pdfium_loses_an_emoji_standing_alone(tmp_path: Path) -> None:
    """What the hook fixes: one empty glyph makes a zero-width text object, which PDFium's text page drops."""
    html = "<p style='font-family: \"Noto Serif CJK SC\"'>环保🌱行动🌍😀</p>"
    colour_glyphs.uninstall()
    try:
        weasyprint.HTML(string=html).write_pdf(tmp_path / "plain.pdf")
    finally:
        colour_glyphs.install()
    weasyprint.HTML(string=html).write_pdf(tmp_path / "hooked.pdf")
    assert "🌱" not in pdf_text(tmp_path / "plain.pdf") and "🌍😀" in pdf_text(tmp_path / "plain.pdf")
    assert "环保🌱行动🌍😀" in pdf_text(tmp_path / "hooked.pdf")


def test_hook_refuses_another_weasyprint(monkeypatch) -> None:
    colour_glyphs.uninstall()
    monkeypatch.setattr(weasyprint, "__version__", "99.0")
    try:
        colour_glyphs.install()
    except RuntimeError as e:
        assert "written for WeasyPrint 70.x, not 99.0" in str(e)
    else:
        raise AssertionError("install() accepted WeasyPrint 99.0")
    finally:
        monkeypatch.undo()
        colour_glyphs.install()
