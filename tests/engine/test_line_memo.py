"""Lines broken once per layout: a page made again breaks no line twice, and is laid out and drawn
exactly as without the memo."""

from __future__ import annotations

from typing import Any

import weasyprint

from bulletin_press.engine import line_memo as linememo, pages as pagemaker

HTML = ("<style>@page { size: 100mm 80mm; margin: 10mm } p { text-align: justify; width: 90%; padding: 0 2% 1mm;"
        " margin: 1mm 5% } table { border-collapse: collapse; width: 80% } td { border: 1px solid; padding: 1%; }</style>"
        + "".join(f"<p lang='zh'>第{n}段：湿地保护工作进入新的阶段，各地的志愿者在冬季开展鸟类调查和栖息地巡护。</p>" for n in range(12))
        + "<table><tr><td>流域</td><td>2024年3月31日</td></tr><tr><td>湿地</td><td>12.5</td></tr></table>")


class Again:
    """Has the pages made again from the first, once, after the second is made."""

    def begin(self, root_box: Any) -> None:
        self.done = False

    def made(self, index: int, pages: list[Any], page_maker: list[Any], ended: bool) -> int | None:
        if index == 1 and not self.done:
            self.done = True
            return 0
        return None


def render(memo: bool) -> tuple[weasyprint.Document, dict[str, int]]:
    pagemaker.install()
    linememo.install()
    before = dict(linememo.asked)
    with pagemaker.fixing(Again()):
        if memo:
            with linememo.remembering():
                document = weasyprint.HTML(string=HTML).render()
        else:
            document = weasyprint.HTML(string=HTML).render()
    return document, {k: linememo.asked[k] - before[k] for k in before}


def boxes(document: weasyprint.Document) -> list[list[tuple]]:
    """Every box of every page: its kind, text, place, size and margins."""
    def walk(box: Any) -> list[tuple]:
        own = (type(box).__name__, getattr(box, "text", ""), *(round(getattr(box, name), 3) for name in
               ("position_x", "position_y", "width", "height", "margin_left", "margin_top", "padding_left")))
        return [own] + [t for c in getattr(box, "children", ()) for t in walk(c)]
    return [walk(p._page_box) for p in document.pages]


def test_a_page_made_again_asks_pango_for_no_line_twice() -> None:
    """Fails loudly when WeasyPrint's inline layout stops calling the hooked function (nothing remembered)."""
    with_memo, counts = render(memo=True)
    assert len(with_memo.pages) >= 3
    assert counts["remembered"] > 0 and counts["pango"] > 0  # the two first pages' lines, the second time
    without, plain = render(memo=False)
    assert not any(plain.values())  # outside a layout's block nothing is kept
    assert boxes(with_memo) == boxes(without)
    assert with_memo.write_pdf() == without.write_pdf()
