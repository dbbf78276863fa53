"""The four real published files (tests/data/files) through the whole pipeline, with exact expectations.

Structure and chunks need no model. Answers go through `Engine.answer` over one knowledge base of all
four with the bundled model, so each question must also find its document: 1,486 passages (and sentences)
to embed, the cold-cache cost of this file, one build cheaper than four.
"""

from __future__ import annotations

import re
import shutil

import pypdf
import pytest
from conftest import DATA, settings_in

from kbqa.chunk import chunk_document
from kbqa.data import Chunk, Document
from kbqa.engine import Engine
from kbqa.kb import MAX_DOCUMENT_BYTES as MAX_BYTES
from kbqa.kb import list_sources, read_source
from kbqa.readers import read_file
from kbqa.settings import Settings
from kbqa.text import squash
from kbqa.toc import chinese_numeral

FILES = DATA / "files"
LAW = "pipl_2021_law_text"
WHITE_PAPER = "caict_data_factor_whitepaper_2022"
STANDARD = "nbt_npp_psr_part1_draft_2023"
REGULATION = "consumer_protection_impl_regs_2024"
RUNNING_HEADER = "数据要素白皮书（2022年）"
PAGE_NUMBER = re.compile(r"[\s\d—–\-/|第页共IVXivx]*")
LEADERS = re.compile(r"[.．·…]{3,}")
STD = "核电厂定期安全评价第1部分：通用要求"  # the standard's body heading, spaces between Chinese closed


@pytest.fixture(scope="module")
def docs() -> dict[str, Document]:
    sources, errors = list_sources(FILES)
    assert errors == []
    return {s.doc_id: read_source(s) for s in sources}


@pytest.fixture(scope="module")
def chunks(docs) -> dict[str, list[Chunk]]:
    defaults = Settings()
    return {name: chunk_document(doc, defaults.chunk_size, defaults.chunk_overlap) for name, doc in docs.items()}


def paths(doc: Document) -> list[str]:
    return [s.heading_path for s in doc.sections]


# ---------------------------------------------------------------- the law: 第X章 › 第X节 › 第X条


def test_law_articles_sit_in_their_chapters_and_sections(docs, chunks):
    law = docs[LAW]
    articles = [s for s in law.sections if s.label.endswith("条")]
    assert [s.label for s in articles] == [f"第{chinese_numeral(n)}条" for n in range(1, 75)]
    assert list(dict.fromkeys(s.path[:-1] for s in articles)) == [
        ("第一章 总则",),
        ("第二章 个人信息处理规则", "第一节 一般规定"),
        ("第二章 个人信息处理规则", "第二节 敏感个人信息的处理规则"),
        ("第二章 个人信息处理规则", "第三节 国家机关处理个人信息的特别规定"),
        ("第三章 个人信息跨境提供的规则",), ("第四章 个人在个人信息处理活动中的权利",),
        ("第五章 个人信息处理者的义务",), ("第六章 履行个人信息保护职责的部门",), ("第七章 法律责任",), ("第八章 附则",),
    ]  # fmt: skip
    thirteenth = [c for c in chunks[LAW] if c.label == "第十三条"]
    assert [c.heading_path for c in thirteenth] == ["第二章 个人信息处理规则 › 第一节 一般规定 › 第十三条"] * 2
    assert thirteenth[0].text.startswith("符合下列情形之一的，个人信息处理者方可处理个人信息：\n（一）取得个人的同意；")
    assert thirteenth[-1].text.endswith("但是有前款第二项至第七项规定情形的，不需取得个人同意。")
    assert [s.heading_path for s in law.sections if s.label in ("第二十八条", "第七十四条")] == [
        "第二章 个人信息处理规则 › 第二节 敏感个人信息的处理规则 › 第二十八条", "第八章 附则 › 第七十四条",
    ]  # fmt: skip


def test_law_table_of_contents_is_not_text(docs, chunks):
    law = docs[LAW]
    assert law.title == "中华人民共和国个人信息保护法"
    assert "目录" not in law.text
    assert law.text.count("第二章 个人信息处理规则") == 1  # the heading line, not the TOC entry too
    assert law.sections[0].heading_path == law.title  # the text before 第一章: when it was adopted
    assert law.section_text(law.sections[0]) == "2021年8月20日第十三届全国人民代表大会常务委员会第三十次会议通过"


# ---------------------------------------------------------------- the white paper: 一、 › （一） › 1.


ONE, TWO, THREE = "一、数据要素理论问题概述", "二、我国数据要素市场培育现状", "三、数据要素市场培育障碍与探索思路"
WHITE_PAPER_SECTIONS = [
    "数据要素白皮书(2022年)",  # the cover: its serial number, the institute and the date, under the title
    "版权声明", "前言",
    ONE, *(f"{ONE} › {h}" for h in ("（一）数据的概念与独特属性", "（二）数据成为生产要素有深厚的技术和产业背景")),
    *(f"{ONE} › （三）数据要素主要通过三条途径实现价值{h}" for h in (
        "", " › 1.一次价值：数据支撑业务贯通", " › 2.二次价值：数据推动数智决策", " › 3.三次价值：数据流通对外赋能")),
    TWO, f"{TWO} › （一）数据要素市场政策布局不断细化深入",
    *(f"{TWO} › （二）数据要素市场主要存在三种流通形式{h}" for h in (
        "", " › 1.数据开放：以公共数据为主的开放持续推进", " › 2.数据共享：政府参与的数据共享趋势加强",
        " › 3.数据交易：场外需求旺盛，场内重启热潮")),
    f"{TWO} › （三）数据要素市场供需对接向多行业扩展",
    *(f"{TWO} › （四）数据要素市场经营运行模式积极创新 › {h}" for h in (  # （四） has no text of its own
        "1.新机制：从自行管理运维到委托运营", "2.新主体：从供需直接对接到多元数商参与", "3.新设施：从分散对接到统一数据空间")),
    THREE,
    *(f"{THREE} › {task} › {h}" for task in (
        "（一）权利归属难以界定，有待建立产权制度", "（二）估值定价缺乏依据，有待发挥市场作用",
        "（三）流通规则尚不完善，有待鼓励积极探索", "（四）流通技术仍未成熟，有待强化技术支撑",
    ) for h in ("1.问题分析", "2.探索思路")),
    "四、数据要素发展展望", "参考文献", "中国信息通信研究院",  # the back cover: the institute's address
]  # fmt: skip


def test_white_paper_sections_are_its_numbered_headings(docs):
    white_paper = docs[WHITE_PAPER]
    assert paths(white_paper) == WHITE_PAPER_SECTIONS
    assert white_paper.title == "数据要素白皮书(2022年)"
    assert white_paper.section_text(white_paper.sections[0]) == "No.202226\n中国信息通信研究院\n2023年1月"
    assert all(s.has_text for s in white_paper.sections)


def test_white_paper_chunks_hold_no_running_header_page_number_or_toc(docs, chunks):
    white_paper = docs[WHITE_PAPER]
    indexed = chunks[WHITE_PAPER]
    assert all(squash(RUNNING_HEADER) not in squash(c.text) for c in indexed)
    assert not any(PAGE_NUMBER.fullmatch(line) for c in indexed for line in c.text.splitlines())
    assert not any(LEADERS.search(c.text) for c in indexed)
    assert not any(s.label in ("目录", "图目录") for s in white_paper.sections)
    toc = [b.text for b in read_file(FILES / f"{WHITE_PAPER}.pdf", MAX_BYTES).blocks if b.kind == "toc"]
    headings, figures = toc[:16], toc[16:]
    assert headings[0] == "一、数据要素理论问题概述" and figures[0] == "图1 数据-信息-知识-智慧（DIKW）模型"
    outline = {label for s in white_paper.sections for label in s.path}
    for entry in headings:  # a heading of the outline, once in the text (its heading line), never indexed as text
        assert entry in outline and white_paper.text.count(entry) == 1, entry
        assert not any(squash(entry) in squash(c.text) for c in indexed), entry
    for entry in figures:  # the list of figures is gone; each caption stays once, under its figure
        assert white_paper.text.count(entry) == 1, entry
    concept = next(s for s in white_paper.sections if s.label == "（一）数据的概念与独特属性")
    assert "来源：公开资料整理\n图1 数据-信息-知识-智慧（DIKW）模型\n" in white_paper.section_text(concept)


def test_white_paper_page_breaks_leave_no_page_number_in_the_text(docs):
    """Each page's first line of text follows the last line of the page before, not the page number between them."""
    joined = squash(docs[WHITE_PAPER].text)
    reader = pypdf.PdfReader(FILES / f"{WHITE_PAPER}.pdf")
    reader.decrypt("")
    checked = 0
    for page in reader.pages:
        lines = [line.strip() for line in page.extract_text().splitlines() if line.strip()]
        if len(lines) < 3 or squash(lines[0]) != squash(RUNNING_HEADER):
            continue
        number, first = lines[1], squash(lines[2])[:10]
        at = joined.find(first)
        assert at > 0, lines[2]
        assert joined[at - len(number) : at] != number, lines[2]
        checked += 1
    assert checked == 45  # every page under the running header, from 一、 to 参考文献


# ---------------------------------------------------------------- the standard: Word auto-numbering


def test_standard_sections_follow_its_numbering(docs, chunks):
    standard = docs[STANDARD]
    clauses = [p.removeprefix(f"{STD} › ") for p in paths(standard) if p.startswith(f"{STD} › ")]
    assert clauses == [
        "1 范围", "2 规范性引用文件", "3 术语和定义", "3 术语和定义 › 3.1", "3 术语和定义 › 3.2", "3 术语和定义 › 3.3",
        "4 缩略语", "5 定期安全评价的策划和准备 › 5.1 确定评价范围和内容",
        "5 定期安全评价的策划和准备 › 5.2 确定评价依据 › 5.2.1 PSR一般每十年左右时间开展一次",
        "5 定期安全评价的策划和准备 › 5.3 确定工作模式 › 5.3.1 PSR一般工作模式",
        "5 定期安全评价的策划和准备 › 5.3 确定工作模式 › 5.3.2 设计相近核电厂的PSR联合评价",
        "5 定期安全评价的策划和准备 › 5.4 组建PSR技术团队 › 5.4.1 核电厂定期安全评价的责任主体为核电厂营运单位",
        "5 定期安全评价的策划和准备 › 5.5 建立PSR项目管理体系", "5 定期安全评价的策划和准备 › 5.6 编制PSR工作文件",
        "5 定期安全评价的策划和准备 › 5.7 制订进度计划",
        "6 执行评价 › 6.1 要素/专项评价 › 6.1.1 要素/专项评价方法",
        "6 执行评价 › 6.1 要素/专项评价 › 6.1.2 差异项分析及处置 › 6.1.2.1 差异项提出及安全影响分析",
        "6 执行评价 › 6.1 要素/专项评价 › 6.1.2 差异项分析及处置 › 6.1.2.2 弱项处置",
        "6 执行评价 › 6.1 要素/专项评价 › 6.1.3 要素/专项报告",  # typed numbers with Heading 2's level: under 6.1
        "6 执行评价 › 6.1 要素/专项评价 › 6.1.4 要素/专项间的支持与配合",
        "6 执行评价 › 6.2 总体评价及纠正行动和安全改进计划制定 › 6.2.1 总体评价",
        "6 执行评价 › 6.2 总体评价及纠正行动和安全改进计划制定 › 6.2.2 纠正行动和安全改进计划制定",
        "6 执行评价 › 6.2 总体评价及纠正行动和安全改进计划制定 › 6.2.3 PSR总体评价报告编制",
        "6 执行评价 › 6.3 过程管理 › 6.3.1 进度控制", "6 执行评价 › 6.3 过程管理 › 6.3.2 质量控制",
        "6 执行评价 › 6.3 过程管理 › 6.3.3 文件和记录管理",
        "7 定期安全评价后工作 › 7.1 实施纠正行动和安全改进计划", "7 定期安全评价后工作 › 7.2 资料保管",
        "7 定期安全评价后工作 › 7.3 核电厂文件更新",
    ]  # fmt: skip
    assert standard.title == STD  # not its codes (ICS 27.120.99, F69) or its designation (…能源行业标准)
    assert paths(standard)[:3] == [STD, "前言", "引言"]  # 目次 is gone, and nothing before it is their parent
    assert paths(standard)[-3:] == ["附录A （资料性附录）安全要素关联矩阵", "附录B （资料性附录）核电厂PSR大纲的一般内容",
                                    "附录C （资料性附录）收益成本分析的一般方法"]  # fmt: skip
    assert "目次" not in squash(standard.text)
    numbers = [s.number for s in standard.sections]
    assert len(set(numbers)) == len(numbers) and "5.1" in numbers and "6.1.2.2" in numbers


# ---------------------------------------------------------------- the regulation: bold 第X章 and 第X条


def test_regulation_bold_headings_are_its_chapters_and_articles(docs, chunks):
    regulation = docs[REGULATION]
    assert regulation.title == "中华人民共和国消费者权益保护法实施条例"  # not the decree (中华人民共和国国务院令)
    assert regulation.section_text(regulation.sections[0]).startswith("中华人民共和国国务院令\n第778号\n")
    articles = [s for s in regulation.sections if s.label.endswith("条")]
    assert [s.label for s in articles] == [f"第{chinese_numeral(n)}条" for n in range(1, 54)]
    assert list(dict.fromkeys(s.path[0] for s in articles)) == [
        "第一章 总则", "第二章 消费者的权利和经营者的义务", "第三章 国家对消费者合法权益的保护", "第四章 消费者组织",
        "第五章 争议的解决", "第六章 法律责任", "第七章 附则",
    ]  # fmt: skip
    [article] = [c for c in chunks[REGULATION] if c.label == "第二十一条"]
    assert article.heading_path == "第二章 消费者的权利和经营者的义务 › 第二十一条"
    assert article.text.startswith("经营者决定停业或者迁移服务场所的，应当提前30日在其经营场所")


def test_nearly_every_chunk_is_under_a_heading_of_its_document(docs, chunks):
    """Only the text before the first heading (a decree's preamble, a cover) has nothing but the title above it."""
    shares = {}
    for name, doc in docs.items():
        under = [c for c in chunks[name] if c.path and c.path != (doc.title,)]
        shares[name] = len(under) / len(chunks[name])
    print({name: f"{share:.3f}" for name, share in shares.items()})
    assert {name: len(chunks[name]) for name in docs} == {LAW: 82, WHITE_PAPER: 173, STANDARD: 67, REGULATION: 62}
    assert all(share >= 0.95 for share in shares.values()), shares
    assert shares[WHITE_PAPER] == 172 / 173  # all but the cover


# ---------------------------------------------------------------- answers citing them


@pytest.fixture(scope="module")
def engine(embedder, tmp_path_factory) -> Engine:
    """The four files in one knowledge base, with the bundled model."""
    base = tmp_path_factory.mktemp("real-files")
    shutil.copytree(FILES, base / "kb")
    return Engine(settings_in(base), embedder)


STANDARD_PATH = f"{STD} › "
QUESTIONS = [  # (question, document, heading path of passage [1], what the answer must say)
    ("处理不满十四周岁未成年人的个人信息需要谁同意？", LAW,
     "第二章 个人信息处理规则 › 第二节 敏感个人信息的处理规则 › 第三十一条", "应当取得未成年人的父母或者其他监护人的同意"),
    ("向境外提供个人信息需要具备哪些条件？", LAW, "第三章 个人信息跨境提供的规则 › 第三十八条",
     "依照本法第四十条的规定通过国家网信部门组织的安全评估"),
    ("违法处理个人信息情节严重的，最高可以罚款多少？", LAW, "第七章 法律责任 › 第六十六条",
     "五千万元以下或者上一年度营业额百分之五以下罚款"),
    ("哪些情形下处理个人信息不需要取得个人同意？", LAW, "第二章 个人信息处理规则 › 第一节 一般规定 › 第十三条",
     "不需取得个人同意"),
    ("个人信息保护影响评估报告要保存多久？", LAW, "第五章 个人信息处理者的义务 › 第五十六条", "应当至少保存三年"),
    ("经营者停业或者迁移服务场所要提前多少天公告？", REGULATION, "第二章 消费者的权利和经营者的义务 › 第二十一条",
     "应当提前30日"),
    ("消费者投诉后，有关行政部门应当在多长时间内处理？", REGULATION, "第五章 争议的解决 › 第四十六条",
     "应当自收到投诉之日起7个工作日内"),
    ("经营者收取预付款提供服务，要和消费者签什么合同？", REGULATION, "第二章 消费者的权利和经营者的义务 › 第二十二条",
     "应当与消费者订立书面合同"),
    ("直播营销平台经营者应当建立什么制度？", REGULATION, "第二章 消费者的权利和经营者的义务 › 第十四条",
     "建立健全消费者权益保护制度"),
    ("PSR每次持续多长时间？", STANDARD, STANDARD_PATH + "5 定期安全评价的策划和准备 › 5.3 确定工作模式 › 5.3.1 PSR一般工作模式",
     "每次持续4年左右时间"),
    ("定期安全评价的范围应包括哪些安全要素？", STANDARD,
     STANDARD_PATH + "5 定期安全评价的策划和准备 › 5.1 确定评价范围和内容", "核电厂定期安全评价的范围应包括以下14个安全要素"),
    ("弱项分成哪几类？", STANDARD,
     STANDARD_PATH + "6 执行评价 › 6.1 要素/专项评价 › 6.1.2 差异项分析及处置 › 6.1.2.2 弱项处置", "弱项可分成管理和技术两类"),
    ("PSR总体评价报告应包括哪些内容？", STANDARD,
     STANDARD_PATH + "6 执行评价 › 6.2 总体评价及纠正行动和安全改进计划制定 › 6.2.3 PSR总体评价报告编制", "b) 总体评价结论"),
    ("收益成本分析中成本主要考虑什么？", STANDARD, "附录C （资料性附录）收益成本分析的一般方法",
     "成本分析主要考虑方案实施的总成本"),
    ("数据要素的价值通过哪三条途径实现？", WHITE_PAPER, f"{ONE} › （三）数据要素主要通过三条途径实现价值",
     "数据要素投入生产的途径可概括为三次价值释放过程"),
    ("数据信托是什么？", WHITE_PAPER, f"{TWO} › （四）数据要素市场经营运行模式积极创新 › 1.新机制：从自行管理运维到委托运营",
     "进行利益分配的数据流通模式"),
    ("传统的资产评估方法有哪些？", WHITE_PAPER, f"{THREE} › （二）估值定价缺乏依据，有待发挥市场作用 › 1.问题分析",
     "传统的资产评估方法包括成本法、收益法和市场法三类"),
    ("欧盟提出建设什么数据市场？", WHITE_PAPER, f"{TWO} › （四）数据要素市场经营运行模式积极创新 › 3.新设施：从分散对接到统一数据空间",
     "欧盟力图建设“单一数据市场”"),
    ("上海提出打造什么新生态？", WHITE_PAPER, f"{TWO} › （四）数据要素市场经营运行模式积极创新 › 2.新主体：从供需直接对接到多元数商参与",
     "上海提出打造“数商”新生态"),
    ("我国什么时候首次将数据增列为生产要素？", WHITE_PAPER, f"{TWO} › （一）数据要素市场政策布局不断细化深入",
     "我国自2019年十九届四中全会首次将数据增列为生产要素以来"),
]  # fmt: skip


@pytest.mark.parametrize(("question", "doc", "path", "says"), QUESTIONS, ids=[q for q, *_ in QUESTIONS])
def test_answers_cite_the_passage_under_its_heading_path(engine, question, doc, path, says):
    answer = engine.answer(question)
    assert not answer.refused, answer.text
    first = answer.citations[0].hit.chunk
    assert (first.doc_id, first.heading_path) == (doc, path)
    assert says in answer.text
    assert not any(squash(RUNNING_HEADER) in squash(c.hit.chunk.text) for c in answer.citations)


def test_one_question_asked_of_each_document_cites_its_own_article(engine):
    law = engine.answer("什么时候开始施行？", doc=LAW)
    regulation = engine.answer("什么时候开始施行？", doc=REGULATION)
    assert law.citations[0].hit.chunk.heading_path == "第八章 附则 › 第七十四条"
    assert law.text.startswith("本法自2021年11月1日起施行")  # when it takes effect, not when it was adopted
    assert regulation.citations[0].hit.chunk.heading_path == "第七章 附则 › 第五十三条"
    assert regulation.text.startswith("本条例自2024年7月1日起施行。")


def test_questions_about_the_law_itself_are_answered_from_its_outline(engine):
    chapters = engine.answer("这部法律一共有几章？")
    assert chapters.reason == "structure"
    assert chapters.text.splitlines() == [
        "《中华人民共和国个人信息保护法》共8章:", "第一章 总则", "第二章 个人信息处理规则", "第三章 个人信息跨境提供的规则",
        "第四章 个人在个人信息处理活动中的权利", "第五章 个人信息处理者的义务", "第六章 履行个人信息保护职责的部门",
        "第七章 法律责任", "第八章 附则",
    ]  # fmt: skip
    duties = engine.answer("法律责任有哪些？", doc=LAW)
    assert [c.hit.chunk.heading_path for c in duties.citations] == [
        f"第七章 法律责任 › 第{n}条" for n in ("六十六", "六十七", "六十八", "六十九", "七十", "七十一")
    ]


@pytest.mark.parametrize(("question", "doc", "path", "says"), [
    ("个人信息保护法什么时候开始施行？", LAW, "第八章 附则 › 第七十四条", "本法自2021年11月1日起施行"),
    ("消费者权益保护法实施条例什么时候开始施行？", REGULATION, "第七章 附则 › 第五十三条", "本条例自2024年7月1日起施行"),
])  # fmt: skip
def test_a_question_that_names_a_document_is_answered_from_it(engine, question, doc, path, says):
    """Two documents say when they take effect; the one the question names is the one that answers."""
    answer = engine.answer(question)
    first = answer.citations[0].hit.chunk
    assert (first.doc_id, first.heading_path) == (doc, path)
    assert answer.text.startswith(says)


def test_a_section_of_a_chapter_is_summarised_from_its_articles(engine):
    section = engine.answer("个人信息保护法第二章第一节讲了什么？")
    assert section.reason == "structure"
    lines = section.text.splitlines()
    assert lines[:3] == ["《中华人民共和国个人信息保护法》的“第一节 一般规定”包括15项:", "第十三条",
                         "符合下列情形之一的，个人信息处理者方可处理个人信息：[1]"]  # fmt: skip
    assert [c.hit.chunk.label for c in section.citations] == [f"第{chinese_numeral(n)}条" for n in range(13, 28)]
    article = engine.answer("第二章第一节第十三条讲了什么？")  # an article of the section, not the section
    assert article.reason != "structure"
    assert article.citations[0].hit.chunk.heading_path == "第二章 个人信息处理规则 › 第一节 一般规定 › 第十三条"


def test_who_issued_a_document_and_when_comes_from_its_cover(engine):
    who = engine.answer("数据要素白皮书是谁发布的？")
    when = engine.answer("数据要素白皮书是什么时候发布的？")
    assert (who.reason, who.text) == ("structure", "中国信息通信研究院[1]")
    assert (when.reason, when.text) == ("structure", "2023年1月[1]")
    assert who.citations[0].hit.chunk.heading_path == "数据要素白皮书(2022年)"


def test_every_document_text_is_in_normal_form(docs):
    """What the refusal's corpus relies on: a document's text is not normalised a second time."""
    from kbqa.text import normalize

    assert all(normalize(doc.text) == doc.text for doc in docs.values())
