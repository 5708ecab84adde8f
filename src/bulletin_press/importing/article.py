"""A source's HTML becomes an article block: title, date or source line, paragraphs with their bold,
emphasis and links in the inline markup, photos and rows of photos with captions, tables, lists,
footnotes and credits — and an account of what was left out, each with its place in the source."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bs4 import BeautifulSoup, NavigableString, Tag

from .insert import Row
from .sources import Picture, Source

BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "blockquote", "figure", "pre", "hr"}
CAPTION = re.compile(r"^\s*(图|圖|Figure|Fig\.?|Photo|照片)\s*[\d一二三四五六七八九十]*|^\s*图[：:]", re.I)
TABLE_CAPTION = re.compile(r"^\s*(表|Table)\s*[\d一二三四五六七八九十]+", re.I)
CREDIT = re.compile(r"^\s*(文字|撰文|作者|文|编辑|责编|责任编辑|图片|摄影|图|排版|审核|审校|校对|统筹|供稿|翻译|视频|设计)\s*[：:|｜丨/]\s*(\S.*?)\s*$")
DATE = re.compile(r"\d{4}\s*[年./-]\s*\d{1,2}\s*[月./-]\s*\d{1,2}")
SOURCE_LINE = re.compile(r"^\s*(来源|來源|作者|供稿|发布|发布时间|时间)\s*[：:]")
# WeChat's own furniture inside an article: follow prompts, QR codes, "read the original".
FURNITURE = re.compile(r"微信扫一扫|扫码关注|扫描二维码|长按(识别|扫描)?二维码|长按关注|识别二维码|点击(上方)?蓝字|关注我们|"
                       r"点击(上方|下方)|阅读原文|点个?[赞在看]|分享.{0,4}朋友圈|星标")
MAX_ROW = 4  # the most photos a photo_row holds (docs/issue-format.md)


@dataclass
class Draft:
    """The article as YAML data, the pictures it places (picture number → file name under photos/),
    what it holds (by kind) and what was left out or changed, each with its place in the source."""

    article: dict[str, Any]
    photos: dict[int, str] = field(default_factory=dict)
    counts: Counter = field(default_factory=Counter)
    dropped: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)


def convert(source: Source, names: dict[int, str]) -> Draft:
    """The article of `source`; `names`: the file (under photos/) each printable picture is saved as."""
    return _Converter(source, names).run()


class _Converter:
    def __init__(self, source: Source, names: dict[int, str]) -> None:
        self.source, self.names = source, names
        self.body: list[dict[str, Any]] = []
        self.draft = Draft({"type": "article"})
        self.places: Counter = Counter()  # paragraphs, tables, lists … seen so far: "paragraph 12"
        self.pending_photos: list[dict[str, Any]] = []
        self.pending_numbers: list[tuple[int, dict[str, Any]]] = []  # the pending photos' picture numbers
        self.after_prompt = False  # the block before was a follow prompt: a picture right after it is its QR code
        self.credits: list[dict[str, str]] = []
        self.notes: list[dict[str, str]] = []
        self.title = source.title
        self.meta = ""
        self.last_photo: dict[str, Any] | None = None
        self.table_caption = ""

    # -- the walk ------------------------------------------------------------------------------

    def run(self) -> Draft:
        page = BeautifulSoup(self.source.html, "lxml")
        root = page.body or page
        self._footnotes(root)
        for element in self._blocks(root):
            self._block(element)
        self._flush_photos()
        article = self.draft.article
        if not self.title:
            self.title = "（无标题）"
            self.draft.changed.append("the source has no title (no Title or Heading style, no bold first line); "
                                      "the article is titled （无标题） — type its title in issue.yaml")
        article["title"] = self.title
        if self.meta:
            article["meta"] = self.meta
        published = _published(self.source.published)
        if published:
            article["published"] = published
        if self.source.account:
            article["source"] = self.source.account
        body = self.body + [{"type": "note", "text": n["text"]} for n in self.notes]
        if self.credits:
            body.append({"type": "credits", "items": self.credits})
            self.draft.counts["credit lines"] += len(self.credits)
        self.draft.counts["footnotes"] += len(self.notes)
        article["body"] = body or ["（正文为空）"]
        return self.draft

    def _blocks(self, element: Tag) -> list[Tag]:
        """The block-level elements in reading order: WeChat wraps paragraphs in <section>s, and puts
        text straight into a <section> without a <p>; such a section reads as one paragraph."""
        found: list[Tag] = []
        for child in element.children:
            if isinstance(child, Tag):
                if child.name in BLOCKS or child.name == "img":
                    found.append(child)
                elif any(isinstance(d, Tag) and (d.name in BLOCKS) for d in child.descendants):
                    found.extend(self._blocks(child))
                elif child.get_text(strip=True) or child.find("img"):
                    found.append(child)
            elif isinstance(child, NavigableString) and child.strip() and element.name not in ("body", "[document]", "html"):
                pass  # loose text beside blocks in a wrapper: read with its wrapper by the caller
        return found

    def _block(self, element: Tag) -> None:
        name = element.name
        if name == "table":
            self.places["table"] += 1
            return self._table(element)
        if name in ("ul", "ol"):
            self.places["list"] += 1
            return self._list(element)
        if name == "hr":
            return
        heading = name in ("h1", "h2", "h3", "h4", "h5", "h6")
        self.places["paragraph"] += 1
        where = f"paragraph {self.places['paragraph']}"
        pictures = [int(i["data-picture"]) for i in ([element] if name == "img" else element.find_all("img")) if i.get("data-picture")]
        text = self._inline(element).strip()
        plain = _plain(text)
        if FURNITURE.search(plain) and len(plain) < 80:
            self.draft.dropped.append(f"{where} '{_short(plain)}': WeChat's follow or share prompt, not the article's")
            # The pictures beside it (just before it, in it, just after it) are its QR code or button.
            beside = [n for n, _ in self.pending_numbers] + pictures
            for number in beside:
                self.draft.photos.pop(number, None)  # not saved under photos/ either
            self.pending_photos, self.pending_numbers, self.last_photo = [], [], None
            for number in beside:
                self.draft.dropped.append(f"picture {number}: beside the prompt (a QR code or a follow button)")
            self.after_prompt = True
            return
        if self.after_prompt and pictures and not plain:
            for number in pictures:
                self.draft.dropped.append(f"picture {number}: after a follow prompt (a QR code or a follow button)")
            return
        self.after_prompt = False
        for number in pictures:
            self._picture(number)
        if not plain:
            return  # an empty paragraph (a blank line typed for space), or one holding only pictures
        if "caption" in (element.get("class") or []) or (self.last_photo is not None and self._is_caption(element, plain)):
            if self.last_photo is not None and "caption" not in self.last_photo:
                self.last_photo["caption"] = text
                self.draft.counts["captions"] += 1
                self._flush_photos()  # a caption ends its picture or row: the next picture starts another
                return
        self._flush_photos()
        if heading and not self.title and not self.body:
            self.title = plain
            return
        if not self.title and not self.body and _all_bold(element, plain):
            self.title = plain  # a bold first line is the title
            return
        if not self.body and not self.meta and len(plain) <= 60 and (DATE.search(plain) or SOURCE_LINE.match(plain)) \
                and not self.source.account:
            self.meta = plain
            return
        if credit := CREDIT.match(plain):
            self.credits.append({"role": credit[1], "name": credit[2]})
            return
        if TABLE_CAPTION.match(plain) and len(plain) <= 60 and _next_is_table(element):
            self.table_caption = plain
            return
        if heading:
            text = f"**{_strip_marks(text)}**"  # a subheading inside the article: a bold line of its own
            self.draft.changed.append(f"{where} '{_short(plain)}': a heading inside the article, set as a bold paragraph")
        self.body.append({"type": "paragraph", "text": text})
        self.draft.counts["paragraphs"] += 1

    def _is_caption(self, element: Tag, plain: str) -> bool:
        if CAPTION.match(plain) and len(plain) <= 80:
            return True
        style = " ".join(str(t.get("style", "")) for t in [element, *element.find_all(True)]).replace(" ", "").lower()
        small = re.search(r"font-size:(1[0-4]|[0-9])px", style) is not None
        centred = "text-align:center" in style
        return len(plain) <= 60 and centred and (small or "color:" in style)  # WeChat: small centred grey text under a picture

    # -- pictures ------------------------------------------------------------------------------

    def _picture(self, number: int) -> None:
        picture: Picture = self.source.pictures[number]
        if picture.refused or number not in self.names:
            self.draft.dropped.append(f"picture {number}: {picture.refused or 'not saved'}")
            return
        photo: dict[str, Any] = {"src": f"photos/{self.names[number]}"}
        if picture.alt:
            photo["alt"] = picture.alt
        self.pending_photos.append(photo)
        self.pending_numbers.append((number, photo))
        self.last_photo = photo
        self.draft.photos[number] = self.names[number]

    def _flush_photos(self) -> None:
        photos, self.pending_photos, self.pending_numbers = self.pending_photos, [], []
        rows = _rows(len(photos))
        at = 0
        for size in rows:
            group = photos[at:at + size]
            at += size
            if size == 1:
                self.body.append({"type": "photo", **group[0]})
            else:
                self.body.append({"type": "photo_row", "photos": group})
                self.draft.counts["photo rows"] += 1
        self.draft.counts["photos"] += len(photos)
        if not self.pending_photos:
            self.last_photo = None

    # -- tables, lists, footnotes --------------------------------------------------------------

    def _table(self, table: Tag) -> None:
        self._flush_photos()
        where = f"table {self.places['table']}"
        grid, merged = _grid(table, self._inline)
        caption, self.table_caption = self.table_caption, ""
        width = max((len(r) for r in grid), default=0)
        if len(grid) < 2 or width < 2:  # a table used to lay text out: its cells read as paragraphs
            for cell in (c for row in grid for c in row if _plain(c)):
                self.body.append({"type": "paragraph", "text": cell})
                self.draft.counts["paragraphs"] += 1
            self.draft.changed.append(f"{where}: one row or one column, a frame for text; its cells set as paragraphs")
            return
        grid = [row + [""] * (width - len(row)) for row in grid]
        block: dict[str, Any] = {"type": "table"}
        if caption:
            block["caption"] = caption
        block["header"] = Row(grid[0])
        first_column_only = merged and all(col == 0 for _, col, rows, cols in merged if rows > 1 or cols > 1) \
            and all(cols == 1 for *_, cols in merged)
        if first_column_only:  # a label spanning its rows: the table block's groups
            groups: list[dict[str, Any]] = []
            for row in grid[1:]:
                if row[0] or not groups:
                    groups.append({"label": row[0], "rows": []})
                groups[-1]["rows"].append(Row(row[1:]))
            block["groups"] = groups
            self.draft.changed.append(f"{where}: the first column's merged cells set as groups, each label over its rows")
        else:
            block["rows"] = [Row(r) for r in grid[1:]]
            for row, col, rows, cols in merged:
                self.draft.changed.append(f"{where}: the merged cell at row {row + 1}, column {col + 1} "
                                          f"({rows} row{'s' if rows > 1 else ''} × {cols} column{'s' if cols > 1 else ''}) "
                                          "is split; its text stands in the first cell, the others are empty")
        self.body.append(block)
        self.draft.counts["tables"] += 1

    def _list(self, element: Tag) -> None:
        self._flush_photos()
        items = [self._inline(li, skip_lists=True).strip() for li in element.find_all("li")]
        items = [i for i in items if _plain(i)]
        if items:
            block: dict[str, Any] = {"type": "list", "items": items}
            if element.name == "ol":
                block["ordered"] = True
            self.body.append(block)
            self.draft.counts["lists"] += 1

    def _footnotes(self, root: Tag) -> None:
        """mammoth's footnotes and endnotes (<li id="footnote-1">), taken out of the flow into notes."""
        for li in root.select('li[id^="footnote-"], li[id^="endnote-"]'):
            number = li["id"].split("-")[-1]
            for back in li.select('a[href^="#footnote-ref-"], a[href^="#endnote-ref-"]'):
                back.decompose()
            self.notes.append({"text": f"\\[{number}\\] {self._inline(li).strip()}"})
            parent = li.parent
            li.decompose()
            if parent is not None and not parent.find("li"):
                parent.decompose()

    # -- inline --------------------------------------------------------------------------------

    def _inline(self, element: Tag, skip_lists: bool = False) -> str:
        out: list[str] = []
        for child in element.children:
            if isinstance(child, NavigableString):
                if type(child) is NavigableString:  # not a comment or CDATA
                    out.append(_escape(str(child)))
                continue
            name = child.name
            if name == "br":
                out.append("\n")
            elif name in ("img", "script", "style") or (skip_lists and name in ("ul", "ol")):
                continue
            elif name in ("strong", "b") or _bold_style(child):
                out.append(_mark("**", self._inline(child, skip_lists)))
            elif name in ("em", "i"):
                out.append(_mark("*", self._inline(child, skip_lists)))
            elif name == "a":
                out.append(self._link(child, skip_lists))
            elif name in ("p", "div", "section", "li") and out and not out[-1].endswith("\n"):
                out.append("\n" + self._inline(child, skip_lists))  # a block inside a cell or item: its own line
            else:
                out.append(self._inline(child, skip_lists))
        return _tidy("".join(out))

    def _link(self, a: Tag, skip_lists: bool) -> str:
        href = str(a.get("href") or "")
        inner = self._inline(a, skip_lists)
        if href.startswith(("#footnote-", "#endnote-")):
            return "\\[" + _plain(inner).strip("[]") + "\\]"
        if not href.startswith(("http://", "https://", "mailto:")) or not _plain(inner):
            return inner
        return f"[{inner.strip()}]({href.replace(' ', '%20').replace('(', '%28').replace(')', '%29')})"


def _grid(table: Tag, inline: Any) -> tuple[list[list[str]], list[tuple[int, int, int, int]]]:
    """The table's cells on a grid, a merged cell's text in its first place; the merged cells as
    (row, column, rows, columns)."""
    grid: dict[tuple[int, int], str] = {}
    merged: list[tuple[int, int, int, int]] = []
    rows = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
    for r, tr in enumerate(rows):
        c = 0
        for cell in tr.find_all(["td", "th"], recursive=False):
            while (r, c) in grid:
                c += 1
            span_r, span_c = int(cell.get("rowspan", 1) or 1), int(cell.get("colspan", 1) or 1)
            if span_r > 1 or span_c > 1:
                merged.append((r, c, span_r, span_c))
            for dr in range(span_r):
                for dc in range(span_c):
                    grid[(r + dr, c + dc)] = inline(cell).strip() if (dr, dc) == (0, 0) else ""
            c += span_c
    height = max((r for r, _ in grid), default=-1) + 1
    width = max((c for _, c in grid), default=-1) + 1
    return [[grid.get((r, c), "") for c in range(width)] for r in range(height)], merged


def _rows(count: int) -> list[int]:
    """Consecutive photos in rows of at most MAX_ROW, as even as they go: 5 → 3 + 2, 7 → 4 + 3."""
    if count <= MAX_ROW:
        return [count] if count else []
    rows = -(-count // MAX_ROW)
    return [count // rows + (1 if i < count % rows else 0) for i in range(rows)]


def _escape(text: str) -> str:
    return re.sub(r"([\\*\[\]])", r"\\\1", text)


def _plain(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text.replace("**", "").replace("*", "")).strip(" \t\n\u3000\u00a0")


def _strip_marks(text: str) -> str:
    return text.replace("**", "")


def _mark(mark: str, inner: str) -> str:
    """A mark around text, its spaces outside it (a mark opens before a non-space and closes after one)."""
    core = inner.strip(" \u00a0\u3000\n")
    if not core or core.replace("*", "") == "":
        return inner
    if core.startswith(mark) and core.endswith(mark):
        return inner  # already marked (bold inside bold)
    start = inner.index(core)
    return f"{inner[:start]}{mark}{core}{mark}{inner[start + len(core):]}"


def _tidy(text: str) -> str:
    """Spacing as typed text has it: runs of spaces one, none at line ends, no first-line indent
    (the layout indents), no space around a line break."""
    text = re.sub(r"[ \t\r\f\v\u00a0]+", " ", text.replace("\u200b", ""))
    text = re.sub(r" *\n[ \u3000]*", "\n", text)
    text = re.sub(r"\n{2,}", "\n", text)
    return text.strip(" \n\u3000")


def _bold_style(tag: Tag) -> bool:
    style = str(tag.get("style", "")).replace(" ", "").lower()
    return "font-weight:bold" in style or "font-weight:700" in style


def _all_bold(element: Tag, plain: str) -> bool:
    bold = "".join(t.get_text() for t in element.find_all(["strong", "b"])) + "".join(
        t.get_text() for t in element.find_all(style=True) if _bold_style(t))
    return len(plain) <= 80 and bold.strip() == plain


def _next_is_table(element: Tag) -> bool:
    following = element.find_next_sibling()
    return following is not None and (following.name == "table" or following.find("table") is not None)


def _published(raw: str) -> str:
    """A WeChat publish time as the article's `published` (YYYY-MM-DD HH:MM), '' when it cannot be read."""
    found = re.search(r"(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})(?:\D*?(\d{1,2}):(\d{2}))?", raw or "")
    if not found:
        return ""
    year, month, day, hour, minute = (int(x) if x else 0 for x in found.groups())
    try:
        return dt.datetime(year, month, day, hour, minute).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return ""


def _short(text: str) -> str:
    return text if len(text) <= 24 else text[:24] + "…"
