"""Broken issue.yaml files: each gives its place and what was expected, all errors at once."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bulletin_press.content.blocks import Article, Paragraph, Schedule, Section
from bulletin_press.content.load import load_issue
from bulletin_press.diagnostics import BuildError

from ..conftest import ARTICLE, HEADER, ROOT

GOOD_BODY = ARTICLE


def write(tmp_path: Path, text: str | bytes) -> Path:
    folder = tmp_path / "issues" / "x"
    folder.mkdir(parents=True)
    data = text if isinstance(text, bytes) else textwrap.dedent(text).encode("utf-8")
    (folder / "issue.yaml").write_bytes(data)
    return folder


def errors(tmp_path: Path, text: str | bytes) -> list[str]:
    with pytest.raises(BuildError) as e:
        load_issue(write(tmp_path, text))
    return [str(f) for f in e.value.findings]


def test_the_real_issue_loads() -> None:
    issue = load_issue(ROOT / "issues" / "2023-11")
    assert (issue.year, issue.number, issue.cumulative) == (2023, 11, 28)
    assert [type(s).__name__ for s in issue.sections] == ["EditorsNote", "Section", "Section", "Section", "FeaturedNgo", "About"]


def test_loaded_values_are_frozen(tmp_path: Path) -> None:
    issue = load_issue(write(tmp_path, HEADER + GOOD_BODY))
    section = issue.sections[0]
    assert isinstance(section, Section) and isinstance(section.body[0], Article)
    assert isinstance(section.body[0].body[0], Paragraph)
    with pytest.raises(AttributeError):
        section.title = "x"  # type: ignore[misc]


# (name, YAML, expected line:col, words the message must contain)
BROKEN = [
    ("unknown block type", GOOD_BODY.replace("type: article", "type: artcle"), "16:15", "unknown block type 'artcle' — did you mean 'article'?; expected one of: "),
    ("top-level block in a body", GOOD_BODY.replace("type: article", "type: about"), "16:15", "'about' cannot stand here"),
    ("missing title", GOOD_BODY.replace("        title: 标题\n", ""), "16:9", "missing field 'title'; expected text"),
    ("unknown field", GOOD_BODY.replace("title: 标题", "titel: 标题"), "17:9", "unknown field 'titel' — did you mean 'title'?; expected one of: title, meta, published, source, lang, body"),
    ("block without type", GOOD_BODY.replace("      - type: article\n        title", "      - title"), "16:9", "block has no 'type'"),
    ("body is not a list", GOOD_BODY.replace("        body:\n          - 一段文字。", "        body: 一段文字。"), "18:15", "expected a list of blocks"),
    ("unclosed link", GOOD_BODY.replace("一段文字。", "一段[文字。"), "19:15", "'[' starts a link"),
    ("broken link", GOOD_BODY.replace("一段文字。", "见[链接](https://x.org"), "19:18", "link URL is not closed"),
    ("bad URL", GOOD_BODY + "          - type: links\n            items: [{title: 链接, url: 'javascript:alert(1)'}]\n", "21:38", "is not a link"),
    ("photo path outside the issue", GOOD_BODY + "          - type: photo\n            src: ../../etc/passwd\n", "21:18", "outside the issue folder"),
    ("absolute photo path", GOOD_BODY + "          - type: photo\n            src: /etc/passwd\n", "21:18", "outside the issue folder"),
    ("impossible date", None, "11:7", "'2023-02-30' is not a date; expected a date (YYYY-MM-DD)"),
    ("number as text", None, "9:9", "'十一' is not a whole number"),
    ("impossible time", GOOD_BODY + """\
          - type: schedule
            zone: Asia/Dubai
            zone_label: 迪拜时间
            days:
              - date: 2023-12-09
                events:
                  - {title: 边会, start: "25:00"}
""", "26:40", "'25:00' is not a time; expected a time (HH:MM)"),
    ("unknown time zone", GOOD_BODY + """\
          - type: schedule
            zone: Asia/Dubia
            zone_label: 迪拜时间
            days:
              - {date: 2023-12-09, events: [{title: 边会}]}
""", "20:13", "unknown time zone 'Asia/Dubia'"),
    ("table row of the wrong width", GOOD_BODY + """\
          - type: table
            header: [领域, 名称, 机构]
            groups:
              - label: 污染防治
                rows: [[卫蓝侠]]
""", "20:13", "row 1 has 1 cells; expected 2"),
    ("duplicate field", GOOD_BODY.replace("        title: 标题\n", "        title: 标题\n        title: 又一个\n"), "18:9", "duplicate field 'title' (first at line 17)"),
    ("true where text is expected", GOOD_BODY.replace("一段文字。", "{type: paragraph, text: yes}"), "19:37", "reads as true/false"),
]


@pytest.mark.parametrize("name, body, place, words", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_file_gives_its_place(tmp_path: Path, name: str, body: str | None, place: str, words: str) -> None:
    text = HEADER + (body or GOOD_BODY)
    if name == "impossible date":
        text = text.replace("date: 2024-01-31", "date: 2023-02-30")
    if name == "number as text":
        text = text.replace("number: 1\n", "number: 十一\n")
    found = errors(tmp_path, text)
    assert any(f"issues/x/issue.yaml:{place}: " in m and words in m for m in found), found


@pytest.mark.parametrize("data, place, words", [
    (b"", "1:1", "the file is empty"),
    (b"publication:\n\tname: x\n", "2:1", "a tab character"),
    (b"publication: [unclosed\n", "2:1", "expected well-formed YAML"),
    ("title: 中國發展簡報\n".encode("big5"), "1:8", "read as GBK this line gives 'title: い瓣祇甶虏厨' (is it Big5 or another encoding?)"),
    (b"year: 2023\n\x07", "2:1", "control character U+0007"),
    (b"- just\n- a list\n", "1:1", "expected a mapping with fields: publication"),
], ids=["empty", "tab", "unclosed flow", "big5", "control char", "not a mapping"])
def test_unreadable_files(tmp_path: Path, data: bytes, place: str, words: str) -> None:
    found = errors(tmp_path, data)
    assert any(f"issue.yaml:{place}: " in m and words in m for m in found), found


def test_bom_is_accepted(tmp_path: Path) -> None:
    issue = load_issue(write(tmp_path, b"\xef\xbb\xbf" + (HEADER + GOOD_BODY).encode()))
    assert issue.year == 2024


def test_all_errors_of_a_file_at_once(tmp_path: Path) -> None:
    text = HEADER.replace("year: 2024", "year: later") + GOOD_BODY.replace("type: article", "type: tabel") + "colour: green\n"
    found = errors(tmp_path, text)
    assert len(found) == 3, found
    assert [m.split(": ", 1)[0] for m in found] == sorted((m.split(": ", 1)[0] for m in found),
                                                          key=lambda p: tuple(map(int, p.split(":")[1:])))


def first_event_in_beijing(tmp_path: Path, event: str):
    issue = load_issue(write(tmp_path, HEADER + GOOD_BODY + f"""\
          - type: schedule
            zone: Asia/Dubai
            zone_label: 迪拜时间
            days:
              - date: 2023-12-09
                events:
                  - {event}
"""))
    schedule = issue.sections[0].body[0].body[1]
    assert isinstance(schedule, Schedule)
    return schedule.span(schedule.days[0], schedule.days[0].events[0], "Asia/Shanghai")


def test_unquoted_times_are_read_as_typed(tmp_path: Path) -> None:
    start, end = first_event_in_beijing(tmp_path, "{title: 边会, start: 9:00, end: 10:30}")
    assert (start.hour, start.minute, end.hour, end.minute) == (13, 0, 14, 30)  # Dubai 9:00 → Beijing 13:00


def test_schedule_crossing_midnight(tmp_path: Path) -> None:
    start, end = first_event_in_beijing(tmp_path, '{title: 晚会, start: "21:00", end: "22:30"}')
    assert (start.day, start.hour, end.day, end.hour, end.minute) == (10, 1, 10, 2, 30)


def test_sections_may_be_empty_while_an_issue_is_started(tmp_path: Path) -> None:
    """`bulletin-press new` leaves `sections:` with commented examples only; an empty body is still an error."""
    issue = load_issue(write(tmp_path, HEADER + "sections:\n  # - type: section\n  #   title: 栏目\n"))
    assert issue.sections == ()
    found = errors(tmp_path / "2", HEADER + GOOD_BODY.replace("        body:\n          - 一段文字。", "        body:"))
    assert any(":18:14: " in m and "expected a list of blocks" in m for m in found), found
