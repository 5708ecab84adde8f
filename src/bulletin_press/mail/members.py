"""members.csv: who gets the issue — UTF-8 or GB18030 from Excel, every problem at once with its place."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from types import MappingProxyType

import idna

from ..diagnostics import BuildError, Finding, Pos, relpath

# Header names, compared after strip() and casefold(): editors export from Excel with Chinese headers.
ROLES = {
    "email": ("email", "e-mail", "邮箱", "电子邮件", "电子邮箱"),
    "name": ("name", "姓名", "名字"),
    "organisation": ("organisation", "organization", "机构", "单位"),
}
ALIASES = {alias: role for role, names in ROLES.items() for alias in names}
ENCODINGS = ("UTF-8", "UTF-8 with BOM", "GB18030")
# RFC 5322 dot-atom text: what an unquoted local part may hold. Quoted local parts ("a b"@x) are
# legal but so rare in member lists that one is far likelier a typing slip.
ATEXT = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+")
LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?")
FULL_WIDTH = {"＠": "@", "。": ".", "．": ".", "｡": "."}  # a Chinese input method left on
MAX_LOCAL = 64  # RFC 5321 4.5.3.1
MAX_LABEL = 63  # RFC 1035 2.3.4
MAX_ADDRESS = 254  # a path of 256 octets less the angle brackets
EXAMPLE = "expected an address like wang@example.org"


@dataclass(frozen=True)
class Member:
    email: str  # as written, surrounding spaces stripped
    name: str  # "" when none
    organisation: str  # "" when none
    fields: Mapping[str, str] = field(hash=False)  # every column of the row, header → value, for templates
    line: int  # its line in the file (1-based, the header is line 1)

    @property
    def key(self) -> str:
        """The address compared case-insensitively: Wang@Example.org and wang@example.org are one member."""
        return self.email.casefold()


def address_problem(address: str) -> str | None:
    """Why `address` cannot be sent to (a phrase), or None when it is a sendable address."""
    if not address:
        return "it is empty"
    if slip := next((c for c in address if c in FULL_WIDTH), None):
        return f"a full-width {slip}; expected the ASCII {FULL_WIDTH[slip]} (switch the input method to English)"
    if "<" in address or ">" in address:
        name, inner = parseaddr(address)
        where = f" — write {inner} here and {name} in the name column" if inner and name else ""
        return f"angle brackets; expected the address alone{where}"
    if any(c.isspace() or unicodedata.category(c) == "Cc" for c in address):
        return "it holds a space or a control character"
    if address.count("@") != 1:
        return "no @" if "@" not in address else "more than one @"
    local, domain = address.split("@")
    if not local:
        return "nothing before the @"
    if not domain:
        return "nothing after the @"
    if not local.isascii():
        return ("non-ASCII characters before the @ need SMTPUTF8, which many mail servers lack; "
                "expected an ASCII name before the @ (the domain may be Chinese)")
    if not all(ATEXT.fullmatch(part) for part in local.split(".")):
        return "a character or a dot out of place before the @"
    if len(local) > MAX_LOCAL:
        return f"{len(local)} characters before the @; expected at most {MAX_LOCAL}"
    if "." not in domain:
        return f"the domain '{domain}' has no dot; expected a domain like example.org"
    if not all(domain.split(".")):
        return f"the domain '{domain}' has an empty part (two dots, or a dot at an end)"
    try:
        ascii = ascii_domain(domain)  # a Chinese domain (例子.中国) is fine
    except UnicodeError as e:
        return f"the domain '{domain}' is no internationalised domain name (IDNA 2008): {e}"
    labels = ascii.split(".")
    if any(len(label) > MAX_LABEL for label in labels):
        return f"the domain '{domain}' has a part longer than {MAX_LABEL} characters"
    if not all(LABEL.fullmatch(label) for label in labels):
        return f"the domain '{domain}' holds a character a domain cannot have"
    if labels[-1].isdigit():
        return "a numeric domain; expected a domain name, not an IP address"
    if len(local) + 1 + len(ascii) > MAX_ADDRESS:
        return f"longer than {MAX_ADDRESS} characters"
    return None


def ascii_domain(domain: str) -> str:
    """The domain as DNS and mail headers carry it: an internationalised one in A-labels (例子.中国 →
    xn--fsqu00a.xn--fiqs8s), an ASCII one as typed. IDNA 2008 with the UTS 46 mapping, as browsers and
    mail servers resolve names; Python's own "idna" codec is IDNA 2003 (faß.de → fass.de, another
    domain). UnicodeError (idna.IDNAError) for a name IDNA 2008 refuses."""
    return domain if domain.isascii() else idna.encode(domain, uts46=True).decode("ascii")


def ascii_address(address: str) -> str:
    """`address` with its domain in A-labels: the form for the envelope and for every mail header."""
    local, _, domain = address.rpartition("@")
    return f"{local}@{ascii_domain(domain)}"


def read_members(path: Path) -> tuple[tuple[Member, ...], list[Finding]]:
    """Every member once (the first of duplicates), and the warnings; BuildError with every error."""
    shown = relpath(path)
    if not path.is_file():
        raise BuildError([Finding(Pos(shown), f"no {path.name} here; expected a CSV of members — copy members.example.csv to {path.name} and fill it in (a header row with an email column, a row per member)")])
    text = _decode(path.read_bytes(), shown)
    return _Reader(shown, text).read()


def _decode(data: bytes, shown: str) -> str:
    """UTF-8 (with or without BOM) when the bytes are strictly that, else GB18030 (Excel on Chinese Windows)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise BuildError([Finding(Pos(shown, 1, 1), f"the file is UTF-16 (Excel's 'Unicode Text'); expected {', '.join(ENCODINGS)} — in Excel save as 'CSV UTF-8' or 'CSV'")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030").removeprefix("\ufeff")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        col = e.start - data.rfind(b"\n", 0, e.start)  # in bytes: the characters before it are unknown
        raise BuildError([Finding(Pos(shown, line, col), f"byte 0x{data[e.start]:02X} is neither UTF-8 nor GB18030; expected {', '.join(ENCODINGS)} — in Excel save as 'CSV UTF-8'")]) from None


def _cell_starts(raw: str) -> list[int]:
    """Offsets in a row's text where each cell begins, by the rules csv's excel dialect reads."""
    starts, i, n = [0], 0, len(raw)
    while i < n:
        if raw[i] == '"' and i == starts[-1]:  # a quote opens a quoted cell only at its start
            i += 1
            while i < n and not (raw[i] == '"' and raw[i + 1 : i + 2] != '"'):
                i += 2 if raw[i] == '"' else 1
        elif raw[i] == ",":
            starts.append(i + 1)
        elif raw[i] in "\r\n":
            break
        i += 1
    return starts


def _visible(text: str) -> str:
    """`text` with its control characters and line breaks written as escapes (\\n, \\x07)."""
    return "".join(c.encode("unicode_escape").decode("ascii") if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text)


def _where(role: str, header: str) -> str:
    return role if header.strip().casefold() == role else f"{role} ('{header.strip()}')"


class _Reader:
    def __init__(self, shown: str, text: str):
        self.shown = shown
        self.lines = io.StringIO(text, newline="").readlines()  # the lines csv sees, endings kept
        self.errors: list[Finding] = []
        self.warnings: list[Finding] = []
        self.ends: dict[int, int] = {}  # a row's first line → its last line

    def pos(self, line: int, offset: int = -1) -> Pos:
        """The place of a row starting at `line`, at `offset` characters into its text (-1: the row)."""
        if offset < 0:
            return Pos(self.shown, line, 1)
        before = self.raw(line)[:offset]
        return Pos(self.shown, line + before.count("\n"), offset - (before.rfind("\n") + 1) + 1)

    def raw(self, line: int) -> str:
        """The text of the row that starts at `line` (a quoted cell may span lines)."""
        return "".join(self.lines[line - 1 : self.ends.get(line, line)])

    def error(self, pos: Pos, message: str) -> None:
        self.errors.append(Finding(pos, message))

    def read(self) -> tuple[tuple[Member, ...], list[Finding]]:
        rows = self.rows()
        if rows is None:
            raise BuildError(self.errors)
        header_line, header = rows[0] if rows else (1, [])
        roles = self.roles(header_line, header)
        members: list[Member] = []
        first: dict[str, Member] = {}
        for line, cells in rows[1:]:
            member = self.member(line, cells, header, roles) if roles is not None else None
            if member is None:
                continue
            if (earlier := first.get(member.key)) is not None:
                self.warnings.append(Finding(self.cell_pos(line, roles["email"]), f"duplicate of line {earlier.line} ({earlier.email}); one message is sent", "warning"))
                continue
            first[member.key] = member
            members.append(member)
        if roles is not None and not members and not self.errors:
            self.error(self.pos(header_line), "no members under the header; expected a row per member")
        if self.errors:
            raise BuildError(self.errors + self.warnings)
        return tuple(members), self.warnings

    def rows(self) -> list[tuple[int, list[str]]] | None:
        """(first line, cells) of each non-blank row; None when the CSV itself cannot be read."""
        reader = csv.reader(self.lines)
        rows: list[tuple[int, list[str]]] = []
        line = 1
        try:
            for cells in reader:
                if any(c.strip() for c in cells):  # a blank line or a row of empty cells: skipped
                    rows.append((line, cells))
                    self.ends[line] = reader.line_num
                line = reader.line_num + 1
        except csv.Error as e:
            self.error(self.pos(line), f"{e}; expected CSV as Excel writes it")
            return None
        if not rows:
            self.error(self.pos(1), "the file is empty; expected a header row with an email column, then a row per member")
            return None
        return rows

    def cell_pos(self, line: int, index: int) -> Pos:
        starts = _cell_starts(self.raw(line))
        return self.pos(line, starts[index]) if index < len(starts) else self.pos(line)

    def roles(self, line: int, header: list[str]) -> dict[str, int] | None:
        """Column index of email, name, organisation; None (with errors) when the header is unusable."""
        roles: dict[str, int] = {}
        seen: dict[str, int] = {}
        for i, cell in enumerate(header):
            name = cell.strip()
            if name and name.casefold() in seen:
                self.error(self.cell_pos(line, i), f"column '{name}' twice (first in column {seen[name.casefold()] + 1}); expected each column once")
            seen.setdefault(name.casefold(), i)
            role = ALIASES.get(name.casefold())
            if role is None:
                continue
            if role in roles:
                self.error(self.cell_pos(line, i), f"a second {role} column '{name}' (first: '{header[roles[role]].strip()}'); expected one")
                continue
            roles[role] = i
        if "email" not in roles:
            found = ", ".join(c.strip() for c in header if c.strip())
            hint = " — is the file separated by semicolons or tabs? expected commas" if len(header) == 1 and re.search("[;\t]", header[0]) else ""
            self.error(self.pos(line), f"no email column (the header has: {found}); expected a column named {' or '.join(ROLES['email'])}{hint}")
            return None
        return roles

    def member(self, line: int, cells: list[str], header: list[str], roles: dict[str, int]) -> Member | None:
        before = len(self.errors)
        if extra := [i for i in range(len(header), len(cells)) if cells[i].strip()]:
            self.error(self.cell_pos(line, extra[0]), f"{len(cells)} cells, more than the header's {len(header)}; expected at most {len(header)} — is there a comma in a name? put that cell in double quotes")
        for i, cell in enumerate(cells[: len(header)]):
            if cell.strip() and not header[i].strip():
                self.error(self.cell_pos(line, i), f"'{cell.strip()}' in column {i + 1}, which has no header; expected a header for every column with values")
        value = {role: cells[i].strip() if i < len(cells) else "" for role, i in roles.items()}
        email = value["email"]
        if not email:
            self.error(self.cell_pos(line, roles["email"]), f"no e-mail address in {_where('email', header[roles['email']])}; {EXAMPLE}")
        elif (problem := address_problem(email)) is not None:
            expected = "" if "expected" in problem else f"; {EXAMPLE}"
            self.error(self.cell_pos(line, roles["email"]), f"'{email}' is not an e-mail address: {problem}{expected}")
        for role in ("name", "organisation"):
            text = value.get(role, "")
            if bad := next((c for c in text if unicodedata.category(c) in ("Cc", "Zl", "Zp")), None):
                what = "a line break" if bad in "\r\n\u2028\u2029\x85" else "a control character"
                self.error(self.cell_pos(line, roles[role]), f"{_where(role, header[roles[role]])} '{_visible(text)}' holds {what} (U+{ord(bad):04X}); expected one line of text — it would go into a mail header")
        if len(self.errors) > before:
            return None
        fields = {h.strip(): cells[i].strip() if i < len(cells) else "" for i, h in enumerate(header) if h.strip()}
        return Member(email, value.get("name", ""), value.get("organisation", ""), MappingProxyType(fields), line)
