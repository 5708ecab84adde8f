"""Stylesheets: the CSS constructs WeasyPrint 70 cannot lay out, refused with their place before layout."""

from __future__ import annotations

import traceback
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

import tinycss2

from ..diagnostics import Finding, Pos, relpath

if TYPE_CHECKING:
    from ..templates import Layout

# Measured on WeasyPrint 70.0 (tests/preflight/test_stylesheets.py, tests/test_floats.py): a floated
# ::first-letter is drawn under the first line's text (the line does not make room for it), and a
# paragraph laid out a second time — pushed to the next page, or its page made again by the
# no-holes pass — stops on `assert isinstance(box, boxes.BlockReplacedBox)` in layout/float.py:
# the letter already cut out on the first layout is wrapped again, as a floated inline box.
FIRST_LETTER_FLOAT = (
    "a floated ::first-letter cannot be laid out by WeasyPrint 70 (the first line runs over the "
    "letter, and a paragraph laid out twice stops the engine); expected no 'float' in a "
    "::first-letter rule (use a raised initial, '{selector} {{ font-size: 2em }}', which works)")
NOT_FLOATED = {"none", "initial", "unset", "revert"}


def check_stylesheets(layout: Layout) -> list[Finding]:
    """Every rule of the layout chain's stylesheets that WeasyPrint 70 cannot lay out, each at its file:line:col."""
    findings: list[Finding] = []
    seen: set[Path] = set()
    todo = list(reversed(layout.stylesheets))
    while todo:
        path = todo.pop()
        if path in seen or not path.is_file():
            continue
        seen.add(path)
        stat = path.stat()
        refused, imports = _scan(path, (stat.st_mtime_ns, stat.st_size))
        findings += [Finding(Pos(relpath(path), line, col), FIRST_LETTER_FLOAT.format(selector=selector))
                     for line, col, selector in refused]
        todo += reversed(imports)
    return findings


Scan = tuple[tuple[tuple[int, int, str], ...], tuple[Path, ...]]


@lru_cache(maxsize=64)  # the preview checks before each render: a sheet is read again only when saved
def _scan(path: Path, stamp: tuple[int, int]) -> Scan:
    """One stylesheet's floated ::first-letter rules (line, column, selector), those inside @media,
    @supports … included, and the local files it @imports."""
    refused: list[tuple[int, int, str]] = []
    imports: list[Path] = []

    def walk(nodes: list, top: bool) -> None:
        allowed = top  # as in WeasyPrint: an @import after a rule is ignored
        for node in nodes:
            if isinstance(node, tinycss2.ast.AtRule) and node.lower_at_keyword == "import":
                if allowed and (target := _import_target(node, path)):
                    imports.append(target)
                continue
            if not (isinstance(node, tinycss2.ast.AtRule) and node.lower_at_keyword in ("charset", "layer") and node.content is None):
                allowed = False
            if isinstance(node, tinycss2.ast.QualifiedRule):
                selectors = [s.strip() for s in tinycss2.serialize(node.prelude).split(",")]
                letters = [s for s in selectors if ":first-letter" in s.lower()]  # ::first-letter and CSS 2's :first-letter
                if letters and _floated(node):
                    refused.append((node.source_line, node.source_column, letters[0]))
            elif isinstance(node, tinycss2.ast.AtRule) and node.content is not None and \
                    node.lower_at_keyword in ("media", "supports", "layer", "document"):
                walk(tinycss2.parse_rule_list(node.content, skip_comments=True, skip_whitespace=True), False)

    walk(tinycss2.parse_stylesheet(path.read_text(encoding="utf-8", errors="replace"), skip_comments=True,
                                   skip_whitespace=True), True)
    return tuple(refused), tuple(imports)


def _floated(rule: tinycss2.ast.QualifiedRule) -> bool:
    for declaration in tinycss2.parse_blocks_contents(rule.content, skip_comments=True, skip_whitespace=True):
        if isinstance(declaration, tinycss2.ast.Declaration) and declaration.lower_name == "float":
            value = tinycss2.serialize(declaration.value).strip().lower()
            if value not in NOT_FLOATED:
                return True
    return False


def _import_target(rule: tinycss2.ast.AtRule, sheet: Path) -> Path | None:
    """The local file an @import names (`"x.css"`, `url(x.css)`, `url("x.css")`); None for a remote one."""
    tokens = list(rule.prelude)
    while tokens:
        token = tokens.pop(0)
        if token.type == "function" and token.lower_name == "url":
            tokens[:0] = token.arguments
        elif token.type in ("string", "url"):
            url = urlsplit(token.value)
            return (sheet.parent / unquote(url.path)).resolve() if not url.scheme and not url.netloc else None
    return None


def engine_note(error: BaseException, layout: Layout) -> str | None:
    """When WeasyPrint itself failed (an assertion deep in its layout), what a designer needs to look
    for it: the layout laid out and its stylesheets, where a construct the engine cannot lay out is
    the likely cause. None when the error was not raised inside WeasyPrint."""
    frames = traceback.extract_tb(error.__traceback__)
    inside = next((f for f in reversed(frames) if "/weasyprint/" in f.filename.replace("\\", "/")), None)
    if inside is None or frames[-1] is not inside:
        return None
    where = inside.filename.replace("\\", "/").rsplit("/weasyprint/", 1)[1]
    sheets = ", ".join(relpath(s) for s in layout.stylesheets)
    return (f"WeasyPrint stopped inside its own layout ({where}:{inside.lineno}) while laying out the issue in "
            f"layout '{layout.name}'; a rule of its stylesheets ({sheets}) that WeasyPrint 70 cannot lay out is the "
            "likely cause: try the issue in its parent layout (--layout), then take the layout's rules out until it passes")
