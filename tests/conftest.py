"""Shared fixtures: the real 2023-11 issue rendered once, small throwaway projects, PDF reading."""

from __future__ import annotations

import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pdfplumber
import pytest

from bulletin_press.build import Options, Result, build
from bulletin_press.project import Project
from bulletin_press.content.model import Image, Issue
from bulletin_press.typeset import plain_text
from bulletin_press.pdf.verify import comparable, squash

ROOT = Path(__file__).resolve().parent.parent
MM = 72 / 25.4


@dataclass
class PdfPage:
    number: int
    chars: list[dict]  # pdfplumber chars, in content-stream (drawing) order
    height: float
    margins: tuple[float, float] = (22 * MM, 20 * MM)  # top, bottom: where head and folio stand

    def text(self, top: float = 0, bottom: float = 1e9) -> str:
        return "".join(c["text"] for c in self.chars if top <= c["top"] < bottom)

    def body(self) -> str:
        """Text inside the page's content area: running head and folio left out."""
        return self.text(self.margins[0] - 1, self.height - self.margins[1])


def pdf_text(pdf: Path) -> str:
    """The PDF's text layer as a reader's viewer copies it out (PDFium), page after page."""
    import pypdfium2

    doc = pypdfium2.PdfDocument(str(pdf))
    try:
        return "".join(page.get_textpage().get_text_range() for page in doc)
    finally:
        doc.close()


def read_pdf(path: Path, margins_mm: tuple[float, float] = (22, 20)) -> list[PdfPage]:
    margins = (margins_mm[0] * MM, margins_mm[1] * MM)
    with pdfplumber.open(path) as pdf:
        return [PdfPage(i, list(p.chars), float(p.height), margins) for i, p in enumerate(pdf.pages, 1)]


@dataclass
class Rendered:
    result: Result
    pages: list[PdfPage]

    @property
    def body(self) -> str:
        return squash("".join(p.body() for p in self.pages))


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """The real 2023-11 issue, rendered once for the whole session into a temporary build folder."""
    project = Project(ROOT, build_dir=tmp_path_factory.mktemp("build"))
    result = build(project, "2023-11", Options(html=True))
    return Rendered(result, read_pdf(result.pdf))


@pytest.fixture(scope="session")
def rendered_brief(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """The real 2020-09 member brief, rendered once."""
    project = Project(ROOT, build_dir=tmp_path_factory.mktemp("build"))
    result = build(project, "2020-09", Options(html=True))
    return Rendered(result, read_pdf(result.pdf, BRIEF_MARGINS))


BRIEF_MARGINS = (20, 18)  # member-brief's page margins, mm


def missing_and_out_of_order(issue: Issue, pages: list[PdfPage]) -> tuple[list[str], list[str]]:
    """Texts of the YAML (as typeset) not found in the PDF, and those found out of order.

    A photo's caption and credit are looked for anywhere: a layout pass may set a photo up to three
    blocks from its place to fill a page (holes.py); the tagged PDF reads it in place (tests/layout/test_no_holes.py).
    """
    body = comparable("".join(p.body() for p in pages))
    margins = comparable("".join(p.text(0, p.margins[0] - 1) + p.text(p.height - p.margins[1]) for p in pages))
    everything = body + margins
    cursor, missing, out_of_order = 0, [], []
    for text, owner in issue.texts():
        wanted = comparable(plain_text(text))  # as typeset: punctuation widths normalised
        if isinstance(owner, Image) and wanted in body:
            continue
        at = body.find(wanted, cursor)
        if at >= 0:
            cursor = at + len(wanted)
        elif wanted in everything:
            out_of_order.append(wanted[:30])
        else:
            missing.append(f"{owner.pos}: {wanted[:40]}")
    return missing, out_of_order


def make_project(tmp: Path, issue_yaml: str, issue_id: str = "x", layouts: dict[str, dict[str, str]] | None = None) -> Project:
    """A small project: the real layouts and fonts, one issue, and optional extra layout files."""
    shutil.copytree(ROOT / "layouts", tmp / "layouts")
    shutil.copytree(ROOT / "fonts", tmp / "fonts")
    folder = tmp / "issues" / issue_id
    folder.mkdir(parents=True)
    (folder / "issue.yaml").write_text(textwrap.dedent(issue_yaml).lstrip(), encoding="utf-8")
    for name, files in (layouts or {}).items():
        for rel, text in files.items():
            (tmp / "layouts" / name / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp / "layouts" / name / rel).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return Project(tmp)


# One section holding one article with one paragraph: the smallest useful issue body.
ARTICLE = """\
sections:
  - type: section
    title: 栏目
    body:
      - type: article
        title: 标题
        body:
          - 一段文字。
"""

HEADER = """\
publication:
  name: 测试简报
  short_name: 简报
  publisher: 测试网络
  publisher_en: TEST NETWORK
  author: 测试网络
layout: cega-bulletin
year: 2024
number: 1
cumulative: 101
date: 2024-01-31
"""


def refuses_other_weasyprint(hook: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A module hooked into WeasyPrint's internals refuses another version, then installs again."""
    import weasyprint

    hook.uninstall()
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    with pytest.raises(RuntimeError, match="written for WeasyPrint 70"):
        hook.install()
    monkeypatch.undo()
    hook.install()
