"""Input-method slips: found where they break the file, never in text typed the right way, all at once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bulletin_press.content.load import LOADER, load_issue
from bulletin_press.content.slips import (COLON_END, DASH_SLIPS, FW_COLON, IDEO_INDENT, QUOTE, TAB_INDENT, Edit, Source,
                                          compose, scan)
from bulletin_press.diagnostics import BuildError

from ..conftest import ARTICLE, HEADER, ROOT
from .test_load import errors, write

GOOD = HEADER + ARTICLE


def placed(tmp_path: Path, text: str) -> list[str]:
    """The file's errors as 'line:col: message'."""
    return [m.split("issue.yaml:", 1)[1] for m in errors(tmp_path, text)]


def test_columns_of_repaired_lines_map_back_to_what_was_typed() -> None:
    source = Source("ab：cd\r\n\tx: 1\n")
    source.edits += [Edit(0, 2, 1, ": "), Edit(1, 0, 1, "        ")]
    assert source.repaired() == "ab: cd\r\n        x: 1\n"
    assert [source.typed_col(0, c) for c in range(6)] == [0, 1, 2, 2, 3, 4]
    assert source.typed_col(1, 8) == 1 and source.typed_col(1, 3) == 0


@pytest.mark.parametrize("line", [
    "时间：2023年11月30日", "  - 会议改期——另行通知", "    　　十一月，CEGA在香港", "  - Email：wjzhao@geichina.org",
    "  - 　　十一月", "  - -3℃", "    －－另行通知",
])
def test_text_lines_are_no_candidates(line: str) -> None:
    kinds = [c.kind for c in scan([line])]
    assert kinds == (["key"] if "Email" in line else []), kinds  # a Latin word before '：' waits for the parse


def test_a_latin_word_before_a_full_width_colon_in_a_text_is_no_error(tmp_path: Path) -> None:
    issue = load_issue(write(tmp_path, GOOD.replace("- 一段文字。", "- Email：wjzhao@geichina.org\n          - 时间：2023年")))
    assert [p.text for p in issue.sections[0].body[0].body] == ["Email：wjzhao@geichina.org", "时间：2023年"]


def test_text_inside_a_block_scalar_is_left_alone(tmp_path: Path) -> None:
    literal = "- |\n            　　- 第一项\n            title：x\n            Email：a@b.org"
    text = GOOD.replace("year: 2024", "year：2024").replace("- 一段文字。", literal)
    assert placed(tmp_path, text) == [f"8:5: {FW_COLON.format(key='year')}"]
    fixed = tmp_path / "fixed"
    issue = load_issue(write(fixed, text.replace("year：", "year: ")))
    assert issue.sections[0].body[0].body[0].text == "　　- 第一项\ntitle：x\nEmail：a@b.org\n"


def test_a_file_indented_with_tabs_throughout_lists_every_line(tmp_path: Path) -> None:
    """How long it takes is measured by benchmarks/parsing.py."""
    text = GOOD.replace("  ", "\t")
    indented = [i for i, line in enumerate(text.splitlines(), 1) if line.startswith("\t")]
    found = placed(tmp_path, text)
    assert found == [f"{i}:1: {TAB_INDENT}" for i in indented]


def test_ideographic_indentation_that_parses_is_still_a_slip(tmp_path: Path) -> None:
    """`　name:` under `publication:` parses (as a key '　name' of the top level), but is the slip."""
    text = GOOD.replace("  name: 测试简报", "\u3000name: 测试简报")
    assert placed(tmp_path, text) == [f"2:1: {IDEO_INDENT}"]


def test_a_real_error_after_slips_is_listed_with_them(tmp_path: Path) -> None:
    text = GOOD.replace("year: 2024", "year：2024") + "extra: [1, 2\n"
    found = placed(tmp_path, text)
    assert found[0] == f"8:5: {FW_COLON.format(key='year')}"
    assert len(found) == 2 and found[1].startswith("21:1: ") and "expected well-formed YAML" in found[1]


def test_a_text_ending_in_a_colon(tmp_path: Path) -> None:
    [found] = placed(tmp_path, GOOD.replace("- 一段文字。", "- 注意:"))
    assert found == f"19:15: issue.sections[0].body[0].body[0]: {COLON_END.format(text='注意:')}"


def test_a_block_without_type_is_still_that(tmp_path: Path) -> None:
    [found] = errors(tmp_path, GOOD.replace("- 一段文字。", "- title: 标题"))
    assert "block has no 'type'" in found


def test_many_slips_stay_within_a_budget() -> None:
    text = GOOD + "".join(f'          - "他说"你好{i}"\n          － type：note\n            text：第{i}条\n' for i in range(300))
    composed = compose(text, LOADER)  # its time: benchmarks/parsing.py
    assert len(composed.slips) > 100 and composed.error is None  # as many as the budget allows, none invented
    assert {s.message for s in composed.slips} >= {QUOTE, FW_COLON.format(key="type"), FW_COLON.format(key="text")}


def one_slip_per_line(lines: list[str], every: int) -> Iterator[tuple[int, str, int, str]]:
    """(line index, the line mistyped, column of the slip, message) for lines of the real issue."""
    for i, line in enumerate(lines):
        if i % every or line.lstrip().startswith("#"):
            continue
        if m := re.match(r"(\s*(?:- )?)([a-z_]+): ", line):
            yield i, line[: m.end(2)] + "：" + line[m.end() :], m.end(2) + 1, FW_COLON.format(key=m[2])
        if m := re.match(r"(\s*)- ", line):
            yield i, line[: m.end(1)] + "－ " + line[m.end() :], m.end(1) + 1, DASH_SLIPS["－"]
        if (k := len(line) - len(line.lstrip(" "))) >= 2 and line.strip():
            yield i, "\u3000" * (k // 2) + line[k:], 1, IDEO_INDENT
            yield i, "\t" * (k // 2) + line[k:], 1, TAB_INDENT


@pytest.mark.slow
def test_a_slip_anywhere_in_the_real_issue_is_named_alone(tmp_path: Path) -> None:
    """Every 5th line of 2023-11 mistyped in turn: the one message, at the character typed, and nothing else
    (a tab may be read at a width other than the typist's: its own message comes first, then what follows)."""
    lines = (ROOT / "issues" / "2023-11" / "issue.yaml").read_text(encoding="utf-8").split("\n")
    folder = write(tmp_path, "")
    cases = list(one_slip_per_line(lines, 5))
    assert len(cases) > 250
    for i, typed, col, message in cases:
        (folder / "issue.yaml").write_text("\n".join([*lines[:i], typed, *lines[i + 1 :]]), encoding="utf-8")
        with pytest.raises(BuildError) as e:
            load_issue(folder)
        found = [f"{f.pos.line}:{f.pos.col}: {f.message}" for f in e.value.findings]
        if message != TAB_INDENT:
            assert len(found) == 1, (typed, found)
        # Where the file still parses, the converter names it, after the place in the issue.
        assert re.fullmatch(rf"{i + 1}:{col}: (issue[\w.\[\]]*: )?{re.escape(message)}", found[0]), (typed, found)
