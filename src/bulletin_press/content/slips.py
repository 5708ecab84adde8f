"""Slips a Chinese input method makes in YAML (full-width ：and －, U+3000, stray quotes): found, placed, repaired."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

BREAK = re.compile(r"(\r\n|[\r\n\x85\u2028\u2029])")  # YAML's line breaks, so lines match its marks
IDEO = "\u3000"
KEY = r"[A-Za-z_][A-Za-z0-9_]*"  # every field name of issue.yaml is ASCII
INDENT = re.compile(r"[ \t\u3000]*")
DASH = re.compile(r"[-－—](?=[ \u3000])|[-－—]$")  # a list dash, typed right or not
FW_KEY = re.compile(rf"({KEY})[ \u3000]*：[ \u3000]?")
IDEO_SEP = re.compile(rf"({KEY}):\u3000")
# What may follow an indentation that is a slip: a list dash or a key (text lines are left alone).
STRUCTURE = re.compile(rf"[-－—](?:[ \u3000]|$)|{KEY}[ \u3000]*[:：](?:[ \u3000]|$)")
# Widths tried for a mistyped indentation (tab stop, columns of one U+3000): an editor shows
# an ideographic space two columns wide, and tabs at 8 (or 4, or 2).
WIDTHS = ((8, 2), (4, 1), (2, 2))
MAX_PARSES = 400  # parses tried on one file (a few ms each), whatever it holds
LOOK_BACK = 6  # lines with candidate slips tried before an error, nearest first

FW_COLON = "a full-width colon '：' (U+FF1A) after the key '{key}'; expected a half-width ':' and a space ('{key}: ')"
IDEO_INDENT = "an ideographic space '　' (U+3000) in the indentation; expected ordinary spaces"
TAB_INDENT = "a tab character in the indentation; expected spaces — YAML indents with spaces only"
DASH_SLIPS = {
    "－": "a full-width dash '－' (U+FF0D) as a list dash; expected '- ' (a half-width hyphen-minus and a space)",
    "—": "an em dash '—' (U+2014) as a list dash; expected '- ' (a half-width hyphen-minus and a space)",
    "-": "an ideographic space '　' (U+3000) after the list dash; expected '- ' (the dash and an ordinary space)",
}
IDEO_AFTER_COLON = "an ideographic space '　' (U+3000) after '{key}:'; expected an ordinary space ('{key}: ')"
QUOTE = ("a straight '\"' inside a text in double quotes ends the text here; expected “” for quotation marks, "
         "\\\" for a straight one, or single quotes around the whole text")
COLON_TEXT = ("the text '{text}' contains ': ', which YAML reads as a key; expected a text — "
              "put the whole text in quotes or write a full-width '：'")
COLON_END = ("the text '{text}' ends in ':', which YAML reads as a key; expected a text — "
             "put the whole text in quotes or write a full-width '：'")


@dataclass(frozen=True)
class Edit:
    """Replace `length` characters at (line, col) of the typed text with `new`; 0-based."""

    line: int
    col: int
    length: int
    new: str


@dataclass(frozen=True)
class Slip:
    """A slip at the character typed (0-based line, col), with the repairs that let parsing go on."""

    line: int
    col: int
    message: str
    edits: tuple[Edit, ...] = ()
    kind: str = ""  # "indent", "dash", "key" (line-start slips) or "" (found at an error)
    others: tuple[tuple[Edit, ...], ...] = ()  # other ways to repair it (indentation widths)


@dataclass
class Source:
    """The text as typed, the repairs made so far, and the way from a repaired column back to a typed one."""

    text: str
    edits: list[Edit] = field(default_factory=list)

    def __post_init__(self) -> None:
        parts = BREAK.split(self.text)
        self.lines: list[str] = parts[0::2]
        self.breaks: list[str] = parts[1::2] + [""]

    def repaired(self, extra: tuple[Edit, ...] = ()) -> str:
        if not self.edits and not extra:
            return self.text
        by_line: dict[int, list[Edit]] = {}
        for e in (*self.edits, *extra):
            by_line.setdefault(e.line, []).append(e)
        out = []
        for i, (line, brk) in enumerate(zip(self.lines, self.breaks)):
            for e in sorted(by_line.get(i, ()), key=lambda e: e.col, reverse=True):
                line = line[: e.col] + e.new + line[e.col + e.length :]
            out.append(line + brk)
        return "".join(out)

    def repaired_line(self, line: int) -> str:
        text = self.lines[line]
        for e in sorted((e for e in self.edits if e.line == line), key=lambda e: e.col, reverse=True):
            text = text[: e.col] + e.new + text[e.col + e.length :]
        return text

    def typed_col(self, line: int, col: int) -> int:
        """The column in the typed text of a column in the repaired one."""
        if not self.edits:
            return col
        delta = 0
        for e in sorted((e for e in self.edits if e.line == line), key=lambda e: e.col):
            start = e.col + delta
            if col < start:
                break
            if col < start + len(e.new):
                return e.col
            delta += len(e.new) - e.length
        return col - delta


@dataclass
class Composed:
    """The node tree of the repaired text, the slips found, and a parse error none of them explains."""

    source: Source
    root: yaml.Node | None = None
    slips: list[Slip] = field(default_factory=list)
    error: yaml.MarkedYAMLError | None = None
    candidates: list[Slip] = field(default_factory=list)

    def dash_slips(self, first: int, last: int) -> list[Slip]:
        """Mistyped list dashes starting lines first..last (a text where a list was expected)."""
        return [s for s in self.candidates if s.kind == "dash" and first <= s.line <= last]

    def place(self, mark: Any) -> tuple[int, int]:
        """A mark of the repaired text as a 1-based (line, col) of the typed text."""
        return mark.line + 1, self.source.typed_col(mark.line, mark.column) + 1


def compose(text: str, loader: type) -> Composed:
    """Parse `text`; where it fails on a slip, note the slip, repair it and parse on, so all are listed."""
    out = Composed(Source(text))
    out.candidates = list(scan(out.source.lines))
    trial = _Trial(out.source, loader)
    pending = list(out.candidates)
    last: tuple[int, int, int] | None = None
    while trial.budget > 0:
        try:
            root = trial.compose()
        except yaml.MarkedYAMLError as e:
            at = _at(e, out.source)
            if last is not None and at <= last:
                return out  # a repair that did not get past its error: what was found stands
            fixes = _explain(e, trial, pending, whole=last is None)
            last = at
            if not fixes:
                if trial.budget > 0:  # out of tries, the error is not known to be a real one
                    out.error = e
                return out
            _confirm(out, pending, fixes)
            continue
        # Parsed; an indentation of U+3000 that YAML took for text (a key '　name') is still a slip, and
        # so is a tab that made a line go on the unquoted text above it (`standin: true` + `\t- 一段`).
        late = [s for s in pending if s.kind == "indent"]
        if late and root is not None:
            inner, plain, _ = _scalars(out.source.repaired(), loader)
            late = [s for s in late if s.line not in inner and (s.message == IDEO_INDENT or s.line in plain)]
        if not late or root is None:
            out.root = root
            return out
        _confirm(out, pending, [_with_width(s, _nearest_width(out.source, s)) for s in late])
    return out


@dataclass
class _Trial:
    """Parses of the source with some repairs more, within a budget (a few ms each)."""

    source: Source
    loader: type
    budget: int = MAX_PARSES
    memo: tuple[str, Any] = ("", None)  # the last text tried and its outcome: confirming re-parses it

    def compose(self, edits: tuple[Edit, ...] = ()) -> yaml.Node | None:
        text = self.source.repaired(edits)
        if text != self.memo[0]:
            self.budget -= 1
            try:
                self.memo = (text, yaml.compose(text, Loader=self.loader))
            except yaml.MarkedYAMLError as e:
                self.memo = (text, e)
        if isinstance(self.memo[1], yaml.MarkedYAMLError):
            raise self.memo[1]
        return self.memo[1]

    def reach(self, edits: tuple[Edit, ...]) -> tuple[int, int, int]:
        """Where the parse with `edits` fails (as typed), past every place when it does not."""
        if self.budget <= 0:
            return (-1, -1, -1)
        try:
            self.compose(edits)
        except yaml.MarkedYAMLError as e:
            return _at(e, _with(self.source, edits))
        except yaml.YAMLError:
            return (-1, -1, -1)
        return (1 << 30, 0, 0)


def _confirm(out: Composed, pending: list[Slip], slips: list[Slip]) -> None:
    for slip in slips:
        out.slips.append(slip)
        out.source.edits.extend(slip.edits)
    done = {(s.line, s.col) for s in slips}
    pending[:] = [s for s in pending if (s.line, s.col) not in done]


def _at(e: yaml.MarkedYAMLError, source: Source) -> tuple[int, int, int]:
    mark = e.problem_mark or e.context_mark
    context = e.context_mark.line if e.context_mark else -1
    return mark.line, source.typed_col(mark.line, mark.column), context


def _explain(e: yaml.MarkedYAMLError, trial: _Trial, pending: list[Slip], whole: bool) -> list[Slip]:
    """The slips behind a parse error: at the parser's own mark, or line-start slips whose repair gets it further."""
    source = trial.source
    current = source.repaired()
    here = _quote_slip(e, current, source, trial.loader) or _colon_slip(e, current, source)
    if here:
        return [here]
    at = _at(e, source)
    indents = [s for s in pending if s.kind == "indent"]
    if whole and len(indents) > 1 and len(found := _all_indents(trial, indents)) > 1:
        return found
    before = [s for s in pending if s.line <= at[0]]
    for line in sorted({s.line for s in before}, reverse=True)[:LOOK_BACK]:
        group = [s for s in before if s.line == line]
        if found := _best_width(trial, group, at):
            return found
    return []


def _best_width(trial: _Trial, group: list[Slip], at: tuple[int, int, int]) -> list[Slip]:
    """The line's slips repaired so that the parse gets past `at` and furthest (a tab is 2, 4 or 8
    columns); of equals, the indentation nearest the line above, which the typist saw it under."""
    widths = range(len(WIDTHS)) if any(s.others for s in group) else range(1)
    above = _indent_above(trial.source, group[0].line)
    reach = {}
    for width in widths:
        edits = tuple(x for s in group for x in _edits(s, width))
        if (r := trial.reach(edits)) > at:
            reach[width] = (r, -abs(_indent(edits) - above))
    if not reach:
        return []
    width = max(reach, key=lambda w: reach[w])
    return [_with_width(s, width) for s in group]


def _nearest_width(source: Source, slip: Slip) -> int:
    above = _indent_above(source, slip.line)
    return min(range(len(WIDTHS)), key=lambda w: (abs(_indent(_edits(slip, w)) - above), w))


def _indent(edits: tuple[Edit, ...]) -> int:
    """The indentation a repair gives its line (0 for repairs of other kinds)."""
    return next((len(e.new) for e in edits if e.col == 0 and not e.new.strip()), 0)


def _indent_above(source: Source, line: int) -> int:
    for above in range(line - 1, -1, -1):
        text = source.repaired_line(above)
        if text.strip() and not text.lstrip().startswith("#"):
            return len(text) - len(text.lstrip(" "))
    return 0


def _all_indents(trial: _Trial, indents: list[Slip]) -> list[Slip]:
    """A file indented with tabs or U+3000 throughout: every line repaired at once, at the width that
    parses furthest; those before where it still fails (a real error, or a line to try on its own)."""
    tries = []
    for width in range(len(WIDTHS)):
        trial.budget -= 1
        edits = tuple(x for s in indents for x in _edits(s, width))
        inner, _, error = _scalars(trial.source.repaired(edits), trial.loader)
        reach = (error.problem_mark or error.context_mark).line if error else 1 << 30
        tries.append((reach, -width, inner))
    reach, width, inner = max(tries, key=lambda t: t[:2])
    return [_with_width(s, -width) for s in indents if s.line < reach and s.line not in inner]


def _with(source: Source, edits: tuple[Edit, ...]) -> Source:
    return Source(source.text, [*source.edits, *edits])


def _edits(slip: Slip, width: int) -> tuple[Edit, ...]:
    return slip.others[width - 1] if width and slip.others else slip.edits


def _with_width(slip: Slip, width: int) -> Slip:
    return Slip(slip.line, slip.col, slip.message, _edits(slip, width), slip.kind)


def _scalars(text: str, loader: type) -> tuple[set[int], set[int], yaml.MarkedYAMLError | None]:
    """Lines inside a text that began on an earlier line, quoted or block (|, >), and those inside an
    unquoted one, as far as the parse gets; and the error that stopped it."""
    inner: set[int] = set()
    plain: set[int] = set()
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, yaml.ScalarEvent):
                end = event.end_mark.line - (0 if event.end_mark.column else 1)
                (plain if event.style in (None, "") else inner).update(range(event.start_mark.line + 1, end + 1))
    except yaml.MarkedYAMLError as e:
        return inner, plain, e
    return inner, plain, None


def scan(lines: list[str]) -> Iterator[Slip]:
    """Line-start slips, as candidates: an odd indentation, a mistyped list dash, a full-width colon after a key."""
    for i, line in enumerate(lines):
        indent = INDENT.match(line).group()  # type: ignore[union-attr]
        rest = line[len(indent) :]
        odd = next((c for c in indent if c in "\t" + IDEO), None)
        if odd and (STRUCTURE.match(rest) or not rest):
            ways = tuple((Edit(i, 0, len(indent), " " * _width(indent, tab, ideo)),) for tab, ideo in WIDTHS)
            yield Slip(i, indent.index(odd), TAB_INDENT if odd == "\t" else IDEO_INDENT, ways[0], "indent", ways[1:])
        col = len(indent)
        while m := DASH.match(line, col):
            nxt = line[m.end() : m.end() + 1]
            if m.group() != "-" or nxt == IDEO:
                yield Slip(i, col, DASH_SLIPS[m.group()], (Edit(i, col, len(m.group()) + len(nxt), "- "),), "dash")
            col = m.end() + len(nxt)
            while col < len(line) and line[col] in " " + IDEO:
                col += 1
        if m := FW_KEY.match(line, col):
            colon = line.index("：", m.end(1))
            yield Slip(i, colon, FW_COLON.format(key=m[1]), (Edit(i, m.end(1), m.end() - m.end(1), ": "),), "key")
        elif m := IDEO_SEP.match(line, col):
            yield Slip(i, m.end() - 1, IDEO_AFTER_COLON.format(key=m[1]), (Edit(i, m.end() - 1, 1, " "),), "key")


def _width(indent: str, tab: int, ideo: int) -> int:
    col = 0
    for c in indent:
        col = (col // tab + 1) * tab if c == "\t" else col + (ideo if c == IDEO else 1)
    return col


def _quote_slip(e: yaml.MarkedYAMLError, current: str, source: Source, loader: type) -> Slip | None:
    """The parser stopped right after a text in double quotes: a straight quote inside it closed it early."""
    mark = e.problem_mark
    if mark is None or mark.index >= len(current) or current[mark.index] in ",]}:#\r\n":
        return None
    closing = _closing_quote(current, mark.index, loader)
    if closing is None:
        return None
    opening, close = closing
    line = mark.line
    line_start = mark.index - mark.column
    col = close - line_start
    text = source.repaired_line(line)
    start = opening - line_start  # the opening quote, when the text started on this line
    last = text.rfind('"')
    edits: tuple[Edit, ...]
    if last > col:  # the text's real closing quote is further on: escape the ones before it
        edits = tuple(Edit(line, source.typed_col(line, c), 0, "\\") for c in range(col, last) if text[c] == '"')
    elif start >= 0:  # the text began with a quotation mark: the whole rest of the line, in single quotes
        rest = text[start:].rstrip()
        edits = (Edit(line, source.typed_col(line, start), len(rest), "'" + rest.replace("'", "''") + "'"),)
    else:
        edits = ()
    return Slip(line, source.typed_col(line, col), QUOTE, edits)


def _closing_quote(text: str, index: int, loader: type) -> tuple[int, int] | None:
    """(opening, closing) indexes of a double-quoted text that ends just before `index` (spaces between)."""
    end = index
    while end > 0 and text[end - 1] == " ":
        end -= 1
    if end == 0 or text[end - 1] != '"':
        return None
    try:
        for token in yaml.scan(text[:end], Loader=loader):
            if isinstance(token, yaml.ScalarToken) and token.style == '"' and token.end_mark.index == end:
                return token.start_mark.index, end - 1
    except yaml.YAMLError:
        return None
    return None


def _colon_slip(e: yaml.MarkedYAMLError, current: str, source: Source) -> Slip | None:
    """The parser stopped at a ': ' inside an unquoted text that follows a key or a list dash."""
    mark = e.problem_mark
    if mark is None or current[mark.index : mark.index + 1] != ":":
        return None
    if current[mark.index + 1 : mark.index + 2] not in ("", " ", "\n", "\r"):
        return None
    line = mark.line
    text = source.repaired_line(line)
    head = text[: mark.column]
    end = len(text)
    if flow := list(re.finditer(rf"[{{,]\s*{KEY}\s*: +", head)):  # {title: 注意: 改期}
        start = flow[-1].end()
        stop = re.search(r"[,}\]]", text[mark.column :])
        end = mark.column + stop.start() if stop else end
    else:  # title: 注意: 改期, or a list item - 注意: 改期: 明天
        m = re.match(rf"\s*(- +)*({KEY} *: +)?", text)
        if not m or not (m[1] or m[2]):
            return None  # the line starts with a key of its own: not a text
        start = m.end()
    if start >= mark.column or text[start] in "\"'{[|>&*!":
        return None
    shown = text[start:end].rstrip()
    colons = [start + c.start() for c in re.finditer(r":(?= |$)", shown)]
    edits = tuple(Edit(line, source.typed_col(line, c), 1, "：") for c in colons)
    return Slip(line, edits[0].col, _colon_message(shown), edits)


def text_as_key(node: yaml.Node, source: Source) -> Slip | None:
    """A one-line mapping `注意: 会议改期` where a text was meant: its ': ' made the start a key."""
    if not isinstance(node, yaml.MappingNode) or len(node.value) != 1:
        return None
    key, value = node.value[0]
    plain = (None, "")
    if not (isinstance(key, yaml.ScalarNode) and key.style in plain and isinstance(value, yaml.ScalarNode)):
        return None
    if value.style not in plain or key.start_mark.line != value.end_mark.line:
        return None
    line = key.start_mark.line
    text = source.repaired_line(line)
    colon = text.find(":", key.end_mark.column)
    if colon < 0:
        return None
    shown = text[key.start_mark.column : max(value.end_mark.column, colon + 1)].rstrip()
    return Slip(line, source.typed_col(line, colon), _colon_message(shown))


def _colon_message(text: str) -> str:
    return (COLON_TEXT if ": " in text else COLON_END).format(text=text)


def fw_key(key: yaml.Node, names: set[str], source: Source) -> Slip | None:
    """A key typed `type：note` (its full-width colon kept it from being a key of its own)."""
    if not isinstance(key, yaml.ScalarNode) or not isinstance(key.value, str):
        return None
    m = re.match(rf"({KEY})[ \u3000]*：", key.value)
    if not m or m[1] not in names or key.style not in (None, ""):
        return None
    line = key.start_mark.line
    col = source.typed_col(line, key.start_mark.column + m.end() - 1)
    return Slip(line, col, FW_COLON.format(key=m[1]))
