"""A moved photo back in its YAML place in the tagged PDF's structure tree (what a screen reader reads)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ..engine.boxes import page_box
from ..layout.page_fill import in_flow

if TYPE_CHECKING:  # only render.py imports WeasyPrint (--help stays fast)
    import weasyprint


def _articles(document: "weasyprint.Document") -> list[Any]:
    """Every laid-out fragment of an <article>, page after page: WeasyPrint tags each as one /Art."""
    return [box for page in document.pages for box in in_flow(page_box(page)) if box.element_tag == "article"]


def _moves(articles: list[Any], moved: Sequence[tuple[Any, Any, bool]]) -> list[tuple[tuple[int, int], tuple[int, int], bool]]:
    """For each moved photo (its anchor element, the element it belongs next to in the YAML, whether
    before it, in the order to apply them): its (article fragment, child index), the place of that
    neighbour, and whether it goes before it."""
    where: dict[Any, list[tuple[int, int]]] = {}
    for j, article in enumerate(articles):
        for c, child in enumerate(article.children):
            if child.element is not None:
                where.setdefault(child.element, []).append((j, c))
    moves = []
    for element, neighbour, before in moved:
        if element in where and neighbour in where:
            moves.append((where[element][0], where[neighbour][0] if before else where[neighbour][-1], before))
    return moves


def finisher(document: "weasyprint.Document", moved: Sequence[tuple[Any, Any, bool]]) -> Callable[[Any, Any], None] | None:
    """A WeasyPrint finisher that puts each moved photo's structure element (its anchor's /Div) back
    among its article's blocks in the YAML's order, in the PDF objects before they are written (no
    second reading of the file). None when nothing moved. `moved`: what the no-holes pass moved in
    the box tree (holes.Fixer.reading_moves).

    WeasyPrint tags each article fragment as one /Art whose kids are its child boxes, one each, in
    order: the layout gives the place of both the photo and the block it belongs beside.
    """
    if not moved:
        return None
    moves = _moves(_articles(document), moved)
    if not moves:
        return None

    def finish(_: Any, pdf: Any) -> None:
        import pydyf

        root = pdf.catalog.get("StructTreeRoot")
        if root is None:
            return  # not a tagged PDF (print, archive): no reading order to put back

        def resolve(ref: Any) -> Any:
            return pdf.objects[int(ref.split()[0])] if isinstance(ref, bytes) else ref

        arts: list[Any] = []

        def walk(node: Any) -> None:
            if not isinstance(node, pydyf.Dictionary):
                return
            if node.get("S") == "/Art":
                arts.append(node)
            kids = node.get("K")
            for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
                if isinstance(kid, bytes):
                    walk(resolve(kid))

        walk(resolve(root))

        def elements(art: Any) -> list[bytes]:
            return [k for k in art["K"] if isinstance(k, bytes) and isinstance(resolve(k), pydyf.Dictionary)
                    and "S" in resolve(k)]

        articles = _articles(document)
        if len(arts) != len(articles) or any(len(elements(a)) != len(b.children) for a, b in zip(arts, articles)):
            raise RuntimeError("the structure tree does not match the layout; cannot restore the reading order")
        refs = [elements(a) for a in arts]
        for (j, c), (tj, tc), before in moves:
            ref, target = refs[j][c], refs[tj][tc]
            arts[j]["K"].remove(ref)
            into = arts[tj]["K"]
            at = into.index(target)
            into.insert(at if before else at + 1, ref)
            resolve(ref)["P"] = arts[tj].reference

    return finish


def chain(*finishers: Callable[[Any, Any], None] | None) -> Callable[[Any, Any], None] | None:
    """Several finishers as one, in order; None when there is none."""
    present = [f for f in finishers if f is not None]
    if not present:
        return None

    def run(document: Any, pdf: Any) -> None:
        for f in present:
            f(document, pdf)

    return run


