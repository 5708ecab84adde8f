"""Reading what a member sent: a Word file (.docx) through mammoth, a saved WeChat article (.html with
its folder, or .mhtml); files the importer cannot read are refused with what to do."""

from __future__ import annotations

import email
import email.policy
import re
import zipfile
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..diagnostics import BuildError, Finding, Pos

# Word's picture types the engine prints, by MIME type: the file extension they are saved under.
PRINTABLE = {"image/jpeg": ".jpg", "image/jpg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp",
             "image/tiff": ".tif", "image/bmp": ".bmp", "image/svg+xml": ".svg"}
DRAWINGS = {"image/x-emf": "EMF", "image/emf": "EMF", "image/x-wmf": "WMF", "image/wmf": "WMF"}

# Word styles (English names, and the Chinese names WPS and a Chinese Word give them) → mammoth's HTML.
STYLE_MAP = "\n".join([
    *(f"p[style-name='{name}'] => h1.title:fresh" for name in ("Title", "标题")),
    *(f"p[style-name='{name}'] => p.subtitle:fresh" for name in ("Subtitle", "副标题")),
    *(f"p[style-name='{name}'] => p.caption:fresh" for name in ("Caption", "题注")),
    *(f"p[style-name='标题 {n}'] => h{n}:fresh" for n in range(1, 7)),
])


@dataclass
class Picture:
    """A picture of the source, in reading order: its bytes and extension, or why it cannot be printed."""

    number: int  # 1-based, in the order the source shows them ("picture 3")
    data: bytes = b""
    ext: str = ""
    alt: str = ""
    refused: str = ""  # why it is left out (a Word drawing, a missing file)


@dataclass
class Source:
    """A source as HTML whose <img> carry `data-picture` (the number of a Picture), with what the
    source says of itself outside its body (a WeChat page's title, account and time)."""

    path: Path
    kind: str  # "Word file" or "WeChat article"
    html: str
    pictures: dict[int, Picture] = field(default_factory=dict)
    title: str = ""
    account: str = ""
    published: str = ""
    messages: list[str] = field(default_factory=list)  # the converter's own remarks


def refuse(path: Path, message: str) -> BuildError:
    return BuildError([Finding(Pos(str(path)), message)])


def read(path: Path) -> Source:
    """The source at `path`, by what the file is (its first bytes), not only its name."""
    if not path.exists():
        raise refuse(path, "no such file; expected a .docx Word file or a saved WeChat article (.html or .mhtml)")
    if path.is_dir():
        if path.suffix.lower() == ".pages":
            raise refuse(path, _PAGES)
        raise refuse(path, "is a folder; expected a .docx Word file or a saved WeChat article (.html or .mhtml)")
    head = path.read_bytes()[:8]
    suffix = path.suffix.lower()
    if head.startswith(b"%PDF"):
        raise refuse(path, "is a PDF; the text and pictures of a PDF cannot be imported as an article — ask the member "
                           "for the Word file it was made from (.docx), or copy its text into issue.yaml")
    if head.startswith(b"\xd0\xcf\x11\xe0"):  # an OLE compound file: Word 97–2003, or an encrypted .docx
        if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k\x00a\x00g\x00e" in path.read_bytes():
            raise refuse(path, "is a Word file protected with a password; expected an unprotected .docx — open it in Word "
                               "or WPS, remove the password (File → Info → Protect Document), save, and import again")
        raise refuse(path, "is a Word 97–2003 document (.doc); expected a .docx — open it in Word or WPS and save it "
                           "as \"Word Document (*.docx)\", then import that file")
    if head.startswith(b"PK"):
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
        if "word/document.xml" in names:
            return _docx(path)
        if any(n.startswith("Index/") for n in names) or suffix == ".pages":
            raise refuse(path, _PAGES)
        raise refuse(path, "is a ZIP archive but not a Word document; expected a .docx Word file")
    if suffix in (".mhtml", ".mht"):
        return _wechat_mhtml(path)
    if suffix in (".html", ".htm"):
        return _wechat_html(path)
    raise refuse(path, f"is not a file the importer reads ({suffix or 'no extension'}); expected a .docx Word file or "
                       "a WeChat article saved from the browser as \"Web page, complete\" (.html) or as .mhtml")


_PAGES = ("is an Apple Pages document; expected a .docx — in Pages choose File → Export To → Word…, "
          "then import that file")


def _docx(path: Path) -> Source:
    import mammoth

    pictures: dict[int, Picture] = {}

    def picture(image: object) -> dict[str, str]:
        number = len(pictures) + 1
        kind = (image.content_type or "").lower()  # type: ignore[attr-defined]
        alt = (getattr(image, "alt_text", None) or "").strip()
        if kind in PRINTABLE:
            with image.open() as stream:  # type: ignore[attr-defined]
                pictures[number] = Picture(number, stream.read(), PRINTABLE[kind], alt)
        else:
            what = DRAWINGS.get(kind)
            pictures[number] = Picture(number, alt=alt, refused=(
                f"a Windows drawing ({what}) the engine cannot print; left out — in Word, copy it and paste it back "
                "with Paste Special → Picture (PNG), or ask the member for the picture" if what else
                f"of a type the engine cannot print ({kind or 'unknown'}); left out — ask the member for it as JPEG or PNG"))
        return {"data-picture": str(number), "src": ""}

    with path.open("rb") as stream:
        result = mammoth.convert_to_html(stream, style_map=STYLE_MAP, convert_image=mammoth.images.img_element(picture))
    messages = [m.message for m in result.messages if "style" not in m.message.lower()]  # unmapped styles are expected
    return Source(path, "Word file", result.value, pictures, messages=messages)


def _wechat_html(path: Path) -> Source:
    text = path.read_bytes().decode("utf-8", "replace")
    def find(src: str) -> bytes | None:
        candidates = [path.parent / unquote(urlsplit(src).path)] if src and not src.startswith(("http:", "https:", "data:")) else []
        name = Path(unquote(urlsplit(src).path)).name if src else ""
        for folder in path.parent.glob(f"{path.stem}*_files"):  # "web page, complete" puts them here
            candidates += [folder / name] if name else []
        return next((c.read_bytes() for c in candidates if c.is_file()), None)
    return _wechat(path, text, find)


def _wechat_mhtml(path: Path) -> Source:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    parts = [p for p in message.walk() if not p.is_multipart()]
    html_part = next((p for p in parts if p.get_content_type() == "text/html"), None)
    if html_part is None:
        raise refuse(path, "holds no web page; expected a WeChat article saved as .mhtml")
    by_location = {str(p.get("Content-Location", "")): p for p in parts}

    def find(src: str) -> bytes | None:
        part: Message | None = by_location.get(src)
        if part is None and src:  # the same picture asked for with other parameters
            stem = src.split("?")[0]
            part = next((p for loc, p in by_location.items() if loc.split("?")[0] == stem), None)
        return part.get_content() if part is not None and part.get_content_maintype() == "image" else None

    return _wechat(path, html_part.get_content(), find)


def _wechat(path: Path, text: str, find: object) -> Source:
    from bs4 import BeautifulSoup

    page = BeautifulSoup(text, "lxml")
    body = page.select_one("#js_content")
    if body is None:
        raise refuse(path, "is a web page but not a WeChat article (no #js_content); expected the article saved from "
                           "the browser as \"Web page, complete\" or .mhtml")
    def text_of(selector: str) -> str:
        found = page.select_one(selector)
        return re.sub(r"\s+", " ", found.get_text(" ")).strip() if found else ""
    pictures: dict[int, Picture] = {}
    for img in body.find_all("img"):
        number = len(pictures) + 1
        src, lazy = img.get("src") or "", img.get("data-src") or ""
        data = find(src) or find(lazy)  # type: ignore[operator]
        alt = (img.get("alt") or img.get("data-alt") or "").strip()
        if data is None:
            pictures[number] = Picture(number, alt=alt, refused=f"not found beside the page ({Path(urlsplit(src or lazy).path).name or 'no name'}); "
                                       "left out — save the article again as \"Web page, complete\", which keeps its pictures")
        else:
            pictures[number] = Picture(number, data, _sniff_ext(data, img.get("data-type") or ""), alt)
        img.attrs = {"data-picture": str(number)}
    published = text_of("#publish_time") or _script_time(text)
    return Source(path, "WeChat article", str(body), pictures, title=text_of("#activity-name"), account=text_of("#js_name"),
                  published=published)


def _script_time(text: str) -> str:
    """A saved page whose time the browser had not yet written: the page's script holds it (ct = "1700474400")."""
    found = re.search(r'\bct\s*=\s*"(\d{10})"', text)
    if not found:
        return ""
    import datetime as dt

    return dt.datetime.fromtimestamp(int(found[1]), dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M")


def _sniff_ext(data: bytes, declared: str) -> str:
    if data.startswith(b"\xff\xd8"):
        return ".jpg"
    if data.startswith(b"\x89PNG"):
        return ".png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return ".gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    if b"<svg" in data[:1000]:
        return ".svg"
    return "." + (declared.lower() or "jpg").replace("jpeg", "jpg")
