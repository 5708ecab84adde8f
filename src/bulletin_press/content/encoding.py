"""Which encoding a YAML file was saved in: UTF-8, else UTF-16 or GBK/GB18030 read with a warning, else refused."""

from __future__ import annotations

import codecs

from ..diagnostics import BuildError, Finding, Pos

RESAVE = "expected UTF-8 — re-save the file as UTF-8 (in Notepad: Save as, Encoding 'UTF-8')"
# Simplified-Chinese text keeps almost all its characters inside GB2312; Big5 or Latin-1 bytes
# that happen to decode as GB18030 give rare characters and kana instead (see docs/issue-format.md).
GB2312_SHARE = 0.9
MAX_PLACES = 20  # damaged bytes listed one by one, up to this many


def decode(data: bytes, shown: str) -> tuple[str, list[Finding]]:
    """The text, and a warning when it was not UTF-8; BuildError when it is no text we can trust."""
    for bom, codec, name in ((codecs.BOM_UTF32_LE, "", "UTF-32 LE"), (codecs.BOM_UTF32_BE, "", "UTF-32 BE"),
                             (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 LE"), (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 BE")):
        if data.startswith(bom):
            if not codec:
                raise BuildError([Finding(Pos(shown, 1, 1), f"the file is {name}; {RESAVE}")])
            return _utf16(data[len(bom):], codec, f"{name} with a byte-order mark (Notepad's 'Unicode')", shown)
    if b"\x00" in data:  # never in UTF-8 text; ASCII in UTF-16 is a byte and a zero
        return _utf16(data, _utf16_order(data, shown), "", shown)
    try:
        return data.decode("utf-8-sig"), []  # a UTF-8 BOM (old Notepad's 'UTF-8') is harmless: dropped
    except UnicodeDecodeError:
        pass
    if _mostly_utf8(data):  # a UTF-8 file with a damaged spot: name the spot, don't reread it all as GBK
        raise BuildError([Finding(_byte_pos(data, start, shown), f"{_bytes(data[start:end])} not UTF-8 (the rest of the file is); expected UTF-8 text — retype the character here")
                          for start, end in _bad_utf8(data)[:MAX_PLACES]])
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as e:
        raise BuildError([Finding(_byte_pos(data, e.start, shown, "gb18030"), f"byte 0x{data[e.start]:02X} is neither UTF-8 nor GBK/GB18030; {RESAVE}")]) from None
    others = [c for c in text if ord(c) > 0x7F and not _in_gb2312(c)]
    non_ascii = sum(ord(c) > 0x7F for c in text)
    if len(others) > (1 - GB2312_SHARE) * non_ascii:
        first = next(i for i, c in enumerate(text) if c in others)
        raise BuildError([Finding(_char_pos(text, first, shown), f"the file is not UTF-8, and read as GBK this line gives '{_sample(text, first)}' (is it Big5 or another encoding?); {RESAVE}")])
    return text, [Finding(Pos(shown, 1, 1), f"the file is GBK/GB18030 (Windows 'ANSI' on a Chinese system), read as such; {RESAVE}", "warning")]


def _utf16(data: bytes, codec: str, how: str, shown: str) -> tuple[str, list[Finding]]:
    name = codec.upper().replace("UTF-16-", "UTF-16 ")
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as e:
        before = data[: e.start].decode(codec, "replace")
        raise BuildError([Finding(_char_pos(before, len(before), shown), f"the file is {name} but damaged here (byte {e.start + 1} of the file); {RESAVE}")]) from None
    how = how or f"{name} without a byte-order mark"
    return text, [Finding(Pos(shown, 1, 1), f"the file is {how}, read as such; {RESAVE}", "warning")]


def _utf16_order(data: bytes, shown: str) -> str:
    """'utf-16-le' when the zeros stand at odd offsets (ASCII 'a' is 61 00), 'utf-16-be' at even."""
    even = data[0::2].count(0)
    odd = data[1::2].count(0)
    enough = len(data) // 10  # a YAML file's keys and indentation: far more than a tenth is ASCII
    if odd > max(enough, 10 * even):  # an odd length is a file cut short: said when it is decoded
        return "utf-16-le"
    if even > max(enough, 10 * odd):
        return "utf-16-be"
    raise BuildError([Finding(_byte_pos(data, data.index(0), shown), "a NUL byte (0x00); expected text — delete it (the file is neither UTF-8 nor UTF-16)")])


def _mostly_utf8(data: bytes) -> bool:
    """More well-formed UTF-8 characters beyond ASCII than bad bytes (GBK text gives ~1 in 4)."""
    text = data.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    return sum(ord(c) > 0x7F for c in text) - bad > bad


def _bad_utf8(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of each run of bytes that are not UTF-8: one damaged character is one run."""
    runs: list[tuple[int, int]] = []
    at = 0
    while at < len(data):
        try:
            data[at:].decode("utf-8")
            break
        except UnicodeDecodeError as e:
            start, end = at + e.start, at + e.end
            if runs and runs[-1][1] == start:
                start = runs.pop()[0]
            runs.append((start, end))
            at = end
    return runs


def _bytes(run: bytes) -> str:
    shown = " ".join(f"0x{b:02X}" for b in run[:4]) + (" …" if len(run) > 4 else "")
    return f"byte {shown} is" if len(run) == 1 else f"bytes {shown} are"


def _in_gb2312(c: str) -> bool:
    """In GB2312, and not kana (its rows 4-5, where Big5's commonest characters land)."""
    if "\u3040" <= c <= "\u30ff":
        return False
    try:
        c.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False


def _sample(text: str, at: int) -> str:
    """The line holding offset `at`, short, as the engine would read it."""
    return text[text.rfind("\n", 0, at) + 1 :].split("\n", 1)[0].strip()[:24]


def _byte_pos(data: bytes, at: int, shown: str, codec: str = "utf-8") -> Pos:
    """Line and column in characters, as an editor shows them, of the byte at offset `at`."""
    line = data.count(b"\n", 0, at) + 1
    col = len(data[data.rfind(b"\n", 0, at) + 1 : at].decode(codec, "replace")) + 1
    return Pos(shown, line, col)


def _char_pos(text: str, at: int, shown: str) -> Pos:
    return Pos(shown, text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at))
