"""An article written into issue.yaml as text: inserted where it belongs, every other line of the
file — its comments, quoting and spacing — left exactly as the editor typed it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from ..diagnostics import BuildError, Finding, Pos


class _Dumper(yaml.SafeDumper):
    """Block style, lists indented under their key as issue.yaml is written, long lines kept whole."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:
        return super().increase_indent(flow, False)


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None  # a soft line break stays a line of its own
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


class Row(list):
    """A table's header or row: written on one line, [a, b, c], as issue.yaml's tables are typed."""


def _row(dumper: yaml.SafeDumper, value: Row) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_Dumper.add_representer(str, _text)
_Dumper.add_representer(Row, _row)


def dump(block: dict[str, Any], indent: int) -> str:
    """The block as a YAML list item, its dash at column `indent`."""
    text = yaml.dump([block], Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1 << 20, indent=2)
    pad = " " * indent
    return "".join(pad + line if line.strip() else line for line in text.splitlines(keepends=True))


@dataclass(frozen=True)
class Place:
    """Where the article goes: the section it joins (made when `new`), and the line it is inserted before."""

    section: str
    line: int  # 0-based line of issue.yaml the text goes before
    indent: int  # the column of the dash of the list it joins
    new: bool


def place(text: str, shown: str, section: str | None, after: str | None) -> Place:
    """Find the section named `section` (the last section when None) and the place in its body:
    after the article titled `after`, else at the body's end. A missing section is made after the
    last section (before the featured NGO and the about page)."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as e:
        raise BuildError([Finding(Pos(shown), f"cannot be read as YAML ({e}); expected the issue to load before importing into it")]) from None
    sections_node = _get(root, "sections")
    if not isinstance(sections_node, yaml.SequenceNode) or not sections_node.value:
        raise BuildError([Finding(Pos(shown), "has no 'sections:' list; expected an issue with at least one section")])
    items = sections_node.value
    sections = [n for n in items if isinstance(n, yaml.MappingNode) and _scalar(_get(n, "type")) == "section"]
    chosen = next((s for s in sections if _scalar(_get(s, "title")) == section), None) if section else (sections[-1] if sections else None)
    if chosen is None:
        if not section:
            raise BuildError([Finding(Pos(shown), "has no section; expected --section TITLE to name the one to make")])
        last = sections[-1] if sections else items[-1]
        return Place(section, _end_line(last, text), last.start_mark.column - 2, True)
    body = _get(chosen, "body")
    title = _scalar(_get(chosen, "title"))
    if not isinstance(body, yaml.SequenceNode) or not body.value:
        raise BuildError([Finding(Pos(shown, chosen.start_mark.line + 1, chosen.start_mark.column + 1),
                                  f"section '{title}' has no body list to add to; expected 'body:' with its articles")])
    target = body.value[-1]
    if after:
        found = [n for n in body.value if isinstance(n, yaml.MappingNode) and _scalar(_get(n, "title")) == after]
        if not found:
            titles = [t for n in body.value if isinstance(n, yaml.MappingNode) and (t := _scalar(_get(n, "title")))]
            raise BuildError([Finding(Pos(shown, chosen.start_mark.line + 1, chosen.start_mark.column + 1),
                                      f"section '{title}' has no article titled '{after}'; expected one of: " + "; ".join(titles))])
        target = found[0]
    return Place(title, _end_line(target, text), target.start_mark.column - 2, False)  # "- " before the item


def insert(text: str, block: dict[str, Any], where: Place) -> tuple[str, str]:
    """issue.yaml's text with the block (an article, or a new section holding it) inserted at
    `where`, and the inserted text itself."""
    if where.new:
        block = {"type": "section", "title": where.section, "body": [block]}
    inserted = dump(block, where.indent)
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    return "".join(lines[:where.line]) + inserted + "".join(lines[where.line:]), inserted


def _get(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        return next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)
    return None


def _scalar(node: yaml.Node | None) -> str:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else ""


def _end_line(node: yaml.Node, text: str) -> int:
    """The line after the node's last line of content (comments and blank lines after it stay below
    what is inserted, with what follows)."""
    lines = text.splitlines()
    mark = node.end_mark  # where the next token starts: the node ended on an earlier line when only indentation precedes it
    end = mark.line if mark.line >= len(lines) or not lines[mark.line][:mark.column].strip() else mark.line + 1
    while end > node.start_mark.line + 1 and end - 1 < len(lines) and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
        end -= 1
    return end
