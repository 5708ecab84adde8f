"""The preview's first look: the first page a save changed, laid out and drawn before the rest of the issue."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..layout import no_holes as holes
from ..engine import pages as pagemaker, font_subsets as subsets
from ..pdf import page_signatures as pagesig, reading_order
from ..images import resample as photos
from ..build import Options, Result, prepare
from ..project import Project

if TYPE_CHECKING:
    from weasyprint.formatting_structure import boxes as wboxes


@dataclass(frozen=True)
class Memory:
    """What the last whole render of an issue leaves for the next first look."""

    hints: Any  # relayout.Hints the last layout settled on
    moves: dict[str, dict[str, Any]]  # what the no-holes pass did to each photo (block id → settings)
    keys: dict[str, str]  # block id → what the photo shows (holes.anchor_key), to find it under a new id
    fingerprints: tuple[str, ...]  # each page's boxes (pagesig.fingerprint)
    signatures: tuple[str, ...]  # each written page (pagesig.collector)
    subsets: subsets.Kept  # the font subsets it wrote: a page of it needs no new one

    @classmethod
    def of(cls, result: Result) -> "Memory | None":
        if len(result.fingerprints) != result.pages or len(result.signatures) != result.pages:
            return None
        return cls(result.layout_hints, {k: dict(v) for k, v in result.moves.items()}, dict(result.moved_keys),
                   result.fingerprints, result.signatures, result.subsets)


@dataclass(frozen=True)
class Look:
    """The first changed page, drawn: its number (from 1), its signature and the one-page PDF."""

    number: int
    signature: str
    pdf: bytes


class Replay(holes.Fixer):
    """The no-holes pass as the last render left it: its photos where it put them, no new decision;
    the document ends with the first page whose boxes differ from the last render's."""

    def __init__(self, memory: Memory) -> None:
        super().__init__()
        self.memory = memory
        self.found: int | None = None

    def begin(self, root_box: "wboxes.Box") -> None:
        super().begin(root_box)
        present = {element.get("data-block") for element in self.bodies}
        by_key: dict[str, list[str]] = {}
        for element in self.bodies:
            by_key.setdefault(holes.anchor_key(element), []).append(element.get("data-block"))
        self.moves = {}
        for block, values in self.memory.moves.items():
            # A block id is its place in the YAML: a line added above the photo gives it another one.
            found = by_key.get(self.memory.keys.get(block, ""), [])
            block = found[0] if len(found) == 1 else block
            if block in present:
                self.moves[block] = dict(values)
        for block in self.moves:  # every setting first: each arrangement reads them all
            self._arrange(block)

    def made(self, index: int, pages: list[Any], page_maker: list[Any], ended: bool) -> int | None:
        self.pages_made += 1
        old = self.memory.fingerprints
        if index >= len(old) or pagesig.fingerprint(pages[index]) != old[index] or (ended and index + 1 < len(old)):
            self.found = index
            return pagemaker.STOP
        return None


def first_look(project: Project, issue_id: str, memory: Memory,
               abandon: Callable[[], bool] | None = None, layout: str | None = None) -> Look | None:
    """Lay the issue out as the last render did (its table hints, its photos' places) up to the first
    page whose boxes changed, and write that page alone. None when no page's boxes changed or the
    page draws what it drew: the whole render tells then. A guess, made fast: the whole render that
    follows has the last word (preview.py shows its pages when they differ)."""
    setup = prepare(project, issue_id, Options(profile="screen", preview=True, layout=layout), checks=False)
    replay = Replay(memory)
    with pagemaker.abandoning(abandon):
        document = setup.lay_out(setup.html(memory.hints), replay)
    if replay.found is None:
        return None
    one = document.copy([document.pages[replay.found]])
    if setup.profile.photos_dpi:
        photos.fit_to_placement(one, setup.cache, setup.profile.photos_dpi, setup.profile.jpeg_quality)
    signatures: list[str] = []
    out = io.BytesIO()
    # Read at once by PDFium in this process, never stored: not compressed, the last render's font subsets.
    with subsets.reusing(memory.subsets):
        one.write_pdf(out, finisher=reading_order.chain(setup.profile.finisher(), pagesig.collector(signatures)),
                      **{**setup.pdf_options, "uncompressed_pdf": True})
    number = replay.found + 1
    if number <= len(memory.signatures) and signatures[0] == memory.signatures[number - 1]:
        return None
    return Look(number, signatures[0], out.getvalue())
