"""The stylesheet preflight: constructs WeasyPrint 70 cannot lay out, refused with file:line:col before layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulletin_press.cjk.numerals import cn_number
from bulletin_press.preflight.stylesheets import check_stylesheets
from bulletin_press.templates import find_layout
from bulletin_press.diagnostics import Pos

from ..conftest import HEADER, make_project

LAYOUT_YAML = "name: {name}\nextends: cega-bulletin\nstylesheets: [{sheet}]\n"


def findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str]) -> list[str]:
    """The stylesheet findings of a layout `d` made of `files` (d.css first), as the CLI prints them."""
    make_project(tmp_path, HEADER, layouts={"d": {"layout.yaml": LAYOUT_YAML.format(name="d", sheet="d.css"), **files}})
    monkeypatch.chdir(tmp_path)
    return [str(f) for f in check_stylesheets(find_layout(tmp_path / "layouts", "d", Pos("test")))]


def test_each_floated_first_letter_rule_is_named_at_its_place(tmp_path: Path, monkeypatch) -> None:
    css = """\
        /* A comment { float: left } p::first-letter */
        h2 { float: left; }
        .paragraph::first-letter { font-size: 2em; }
        .note, p:first-letter {
          float: right;
        }
        @media print {
          .lead::first-letter { color: red; FLOAT: Left }
        }
        @import "more.css";  /* after a rule: ignored, as WeasyPrint does */
        .quiet::first-letter { float: none; }
        """
    found = findings(tmp_path, monkeypatch, {"d.css": css, "more.css": "/* late */\n.more::first-letter{float:left}\n"})
    assert [f.split(": ")[0] for f in found] == ["layouts/d/d.css:4:1", "layouts/d/d.css:8:3"]
    assert found[0] == ("layouts/d/d.css:4:1: a floated ::first-letter cannot be laid out by WeasyPrint 70 (the first "
                        "line runs over the letter, and a paragraph laid out twice stops the engine); expected no 'float' "
                        "in a ::first-letter rule (use a raised initial, 'p:first-letter { font-size: 2em }', which works)")


def test_an_imported_sheet_is_read_too(tmp_path: Path, monkeypatch) -> None:
    found = findings(tmp_path, monkeypatch, {"d.css": '@import url("parts/more.css");\n',
                                             "parts/more.css": "/* parts */\n\n  .more::first-letter{float:left}\n"})
    assert [f.split(": ")[0] for f in found] == ["layouts/d/parts/more.css:3:3"]


def test_the_house_layouts_pass(tmp_path: Path, monkeypatch) -> None:
    from bulletin_press.project import Project

    root = Path(__file__).resolve().parents[2]
    for name in ("cega-bulletin", "member-brief"):
        assert check_stylesheets(find_layout(Project(root).layouts, name, Pos("test"))) == []


# A paragraph with a floated first letter that does not fit under the masthead (kept whole): laid out
# on page 1, then again on page 2 — where WeasyPrint 70 wraps the letter it cut out the first time
# in a floated inline box, and stops on an assertion in layout/float.py.
TWICE = HEADER.replace("layout: cega-bulletin", "layout: dropcap") + """\
sections:
  - type: section
    title: 栏目
    body:
      - type: article
        title: 标题
        body:
          - {text}
""".format(text="".join(f"第{cn_number(i)}句话讲述资助者之间的合作。" for i in range(1, 160)))
DROPCAP = {"dropcap": {"layout.yaml": LAYOUT_YAML.format(name="dropcap", sheet="d.css"),
                       "d.css": ".paragraph { break-inside: avoid; }\n.paragraph::first-letter { float: left; font-size: 3em; }\n"}}


def test_the_engine_stops_on_what_the_preflight_refuses_and_says_which_layout(tmp_path: Path, monkeypatch, capsys) -> None:
    """Without the refusal, WeasyPrint 70 itself fails (the measured reason for it); the CLI then names
    the layout and its stylesheets, exits 70, and BULLETIN_PRESS_DEBUG still shows the traceback."""
    from bulletin_press.commands import cli
    from bulletin_press import preflight

    make_project(tmp_path, TWICE, layouts=DROPCAP)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["render", "x"]) == cli.EXIT_ERRORS  # refused up front
    assert "layouts/dropcap/d.css:2:1: a floated ::first-letter" in capsys.readouterr().err

    monkeypatch.setattr(preflight, "check_stylesheets", lambda layout: [])
    monkeypatch.delenv("BULLETIN_PRESS_DEBUG", raising=False)
    assert cli.main(["render", "x", "--html"]) == cli.EXIT_INTERNAL
    err = capsys.readouterr().err
    assert "internal error (AssertionError" in err
    assert ("WeasyPrint stopped inside its own layout (layout/float.py:78) while laying out the issue in layout "
            "'dropcap'; a rule of its stylesheets (layouts/base/base.css, layouts/cega-bulletin/bulletin.css, "
            "layouts/dropcap/d.css) that WeasyPrint 70 cannot lay out is the likely cause") in err

    monkeypatch.setenv("BULLETIN_PRESS_DEBUG", "1")
    with pytest.raises(AssertionError):
        cli.main(["render", "x"])
