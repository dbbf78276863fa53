"""The web pages' HTML and text, from hand-made documents and answers: exact fragments, no browser."""

from __future__ import annotations

import pytest
from conftest import KB_DOC

from kbqa.data import Answer, Chunk, Citation, Document, Hit, Section
from kbqa.errors import KbqaError, QuestionError
from kbqa.kb import list_sources, read_source
from kbqa.settings import Settings
from kbqa.study import Checked, make_questions
from kbqa.titles import book_title, description, example_questions, page_title, short_title
from kbqa.ui.library import Library, placeholder
from kbqa.ui.outline import outline, render_toc
from kbqa.ui.render import (
    citation_text,
    highlight_html,
    history_turn,
    render_answer,
    render_error,
    render_feedback,
    render_passage,
    render_path,
    render_section,
)

CHAPTER = "三、2024年政府工作任务"
PART = "（一）大力推进现代化产业体系建设"
ITEM = "1.<推动>产业链供应链优化升级"
TEXT = "智能制造示范工厂达到<421>家&更多。"
SECTIONS = (
    Section("1", "总体要求", ("一、总体要求",), 10, 20, 5, "plan"),
    Section("3.1.1", ITEM, (CHAPTER, PART, ITEM), 30, 30 + len(TEXT), 25, "plan"),
    Section("3.1.2", "培育新兴产业", (CHAPTER, PART, "2.培育新兴产业"), 60, 60, 55, "plan"),
    Section("3.2", "深入实施科教兴国战略", (CHAPTER, "（二）深入实施科教兴国战略"), 70, 80, 65, "plan"),
)
PLAN = Document("plan", "政府工作报告——2024年3月5日", "x" * 30 + TEXT + "y" * 50, SECTIONS)
RULES = Document("rules", "《青禾市公共数据开放管理办法》", "z" * 40, (Section("1.1", "目的", ("1、总则", "1.1 目的"), 5, 30, 0, "rules"),))


def cite(n: int = 1, doc: Document = PLAN, section: Section = SECTIONS[1], text: str = TEXT) -> Citation:
    chunk = Chunk(n, doc.doc_id, section.number, section.title, section.path, section.start, section.end, text)
    return Citation(n, Hit(chunk, 0.9), ((text.index("<421>"), text.index("<421>") + 5),) if "<421>" in text else ())


# ---------------------------------------------------------------- escaping and marks


def test_passage_text_is_escaped_before_it_is_highlighted():
    text = "<script>alert(1)</script>整合48个部门&数据"
    spans = [[text.index("48个"), text.index("48个") + 3], [0, 8]]
    assert highlight_html(text, spans) == (
        "<mark>&lt;script&gt;</mark>alert(1)&lt;/script&gt;整合<mark>48个</mark>部门&amp;数据"
    )
    assert highlight_html("甲乙丙", [[0, 2], [1, 3], [5, 9]]) == "<mark>甲乙</mark>丙"  # overlaps, out of range


def test_a_path_greys_the_headings_above_the_section():
    assert render_path((CHAPTER, PART)) == (
        '<span class="kbqa-path"><span class="kbqa-path-up">三、2024年政府工作任务 › </span>'
        "（一）大力推进现代化产业体系建设</span>"
    )
    assert render_path(("<总则>",)) == '<span class="kbqa-path">&lt;总则&gt;</span>'


def test_a_passage_shows_its_heading_path_highlights_and_a_citation_to_copy():
    assert render_passage(cite(), {"plan": PLAN}) == (
        '<div class="kbqa-card kbqa-passage" data-passage="1" data-section="3.1.1">'
        '<div class="kbqa-passage-head"><span>[1]</span> <span class="kbqa-path"><span class="kbqa-path-up">'
        "三、2024年政府工作任务 › （一）大力推进现代化产业体系建设 › </span>1.&lt;推动&gt;产业链供应链优化升级</span></div>"
        "<p>智能制造示范工厂达到<mark>&lt;421&gt;</mark>家&amp;更多。</p>"
        '<div class="kbqa-actions"><button type="button" class="kbqa-copy" data-copy="“智能制造示范工厂达到&lt;421&gt;家'
        "&amp;更多。”——《政府工作报告——2024年3月5日》三、2024年政府工作任务 › （一）大力推进现代化产业体系建设 › "
        '1.&lt;推动&gt;产业链供应链优化升级">复制引用</button>'
        '<button type="button" data-open="plan#3.1.1">查看全节</button></div></div>'
    )


def test_with_several_documents_a_passage_names_its_document_in_one_pair_of_brackets():
    html = render_passage(cite(2, RULES, RULES.sections[0], "开放目的。"), {"plan": PLAN, "rules": RULES})
    assert '<div class="kbqa-muted kbqa-passage-doc">《青禾市公共数据开放管理办法》</div>' in html
    assert "data-copy=\"“开放目的。”——《青禾市公共数据开放管理办法》1、总则 › 1.1 目的\"" in html
    assert "《《" not in html


def test_a_citation_is_the_quote_then_the_document_and_heading_path():
    assert citation_text("交通拥堵已成为核心痛点。", "报告", ("三、应用", "3.1 智慧交通")) == (
        "“交通拥堵已成为核心痛点。”——《报告》三、应用 › 3.1 智慧交通"
    )


# ---------------------------------------------------------------- answers


def test_an_answer_has_numbered_buttons_and_puts_uncited_passages_aside():
    answer = Answer("示范工厂有多少家?", "达到421家[1]。", False, 0.9, (cite(1), cite(2)))
    html = render_answer(answer, {"plan": PLAN})
    assert html.startswith(
        '<div class="kbqa-card kbqa-turn"><div class="kbqa-question">问:示范工厂有多少家?</div>'
        '<div class="kbqa-answer-text">达到421家<button type="button" class="kbqa-ref" data-jump="1">[1]</button>。'
        '</div></div><h3 class="kbqa-passages-title">引用段落</h3><div class="kbqa-card kbqa-passage" data-passage="1"'
    )
    assert '<details class="kbqa-more"><summary>其他相关段落(1)</summary><div class="kbqa-card kbqa-passage" ' \
        'data-passage="2"' in html
    assert "由语言模型撰写" not in html
    assert history_turn(answer) == {"question": "示范工厂有多少家?", "answer": "达到421家。", "sources": [ITEM]}


def test_a_generated_answer_says_so_beside_it():
    answer = Answer("问?", "写成的答案[1]。", False, 0.9, (cite(1),), mode="generated")
    assert '[1]</button>。</div><div class="kbqa-generated kbqa-muted">由语言模型撰写,已逐句核对原文</div></div>' in (
        render_answer(answer, {"plan": PLAN})
    )


def test_a_refusal_shows_its_reason_and_the_suggested_sections_as_buttons():
    answer = Answer("<地铁>票价?", "知识库中没有找到与该问题相关的内容。", True, 0.1, suggestions=(SECTIONS[3], RULES.sections[0]))
    assert render_answer(answer, {"plan": PLAN, "rules": RULES}) == (
        '<div class="kbqa-card kbqa-turn"><div class="kbqa-question">问:&lt;地铁&gt;票价?</div>'
        '<div class="kbqa-notice kbqa-refusal" role="status"><strong>无法回答</strong> 知识库中没有找到与该问题相关的内容。'
        '<div>可以看看这些章节:</div><ul>'
        '<li><button type="button" class="kbqa-link" data-open="plan#3.2">（二）深入实施科教兴国战略 '
        '<span class="kbqa-muted">《政府工作报告》</span></button></li>'
        '<li><button type="button" class="kbqa-link" data-open="rules#1.1">1.1 目的 '
        '<span class="kbqa-muted">《青禾市公共数据开放管理办法》</span></button></li></ul></div></div>'
    )


def test_a_refusal_with_a_neighbour_says_so_then_quotes_what_the_documents_do_say():
    text = "知识库中没有找到与“东京”相关的内容。\n知识库中相近的内容(涉及深圳市):\n达到421家。[1]"
    answer = Answer("东京有多少家?", text, True, 0.6, (cite(1),), suggestions=(SECTIONS[3],), reason="unknown_topic")
    html = render_answer(answer, {"plan": PLAN})
    assert html.startswith(
        '<div class="kbqa-card kbqa-turn"><div class="kbqa-question">问:东京有多少家?</div>'
        '<div class="kbqa-notice kbqa-refusal" role="status"><strong>无法回答</strong> 知识库中没有找到与“东京”相关的内容。</div>'
        '<div class="kbqa-answer-text">知识库中相近的内容(涉及深圳市):\n达到421家。'
        '<button type="button" class="kbqa-ref" data-jump="1">[1]</button></div></div>'
        '<h3 class="kbqa-passages-title">引用段落</h3><div class="kbqa-card kbqa-passage" data-passage="1"'
    )
    assert "可以看看这些章节" not in html


def test_errors_show_the_sentence_of_kbqa_errors():
    too_long = QuestionError("question_too_long", "internal", chars=600, limit=500)
    assert render_error(too_long) == (
        '<div class="kbqa-notice kbqa-error" role="alert">问题太长了:现在有 600 个字,最多 500 个字。请删减后再提问。</div>'
    )
    assert "知识库中没有这份文档" in render_error(KbqaError("unknown_document", "internal"))
    assert "系统暂时无法回答,请稍后再试。" in render_error(RuntimeError("disk full"))


# ---------------------------------------------------------------- titles and examples


@pytest.mark.parametrize(
    ("title", "once"),
    [
        ("2025年智慧城市创新报告", "《2025年智慧城市创新报告》"),
        ("《上海市长宁区十五五规划纲要》", "《上海市长宁区十五五规划纲要》"),
        ("《数据二十条》解读", "《〈数据二十条〉解读》"),
        ("《甲》和《乙》", "《〈甲〉和〈乙〉》"),
    ],
)
def test_a_title_gets_exactly_one_pair_of_book_brackets(title, once):
    assert book_title(title) == once
    assert book_title(once) == once


def test_a_title_is_shortened_before_its_dash():
    assert short_title("政府工作报告——2024年3月5日在第十四届全国人民代表大会第二次会议上") == "政府工作报告"
    assert short_title("《某规划——征求意见稿》") == "《某规划》"


def test_the_page_is_named_after_its_one_document_or_the_setting():
    empty = Settings.from_env(env={})
    assert page_title({"r": Document("r", "2025年智慧城市创新报告与城市治理优化分析报告", "", ())}, empty) == (
        "2025年智慧城市创新报告与城市治理优化分析报告 问答"
    )
    assert page_title({"rules": RULES}, empty) == "《青禾市公共数据开放管理办法》问答"
    assert page_title({"plan": PLAN, "rules": RULES}, empty) == "知识库问答"
    assert page_title({"plan": PLAN}, Settings.from_env(env={"KBQA_TITLE": "政策问答"})) == "政策问答"


def test_the_description_lists_each_title_once_bracketed_then_counts_the_rest():
    three = {"plan": PLAN, "rules": RULES, "c": Document("c", "《长宁区十五五规划纲要》", "", ())}
    assert description(three) == "依据《政府工作报告》、《青禾市公共数据开放管理办法》、《长宁区十五五规划纲要》回答,每个答案都注明出处。"
    seven = {str(i): Document(str(i), f"文件{i}", "", ()) for i in range(7)}
    assert description(seven) == "依据《文件0》、《文件1》、《文件2》、《文件3》、《文件4》等 7 份文档回答,每个答案都注明出处。"


def test_example_questions_come_from_the_setting_or_from_headings_spread_over_the_documents():
    documents = {"plan": PLAN, "rules": RULES}
    assert example_questions(documents, Settings.from_env(env={"KBQA_EXAMPLES": " 甲是什么? | |乙呢? "})) == [
        "甲是什么?", "乙呢?",
    ]  # fmt: skip
    derived = example_questions(documents, Settings.from_env(env={}))
    assert derived == ["“总体要求”有哪些要点?", "“目的”有哪些要点?", f"“{ITEM}”有哪些要点?", "“深入实施科教兴国战略”有哪些要点?"]
    assert placeholder(derived) == "例如:“总体要求”有哪些要点?"
    untitled = Document("t", "某市通知", "abc", (Section("1", "", (), 0, 3, 0, "t"),))
    assert example_questions({"t": untitled}, Settings.from_env(env={})) == ["《某市通知》的主要内容是什么?"]


def test_the_report_gets_four_examples_from_its_own_chapters():
    sources, _ = list_sources(KB_DOC.parent)
    report = read_source(next(s for s in sources if s.path.name == KB_DOC.name))
    assert example_questions({report.doc_id: report}, Settings.from_env(env={})) == [
        "“全球智慧城市发展趋势与中国实践演进”有哪些要点?",
        "“智慧政务:服务型政府的数字化转型”有哪些要点?",
        "“未来技术融合趋势”有哪些要点?",
        "“基础设施共建与公共服务均等化”有哪些要点?",
    ]


def test_a_long_example_is_refused_with_its_limit():
    with pytest.raises(ValueError, match=r"KBQA_EXAMPLES: each question must be at most 5 characters "
                       r"\(KBQA_MAX_QUESTION_CHARS\), got 6 for '六个字的问题'"):  # fmt: skip
        Settings.from_env(env={"KBQA_EXAMPLES": "短?|六个字的问题", "KBQA_MAX_QUESTION_CHARS": "5"})


# ---------------------------------------------------------------- the outline


def test_the_outline_is_a_tree_of_path_prefixes_to_any_depth():
    tree = outline(PLAN)
    assert [n.label for n in tree] == ["一、总体要求", CHAPTER]
    assert tree[0].section == SECTIONS[0] and not tree[0].children
    chapter = tree[1]
    assert chapter.section is None and list(chapter.children) == [PART, "（二）深入实施科教兴国战略"]
    assert [n.section for n in chapter.children[PART].children.values()] == [SECTIONS[1], SECTIONS[2]]


def test_the_outline_opens_the_headings_above_the_current_section_and_marks_sections_without_text():
    assert render_toc({"plan": PLAN}, current="plan#3.1.2") == (
        '<nav class="kbqa-toc" aria-label="目录"><ul>'
        '<li><button type="button" data-open="plan#1">一、总体要求</button></li>'
        "<li><details open><summary>三、2024年政府工作任务</summary><ul>"
        "<li><details open><summary>（一）大力推进现代化产业体系建设</summary><ul>"
        '<li><button type="button" data-open="plan#3.1.1">1.&lt;推动&gt;产业链供应链优化升级</button></li>'
        '<li><button type="button" data-open="plan#3.1.2" aria-current="true">2.培育新兴产业'
        '<span class="kbqa-missing-mark">(正文未收录)</span></button></li></ul></details></li>'
        '<li><button type="button" data-open="plan#3.2">（二）深入实施科教兴国战略</button></li>'
        "</ul></details></li></ul></nav>"
    )


def test_a_heading_with_text_and_headings_below_lists_its_own_text_first():
    doc = Document("d", "文件", "", (
        Section("1", "总则", ("第一章 总则",), 0, 5, 0, "d"),
        Section("1.1", "目的", ("第一章 总则", "第一条 目的"), 5, 9, 5, "d"),
    ))  # fmt: skip
    assert render_toc({"d": doc}) == (
        '<nav class="kbqa-toc" aria-label="目录"><ul><li><details><summary>第一章 总则</summary><ul>'
        '<li><button type="button" data-open="d#1">第一章 总则</button></li>'
        '<li><button type="button" data-open="d#1.1">第一条 目的</button></li></ul></details></li></ul></nav>'
    )


def test_with_several_documents_each_outline_folds_under_its_title():
    html = render_toc({"plan": PLAN, "rules": RULES}, current="rules#1.1")
    assert html.count('<details class="kbqa-doc"') == 2
    assert '<details class="kbqa-doc"><summary>《政府工作报告——2024年3月5日》</summary>' in html
    assert '<details class="kbqa-doc" open><summary>《青禾市公共数据开放管理办法》</summary>' in html


def test_a_section_shows_its_document_and_heading_path():
    assert render_section(PLAN, SECTIONS[1], 2) == (
        '<article class="kbqa-card kbqa-section" data-reveal>'
        '<div class="kbqa-muted kbqa-section-doc">《政府工作报告——2024年3月5日》</div>'
        f'<div class="kbqa-muted kbqa-section-path">{render_path(SECTIONS[1].path)}</div>'
        "<h2>1.&lt;推动&gt;产业链供应链优化升级</h2>"
        '<div class="kbqa-section-text"><p>智能制造示范工厂达到&lt;421&gt;家&amp;更多。</p></div>'
        '<div class="kbqa-muted">本节有 2 道练习题,可在“学习”中练习。</div></article>'
    )
    assert '<div class="kbqa-notice kbqa-missing" role="status">正文未收录:' in render_section(PLAN, SECTIONS[2], 0)


# ---------------------------------------------------------------- practice


def test_feedback_marks_the_answer_in_its_sentence_and_cites_the_section():
    doc = Document("d", "文件", "前言\n\n市级平台汇聚37个部门的数据资源,申请在5个工作日内答复。", (
        Section("1", "平台", ("一、共享", "1 平台"), 4, 35, 4, "d"),
    ))  # fmt: skip
    library = Library.of({"d": doc})
    q = library.questions["d#1"][0]
    assert (q.answer, library.study_choices()) == ("37个", [("1 平台", "d#1")])
    assert render_feedback(Checked(q, "36个", False, counted=False), doc.title, doc.sections[0].path) == (
        '<div class="kbqa-notice kbqa-error" role="alert"><strong>回答不正确。</strong>你的答案:36个'
        "<div>正确答案:<strong>37个</strong></div></div>"
        '<div class="kbqa-notice kbqa-info" role="status">本题已计分,请点击“下一题”。</div>'
        '<blockquote class="kbqa-card kbqa-feedback">“市级平台汇聚<mark>37个</mark>部门的数据资源,申请在5个工作日内答复。”'
        '<div class="kbqa-muted">——《文件》一、共享 › 1 平台</div></blockquote>'
    )
    assert make_questions(doc, doc.sections[0]) == library.questions["d#1"]


def test_a_document_without_recognised_headings_is_one_section_called_the_whole_text():
    plain = Document("gov", "政府工作报告——2024年3月5日", "政府工作报告\n\n各位代表:现在,我代表国务院作报告。", (
        Section("", "", (), 16, 34, 16, "gov"),
    ))  # fmt: skip
    documents = {"gov": plain, "rules": RULES}
    assert render_toc({"gov": plain}) == (
        '<nav class="kbqa-toc" aria-label="目录"><ul><li><button type="button" data-open="gov#">全文</button></li></ul></nav>'
    )
    assert Library.of(documents).find("gov#") == (plain, plain.sections[0])
    html = render_passage(cite(1, plain, plain.sections[0], "各位代表:现在,我代表国务院作报告。"), documents)
    assert '<span>[1]</span> <span class="kbqa-path">全文</span>' in html
    assert "——《政府工作报告——2024年3月5日》全文\">复制引用" in html
    assert "<h2>全文</h2>" in render_section(plain, plain.sections[0], 0)
    assert example_questions({"gov": plain}, Settings.from_env(env={})) == ["《政府工作报告》的主要内容是什么?"]


def test_with_several_documents_the_study_sections_name_their_document():
    doc = Document("d", "某市办法——试行", "前言\n\n市级平台汇聚37个部门的数据资源,申请在5个工作日内答复。", (
        Section("1", "平台", ("一、共享", "1 平台"), 4, 35, 4, "d"),
    ))  # fmt: skip
    assert Library.of({"d": doc, "rules": RULES}).study_choices() == [("《某市办法》 1 平台", "d#1")]
    assert Library.of({"d": doc, "rules": RULES}).document_choices() == [
        ("全部文档", ""), ("《某市办法》", "d"), ("《青禾市公共数据开放管理办法》", "rules"),
    ]  # fmt: skip


def test_an_answer_without_markers_shows_its_passages_as_the_cited_ones():
    html = render_answer(Answer("问?", "没有标记的答案。", False, 0.9, (cite(1), cite(2))), {"plan": PLAN})
    assert html.count('class="kbqa-card kbqa-passage"') == 2 and "kbqa-more" not in html
