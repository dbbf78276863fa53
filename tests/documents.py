"""Test documents made at test time (nothing generated is committed).

`report_plan()` splits the 2024 government work report (tests/data/corpora) into the blocks
a faithful .docx or .pdf of it must give back: 一、 chapters as level-1 headings, each （一）
task's lead sentence as a level-2 heading with the rest of its paragraph as body, and a table
of the year's targets after the paragraph that states them.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from pathlib import Path

from tests.conftest import CHROMIUM, CHROMIUM_ARGS, DATA

REPORT = DATA / "corpora" / "gov_report_2024.txt"
REPORT_TITLE = "政府工作报告"
TARGETS = [["指标", "2024年预期目标"], ["国内生产总值增长", "5%左右"], ["城镇新增就业", "1200万人以上"],
           ["城镇调查失业率", "5.5%左右"], ["居民消费价格涨幅", "3%左右"]]  # fmt: skip
TARGET_ROWS = [" | ".join(row) for row in TARGETS]
_CHAPTER = re.compile(r"^[一二三四五六七八九十]+、")
_TASK = re.compile(r"^（[一二三四五六七八九十]+）")


def report_lines() -> list[str]:
    return [line.strip() for line in REPORT.read_text(encoding="utf-8").splitlines() if line.strip()]


def report_plan() -> list[tuple[str, str]]:
    """(kind, text) in reading order; kind is title, h1, h2, p or table (the targets go after their paragraph)."""
    plan = []
    for n, line in enumerate(report_lines()):
        if n == 0:
            plan.append(("title", line))
        elif _CHAPTER.match(line):
            plan.append(("h1", line))
        elif _TASK.match(line):
            lead, rest = line.split("。", 1)
            plan += [("h2", lead + "。"), ("p", rest)] if rest else [("h2", line)]
        else:
            plan.append(("p", line))
        if "今年发展主要预期目标是" in line:
            plan.append(("table", ""))
    return plan


def make_report_docx(path: Path) -> Path:
    """The report as Word writes it: Title, Heading 1 and Heading 2 styles, a table, a running header."""
    import docx

    document = docx.Document()
    document.core_properties.title = REPORT_TITLE
    document.sections[0].header.paragraphs[0].text = REPORT_TITLE
    document.sections[0].footer.paragraphs[0].text = "第 1 页"
    for kind, text in report_plan():
        if kind == "title":
            document.add_paragraph(text, style="Title")
        elif kind in ("h1", "h2"):
            document.add_heading(text, level=int(kind[1]))
        elif kind == "table":
            table = document.add_table(rows=len(TARGETS), cols=2)
            table.style = "Table Grid"
            for row, cells in zip(table.rows, TARGETS):
                for cell, value in zip(row.cells, cells):
                    cell.text = value
        else:
            document.add_paragraph(text)
    document.save(path)
    return path


def report_html() -> str:
    body = []
    for kind, text in report_plan():
        if kind == "table":
            rows = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in TARGETS)
            body.append(f"<table>{rows}</table>")
        else:
            tag = {"title": 'p class="title"', "h1": "h1", "h2": "h2"}.get(kind, "p")
            body.append(f"<{tag}>{html.escape(text)}</{tag.split()[0]}>")
    style = """body { font-family: 'Noto Serif CJK SC', serif; font-size: 12pt; line-height: 1.7; }
        p { text-indent: 2em; text-align: justify; margin: 0; }
        p.title { text-indent: 0; text-align: center; font-size: 18pt; font-weight: bold; margin-bottom: 1em; }
        h1 { font-size: 16pt; margin: 1em 0 0.5em; } h2 { font-size: 14pt; margin: 0.8em 0 0.4em; }
        table { border-collapse: collapse; margin: 0.5em auto; } td { border: 1px solid #000; padding: 2pt 8pt; }"""
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{REPORT_TITLE}</title>'
            f"<style>{style}</style></head><body>{''.join(body)}</body></html>")  # fmt: skip


def make_report_pdf(path: Path) -> Path:
    """The report printed by Chromium: A4, running header with the title, `— n —` page numbers, bookmarks."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_content(report_html())
            page.pdf(path=str(path), format="A4", display_header_footer=True, outline=True, tagged=True,
                     header_template=f'<div style="font-size:9pt;width:100%;text-align:center">{REPORT_TITLE}</div>',
                     footer_template='<div style="font-size:9pt;width:100%;text-align:center">'
                                     '— <span class="pageNumber"></span> —</div>',
                     margin={"top": "25mm", "bottom": "25mm", "left": "28mm", "right": "26mm"})  # fmt: skip
        finally:
            browser.close()
    return path


# ---------------------------------------------------------------- small files and bad files


def minimal_pdf(content: bytes = b"0 0 1 rg 72 72 200 120 re f", fonts: bool = False) -> bytes:
    """A one-page PDF drawing `content`; without text operators it has no text layer."""
    font = b"/Resources << /Font << /F1 5 0 R >> >> " if fonts else b""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] " + font + b"/Contents 4 0 R >>",
               b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]  # fmt: skip
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def text_pdf(text: str = "Hello kbqa") -> bytes:
    return minimal_pdf(b"BT /F1 24 Tf 72 700 Td (" + text.encode("latin-1") + b") Tj ET", fonts=True)


def password_pdf() -> bytes:
    import pypdf

    writer = pypdf.PdfWriter(clone_from=io.BytesIO(text_pdf()))
    writer.encrypt("secret", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def docx_bomb() -> bytes:
    """A .docx whose document.xml is 30 MB of zeros, deflated to a few dozen KB."""
    return zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": bytes(30 * 2**20)})


def docx_wide_bomb(members: int = 220) -> bytes:
    """Many parts just under 1 MiB each, every one compressing well: together over the 200 MiB limit."""
    zeros = bytes(1_000_000)
    return zip_bytes(
        {"word/document.xml": b"<w:document/>", **{f"word/media/part{n}.bin": zeros for n in range(members)}}
    )


def old_doc() -> bytes:
    """The first bytes of a Word 97–2003 file: the OLE header and a WordDocument stream name."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(56) + "WordDocument".encode("utf-16-le") + bytes(400)


NEWS_HTML = """<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>国务院关于印发《新时代的通知》</title><meta name="author" content="国务院"></head>
<body><header class="site"><a href="/">首页</a> 政府信息公开</header>
<nav><ul><li>要闻</li><li>政策</li></ul></nav>
<div id="content"><h1>国务院关于印发
《新时代的通知》</h1>
<p>各省、自治区、直辖市人民政府：</p>
<p><strong>第一条</strong>　为了规范管理，根据有关法律，
制定本办法。</p>
<p>第一行<br>第二行</p>
<div style="display:none">隐藏的文字</div><p hidden>也是隐藏的</p>
<table><tr><th>指标</th><th>目标</th></tr><tr><td>国内生产总值增长</td><td>5%左右</td></tr>
<tr><td colspan="2">注：以上为预期目标</td></tr></table>
<table><tr><td><p>版式表格里的段落</p></td></tr></table>
<h3>附件</h3><ul><li>附件一</li><li>附件二</li></ul></div>
<aside>相关文章</aside><form><input type="text" value="搜索"></form>
<footer>版权所有：中国政府网</footer><script>var tracker = 1;</script><style>p { color: red }</style>
</body></html>"""


def make_styled_docx(path: Path) -> Path:
    """Word features the real files do not all show, written into python-docx's template by hand.

    A custom style carrying an outline level, a style based on Heading 2, Chinese
    auto-numbering (`一、` / `（1）`) that restarts at 五 in a second list instance, a content
    control showing its placeholder, hidden text, a table with a vertically merged cell.
    """
    import docx
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    styles = document.styles
    chapter = styles.add_style("章标题", WD_STYLE_TYPE.PARAGRAPH)
    chapter.element.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {nsdecls("w")} w:val="0"/>'))
    styles.add_style("任务标题", WD_STYLE_TYPE.PARAGRAPH).base_style = styles["Heading 2"]
    numbering = document.part.numbering_part.element
    numbering.insert(0, parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="（%2）"/></w:lvl>'
        "</w:abstractNum>"))  # fmt: skip
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    numbering.append(parse_xml(
        f'<w:num {nsdecls("w")} w:numId="91"><w:abstractNumId w:val="90"/>'
        '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="5"/></w:lvlOverride></w:num>'))  # fmt: skip

    def numbered(text: str, num: int, level: int, style: str | None = None) -> None:
        p = document.add_paragraph(text, style=style)
        p._p.get_or_add_pPr().append(parse_xml(
            f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="{num}"/></w:numPr>'))  # fmt: skip

    document.add_paragraph("总则", style="章标题")
    document.add_paragraph("任务", style="任务标题")
    numbered("总体要求", 90, 0, "章标题")
    numbered("坚持稳中求进", 90, 1)
    numbered("坚持以进促稳", 90, 1)
    numbered("主要任务", 90, 0, "章标题")
    numbered("先立后破", 90, 1)
    numbered("保障措施", 91, 0, "章标题")
    p = document.add_paragraph("可见文字")
    hidden = p.add_run("隐藏文字")
    hidden.font.hidden = True
    p._p.append(parse_xml(
        f'<w:sdt {nsdecls("w")}><w:sdtPr><w:showingPlcHdr/></w:sdtPr>'
        "<w:sdtContent><w:r><w:t>单击或点击此处输入文字。</w:t></w:r></w:sdtContent></w:sdt>"))  # fmt: skip
    table = document.add_table(rows=3, cols=2)
    for (r, c), text in {(0, 0): "地区", (0, 1): "目标", (1, 0): "东部", (1, 1): "5%", (2, 1): "6%"}.items():
        table.cell(r, c).text = text
    table.cell(1, 0).merge(table.cell(2, 0))
    document.save(path)
    return path
