import re

import pytest
from conftest import KB_DOC

from kbqa.data import Document
from kbqa.kb import document_from_text as parse_document
from kbqa.text import normalize, strip_pinyin

SECTIONS = [
    ("1.1", "全球智慧城市发展趋势与中国实践演进"), ("1.2", "智慧城市创新对城市治理现代化的核心价值"),
    ("1.3", "2025年智慧城市创新的关键驱动因素"), ("1.4", "智慧城市与城市治理优化的融合路径"),
    ("1.5", "智慧城市治理优化的风险挑战与应对策略"), ("2.1", "物联网感知技术的全域覆盖与深度赋能"),
    ("2.2", "大数据与云计算平台的协同联动与价值释放"), ("2.3", "人工智能算法的创新突破与场景落地"),
    ("2.4", "数字孪生技术的系统集成与虚实交互"), ("3.1", "智慧交通:从拥堵治理到出行生态重构"),
    ("3.2", "智慧能源:双碳目标下的城市能源革命"), ("3.3", "智慧环保:从被动监测到主动治理"),
    ("3.4", "智慧政务:服务型政府的数字化转型"), ("4.1", "数据安全与隐私保护挑战"),
    ("4.2", "技术标准与兼容性问题"), ("4.3", "数字鸿沟与公平性问题"), ("4.4", "资金投入与可持续性难题"),
    ("4.5", "治理机制与协同创新不足"), ("5.1", "整体性治理理念的深化与实践"),
    ("5.2", "跨部门数据共享与业务协同机制"), ("5.3", "智慧城市治理评价体系与持续优化"),
    ("6.1", "政策协同机制创新"), ("6.2", "多元主体参与模式"), ("6.3", "长效运营保障体系"),
    ("6.4", "未来技术融合趋势"), ("7.1", "技术融合驱动的智慧城市新生态"), ("7.2", "治理模式演进与城市形态变革"),
    ("7.3", "社会影响与可持续发展路径"), ("8.1", "顶层设计与统筹规划机制"), ("8.2", "标准体系与规范建设"),
    ("8.3", "试点示范与推广复制"), ("8.4", "资金保障与可持续运营"), ("8.5", "人才培养与智力支撑"),
    ("9.1", "区域一体化背景下的智慧城市协同机制"), ("9.2", "跨域数据共享与业务协同实践"),
    ("9.3", "基础设施共建与公共服务均等化"), ("9.4", "产业协同与数字经济发展新格局"),
    ("10.1", "新加坡“智慧国”战略的顶层设计机制"), ("10.2", "巴塞罗那公民参与式治理创新"),
    ("10.3", "迪拜区块链政务的法治保障体系"), ("10.4", "国际经验本土化转化的核心障碍"),
    ("10.5", "本土化创新实践与转化路径"), ("11.1", "产业生态的多层次协同体系"),
    ("11.2", "商业模式的创新路径与可持续性"), ("11.3", "生态协同机制与资源配置优化"),
    ("12.1", "评估指标体系的科学构建"), ("12.2", "多元主体参与的评估机制"), ("12.3", "动态监测与持续改进"),
    ("12.4", "评估结果的科学应用"), ("12.5", "评估体系的迭代优化"),
    ("13.1", "智慧城市对国家治理现代化的战略意义"), ("13.2", "推动智慧城市高质量发展的实施路径"),
    ("13.3", "面向2035年的智慧城市发展趋势"),
]
CHAPTERS = [
    ("一", "智慧城市创新与城市治理优化总体框架"), ("二", "智慧城市核心技术支撑体系构建与应用"),
    ("三", "智慧城市重点应用场景与治理效能提升"), ("四", "智慧城市建设的风险挑战与应对策略"),
    ("五", "智慧城市治理模式创新与制度保障"), ("六", "智慧城市长效运营与可持续发展机制"),
    ("七", "智慧城市未来发展趋势与前瞻展望"), ("八", "智慧城市实施路径与推进策略"),
    ("九", "智慧城市区域协同发展与跨域治理创新"), ("十", "智慧城市国际经验借鉴与本土化实践"),
    ("十一", "智慧城市产业生态与商业模式创新"), ("十二", "智慧城市评估体系与绩效管理"),
    ("十三", "智慧城市建设的核心价值与未来展望"),
]
SITE_TEXT = ["版权说明", "文档简介", "温馨提示", "最新文档", "评论", "0/150", "人人文库网", "本站", "WinRAR",
             "肉毒毒素培训课件", "殡葬服务心得体会", "提交评论"]


@pytest.fixture(scope="module")
def report() -> Document:
    return parse_document(KB_DOC.read_text(encoding="utf-8"), "smart-city-report-2025")


def test_title(report):
    assert report.title == "2025年智慧城市创新报告与城市治理优化分析报告"


def test_exact_section_list(report):
    assert [(s.number, s.title) for s in report.sections] == SECTIONS


def test_chapters(report):
    chapters = list(dict.fromkeys(s.path[0] for s in report.sections))
    assert chapters == [f"{n}、{t}" for n, t in CHAPTERS]
    assert all(s.path[1:] == (f"{s.number} {s.title}",) for s in report.sections)


def test_heading_only_sections_have_no_text(report):
    empty = [s.number for s in report.sections if not s.has_text]
    assert empty == ["2.3", "12.3", "12.4", "12.5", "13.1", "13.2", "13.3"]


def test_sections_hold_their_own_text(report):
    s11 = report.section_text(report.section("1.1"))
    assert s11.startswith("近年来,全球智慧城市建设呈现出技术驱动与需求导向深度融合的显著特征。")
    assert s11.endswith("智慧城市建设成为破解城市发展难题、实现可持续发展的必然选择。")
    s24 = report.section_text(report.section("2.4"))
    assert s24.startswith("数字孪生技术通过构建物理城市的虚拟镜像")
    # The preview stops inside 12.2.
    assert report.section_text(report.section("12.2")).endswith("邀请市民代表参与指")


def test_non_headings_stay_in_the_text(report):
    # "统一、能耗" and "PM2.5浓度" look like headings but are body text.
    assert "统一、能耗" in report.text
    assert "2.5浓度" in report.text
    assert all(not s.title.startswith(("能耗", "浓度")) for s in report.sections)


def test_site_text_is_gone(report):
    for marker in SITE_TEXT:
        assert marker not in report.text, marker


def test_pinyin_is_gone(report):
    assert not re.search(r"[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]", report.text)
    assert not re.search(r"\([a-z]+\)", report.text)


def test_text_is_simplified(report):
    assert not set("數據發創優體統與這個為們國") & set(report.text)
    assert "随着5G网络" in report.text  # 隨著 -> 随着, not 随著
    assert "显著提升" in report.text  # 著 kept where simplified Chinese keeps it


def test_mojibake_survives_without_breaking_parsing(report):
    assert "??梢哉f" in report.text


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("數(shù)據(jù)", "數據"),
        ("規(guī)?;瘧?yīng)用", "規?;瘧用"),  # opening bracket lost to mojibake
        ("部分?jǐn)?shù)據", "部分據"),
        ("(EMC)模式", "(EMC)模式"),
    ],
)
def test_strip_pinyin(raw, clean):
    assert strip_pinyin(raw) == clean


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("長三角示範區統一了多少類數據接口標準?", "长三角示范区统一了多少类数据接口标准?"),
        ("ABC123%", "ABC123%"),
        ("一网通办 平台", "一网通办 平台"),
        ("意味著", "意味着"),
        ("著名的城市", "著名的城市"),
    ],
)
def test_normalize(raw, clean):
    assert normalize(raw) == clean


def test_offsets_point_into_the_text(report):
    for s in report.sections:
        heading = report.text[s.heading_start : s.start]
        assert heading == f"{s.number} {s.title}\n"


def test_markdown_document():
    doc = parse_document("# 指南\n\n## 1 总则\n第一段。\n\n## 2 细则\n第二段内容。\n", "guide", "md")
    assert doc.title == "指南"
    assert [(s.number, s.title, doc.section_text(s)) for s in doc.sections] == [
        ("1", "总则", "第一段。"),
        ("2", "细则", "第二段内容。"),
    ]


def test_plain_text_is_one_section_under_its_title():
    doc = parse_document("城市治理笔记\n智慧城市需要数据共享。", "notes")
    assert doc.title == "城市治理笔记"
    [section] = doc.sections
    assert doc.section_text(section) == "智慧城市需要数据共享。"
    assert section.path == ("城市治理笔记",)


def test_markdown_chapter_heading_is_not_an_empty_section():
    doc = parse_document("# 指南\n\n## 1 技术标准\n### 1.1 接口\n统一接口标准。\n", "guide", "md")
    assert [(s.number, s.title, s.has_text) for s in doc.sections] == [("1.1", "接口", True)]
