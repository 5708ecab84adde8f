"""The command line: exit status, messages on stderr, one summary line, nothing written on failure."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bulletin_press.commands.cli import main

from ..conftest import HEADER, make_project

BODY = """
sections:
  - type: section
    title: 栏目
    body:
      - 一段文字。
"""


@pytest.fixture
def in_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def make(body: str = BODY):
        project = make_project(tmp_path, HEADER + body)
        monkeypatch.chdir(project.root)
        monkeypatch.delenv("BULLETIN_PRESS_ROOT", raising=False)
        return project
    return make


def test_render_prints_one_summary_line(in_project, capsys) -> None:
    project = in_project()
    assert main(["render", "x"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("build/x/测试简报-2024年第一期-screen.pdf: screen, 1 pages, ")
    assert (project.build / "x" / "测试简报-2024年第一期-screen.pdf").stat().st_size > 1000
    assert not list((project.build / "x").glob(".*part"))


def test_errors_exit_2_and_write_nothing(in_project, capsys) -> None:
    project = in_project(BODY.replace("type: section", "type: sectoin") + "extra: 1\n")
    assert main(["render", "x"]) == 2
    err = capsys.readouterr().err
    assert "issues/x/issue.yaml:14:11: issue.sections[0]: unknown block type 'sectoin'" in err
    assert "issues/x/issue.yaml:18:1: issue: unknown field 'extra'" in err
    assert "Traceback" not in err
    assert not (project.build / "x").exists()


def test_strict_turns_warnings_into_exit_1(in_project, capsys) -> None:
    project = in_project(BODY + "      - {type: photo, src: photos/gone.jpg}\n")
    assert main(["render", "x", "--strict"]) == 1
    err = capsys.readouterr().err
    assert "issues/x/issue.yaml:18:9: warning: image not found: photos/gone.jpg" in err
    assert not (project.build / "x").exists()
    assert main(["render", "x"]) == 0  # without --strict the placeholder is rendered


def test_html_option_writes_the_intermediate_html(in_project, capsys) -> None:
    project = in_project()
    assert main(["render", "x", "--html", "-v"]) == 0
    assert (project.build / "x" / "测试简报-2024年第一期-screen.html").is_file()
    err = capsys.readouterr().err
    assert "layout" in err and " ms" in err


def test_unknown_issue(in_project, capsys) -> None:
    in_project()
    assert main(["render", "2099-01"]) == 2
    assert "no issue '2099-01'; expected one of: x" in capsys.readouterr().err


def test_a_failed_render_keeps_the_previous_pdf(in_project, capsys) -> None:
    project = in_project()
    assert main(["render", "x"]) == 0
    pdf = project.build / "x" / "测试简报-2024年第一期-screen.pdf"
    before = pdf.read_bytes()
    issue = project.issues / "x" / "issue.yaml"
    issue.write_text(issue.read_text(encoding="utf-8").replace("year: 2024", "year: soon"), encoding="utf-8")
    assert main(["render", "x"]) == 2
    assert pdf.read_bytes() == before
    assert _left(pdf) == [pdf.name]


def test_no_traceback_from_the_installed_command(in_project) -> None:
    project = in_project(BODY.replace("一段文字。", "一段[文字。"))
    env = {**os.environ, "BULLETIN_PRESS_ROOT": str(project.root)}
    run = subprocess.run([sys.executable, "-m", "bulletin_press", "render", "x"], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 2
    assert "issues/x/issue.yaml:17:11: issue.sections[0].body[0]: '[' starts a link" in run.stderr
    assert "Traceback" not in run.stderr and run.stdout == ""


@pytest.mark.slow
def test_the_installed_command_ends_with_its_output_whole(in_project) -> None:
    """run() ends the process at once (startup.leave): the summary, the warnings and the status still arrive."""
    project = in_project(BODY.replace("一段文字。", "一段[文字](#)。"))
    env = {**os.environ, "BULLETIN_PRESS_ROOT": str(project.root)}
    run = subprocess.run([sys.executable, "-m", "bulletin_press", "render", "x"], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("build/x/") and run.stdout.endswith(" 1 warning\n")
    assert "has no address ('#')" in run.stderr
    strict = subprocess.run([sys.executable, "-m", "bulletin_press", "render", "x", "--strict"], capture_output=True,
                            text=True, env=env, timeout=120)
    assert strict.returncode == 1 and "under --strict; no PDF written" in strict.stderr


def test_an_injected_failure_mid_write_keeps_the_previous_pdf(in_project, capsys, monkeypatch) -> None:
    import weasyprint

    project = in_project()
    assert main(["render", "x"]) == 0
    pdf = project.build / "x" / "测试简报-2024年第一期-screen.pdf"
    before = pdf.read_bytes()

    def broken_write(self, target=None, *args, **kwargs):
        target.write(b"%PDF-1.7 half a file")
        raise OSError("disk full")

    monkeypatch.setattr(weasyprint.Document, "write_pdf", broken_write)
    assert main(["render", "x"]) == 70
    err = capsys.readouterr().err
    assert "internal error (OSError: disk full); no PDF written" in err and "Traceback" not in err
    assert pdf.read_bytes() == before
    assert _left(pdf) == [pdf.name]


KILLED_MID_WRITE = """
import sys, time, weasyprint
from bulletin_press.commands.cli import main

def slow_write(self, target=None, *args, **kwargs):
    target.write(b"%PDF-1.7 the first half")
    target.flush()
    time.sleep(60)

weasyprint.Document.write_pdf = slow_write
sys.exit(main(["render", "x"]))
"""


def test_a_render_killed_mid_write_keeps_the_previous_pdf(in_project) -> None:
    import signal
    import time

    project = in_project()
    assert main(["render", "x"]) == 0
    pdf = project.build / "x" / "测试简报-2024年第一期-screen.pdf"
    before = pdf.read_bytes()
    env = {**os.environ, "BULLETIN_PRESS_ROOT": str(project.root)}
    proc = subprocess.Popen([sys.executable, "-c", KILLED_MID_WRITE], env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(pdf.parent.glob(".*.part")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(pdf.parent.glob(".*.part")), "the render never started writing"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "interrupted; no PDF written" in err
    assert pdf.read_bytes() == before
    assert _left(pdf) == [pdf.name]


def _left(pdf: Path) -> list[str]:
    """The files beside the PDF, less the input stamp a good render writes (`send` reads it)."""
    return sorted(p.name for p in pdf.parent.iterdir() if not p.name.startswith(".inputs-"))


def test_layout_option_tries_a_layout_and_leaves_the_issue_alone(in_project, capsys) -> None:
    project = in_project()
    yaml_before = (project.issues / "x" / "issue.yaml").read_bytes()
    assert main(["render", "x", "--layout", "member-brief"]) == 0
    out = capsys.readouterr().out
    tried = project.build / "x" / "测试简报-2024年第一期-screen-member-brief.pdf"
    assert out.startswith(f"build/x/{tried.name}: screen, 1 pages")
    assert (project.issues / "x" / "issue.yaml").read_bytes() == yaml_before
    # The issue's own PDF and its up-to-date stamp are not claimed by the tried layout.
    assert not (project.build / "x" / "测试简报-2024年第一期-screen.pdf").exists()
    assert not list((project.build / "x").glob(".inputs-*"))
    # member-brief's page is A4 with its own margins: the brief's stylesheet was the one applied.
    from ..conftest import pdf_text
    assert "一段文字" in pdf_text(tried)
    assert main(["check", "x", "--layout", "member-brief"]) == 0


def test_layout_option_names_an_unknown_layout(in_project, capsys) -> None:
    in_project()
    assert main(["render", "x", "--layout", "two-colunm"]) == 2
    err = capsys.readouterr().err
    assert "--layout: unknown layout 'two-colunm'; expected one of: base, cega-bulletin, member-brief" in err
    assert "Traceback" not in err


def test_html_is_written_before_layout_so_a_crash_leaves_it(in_project, capsys, monkeypatch) -> None:
    from bulletin_press.engine import render

    project = in_project()

    def crash(*args, **kwargs):
        raise AssertionError("inside the float layout")

    monkeypatch.setattr(render, "layout", crash)
    assert main(["render", "x", "--html"]) == 70
    err = capsys.readouterr().err
    html = project.build / "x" / "测试简报-2024年第一期-screen.html"
    assert '<h2 class="section-banner">栏目</h2>' in html.read_text(encoding="utf-8")
    assert f"the HTML being laid out: build/x/{html.name}" in err
