"""Files as members send them, made in the tests: Word files with python-docx (and, for what it cannot
write — a footnote, a Word drawing —, a few parts added to the package), and saved WeChat pages."""

from __future__ import annotations

import io
import re
import zipfile
from email.message import EmailMessage
from pathlib import Path

import docx
from docx.enum.text import WD_BREAK
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Pt
from PIL import Image

TITLE = "湿地守护者年会在洞庭湖召开"
DATE_LINE = "2023年11月17日　来源：洞庭湖湿地保护协会"
FIRST = "本次年会汇聚了来自全国的湿地保护工作者，共同回顾一年来的巡护与监测工作。"
BOLD = "候鸟种群数量"
SECOND = ("与会者认为，", BOLD, "连续三年回升，社区参与是关键。")
ITALIC = "生态补偿"
THIRD = "会议还讨论了"  # + ITALIC + THIRD_END
THIRD_END = "机制在湖区的试点经验。"
CAPTION = "图1 年会现场，志愿者展示巡护记录"
BULLETS = ("建立社区巡护队伍", "完善水鸟监测网络")
STEPS = ("制定年度计划", "开展季度评估")
TABLE = [["地区", "项目", "金额（元）"], ["湖南", "东洞庭湖巡护", "180,000.00"], ["", "西洞庭湖监测", "95,000.00"],
         ["湖北", "洪湖退田还湖", "125,000.00"]]
WIDE = [["项目", "负责人", "备注"], ["合并说明（跨两列）", "", "—"], ["湿地课堂", "王老师", "每月一次"]]
BREAK_LINES = ("联系地址：湖南省岳阳市", "联系电话：0730-1234567")
LINK_TEXT = "协会官网"
LINK_URL = "https://example.org/dongting"
SUBHEADING = "下一步工作"
LAST = "协会将继续与各方合作，守护一湖碧水。"
FOOTNOTE = "数据来自协会2023年冬季水鸟同步调查。"


def photo(path: Path, size: tuple[int, int], colour: tuple[int, int, int]) -> Path:
    Image.new("RGB", size, colour).save(path)
    return path


def word_file(folder: Path, name: str = "来稿.docx") -> Path:
    """A member's Word file: a Title, a date line, indented paragraphs with bold and italic runs, blank
    paragraphs, a picture with a Caption, two pictures in a row, lists, two tables (one with a label
    spanning rows, one with a cell spanning columns), a soft line break, a hyperlink, a subheading, a
    footnote."""
    d = docx.Document()
    d.add_heading(TITLE, level=0)
    d.add_paragraph(DATE_LINE)
    p = d.add_paragraph("　　" + FIRST)  # an indent typed with ideographic spaces
    p = d.add_paragraph()
    p.paragraph_format.first_line_indent = Pt(24)  # an indent set as a paragraph format
    p.add_run(SECOND[0])
    p.add_run(SECOND[1]).bold = True
    p.add_run(SECOND[2])
    _footnote_reference(p)
    d.add_paragraph("")
    d.add_paragraph("   ")
    p = d.add_paragraph(THIRD)
    p.add_run(ITALIC).italic = True
    p.add_run(THIRD_END)
    d.add_picture(str(photo(folder / "a.png", (1600, 1200), (40, 120, 70))), width=Inches(5))
    d.add_paragraph(CAPTION, style="Caption")
    d.add_picture(str(photo(folder / "b.png", (1200, 900), (90, 60, 140))), width=Inches(3))
    d.add_picture(str(photo(folder / "c.png", (1200, 900), (150, 110, 40))), width=Inches(3))
    for item in BULLETS:
        d.add_paragraph(item, style="List Bullet")
    for item in STEPS:
        d.add_paragraph(item, style="List Number")
    _table(d, TABLE).cell(1, 0).merge(d.tables[-1].cell(2, 0))
    _table(d, WIDE).cell(1, 0).merge(d.tables[-1].cell(1, 1))
    p = d.add_paragraph(BREAK_LINES[0])
    p.add_run().add_break(WD_BREAK.LINE)
    p.add_run(BREAK_LINES[1])
    p = d.add_paragraph("详见")
    _hyperlink(p, LINK_TEXT, LINK_URL)
    d.add_heading(SUBHEADING, level=2)
    d.add_paragraph(LAST)
    path = folder / name
    d.save(str(path))
    _add_footnotes(path)
    return path


def _table(d: docx.document.Document, rows: list[list[str]]) -> docx.table.Table:
    table = d.add_table(rows=len(rows), cols=len(rows[0]))
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            table.cell(i, j).text = value
    return table


def _hyperlink(p: docx.text.paragraph.Paragraph, text: str, url: str) -> None:
    r_id = p.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), r_id)
    run, t = OxmlElement("w:r"), OxmlElement("w:t")
    t.text = text
    run.append(t)
    link.append(run)
    p._p.append(link)


def _footnote_reference(p: docx.text.paragraph.Paragraph) -> None:
    run = OxmlElement("w:r")
    ref = OxmlElement("w:footnoteReference")
    ref.set(qn("w:id"), "1")
    run.append(ref)
    p._p.append(run)


FOOTNOTES_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>'
    '<w:footnote w:id="1"><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:footnote></w:footnotes>')


def _add_footnotes(path: Path) -> None:
    """python-docx writes no footnotes: the part, its relationship and content type added by hand."""
    def change(name: str, data: bytes) -> bytes:
        if name == "word/_rels/document.xml.rels":
            return data.replace(b"</Relationships>", b'<Relationship Id="rIdFoot1" Type="http://schemas.openxmlformats.org/'
                                b'officeDocument/2006/relationships/footnotes" Target="footnotes.xml"/></Relationships>')
        if name == "[Content_Types].xml":
            return data.replace(b"</Types>", b'<Override PartName="/word/footnotes.xml" ContentType="application/'
                                b'vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/></Types>')
        return data
    rewrite(path, change, {"word/footnotes.xml": FOOTNOTES_XML.format(text=FOOTNOTE).encode()})


def rewrite(path: Path, change, extra: dict[str, bytes] | None = None, rename: dict[str, str] | None = None) -> None:
    """The .docx package with its parts changed, added or renamed."""
    source = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            out.writestr((rename or {}).get(info.filename, info.filename), change(info.filename, source.read(info.filename)))
        for name, data in (extra or {}).items():
            out.writestr(name, data)


def with_drawing(path: Path) -> Path:
    """The Word file's first picture turned into a Windows drawing (EMF), as Word keeps pasted charts."""
    def change(name: str, data: bytes) -> bytes:
        if name in ("word/_rels/document.xml.rels", "[Content_Types].xml"):
            data = data.replace(b"media/image1.png", b"media/image1.emf")
            if name == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Default Extension="emf" ContentType="image/x-emf"/></Types>')
        return data
    rewrite(path, change, rename={"word/media/image1.png": "word/media/image1.emf"})
    return path


# ---- a WeChat article saved from the browser ---------------------------------------------------

WX_TITLE = "冬候鸟回到了东洞庭湖"
WX_ACCOUNT = "洞庭湖湿地保护协会"
WX_TIME = "2023-11-20 18:30"
WX_PARAS = ("十一月以来，第一批冬候鸟陆续抵达东洞庭湖。", "志愿者们在观测点记录到小天鹅、白琵鹭等珍稀鸟类，数量比去年同期明显增加。")
WX_BOLD = "请勿惊扰"
WX_CAPTION = "小天鹅在湖面觅食"
WX_CREDITS = (("文字", "张明"), ("编辑", "李华"), ("图片", "协会志愿者"))
WX_PROMPT = "长按识别二维码关注我们"


def wechat_page(folder: Path, name: str = "冬候鸟回到了东洞庭湖") -> Path:
    """The .html and its _files folder, as a browser saves "Web page, complete": WeChat's markup —
    sections, inline styles, indents, lazily loaded pictures (data-src; one saved under its
    data-src name only) — with the account's QR code and prompts around the article."""
    files = folder / f"{name}_files"
    files.mkdir(parents=True)
    photo(files / "640.jpeg", (1080, 720), (30, 100, 160))
    photo(files / "641.jpeg", (1080, 810), (160, 100, 30))
    photo(files / "qrcode.jpeg", (430, 430), (0, 0, 0))
    html = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{WX_TITLE}</title></head><body>
<div id="js_article" class="rich_media"><div class="rich_media_inner">
<h1 class="rich_media_title" id="activity-name">
    {WX_TITLE}
</h1>
<div id="meta_content" class="rich_media_meta_list">
<span class="rich_media_meta rich_media_meta_nickname" id="profileBt"><a href="javascript:void(0);" id="js_name">
 {WX_ACCOUNT} </a></span>
<em id="publish_time" class="rich_media_meta rich_media_meta_text">{WX_TIME}</em></div>
<div class="rich_media_content js_underline_content" id="js_content" style="visibility: visible;">
<section style="margin: 0 8px; line-height: 1.75em;"><section style="font-size: 15px; color: #333;">
<p style="text-indent: 2em;"><span style="font-size: 15px; letter-spacing: 1px;">　　{WX_PARAS[0]}</span></p>
<p style="text-align: center;"><img class="rich_pages wxw-img" data-ratio="0.6667" data-src="https://mmbiz.qpic.cn/mmbiz_jpg/x/640?wx_fmt=jpeg" data-type="jpeg" src="./{name}_files/640.jpeg" style="width: 100%;"></p>
<p style="text-align: center;"><span style="font-size: 12px; color: rgb(136, 136, 136);">{WX_CAPTION}</span></p>
<p><span style="font-size: 15px;">{WX_PARAS[1]}<strong><span style="color: rgb(255, 0, 0);">{WX_BOLD}</span></strong>。</span></p>
<p><br></p>
<p style="text-align: center;"><img data-src="https://mmbiz.qpic.cn/mmbiz_jpg/y/641.jpeg" data-type="jpeg" class="rich_pages"></p>
{''.join(f'<p style="font-size: 13px;">{role}：{who}</p>' for role, who in WX_CREDITS)}
<p style="text-align: center;"><img data-src="https://mmbiz.qpic.cn/mmbiz_jpg/z/qrcode.jpeg" src="./{name}_files/qrcode.jpeg"></p>
<p style="text-align: center;"><span style="font-size: 12px;">{WX_PROMPT}</span></p>
</section></section></div>
<div id="js_pc_qr_code" class="qr_code_pc_outer"><p>微信扫一扫<br>关注该公众号</p></div>
</div></div></body></html>"""
    path = folder / f"{name}.html"
    path.write_text(html, encoding="utf-8")
    return path


def as_mhtml(html_path: Path) -> Path:
    """The same page saved as one .mhtml file (Chrome's "Web page, single file"): its pictures by URL."""
    message = EmailMessage()
    message["Subject"] = WX_TITLE
    message.make_related()
    text = html_path.read_text(encoding="utf-8")
    message.add_related(text, subtype="html", headers=["Content-Location: https://mp.weixin.qq.com/s/abc"])
    for file in sorted((html_path.parent / f"{html_path.stem}_files").iterdir()):
        url = next(m[1] for m in re.finditer(r'data-src="([^"]+)"', text) if Path(m[1].split("?")[0]).name.startswith(file.stem))
        message.add_related(file.read_bytes(), maintype="image", subtype="jpeg", headers=[f"Content-Location: {url}"])
    path = html_path.with_suffix(".mhtml")
    path.write_bytes(bytes(message))
    return path
