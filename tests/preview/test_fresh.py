"""A preview after an edit shows what a fresh render of the same files shows: text and page images,
the changed pages named and the others' images kept; its first look at the changed page shows
that page as the whole rendering does."""

from __future__ import annotations

import hashlib
import shutil
import threading
import time
from pathlib import Path

import pypdfium2
import pytest
from PIL import Image

from bulletin_press.build import Options, build
from bulletin_press.preview.server import PAGE_DPI, Previewer
from bulletin_press.project import Project

from ..conftest import HEADER, make_project

pytestmark = pytest.mark.slow  # a preview rendering after each edit

# Two articles and a photo: long enough for two pages, so an edit moves text across a page end.
BODY = """
sections:
  - type: section
    title: 预览栏目
    body:
      - type: article
        title: 第一篇
        body:
          - {para}
          - type: photo
            src: photos/a.jpg
            alt: 一张照片
          - {para}
      - type: article
        title: 第二篇
        body:
          - {para}
          - {para}
"""
PARA = "湿地保护工作进入新的阶段，各地的志愿者在冬季开展鸟类调查和栖息地巡护。" * 6


def page_images(pdf: bytes) -> list[str]:
    doc = pypdfium2.PdfDocument(pdf)
    try:
        return [hashlib.sha256(doc[i].render(scale=PAGE_DPI / 72).to_pil().tobytes()).hexdigest()
                for i in range(len(doc))]
    finally:
        doc.close()


def page_texts(pdf: bytes) -> list[str]:
    doc = pypdfium2.PdfDocument(pdf)
    try:
        return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    finally:
        doc.close()


def fresh(project: Project, tmp: Path) -> bytes:
    """The same files rendered by a new build in a build folder of its own (no caches shared)."""
    copy = tmp / "fresh"
    shutil.copytree(project.root, copy, ignore=shutil.ignore_patterns("build"))
    result = build(Project(copy), "x", Options(profile="screen", preview=True))
    return result.pdf.read_bytes()


def edit_yaml(project: Project) -> None:
    path = project.root / "issues" / "x" / "issue.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("冬季", "冬天里", 1), encoding="utf-8")


def edit_css(project: Project) -> None:
    path = project.root / "layouts" / "cega-bulletin" / "bulletin.css"
    text = path.read_text(encoding="utf-8")
    assert "#1F7A4D" in text
    path.write_text(text.replace("#1F7A4D", "#8A2BE2"), encoding="utf-8")


def swap_photo(project: Project) -> None:
    Image.new("RGB", (900, 1200), (200, 40, 40)).save(project.root / "issues" / "x" / "photos" / "a.jpg")  # portrait now


def started(tmp_path: Path) -> tuple[Project, Previewer, list[tuple[list[int], bytes]]]:
    """The issue rendered once in a preview, every page seen by the browser; and the first looks
    it shows from then on: what the browser is told changed, and the image it is shown."""
    project = make_project(tmp_path / "p", HEADER + BODY.replace("{para}", PARA))
    photos = project.root / "issues" / "x" / "photos"
    photos.mkdir()
    Image.new("RGB", (1600, 1000), (40, 120, 80)).save(photos / "a.jpg")
    previewer = Previewer(project, "x")
    previewer.render()
    assert previewer.state.pdf is not None and not previewer.state.error
    for number in range(1, previewer.state.pages + 1):
        previewer.page_png(number)
    looks: list[tuple[list[int], bytes]] = []
    show_look = previewer._show_look

    def spy(look, start):  # noqa: ANN001
        show_look(look, start)
        assert not previewer.state.final
        looks.append((list(previewer.state.changed_pages), previewer.page_png(look.number) or b""))

    previewer._show_look = spy  # type: ignore[method-assign]
    return project, previewer, looks


@pytest.mark.parametrize("edit", [edit_yaml, edit_css, swap_photo], ids=["yaml", "css", "photo"])
def test_a_preview_after_an_edit_is_a_fresh_render(tmp_path: Path, edit) -> None:  # noqa: ANN001
    project, previewer, looks = started(tmp_path)
    before = previewer.state.pdf
    assert before is not None
    edit(project)
    previewer.render()
    assert previewer.state.final
    shown = previewer.state.pdf
    assert shown is not None and not previewer.state.error
    assert page_images(shown) != page_images(before)  # the edit is seen at all
    # The pages said to have changed are exactly those whose pixels changed; the others keep their image.
    old, new = page_images(before), page_images(shown)
    assert len(looks) == 1  # the changed page was shown first, before the whole rendering
    said = set(previewer.state.changed_pages) | set(looks[0][0])
    assert sorted(said) == [n for n in range(1, len(new) + 1) if n > len(old) or old[n - 1] != new[n - 1]]
    assert looks[0][0][0] == min(said)  # the first changed page, ...
    assert looks[0][1] == previewer.page_png(looks[0][0][0])  # ... as the whole rendering shows it
    expected = fresh(project, tmp_path)
    assert page_texts(shown) == page_texts(expected)
    assert page_images(shown) == page_images(expected)
    # And the image the server sends for each page is that page's, pixel for pixel.
    from io import BytesIO
    sent = [hashlib.sha256(Image.open(BytesIO(previewer.page_png(n) or b"")).tobytes()).hexdigest()
            for n in range(1, previewer.state.pages + 1)]
    assert sent == page_images(expected)


def test_an_edit_the_whole_render_refuses_leaves_the_last_good_pages(tmp_path: Path) -> None:
    """A first look may show a page the whole render then refuses (a character no font has: only the
    whole render's preflight says so); the error shows and every page is back to the last good one."""
    project, previewer, looks = started(tmp_path)
    good = (previewer.state.signatures, [previewer.page_png(n) for n in range(1, previewer.state.pages + 1)])
    path = project.root / "issues" / "x" / "issue.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("冬季", "冬\ue000季", 1), encoding="utf-8")
    previewer.render()
    assert [changed for changed, _ in looks] == [[1]] and "U+E000" in previewer.state.error
    assert previewer.state.changed_pages == (1,)  # the look's page goes back
    assert (previewer.state.signatures, [previewer.page_png(n) for n in range(1, previewer.state.pages + 1)]) == good


def test_the_renderer_lives_on_after_an_unexpected_failure(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    project = make_project(tmp_path / "p", HEADER + BODY.replace("{para}", PARA))
    previewer = Previewer(project, "x")
    calls: list[int] = []

    def render() -> None:
        calls.append(len(calls))
        if len(calls) == 1:
            raise RuntimeError("a page image that would not draw")

    previewer.render = render  # type: ignore[method-assign]
    stop = threading.Event()
    thread = threading.Thread(target=previewer.keep_rendering, args=(stop,), daemon=True)
    thread.start()
    for _ in range(2):  # two saves, the first one's rendering failing
        previewer.dirty.set()
        deadline = time.monotonic() + 5
        while previewer.dirty.is_set() and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.05)
    stop.set()
    thread.join(timeout=5)
    assert calls == [0, 1]
    assert "a page image that would not draw" in capsys.readouterr().err


def test_a_layout_tried_in_the_preview_is_the_one_shown(tmp_path: Path) -> None:
    """`preview ISSUE --layout NAME`: the pages are set in the named layout (A5 here), the issue's
    YAML untouched, and a save is seen in the same layout (first look and whole render alike)."""
    a5 = {"layout.yaml": "extends: cega-bulletin\nstylesheets: [a5.css]\n", "a5.css": "@page { size: A5; }\n"}
    project = make_project(tmp_path / "p", HEADER + BODY.replace("{para}", PARA + "无图"), layouts={"a5": a5})
    (project.root / "issues" / "x" / "photos").mkdir()
    Image.new("RGB", (1600, 1000), (40, 120, 80)).save(project.root / "issues" / "x" / "photos" / "a.jpg")
    yaml = project.root / "issues" / "x" / "issue.yaml"
    before = yaml.read_bytes()
    previewer = Previewer(project, "x", layout="a5")

    def page_width_mm() -> float:
        doc = pypdfium2.PdfDocument(previewer.state.pdf)
        try:
            return doc[0].get_width() * 25.4 / 72
        finally:
            doc.close()

    previewer.render()
    assert not previewer.state.error and round(page_width_mm()) == 148 and yaml.read_bytes() == before
    yaml.write_text(yaml.read_text(encoding="utf-8").replace("无图", "有图"), encoding="utf-8")
    previewer.render()
    assert not previewer.state.error and round(page_width_mm()) == 148
    assert "有图" in "".join(page_texts(previewer.state.pdf))
