"""Lines broken once per layout: a page made again breaks no line twice, and draws exactly as before."""

from __future__ import annotations

from typing import Any

import weasyprint

from bulletin_press import linememo, pagemaker

HTML = ("<style>@page { size: 100mm 80mm; margin: 10mm } p { text-align: justify }</style>"
        + "".join(f"<p lang='zh'>第{n}段：湿地保护工作进入新的阶段，各地的志愿者在冬季开展鸟类调查和栖息地巡护。</p>" for n in range(12)))


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


def lines(document: weasyprint.Document) -> list[list[tuple[str, float, float]]]:
    def walk(box: Any) -> list[tuple[str, float, float]]:
        own = [(box.text, round(box.position_x, 3), round(box.position_y, 3))] if hasattr(box, "text") else []
        return own + [t for c in getattr(box, "children", ()) for t in walk(c)]
    return [walk(p._page_box) for p in document.pages]


def test_a_page_made_again_asks_pango_for_no_line_twice() -> None:
    """Fails loudly when WeasyPrint's inline layout stops calling the hooked function (nothing remembered)."""
    with_memo, counts = render(memo=True)
    assert len(with_memo.pages) >= 3
    assert counts["remembered"] > 0 and counts["pango"] > 0  # the two first pages' lines, the second time
    without, plain = render(memo=False)
    assert plain == {"pango": 0, "remembered": 0}  # outside a layout's block nothing is kept
    assert lines(with_memo) == lines(without)
    assert with_memo.write_pdf() == without.write_pdf()
