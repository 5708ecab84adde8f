"""Page signatures name what a page draws, the same whatever else the PDF holds; fingerprints name its boxes."""

from __future__ import annotations

import weasyprint

from bulletin_press.pdf import page_signatures as pagesig

HTML = """<style>@page {{ size: 80mm 60mm; margin: 8mm }} p {{ break-after: page }} .faint {{ opacity: 0.5 }}</style>
<p>第一页：{first}</p><p class="faint">第二页的文字半透明：它画在一个透明组（表单 XObject）里，有自己的字体资源。</p><p>第三页。</p>"""


def signatures(document: weasyprint.Document) -> list[str]:
    found: list[str] = []
    document.write_pdf(finisher=pagesig.collector(found))
    return found


def test_a_page_is_signed_alike_alone_or_among_others() -> None:
    """A page drawn in a transparency group (a form with its own fonts) is signed by what it draws,
    not by the object numbers the PDF it is written in gave its resources."""
    document = weasyprint.HTML(string=HTML.format(first="湿地")).render()
    whole = signatures(document)
    assert len(whole) == 3 and len(set(whole)) == 3
    for n in range(3):
        assert signatures(document.copy([document.pages[n]])) == [whole[n]]
    edited = weasyprint.HTML(string=HTML.format(first="湿地保护")).render()
    again = signatures(edited)
    assert again[0] != whole[0] and again[1:] == whole[1:]


def test_fingerprints_follow_the_boxes() -> None:
    first = weasyprint.HTML(string=HTML.format(first="湿地")).render()
    same = weasyprint.HTML(string=HTML.format(first="湿地")).render()
    edited = weasyprint.HTML(string=HTML.format(first="湿原")).render()
    prints = [[pagesig.fingerprint(p._page_box) for p in d.pages] for d in (first, same, edited)]
    assert prints[0] == prints[1]
    assert prints[2][0] != prints[0][0] and prints[2][1:] == prints[0][1:]
