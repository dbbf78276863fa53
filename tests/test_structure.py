"""The structure stage on real documents and on the shapes of Chinese official writing: exact heading trees."""

import pytest
from conftest import DATA

from kbqa.data import Block
from kbqa.headings import classify
from kbqa.kb import document_from_text
from kbqa.structure import build_document

GOV = DATA / "corpora" / "gov_report_2024.txt"
PLAN = DATA / "corpora" / "changning_15th_fyp.txt"


@pytest.fixture(scope="module")
def gov():
    return document_from_text(GOV.read_text(encoding="utf-8"), "gov_report_2024")


@pytest.fixture(scope="module")
def plan():
    return document_from_text(PLAN.read_text(encoding="utf-8"), "changning_15th_fyp")


def test_government_work_report_title_and_outline(gov):
    assert gov.title == "政府工作报告"
    assert gov.meta["subtitle"] == "2024年3月5日在第十四届全国人民代表大会第二次会议上国务院总理李强"
    assert [s.heading_path for s in gov.sections] == [
        "政府工作报告",
        "一、2023年工作回顾",
        "二、2024年经济社会发展总体要求和政策取向",
        "三、2024年政府工作任务",
        *(f"三、2024年政府工作任务 › {task}" for task in (
            "（一）大力推进现代化产业体系建设，加快发展新质生产力",
            "（二）深入实施科教兴国战略，强化高质量发展的基础支撑",
            "（三）着力扩大国内需求，推动经济实现良性循环",
            "（四）坚定不移深化改革，增强发展内生动力",
            "（五）扩大高水平对外开放，促进互利共赢",
            "（六）更好统筹发展和安全，有效防范化解重点领域风险",
            "（七）坚持不懈抓好“三农”工作，扎实推进乡村全面振兴",
            "（八）推动城乡融合和区域协调发展，大力优化经济布局",
            "（九）加强生态文明建设，推进绿色低碳发展",
            "（十）切实保障和改善民生，加强和创新社会治理",
        )),
    ]  # fmt: skip
    assert [s.number for s in gov.sections][:5] == ["0", "1", "2", "3", "3.1"]


def test_a_lead_sentence_is_the_heading_and_the_rest_its_text(gov):
    task = gov.sections[4]
    assert task.title == "大力推进现代化产业体系建设，加快发展新质生产力"
    assert gov.section_text(task).startswith("充分发挥创新主导作用，以科技创新推动产业创新")
    assert "（一）" not in gov.section_text(task)


def test_dash_led_review_paragraphs_are_text(gov):
    review = gov.section_text(gov.sections[1])
    assert "——经济总体回升向好。国内生产总值超过126万亿元" in review


def test_plan_outline_three_levels_and_glossary(plan):
    paths = [s.heading_path for s in plan.sections]
    assert plan.title == "上海市长宁区国民经济和社会发展第十五个五年规划纲要"  # 《》 not doubled later
    assert paths[:4] == [
        "上海市长宁区国民经济和社会发展第十五个五年规划纲要",
        "一、发展新阶段新起点",
        "一、发展新阶段新起点 › (一)发展基础 › 1.经济实力跨步提升",
        "一、发展新阶段新起点 › (一)发展基础 › 2.改革创新有力推进",
    ]
    assert "四、加快形成现代化产业体系核心竞争力 › (二)加快培育新兴产业 › 2.低空经济" in paths
    assert "名词解释 › 2.适数化改革(第15页)" in paths
    assert "名词解释 › 6.15分钟出海服务圈(第31页)" in paths  # item 6, not section 6.15
    assert len(plan.sections) == 160
    assert len({s.number for s in plan.sections}) == len(plan.sections)


def test_flattened_indicator_table_is_rows(plan):
    text = plan.text
    assert "序号 | 指标名称 | 单位 | 属性 | “十五五”目标\n" in text
    assert "1 | 地区生产总值年均增速 | % | 预期性 | 与全市经济增速保持同步\n" in text
    assert "16 | 人均公园绿地面积 | 平方米/人 | 约束性 | ≥7.82\n" in text
    assert "\n预期性\n" not in text


@pytest.mark.parametrize(
    ("line", "label", "rest"),
    [
        ("（一）大力推进现代化产业体系建设，加快发展新质生产力。充分发挥", "（一）大力推进现代化产业体系建设，加快发展新质生产力", "充分发挥"),
        ("(一)发展基础", "(一)发展基础", ""),
        ("1.经济实力跨步提升。地区生产总值年均增速位居全市首位", "1.经济实力跨步提升", "地区生产总值年均增速位居全市首位"),
        ("第二章　个人信息处理规则", "第二章 个人信息处理规则", ""),
        ("第一章 总 则", "第一章 总则", ""),
        ("第十三条 符合下列情形之一的，个人信息处理者方可处理个人信息：", "第十三条", "符合下列情形之一的，个人信息处理者方可处理个人信息："),
        ("2.3 人工智能算法的创新突破与场景落地", "2.3 人工智能算法的创新突破与场景落地", ""),
        ("1 范围", "1 范围", ""),
        ("附录A 安全要素关联矩阵", "附录A 安全要素关联矩阵", ""),
        ("前 言", "前言", ""),
    ],
)
def test_headings_of_official_writing(line, label, rest):
    heading = classify(line)
    assert (heading.label, heading.rest) == (label, rest)


@pytest.mark.parametrize(
    "line",
    [
        "（一）取得个人的同意；",  # a list item ends with ；
        "（七）法律、行政法规规定的其他情形。",  # one whole sentence, nothing after it
        "统一、能耗数据接口",  # not a numeral
        "1.5亿元用于改造。其余资金",  # a figure
        "3个部门联合开展。后续",
        "依照本法第四十条的规定",
        "——经济总体回升向好。",
    ],
)
def test_not_headings(line):
    assert classify(line) is None


def paragraphs(*lines: str) -> list[Block]:
    return [Block("paragraph", line) for line in lines]


def test_law_chapters_sections_articles_and_items():
    doc = build_document(paragraphs(
        "某某保护条例", "目录", "第一章 总 则", "第二章 处理规则", "第一节 一般规定",
        "第一章 总 则", "第一条 为了保护权益，制定本条例。", "第二条 本条例适用于境内活动。",
        "第二章 处理规则", "第一节 一般规定", "第三条 符合下列情形之一的，方可处理：",
        "（一）取得个人的同意；", "（二）法律规定的其他情形。", "第四条 处理者应当公开规则。",
    ), "regs")  # fmt: skip
    assert doc.title == "某某保护条例"
    assert [s.heading_path for s in doc.sections] == [
        "第一章 总则 › 第一条", "第一章 总则 › 第二条",
        "第二章 处理规则 › 第一节 一般规定 › 第三条", "第二章 处理规则 › 第一节 一般规定 › 第四条",
    ]  # fmt: skip
    third = doc.sections[2]
    assert doc.section_text(third) == "符合下列情形之一的，方可处理：\n（一）取得个人的同意；\n（二）法律规定的其他情形。"
    assert "目录" not in doc.text  # the table of contents is not text


def test_a_number_out_of_sequence_is_not_a_heading():
    doc = build_document(paragraphs("标题", "一、总体要求", "正文一。", "三、这行编号跳了", "正文二。"), "d")
    assert [s.label for s in doc.sections] == ["一、总体要求"]
    assert "三、这行编号跳了" in doc.section_text(doc.sections[0])


def test_format_levels_win_and_numbered_paragraphs_nest_below():
    doc = build_document([
        Block("heading", "总则", level=1), Block("paragraph", "第一条 目的。"),
        Block("heading", "分则", level=1), Block("heading", "细目", level=2), Block("paragraph", "第二条 内容。"),
    ], "d", title="办法")  # fmt: skip
    assert [s.heading_path for s in doc.sections] == ["总则 › 第一条", "分则 › 细目 › 第二条"]


def test_bold_lead_of_a_word_paragraph_is_its_heading():
    doc = build_document([
        Block("paragraph", "第一章　总　　则", lead="第一章　总　　则"),
        Block("paragraph", "第一条　根据有关法律，制定本条例。", lead="第一条"),
    ], "regs", title="实施条例")  # fmt: skip
    assert [(s.heading_path, doc.section_text(s)) for s in doc.sections] == [
        ("第一章 总则 › 第一条", "根据有关法律，制定本条例。"),
    ]


# ---------------------------------------------------------------- the title among the front matter


@pytest.mark.parametrize(("lines", "title"), [
    (["No.202226", "数据要素白皮书", "(2022年)", "中国信息通信研究院", "2023年1月", "版权声明"], "数据要素白皮书(2022年)"),
    (["中华人民共和国国务院令", "第778号", "《中华人民共和国消费者权益保护法实施条例》已经国务院常务会议通过，现予公布。",
      "总理\u3000\u3000李强", "2024年3月15日", "中华人民共和国消费者权益保护法实施条例", "第一章\u3000总\u3000\u3000则"],
     "中华人民共和国消费者权益保护法实施条例"),
    (["ICS\u200227.120.99", "F69", "备案号：", "NB", "中华人民共和国能源行业标准", "NB/T —", "核电厂定期安全评价",
      "第1部分：通用要求", "Preparation of periodic safety review"], "核电厂定期安全评价第1部分：通用要求"),
    (["关于加强数据安全管理的通知", "（征求意见稿）", "各有关单位："], "关于加强数据安全管理的通知（征求意见稿）"),
])  # fmt: skip
def test_the_title_is_the_first_front_matter_line_that_is_no_code_decree_date_or_issuer(lines, title):
    document = build_document([Block("paragraph", line) for line in [*lines, "正文第一段，说明一些情况。"]], "doc")
    assert document.title == title
    title_line = title.split("(")[0].split("（")[0].split("第1部分")[0]
    assert title_line not in document.text.splitlines()[1:]  # the title's lines are taken out of the text
    assert document.text.rstrip().endswith("正文第一段，说明一些情况。")


def test_a_document_that_opens_with_a_numbered_heading_has_its_file_name_as_title():
    document = build_document([Block("paragraph", "一、总体要求"), Block("paragraph", "坚持稳中求进。")], "plan-2025")
    assert document.title == "plan-2025"
