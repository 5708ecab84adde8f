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

from bulletin_press.commands.cli import main
from bulletin_press.engine.render import deflate_in_parallel, write_pdf, write_text

from ..conftest import ARTICLE, HEADER, make_project


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


def test_streams_deflated_in_parallel_hold_what_pydyf_would_have_written(tmp_path: Path) -> None:
    """Every stream decodes to the same bytes as WeasyPrint's own write: fonts, images and pages."""
    import pypdf

    html = ("<body style='font-family: Noto Serif CJK SC'><h1>环境资助者网络</h1><p>一段文字 with English, 1,234.</p>"
            "<img src='data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='>")
    document = weasyprint.HTML(string=html).render()
    write_pdf(document, tmp_path / "own.pdf")
    write_pdf(document, tmp_path / "parallel.pdf", finisher=deflate_in_parallel)

    def streams(path: Path) -> list[tuple[object, bytes]]:
        reader = pypdf.PdfReader(path)
        objects = (reader.get_object(n) for n in range(1, reader.trailer["/Size"]))
        return [(o.get("/Filter"), o.get_data()) for o in objects  # the cross-reference stream holds offsets
                if isinstance(o, pypdf.generic.StreamObject) and o.get("/Type") != "/XRef"]

    own, parallel = streams(tmp_path / "own.pdf"), streams(tmp_path / "parallel.pdf")
    assert len(own) >= 4 and [data for _, data in own] == [data for _, data in parallel]
    assert [flt for flt, _ in own] == [flt for flt, _ in parallel]  # deflated as before, no stream left raw
