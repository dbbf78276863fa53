"""The Gradio interface in a real browser (Debian chromium), driven as its users would.

Each test opens a fresh browser context, so a fresh Gradio session with its own
conversation and score, against the shared live server of `conftest.py`. Screenshots
of every tab go to tests/artifacts/ (ignored by git).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from kbqa.study import BLANK
from kbqa.ui import citation_text, highlight_html, question_error_message, reference

DOC_TITLE = "2025年智慧城市创新报告与城市治理优化分析报告"
SECTION_2_2 = "2.2 大数据与云计算平台的协同联动与价值释放"
SECTION_2_3 = "2.3 人工智能算法的创新突破与场景落地"
HANGZHOU = "杭州城市大脑整合了多少个部门的数据?"
OUT_OF_SCOPE = "报告建议地铁票价怎么调整?"
REFUSAL = "知识库中没有找到与该问题相关的内容"

expect.set_options(timeout=30_000)  # two shared cores: answers can take seconds

# Visible text (and placeholders, labels, tooltips) with a Latin word: Gradio's English defaults.
ENGLISH_JS = """() => {
  const shown = (el) => {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 1 && r.height > 1 && s.visibility !== 'hidden' && s.display !== 'none';
  };
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (/[A-Za-z]{3,}/.test(node.textContent) && !['SCRIPT', 'STYLE'].includes(el.tagName) && shown(el)) {
      found.push(node.textContent.trim().slice(0, 60));
    }
  }
  for (const el of document.querySelectorAll('[placeholder], [aria-label], [title]')) {
    for (const name of ['placeholder', 'aria-label', 'title']) {
      const value = el.getAttribute(name);
      if (value && /[A-Za-z]{3,}/.test(value) && shown(el)) found.push(name + '=' + value);
    }
  }
  return found;
}"""

# Elements that stick out past the right edge of the viewport (what makes a phone scroll sideways).
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth, found = [];
  if (document.documentElement.scrollWidth > width) found.push('page is ' + document.documentElement.scrollWidth);
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width > 1 && r.height > 1 && r.right > width + 1) found.push(el.tagName + '.' + el.className + ' ' + r.right);
  }
  return found.slice(0, 10);
}"""


@pytest.fixture
def open_app(browser, server):
    """Open the app in a new context (a new session); the clipboard may be read back."""
    contexts = []

    def open_(width: int = 1280, height: int = 900, locale: str = "zh-CN") -> Page:
        context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(server.url + "/")
        expect(page.get_by_role("tab", name="提问")).to_be_visible()
        return page

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def app(open_app) -> Page:
    return open_app()


def ask(page: Page, question: str) -> None:
    """Type a question, press 提问, and wait until the answer to it is shown."""
    page.get_by_role("textbox", name="你的问题").fill(question)
    page.get_by_role("button", name="提问", exact=True).click()
    expect(page.locator("#kbqa-answer .kbqa-question")).to_have_text(f"问:{question}")


def passage(page: Page, n: int):
    return page.locator(f'#kbqa-answer .kbqa-passage[data-passage="{n}"]')


def test_ask_shows_the_answer_and_the_cited_passage_with_its_section(app, artifacts):
    ask(app, HANGZHOU)
    answer = app.locator("#kbqa-answer .kbqa-answer-text")
    expect(answer).to_contain_text("48个部门")
    expect(answer).to_contain_text("[1]")
    first = passage(app, 1)
    expect(first.locator(".kbqa-passage-head")).to_have_text(f"[1] {SECTION_2_2}")
    expect(first.locator("p")).to_contain_text("整合公安、交通、城管等48个部门的1.5亿条数据")
    expect(first.locator("mark").filter(has_text=re.compile(r"^48个$"))).to_have_count(1)
    expect(app.locator("#kbqa-answer .kbqa-more summary")).to_have_text("其他相关段落(4)")
    app.screenshot(path=artifacts / "ui-ask.png", full_page=True)

    copy = first.get_by_role("button", name="复制引用")
    copy.click()
    expect(first.get_by_role("button", name="已复制")).to_be_visible()
    quote = first.locator("p").inner_text()
    expected = f"“{quote}”——《{DOC_TITLE}》{SECTION_2_2}"
    assert quote.startswith("杭州市“城市大脑”平台通过整合公安、交通、城管等48个部门的1.5亿条数据")
    assert app.evaluate("navigator.clipboard.readText()") == expected
    assert first.locator("[data-copy]").get_attribute("data-copy") == expected
    expect(first.get_by_role("button", name="复制引用")).to_be_visible()  # the label comes back

    first.get_by_role("button", name="查看全节").click()
    expect(app.get_by_role("tab", name="浏览")).to_have_attribute("aria-selected", "true")
    expect(app.locator("#kbqa-section-view h2")).to_have_text(SECTION_2_2)


def test_an_example_question_is_asked_with_one_click(app):
    app.locator("#kbqa-examples").get_by_role("button", name="深圳“秒批”服务把审批时限压缩到多久?").click()
    expect(app.locator("#kbqa-answer .kbqa-question")).to_have_text("问:深圳“秒批”服务把审批时限压缩到多久?")
    expect(app.locator("#kbqa-answer .kbqa-answer-text")).to_contain_text("审批时限从5个工作日压缩至1小时")
    expect(passage(app, 1).locator(".kbqa-passage-head")).to_have_text("[1] 5.2 跨部门数据共享与业务协同机制")


def test_an_out_of_scope_question_is_refused_with_suggested_sections(app, artifacts):
    ask(app, OUT_OF_SCOPE)
    refusal = app.locator("#kbqa-answer [role=status]")
    expect(refusal).to_contain_text("无法回答")
    expect(refusal).to_contain_text(REFUSAL)
    expect(refusal).to_contain_text("可以看看这些章节")
    expect(app.locator("#kbqa-answer .kbqa-passage")).to_have_count(0)  # no passage pretends to answer
    suggestions = refusal.get_by_role("button")
    expect(suggestions.first).to_have_text(re.compile(r"^\d+\.\d+ \S+"))
    app.screenshot(path=artifacts / "ui-refusal.png", full_page=True)

    label = suggestions.first.inner_text()
    suggestions.first.click()
    expect(app.get_by_role("tab", name="浏览")).to_have_attribute("aria-selected", "true")
    expect(app.locator("#kbqa-section-view h2")).to_have_text(label)


def test_a_question_about_a_section_without_text_says_so(app):
    ask(app, "2.3节讲了什么?")
    refusal = app.locator("#kbqa-answer [role=status]")
    expect(refusal).to_contain_text(f"{SECTION_2_3}只有目录标题,正文未收录")
    expect(app.locator("#kbqa-answer .kbqa-passage")).to_have_count(0)


def test_empty_and_too_long_questions_get_a_clear_chinese_message(app, settings):
    app.get_by_role("button", name="提问", exact=True).click()
    expect(app.locator("#kbqa-answer [role=alert]")).to_have_text("请先输入问题:问题不能为空。")

    app.get_by_role("textbox", name="你的问题").fill("智慧城市" * 150)
    app.get_by_role("button", name="提问", exact=True).click()
    limit = settings.max_question_chars
    expect(app.locator("#kbqa-answer [role=alert]")).to_have_text(
        f"问题太长了:现在有 600 个字,最多 {limit} 个字。请删减后再提问。"
    )
    # The long question stays in the box to be shortened, and a real question still works after.
    expect(app.get_by_role("textbox", name="你的问题")).to_have_value("智慧城市" * 150)
    ask(app, HANGZHOU)
    expect(app.locator("#kbqa-answer [role=alert]")).to_have_count(0)


def test_a_follow_up_uses_the_conversation_and_new_conversation_clears_it(app):
    ask(app, "上海“一网统管”整合了哪些部门的数据?")
    ask(app, "那杭州呢?")
    expect(app.locator("#kbqa-answer .kbqa-resolved")).to_have_text("结合上文理解为:杭州 整合了哪些部门的数据?")
    expect(passage(app, 1).locator("p")).to_contain_text("杭州")
    expect(passage(app, 1).locator(".kbqa-passage-head")).to_have_text(f"[1] {SECTION_2_2}")
    earlier = app.locator("#kbqa-history li .kbqa-question")
    expect(earlier).to_have_text(["问:上海“一网统管”整合了哪些部门的数据?"])

    app.get_by_role("button", name="新对话").click()
    expect(app.locator("#kbqa-answer .kbqa-intro")).to_be_visible()
    expect(app.locator("#kbqa-history li")).to_have_count(0)
    ask(app, "那杭州呢?")  # with nothing before it, it is taken as it stands
    expect(app.locator("#kbqa-answer .kbqa-answer-text")).to_be_visible()
    expect(app.locator("#kbqa-answer .kbqa-resolved")).to_have_count(0)
    expect(app.locator("#kbqa-history li")).to_have_count(0)


def test_browse_shows_the_table_of_contents_as_a_tree_and_opens_sections(app, artifacts):
    app.get_by_role("tab", name="浏览").click()
    toc = app.locator("#kbqa-toc")
    expect(toc.locator("details > summary")).to_have_count(13)
    expect(toc.locator("button[data-open]")).to_have_count(53)
    toc.locator("summary", has_text="二、智慧城市核心技术支撑体系构建与应用").click()
    toc.get_by_role("button", name=SECTION_2_2).click()
    view = app.locator("#kbqa-section-view")
    expect(view.locator("h2")).to_have_text(SECTION_2_2)
    expect(view).to_contain_text(f"{DOC_TITLE} · 二、智慧城市核心技术支撑体系构建与应用")
    expect(view).to_contain_text("杭州市“城市大脑”平台通过整合公安、交通、城管等48个部门的1.5亿条数据")
    expect(toc.get_by_role("button", name=SECTION_2_2)).to_have_attribute("aria-current", "true")
    expect(app.get_by_role("button", name="练习本节")).to_be_visible()
    app.screenshot(path=artifacts / "ui-browse.png", full_page=True)

    toc.get_by_role("button", name=f"{SECTION_2_3}(正文未收录)").click()
    expect(view.locator("h2")).to_have_text(SECTION_2_3)
    expect(view.locator("[role=status]")).to_contain_text("正文未收录")
    expect(app.get_by_role("button", name="练习本节")).to_be_hidden()
    app.screenshot(path=artifacts / "ui-browse-missing.png", full_page=True)

    toc.get_by_role("button", name=SECTION_2_2).click()
    app.get_by_role("button", name="练习本节").click()
    expect(app.get_by_role("tab", name="学习")).to_have_attribute("aria-selected", "true")
    expect(app.locator("#kbqa-quiz")).to_contain_text(f"第 1 题 / 共 11 题 · {SECTION_2_2}")


def test_study_checks_answers_shows_the_source_and_keeps_score(app, artifacts):
    app.get_by_role("tab", name="学习").click()
    app.get_by_role("combobox", name="选择章节").click()
    app.get_by_role("option", name=SECTION_2_2, exact=True).click()
    quiz = app.locator("#kbqa-quiz")
    expect(quiz).to_contain_text(f"第 1 题 / 共 11 题 · {SECTION_2_2}")
    expect(quiz.locator(".kbqa-quiz-prompt")).to_have_text(
        f"大数据与云计算平台是智慧城市的“{BLANK}”,其核心价值在于对海量城市数据的存储、处理与分析,为治理决策提供数据支撑。"
    )
    score = app.locator("#kbqa-study-score")
    expect(score).to_have_text("本次练习:还没有作答。")
    answer_box = app.get_by_role("textbox", name="你的答案")
    feedback = app.locator("#kbqa-study-feedback")

    answer_box.fill("智慧大脑")
    app.get_by_role("button", name="提交答案").click()
    expect(feedback.locator("[role=status]").first).to_contain_text("回答正确")
    expect(feedback).to_contain_text("正确答案:智慧大脑")
    expect(feedback.locator("blockquote")).to_contain_text(f"——《{DOC_TITLE}》{SECTION_2_2}")
    expect(feedback.locator("blockquote mark")).to_have_text("智慧大脑")
    expect(score).to_have_text("本次练习:答对 1 题,已答 1 题。")
    app.screenshot(path=artifacts / "ui-study.png", full_page=True)

    app.get_by_role("button", name="下一题").click()
    expect(quiz).to_contain_text("第 2 题 / 共 11 题")
    expect(feedback).to_have_text("")
    answer_box.fill("城市中枢")
    answer_box.press("Enter")
    expect(feedback.locator("[role=alert]")).to_contain_text("回答不正确。你的答案:城市中枢")
    expect(feedback).to_contain_text("正确答案:城市大脑")
    expect(score).to_have_text("本次练习:答对 1 题,已答 2 题。")

    answer_box.fill("城市大脑")  # a second try shows the result but is not scored again
    app.get_by_role("button", name="提交答案").click()
    expect(feedback).to_contain_text("本题已计分")
    expect(score).to_have_text("本次练习:答对 1 题,已答 2 题。")

    app.get_by_role("button", name="下一题").click()
    expect(quiz).to_contain_text(f"等{BLANK}部门的1.5亿条数据")
    app.get_by_role("button", name="提交答案").click()
    expect(feedback.locator("[role=alert]")).to_have_text("请先填写答案,再提交。")
    answer_box.fill("48個部門")  # traditional characters and the noun after the blank
    app.get_by_role("button", name="提交答案").click()
    expect(feedback).to_contain_text("回答正确")
    expect(score).to_have_text("本次练习:答对 2 题,已答 3 题。")


def test_phone_width_has_no_horizontal_overflow(open_app, artifacts):
    page = open_app(width=375, height=812)
    assert page.evaluate(OVERFLOW_JS) == []
    ask(page, HANGZHOU)
    expect(passage(page, 1)).to_be_visible()
    assert page.evaluate(OVERFLOW_JS) == []
    page.screenshot(path=artifacts / "ui-phone-ask.png", full_page=True)

    page.get_by_role("tab", name="浏览").click()
    page.locator("#kbqa-toc summary", has_text="三、智慧城市重点应用场景与治理效能提升").click()
    page.locator("#kbqa-toc").get_by_role("button", name="3.1 智慧交通:从拥堵治理到出行生态重构").click()
    expect(page.locator("#kbqa-section-view h2")).to_have_text("3.1 智慧交通:从拥堵治理到出行生态重构")
    expect(page.locator("#kbqa-section-view h2")).to_be_in_viewport()  # brought up from below the tree
    assert page.evaluate(OVERFLOW_JS) == []
    page.screenshot(path=artifacts / "ui-phone-browse.png", full_page=True)

    page.get_by_role("tab", name="学习").click()
    page.get_by_role("textbox", name="你的答案").fill("全球")
    page.get_by_role("button", name="提交答案").click()
    expect(page.locator("#kbqa-study-feedback")).to_contain_text("正确答案")
    assert page.evaluate(OVERFLOW_JS) == []
    page.screenshot(path=artifacts / "ui-phone-study.png", full_page=True)


def test_no_english_is_shown_even_to_an_english_browser(open_app):
    page = open_app(locale="en-US")  # Gradio's own strings follow the browser's language
    assert page.title() == "智慧城市报告问答"
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    for tab in ("提问", "浏览", "学习"):
        page.get_by_role("tab", name=tab).click()
        expect(page.get_by_role("tab", name=tab)).to_have_attribute("aria-selected", "true")
        assert page.evaluate(ENGLISH_JS) == [], tab


def test_the_json_api_still_answers_beside_the_ui(server):
    import httpx

    assert httpx.get(server.url + "/healthz").json()["status"] == "ok"
    answer = httpx.post(server.url + "/api/ask", json={"question": HANGZHOU}, timeout=60).json()
    assert answer["passages"][0]["section"] == "2.2"
    assert "gradio" in httpx.get(server.url + "/").text.lower()


# ---------------------------------------------------------------- the pure helpers behind the pages


def test_passage_text_is_escaped_before_it_is_highlighted():
    text = "<script>alert(1)</script>整合48个部门&数据"
    spans = [[text.index("48个"), text.index("48个") + 3], [0, 8]]
    assert highlight_html(text, spans) == (
        "<mark>&lt;script&gt;</mark>alert(1)&lt;/script&gt;整合<mark>48个</mark>部门&amp;数据"
    )
    assert highlight_html("甲乙丙", [[0, 2], [1, 3], [5, 9]]) == "<mark>甲乙</mark>丙"  # overlaps, out of range


def test_a_citation_is_the_quote_then_the_report_and_section():
    assert reference(DOC_TITLE, "3.1", "智慧交通:从拥堵治理到出行生态重构") == (
        "《2025年智慧城市创新报告与城市治理优化分析报告》3.1 智慧交通:从拥堵治理到出行生态重构"
    )
    copied = citation_text("交通拥堵已成为核心痛点。", "报告", "3.1", "智慧交通")
    assert copied == "“交通拥堵已成为核心痛点。”——《报告》3.1 智慧交通"


@pytest.mark.parametrize(
    ("code", "question", "message"),
    [
        ("empty_question", "   ", "请先输入问题:问题不能为空。"),
        ("question_too_long", "问" * 501, "问题太长了:现在有 501 个字,最多 500 个字。请删减后再提问。"),
        ("invalid_question", "", "无法识别这个问题,请换一种说法再试。"),
    ],
)
def test_question_errors_become_chinese_messages(code, question, message):
    from kbqa.answer import QuestionError

    assert question_error_message(QuestionError(code, "internal"), question, 500) == message
