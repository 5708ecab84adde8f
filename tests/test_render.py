"""Output files: written atomically, with the permissions the user's umask gives any new file."""

from __future__ import annotations

import contextlib
import io
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import weasyprint

from bulletin_press.cli import main
from bulletin_press.render import write_pdf, write_text

from .conftest import ARTICLE, HEADER, make_project


@contextlib.contextmanager
def umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_written_files_follow_the_umask(tmp_path: Path, mask: int, expected: int) -> None:
    document = weasyprint.HTML(string="<p>x</p>").render()
    with umask(mask):
        write_pdf(document, tmp_path / "out" / "a.pdf")
        write_text("<p>x</p>", tmp_path / "out" / "a.html")
        write_pdf(document, tmp_path / "out" / "a.pdf")  # a rewrite too: the rename brings the new file's mode
    assert mode(tmp_path / "out" / "a.pdf") == expected
    assert mode(tmp_path / "out" / "a.html") == expected
    assert [p.name for p in (tmp_path / "out").iterdir() if p.name.endswith(".part")] == []


def test_rendered_pdf_is_readable_by_the_group_and_others(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BULLETIN_PRESS_ROOT", raising=False)
    project = make_project(tmp_path, HEADER + ARTICLE)
    monkeypatch.chdir(project.root)
    with umask(0o022), contextlib.redirect_stdout(io.StringIO()):
        assert main(["render", "x", "--html"]) == 0
    outputs = [p for p in (project.build / "x").iterdir() if p.suffix in (".pdf", ".html")]
    assert len(outputs) == 2 and all(mode(p) == 0o644 for p in outputs), [(p.name, oct(mode(p))) for p in outputs]
