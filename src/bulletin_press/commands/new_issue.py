"""`bulletin-press new`: the next issue from the previous one — numbers moved on, recurring sections kept."""

from __future__ import annotations

import calendar
import datetime as dt
import re
import shutil
from pathlib import Path

import yaml

from ..content.encoding import decode
from ..content.load import load_issue
from ..content.model import Image, Issue
from ..diagnostics import BuildError, Finding, Pos, relpath
from ..project import Project

RECURRING = {"about"}  # block types that stand in every issue unchanged (colophon, partners)
SCHEMA_LINE = "# yaml-language-server: $schema=../../schema/issue.schema.json"


def new_issue(project: Project, issue_id: str, previous: str | None = None) -> Path:
    """Create issues/<issue_id>/issue.yaml from `previous` (default: the latest issue); never overwrite."""
    target = project.issues / issue_id
    if target.exists():
        raise BuildError([Finding(Pos(relpath(target)), "this issue exists already; expected a new id — nothing was changed")])
    if not re.fullmatch(r"[\w-]+", issue_id):
        raise BuildError([Finding(Pos(issue_id), "an issue id is letters, digits and '-' (e.g. 2023-12)")])
    ids = sorted(p.parent.name for p in project.issues.glob("*/issue.yaml"))
    previous = previous or next((i for i in reversed(ids) if i < issue_id), ids[-1] if ids else None)
    if previous is None:
        raise BuildError([Finding(Pos(relpath(project.issues)), "no issue to start from; expected --from ISSUE")])
    source = project.issue_folder(previous)
    prev = load_issue(source)
    # Read as load_issue read it (UTF-16, GBK): the new issue is written in UTF-8 either way.
    text, _ = decode((source / "issue.yaml").read_bytes(), relpath(source / "issue.yaml"))
    out = _scaffold(text, prev, issue_id, previous)

    target.mkdir(parents=True)
    try:
        (target / "issue.yaml").write_text(out, encoding="utf-8")
        for section in prev.sections:
            if section.type_name in RECURRING:
                _copy_images(section, source, target)
        load_issue(target)  # what we wrote must load, or nothing is left behind
    except BaseException:
        shutil.rmtree(target)
        raise
    return target / "issue.yaml"


def _scaffold(text: str, prev: Issue, issue_id: str, previous: str) -> str:
    lines = text.splitlines()
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    nodes = {k.value: (k, v) for k, v in root.value}
    year, month = _year_month(issue_id, prev)
    same_year = year == prev.year
    number = (prev.number + 1 if same_year else 1) if prev.number is not None else None
    cumulative = prev.cumulative + 1 if prev.cumulative is not None else None
    date = dt.date(year, month, calendar.monthrange(year, month)[1]) if month else prev.date

    out = [SCHEMA_LINE,
           f"# {issue_id}: started from {previous} by `bulletin-press new`. Recurring sections are carried over;",
           "# the others stand below as commented examples of what the last issue had — uncomment, edit or delete them."]
    for key in ("publication", "layout", "topic"):
        if key in nodes:
            out += _slice(lines, *nodes[key])
    out.append(f"year: {year}")
    if number is not None:
        out.append(f"number: {number}")
    if cumulative is not None:
        out.append(f"cumulative: {cumulative}")
    out.append(f"date: {date.isoformat()}")
    kept: list[str] = []
    for item in nodes["sections"][1].value:
        block = _slice(lines, item, item)
        type_node = next((v for k, v in item.value if k.value == "type"), None)
        if type_node is not None and type_node.value in RECURRING:
            kept += block
        else:  # commented so that an editor's uncomment (dropping '# ') gives the block back
            kept += ["  # " + line[2:] if line.startswith("  ") else "  #" if not line.strip() else "# " + line
                     for line in block]
    # With only commented examples below it, `sections:` is empty (no sections yet): uncommented, they are its list.
    out.append("sections:")
    out += kept
    return "\n".join(out) + "\n"


def _slice(lines: list[str], first: yaml.Node, last: yaml.Node) -> list[str]:
    """The source lines from `first`'s line to `last`'s end (a sequence item with its '- ')."""
    start = first.start_mark.line
    end = last.end_mark.line
    # A block ends where the next one starts: that line belongs to it only if the block's own text is on it.
    if end < len(lines) and lines[end][: last.end_mark.column].strip():
        end += 1
    return lines[start:end]


def _year_month(issue_id: str, prev: Issue) -> tuple[int, int | None]:
    m = re.fullmatch(r"(\d{4})-(\d{2})", issue_id)
    if m and 1 <= int(m[2]) <= 12:
        return int(m[1]), int(m[2])
    return prev.year, None


def _copy_images(block: object, source: Path, target: Path) -> None:
    """Every image a kept block names (stand-ins too, when generated), at the same path."""
    inside = source.resolve()
    for value, _ in block.walk():  # type: ignore[attr-defined]
        if not isinstance(value, Image):
            continue
        src = source / value.src
        # A link out of the issue folder is refused when rendering: never turn it into a copy.
        if src.is_file() and src.resolve().is_relative_to(inside):
            (target / value.src).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target / value.src)
