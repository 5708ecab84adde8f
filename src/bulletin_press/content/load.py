"""Load issue.yaml into a frozen Issue, checking it against the block schemas; all errors at once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re
import types
import unicodedata
from collections.abc import Callable
from functools import cache
from pathlib import Path as FsPath
from typing import Any, Union, get_args, get_origin, get_type_hints

import yaml

from ..diagnostics import BuildError, Finding, Pos, Report, relpath
from . import blocks, encoding, inline, slips
from .model import Issue, Node, Path, Text, Url, Value

# libyaml's parser when PyYAML was built with it (4× faster); both keep line and column.
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
BAD = object()  # a value that failed to load; its errors are already recorded
INTERNAL = {"pos", "id", "folder"}  # fields the loader sets, never read from YAML
STR = "tag:yaml.org,2002:str"
NULL = "tag:yaml.org,2002:null"
INT, FLOAT, BOOL = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool"
MAX_FILE_BYTES = 2 * 1024 * 1024  # an issue is ~50 KB; a larger file is a mistake or an attack
MAX_TEXT_CHARS = 50_000  # one text field: ten times the longest article paragraph we know
MAX_VALUES = 100_000  # YAML values in one file (aliases could otherwise multiply them)
# A new issue's `sections:` holds only commented examples until the editor writes one (see scaffold.py).
MAY_BE_EMPTY = {(Issue, "sections")}
URL = re.compile(r"(https?://[^\s/$.?#][^\s]*|mailto:[^\s@]+@[^\s@]+\.[^\s@]+|tel:\+?[\d\- ]+|#)")


def load_issue(folder: FsPath, report: Report | None = None) -> Issue:
    """Read `folder/issue.yaml`; raise BuildError listing every problem with its line:col.
    `report` gets the warnings (a file read as UTF-16 or GBK); without it they are dropped."""
    path = folder / "issue.yaml"
    shown = relpath(path)
    if not path.is_file():
        raise BuildError([Finding(Pos(shown), "no issue.yaml here; expected an issue folder with an issue.yaml")])
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise BuildError([Finding(Pos(shown, 1, 1), f"the file is {size / 1024 / 1024:.1f} MB; expected at most {MAX_FILE_BYTES // 1024 // 1024} MB — split very long texts or check what was pasted")])
    warnings: list[Finding] = []
    text = _decode(path.read_bytes(), shown, warnings)
    try:
        composed, findings = _compose(text, shown)
    except BuildError as e:
        raise BuildError(e.findings + warnings) from None
    conv = _Converter(shown, composed)
    conv.findings.extend(findings)
    issue = conv.value(composed.root, Issue, "issue")
    if conv.findings:
        raise BuildError(conv.findings + warnings)  # the encoding read explains odd characters
    assert isinstance(issue, Issue)
    if report is not None:
        report.extend(warnings)
    return dataclasses.replace(issue, id=folder.name, folder=str(folder.resolve()))


def _decode(data: bytes, shown: str, warnings: list[Finding] | None = None) -> str:
    """The file's text (UTF-8; UTF-16 and GBK read too, each with a warning added to `warnings`)."""
    text, found = encoding.decode(data, shown)
    if warnings is not None:
        warnings.extend(found)
    if not text.strip():
        raise BuildError(found + [Finding(Pos(shown, 1, 1), "the file is empty; expected an issue: publication, layout, year, number, cumulative, date, sections")])
    return text.removeprefix("\ufeff")  # a BOM the UTF-16 codecs keep


def _compose(text: str, shown: str) -> tuple[slips.Composed, list[Finding]]:
    """The node tree; a parse that fails on input-method slips goes on past them, each one listed."""
    try:
        composed = slips.compose(text, LOADER)
    except yaml.reader.ReaderError as e:
        line = text.count("\n", 0, e.position) + 1
        col = e.position - text.rfind("\n", 0, e.position)
        raise BuildError([Finding(Pos(shown, line, col), f"control character U+{e.character:04X} is not allowed; expected printable text")]) from None
    except yaml.YAMLError as e:
        raise BuildError([Finding(Pos(shown), f"{e}; expected well-formed YAML")]) from None
    findings = [Finding(Pos(shown, s.line + 1, s.col + 1), s.message) for s in composed.slips]
    if composed.error is not None:
        e = composed.error
        mark = e.problem_mark or e.context_mark
        current = composed.source.repaired()
        problem = e.problem or "malformed YAML"
        at_tab = mark.index < len(current) and current[mark.index] == "\t"
        if "'\\t'" in problem or "tab character" in problem or at_tab:
            problem = "a tab character; expected spaces — YAML indents with spaces only"
            findings.append(Finding(Pos(shown, *composed.place(mark)), problem))
        else:
            expected = f" ({e.context})" if e.context else ""
            findings.append(Finding(Pos(shown, *composed.place(mark)), f"{problem}{expected}; expected well-formed YAML"))
    if composed.root is None and not findings:
        raise BuildError([Finding(Pos(shown, 1, 1), "the file holds no data; expected an issue mapping")])
    if composed.root is None:
        raise BuildError(findings)
    return composed, findings


@cache
def _block_fields() -> frozenset[str]:
    return frozenset(name for cls in blocks.REGISTRY.values() for name in _fields(cls)) | {"type"}


@cache
def _fields(cls: type) -> dict[str, Any]:
    hints = get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls) if f.init and f.name not in INTERNAL}


@cache
def _required(cls: type) -> tuple[str, ...]:
    return tuple(
        f.name
        for f in dataclasses.fields(cls)
        if f.init and f.name not in INTERNAL
        and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    )


def _close(name: str, known: Any) -> list[str]:
    """The known names `name` is likely a typo of, best first ('tpye' → type, 'Title' → title)."""
    known = list(known)
    if name.lower() in known:
        return [name.lower()]
    return difflib.get_close_matches(name.lower(), known, n=2, cutoff=0.6)


def _did_you_mean(name: str, known: Any) -> str:
    meant = _close(name, known)
    return " — did you mean " + " or ".join(f"'{m}'" for m in meant) + "?" if meant else ""


def describe(tp: Any) -> str:
    """What a value of this type looks like, for 'expected …' messages."""
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        return describe(next(a for a in get_args(tp) if a is not type(None)))
    if origin is tuple:
        return f"a list of {describe(get_args(tp)[0])}"
    if isinstance(tp, type) and issubclass(tp, Node) and tp not in blocks.REGISTRY.values():
        return "blocks (" + ", ".join(sorted(blocks.types_for(tp))) + ")"
    names = {int: "a whole number", float: "a number (digits only, e.g. 27103400.95)",
             dt.datetime: "a date and time (YYYY-MM-DD HH:MM)", bool: "true or false", dt.date: "a date (YYYY-MM-DD)",
             dt.time: "a time (HH:MM)", Url: "a link (https://…, mailto:…, tel:… or #)",
             Path: "a file path inside the issue folder", Text: "text", str: "text"}
    if tp in names:
        return names[tp]
    return "a mapping with fields: " + ", ".join(_fields(tp))


def _whole(raw: str, tag: str) -> int:
    if tag != INT:
        raise ValueError(f"'{raw}' is not a whole number")
    return int(raw.replace("_", ""))


def _number(raw: str, tag: str) -> float:
    if tag not in (INT, FLOAT):
        raise ValueError(f"'{raw}' is not a number")
    value = float(raw.replace("_", ""))
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"'{raw}' is not a finite number")
    return value


def _date_time(raw: str, tag: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"'{raw}' is not a date and time") from None


def _truth(raw: str, tag: str) -> bool:
    if tag != BOOL:
        raise ValueError(f"'{raw}' is not true or false")
    return raw.lower() in ("true", "yes", "on", "y")


def _date(raw: str, tag: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"'{raw}' is not a date") from None


def _time(raw: str, tag: str) -> dt.time:
    return blocks.parse_time(raw)


# The scalars that are not text: each read from the raw scalar and its YAML tag, a ValueError saying
# what the value is not (the caller adds what was expected).
_PARSERS: dict[Any, Callable[[str, str], Any]] = {int: _whole, float: _number, dt.datetime: _date_time, bool: _truth,
                                                  dt.date: _date, dt.time: _time}


def _outside_issue(raw: str) -> bool:
    """A path that could reach out of the issue folder (absolute, a drive, `..`), or none at all."""
    return raw.startswith(("/", "\\")) or ":" in raw or ".." in FsPath(raw).parts or not raw.strip()


def _unprintable(raw: str) -> str | None:
    """What makes a text unfit to print (a control character, a runaway length); None when nothing."""
    for ch in raw:
        if unicodedata.category(ch) == "Cc" and ch not in "\n\t":
            return f"control character U+{ord(ch):04X}; expected printable text"
    if len(raw) > MAX_TEXT_CHARS:
        return f"a text of {len(raw)} characters; expected at most {MAX_TEXT_CHARS} — split it into paragraphs"
    return None


class _Converter:
    def __init__(self, shown: str, composed: slips.Composed):
        self.shown = shown
        self.composed = composed
        self.findings: list[Finding] = []
        self.seen: set[int] = set()  # nodes already converted: a second visit is a YAML alias

    def pos(self, node: yaml.Node) -> Pos:
        return Pos(self.shown, *self.composed.place(node.start_mark))

    def dash_slips(self, node: yaml.Node) -> list[slips.Slip]:
        if not isinstance(node, yaml.ScalarNode) or node.style not in (None, ""):
            return []
        return self.composed.dash_slips(node.start_mark.line, node.end_mark.line)

    def slip(self, slip: slips.Slip, where: str) -> object:
        self.findings.append(Finding(Pos(self.shown, slip.line + 1, slip.col + 1), f"{where}: {slip.message}"))
        return BAD

    def error(self, node: yaml.Node, where: str, message: str, col_offset: int = 0) -> object:
        pos = self.pos(node)
        if col_offset:
            pos = dataclasses.replace(pos, col=pos.col + col_offset)
        self.findings.append(Finding(pos, f"{where}: {message}"))
        return BAD

    def value(self, node: yaml.Node, tp: Any, where: str) -> Any:
        origin = get_origin(tp)
        if origin in (Union, types.UnionType):
            if node.tag == NULL:
                return None
            return self.value(node, next(a for a in get_args(tp) if a is not type(None)), where)
        if id(node) in self.seen:
            return self.error(node, where, "a YAML alias (*name) repeats a value; expected each value written out")
        self.seen.add(id(node))
        if len(self.seen) > MAX_VALUES:
            return self.error(node, where, f"more than {MAX_VALUES} values; expected an issue of ordinary size")
        if origin is tuple:
            if not isinstance(node, yaml.SequenceNode):
                if dashes := self.dash_slips(node):  # `－ 一段` made the list one text
                    for slip in dashes:
                        self.slip(slip, where)
                    return BAD
                return self.error(node, where, f"expected {describe(tp)}")
            items = [self.value(n, get_args(tp)[0], f"{where}[{i}]") for i, n in enumerate(node.value)]
            return BAD if BAD in items else tuple(items)
        if isinstance(tp, type) and issubclass(tp, Node) and tp not in blocks.REGISTRY.values():
            return self.block(node, tp, where)
        if isinstance(tp, type) and issubclass(tp, Value):
            return self.mapping(node, tp, where)
        if not isinstance(node, yaml.ScalarNode):
            if tp in (Text, str) and (slip := slips.text_as_key(node, self.composed.source)):
                return self.slip(slip, where)
            return self.error(node, where, f"expected {describe(tp)}, not a {'list' if isinstance(node, yaml.SequenceNode) else 'mapping'}")
        return self.scalar(node, tp, where)

    def scalar(self, node: yaml.ScalarNode, tp: Any, where: str) -> Any:
        raw = node.value
        if node.tag == NULL:
            return self.error(node, where, f"empty value; expected {describe(tp)}")
        if (parse := _PARSERS.get(tp)) is not None:
            try:
                return parse(raw, node.tag)
            except ValueError as e:
                return self.error(node, where, f"{e}; expected {describe(tp)}")
        if node.tag == BOOL:
            return self.error(node, where, f"'{raw}' reads as true/false; expected {describe(tp)} — put it in quotes")
        if problem := _unprintable(raw):
            return self.error(node, where, problem)
        return self.text_like(node, tp, where)

    def text_like(self, node: yaml.ScalarNode, tp: Any, where: str) -> Any:
        """Text, a link or a file path: the raw scalar, so that unquoted 18600166565 or 9:00 stay as typed."""
        raw = node.value
        if tp is Text:
            try:
                inline.parse(raw)
            except inline.InlineError as e:
                plain_style = not node.style and "\n" not in raw  # libyaml says '', PyYAML None
                return self.error(node, where, str(e), e.offset if plain_style else 0)
            return Text(raw)
        if tp is Url:
            if not URL.fullmatch(raw.strip()):
                return self.error(node, where, f"'{raw}' is not a link; expected {describe(tp)}")
            return Url(raw.strip())
        if tp is Path:
            if _outside_issue(raw):
                return self.error(node, where, f"'{raw}' is outside the issue folder; expected {describe(tp)}")
            return Path(raw)
        return raw

    def block(self, node: yaml.Node, base: type[Node], where: str) -> Any:
        choices = blocks.types_for(base)
        if isinstance(node, yaml.ScalarNode) and node.tag == STR and "paragraph" in choices:
            text = self.scalar(node, Text, where)
            return BAD if text is BAD else blocks.Paragraph(text=text, pos=self.pos(node))
        if not isinstance(node, yaml.MappingNode):
            return self.error(node, where, f"expected a block (a mapping with 'type:'{' or a paragraph string' if 'paragraph' in choices else ''})")
        type_node = next((v for k, v in node.value if k.value == "type"), None)
        expected = "expected one of: " + ", ".join(sorted(choices))
        if type_node is None:
            source = self.composed.source
            keys = [k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)]
            if not _block_fields().intersection(keys) and (slip := slips.text_as_key(node, source)):
                return self.slip(slip, where)
            if found := [s for k, _ in node.value if (s := slips.fw_key(k, {"type"}, source))]:
                return self.slip(found[0], where)
            typo = next(((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value not in _block_fields()
                         and _close(str(k.value), ["type"])), None)
            if typo is None:
                return self.error(node, where, f"block has no 'type'; {expected}")
            key_node, type_node = typo
            self.error(key_node, where, f"block has no 'type' — did you mean 'type' (line {self.pos(key_node).line}: '{key_node.value}')?; {expected}")
            # Read on as if spelled right, so the block's other mistakes are listed now too.
            found_cls = choices.get(type_node.value) if isinstance(type_node, yaml.ScalarNode) else None
            if found_cls is None:
                return self.unknown_type(type_node, choices, where)
            self.mapping(node, found_cls, where, skip=key_node.value)
            return BAD
        cls = choices.get(type_node.value)
        if cls is None:
            return self.unknown_type(type_node, choices, where)
        return self.mapping(node, cls, where)

    def unknown_type(self, type_node: yaml.Node, choices: dict[str, type], where: str) -> object:
        name = type_node.value if isinstance(type_node, yaml.ScalarNode) else ""
        expected = "expected one of: " + ", ".join(sorted(choices))
        if name in blocks.REGISTRY:
            return self.error(type_node, where, f"block type '{name}' cannot stand here; {expected}")
        return self.error(type_node, where, f"unknown block type '{name}'{_did_you_mean(name, choices)}; {expected}")

    def mapping(self, node: yaml.Node, cls: type[Value], where: str, skip: str | None = None) -> Any:
        """`skip`: a key already reported (a misspelt 'type')."""
        fields = _fields(cls)
        if not isinstance(node, yaml.MappingNode):
            return self.error(node, where, f"expected {describe(cls)}")
        before = len(self.findings)
        kwargs: dict[str, Any] = {}
        seen: dict[str, int] = {}
        suggested: set[str] = set()  # fields named in a "did you mean"
        present = {k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)}
        for key_node, val_node in node.value:
            key = str(key_node.value)
            if key in seen:
                self.error(key_node, where, f"duplicate field '{key}' (first at line {seen[key]}); expected each field once")
                continue
            seen[key] = key_node.start_mark.line + 1
            if (key == "type" or key == skip) and issubclass(cls, Node):
                continue
            if val_node.tag == NULL and (cls, key) in MAY_BE_EMPTY:
                kwargs[key] = ()
                continue
            if key not in fields:
                if slip := slips.fw_key(key_node, set(fields), self.composed.source):
                    self.slip(slip, where)
                    continue
                meant = _close(key, [f for f in fields if f not in present])
                suggested.update(meant)
                self.error(key_node, where, f"unknown field '{key}'{_did_you_mean(key, meant)}; expected one of: {', '.join(fields)}")
                continue
            kwargs[key] = self.value(val_node, fields[key], f"{where}.{key}")
        for name in _required(cls):
            if name not in seen and name not in suggested:  # 'titel': the typo's message says it
                self.error(node, where, f"missing field '{name}'; expected {describe(fields[name])}")
        if len(self.findings) > before:
            return BAD
        value = cls(pos=self.pos(node), **kwargs)
        for problem in getattr(value, "problems", lambda: [])():
            self.error(node, where, problem)
        return value
