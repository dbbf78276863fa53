"""Readers on the real published files, on documents made here with Word's library and Chromium, and on bad files."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from kbqa.data import Block
from kbqa.readers import SUFFIXES, DocumentError, read_file
from kbqa.readers.common import toc_entry
from kbqa.readers.pdf_text import close_gaps
from kbqa.readers.word_numbering import format_number
from kbqa.text import normalize, squash, visible
from tests import documents
from tests.conftest import DATA

FILES = DATA / "files"
LIMIT = 50 * 2**20
PAGE_NUMBER = re.compile(r"[\s\d—–\-/|第页共IVXivx]*")


def texts(blocks: list[Block], *kinds: str) -> list[str]:
    return [b.text for b in blocks if b.kind in kinds]


def bare(text: str) -> str:
    """Text as the comparison sees it: normal form (radicals PDFs carry mapped), no whitespace."""
    return visible(normalize(text))


@pytest.fixture(scope="module")
def law():
    return read_file(FILES / "pipl_2021_law_text.pdf", LIMIT)


@pytest.fixture(scope="module")
def white_paper():
    return read_file(FILES / "caict_data_factor_whitepaper_2022.pdf", LIMIT)


@pytest.fixture(scope="module")
def standard():
    return read_file(FILES / "nbt_npp_psr_part1_draft_2023.docx", LIMIT)


@pytest.fixture(scope="module")
def regulation():
    return read_file(FILES / "consumer_protection_impl_regs_2024.docx", LIMIT)


@pytest.fixture(scope="module")
def report_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    docx = documents.make_report_docx(folder / "gov_report_2024.docx")
    pdf = documents.make_report_pdf(folder / "gov_report_2024.pdf")
    return read_file(docx, LIMIT), read_file(pdf, LIMIT)


# ---------------------------------------------------------------- the law (PDF, hard-wrapped, no styles)


def test_law_rejoins_hard_wrapped_articles(law):
    paragraphs = texts(law.blocks, "paragraph")
    assert "第一条 为了保护个人信息权益，规范个人信息处理活动，促进个人信息合理利用，根据宪法，制定本法。" in paragraphs
    assert "第三条 在中华人民共和国境内处理自然人个人信息的活动，适用本法。" in paragraphs
    assert (
        "在中华人民共和国境外处理中华人民共和国境内自然人个人信息的活动，有下列情形之一的，也适用本法：" in paragraphs
    )
    assert "（一）以向境内自然人提供产品或者服务为目的；" in paragraphs
    articles = [p for p in paragraphs if re.match(r"第[一二三四五六七八九十]+条 ", p)]
    assert len(articles) == 74 and articles[-1] == "第七十四条 本法自2021年11月1日起施行"


def test_law_article_runs_across_a_page_break(law):
    block = next(b for b in law.blocks if b.text.startswith("第二十条"))
    assert block.page == 3
    assert block.text == (
        "第二十条 两个以上的个人信息处理者共同决定个人信息的处理目的和处理方式的，应当约定各自的权利和义务。"
        "但是，该约定不影响个人向其中任何一个个人信息处理者要求行使本法规定的权利。"
    )


def test_law_keeps_its_table_of_contents_as_paragraphs_and_its_headings(law):
    chapters = ["第一章 总则", "第二章 个人信息处理规则", "第一节 一般规定", "第二节 敏感个人信息的处理规则",
                "第三节 国家机关处理个人信息的特别规定", "第三章 个人信息跨境提供的规则",
                "第四章 个人在个人信息处理活动中的权利", "第五章 个人信息处理者的义务",
                "第六章 履行个人信息保护职责的部门", "第七章 法律责任", "第八章 附则"]  # fmt: skip
    assert [(b.kind, b.text) for b in law.blocks[2:14]] == [("paragraph", t) for t in ["目录", *chapters]]
    assert texts(law.blocks, "heading") == ["中华人民共和国个人信息保护法", *chapters]
    assert all(b.level is None for b in law.blocks)  # no bookmarks: levels are the structure stage's call
    assert not any(PAGE_NUMBER.fullmatch(b.text) for b in law.blocks)
    assert law.title == "" and law.meta == {"pages": 12, "author": "Luxuan", "created": "2023-08-05"}


# ---------------------------------------------------------------- the white paper (PDF, encrypted, furniture, TOC)


def test_white_paper_drops_running_header_and_page_numbers(white_paper):
    assert white_paper.format == "pdf" and white_paper.meta["pages"] == 52
    assert not any("数据要素白皮书（2022年）" in b.text for b in white_paper.blocks)
    assert not any(PAGE_NUMBER.fullmatch(b.text) for b in white_paper.blocks)


def test_white_paper_toc_lines_lose_leaders_and_page_numbers(white_paper):
    assert texts(white_paper.blocks, "toc") == [
        "一、数据要素理论问题概述", "（一）数据的概念与独特属性", "（二）数据成为生产要素有深厚的技术和产业背景",
        "（三）数据要素主要通过三条途径实现价值", "二、我国数据要素市场培育现状", "（一）数据要素市场政策布局不断细化深入",
        "（二）数据要素市场主要存在三种流通形式", "（三）数据要素市场供需对接向多行业扩展",
        "（四）数据要素市场经营运行模式积极创新", "三、数据要素市场培育障碍与探索思路",
        "（一）权利归属难以界定，有待建立产权制度", "（二）估值定价缺乏依据，有待发挥市场作用",
        "（三）流通规则尚不完善，有待鼓励积极探索", "（四）流通技术仍未成熟，有待强化技术支撑", "四、数据要素发展展望",
        "参考文献", "图1 数据-信息-知识-智慧（DIKW）模型", "图2 数据要素主要表现形态", "图3 数据要素的三次价值释放",
        "图4 党中央国务院发布多项政策文件围绕数据要素布局", "图5 数据要素流通的三种形式",
        "图6 国内大数据交易所（中心、平台等）建设历程", "图7 通过登记使数据产权分置运行和权益保护有据可依",
        "图8 三级数据交易市场的初步设想",
    ]  # fmt: skip


def test_white_paper_headings_paragraphs_and_bold_leads(white_paper):
    headings = texts(white_paper.blocks, "heading")
    toc = texts(white_paper.blocks, "toc")[:16]
    assert [h for h in headings if h in toc] == toc  # every TOC entry is a heading of the body, in order
    body = white_paper.blocks[headings.index("一、数据要素理论问题概述") :]
    start = next(i for i, b in enumerate(white_paper.blocks) if b.text == "（一）数据的概念与独特属性" and b.page == 7)
    assert white_paper.blocks[start].kind == "heading" and body
    first = white_paper.blocks[start + 1]
    assert first.text.startswith("在广泛意义上，数据（data）就是对事实、活动等现象的记录。《辞海》（第七版）")
    lead = next(b for b in white_paper.blocks if b.text.startswith("数据一直伴随着人类的发展而变迁"))
    assert lead.lead == "数据一直伴随着人类的发展而变迁。在古代，数据呈现出规则化汇聚的特征。"


def test_white_paper_joins_across_pages_and_keeps_footnotes_out(white_paper):
    across = next(b for b in white_paper.blocks if b.text.startswith("大数据时代，数据是基于二进制编码的"))
    assert across.page == 7 and "按预先设置的规则汇聚的现象记录。在此阶段" in across.text
    assert across.text.endswith("在自然语言处理的视角下只是遵循语料库规则的一条数据。")
    interrupted = next(
        b for b in white_paper.blocks if b.text.startswith("部分地市公共数据开放配套的制度与机制逐步完善")
    )
    assert "各地正在加紧落实中央指导文件与地方数据条例的相关要求。" in interrupted.text
    note = white_paper.blocks[white_paper.blocks.index(interrupted) + 1]
    assert (
        note.text
        == "2 华中师范大学信息管理学院、湖北省数据治理与智能决策研究中心，《中国政府开放数据利用研究报告（2022）》"
    )


# ---------------------------------------------------------------- the standard draft (WPS docx, outline levels, numbering)


def test_standard_headings_carry_levels_and_auto_numbers(standard):
    headings = [(b.level, b.text) for b in standard.blocks if b.kind == "heading"]
    assert [t for level, t in headings if level == 2] == [
        "1 范围", "2 规范性引用文件", "3 术语和定义", "4 缩略语", "5 定期安全评价的策划和准备", "6 执行评价",
        "7 定期安全评价后工作",
    ]  # fmt: skip
    assert [t for level, t in headings if level == 3 and t.startswith("5.")] == [
        "5.1 确定评价范围和内容", "5.2 确定评价依据", "5.3 确定工作模式", "5.4 组建PSR技术团队",
        "5.5 建立PSR项目管理体系", "5.6 编制PSR工作文件", "5.7 制订进度计划",
    ]  # fmt: skip
    assert (3, "3.1") in headings and (3, "6.1.2差异项分析及处置") in headings  # a typed number, numbering switched off
    assert [t for level, t in headings if t.startswith("附录")] == [
        "附录A （资料性附录） 安全要素关联矩阵", "附录B （资料性附录） 核电厂PSR大纲的一般内容",
        "附录C （资料性附录） 收益成本分析的一般方法",
    ]  # fmt: skip
    assert headings[:4] == [(1, "目\u2003\u2003次"), (1, "前\u2003\u2003言"), (1, "引\u2003\u2003言"),
                            (1, "核电厂定期安全评价 第1部分：通用要求")]  # fmt: skip


def test_standard_toc_matches_its_headings(standard):
    toc = texts(standard.blocks, "toc")
    assert toc[:4] == ["前言", "引言", "1 范围", "2 规范性引用文件"] and len(toc) == 12
    assert toc[-1] == "附\u3000录\u3000C （资料性附录） 收益成本分析的一般方法"
    headings = {squash(t) for t in texts(standard.blocks, "heading")}
    assert all(squash(t) in headings for t in toc)


def test_standard_lists_table_and_what_is_not_body_text(standard):
    paragraphs = texts(standard.blocks, "paragraph")
    assert "a) 核电厂设计（SF1）" in paragraphs and "n) 辐射环境影响（SF14）" in paragraphs
    i = paragraphs.index("a) 技术评价人员")
    assert paragraphs[i : i + 4] == ["a) 技术评价人员", "1) 主要承担技术性要素/专项的评价工作。",
                                     "2) 技术评价人员应了解所负责审查领域的规范标准要求，相关的设计、运行及安全分析知识。",
                                     "b) 分析评估人员"]  # fmt: skip
    rows = texts(standard.blocks, "table_row")
    assert len(rows) == 16 and rows[0] == "提供输入的安全要素"
    assert rows[1] == " | ".join(f"SF{n}" for n in range(1, 15))
    assert rows[2] == "接受输入的安全要素 | SF1 |  | × | × | × | × | × | × | × | × |  |  | × | × | ×"
    everything = " ".join(b.text for b in standard.blocks)
    assert "点击此处" not in everything  # unfilled form fields show their prompt
    assert "NB/T XXXXX—XXXX" not in everything  # the running header
    assert standard.title == ""  # the template's 标准名称


# ---------------------------------------------------------------- the regulation (docx, no styles, bold runs)


def test_regulation_bold_runs_are_leads(regulation):
    chapter = next(b for b in regulation.blocks if b.text == "第一章\u3000总\u3000\u3000则")
    assert chapter.kind == "paragraph" and chapter.lead == chapter.text
    article = next(b for b in regulation.blocks if b.text.startswith("第一条"))
    assert article.lead == "第一条"
    assert (
        article.text
        == "第一条\u3000根据《中华人民共和国消费者权益保护法》（以下简称消费者权益保护法）等法律，制定本条例。"
    )
    leads = [b.lead for b in regulation.blocks if re.fullmatch(r"第[一二三四五六七八九十]+条", b.lead)]
    assert len(leads) == len(set(leads)) == 53 and leads[-1] == "第五十三条"
    body = next(b for b in regulation.blocks if b.text.startswith("经营者向消费者提供商品或者服务"))
    assert body.lead == ""
    assert regulation.meta == {"author": "muzappar M", "created": "2025-08-28"}


# ---------------------------------------------------------------- the government work report, made as .docx and .pdf


def test_generated_report_comes_back_as_written(report_files):
    plan = documents.report_plan()
    lines = documents.report_lines()
    planned = [text for kind, text in plan if kind != "table"]
    assert bare("".join(planned)) == bare("".join(lines))  # the plan covers the .txt
    for reading in report_files:
        got = texts(reading.blocks, "heading", "paragraph")
        assert [bare(t) for t in got] == [bare(t) for t in planned], reading.format
        assert [bare(t) for t in texts(reading.blocks, "table_row")] == [bare(r) for r in documents.TARGET_ROWS]
        assert reading.title == documents.REPORT_TITLE


def test_generated_report_levels(report_files):
    docx, pdf = report_files
    plan = [(kind, text) for kind, text in documents.report_plan() if kind in ("h1", "h2")]
    for reading in (docx, pdf):
        got = [(b.level, bare(b.text)) for b in reading.blocks if b.kind == "heading" and b.level]
        assert got == [(int(kind[1]), bare(text)) for kind, text in plan], reading.format


def test_generated_pdf_has_no_page_furniture(report_files):
    _, pdf = report_files
    assert pdf.meta["pages"] > 10
    assert not any(PAGE_NUMBER.fullmatch(b.text) for b in pdf.blocks)
    assert not any(bare(b.text) == documents.REPORT_TITLE for b in pdf.blocks)
    task = next(b for b in pdf.blocks if bare(b.text).startswith("积极培育新兴产业和未来产业"))
    assert bare(task.text) == bare(next(t for k, t in documents.report_plan() if t.startswith("积极培育新兴产业")))


# ---------------------------------------------------------------- HTML, Markdown, text


def test_html_page_without_its_site(tmp_path):
    path = tmp_path / "notice.html"
    path.write_bytes(documents.NEWS_HTML.encode("gb18030"))
    reading = read_file(path, LIMIT)
    assert reading.title == "国务院关于印发《新时代的通知》" and reading.meta == {"author": "国务院"}
    assert [(b.kind, b.text, b.level, b.lead) for b in reading.blocks] == [
        ("heading", "国务院关于印发《新时代的通知》", 1, ""),
        ("paragraph", "各省、自治区、直辖市人民政府：", None, ""),
        ("paragraph", "第一条\u3000为了规范管理，根据有关法律，制定本办法。", None, "第一条"),
        ("paragraph", "第一行", None, ""),
        ("paragraph", "第二行", None, ""),
        ("table_row", "指标 | 目标", None, ""),
        ("table_row", "国内生产总值增长 | 5%左右", None, ""),
        ("table_row", "注：以上为预期目标", None, ""),
        ("paragraph", "版式表格里的段落", None, ""),
        ("heading", "附件", 3, ""),
        ("paragraph", "附件一", None, ""),
        ("paragraph", "附件二", None, ""),
    ]


def test_markdown_blocks(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text("# 总则\n\n第一段第一行\n第二行 English\nwords\n\n**第一条**　根据法律，\n制定本办法。\n\n"
                    "1. 条目一\n2. 条目二\n\n- 甲\n\n| 指标 | 目标 |\n|---|---|\n| GDP | 5% |\n\n"
                    "```\ncode line\n```\n\n## 二级\n", encoding="utf-8")  # fmt: skip
    reading = read_file(path, LIMIT)
    assert reading.title == "总则" and reading.format == "md"
    assert [(b.kind, b.text, b.level, b.lead) for b in reading.blocks] == [
        ("heading", "总则", 1, ""),
        ("paragraph", "第一段第一行第二行 English words", None, ""),
        ("paragraph", "第一条\u3000根据法律，制定本办法。", None, "第一条"),
        ("paragraph", "1. 条目一", None, ""),
        ("paragraph", "2. 条目二", None, ""),
        ("paragraph", "甲", None, ""),
        ("table_row", "指标 | 目标", None, ""),
        ("table_row", "GDP | 5%", None, ""),
        ("paragraph", "code line", None, ""),
        ("heading", "二级", 2, ""),
    ]


def test_text_in_utf8_with_bom_and_in_gb18030(tmp_path):
    text = "第一章　总则\n\n第一条　为了规范管理，制定本办法。\n"
    (tmp_path / "a.txt").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    (tmp_path / "b.txt").write_bytes(text.encode("gb18030"))
    for name, encoding in (("a.txt", "utf-8"), ("b.txt", "gb18030")):
        reading = read_file(tmp_path / name, LIMIT)
        assert texts(reading.blocks, "paragraph") == ["第一章　总则", "第一条　为了规范管理，制定本办法。"]
        assert reading.meta == {"encoding": encoding} and reading.format == "txt"


def test_suffixes():
    assert set(SUFFIXES) == {".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"}


# ---------------------------------------------------------------- bad files


BAD_FILES = [
    ("empty.txt", b"", "empty.txt: empty file"),
    ("empty.pdf", b"", "empty.pdf: empty file"),
    ("binary.txt", bytes(range(256)) * 8, "binary.txt: binary data, not text"),
    ("photo.txt", b"\x89PNG\r\n\x1a\n" + bytes(100), "photo.txt: binary data (a PNG image), not text"),
    ("latin1.txt", "中文".encode() + b" caf\xe9 \xff", "latin1.txt: not UTF-8 or GB18030 text (byte 10)"),
    ("gbk-broken.txt", "第一条".encode("gb18030") + b"\xff", "gbk-broken.txt: not UTF-8 or GB18030 text (byte 6)"),
    ("really-pdf.docx", documents.text_pdf(),
     "really-pdf.docx: the content is a PDF, not a Word document; give it the .pdf extension"),
    ("really-text.pdf", "这是一段文字。".encode(), "really-text.pdf: the content is text, not a PDF; give it the .txt extension"),
    ("really-page.txt", b"<!DOCTYPE html><html><body>hi</body></html>",
     "really-page.txt: the content is an HTML page, not text; give it the .html extension"),
    ("old.docx", documents.old_doc(), "old.docx: a Word 97–2003 .doc file; save it as .docx"),
    ("truncated.docx", (FILES / "consumer_protection_impl_regs_2024.docx").read_bytes()[:9000],
     "truncated.docx: not a readable Word file (the ZIP archive is damaged or truncated)"),
    ("archive.docx", documents.zip_bytes({"readme.txt": b"hello"}),
     "archive.docx: not a readable Word file (a ZIP archive without word/document.xml)"),
    ("bomb.docx", documents.docx_bomb(), None),
    ("wide-bomb.docx", documents.docx_wide_bomb(), "wide-bomb.docx: expands to more than 200 MiB; refusing a possible zip bomb"),
    ("locked.pdf", documents.password_pdf(), "locked.pdf: needs a password; kbqa reads PDFs that open without one"),
    ("scan.pdf", documents.minimal_pdf(), "scan.pdf: no text layer; scanned PDFs are not supported"),
    ("broken.pdf", documents.text_pdf()[:120], None),
    ("blank.md", b"\n\n   \n", "blank.md: no text in the file"),
    ("notes.rtf.docx", b"{\\rtf1\\ansi hello}", "notes.rtf.docx: an RTF file; save it as .docx"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "data", "message"), BAD_FILES, ids=[name for name, _, _ in BAD_FILES])
def test_bad_files_raise_one_line_naming_the_file(tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(DocumentError) as caught:
        read_file(path, LIMIT)
    text = str(caught.value)
    assert text.startswith(f"{name}: ") and "\n" not in text
    if name == "bomb.docx":
        ratio = (30 * 2**20) // zipfile.ZipFile(path).getinfo("word/document.xml").compress_size
        assert text == f"bomb.docx: word/document.xml expands {ratio} times; refusing a possible zip bomb"
    elif name == "broken.pdf":
        assert text.startswith("broken.pdf: not a readable PDF file (")
    else:
        assert text == message


def test_size_limits_and_unknown_formats(tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * (2**20 + 1))
    with pytest.raises(DocumentError, match=r"^big\.txt: larger than 1 MiB$"):
        read_file(big, 2**20)
    sheet = tmp_path / "sheet.xlsx"
    sheet.write_bytes(b"PK")
    with pytest.raises(DocumentError, match=r"^sheet\.xlsx: \.xlsx is not a format kbqa reads \("):
        read_file(sheet, LIMIT)
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    with pytest.raises(DocumentError, match=r"^folder\.txt: not a regular file"):
        read_file(folder, LIMIT)


def test_pdf_with_an_empty_user_password_is_read(tmp_path):
    import io

    import pypdf

    writer = pypdf.PdfWriter(clone_from=io.BytesIO(documents.text_pdf("Published report")))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-256")
    path = tmp_path / "published.pdf"
    with path.open("wb") as f:
        writer.write(f)
    assert texts(read_file(path, LIMIT).blocks, "heading", "paragraph") == ["Published report"]


# ---------------------------------------------------------------- small rules


@pytest.mark.parametrize(("spaced", "closed"), [
    ("第一章\t总\t则", "第一章 总则"), ("第一条\t为了保护个人信息权益，", "第一条 为了保护个人信息权益，"),
    ("（一）\t数据的概念", "（一）数据的概念"), ("目\t录", "目录"), ("20 世纪 70 年代", "20世纪70年代"),
    ("（Edgar Codd）提出", "（Edgar Codd）提出"), ("5.1\t范围", "5.1 范围"), ("附 录 A\t安全要素", "附录A 安全要素"),
])  # fmt: skip
def test_pdf_gaps_between_chinese_characters_close(spaced, closed):
    assert close_gaps(spaced) == closed


@pytest.mark.parametrize(("line", "entry"), [
    ("一、数据要素理论问题概述........................ 1", "一、数据要素理论问题概述"),
    ("（二）数据成为生产要素有深厚的技术和产业背景…………5", "（二）数据成为生产要素有深厚的技术和产业背景"),
    ("1 范围\t1", "1 范围"), ("前言\tII", "前言"), ("第一条 为了保护个人信息权益，", None), ("增长5.2%", None),
])  # fmt: skip
def test_toc_entries(line, entry):
    assert toc_entry(line) == entry


@pytest.mark.parametrize(("n", "fmt", "label"), [
    (1, "decimal", "1"), (3, "upperLetter", "C"), (27, "lowerLetter", "aa"), (4, "lowerRoman", "iv"),
    (1, "chineseCounting", "一"), (10, "chineseCounting", "十"), (12, "chineseCountingThousand", "十二"),
    (20, "chineseCounting", "二十"), (105, "chineseCounting", "一百零五"), (3, "ideographTraditional", "丙"),
    (2, "decimalEnclosedCircle", "②"), (7, "chineseLegalSimplified", "柒"), (5, "decimalZero", "05"),
])  # fmt: skip
def test_word_number_formats(n, fmt, label):
    assert format_number(n, fmt) == label


def test_every_reader_is_reachable_from_read_file(tmp_path):
    for suffix in SUFFIXES:
        assert Path(f"x{suffix}").suffix == suffix
    page = tmp_path / "page.htm"
    page.write_text("<p>正文</p>", encoding="utf-8")
    assert read_file(page, LIMIT).blocks == [Block("paragraph", "正文")]


def test_word_styles_numbering_placeholders_and_merged_cells(tmp_path):
    reading = read_file(documents.make_styled_docx(tmp_path / "styled.docx"), LIMIT)
    assert [(b.kind, b.level, b.text) for b in reading.blocks] == [
        ("heading", 1, "总则"),  # a custom style whose outline level says so
        ("heading", 2, "任务"),  # a style based on Heading 2
        ("heading", 1, "一、总体要求"),
        ("paragraph", None, "（1）坚持稳中求进"),
        ("paragraph", None, "（2）坚持以进促稳"),
        ("heading", 1, "二、主要任务"),
        ("paragraph", None, "（1）先立后破"),  # restarts under a new level-0 number
        ("heading", 1, "五、保障措施"),  # a second list instance starting at 5
        ("paragraph", None, "可见文字"),  # hidden text and a placeholder dropped
        ("table_row", None, "地区 | 目标"),
        ("table_row", None, "东部 | 5%"),
        ("table_row", None, "6%"),  # the merged cell is not repeated
    ]
