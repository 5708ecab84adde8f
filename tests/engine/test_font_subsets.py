"""Font subsets: made side by side into the same PDF; the first look writes a page with the last whole render's, drawn exactly as with its own."""

from __future__ import annotations

import hashlib
import io

import pypdfium2
import weasyprint

from bulletin_press.engine import font_subsets as subsets

HTML = """<style>@page {{ size: 80mm 60mm; margin: 8mm }} p {{ break-after: page }} b {{ font-weight: bold }}</style>
<p>湿地保护工作进入新的阶段。</p><p>志愿者在冬季开展<b>鸟类调查</b>。</p><p>{last}</p>"""


def pixels(pdf: bytes, number: int) -> str:
    doc = pypdfium2.PdfDocument(pdf)
    try:
        return hashlib.sha256(doc[number].render(scale=2).to_pil().tobytes()).hexdigest()
    finally:
        doc.close()


def written(document: weasyprint.Document, **options: object) -> bytes:
    out = io.BytesIO()
    document.write_pdf(out, **options)
    return out.getvalue()


def test_a_page_drawn_with_the_whole_documents_subsets_looks_the_same() -> None:
    """Fails loudly when WeasyPrint stops calling the hooked Font.subset (nothing kept, nothing reused)."""
    document = weasyprint.HTML(string=HTML.format(last="栖息地巡护。")).render()
    kept: subsets.Kept = {}
    before = dict(subsets.asked)
    with subsets.recording(kept):
        whole = written(document)
    assert kept and subsets.asked["made"] - before["made"] == len(kept)
    page = document.copy([document.pages[1]])
    before = dict(subsets.asked)
    with subsets.reusing(kept):
        alone = written(page, uncompressed_pdf=True)
    assert subsets.asked["reused"] - before["reused"] >= 2 and subsets.asked["made"] == before["made"]  # both weights
    assert pixels(alone, 0) == pixels(whole, 1) == pixels(written(page), 0)


def test_a_glyph_the_kept_subset_lacks_gets_a_subset_of_its_own() -> None:
    kept: subsets.Kept = {}
    with subsets.recording(kept):
        written(weasyprint.HTML(string=HTML.format(last="栖息地巡护。")).render())
    edited = weasyprint.HTML(string=HTML.format(last="候鸟迁徙的季节。")).render()
    page = edited.copy([edited.pages[2]])
    before = dict(subsets.asked)
    with subsets.reusing(kept):
        alone = written(page, uncompressed_pdf=True)
    assert subsets.asked["made"] - before["made"] >= 1
    assert pixels(alone, 0) == pixels(written(page), 0)


def test_the_faces_are_subset_side_by_side_into_the_same_pdf(monkeypatch) -> None:
    """Fails loudly when WeasyPrint's loop no longer finds the faces done (each subset once, in a worker)."""
    import threading

    document = weasyprint.HTML(string=HTML.format(last="栖息地巡护。")).render()
    subsets.install()
    own, where = subsets._installed["subset"], []

    def watched(font: object, to_unicode: dict, hinting: bool) -> None:
        where.append(threading.current_thread() is threading.main_thread())
        own(font, to_unicode, hinting)

    monkeypatch.setitem(subsets._installed, "subset", watched)
    side_by_side = written(document)
    assert where == [False, False]  # the regular and the bold face, each once, neither in the loop
    subsets.uninstall()
    try:
        assert written(document) == side_by_side  # WeasyPrint's own, byte for byte
    finally:
        subsets.install()
