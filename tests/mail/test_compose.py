"""The message a member receives, read back from its bytes the way a mail client parses them."""

from __future__ import annotations

import base64
import dataclasses
import re
import shutil
from email import policy
from email.header import decode_header, make_header
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import idna
import pytest

from bulletin_press.content.blocks import Article, EditorsNote, FeaturedNgo, Section
from bulletin_press.content.load import load_issue
from bulletin_press.diagnostics import BuildError
from bulletin_press.mail.compose import INVISIBLE, Composer, message_id, teaser
from bulletin_press.mail.members import Member
from bulletin_press.mail.settings import MailSettings
from bulletin_press.project import Project
from bulletin_press.typeset import plain_text

from ..conftest import ROOT

PDF_FILE = "环境资助者网络简报-2023年第十一期-screen.pdf"  # as build/ names the screen PDF
PDF_NAME = "环境资助者网络简报-2023年第十一期.pdf"  # as the member sees it: the issue, no profile word
SETTINGS = MailSettings(
    sender_name="环境资助者网络（CEGA）", sender_address="news@cega.org.cn", reply_to="wjzhao@geichina.org",
    host="127.0.0.1", port=25, security="none", per_minute=None, ca_file=None, subject=None, unsubscribe=None,
    timeout=30.0)
ISSUE = load_issue(ROOT / "issues" / "2023-11")


def member(email: str = "wang.fang@example.org", name: str = "王芳", organisation: str = "万科公益基金会", **extra: str) -> Member:
    return Member(email, name, organisation, {"email": email, "name": name, "organisation": organisation, **extra}, 2)


@pytest.fixture(scope="module")
def pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / PDF_FILE
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 6000 + b"\n%%EOF\n")  # every byte value, 1.5 MB
    return path


@pytest.fixture(scope="module")
def composer(pdf: Path) -> Composer:
    return Composer(Project(ROOT), ISSUE, pdf, SETTINGS)


def parsed(msg: EmailMessage) -> tuple[bytes, EmailMessage]:
    raw = msg.as_bytes()
    return raw, BytesParser(policy=policy.default).parsebytes(raw)


def texts(back: EmailMessage) -> tuple[str, str]:
    return back.get_body(("plain",)).get_content(), back.get_body(("html",)).get_content()


def test_headers_decode_back(composer: Composer) -> None:
    raw, back = parsed(composer.message(member()))
    assert back["From"].addresses[0].display_name == "环境资助者网络（CEGA）"
    assert back["From"].addresses[0].addr_spec == "news@cega.org.cn"
    assert [(a.display_name, a.addr_spec) for a in back["To"].addresses] == [("王芳", "wang.fang@example.org")]
    assert "Bcc" not in back and "Cc" not in back
    assert back["Reply-To"] == "wjzhao@geichina.org"
    assert back["Subject"] == "环境资助者网络简报 2023年第十一期"
    assert back["MIME-Version"] == "1.0"
    assert back["Date"].datetime is not None
    assert back["Message-ID"] == message_id("2023-11", "wang.fang@example.org", composer.pdf_sha256, "cega.org.cn")
    assert back["List-Unsubscribe"] == "<mailto:news@cega.org.cn?subject=%E9%80%80%E8%AE%A2>"
    assert "List-Unsubscribe-Post" not in back  # a mailto: address has no one-click POST (RFC 8058)
    assert raw.isascii() and b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78
    assert b"=?utf-8?b?" in raw.split(b"\r\n\r\n")[0].lower()  # the Chinese names are RFC 2047 encoded words


def test_structure_and_attachment(composer: Composer, pdf: Path) -> None:
    raw, back = parsed(composer.message(member()))
    assert back.get_content_type() == "multipart/mixed"
    alternative, attachment = back.iter_parts()
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "text/html"]
    for part in alternative.iter_parts():
        assert part.get_content_charset() == "utf-8"
        assert part["Content-Transfer-Encoding"] == "base64"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment["Content-Transfer-Encoding"] == "base64"
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_content() == pdf.read_bytes()
    assert attachment.get_filename() == PDF_NAME
    assert attachment["Content-Type"].params["name"] == PDF_NAME  # what older Outlook and Foxmail show
    assert len(list(back.iter_attachments())) == 1


def test_filename_is_written_both_ways(composer: Composer) -> None:
    raw, _ = parsed(composer.message(member()))
    head = raw.split(b"Content-Type: application/pdf")[1].split(b"\r\n\r\n")[0].decode("ascii")
    unfolded = re.sub(r"\r\n[ \t]", " ", head)
    # RFC 2047 in Content-Type's name="…": encoded words, decoded and joined, give the name.
    words = re.findall(r"=\?UTF-8\?B\?([A-Za-z0-9+/=]+)\?=", re.search(r'name="([^"]*)"', unfolded)[1])
    assert b"".join(base64.b64decode(w) for w in words).decode() == PDF_NAME
    # RFC 2231 in Content-Disposition: filename*=UTF-8''… (in numbered pieces when long).
    pieces = re.findall(r"filename\*(?:\d+\*)?=((?:UTF-8'')?[^;\s]+)", unfolded)
    assert pieces[0].startswith("UTF-8''")
    from urllib.parse import unquote
    assert unquote("".join(pieces)[len("UTF-8''"):]) == PDF_NAME
    for piece in pieces:  # no character split between two pieces: each decodes on its own
        assert unquote(piece.removeprefix("UTF-8''"), errors="strict")
    for word in words:
        base64.b64decode(word).decode("utf-8")  # the same for the encoded words
    assert 'filename="' not in unfolded  # a plain filename would win over filename* in some readers


def test_parts_carry_greeting_teaser_and_contents(composer: Composer) -> None:
    _, back = parsed(composer.message(member()))
    plain, html = texts(back)
    note = next(s for s in ISSUE.sections if isinstance(s, EditorsNote))
    first = plain_text(note.body[0].text).translate(INVISIBLE)  # break hints the mail leaves out
    expected = [plain_text(s.title) for s in ISSUE.sections if isinstance(s, (Section, FeaturedNgo))]
    expected += [plain_text(b.title) for s in ISSUE.sections if isinstance(s, Section) for b in s.body if isinstance(b, Article)]
    expected.append(plain_text(next(s for s in ISSUE.sections if isinstance(s, FeaturedNgo)).name))
    assert len(expected) > 25
    unescaped = _unescape(html)
    for text in (plain, unescaped):
        assert "尊敬的王芳：" in text
        assert teaser(first) in text and teaser(first).endswith("……")
        assert first.startswith(teaser(first)[:-2])
        for title in expected:
            assert title.translate(INVISIBLE) in text, title
        assert PDF_NAME in text and "（1.5 MB）" in text
        assert "环境资助者网络" in text and "wjzhao@geichina.org" in text
    assert "<style" not in html.lower() and "<img" not in html.lower()  # no remote images, no tracking pixel
    assert not re.search(r"""(src|background)\s*=\s*["']?https?:""", html, re.I)
    assert "url(" not in html
    assert "#1F7A4D" in html  # CEGA green, from the layout's stylesheet


def test_no_name_and_organisation(pdf: Path) -> None:
    settings = dataclasses.replace(SETTINGS, subject="{{ publication.name }}｜致{{ organisation or name }}")
    c = Composer(Project(ROOT), ISSUE, pdf, settings)
    _, back = parsed(c.message(member(name="")))
    plain, html = texts(back)
    assert "尊敬的会员：" in plain and "尊敬的会员：" in html
    assert back["To"].addresses[0].display_name == ""
    assert back["Subject"] == "环境资助者网络简报｜致万科公益基金会"


def test_hostile_name_stays_text(composer: Composer) -> None:
    hostile = '<script>alert("x")</script>&<b>'
    _, back = parsed(composer.message(member(name=hostile)))
    plain, html = texts(back)
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;&lt;b&gt;" in html
    assert f"尊敬的{hostile}：" in plain  # the text part is not HTML: shown as typed
    assert back["To"].addresses[0].display_name == hostile


def test_message_id_is_stable_and_distinct(composer: Composer, pdf: Path, tmp_path: Path) -> None:
    first = composer.message(member())["Message-ID"]
    assert composer.message(member())["Message-ID"] == first
    assert Composer(Project(ROOT), ISSUE, pdf, SETTINGS).message(member())["Message-ID"] == first
    assert composer.message(member(email="Wang.Fang@Example.org"))["Message-ID"] == first  # the key is casefolded
    assert composer.message(member(email="li@example.org"))["Message-ID"] != first
    other = tmp_path / PDF_FILE
    other.write_bytes(pdf.read_bytes() + b"\n")
    assert Composer(Project(ROOT), ISSUE, other, SETTINGS).message(member())["Message-ID"] != first
    assert message_id("2023-12", "a@b.c", "0" * 64, "x.org") != message_id("2023-11", "a@b.c", "0" * 64, "x.org")
    assert re.fullmatch(r"<[0-9a-f]{32}@xn--fiqs8s\.cn>", message_id("2023-11", "a@b.c", "0" * 64, "中国.cn"))


def test_https_unsubscribe_is_one_click(pdf: Path) -> None:
    settings = dataclasses.replace(SETTINGS, unsubscribe="https://cega.org.cn/退订?list=bulletin", reply_to=None)
    _, back = parsed(Composer(Project(ROOT), ISSUE, pdf, settings).message(member()))
    assert back["List-Unsubscribe"] == "<https://cega.org.cn/%E9%80%80%E8%AE%A2?list=bulletin>"
    assert back["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Reply-To" not in back
    plain, html = texts(back)
    assert "news@cega.org.cn" in plain  # replies go to the sender when there is no reply-to
    assert 'href="https://cega.org.cn/%E9%80%80%E8%AE%A2?list=bulletin"' in html


def test_layout_colours_and_own_templates(pdf: Path, tmp_path: Path) -> None:
    shutil.copytree(ROOT / "layouts", tmp_path / "layouts")
    brief = load_issue(ROOT / "issues" / "2020-09")
    _, back = parsed(Composer(Project(tmp_path), brief, pdf, SETTINGS).message(member()))
    html = back.get_body(("html",)).get_content()
    assert "#0F6E8C" in html and "#1F7A4D" not in html  # member-brief's teal, from brief.css
    assert back["Subject"] == "中国绿发会会员简报 2020年9月6日"
    # A layout's own email/ template wins over base's, found through the same search path.
    (tmp_path / "layouts" / "cega-bulletin" / "email").mkdir()
    (tmp_path / "layouts" / "cega-bulletin" / "email" / "subject.txt").write_text(
        "【{{ publication.short_name }}】{{ edition }}\n{{ member.fields['职务'] }}", encoding="utf-8")
    _, back = parsed(Composer(Project(tmp_path), ISSUE, pdf, SETTINGS).message(member(职务="秘书长")))
    assert back["Subject"] == "【简报】2023年第十一期 秘书长"  # any column of the members file; one line


def test_teaser_cuts_at_a_boundary() -> None:
    assert teaser("短短一句。") == "短短一句。"
    sentence = "甲" * 70 + "。" + "乙" * 80 + "。"
    assert teaser(sentence) == "甲" * 70 + "……"
    clauses = "甲" * 40 + "，" + "乙" * 50 + "、" + "丙" * 60
    assert teaser(clauses) == "甲" * 40 + "，" + "乙" * 50 + "……"
    quoted = "甲" * 50 + "“" + "乙" * 30 + "，" + "丙" * 60 + "”"  # the comma inside the quotation is no cut
    assert teaser(quoted) == ("甲" * 50 + "“" + "乙" * 30 + "，" + "丙" * 60)[:120] + "……"
    assert len(teaser("字" * 500)) == 122


def test_work_is_done_once(composer: Composer, monkeypatch: pytest.MonkeyPatch) -> None:
    # Per member only the templates render: no reading of the PDF, no encoding of it, no walk of the issue.
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("the PDF read again"))
    monkeypatch.setattr(base64, "encodebytes", lambda data: pytest.fail("the PDF encoded again"))
    import bulletin_press.mail.compose as compose
    monkeypatch.setattr(compose, "contents", lambda issue: pytest.fail("the contents walked again"))
    one, two = composer.message(member()), composer.message(member(email="li@example.org"))
    assert list(one.iter_attachments())[0] is list(two.iter_attachments())[0]  # one shared, encoded part


def _unescape(html: str) -> str:
    import html as html_module
    return html_module.unescape(re.sub(r"<[^>]+>", "", html))


@pytest.mark.parametrize("name", ["a.pdf", "简报.pdf", "环境资助者网络简报" * 9 + "-2023年第十一期（总第二十八期）-screen.pdf"])
def test_any_file_name_is_written_as_built(name: str) -> None:
    from bulletin_press.mail.compose import pdf_part

    msg = EmailMessage(policy=policy.SMTP)
    msg.set_content("x")
    msg.make_mixed()
    msg.attach(pdf_part(b"%PDF-1.7\n", name))
    raw = msg.as_bytes()
    assert b"unknown-8bit" not in raw and b"UTF-8''" in raw and b'name="=?UTF-8?B?' in raw  # not refolded by Python
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78
    back = BytesParser(policy=policy.default).parsebytes(raw)
    (part,) = back.iter_attachments()
    assert part.get_filename() == name and part["Content-Type"].params["name"] == name


def test_message_bytes_are_the_message(composer: Composer, pdf: Path) -> None:
    # A name that looks like the stand-in for the PDF's body stays where it is.
    tricky = member(name=f"bulletin-press-pdf-{composer._stand_in[-32:]}")
    fast = composer.message_bytes(tricky)

    def normal(raw: bytes) -> bytes:  # boundaries are random, the Date is the clock's
        return re.sub(rb"=+\d+=+", b"BOUNDARY", re.sub(rb"\r\nDate: [^\r]*", b"", raw))

    assert normal(fast) == normal(composer.message(tricky).as_bytes())
    back = BytesParser(policy=policy.default).parsebytes(fast)
    (attachment,) = back.iter_attachments()
    assert attachment.get_content() == pdf.read_bytes() and attachment.get_filename() == PDF_NAME
    assert back["To"].addresses[0].display_name == tricky.name


ADDRESS_HEADERS = ("From", "To", "Reply-To", "Sender")
IDN = "xn--fsqu00a.xn--fiqs8s"  # 例子.中国 in A-labels


def header_fields(raw: bytes) -> dict[str, bytes]:
    """Each header field of the message's top as written (unfolded), by name."""
    head = raw.split(b"\r\n\r\n")[0]
    lines = head.split(b"\r\n")
    assert all(len(line) <= 78 for line in lines)  # RFC 5322: SHOULD 78, MUST 998
    assert all(line.strip() for line in lines) and not lines[0][:1].isspace()  # folded at white space only
    fields = re.sub(rb"\r\n[ \t]", b" ", head).split(b"\r\n")
    return {f.split(b":", 1)[0].decode("ascii"): f.split(b":", 1)[1] for f in fields}


def test_idn_addresses_as_a_strict_reader_parses_them(pdf: Path) -> None:
    """Issue 22: 张三 <zhangsan@例子.中国> was written `<zhangsan@=?utf-8?b?…?=>`, an encoded word
    inside the address (RFC 2047 §5 forbids it); the domain goes in A-labels, the name outside <…>."""
    settings = dataclasses.replace(SETTINGS, sender_address="news@例子.中国", reply_to="office@例子.中国")
    c = Composer(Project(ROOT), ISSUE, pdf, settings)
    raw = c.message_bytes(member("zhangsan@例子.中国", "张三"))
    assert raw.split(b"\r\n\r\n")[0].isascii()
    fields = header_fields(raw)
    assert fields["To"] == b" =?utf-8?b?5byg5LiJ?= <zhangsan@" + IDN.encode() + b">"
    back = BytesParser(policy=policy.strict).parsebytes(raw)  # raises on a message defect
    expected = {"From": ("环境资助者网络（CEGA）", "news@例子.中国"), "To": ("张三", "zhangsan@例子.中国"),
                "Reply-To": ("", "office@例子.中国")}
    registry = HeaderRegistry()
    for name in ADDRESS_HEADERS:
        if name not in expected:
            assert name not in back
            continue
        assert not re.search(rb"<[^>]*=\?", fields[name]), name  # no encoded word inside <…>
        for header in (back[name], registry(name, fields[name].decode("ascii").strip())):
            assert header.defects == (), (name, header.defects)
            (address,) = header.addresses
            assert address.addr_spec.isascii() and address.domain == IDN
            assert address.display_name == expected[name][0]
            assert f"{address.username}@{idna.decode(address.domain)}" == expected[name][1]
    assert back["Message-ID"].endswith(f"@{IDN}>")
    assert back["List-Unsubscribe"].strip() == f"<mailto:news@{IDN}?subject=%E9%80%80%E8%AE%A2>"


def test_idna_2008_not_2003(pdf: Path) -> None:
    raw = Composer(Project(ROOT), ISSUE, pdf, SETTINGS).message_bytes(member("jorg@faß.de", "Jörg Faß"))
    (address,) = BytesParser(policy=policy.strict).parsebytes(raw)["To"].addresses
    assert address.addr_spec == "jorg@xn--fa-hia.de"  # Python's idna codec (2003) gives fass.de, someone else's
    assert address.display_name == "Jörg Faß"


@pytest.mark.parametrize("name", ["Chen, Anna", "陈, 安娜", '王"芳" <x@y>', "李四;王五", "Anna (x) 张",
                                  "陈安娜（Example Foundation）北京办公室主任，" * 4])
def test_display_names_decode_back(composer: Composer, name: str) -> None:
    raw = composer.message_bytes(member("zhangsan@例子.中国", name))
    fields = header_fields(raw)
    assert fields["To"].endswith(f" <zhangsan@{IDN}>".encode())
    header = BytesParser(policy=policy.strict).parsebytes(raw)["To"]
    assert header.defects == () and [a.addr_spec for a in header.addresses] == [f"zhangsan@{IDN}"]
    phrase = fields["To"].decode("ascii").rsplit(" <", 1)[0]
    # RFC 2047 §6.2: white space between two encoded words is dropped. Python's address parser keeps it
    # (a name longer than one word's 15 characters reads back '…办公 室主任'); decode_header follows the RFC.
    if len(name.encode()) <= 45:  # one encoded word or a quoted string: the address parser agrees
        assert header.addresses[0].display_name == name
    else:
        assert str(make_header(decode_header(phrase))).strip() == name


def test_a_non_ascii_local_part_is_refused_by_name_and_line(composer: Composer) -> None:
    with pytest.raises(BuildError) as e:
        composer.message_bytes(Member("用户@例子.中国", "张三", "", {}, 7))
    message = str(e.value.findings[0])
    assert message.startswith("members.csv:7:1: ") and "'用户@例子.中国' (line 7)" in message and "SMTPUTF8" in message


def test_a_long_unsubscribe_link_stays_a_link(pdf: Path) -> None:
    url = "https://例子.中国/unsubscribe?list=bulletin&token=" + "0123456789abcdef" * 6
    raw = Composer(Project(ROOT), ISSUE, pdf, dataclasses.replace(SETTINGS, unsubscribe=url)).message_bytes(member())
    head = raw.split(b"\r\n\r\n")[0]
    (line,) = [line for line in head.split(b"\r\n") if line.startswith(b"List-Unsubscribe:")]
    assert line == b"List-Unsubscribe: <https://" + IDN.encode() + url.split("中国")[1].encode() + b">"
    assert 78 < len(line) <= 998  # one line: Python would have folded it into encoded words
    assert BytesParser(policy=policy.strict).parsebytes(raw)["List-Unsubscribe"] == line.split(b": ", 1)[1].decode()


def test_attachment_is_named_after_the_issue(composer: Composer) -> None:
    """Issue 22: the attachment was the build file's name, `…-screen.pdf`; members get the issue."""
    _, back = parsed(composer.message(member()))
    (part,) = back.iter_attachments()
    assert part.get_filename() == "环境资助者网络简报-2023年第十一期.pdf"
    assert composer.attachment.name == part.get_filename()  # what the message's text names
    assert part["Content-Disposition"].params["filename"] == part.get_filename()  # from filename*, RFC 2231
