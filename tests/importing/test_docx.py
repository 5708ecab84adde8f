"""A member's Word file imported into an issue, rendered, and read back from the PDF."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bulletin_press.build import build
from bulletin_press.commands.cli import main
from bulletin_press.content.load import load_issue

from ..conftest import HEADER, PdfPage, make_project, missing_and_out_of_order, pdf_text, read_pdf
from . import make

pytestmark = pytest.mark.slow  # renders

ISSUE = HEADER + """\
sections:
  # 会员动态：成员机构来稿
  - type: section
    title: 会员动态
    body:
      - type: article
        title: 已有的文章
        body:
          - 已有文章的正文。   # an editor's comment, kept
  - type: section
    title: 项目进展
    body:
      - type: article
        title: 项目文章
        body:
          - "项目文章的正文。"
"""


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[PdfPage], str, dict]:
    tmp = tmp_path_factory.mktemp("docx")
    project = make_project(tmp / "p", ISSUE)
    source = make.word_file(tmp)
    before = (project.issue_folder("x") / "issue.yaml").read_text(encoding="utf-8")
    import os

    cwd = os.getcwd()
    os.chdir(project.root)
    try:
        assert main(["import", str(source), "--into", "x", "--section", "会员动态"]) == 0
    finally:
        os.chdir(cwd)
    after = (project.issue_folder("x") / "issue.yaml").read_text(encoding="utf-8")
    result = build(project, "x")
    assert not result.report.errors
    data = yaml.safe_load(after)
    return project.issue_folder("x"), read_pdf(result.pdf), before + "\0" + after, data


def article(data: dict) -> dict:
    return next(a for s in data["sections"] if s["title"] == "会员动态" for a in s["body"] if a["title"] == make.TITLE)


def test_every_sentence_reaches_the_pdf_in_order(imported) -> None:
    folder, pages, _, _ = imported
    missing, out_of_order = missing_and_out_of_order(load_issue(folder), pages)
    assert missing == [] and out_of_order == []
    text = "".join(p.text() for p in pages).replace(" ", "")
    for sentence in (make.FIRST, "".join(make.SECOND), make.THIRD + make.ITALIC + make.THIRD_END, *make.BULLETS, *make.STEPS,
                     make.CAPTION.replace(" ", ""), make.LAST, make.FOOTNOTE, *make.BREAK_LINES, make.SUBHEADING):
        assert sentence.replace(" ", "") in text


def test_the_title_is_set_as_a_heading_and_bold_runs_bold(imported) -> None:
    _, pages, _, _ = imported
    chars = [c for p in pages for c in p.chars]
    text = "".join(c["text"] for c in chars)
    title = chars[text.index(make.TITLE)]
    body = chars[text.index(make.FIRST)]
    bold = chars[text.index(make.BOLD) + 1]
    plain = chars[text.index("与会者认为")]
    assert "Sans" in title["fontname"] and title["size"] > body["size"] + 2
    assert "Bold" in bold["fontname"] and "Bold" not in plain["fontname"]


def test_pictures_are_placed_with_their_caption_and_the_pair_side_by_side(imported) -> None:
    folder, _, _, data = imported
    body = article(data)["body"]
    single = next(b for b in body if b["type"] == "photo")
    row = next(b for b in body if b["type"] == "photo_row")
    assert single["caption"] == make.CAPTION and len(row["photos"]) == 2
    assert all((folder / p["src"]).is_file() for p in [single, *row["photos"]])
    import pdfplumber

    pdf = next((folder.parent.parent / "build" / "x").glob("*.pdf"))
    with pdfplumber.open(pdf) as doc:
        images = [i for p in doc.pages for i in p.images]
    assert len(images) >= 3
    pair = sorted((i for i in images if abs(i["top"] - images[-1]["top"]) < 1), key=lambda i: i["x0"])
    assert len(pair) == 2 and pair[0]["x1"] < pair[1]["x0"]  # side by side, not one under the other


def test_structure_comes_through_as_blocks(imported) -> None:
    _, _, _, data = imported
    a = article(data)
    assert a["meta"] == make.DATE_LINE
    kinds = [b["type"] for b in a["body"]]
    assert kinds.count("list") == 2 and kinds.count("table") == 2 and kinds[-1] == "note"
    paragraphs = [b["text"] for b in a["body"] if b["type"] == "paragraph"]
    assert paragraphs[0] == make.FIRST  # the typed indent dropped
    assert f"**{make.BOLD}**" in paragraphs[1] and paragraphs[1].endswith("\\[1\\]")  # bold and the footnote's mark
    assert f"*{make.ITALIC}*" in paragraphs[2]
    assert f"[{make.LINK_TEXT}]({make.LINK_URL})" in "".join(paragraphs)
    assert "\n".join(make.BREAK_LINES) in paragraphs  # the soft line break kept
    assert f"**{make.SUBHEADING}**" in paragraphs
    grouped, wide = (b for b in a["body"] if b["type"] == "table")
    assert grouped["header"] == make.TABLE[0] and [g["label"] for g in grouped["groups"]] == ["湖南", "湖北"]
    assert grouped["groups"][0]["rows"] == [make.TABLE[1][1:], make.TABLE[2][1:]]
    assert wide["rows"][0] == [make.WIDE[1][0], "", "—"]
    ordered = [b for b in a["body"] if b["type"] == "list"]
    assert ordered[0]["items"] == list(make.BULLETS) and ordered[1] == {"type": "list", "items": list(make.STEPS), "ordered": True}


def test_the_rest_of_issue_yaml_is_left_as_typed(imported) -> None:
    _, _, both, _ = imported
    before, after = both.split("\0")
    assert "# 会员动态：成员机构来稿" in after and "# an editor's comment, kept" in after and '"项目文章的正文。"' in after
    added = after.replace(before[:before.index("  - type: section\n    title: 项目进展")], "", 1)
    assert after.startswith(before[:before.index("  - type: section\n    title: 项目进展")])
    assert added.endswith(before[before.index("  - type: section\n    title: 项目进展"):])


def test_a_word_drawing_is_left_out_with_a_warning_and_the_rest_imported(tmp_path: Path, capsys) -> None:
    project = make_project(tmp_path / "p", ISSUE)
    source = make.with_drawing(make.word_file(tmp_path))
    assert main(["import", str(source), "--into", str(project.issue_folder("x")), "--dry-run"]) == 0
    out, err = capsys.readouterr()
    assert "picture 1: a Windows drawing (EMF) the engine cannot print; left out" in err
    assert make.FIRST in out and "photo_row" in out and "caption" not in out.split("photo_row")[0].split("- type: photo")[-1]


def test_dry_run_prints_the_yaml_and_writes_nothing(tmp_path: Path, capsys) -> None:
    project = make_project(tmp_path / "p", ISSUE)
    folder = project.issue_folder("x")
    before = (folder / "issue.yaml").read_bytes()
    assert main(["import", str(make.word_file(tmp_path)), "--into", str(folder), "--section", "项目进展",
                 "--after", "项目文章", "--dry-run"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("      - type: article\n        title: " + make.TITLE)
    assert "section '项目进展'" in err and "paragraphs" in err and "3 photos" in err and "2 tables" in err
    assert (folder / "issue.yaml").read_bytes() == before and not (folder / "photos").exists()


@pytest.mark.parametrize("name, content, expected", [
    ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "is a Word 97–2003 document (.doc); expected a .docx"),
    ("locked.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le") + b"\0" * 600,
     "is a Word file protected with a password"),
    ("report.pdf", b"%PDF-1.7\n%\xe2\xe3\n", "is a PDF"),
    ("notes.pages", None, "is an Apple Pages document; expected a .docx"),
    ("notes.txt", b"just text", "is not a file the importer reads (.txt)"),
])
def test_files_it_cannot_read_are_refused_with_what_to_do(tmp_path: Path, capsys, name: str, content: bytes | None,
                                                          expected: str) -> None:
    project = make_project(tmp_path / "p", ISSUE)
    folder = project.issue_folder("x")
    before = (folder / "issue.yaml").read_bytes()
    path = tmp_path / name
    if content is None:
        import zipfile

        with zipfile.ZipFile(path, "w") as z:
            z.writestr("Index/Document.iwa", b"\0")
    else:
        path.write_bytes(content)
    assert main(["import", str(path), "--into", str(folder)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: {expected}" in err and "Traceback" not in err
    assert (folder / "issue.yaml").read_bytes() == before


def test_an_unknown_article_to_follow_is_an_error_naming_the_titles(tmp_path: Path, capsys) -> None:
    project = make_project(tmp_path / "p", ISSUE)
    folder = project.issue_folder("x")
    assert main(["import", str(make.word_file(tmp_path)), "--into", str(folder), "--section", "会员动态", "--after", "无此文章"]) == 2
    assert "section '会员动态' has no article titled '无此文章'; expected one of: 已有的文章" in capsys.readouterr().err


def test_the_pdf_text_layer_holds_the_imported_article(imported) -> None:
    folder, _, _, _ = imported
    pdf = next((folder.parent.parent / "build" / "x").glob("*.pdf"))
    assert make.TITLE in pdf_text(pdf).replace(" ", "")


def test_a_soft_line_break_starts_a_new_line_and_lists_show_their_marks(imported) -> None:
    _, pages, _, _ = imported
    chars = [c for p in pages for c in p.chars if c["text"].strip()]
    text = "".join(c["text"] for c in chars)
    first, second = (chars[text.index(line)] for line in make.BREAK_LINES)
    assert second["top"] > first["top"] + 5 and second["x0"] <= first["x0"]  # under it, not after it on the line
    for number, item in enumerate(make.STEPS, 1):  # numbered as Word numbered them: the number before the item, on its line
        start = chars[text.index(item)]
        marks = [c for c in chars if c["text"] == str(number) and abs(c["top"] - start["top"]) < 2 and c["x1"] <= start["x0"]]
        assert marks, f"no {number}. before {item}"
