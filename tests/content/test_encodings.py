"""issue.yaml as editors save it: UTF-16 and GBK read with a warning and printed right; typos get 'did you mean'."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from bulletin_press.commands.cli import main

from ..conftest import ARTICLE, HEADER, make_project, pdf_text

GOOD = HEADER + ARTICLE.replace("一段文字。", "气候变化与公民社会网络。")
ISSUE = "issues/x/issue.yaml"
RESAVE = "expected UTF-8 — re-save the file as UTF-8 (in Notepad: Save as, Encoding 'UTF-8')"
BLOCKS = "article, credits, key_figures, links, list, note, notice, paragraph, photo, photo_row, pullquote, schedule, sidebar, table"


def project_with(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: bytes):
    project = make_project(tmp_path, "")
    (project.issues / "x" / "issue.yaml").write_bytes(data)
    monkeypatch.chdir(project.root)
    monkeypatch.delenv("BULLETIN_PRESS_ROOT", raising=False)
    return project


# (case, bytes, the warning after "issues/x/issue.yaml:1:1: warning: the file is ")
READ = [
    ("UTF-16 LE with BOM", codecs.BOM_UTF16_LE + GOOD.encode("utf-16-le"), "UTF-16 LE with a byte-order mark (Notepad's 'Unicode')"),
    ("UTF-16 BE with BOM", codecs.BOM_UTF16_BE + GOOD.encode("utf-16-be"), "UTF-16 BE with a byte-order mark (Notepad's 'Unicode')"),
    ("UTF-16 LE without BOM", GOOD.encode("utf-16-le"), "UTF-16 LE without a byte-order mark"),
    ("UTF-16 BE without BOM", GOOD.encode("utf-16-be"), "UTF-16 BE without a byte-order mark"),
    ("GB18030", GOOD.encode("gb18030"), "GBK/GB18030 (Windows 'ANSI' on a Chinese system)"),
]


@pytest.mark.parametrize("case, data, found", READ, ids=[r[0] for r in READ])
def test_other_encodings_print_with_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys,
                                              case: str, data: bytes, found: str) -> None:
    project = project_with(tmp_path, monkeypatch, data)
    assert main(["render", "x"]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines() == [f"{ISSUE}:1:1: warning: the file is {found}, read as such; {RESAVE}"]
    assert out.endswith(", 1 warning\n")
    text = pdf_text(project.build / "x" / "测试简报-2024年第一期-screen.pdf")
    assert all(words in text for words in ("测 试 网 络", "栏目", "标题", "气候变化与公民社会网络。")), text


def test_utf8_with_bom_prints_without_a_word(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """Notepad's 'UTF-8' before 2019 wrote a BOM: the file is UTF-8, nothing for the editor to do."""
    project = project_with(tmp_path, monkeypatch, codecs.BOM_UTF8 + GOOD.encode())
    assert main(["render", "x"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and out.endswith(", 0 warnings\n")
    assert "气候变化与公民社会网络。" in pdf_text(project.build / "x" / "测试简报-2024年第一期-screen.pdf")


def check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, data: bytes) -> list[str]:
    """`bulletin-press check x`: exit 2, no traceback; the lines it printed before its summary."""
    project_with(tmp_path, monkeypatch, data)
    assert main(["check", "x"]) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return out.splitlines()[:-1]


def test_positions_count_characters_of_the_decoded_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """Column 15 on a line of GBK bytes '          - 气候[': characters as the editor shows them, not bytes."""
    data = GOOD.replace("气候变化", "气候[变化").encode("gb18030")
    assert check(tmp_path, monkeypatch, capsys, data) == [
        f"{ISSUE}:1:1: warning: the file is GBK/GB18030 (Windows 'ANSI' on a Chinese system), read as such; {RESAVE}",
        f"{ISSUE}:19:15: issue.sections[0].body[0].body[0]: '[' starts a link but no '](url)' follows; expected [text](url) or '\\[' for a literal bracket",
    ]


def test_utf16_with_a_typo_gives_both(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    data = codecs.BOM_UTF16_LE + GOOD.replace("title: 标题", "titel: 标题").encode("utf-16-le")
    assert check(tmp_path, monkeypatch, capsys, data) == [
        f"{ISSUE}:1:1: warning: the file is UTF-16 LE with a byte-order mark (Notepad's 'Unicode'), read as such; {RESAVE}",
        f"{ISSUE}:17:9: issue.sections[0].body[0]: unknown field 'titel' — did you mean 'title'?; expected one of: title, meta, published, source, lang, body",
    ]


# (case, the good issue changed, every line `check` prints before its summary)
REFUSED = [
    ("Big5", b"publication:\n  name: " + "中國發展簡報".encode("big5") + b"\n",
     [f"{ISSUE}:2:9: the file is not UTF-8, and read as GBK this line gives 'name: い瓣祇甶虏厨' (is it Big5 or another encoding?); {RESAVE}"]),
    ("damaged UTF-8", GOOD.encode().replace("变化".encode(), b"\xe5\x8f" + "化".encode()),
     [f"{ISSUE}:19:15: bytes 0xE5 0x8F are not UTF-8 (the rest of the file is); expected UTF-8 text — retype the character here"]),
    ("Latin-1", GOOD.replace("name: 测试简报", "name: café").encode("latin-1", "replace"),
     [f"{ISSUE}:2:12: byte 0xE9 is neither UTF-8 nor GBK/GB18030; {RESAVE}"]),
    ("UTF-32", codecs.BOM_UTF32_LE + GOOD.encode("utf-32-le"), [f"{ISSUE}:1:1: the file is UTF-32 LE; {RESAVE}"]),
    ("NUL byte", GOOD.replace("公民", "公\x00民").encode(),
     [f"{ISSUE}:19:19: a NUL byte (0x00); expected text — delete it (the file is neither UTF-8 nor UTF-16)"]),
    ("UTF-16 cut in half a character", GOOD.encode("utf-16-le")[:-1],
     [f"{ISSUE}:19:25: the file is UTF-16 LE but damaged here (byte 623 of the file); {RESAVE}"]),
]


@pytest.mark.parametrize("case, data, lines", REFUSED, ids=[r[0] for r in REFUSED])
def test_files_that_are_no_text_we_can_trust(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys,
                                            case: str, data: bytes, lines: list[str]) -> None:
    assert check(tmp_path, monkeypatch, capsys, data) == lines


TYPOS = [
    ("tpye", GOOD.replace("type: article", "tpye: article"),
     [f"{ISSUE}:16:9: issue.sections[0].body[0]: block has no 'type' — did you mean 'type' (line 16: 'tpye')?; expected one of: {BLOCKS}"]),
    ("tpye and a typo inside", GOOD.replace("type: article", "tpye: article").replace("title: 标题", "titel: 标题"),
     [f"{ISSUE}:16:9: issue.sections[0].body[0]: block has no 'type' — did you mean 'type' (line 16: 'tpye')?; expected one of: {BLOCKS}",
      f"{ISSUE}:17:9: issue.sections[0].body[0]: unknown field 'titel' — did you mean 'title'?; expected one of: title, meta, published, source, lang, body"]),
    ("tpye and an unknown type", GOOD.replace("type: article", "tpye: artcle"),
     [f"{ISSUE}:16:9: issue.sections[0].body[0]: block has no 'type' — did you mean 'type' (line 16: 'tpye')?; expected one of: {BLOCKS}",
      f"{ISSUE}:16:15: issue.sections[0].body[0]: unknown block type 'artcle' — did you mean 'article'?; expected one of: {BLOCKS}"]),
    ("paragrah, captoin, pubilcation", GOOD.replace("publication:", "pubilcation:").replace(
        "          - 气候变化与公民社会网络。", "          - {type: paragrah, text: 一段}\n          - {type: photo, src: a.jpg, captoin: 图注}"),
     [f"{ISSUE}:1:1: issue: unknown field 'pubilcation' — did you mean 'publication'?; expected one of: publication, layout, topic, year, number, cumulative, date, sections",
      f"{ISSUE}:19:20: issue.sections[0].body[0].body[0]: unknown block type 'paragrah' — did you mean 'paragraph'?; expected one of: {BLOCKS}",
      f"{ISSUE}:20:39: issue.sections[0].body[0].body[1]: unknown field 'captoin' — did you mean 'caption'?; expected one of: src, alt, standin, caption, credit, crop, focus"]),
    ("Title in capitals", GOOD.replace("title: 标题", "Title: 标题"),
     [f"{ISSUE}:17:9: issue.sections[0].body[0]: unknown field 'Title' — did you mean 'title'?; expected one of: title, meta, published, source, lang, body"]),
    ("no type and nothing close", GOOD.replace("type: article", "kind: article"),
     [f"{ISSUE}:16:9: issue.sections[0].body[0]: block has no 'type'; expected one of: {BLOCKS}"]),
]


@pytest.mark.parametrize("case, text, lines", TYPOS, ids=[t[0] for t in TYPOS])
def test_typos_get_did_you_mean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, case: str, text: str, lines: list[str]) -> None:
    assert check(tmp_path, monkeypatch, capsys, text.encode()) == lines
