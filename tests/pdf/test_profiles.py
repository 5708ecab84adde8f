"""Output profiles read back from their PDFs: screen (small, tagged), print (bleed, marks, full photos), archive (PDF/A-3)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pdfplumber
import pypdf
import pytest
from PIL import Image

from bulletin_press.build import Options, Result, build
from bulletin_press.project import Project

from ..conftest import HEADER, ROOT, Rendered, make_project

pytestmark = pytest.mark.slow  # every profile rendered, qpdf and PDF/A checks

A4 = (595.28, 841.89)
BLEED = 3 * 72 / 25.4


@pytest.fixture(scope="session")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Result:
    return build(Project(ROOT, build_dir=tmp_path_factory.mktemp("build")), "2023-11", Options(profile="print"))


@pytest.fixture(scope="session")
def archived(tmp_path_factory: pytest.TempPathFactory) -> Result:
    return build(Project(ROOT, build_dir=tmp_path_factory.mktemp("build")), "2023-11", Options(profile="archive"))


def test_screen_pdf_is_small_tagged_and_titled(rendered: Rendered) -> None:
    result = rendered.result
    assert result.profile == "screen" and result.pdf.name.endswith("-screen.pdf")
    assert result.size <= 1_600_000, f"{result.size} bytes"  # 30 photos in their shapes: 174 × 100 mm a 4:3
    root = pypdf.PdfReader(result.pdf).trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "zh-CN" and root["/ViewerPreferences"]["/DisplayDocTitle"]


def test_screen_photos_are_150_dpi_at_their_placed_size(rendered: Rendered) -> None:
    reader = pypdf.PdfReader(rendered.result.pdf)
    widths = {int(x.get_object()["/Width"]) for page in reader.pages
              for x in (page["/Resources"].get("/XObject") or {}).values() if x.get_object()["/Subtype"] == "/Image"}
    full_width_px = round(174 / 25.4 * 150)  # a full-width photo: 174 mm at 150 dpi
    assert widths and max(widths) <= full_width_px + 1, widths


def test_print_has_bleed_trim_and_crop_marks(printed: Result) -> None:
    reader = pypdf.PdfReader(printed.pdf)
    for page in reader.pages:
        media = [float(v) for v in page.mediabox]
        trim = [float(v) for v in page.trimbox]
        assert trim == pytest.approx([0, 0, *A4], abs=0.01)
        assert media == pytest.approx([-BLEED, -BLEED, A4[0] + BLEED, A4[1] + BLEED], abs=0.01)  # trim + 2 × 3 mm
        assert [float(v) for v in page.bleedbox] == pytest.approx(media, abs=0.01)
    with pdfplumber.open(printed.pdf) as pdf:
        page = pdf.pages[1]
        top, bottom = 2 * BLEED, 2 * BLEED + A4[1]  # the trim, in pdfplumber's coordinates
        marks = page.lines
        assert len(marks) == 8
        for line in marks:  # every crop mark lies outside the trimmed page
            assert line["x1"] <= 0.01 or line["x0"] >= A4[0] - 0.01 or line["bottom"] <= top + 0.01 or line["top"] >= bottom - 0.01, line


def test_print_keeps_every_photo_at_full_pixel_size(printed: Result) -> None:
    reader = pypdf.PdfReader(printed.pdf)
    images = {x.idnum: x.get_object() for page in reader.pages
              for x in (page["/Resources"].get("/XObject") or {}).values() if x.get_object()["/Subtype"] == "/Image"}
    photos = sorted((ROOT / "issues" / "2023-11" / "photos").glob("*.jpg"))
    assert len(images) == len(photos) == 30
    sizes = {Image.open(p).size for p in photos}
    assert {(int(i["/Width"]), int(i["/Height"])) for i in images.values()} == sizes == {(4000, 3000)}


def test_archive_is_pdf_a3_with_its_source_attached(archived: Result) -> None:
    reader = pypdf.PdfReader(archived.pdf)
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    assert reader.attachments["issue.yaml"] == [(ROOT / "issues" / "2023-11" / "issue.yaml").read_bytes()]
    specs = [a.get_object() for a in reader.trailer["/Root"]["/AF"]]
    assert any(s.get("/AFRelationship") == "/Source" and s.get("/UF") == "issue.yaml" for s in specs), specs
    assert reader.metadata.title and reader.metadata.author == "环境资助者网络（CEGA）"


@pytest.mark.skipif(not shutil.which("qpdf"), reason="qpdf is installed by scripts/setup.sh")
def test_qpdf_finds_no_structural_errors(rendered: Rendered, tmp_path: Path) -> None:
    # The 43 MB print and archive PDFs of 2023-11 take qpdf half a minute each: check the
    # profiles' PDF writers on the brief (no photos) and the screen PDF of 2023-11.
    project = Project(ROOT, build_dir=tmp_path)
    others = [build(project, "2020-09", Options(profile=p)).pdf for p in ("print", "archive")]
    for pdf in (rendered.result.pdf, *others):
        check = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
        assert check.returncode == 0 and "No syntax or stream encoding errors" in check.stdout, check.stdout + check.stderr


def test_second_render_reuses_the_photo_cache_and_a_changed_photo_alone_is_redone(tmp_path: Path) -> None:
    body = "sections:\n  - type: section\n    title: 栏目\n    body:\n" + "".join(
        f"      - {{type: photo, src: photos/{n}.jpg}}\n" for n in "abcd")
    project = make_project(tmp_path, HEADER + body)
    photos = project.issues / "x" / "photos"
    photos.mkdir()
    for n in "abcd":
        Image.effect_noise((3000, 2250), 60).convert("RGB").save(photos / f"{n}.jpg", quality=90)
    build(project, "x")
    cache = project.build / "cache"
    before = {p.name: p.stat().st_mtime_ns for p in cache.iterdir()}
    build(project, "x")  # the time the warm cache saves: benchmarks/profiles.py
    assert {p.name: p.stat().st_mtime_ns for p in cache.iterdir()} == before  # nothing re-made
    Image.new("RGB", (3000, 2250), (10, 10, 10)).save(photos / "b.jpg", quality=90)
    build(project, "x")
    after = {p.name for p in cache.iterdir()}
    assert len(after - set(before)) == 1 and set(before) <= after  # one new copy, the others reused
