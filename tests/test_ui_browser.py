"""The Gradio interface in a real browser (Debian chromium), driven as its users would.

Each test opens a fresh browser context, so a fresh Gradio session with its own
conversation and score, against the shared live server of `conftest.py`. Screenshots
of every tab go to tests/artifacts/ (ignored by git).
"""

from __future__ import annotations

import logging
import re
import shutil

import pytest
from conftest import KB_DOC, LiveServer
from playwright.sync_api import Page, expect

from kbqa.settings import ROOT, Settings
from kbqa.study import BLANK

DOC_TITLE = "2025年智慧城市创新报告与城市治理优化分析报告"
CHAPTER_2 = "二、智慧城市核心技术支撑体系构建与应用"
SECTION_2_2 = "2.2 大数据与云计算平台的协同联动与价值释放"
PATH_2_2 = f"{CHAPTER_2} › {SECTION_2_2}"
SECTION_2_3 = "2.3 人工智能算法的创新突破与场景落地"
EXAMPLES = [
    "“全球智慧城市发展趋势与中国实践演进”有哪些要点?",
    "“智慧政务:服务型政府的数字化转型”有哪些要点?",
    "“未来技术融合趋势”有哪些要点?",
    "“基础设施共建与公共服务均等化”有哪些要点?",
]
# A second, small document for a knowledge base of two: `#` title (already in 《》), `##` chapters, `###` sections.
RULES_TITLE = "《青禾市公共数据开放管理办法》"
RULES_DOC = f"""# {RULES_TITLE}

## 1 总则

### 1.1 目的和依据

为了规范公共数据开放,促进公共数据有序流通和开发利用,根据国家有关规定,结合本市实际,制定本办法。

## 2 数据共享

### 2.1 共享平台

青禾市公共数据共享平台汇聚全市37个部门的数据资源,跨部门数据共享申请应当在5个工作日内答复。

### 2.2 安全责任

数据提供部门和使用部门共同承担数据安全责任,发生数据泄露时应当在24小时内报告市大数据管理局。
"""
HANGZHOU = "杭州城市大脑整合了多少个部门的数据?"
OUT_OF_SCOPE = "报告建议地铁票价怎么调整?"
REFUSAL = "知识库中没有找到与“地铁”、“票价”相关的内容。"  # OUT_OF_SCOPE

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


@pytest.fixture(scope="module")
def two_documents(tmp_path_factory, embedder):
    """A second server over a knowledge base of two documents: a copy of kb/ and RULES_DOC."""
    from kbqa.api.app import create_app
    from kbqa.engine import Engine

    base = tmp_path_factory.mktemp("two")
    kb = base / "kb"
    kb.mkdir()
    shutil.copy(KB_DOC, kb / KB_DOC.name)
    (kb / "open-data-measures.md").write_text(RULES_DOC, encoding="utf-8")
    settings = Settings.from_env(env={}, kb_dir=kb, index_dir=base / "index", cache_dir=ROOT / ".cache" / "kbqa",
                                 rate_limit=100_000)  # fmt: skip
    engine = Engine(settings, embedder, say=logging.getLogger("tests").info)
    with LiveServer(create_app(engine, settings)) as live:
        yield live


@pytest.fixture
def open_app(browser, server):
    """Open the app (of `server`, or of the server given) in a new context: a new session, whose clipboard may be read."""
    contexts = []

    def open_(width: int = 1280, height: int = 900, locale: str = "zh-CN", at=None) -> Page:
        url = (at or server).url
        context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(url + "/")
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


def choose(page: Page, label: str, option: str) -> None:
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()


def test_the_header_names_the_report_and_the_page_has_no_document_selector(app):
    assert app.title() == f"{DOC_TITLE} 问答"
    expect(app.locator("#kbqa-header h1")).to_have_text(f"{DOC_TITLE} 问答")
    expect(app.locator("#kbqa-header p")).to_have_text(f"依据《{DOC_TITLE}》回答,每个答案都注明出处。")
    expect(app.get_by_role("combobox", name="文档范围")).to_have_count(0)
    expect(app.get_by_role("textbox", name="你的问题")).to_have_attribute("placeholder", f"例如:{EXAMPLES[0]}")


def test_ask_shows_the_answer_and_the_cited_passage_with_its_heading_path(app, artifacts):
    ask(app, HANGZHOU)
    answer = app.locator("#kbqa-answer .kbqa-answer-text")
    expect(answer).to_contain_text("48个部门")
    expect(answer).to_contain_text("[1]")
    expect(app.locator("#kbqa-answer .kbqa-generated")).to_have_count(0)  # extractive: no model wrote it
    first = passage(app, 1)
    expect(first.locator(".kbqa-passage-head")).to_have_text(f"[1] {PATH_2_2}")
    expect(first.locator(".kbqa-path-up")).to_have_text(f"{CHAPTER_2} › ")
    expect(first.locator(".kbqa-passage-doc")).to_have_count(0)  # one document: no need to name it
    expect(first.locator("p")).to_contain_text("整合公安、交通、城管等48个部门的1.5亿条数据")
    expect(first.locator("mark").filter(has_text=re.compile(r"^48个$"))).to_have_count(1)
    expect(app.locator("#kbqa-answer .kbqa-more summary")).to_have_text("其他相关段落(4)")
    app.screenshot(path=artifacts / "ui-ask.png", full_page=True)

    copy = first.get_by_role("button", name="复制引用")
    copy.click()
    expect(first.get_by_role("button", name="已复制")).to_be_visible()
    quote = first.locator("p").inner_text()
    expected = f"“{quote}”——《{DOC_TITLE}》{PATH_2_2}"
    assert quote.startswith("杭州市“城市大脑”平台通过整合公安、交通、城管等48个部门的1.5亿条数据")
    assert app.evaluate("navigator.clipboard.readText()") == expected
    assert first.locator("[data-copy]").get_attribute("data-copy") == expected
    expect(first.get_by_role("button", name="复制引用")).to_be_visible()  # the label comes back

    first.get_by_role("button", name="查看全节").click()
    expect(app.get_by_role("tab", name="浏览")).to_have_attribute("aria-selected", "true")
    expect(app.locator("#kbqa-section-view h2")).to_have_text(SECTION_2_2)
    expect(app.locator("#kbqa-section-view .kbqa-section-path")).to_have_text(PATH_2_2)


def test_example_questions_come_from_the_reports_headings_and_are_asked_with_one_click(app):
    expect(app.locator("#kbqa-examples button")).to_have_text(EXAMPLES)
    app.locator("#kbqa-examples").get_by_role("button", name=EXAMPLES[1]).click()
    expect(app.locator("#kbqa-answer .kbqa-question")).to_have_text(f"问:{EXAMPLES[1]}")
    expect(passage(app, 1).locator(".kbqa-passage-head")).to_have_text(
        "[1] 三、智慧城市重点应用场景与治理效能提升 › 3.4 智慧政务:服务型政府的数字化转型"
    )


def test_an_out_of_scope_question_is_refused_with_suggested_sections(app, artifacts):
    ask(app, OUT_OF_SCOPE)
    refusal = app.locator("#kbqa-answer [role=status]")
    expect(refusal).to_contain_text("无法回答")
    expect(refusal).to_contain_text(REFUSAL)
    expect(refusal).to_contain_text("可以看看这些章节")
    expect(app.locator("#kbqa-answer .kbqa-passage")).to_have_count(0)  # no passage pretends to answer
    suggestions = refusal.get_by_role("button")
    expect(suggestions.first).to_have_text(re.compile(r"^\d+\.\d+ \S+$"))
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
    expect(passage(app, 1).locator(".kbqa-passage-head")).to_have_text(f"[1] {PATH_2_2}")
    earlier = app.locator("#kbqa-history li .kbqa-question")
    expect(earlier).to_have_text(["问:上海“一网统管”整合了哪些部门的数据?"])

    app.get_by_role("button", name="新对话").click()
    expect(app.locator("#kbqa-answer .kbqa-intro")).to_be_visible()
    expect(app.locator("#kbqa-history li")).to_have_count(0)
    ask(app, "那杭州呢?")  # with nothing before it, it is taken as it stands
    expect(app.locator("#kbqa-answer .kbqa-answer-text")).to_be_visible()
    expect(app.locator("#kbqa-answer .kbqa-resolved")).to_have_count(0)
    expect(app.locator("#kbqa-history li")).to_have_count(0)


def test_browse_shows_the_outline_as_a_tree_and_opens_a_nested_section(app, artifacts):
    app.get_by_role("tab", name="浏览").click()
    toc = app.locator("#kbqa-toc")
    expect(toc.locator("details > summary")).to_have_count(13)
    expect(toc.locator("button[data-open]")).to_have_count(53)
    nested = toc.locator("details", has=app.locator("summary", has_text=CHAPTER_2)).get_by_role("button", name=SECTION_2_2)
    expect(nested).to_be_hidden()  # folded inside its chapter
    toc.locator("summary", has_text=CHAPTER_2).click()
    nested.click()
    view = app.locator("#kbqa-section-view")
    expect(view.locator("h2")).to_have_text(SECTION_2_2)
    expect(view.locator(".kbqa-section-doc")).to_have_text(f"《{DOC_TITLE}》")
    expect(view.locator(".kbqa-section-path")).to_have_text(PATH_2_2)
    expect(view).to_contain_text("杭州市“城市大脑”平台通过整合公安、交通、城管等48个部门的1.5亿条数据")
    expect(toc.get_by_role("button", name=SECTION_2_2)).to_have_attribute("aria-current", "true")
    expect(toc.locator("details[open] > summary")).to_have_text([CHAPTER_2])  # the tree stays open where it was
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
    choose(app, "选择章节", SECTION_2_2)
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
    expect(feedback.locator("blockquote")).to_contain_text(f"——《{DOC_TITLE}》{PATH_2_2}")
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
    expect(feedback).to_contain_text("回答正确")
    expect(score).to_have_text("本次练习:答对 1 题,已答 2 题。")

    app.get_by_role("button", name="下一题").click()
    expect(quiz).to_contain_text(f"等{BLANK}部门的1.5亿条数据")
    app.get_by_role("button", name="提交答案").click()
    expect(feedback.locator("[role=alert]")).to_have_text("请先填写答案,再提交。")
    answer_box.fill("48個部門")  # traditional characters and the noun after the blank
    app.get_by_role("button", name="提交答案").click()
    expect(feedback).to_contain_text("回答正确")
    expect(score).to_have_text("本次练习:答对 2 题,已答 3 题。")


def test_each_visitor_has_a_score_of_their_own(open_app):
    first, second = open_app(), open_app()
    for page in (first, second):
        page.get_by_role("tab", name="学习").click()
    first.get_by_role("textbox", name="你的答案").fill("全球")
    first.get_by_role("button", name="提交答案").click()
    expect(first.locator("#kbqa-study-score")).to_have_text(re.compile(r"已答 1 题"))
    second.get_by_role("button", name="下一题").click()
    expect(second.locator("#kbqa-quiz")).to_contain_text("第 2 题")
    expect(second.locator("#kbqa-study-score")).to_have_text("本次练习:还没有作答。")
    expect(first.locator("#kbqa-quiz")).to_contain_text("第 1 题")


def test_phone_width_has_no_horizontal_overflow(open_app, artifacts):
    page = open_app(width=375, height=812)
    assert page.evaluate(OVERFLOW_JS) == []
    page.screenshot(path=artifacts / "ui-phone-start.png", full_page=True)
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
    assert page.title() == f"{DOC_TITLE} 问答"
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


# ---------------------------------------------------------------- a knowledge base of two documents


def test_two_documents_are_named_once_bracketed_in_the_header(open_app, two_documents, artifacts):
    page = open_app(at=two_documents)
    assert page.title() == "知识库问答"
    expect(page.locator("#kbqa-header h1")).to_have_text("知识库问答")
    expect(page.locator("#kbqa-header p")).to_have_text(
        f"依据{RULES_TITLE}、《{DOC_TITLE}》回答,每个答案都注明出处。"  # in the order of kb/'s file names
    )
    expect(page.locator("#kbqa-header")).not_to_contain_text("《《")
    page.get_by_role("combobox", name="文档范围").click()
    options = ["全部文档", RULES_TITLE, f"《{DOC_TITLE}》"]  # each after Gradio's check mark
    expect(page.get_by_role("option")).to_have_text([re.compile(f"{re.escape(o)}$") for o in options])
    page.keyboard.press("Escape")
    page.screenshot(path=artifacts / "ui-two-documents.png", full_page=True)


def test_the_document_selector_limits_the_answer_to_the_chosen_document(open_app, two_documents, artifacts):
    page = open_app(at=two_documents)
    ask(page, HANGZHOU)  # all documents: the report answers
    expect(passage(page, 1).locator(".kbqa-passage-doc")).to_have_text(f"《{DOC_TITLE}》")
    expect(passage(page, 1).locator(".kbqa-passage-head")).to_have_text(f"[1] {PATH_2_2}")

    choose(page, "文档范围", RULES_TITLE)
    ask(page, "跨部门数据共享申请多久内答复?")
    expect(passage(page, 1).locator(".kbqa-passage-head")).to_have_text("[1] 2 数据共享 › 2.1 共享平台")
    documents = page.locator("#kbqa-answer .kbqa-passage-doc")
    expect(documents.first).to_be_visible()
    assert set(documents.all_text_contents()) == {RULES_TITLE}  # nothing from the report
    page.screenshot(path=artifacts / "ui-two-documents-ask.png", full_page=True)

    copied = passage(page, 1).locator("[data-copy]").get_attribute("data-copy")
    assert copied.endswith(f"——{RULES_TITLE}2 数据共享 › 2.1 共享平台")

    choose(page, "文档范围", f"《{DOC_TITLE}》")
    ask(page, "跨部门数据共享申请应当在多久内答复?")
    expect(passage(page, 1).locator(".kbqa-passage-head")).to_have_text(
        "[1] 五、智慧城市治理模式创新与制度保障 › 5.2 跨部门数据共享与业务协同机制"
    )
    assert set(page.locator("#kbqa-answer .kbqa-passage-doc").all_text_contents()) == {f"《{DOC_TITLE}》"}


def test_the_outline_of_two_documents_opens_a_section_of_the_second_on_a_phone(open_app, two_documents, artifacts):
    page = open_app(width=375, height=812, at=two_documents)
    assert page.evaluate(OVERFLOW_JS) == []
    page.get_by_role("tab", name="浏览").click()
    toc = page.locator("#kbqa-toc")
    expect(toc.locator("details.kbqa-doc > summary")).to_have_text([RULES_TITLE, f"《{DOC_TITLE}》"])
    rules = toc.locator("details.kbqa-doc", has=page.locator("summary", has_text=RULES_TITLE))
    rules.locator("summary").first.click()
    rules.locator("summary", has_text="2 数据共享").click()
    rules.get_by_role("button", name="2.2 安全责任").click()
    view = page.locator("#kbqa-section-view")
    expect(view.locator("h2")).to_have_text("2.2 安全责任")
    expect(view.locator(".kbqa-section-doc")).to_have_text(RULES_TITLE)
    expect(view.locator(".kbqa-section-path")).to_have_text("2 数据共享 › 2.2 安全责任")
    expect(view).to_contain_text("发生数据泄露时应当在24小时内报告市大数据管理局")
    expect(toc.locator("details.kbqa-doc[open] > summary")).to_have_text([RULES_TITLE])
    expect(view.locator("h2")).to_be_in_viewport()
    assert page.evaluate(OVERFLOW_JS) == []
    page.screenshot(path=artifacts / "ui-phone-two-documents-browse.png", full_page=True)
