"""A moved photo back in its YAML place in the tagged PDF's structure tree (what a screen reader reads)."""

from __future__ import annotations

from io import BytesIO
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .fill import in_flow

if TYPE_CHECKING:  # only render.py imports WeasyPrint (--help stays fast)
    import weasyprint


def _articles(document: "weasyprint.Document") -> list[Any]:
    """Every laid-out fragment of an <article>, page after page: WeasyPrint tags each as one /Art."""
    return [box for page in document.pages for box in in_flow(page._page_box) if box.element_tag == "article"]


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


def restore(pdf: Path, document: "weasyprint.Document", moved: Sequence[tuple[Any, Any, bool]]) -> int:
    """Put each moved photo's structure element (its anchor's /Div) back among its article's blocks in
    the YAML's order, as an incremental update appended to the written file. Returns how many.
    `moved`: what the no-holes pass moved in the box tree (holes.Fixer.reading_moves).

    WeasyPrint tags each article fragment as one /Art whose kids are its child boxes, one each, in
    order: the layout gives the place of both the photo and the block it belongs beside.
    """
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject

    if not moved:
        return 0
    articles = _articles(document)
    moves = _moves(articles, moved)
    if not moves:
        return 0
    reader = PdfReader(BytesIO(pdf.read_bytes()))
    root = reader.trailer["/Root"].get("/StructTreeRoot")
    if root is None:
        return 0  # not a tagged PDF (print, archive): no reading order to put back
    arts: list[DictionaryObject] = []

    def walk(node: Any) -> None:
        node = node.get_object()
        if not isinstance(node, DictionaryObject):
            return
        if node.get("/S") == "/Art":
            arts.append(node)
        kids = node.get("/K")
        for kid in kids if isinstance(kids, ArrayObject) else [kids] if kids is not None else []:
            if hasattr(kid, "get_object") and isinstance(kid.get_object(), DictionaryObject):
                walk(kid)

    walk(root)

    def elements(art: DictionaryObject) -> list[Any]:
        return [k for k in art["/K"] if hasattr(k, "idnum") and "/S" in k.get_object()]

    if len(arts) != len(articles) or any(len(elements(a)) != len(b.children) for a, b in zip(arts, articles)):
        raise RuntimeError(f"{pdf}: the structure tree does not match the layout; cannot restore the reading order")
    refs = [elements(a) for a in arts]
    changed: dict[int, DictionaryObject] = {}
    for (j, c), (tj, tc), before in moves:
        ref, target = refs[j][c], refs[tj][tc]
        kids = arts[j]["/K"]
        del kids[next(i for i, k in enumerate(kids) if getattr(k, "idnum", None) == ref.idnum)]
        into = arts[tj]["/K"]
        at = next(i for i, k in enumerate(into) if getattr(k, "idnum", None) == target.idnum)
        into.insert(at if before else at + 1, ref)
        ref.get_object()[NameObject("/P")] = arts[tj].indirect_reference
        for art in (arts[j], arts[tj]):
            changed[art.indirect_reference.idnum] = art
        changed[ref.idnum] = ref.get_object()
    _append_update(pdf, reader, changed)
    return len(moves)


def _append_update(pdf: Path, reader: Any, changed: dict[int, Any]) -> None:
    """An incremental update: the changed objects, then a cross-reference stream that lists them and
    itself (qpdf counts the objects from it) and points back to the file's own."""
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, StreamObject

    data = pdf.read_bytes()
    body = BytesIO()
    offsets: dict[int, int] = {}
    for number in sorted(changed):
        offsets[number] = len(data) + body.tell() + 1  # past the newline: where "n 0 obj" starts
        body.write(f"\n{number} 0 obj\n".encode())
        changed[number].write_to_stream(body)
        body.write(b"\nendobj")
    trailer = reader.trailer
    xref_number = int(trailer["/Size"])
    offsets[xref_number] = len(data) + body.tell() + 1
    rows = b"".join(bytes([1]) + offsets[n].to_bytes(4, "big") + bytes(2) for n in sorted(offsets))
    xref = StreamObject()
    xref.set_data(rows)
    xref.update({
        NameObject("/Type"): NameObject("/XRef"),
        NameObject("/Size"): NumberObject(xref_number + 1),
        NameObject("/Index"): ArrayObject([NumberObject(v) for n in sorted(offsets) for v in (n, 1)]),
        NameObject("/W"): ArrayObject([NumberObject(1), NumberObject(4), NumberObject(2)]),
        NameObject("/Prev"): NumberObject(_startxref(data)),
    })
    for key in ("/Root", "/Info", "/ID"):
        if key in trailer:
            xref[NameObject(key)] = trailer.raw_get(key)
    body.write(f"\n{xref_number} 0 obj\n".encode())
    xref.write_to_stream(body)
    body.write(f"\nendobj\nstartxref\n{offsets[xref_number]}\n%%EOF\n".encode())
    with open(pdf, "ab") as out:
        out.write(body.getvalue())


def _startxref(data: bytes) -> int:
    at = data.rindex(b"startxref")
    return int(data[at + len("startxref"):].split()[0])
