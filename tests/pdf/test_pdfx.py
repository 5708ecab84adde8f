"""The print PDF is the PDF/X-4 a print shop's preflight accepts, the archive PDF the PDF/A-3b it claims: read back structurally."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pypdf
import pytest
from PIL import Image
from pypdf.generic import ArrayObject, DictionaryObject

from bulletin_press.build import Options, Result, build
from bulletin_press.diagnostics import BuildError

from ..conftest import HEADER, make_project

ICC = Path("/usr/share/scribus/profiles/ISOcoated_v2_300_bas.icc")  # layouts/base/layout.yaml, scribus-data
A4 = [0, 0, 595.28, 841.89]
needs_icc = pytest.mark.skipif(not ICC.is_file(), reason="scripts/setup.sh installs scribus-data (the print profile's ICC)")

# A small issue with what a print PDF has to carry: text in two faces, a photo (RGB), an emoji (an RGBA image), a link.
BODY = """\
sections:
  - type: section
    title: 栏目
    body:
      - type: article
        title: 标题
        body:
          - 一段文字，见 https://www.example.org/report 。🌱
          - {type: photo, src: photos/a.jpg, caption: 图片说明}
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory):
    project = make_project(tmp_path_factory.mktemp("pdfx"), HEADER + BODY)
    (project.issues / "x" / "photos").mkdir()
    Image.effect_noise((2400, 1800), 40).convert("RGB").save(project.issues / "x" / "photos" / "a.jpg", quality=85)
    return project


@pytest.fixture(scope="module")
def printed(project) -> Result:
    if not ICC.is_file():
        pytest.skip("scripts/setup.sh installs scribus-data (the print profile's ICC)")
    return build(project, "x", Options(profile="print"))


@pytest.fixture(scope="module")
def archived(project) -> Result:
    return build(project, "x", Options(profile="archive"))


def resources(reader: pypdf.PdfReader) -> Iterator[DictionaryObject]:
    """Every resource dictionary: each page's, and those of the forms drawn from them, however deep."""
    seen: set[int] = set()

    def walk(res: DictionaryObject) -> Iterator[DictionaryObject]:
        if id(res) in seen:
            return
        seen.add(id(res))
        yield res
        for x in (res.get("/XObject") or {}).values():
            x = x.get_object()
            if x["/Subtype"] == "/Form" and "/Resources" in x:
                yield from walk(x["/Resources"].get_object())
        for p in (res.get("/Pattern") or {}).values():
            if "/Resources" in p.get_object():
                yield from walk(p.get_object()["/Resources"].get_object())

    for page in reader.pages:
        yield from walk(page["/Resources"].get_object())


def fonts(reader: pypdf.PdfReader) -> dict[str, DictionaryObject]:
    return {str(f.get_object().get("/BaseFont", f.idnum)): f.get_object()
            for res in resources(reader) for f in (res.get("/Font") or {}).values()}


def embedded(font: DictionaryObject) -> bool:
    if font["/Subtype"] == "/Type3":  # glyphs drawn by content streams inside the font (WeasyPrint's emoji)
        return bool(font["/CharProcs"])
    descriptor = (font["/DescendantFonts"][0].get_object() if font["/Subtype"] == "/Type0" else font)["/FontDescriptor"]
    return any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def xmp(reader: pypdf.PdfReader) -> str:
    return reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()


@needs_icc
def test_print_declares_the_fogra39_output_intent_with_the_installed_profile(printed: Result) -> None:
    reader = pypdf.PdfReader(printed.pdf)
    [intent] = [i.get_object() for i in reader.trailer["/Root"]["/OutputIntents"]]
    assert intent["/Type"] == "/OutputIntent" and intent["/S"] == "/GTS_PDFX"
    assert intent["/OutputConditionIdentifier"] == "FOGRA39" and intent["/RegistryName"] == "http://www.color.org"
    assert intent["/Info"] == "ISO Coated v2 300% (basICColor)"
    profile = intent["/DestOutputProfile"].get_object()
    assert profile["/N"] == 4
    data = profile.get_data()
    assert data == ICC.read_bytes()  # the Debian file, byte for byte
    assert (data[12:16], data[16:20]) == (b"prtr", b"CMYK")  # an output (printer) profile of a CMYK space


@needs_icc
def test_print_identifies_itself_as_pdf_x4(printed: Result) -> None:
    reader = pypdf.PdfReader(printed.pdf)
    assert reader.pdf_header == "%PDF-1.6" and not reader.is_encrypted
    meta = xmp(reader)
    assert "<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>" in meta
    for key in ("xmpMM:DocumentID", "xmpMM:VersionID", "xmpMM:RenditionClass", "xmp:CreateDate", "xmp:ModifyDate"):
        assert f"<{key}>" in meta, key  # what PDF/X-4 asks of the XMP besides the version
    assert reader.metadata["/Trapped"] == "/False" and reader.metadata.title
    assert len(reader.trailer["/ID"]) == 2


@needs_icc
def test_print_pages_have_trim_inside_bleed_inside_media(printed: Result) -> None:
    reader = pypdf.PdfReader(printed.pdf)
    assert len(reader.pages) >= 1
    for page in reader.pages:
        assert "/TrimBox" in page and "/BleedBox" in page and "/ArtBox" not in page
        media, bleed, trim = ([float(v) for v in box] for box in (page.mediabox, page.bleedbox, page.trimbox))
        assert trim == pytest.approx(A4, abs=0.01)
        for outer, inner in ((media, bleed), (bleed, trim)):
            assert outer[0] <= inner[0] and outer[1] <= inner[1] and outer[2] >= inner[2] and outer[3] >= inner[3]
        assert bleed[0] == pytest.approx(-3 * 72 / 25.4, abs=0.01)  # 3 mm past the trim


@needs_icc
def test_print_embeds_every_font(printed: Result) -> None:
    found = fonts(pypdf.PdfReader(printed.pdf))
    assert any("Serif-CJK" in name for name in found) and any("Sans-CJK" in name for name in found), list(found)
    assert [name for name, font in found.items() if not embedded(font)] == []


@needs_icc
def test_print_rgb_is_srgb_by_default_rgb_so_the_cmyk_intent_allows_it(printed: Result) -> None:
    # WeasyPrint draws text, rules and photos in DeviceRGB; with a CMYK output intent PDF/X-4
    # accepts that only as a device-independent space: DefaultRGB names sRGB wherever it is used.
    reader = pypdf.PdfReader(printed.pdf)
    spaces = {x.get_object().get("/ColorSpace") for res in resources(reader)
              for x in (res.get("/XObject") or {}).values() if x.get_object()["/Subtype"] == "/Image"}
    assert "/DeviceRGB" in spaces and spaces <= {"/DeviceRGB", "/DeviceGray"}, spaces  # the photo, the emoji
    for res in resources(reader):
        default = res["/ColorSpace"].get_object()["/DefaultRGB"]
        assert isinstance(default, ArrayObject) and default[0] == "/ICCBased"
        srgb = default[1].get_object()
        assert srgb["/N"] == 3 and srgb.get_data()[16:20] == b"RGB "


@needs_icc
def test_print_has_no_annotations_on_the_printed_area(printed: Result, project) -> None:
    assert all("/Annots" not in page for page in pypdf.PdfReader(printed.pdf).pages)
    screen = pypdf.PdfReader(build(project, "x").pdf)  # the screen PDF keeps its live link
    assert any(a.get_object()["/Subtype"] == "/Link" for page in screen.pages for a in page.get("/Annots") or [])


def test_archive_is_pdf_a3b_with_an_srgb_intent_embedded_fonts_and_its_source(archived: Result, project) -> None:
    reader = pypdf.PdfReader(archived.pdf)
    root = reader.trailer["/Root"]
    assert not reader.is_encrypted and len(reader.trailer["/ID"]) == 2
    [intent] = [i.get_object() for i in root["/OutputIntents"]]
    assert intent["/S"] == "/GTS_PDFA1" and intent["/OutputConditionIdentifier"]
    profile = intent["/DestOutputProfile"].get_object()
    assert profile["/N"] == 3 and profile.get_data()[16:20] == b"RGB "
    meta = xmp(reader)
    assert re.search(r'pdfaid:part="3"', meta) and re.search(r'pdfaid:conformance="B"', meta)
    found = fonts(reader)
    assert found and [name for name, font in found.items() if not embedded(font)] == []
    source = (project.issues / "x" / "issue.yaml").read_bytes()
    assert reader.attachments["issue.yaml"] == [source]
    specs = {a.get_object()["/UF"]: a.get_object() for a in root["/AF"]}
    assert specs["issue.yaml"]["/AFRelationship"] == "/Source"
    assert specs["issue.yaml"]["/EF"]["/F"].get_object()["/Subtype"]  # PDF/A-3: the embedded file names its MIME type


@pytest.mark.parametrize(("setting", "message"), [
    ("output_intent: {icc: /nowhere/x.icc, condition: FOGRA39}", "output_intent icc /nowhere/x.icc cannot be read"),
    ("output_intent: {icc: x.icc, condition: FOGRA39}", "icc 'x.icc' is relative; expected an absolute path"),
    ("output_intent: {icc: /etc/hostname, condition: FOGRA39}", "icc /etc/hostname is not an ICC profile"),
    ("output_intent: {icc: /etc/hostname}", "output_intent lacks condition"),
    ("output_intent: {icc: /etc/hostname, condition: X, colour: cmyk}", "output_intent has unknown setting colour"),
])
def test_a_designers_bad_output_intent_is_a_clear_error(tmp_path: Path, setting: str, message: str) -> None:
    layout = {"mine": {"layout.yaml": f"extends: cega-bulletin\nprofiles:\n  print:\n    {setting}\n"}}
    project = make_project(tmp_path, HEADER.replace("layout: cega-bulletin", "layout: mine") + BODY.replace(
        "          - {type: photo, src: photos/a.jpg, caption: 图片说明}\n", ""), layouts=layout)
    with pytest.raises(BuildError) as caught:
        build(project, "x", Options(profile="print"))
    [finding] = caught.value.findings
    assert finding.message.startswith("profile 'print': ") and message in finding.message, finding.message


@needs_icc
def test_a_layout_names_another_printing_condition(tmp_path: Path) -> None:
    shop = tmp_path / "shop.icc"
    shop.write_bytes(ICC.read_bytes())  # a shop's own profile, wherever the designer keeps it
    layout = {"mine": {"layout.yaml": f"extends: cega-bulletin\nprofiles:\n  print:\n    output_intent: "
                                      f"{{icc: {shop}, condition: 'Shop press 7', registry: '', info: 印厂七号机}}\n"}}
    project = make_project(tmp_path / "p", HEADER.replace("layout: cega-bulletin", "layout: mine") + BODY.replace(
        "          - {type: photo, src: photos/a.jpg, caption: 图片说明}\n", ""), layouts=layout)
    [intent] = pypdf.PdfReader(build(project, "x", Options(profile="print")).pdf).trailer["/Root"]["/OutputIntents"]
    assert intent["/OutputConditionIdentifier"] == "Shop press 7" and intent["/Info"] == "印厂七号机"
    assert "/RegistryName" not in intent  # a condition of the shop's own is in no registry
