"""One e-mail per member: the layout's email/ templates, the issue's contents and the PDF attached."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import secrets
import urllib.parse
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import jinja2
import tinycss2

from ..build import safe_filename
from ..cjk import numerals
from ..content.blocks import About, Article, EditorsNote, FeaturedNgo, Paragraph
from ..content.model import Issue
from ..diagnostics import BuildError, Finding, Pos, relpath
from ..project import Project
from ..templates import Layout, environment, find_layout
from ..typeset import plain_text
from .members import Member, ascii_address, ascii_domain
from .settings import MailSettings

TEMPLATES = ("email/message.html", "email/message.txt", "email/subject.txt")
TEASER_LENGTH = 120  # characters of the editor's note shown in the message
# Colours a layout's stylesheets set in :root, handed to the templates (inline styles: mail
# clients drop <style>); only plain hex colours are taken, anything else keeps base's.
COLOURS = {"accent": "#1F7A4D", "accent-light": "#8CC63F", "text": "#222222", "muted": "#666666",
           "hairline": "#C9D8CF", "fill": "#E8F2EC"}
HEX = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\u00ad"))  # break hints plain_text may keep: nothing to a mail reader
ATTRIBUTE_CHARS = "!#$&+-.^_`|~"  # RFC 2231 attribute-chars besides letters and digits: kept as typed
SENTENCE_END, CLAUSE_END = "。！？!?", "；，、：;,"
OPENERS, CLOSERS = "（《“‘「『【(", "）》”’」』】)"


@dataclass(frozen=True)
class Entry:
    """A section of the contents: its title and the titles of its articles."""

    title: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class Attachment:
    name: str
    size: str  # 830 KB, 1.4 MB


class Composer:
    """One issue's messages: templates, the PDF bytes and its name read once; a message per member."""

    def __init__(self, project: Project, issue: Issue, pdf: Path, settings: MailSettings) -> None:
        self.settings = settings
        data = pdf.read_bytes()
        self.pdf_sha256 = hashlib.sha256(data).hexdigest()
        name = attachment_name(issue)
        self.attachment = Attachment(name, human_size(len(data)))
        # Encoded once and shared by every message (read-only): 1,000 members cost one base64 copy.
        self._pdf_part = pdf_part(data, name)
        # message_bytes() writes a stand-in for the PDF's body and puts these bytes in its place.
        self._stand_in = f"bulletin-press-pdf-{secrets.token_hex(16)}"  # '-' is no base64 letter
        self._stand_in_part = pdf_part(b"", name, body=self._stand_in)
        self._pdf_body = base64.encodebytes(data).replace(b"\n", b"\r\n")
        del data
        layout = find_layout(project.layouts, issue.layout, issue.pos)
        env = environment(layout)
        env.autoescape = jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False)
        self._html, self._text, subject = (_compile(env, name) for name in TEMPLATES)
        self._subject = _compile_string(env, settings.subject) if settings.subject else subject
        self._from = mailbox(settings.sender_name, settings.sender_address, Pos("mail.yaml"), "sender.address")
        self._reply_to = mailbox("", settings.reply_to, Pos("mail.yaml"), "reply_to") if settings.reply_to else None
        self._domain = self._from.domain
        note = next((s for s in issue.sections if isinstance(s, EditorsNote)), None)
        edition = numerals.edition(issue.year, issue.number, issue.date)
        self.unsubscribe = unsubscribe_url(settings)
        self._context: dict[str, Any] = {
            "issue": issue, "publication": issue.publication, "edition": edition,
            "note_title": clean(note.title) if note else "", "teaser": teaser(editors_note(issue)),
            "contents": contents(issue), "attachment": self.attachment, "colours": layout_colours(layout),
            "sender": {"name": settings.sender_name, "address": settings.sender_address,
                       "reply": settings.reply_to or settings.sender_address},
            "publisher": clean(issue.publication.publisher),
            "publisher_en": clean(issue.publication.publisher_en) if issue.publication.publisher_en else "",
            "unsubscribe": self.unsubscribe,
        }

    def message_id(self, member: Member) -> str:
        """This member's Message-ID for this PDF (the journal records it before the message goes)."""
        return message_id(self._context["issue"].id, member.key, self.pdf_sha256, self._domain)

    def message(self, member: Member) -> EmailMessage:
        return self._message(member, self._pdf_part)

    def message_bytes(self, member: Member) -> bytes:
        """The bytes of message(member).as_bytes() (boundaries aside), ten times faster: the email
        package writes the PDF's 2 MB of base64 line by line (75 ms a message for 2023-11, 7 ms here)."""
        raw = self._message(member, self._stand_in_part).as_bytes()
        at = raw.rindex(self._stand_in.encode("ascii"))  # the last part is the PDF, after any member text
        return b"".join((raw[:at], self._pdf_body, raw[at + len(self._stand_in):]))

    def _message(self, member: Member, attachment: EmailMessage) -> EmailMessage:
        context = {**self._context, "member": member, "name": member.name, "organisation": member.organisation}
        subject = " ".join(_render(self._subject, context, member).split())  # one line whatever the template
        msg = EmailMessage(policy=policy.SMTP)
        msg["From"] = self._from
        # members.csv refuses such an address when read (with its line); this is the last guard.
        where = (Pos("members.csv", member.line, 1), f"line {member.line}") if member.line else (Pos("--test-to"), "--test-to")
        msg["To"] = mailbox(member.name, member.email, *where)
        if self._reply_to:
            msg["Reply-To"] = self._reply_to
        msg["Subject"] = subject
        msg["Date"] = format_datetime(dt.datetime.now().astimezone())
        msg["Message-ID"] = self.message_id(member)
        msg["List-Unsubscribe"] = Verbatim("List-Unsubscribe", f"<{self.unsubscribe}>")
        if self.unsubscribe.startswith("https:"):  # RFC 8058 one-click, for an https address only
            msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        context["subject"] = subject
        # base64 for the text parts: Chinese is a third larger, not three times as in quoted-printable,
        # and no soft line break can fall inside a character; 8bit would need the server's 8BITMIME.
        msg.set_content(_render(self._text, context, member), subtype="plain", charset="utf-8", cte="base64")
        msg.add_alternative(_render(self._html, context, member), subtype="html", charset="utf-8", cte="base64")
        msg.make_mixed()
        msg.attach(attachment)
        return msg


def message_id(issue_id: str, member_key: str, pdf_sha256: str, domain: str) -> str:
    """A stable Message-ID: the same (issue, member, PDF) gives the same id, e.g. <hash@domain>."""
    digest = hashlib.sha256("\0".join((issue_id, member_key, pdf_sha256)).encode("utf-8")).hexdigest()[:32]
    try:
        host = ascii_domain(domain)  # a Message-ID is ASCII: an IDN domain in its A-label form
    except UnicodeError:
        host = "bulletin-press.invalid"
    return f"<{digest}@{host}>"


def mailbox(name: str, address: str, pos: Pos, where: str) -> Address:
    """An address for From, To or Reply-To as every reader parses it: the domain in A-labels
    (zhangsan@xn--fsqu00a.xn--fiqs8s) and the name as RFC 2047 encoded words before the <…>.

    Given a Unicode domain, Python writes encoded words inside the <…> (RFC 2047 section 5 forbids
    them there; strict readers drop the address). A local part that is not ASCII (用户@例子.中国)
    has no such form: only SMTPUTF8 with UTF-8 headers (RFC 6531/6532) carries it, which many
    servers lack, so it is refused here as members.csv and mail.yaml refuse it when read.
    """
    local = address.rpartition("@")[0]
    if not local.isascii():
        raise BuildError([Finding(pos, f"cannot write '{address}' ({where}) in a mail header: the name "
                                  "before the @ is not ASCII, which needs SMTPUTF8; expected an ASCII name before the @")])
    try:
        return Address(display_name=name, addr_spec=ascii_address(address))
    except UnicodeError as e:
        raise BuildError([Finding(pos, f"cannot write '{address}' ({where}) in a mail header: "
                                  f"the domain is no internationalised domain name (IDNA 2008): {e}")]) from None


class Verbatim(str):
    """A header written as it is: `<URL>` on the line after the name when it fits in 78 characters,
    else on one longer line (RFC 5322 allows 998). Python folds a longer one into encoded words,
    which no mail client turns back into a link."""

    def __new__(cls, name: str, value: str) -> Verbatim:
        self = super().__new__(cls, value)
        self.name = name  # the email package's header protocol: a value with .name and .fold() is kept
        return self

    def fold(self, *, policy: policy.Policy) -> str:
        one_line = f"{self.name}: {self}"
        if len(one_line) > policy.max_line_length and len(self) + 1 <= policy.max_line_length:
            return f"{self.name}:{policy.linesep} {self}{policy.linesep}"
        return f"{one_line}{policy.linesep}"


def attachment_name(issue: Issue) -> str:
    """The PDF's name in the message: the issue's, as build/ names it less the profile word
    (环境资助者网络简报-2023年第十一期.pdf): members keep one issue, not a `-screen` variant."""
    edition = numerals.edition(issue.year, issue.number, issue.date)
    return safe_filename(f"{issue.publication.name}-{edition}.pdf")


def pdf_part(data: bytes, name: str, body: str | None = None) -> EmailMessage:
    """The PDF as an attachment whose Chinese name every client shows.

    RFC 2231 `filename*` on Content-Disposition (Apple Mail, Thunderbird, Outlook 2010+, QQ Mail,
    Gmail), and the RFC 2047 encoded word in Content-Type's `name` that older Outlook and Foxmail
    read. No plain ASCII `filename=` beside it: Python's email writes none (add_attachment gives
    `filename*` alone), and a reader that prefers `filename` to `filename*` would then show the
    ASCII stand-in, not the issue's name; a reader that skips `filename*` falls back on `name`. The
    headers are written out here and parsed, so that the generator keeps them as they are (lines
    under 78 characters are not refolded); Python's own writing gives no `name` at all.
    `body` replaces the encoded data (message_bytes' stand-in).
    """
    words = [f"=?UTF-8?B?{base64.b64encode(chunk.encode()).decode()}?=" for chunk in _chunks(name, 42)]
    name_lines = "\n ".join(words)
    pieces = _percent_chunks(name, 54)  # each line under 78 characters, or the generator refolds it its own way
    if len(pieces) == 1:
        disposition = f"attachment;\n filename*=UTF-8''{pieces[0]}"
    else:
        disposition = "attachment;" + ";".join(
            f"\n filename*{i}*={'UTF-8' + chr(39) * 2 if i == 0 else ''}{piece}" for i, piece in enumerate(pieces))
    body = base64.encodebytes(data).decode("ascii") if body is None else body
    raw = (f'Content-Type: application/pdf;\n name="{name_lines}"\n'
           f"Content-Disposition: {disposition}\n"
           f"Content-Transfer-Encoding: base64\n\n{body}")
    return BytesParser(_class=EmailMessage, policy=policy.SMTP).parsebytes(raw.encode("ascii"))


def _chunks(text: str, most: int) -> list[str]:
    """The text in pieces of at most `most` UTF-8 bytes, never splitting a character."""
    out, piece = [], ""
    for char in text:
        if piece and len((piece + char).encode()) > most:
            out.append(piece)
            piece = ""
        piece += char
    return [*out, piece] if piece else out or [""]


def _percent_chunks(name: str, most: int) -> list[str]:
    """The name percent-encoded in pieces of at most `most` characters, never splitting a character:
    RFC 2231 joins the pieces before decoding, but some readers decode each piece on its own."""
    out, piece = [], ""
    for char in name:
        token = urllib.parse.quote(char, safe=ATTRIBUTE_CHARS)
        if piece and len(piece) + len(token) > most:
            out.append(piece)
            piece = ""
        piece += token
    return [*out, piece]


def human_size(size: int) -> str:
    return f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"


def unsubscribe_url(settings: MailSettings) -> str:
    """The List-Unsubscribe address, percent-encoded (a header is ASCII): the setting, or a mail to the sender."""
    url = _ascii_hosts((settings.unsubscribe or f"mailto:{settings.sender_address}?subject=退订").strip())
    return urllib.parse.quote(url, safe=":/?#[]@!$&'()*+,;=%-._~")


def _ascii_hosts(url: str) -> str:
    """The URL with an IDN domain in A-labels (mailto:news@例子.中国 → mailto:news@xn--fsqu00a.xn--fiqs8s):
    RFC 6068 and browsers resolve those; a percent-encoded host is a name few clients look up."""
    parts = urllib.parse.urlsplit(url)
    try:
        if parts.scheme == "mailto":
            path = ",".join(ascii_address(a) if "@" in a else a for a in parts.path.split(","))
            return urllib.parse.urlunsplit(parts._replace(path=path))
        userinfo, at, hostport = parts.netloc.rpartition("@")
        host, colon, port = hostport.partition(":")
        return urllib.parse.urlunsplit(parts._replace(netloc=f"{userinfo}{at}{ascii_domain(host)}{colon}{port}"))
    except UnicodeError:  # left as typed: percent-encoded below
        return url


def clean(text: str) -> str:
    """A content text as a mail reader sees it: marks removed, CJK filters applied, no invisible hints."""
    return plain_text(text).translate(INVISIBLE)


def editors_note(issue: Issue) -> str:
    note = next((s for s in issue.sections if isinstance(s, EditorsNote)), None)
    if note is None:
        return ""
    return "".join(clean(b.text) for b in note.body if isinstance(b, Paragraph))


def teaser(text: str, limit: int = TEASER_LENGTH) -> str:
    """The first `limit` characters or fewer, cut after a sentence (else a clause) with …… for the rest.

    A cut never leaves a bracket or quotation open; without a boundary in reach, it cuts at the limit.
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[:limit]
    for marks, least in ((SENTENCE_END, limit // 2), (CLAUSE_END, limit // 4)):
        for at in range(len(head) - 1, least - 1, -1):
            if head[at] in marks and _balanced(head[:at]):
                return head[:at].rstrip() + "……"
    return head.rstrip() + "……"


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += (char in OPENERS) - (char in CLOSERS)
    return depth <= 0


def contents(issue: Issue) -> tuple[Entry, ...]:
    """Each section with its article titles, and the featured NGO with its name; not the editor's note
    (the teaser) nor the back page (the colophon)."""
    found = []
    for top in issue.sections:
        if isinstance(top, (EditorsNote, About)):
            continue
        if isinstance(top, FeaturedNgo):
            found.append(Entry(clean(top.title), (clean(top.name),)))
            continue
        body = getattr(top, "body", ())
        found.append(Entry(clean(getattr(top, "title", "")), tuple(clean(b.title) for b in body if isinstance(b, Article))))
    return tuple(e for e in found if e.title or e.items)


def layout_colours(layout: Layout) -> dict[str, str]:
    """The colours the layout's stylesheets set in :root (the most specific wins), base's otherwise."""
    colours = dict(COLOURS)
    for sheet in layout.stylesheets:  # least specific first
        rules = tinycss2.parse_stylesheet(sheet.read_text(encoding="utf-8"), skip_comments=True, skip_whitespace=True)
        for rule in rules:
            if rule.type != "qualified-rule" or tinycss2.serialize(rule.prelude).strip() != ":root":
                continue
            for decl in tinycss2.parse_declaration_list(rule.content, skip_comments=True, skip_whitespace=True):
                value = tinycss2.serialize(decl.value).strip() if decl.type == "declaration" else ""
                if decl.type == "declaration" and decl.name[2:] in COLOURS and HEX.fullmatch(value):
                    colours[decl.name[2:]] = value
    colours["accent_light"] = colours["accent-light"]  # reachable as colours.accent_light in a template
    return colours


def _compile(env: jinja2.Environment, name: str) -> jinja2.Template:
    try:
        return env.get_template(name)
    except jinja2.TemplateSyntaxError as e:
        raise BuildError([Finding(Pos(relpath(Path(e.filename or name)), e.lineno or 0), f"template error: {e.message}")]) from None
    except jinja2.TemplateNotFound:
        raise BuildError([Finding(Pos(name), f"no template {name} in the layout's chain; expected one in layouts/base/email/")]) from None


def _compile_string(env: jinja2.Environment, source: str) -> jinja2.Template:
    try:
        return env.from_string(source)
    except jinja2.TemplateSyntaxError as e:
        raise BuildError([Finding(Pos("mail.yaml"), f"subject template: {e.message}; expected Jinja such as "
                                  "'{{ publication.name }} {{ edition }}'")]) from None


def _render(template: jinja2.Template, context: dict[str, Any], member: Member) -> str:
    try:
        return template.render(context)
    except jinja2.TemplateError as e:
        where = Pos(relpath(Path(template.filename))) if template.filename else Pos("mail.yaml")
        raise BuildError([Finding(where, f"cannot write the message to {member.email} (line {member.line}): {e}")]) from None
