"""Shared fixtures: the real 2023-11 issue rendered once, small throwaway projects, PDF reading."""

from __future__ import annotations

import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pytest

from bulletin_press.build import Options, Result, build
from bulletin_press.project import Project
from bulletin_press.verify import squash

ROOT = Path(__file__).resolve().parent.parent
MM = 72 / 25.4


@dataclass
class PdfPage:
    number: int
    chars: list[dict]  # pdfplumber chars, in content-stream (drawing) order
    height: float

    def text(self, top: float = 0, bottom: float = 1e9) -> str:
        return "".join(c["text"] for c in self.chars if top <= c["top"] < bottom)

    def body(self) -> str:
        """Text inside the page's content area: running head and folio left out."""
        return self.text(22 * MM - 1, self.height - 20 * MM)


def read_pdf(path: Path) -> list[PdfPage]:
    with pdfplumber.open(path) as pdf:
        return [PdfPage(i, list(p.chars), float(p.height)) for i, p in enumerate(pdf.pages, 1)]


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
