"""members.csv as editors export it: encodings, Chinese headers, every problem with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulletin_press.diagnostics import BuildError
from bulletin_press.mail.members import Member, address_problem, ascii_address, read_members

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # findings name members.csv as the editor typed it


def write(text: str, encoding: str = "utf-8") -> Path:
    path = Path("members.csv")
    path.write_bytes(text.encode(encoding))
    return path


def errors(path: Path) -> list[str]:
    with pytest.raises(BuildError) as e:
        read_members(path)
    return [str(f) for f in e.value.findings]


def test_gb18030_from_excel_with_chinese_headers_a_duplicate_and_a_bad_address() -> None:
    path = write("姓名,邮箱,机构,城市\r\n王五,wang@example.org,环境资助者网络,北京\r\n李四,wang@,SEE基金会,上海\r\n"
                 "王五（又）,Wang@Example.org,CEGA,北京\r\n", "gb18030")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")  # the test is about a file that is not UTF-8
    assert errors(path) == [
        "members.csv:3:4: 'wang@' is not an e-mail address: nothing after the @; expected an address like wang@example.org",
        "members.csv:4:7: warning: duplicate of line 2 (wang@example.org); one message is sent",
    ]


def test_gb18030_members_read_with_their_fields() -> None:
    path = write("姓名,电子邮件,单位,城市\n王五,wang@example.org,环境资助者网络,北京\n\n李四,li@例子.中国,,\n"
                 "王五,WANG@example.org,x,y\n", "gb18030")
    members, warnings = read_members(path)
    assert members == (
        Member("wang@example.org", "王五", "环境资助者网络", {"姓名": "王五", "电子邮件": "wang@example.org", "单位": "环境资助者网络", "城市": "北京"}, 2),
        Member("li@例子.中国", "李四", "", {"姓名": "李四", "电子邮件": "li@例子.中国", "单位": "", "城市": ""}, 4),
    )
    assert [str(w) for w in warnings] == ["members.csv:5:4: warning: duplicate of line 2 (wang@example.org); one message is sent"]
    with pytest.raises(TypeError):
        members[0].fields["城市"] = "上海"  # type: ignore[index]
    assert members[0].key == members[0].email.casefold() == "wang@example.org"


def test_utf8_with_bom_and_english_headers_in_any_case() -> None:
    path = write("\ufeff Email , NAME,Organisation\n wang@example.org ,王五,CEGA\n")
    members, warnings = read_members(path)
    assert [(m.email, m.name, m.organisation, m.line) for m in members] == [("wang@example.org", "王五", "CEGA", 2)]
    assert list(members[0].fields) == ["Email", "NAME", "Organisation"] and warnings == []


def test_a_file_neither_utf8_nor_gb18030_is_one_error_naming_the_encodings() -> None:
    Path("members.csv").write_bytes("email\nwang@example.org\n".encode() + b"\x80\xff\n")
    assert errors(Path("members.csv")) == [
        "members.csv:3:1: byte 0x80 is neither UTF-8 nor GB18030; expected UTF-8, UTF-8 with BOM, GB18030 — in Excel save as 'CSV UTF-8'"]


def test_every_problem_at_once_with_line_and_column() -> None:
    path = write('name,email,organisation\n'
                 '"王\n五",wang@example.org,CEGA\n'          # 2: a line break in a name (header injection)
                 '李四,,SEE\n'                                # 4: no address
                 '赵六,zhao@example.org,"A\x07B"\n'          # 5: a control character
                 '钱七,qian@example.org,CEGA,北京,海淀\n'     # 6: more cells than the header
                 '孙八, sun@ example.org ,CEGA\n'            # 7: a space inside
                 ',,\n'                                       # 8: an empty row: skipped
                 '\n'                                         # 9: a blank line: skipped
                 '周九,zhou＠example.org,CEGA\n')             # 10: a full-width ＠
    assert errors(path) == [
        "members.csv:2:1: name '王\\n五' holds a line break (U+000A); expected one line of text — it would go into a mail header",
        "members.csv:4:4: no e-mail address in email; expected an address like wang@example.org",
        "members.csv:5:21: organisation 'A\\x07B' holds a control character (U+0007); expected one line of text — it would go into a mail header",
        "members.csv:6:26: 5 cells, more than the header's 3; expected at most 3 — is there a comma in a name? put that cell in double quotes",
        "members.csv:7:4: 'sun@ example.org' is not an e-mail address: it holds a space or a control character; expected an address like wang@example.org",
        "members.csv:10:4: 'zhou＠example.org' is not an e-mail address: a full-width ＠; expected the ASCII @ (switch the input method to English)",
    ]


def test_no_email_column_names_the_header_found() -> None:
    assert errors(write("姓名,地址\n王五,北京\n")) == [
        "members.csv:1:1: no email column (the header has: 姓名, 地址); expected a column named email or e-mail or 邮箱 or 电子邮件 or 电子邮箱"]
    assert "separated by semicolons" in errors(write("name;email\n王五;wang@example.org\n"))[0]


def test_empty_file_and_header_alone_are_errors() -> None:
    assert errors(write("")) == ["members.csv:1:1: the file is empty; expected a header row with an email column, then a row per member"]
    assert errors(write("email,name\n\n")) == ["members.csv:1:1: no members under the header; expected a row per member"]


def test_missing_file_says_how_to_start() -> None:
    assert errors(Path("members.csv")) == [
        "members.csv: no members.csv here; expected a CSV of members — copy members.example.csv to members.csv "
        "and fill it in (a header row with an email column, a row per member)"]


def test_trailing_empty_cells_from_excel_are_harmless() -> None:
    members, _ = read_members(write("email,name,,\nwang@example.org,王五,,,\n"))
    assert [m.email for m in members] == ["wang@example.org"]


def test_the_shipped_example_reads_clean() -> None:
    members, warnings = read_members(ROOT / "members.example.csv")
    assert len(members) >= 3 and warnings == []
    assert all(m.email.endswith(("example.org", "example.com", "例子.中国")) for m in members)


GOOD = ["wang@example.org", "Wang.Wu@Example.ORG", "a+tag@sub.example.org", "o'brien@example.ie", "x@例子.中国",
        "li@北京大学.cn", "a_b-c@ex-ample.co.uk", "a@b.cd", f"{'a' * 64}@example.org", "1@2.example", "jorg@faß.de"]
BAD = {
    "wang@": "nothing after the @",
    "@example.org": "nothing before the @",
    "wang.example.org": "no @",
    "a@b@example.org": "more than one @",
    "wang@example": "has no dot",
    "wang@example..org": "an empty part",
    "wang@example.org.": "an empty part",
    "wang@-example.org": "cannot have",
    "wang@exa_mple.org": "cannot have",
    "wang @example.org": "a space",
    "wang@example.org\u3000x": "a space",
    "张三@例子.中国": "SMTPUTF8",
    ".wang@example.org": "out of place",
    "wa..ng@example.org": "out of place",
    '"wang wu"@example.org': "a space",
    "wang(wu)@example.org": "out of place",
    f"{'a' * 65}@example.org": "65 characters before the @",
    f"a@{'b' * 63}.{'c' * 63}.{'d' * 63}.{'e' * 63}.org": "longer than 254",
    f"a@{'b' * 64}.org": "longer than 63",
    "wang@192.168.1.1": "IP address",
    "王五 <wang@example.org>": "write wang@example.org here and 王五 in the name column",
    "wang@example。org": "full-width 。",
    "wang@☃.net": "IDNA 2008",  # IDNA 2003 (Python's codec) took it as xn--n3h.net; no registry does now
}


@pytest.mark.parametrize("address", GOOD)
def test_good_addresses(address: str) -> None:
    assert address_problem(address) is None


@pytest.mark.parametrize("address", BAD)
def test_bad_addresses(address: str) -> None:
    problem = address_problem(address)
    assert problem is not None and BAD[address] in problem


def test_ascii_address_is_idna_2008() -> None:
    assert ascii_address("zhangsan@例子.中国") == "zhangsan@xn--fsqu00a.xn--fiqs8s"
    assert ascii_address("Wang@Example.ORG") == "Wang@Example.ORG"  # an ASCII address as typed
    assert ascii_address("jorg@faß.de") == "jorg@xn--fa-hia.de"  # IDNA 2003 would give fass.de, another domain
