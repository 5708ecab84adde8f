"""The page loop hooked into WeasyPrint 70: a fixer sees each page as it is made, and pages are made again."""

from __future__ import annotations

from typing import Any

import pytest
import weasyprint

from bulletin_press.engine import pages as pagemaker
from ..conftest import refuses_other_weasyprint

PAGES = """<style>@page { size: 100mm 100mm; margin: 10mm } body { margin: 0 } p { break-after: page; margin: 0 }
.c { height: calc(var(--x) * 10px); background: black }</style>
<p>first</p><p>second</p><div style="--x: 1"><div class="c"></div></div>"""


def _texts(box: Any) -> str:
    return getattr(box, "text", "") + "".join(_texts(c) for c in getattr(box, "children", ()))


def _render(fixer: pagemaker.Fixer) -> weasyprint.Document:
    pagemaker.install()
    with pagemaker.fixing(fixer):
        return weasyprint.HTML(string=PAGES).render()


class Recorder:
    """Swaps the first two paragraphs once page 2 is made, and has the pages made again from page 1."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, bool]] = []

    def begin(self, root_box: Any) -> None:
        self.body = root_box.children[0]

    def made(self, index: int, pages: list[Any], page_maker: list[Any], ended: bool) -> int | None:
        self.calls.append((index, ended))
        if len(self.calls) == 2:
            children = self.body.children
            children[0], children[1] = children[1], children[0]
            return 0
        return None


def test_the_fixer_sees_every_page_and_pages_are_made_again() -> None:
    """Fails loudly when WeasyPrint stops calling the hooked loop (the fixer would see nothing) or
    when a page made again does not start from its own state in page_maker."""
    fixer = Recorder()
    document = _render(fixer)
    assert fixer.calls == [(0, False), (1, False), (0, False), (1, False), (2, True)]
    assert [_texts(p._page_box).strip() for p in document.pages[:2]] == ["second", "first"]
    assert len(document.pages) == 3


def test_without_a_fixer_weasyprint_lays_out_as_usual() -> None:
    pagemaker.install()
    document = weasyprint.HTML(string=PAGES).render()
    assert [_texts(p._page_box).strip() for p in document.pages[:2]] == ["first", "second"]


class Shrinker:
    """Restyles the last block once: a custom property its child's height is computed from, and a width."""

    def begin(self, root_box: Any) -> None:
        self.body, self.done = root_box.children[0], False

    def made(self, index: int, pages: list[Any], page_maker: list[Any], ended: bool) -> int | None:
        if ended and not self.done:
            self.done = True
            self.body.children[-1] = pagemaker.restyled(self.body.children[-1], "--x: 3; width: 50%")
            return index
        return None


def test_restyled_computes_the_descendants_styles_from_the_new_declarations() -> None:
    document = _render(Shrinker())
    div = document.pages[-1]._page_box.children[0].children[0].children[-1]
    assert div.width == pytest.approx(0.5 * (100 - 20) * 96 / 25.4, rel=0.01)
    assert div.children[0].height == pytest.approx(30)


def test_other_weasyprint_versions_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    refuses_other_weasyprint(pagemaker, monkeypatch)


class Stopper:
    """Ends the document after page 2 (as the preview's first look does)."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def begin(self, root_box: Any) -> None:
        pass

    def made(self, index: int, pages: list[Any], page_maker: list[Any], ended: bool) -> int | None:
        self.calls.append(index)
        return pagemaker.STOP if index == 1 else None


def test_a_fixer_can_end_the_document_early() -> None:
    fixer = Stopper()
    document = _render(fixer)
    assert fixer.calls == [0, 1]  # the third page is never made, not even in a second round
    assert [_texts(p._page_box).strip() for p in document.pages] == ["first", "second"]
    assert len(document.write_pdf()) > 0  # the two pages are a document of their own


def test_a_layout_is_abandoned_between_pages() -> None:
    fixer = Recorder()
    asked: list[int] = []

    def newer_save() -> bool:
        asked.append(len(fixer.calls))
        return len(fixer.calls) == 1

    with pagemaker.abandoning(newer_save), pytest.raises(pagemaker.Abandoned):
        _render(fixer)
    assert asked == [0, 1] and fixer.calls == [(0, False)]
