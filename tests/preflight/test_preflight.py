"""`bulletin-press check` and the preflight checks, on the real issues and on small broken ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bulletin_press.build import Options, build
from bulletin_press.commands.cli import main
from bulletin_press.diagnostics import BuildError

from ..conftest import ARTICLE, HEADER, ROOT, make_project

BODY = "\n" + ARTICLE.replace("一段文字。", "{text}")


@pytest.mark.slow
def test_check_on_the_real_issue_lists_only_the_lost_links(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["check", "2023-11", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["errors"] == 0 and report["pages"] > 10
    assert [f["message"][:6] for f in report["findings"]] == ["link '"] * 6
    assert all(f["file"] == "issues/2023-11/issue.yaml" and f["line"] > 0 for f in report["findings"])
    assert main(["check", "2023-11", "--strict"]) == 1
    assert main(["check", "2020-09", "--strict"]) == 0
    assert not list((ROOT / "build" / "2023-11").glob(".check-*"))


def test_glyph_outside_the_house_fonts_names_the_fallback(tmp_path: Path) -> None:
    # ⍉ (APL) is in DejaVu Sans Mono only: installed, but no role of fonts/fonts.yaml
    project = make_project(tmp_path, HEADER + BODY.format(text="APL符号⍉。"))
    result = build(project, "x", Options(dry_run=True))
    [finding] = [f for f in result.report.warnings if "U+2349" in f.message]
    assert "character '⍉' (U+2349) is not in Noto" in finding.message and "drawn in DejaVu Sans Mono" in finding.message
    assert finding.pos.line == 20


def test_glyph_in_no_font_is_an_error(tmp_path: Path) -> None:
    project = make_project(tmp_path, HEADER + BODY.format(text="切罗基字母Ꭰ，私用区\U0010FFFD。"))
    with pytest.raises(BuildError) as e:
        build(project, "x")
    messages = [str(f) for f in e.value.findings]
    for code in ("U+13A0", "U+10FFFD"):
        assert any(f"{code}) is in no installed font and would print as a blank box" in m for m in messages), messages
    assert not (project.build / "x").exists() or not list((project.build / "x").glob("*.pdf"))


def test_emoji_and_symbols_of_declared_fallbacks_are_no_finding(tmp_path: Path) -> None:
    """🌱 is only in Noto Color Emoji, ₂ and ‱ only in DejaVu Sans: both roles of fonts/fonts.yaml."""
    project = make_project(tmp_path, HEADER + BODY.format(text="环保🌱行动😀，CO₂ 减排 3‱ ❤️ 👍🏽。"))
    result = build(project, "x", Options(dry_run=True))
    assert not [f for f in result.report.findings if "character" in f.message], result.report.findings


def test_traditional_article_is_checked_against_the_tc_faces(tmp_path: Path) -> None:
    from bulletin_press.fonts import resolve_fonts
    from bulletin_press.preflight import check_glyphs
    from bulletin_press.cjk.filters import Typography
    from bulletin_press.content.load import load_issue

    yaml = HEADER + BODY.format(text="這是繁體。").replace("        body:\n", "        lang: zh-Hant\n        body:\n", 1)
    project = make_project(tmp_path, yaml)
    issue = load_issue(project.issues / "x")
    fonts = resolve_fonts(project.fonts / "fonts.yaml")
    # A fonts.yaml whose TC role is a face without Han: the zh-Hant article's characters are reported against it.
    latin_only = fonts.roles["symbols"]
    broken = type(fonts)({**fonts.roles, "body-tc": latin_only, "heading-tc": latin_only}, fonts.langs, fonts.fallbacks)
    messages = [f.message for f in check_glyphs(issue, broken, Typography())]
    assert any("character '這' (U+9019) is not in DejaVu Sans 400" in m for m in messages), messages
    assert not any("'栏'" in m for m in messages), messages  # the section around it is SC
    assert check_glyphs(issue, fonts, Typography()) == []


def test_low_resolution_photo(tmp_path: Path) -> None:
    from PIL import Image
    project = make_project(tmp_path, HEADER + BODY.format(text="一段文字。") + "          - {type: photo, src: photos/small.jpg}\n")
    (project.issues / "x" / "photos").mkdir()
    Image.new("RGB", (400, 300), (40, 120, 80)).save(project.issues / "x" / "photos" / "small.jpg")
    result = build(project, "x")
    [finding] = [f for f in result.report.warnings if "dpi" in f.message]
    assert finding.message.startswith("photo photos/small.jpg is ")
    assert "expected at least 150 dpi" in finding.message and finding.pos.line == 21
    printed = build(project, "x", Options(profile="print"))
    assert any("expected at least 300 dpi" in f.message for f in printed.report.warnings)  # the print shop's rule


def test_empty_section_and_repeated_title(tmp_path: Path) -> None:
    text = HEADER + BODY.format(text="一段文字。") + """      - type: article
        title: 标题
        body: [又一段。]
  - type: section
    title: 空栏目
    body: []
"""
    result = build(make_project(tmp_path, text), "x")
    messages = [str(f) for f in result.report.warnings]
    assert any("article title '标题' already stands at line 17" in m for m in messages), messages
    assert any("section '空栏目' is empty" in m for m in messages), messages


def test_size_budget_names_the_largest_contributors(tmp_path: Path) -> None:
    project = make_project(tmp_path, HEADER + BODY.format(text="一段文字。"), layouts={"tight": {
        "layout.yaml": "extends: cega-bulletin\nemail_budget_mb: 0.01\n"}})
    issue = project.issues / "x" / "issue.yaml"
    issue.write_text(issue.read_text(encoding="utf-8").replace("layout: cega-bulletin", "layout: tight"), encoding="utf-8")
    result = build(project, "x")
    [finding] = [f for f in result.report.warnings if "budget" in f.message]
    assert "over the e-mail budget of 0.0 MB; largest: font Noto-" in finding.message


def test_fetcher_refuses_files_outside_the_allowed_folders(tmp_path: Path) -> None:
    """Even a layout (a designer's file) cannot make the renderer read /etc or the network."""
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }", encoding="utf-8")
    project = make_project(tmp_path / "p", HEADER + BODY.format(text="一段文字。"), layouts={"leaky": {
        "layout.yaml": "extends: cega-bulletin\nstylesheets: [leak.css]\n",
        "leak.css": f'@import url("file://{secret}");\n@import url("http://127.0.0.1:9/x.css");\n'
                    'body { background: url("file:///etc/hostname") }\n'}})
    issue = project.issues / "x" / "issue.yaml"
    issue.write_text(issue.read_text(encoding="utf-8").replace("layout: cega-bulletin", "layout: leaky"), encoding="utf-8")
    result = build(project, "x")
    refused = [f.message for f in result.report.warnings if "WeasyPrint" in f.message]
    assert any("secret.css" in m and "outside" in m for m in refused), refused
    assert any("127.0.0.1" in m for m in refused), refused
    assert any("/etc/hostname" in m for m in refused), refused


def test_output_stays_in_build_whatever_the_publication_is_called(tmp_path: Path, monkeypatch) -> None:
    project = make_project(tmp_path, HEADER.replace("name: 测试简报", 'name: "../../evil"') + BODY.format(text="一段文字。"))
    result = build(project, "x")
    assert result.pdf.parent == project.build / "x" and result.pdf.name.startswith("_.._evil")
    assert not (tmp_path / "evil-2024年第一期.pdf").exists()


def test_text_lost_from_the_pdf_text_layer_is_an_error_and_nothing_is_written(tmp_path: Path) -> None:
    """A joiner typed inside —— makes HarfBuzz merge the dashes into a glyph with no text mapping:
    the laid-out boxes still hold the text, only the written PDF shows the loss."""
    project = make_project(tmp_path, HEADER + BODY.format(text='"冰雪融化的屋脊—\\u2060—珠峰雪豹项目展"'))
    with pytest.raises(BuildError) as e:
        build(project, "x")
    [lost] = [f for f in e.value.findings if "text layer" in f.message]
    assert "text missing from the PDF's text layer: '冰雪融化的屋脊——珠峰雪豹项目展'" in lost.message
    assert lost.pos.line == 20
    assert not list((project.build / "x").glob("*.pdf")) and not list((project.build / "x").glob(".*part"))
