"""Fonts a layout brings (@font-face in its own folder): one file, or a set split by unicode-range as Chinese web fonts ship."""

from __future__ import annotations

from pathlib import Path

import pypdf
import pytest

from bulletin_press.build import build
from bulletin_press.content.load import load_issue
from bulletin_press.diagnostics import BuildError

from .conftest import ARTICLE, HEADER, make_project, missing_and_out_of_order, pdf_text, read_pdf

pytestmark = pytest.mark.slow  # font files sliced and embedded, each case rendered

CJK = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
SERIF = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
# What the set must draw: the issue's text and what the templates print around it (dates, issue lines).
TEXT = "栏目标题一段文字。测试简报网络第期总年月日百二〇一四零一三十，、：（）《》“”—·" + "".join(map(chr, range(0x21, 0x7f)))
SLICES = ((0x0, 0x2FFF), (0x3000, 0x6FFF), (0x7000, 0xFFFF))

ISSUE = HEADER + ARTICLE.replace("一段文字。", "一段文字, 测试 TEST 网络。")


def _font(source: str, index: int, family: str, codepoints: list[int], target: Path) -> None:
    """A subset of a system font under another family name (built here: no font file is committed)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(source, fontNumber=index)
    options = subset.Options()
    options.name_IDs, options.layout_features, options.notdef_outline = ["*"], ["*"], True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints)
    subsetter.subset(font)
    for record in font["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = family
    target.parent.mkdir(parents=True, exist_ok=True)
    font.save(target)


@pytest.fixture(scope="module")
def slices(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[list[int]]]:
    """Noto Sans CJK SC in three files by unicode-range, each with a space; and one without."""
    folder = tmp_path_factory.mktemp("fonts")
    ranges = [sorted({ord(c) for c in TEXT if a <= ord(c) <= b}) for a, b in SLICES]
    for i, codepoints in enumerate(ranges):
        _font(CJK, 2, "Split Sans", sorted({*codepoints, 0x20}), folder / f"split-{i}.otf")
    _font(CJK, 2, "Split Sans", ranges[1], folder / "split-1-nospace.otf")
    return folder, ranges


def _split_layout(folder: Path, ranges: list[list[int]], second: str = "split-1.otf", extra: str = "") -> dict[str, str]:
    css = "".join(
        f'@font-face {{ font-family: "Split Sans"; src: url(fonts/{name}) format("opentype"); '
        f'unicode-range: {", ".join(f"U+{c:04X}" for c in codepoints)}; }}\n'
        for name, codepoints in zip(("split-0.otf", second, "split-2.otf"), ranges))
    css += ':root { --font-body: "Split Sans", "Noto Serif CJK SC"; --font-heading: "Split Sans", "Noto Sans CJK SC"; }\n'
    files = {"layout.yaml": "name: split\nextends: cega-bulletin\nstylesheets: [split.css]\n", "split.css": css + extra}
    return files


def _copy_fonts(project_root: Path, folder: Path) -> None:
    target = project_root / "layouts" / "split" / "fonts"
    target.mkdir(parents=True, exist_ok=True)
    for font in folder.glob("*.otf"):
        (target / font.name).write_bytes(font.read_bytes())


def _font_names(pdf: Path) -> list[str]:
    names = set()
    for page in pypdf.PdfReader(pdf).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[1])
    return sorted(names)


def test_a_unicode_range_set_embeds_each_file_and_copies_out_intact(tmp_path: Path, slices, monkeypatch) -> None:
    folder, ranges = slices
    project = make_project(tmp_path, ISSUE.replace("layout: cega-bulletin", "layout: split"),
                           layouts={"split": _split_layout(folder, ranges)})
    _copy_fonts(tmp_path, folder)
    monkeypatch.chdir(tmp_path)
    result = build(project, "x")
    assert not [f for f in result.report.findings if "missing" in f.message], result.report.findings
    # Three files of one family, weight and style: three fonts in the PDF (WeasyPrint 70 made one of them).
    pdf = pypdf.PdfReader(result.pdf)
    programs = {str(f.get_object()["/BaseFont"]) for p in pdf.pages for f in p["/Resources"]["/Font"].values()
                if "Split-Sans" in str(f.get_object()["/BaseFont"]) and "Bold" not in str(f.get_object()["/BaseFont"])}
    assert len(programs) == 3, programs
    pages = read_pdf(result.pdf)
    missing, out_of_order = missing_and_out_of_order(load_issue(tmp_path / "issues" / "x"), pages)
    assert not missing and not out_of_order
    assert "一段文字， 测试 TEST 网络。" in pdf_text(result.pdf)
    assert not [f for f in result.report.findings if "Split Sans" in f.message], result.report.findings
    # The paragraph's characters are drawn by the set, each from its own file.
    body = [c for p in pages for c in p.chars if c["text"] in "一段文字测试网络TES"]
    assert body and all("Split-Sans" in c["fontname"] for c in body)
    assert len({c["fontname"] for c in body}) == 3  # T E S (slice 0), 一段文 (slice 1), 字测试网络 (slice 2)


def test_a_set_file_without_a_space_is_refused_before_layout(tmp_path: Path, slices, monkeypatch) -> None:
    folder, ranges = slices
    project = make_project(tmp_path, ISSUE.replace("layout: cega-bulletin", "layout: split"),
                           layouts={"split": _split_layout(folder, ranges, second="split-1-nospace.otf")})
    _copy_fonts(tmp_path, folder)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BuildError) as e:
        build(project, "x")
    [refusal] = [f for f in e.value.findings if f.severity == "error"]
    assert str(refusal) == (
        "layouts/split/split.css:2:1: @font-face 'Split Sans' (layouts/split/fonts/split-1-nospace.otf) is one file "
        "of a unicode-range set and has no space (U+0020): WeasyPrint 70 sets the spaces between this file's "
        "characters in it, and they would print as boxes; expected every file of the set to have U+0020 — add it to "
        "each file (pyftsubset --unicodes=U+0020,…), or merge the set into one file with fontTools' pyftmerge, or "
        "install the font and declare its family in fonts/fonts.yaml")
    assert not list((tmp_path / "build").rglob("*.pdf"))


def test_a_range_promising_what_its_file_lacks_is_refused_at_the_range(tmp_path: Path, slices, monkeypatch) -> None:
    folder, ranges = slices
    files = _split_layout(folder, ranges)
    files["split.css"] = files["split.css"].replace("U+6BB5", "U+6BB5, U+7F51")  # 网 is in split-2, not split-1
    project = make_project(tmp_path, ISSUE.replace("layout: cega-bulletin", "layout: split"), layouts={"split": files})
    _copy_fonts(tmp_path, folder)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BuildError) as e:
        build(project, "x")
    [refusal] = [f for f in e.value.findings if f.severity == "error"]
    column = files["split.css"].splitlines()[1].index("unicode-range") + 1  # the declaration, line 2
    assert str(refusal.pos) == f"layouts/split/split.css:2:{column}"
    assert refusal.message.startswith("@font-face 'Split Sans' (layouts/split/fonts/split-1.otf): its unicode-range "
                                      "promises 1 character of the issue its file lacks (网; '网' U+7F51 first at issues/x/issue.yaml:")


def test_a_single_file_face_is_embedded_and_what_it_lacks_is_named(tmp_path: Path, monkeypatch) -> None:
    _font(SERIF, 0, "Display Serif", [*range(0x20, 0x7f), 0x2900], tmp_path / "display.ttf")
    css = ('@font-face { font-family: "Display Serif"; src: url(fonts/display.ttf); }\n'
           '.article-title, .article h3 { font-family: "Display Serif", var(--font-heading); }\n')
    issue = (HEADER + ARTICLE).replace("layout: cega-bulletin", "layout: display").replace("title: 标题", "title: Arrow ⤀ 标题")
    project = make_project(tmp_path / "p", issue, layouts={"display": {
        "layout.yaml": "name: display\nextends: cega-bulletin\nstylesheets: [display.css]\n", "display.css": css}})
    (tmp_path / "p" / "layouts" / "display" / "fonts").mkdir()
    (tmp_path / "display.ttf").rename(tmp_path / "p" / "layouts" / "display" / "fonts" / "display.ttf")
    monkeypatch.chdir(tmp_path / "p")
    result = build(project, "x")
    messages = [str(f) for f in result.report.findings]
    # ⤀ is in no house font: the glyph preflight knows the layout's face has it.
    assert not [m for m in messages if "U+2900" in m], messages
    assert any("Display-Serif" in name for name in _font_names(result.pdf))
    title = [c for p in read_pdf(result.pdf) for c in p.chars if c["text"] in "Arrow⤀"]
    assert title and all("Display-Serif" in c["fontname"] for c in title)
    assert "Arrow ⤀ 标题" in pdf_text(result.pdf)
    # 标题 falls back to the next font of the stack: said once, at the @font-face rule.
    [fallback] = [m for m in messages if "Display Serif" in m]
    assert fallback == ("layouts/display/display.css:1:1: warning: @font-face 'Display Serif' lacks 2 characters the "
                        "layout sets in it: 标题 in Noto Sans CJK SC; expected a font with every character it sets — "
                        "add them to the font, or let a font that has them come next in font-family")
