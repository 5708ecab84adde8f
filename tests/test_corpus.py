"""The bad-input corpus: each case gives a clear, placed message, exit 2, no traceback, nothing written."""

from __future__ import annotations

import base64
import io
import os
import re
from pathlib import Path

import pytest
from PIL import Image

from bulletin_press.commands.cli import main
from bulletin_press.typeset import plain_text
from bulletin_press.pdf.verify import squash

from .conftest import ARTICLE, HEADER, make_project, read_pdf

SECTION = ARTICLE
GOOD = HEADER + SECTION


def with_body(block: str) -> str:
    """The good issue with one more block in the article body (block indented 10 spaces)."""
    return GOOD + "\n".join("          " + line for line in block.strip("\n").splitlines()) + "\n"


def tiny_png() -> str:
    buf = io.BytesIO()
    Image.new("RGB", (2, 2)).save(buf, "PNG")
    return base64.b64encode(buf.getvalue()).decode()


FW_COLON = "a full-width colon '：' (U+FF1A) after the key '{key}'; expected a half-width ':' and a space ('{key}: ')"
IDEO = "an ideographic space '　' (U+3000) in the indentation; expected ordinary spaces"
TAB = "17:1: a tab character in the indentation; expected spaces — YAML indents with spaces only"
QUOTE = ("a straight '\"' inside a text in double quotes ends the text here; expected “” for quotation marks, "
         "\\\" for a straight one, or single quotes around the whole text")
COLON_TEXT = ("the text '{text}' contains ': ', which YAML reads as a key; expected a text — "
              "put the whole text in quotes or write a full-width '：'")
DASH_FW = "a full-width dash '－' (U+FF0D) as a list dash; expected '- ' (a half-width hyphen-minus and a space)"
PLACED = re.compile(r"\d+:\d+: ")

# (case id, issue.yaml text or bytes, words the message must contain — or, "line:col: message"
# lines, the exact errors printed)
ERRORS: list[tuple[str, str | bytes, str]] = [
    # malformed YAML
    ("unclosed quote", GOOD.replace("title: 标题", 'title: "标题'), "expected well-formed YAML"),
    ("bad indentation", GOOD.replace("        title: 标题", "      title: 标题"), "expected well-formed YAML"),
    ("unclosed bracket", GOOD + "extra: [1, 2\n", "expected well-formed YAML"),
    ("two documents", GOOD + "---\nyear: 2025\n", "expected well-formed YAML"),
    ("duplicate top-level key", GOOD + "year: 2025\n", "duplicate field 'year'"),
    # wrong types
    ("year as text", GOOD.replace("year: 2024", "year: 二〇二四"), "is not a whole number"),
    ("number as fraction", GOOD.replace("number: 1\n", "number: 1.5\n"), "is not a whole number"),
    ("date as words", GOOD.replace("date: 2024-01-31", "date: next Monday"), "is not a date"),
    ("body as mapping", GOOD.replace("          - 一段文字。", "            text: 一段文字。"), "expected a list of blocks"),
    ("sections as text", HEADER + "sections: 栏目\n", "expected a list of blocks"),
    ("standin not a boolean", with_body("- {type: photo, src: photos/a.jpg, standin: maybe}"), "is not true or false"),
    ("text is a list", GOOD.replace("title: 标题", "title: [标, 题]"), "expected text, not a list"),
    # unknown block types
    ("unknown block type", with_body("- {type: tabel, header: [a]}"), "unknown block type 'tabel' — did you mean 'table'?; expected one of:"),
    ("top-level block in a body", with_body("- {type: about, title: 简介, description: [x]}"), "'about' cannot stand here"),
    # missing required fields
    ("no publication", GOOD.split("layout:")[0].replace("publication:", "publisher:") + "layout:" + GOOD.split("layout:")[1], "missing field 'publication'"),
    ("section without title", GOOD.replace("    title: 栏目\n", ""), "missing field 'title'"),
    ("photo without src", with_body("- {type: photo, caption: 图注}"), "missing field 'src'"),
    ("links without items", with_body("- {type: links}"), "missing field 'items'"),
    # impossible dates, times, zones
    ("30 February", GOOD.replace("2024-01-31", "2023-02-30"), "'2023-02-30' is not a date"),
    ("month 13", GOOD.replace("2024-01-31", "2024-13-01"), "is not a date"),
    ("hour 25", with_body("""
- type: schedule
  zone: Asia/Dubai
  zone_label: 迪拜时间
  days: [{date: 2023-12-09, events: [{title: 边会, start: "25:00"}]}]"""), "'25:00' is not a time"),
    ("minute 60", with_body("""
- type: schedule
  zone: Asia/Dubai
  zone_label: 迪拜时间
  days: [{date: 2023-12-09, events: [{title: 边会, start: "12:60"}]}]"""), "'12:60' is not a time"),
    ("unknown zone", with_body("""
- type: schedule
  zone: Mars/Olympus_Mons
  zone_label: 火星时间
  days: [{date: 2023-12-09, events: [{title: 边会}]}]"""), "unknown time zone 'Mars/Olympus_Mons'"),
    ("range ends before it starts", with_body("""
- type: schedule
  zone: Asia/Dubai
  zone_label: 迪拜时间
  days: [{date: 2023-12-09, until: 2023-12-01, events: [{title: 边会}]}]"""), "is before 'date'"),
    ("end without start", with_body("""
- type: schedule
  zone: Asia/Dubai
  zone_label: 迪拜时间
  days: [{date: 2023-12-09, events: [{title: 边会, end: "10:00"}]}]"""), "needs a 'start'"),
    # encodings and bytes
    # (GBK and UTF-16 files are read, with a warning: tests/content/test_encodings.py)
    ("Big5 file", "publication:\n  name: 中國發展簡報\n".encode("big5"), "2:9: the file is not UTF-8, and read as GBK this line gives "
     "'name: い瓣祇甶虏厨' (is it Big5 or another encoding?); expected UTF-8 — re-save the file as UTF-8 (in Notepad: Save as, Encoding 'UTF-8')"),
    ("damaged UTF-8", GOOD.encode().replace("文字".encode(), b"\xe6\x96" + "字".encode()), "19:15: bytes 0xE6 0x96 are not UTF-8 (the rest of the file is); expected UTF-8 text — retype the character here"),
    ("NUL byte", GOOD.replace("一段文字。", "一段\x00文字。").encode(), "19:15: a NUL byte (0x00); expected text — delete it (the file is neither UTF-8 nor UTF-16)"),
    ("empty file", b"", "the file is empty"),
    ("only whitespace", b"\n  \n", "the file is empty"),
    ("control character", GOOD.replace("一段文字。", "一段\x07文字。").encode(), "control character U+0007"),
    ("escaped control character", GOOD.replace("- 一段文字。", '- "一段\\x1b文字。"'), "control character U+001B"),
    # size
    ("10 MB paragraph", GOOD.replace("一段文字。", "字" * (10 * 1024 * 1024 // 3)), "expected at most 2 MB"),
    ("60 000-character paragraph", GOOD.replace("一段文字。", "字" * 60_000), "expected at most 50000"),
    ("alias bomb", GOOD.replace("title: 标题", "title: &t 标题") + "extra: *t\n", "unknown field 'extra'"),
    ("repeated alias", GOOD.replace("title: 栏目", "title: &t 栏目").replace("title: 标题", "title: *t"), "a YAML alias"),
    # paths and URLs
    ("absolute path", with_body("- {type: photo, src: /etc/passwd}"), "outside the issue folder"),
    ("parent path", with_body("- {type: photo, src: ../../secret.jpg}"), "outside the issue folder"),
    ("parent path inside", with_body("- {type: photo, src: photos/../../../etc/passwd}"), "outside the issue folder"),
    ("file URL", with_body("- {type: photo, src: 'file:///etc/passwd'}"), "outside the issue folder"),
    ("loopback URL", with_body("- {type: photo, src: 'http://127.0.0.1/x.jpg'}"), "outside the issue folder"),
    ("data URL", with_body(f"- {{type: photo, src: 'data:image/png;base64,{tiny_png()}'}}"), "outside the issue folder"),
    ("Windows path", with_body("- {type: photo, src: 'C:\\\\secret.jpg'}"), "outside the issue folder"),
    ("javascript link", with_body("- {type: links, items: [{title: 点我, url: 'javascript:alert(1)'}]}"), "is not a link"),
    ("file link", with_body("- {type: links, items: [{title: 点我, url: 'file:///etc/passwd'}]}"), "is not a link"),
    ("inline file link", GOOD.replace("一段文字。", "见[此](file:///etc/passwd)"), ""),
    ("unclosed link", GOOD.replace("一段文字。", "一段[文字。"), "starts a link"),
    # Slips of Chinese input methods: each message word for word, at the character typed
    # ("line:col: message", one line each; no other error may be printed).
    ("tab indentation", GOOD.replace("        title: 标题", "\ttitle: 标题"), TAB),
    ("full-width colon after a key", GOOD.replace("        title: 标题", "        title：标题"),
     f"17:14: {FW_COLON.format(key='title')}"),
    ("full-width colon after a type", GOOD.replace("      - type: article", "      - type：article"),
     f"16:13: {FW_COLON.format(key='type')}"),
    ("full-width colons, all at once", GOOD.replace("year: 2024", "year：2024").replace("        body:\n          -", "        body：\n          -"),
     f"8:5: {FW_COLON.format(key='year')}\n18:13: {FW_COLON.format(key='body')}"),
    ("ideographic-space indentation", GOOD.replace("        title: 标题", "\u3000\u3000\u3000\u3000title: 标题"), f"17:1: {IDEO}"),
    ("ideographic spaces, all at once", GOOD.replace("  name: 测试简报", "\u3000name: 测试简报").replace("        title: 标题", "      \u3000title: 标题"),
     f"2:1: {IDEO}\n17:7: {IDEO}"),
    ("ideographic space after a colon", GOOD.replace("title: 标题", "title:\u3000标题"),
     "17:15: an ideographic space '　' (U+3000) after 'title:'; expected an ordinary space ('title: ')"),
    ("straight quote inside a quoted text", GOOD.replace("- 一段文字。", '- "他说"你好"再见"'), f"19:16: {QUOTE}"),
    ("straight quote starting a text", GOOD.replace("- 一段文字。", '- "绿色"是主题'), f"19:16: {QUOTE}"),
    ("straight quote in a flow mapping", GOOD.replace("- 一段文字。", '- {type: note, text: "他说"你好"}'), f"19:35: {QUOTE}"),
    ("': ' made a body text a key", GOOD.replace("- 一段文字。", "- 注意: 会议改期"),
     f"19:15: issue.sections[0].body[0].body[0]: {COLON_TEXT.format(text='注意: 会议改期')}"),
    ("': ' inside a title", GOOD.replace("title: 标题", "title: 注意: 会议改期"), f"17:18: {COLON_TEXT.format(text='注意: 会议改期')}"),
    ("full-width dash as a list dash", GOOD.replace("          - 一段文字。", "          － 一段文字。\n          － 第二段。"),
     f"19:11: issue.sections[0].body[0].body: {DASH_FW}\n20:11: issue.sections[0].body[0].body: {DASH_FW}"),
    ("em dash as a list dash", GOOD.replace("          - 一段文字。", "          — 一段文字。"),
     "19:11: issue.sections[0].body[0].body: an em dash '—' (U+2014) as a list dash; expected '- ' (a half-width hyphen-minus and a space)"),
    ("full-width dash before a block", GOOD.replace("      - type: article", "      － type: article"), f"16:7: {DASH_FW}"),
    ("several slips and a schema error", GOOD.replace("year: 2024", "year：2024").replace("- 一段文字。", '- "他说"你好"')
     .replace("        title: 标题", "\u3000\u3000\u3000\u3000title: 标题").replace("type: article", "type: artcle"),
     f"8:5: {FW_COLON.format(key='year')}\n16:15: issue.sections[0].body[0]: unknown block type 'artcle' — did you mean 'article'?; expected one of: "
     "article, credits, key_figures, links, list, note, notice, paragraph, photo, photo_row, pullquote, schedule, sidebar, table\n"
     f"17:1: {IDEO}\n19:16: {QUOTE}"),
]


def run(project, *args: str) -> tuple[int, str]:
    os.chdir(project.root)
    import contextlib
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["render", "x", *args])
    return code, err.getvalue()


@pytest.mark.parametrize("case, text, words", ERRORS, ids=[e[0] for e in ERRORS])
def test_bad_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, text: str | bytes, words: str) -> None:
    monkeypatch.delenv("BULLETIN_PRESS_ROOT", raising=False)
    project = make_project(tmp_path, "")
    issue = project.issues / "x" / "issue.yaml"
    issue.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    cwd = os.getcwd()
    try:
        code, err = run(project)
    finally:
        os.chdir(cwd)
    if case == "inline file link":  # not a link the PDF may carry: its URL is checked like any other
        assert code == 0 or "is not a link" in err
        return
    assert code == 2, err
    assert re.search(r"issues/x/issue\.yaml:\d+:\d+: ", err), err
    if PLACED.match(words):
        printed = [line.removeprefix("issues/x/issue.yaml:") for line in err.splitlines() if line.startswith("issues/")]
        assert printed == words.split("\n"), err
    else:
        assert words in err, err
    assert "Traceback" not in err
    assert not (project.build / "x").exists() or not list((project.build / "x").glob("*.pdf"))


def test_the_corpus_is_large_enough() -> None:
    assert len(ERRORS) + len(IMAGE_CASES) + len(LITERAL) >= 40


def _jpeg(size: tuple[int, int] = (40, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (30, 120, 80)).save(buf, "JPEG")
    return buf.getvalue()


def _bomb_png() -> bytes:
    """A PNG header claiming 30 000 × 30 000 pixels (900 MP): the decoder must never be asked."""
    buf = io.BytesIO()
    Image.new("1", (30_000, 30_000)).save(buf, "PNG")
    return buf.getvalue()


# (case id, file to place at photos/a.*, exit without --strict, words)
IMAGE_CASES = [
    ("missing photo", None, 0, "image not found: photos/a.jpg"),
    ("corrupt JPEG", b"\xff\xd8\xff\xe0" + b"\x00" * 200, 0, "cannot be read"),
    ("truncated JPEG", "truncated", 0, "cannot be read"),
    ("decompression bomb", "bomb", 2, "a decompression bomb?"),
    ("symlink out of the issue", "symlink", 2, "leads outside the issue folder"),
]


@pytest.mark.parametrize("case, data, code_expected, words", IMAGE_CASES, ids=[c[0] for c in IMAGE_CASES])
def test_bad_images(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, data, code_expected: int, words: str) -> None:
    monkeypatch.delenv("BULLETIN_PRESS_ROOT", raising=False)
    suffix = ".png" if data == "bomb" else ".jpg"
    project = make_project(tmp_path, with_body(f"- {{type: photo, src: photos/a{suffix}, caption: 图注}}"))
    photos = project.issues / "x" / "photos"
    photos.mkdir()
    target = photos / f"a{suffix}"
    if data == "truncated":
        target.write_bytes(_jpeg((800, 600))[:400])
    elif data == "bomb":
        target.write_bytes(_bomb_png())
    elif data == "symlink":
        outside = tmp_path / "secret.jpg"
        outside.write_bytes(_jpeg())
        target.symlink_to(outside)
    elif data is not None:
        target.write_bytes(data)
    cwd = os.getcwd()
    try:
        code, err = run(project)
        assert code == code_expected, err
        assert re.search(r"issues/x/issue\.yaml:\d+:\d+: ", err) and words in err, err
        assert "Traceback" not in err
        if code_expected == 0:  # a placeholder, and --strict refuses it
            code, err = run(project, "--strict")
            assert code == 1 and words in err
    finally:
        os.chdir(cwd)


def rendered_text(project) -> str:
    """Render the project's issue through the CLI (it must succeed) and read the PDF's text back."""
    cwd = os.getcwd()
    try:
        code, err = run(project)
    finally:
        os.chdir(cwd)
    assert code == 0, err
    [pdf] = (project.build / "x").glob("*.pdf")
    return squash("".join(p.text() for p in read_pdf(pdf)))


# Content that looks like code is text: it prints as typed.
LITERAL = [
    ("script tag", "<script>alert(1)</script>"),
    ("template syntax", "{{ 7\\*7 }} {% raw %}"),
    ("style breakout", "</style><style>body{display:none}</style>"),
    ("HTML entity", "&lt;b&gt; &amp;"),
]


@pytest.mark.parametrize("case, text", LITERAL, ids=[c[0] for c in LITERAL])
def test_code_in_content_prints_literally(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, text: str) -> None:
    monkeypatch.delenv("BULLETIN_PRESS_ROOT", raising=False)
    yaml_text = text.replace('\\', '\\\\').replace('"', '\\"')
    project = make_project(tmp_path, GOOD.replace("- 一段文字。", f'- "正文{yaml_text}"').replace("name: 测试简报", f'name: "测试简报{yaml_text}"'))
    assert squash(text.replace("\\*", "*")) in rendered_text(project)


# What the slip messages must never catch: Chinese text typed the right way prints as typed.
NOT_SLIPS = [
    ("full-width colon inside a text", "- 时间：2023年11月30日", "时间：2023年11月30日"),
    ("full-width colon after a Latin word", "- Email：wjzhao@geichina.org", "Email：wjzhao@geichina.org"),
    ("quoted text containing ': '", '- "注意: 会议改期"', "注意: 会议改期"),
    ("straight quotes inside single quotes", """- '他说"你好"再见'""", '他说"你好"再见'),
    ("full-width dash inside a text", "- 会议改期－－另行通知", "会议改期－－另行通知"),
]


@pytest.mark.parametrize("case, line, text", NOT_SLIPS, ids=[c[0] for c in NOT_SLIPS])
def test_right_typing_is_not_a_slip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, line: str, text: str) -> None:
    monkeypatch.delenv("BULLETIN_PRESS_ROOT", raising=False)
    project = make_project(tmp_path, GOOD.replace("- 一段文字。", line))
    assert squash(plain_text(text)) in rendered_text(project)
