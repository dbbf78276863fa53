"""管理 in a real browser: an administrator adds a Word document, asks about it, deletes it; a visitor's 👎 in
the widget on another site reaches the office's report. A server of its own over a copy of kb/ (the real model)."""

from __future__ import annotations

import logging
import shutil

import pytest
from admin_docs import DOGS_PATH, DOGS_QUESTION, DOGS_TITLE, dogs_docx
from conftest import KB_DOC, LiveServer
from playwright.sync_api import Page, expect
from test_widget_browser import HostSite, host_page

from kbqa.api.app import create_app
from kbqa.settings import ROOT, Settings

TOKEN = "browser-admin-token"
REFUSAL = "知识库中没有找到与“长度”相关的内容。"  # DOGS_QUESTION once its document is deleted
WIDGET_TITLE = "智慧城市报告问答"
PARKING = "智慧停车有哪些成效?"

expect.set_options(timeout=60_000)  # a rebuild and the model share two cores with the browser


@pytest.fixture(scope="module")
def site():
    host = HostSite()
    host.thread.start()
    yield host
    host.httpd.shutdown()
    host.httpd.server_close()


@pytest.fixture(scope="module")
def office(tmp_path_factory, embedder, site):
    """The full app (UI, API, widget) with an admin token, over a private kb/; the host site may embed it."""
    from kbqa.engine import Engine

    base = tmp_path_factory.mktemp("office-ui")
    (base / "kb").mkdir()
    shutil.copy(KB_DOC, base / "kb" / KB_DOC.name)
    settings = Settings.from_env(env={}, kb_dir=base / "kb", index_dir=base / "index", data_dir=base / "data",
                                 cache_dir=ROOT / ".cache" / "kbqa", rate_limit=100_000, admin_token=TOKEN,
                                 allowed_origins=site.origin)  # fmt: skip
    engine = Engine(settings, embedder, say=logging.getLogger("tests").info)
    with LiveServer(create_app(engine, settings)) as live:
        live.base = base
        yield live


@pytest.fixture
def page(browser) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def open_admin(page: Page, url: str) -> None:
    page.goto(url + "/")
    page.get_by_role("tab", name="管理").click()
    page.get_by_label("管理密钥").fill(TOKEN)
    page.get_by_role("button", name="进入管理").click()
    expect(page.locator("#kbqa-admin-documents")).to_contain_text(KB_DOC.name)


def ask(page: Page, question: str):
    page.get_by_role("tab", name="提问").click()
    page.get_by_role("textbox", name="你的问题").fill(question)
    page.get_by_role("button", name="提问", exact=True).click()
    expect(page.locator("#kbqa-answer .kbqa-question")).to_have_text(f"问:{question}")
    return page.locator("#kbqa-answer")


def test_without_a_token_there_is_no_admin_tab(page, server):
    page.goto(server.url + "/")
    expect(page.get_by_role("tab", name="提问")).to_be_visible()
    expect(page.get_by_role("tab", name="管理")).to_have_count(0)


def test_a_wrong_token_opens_nothing(page, office):
    page.goto(office.url + "/")
    page.get_by_role("tab", name="管理").click()
    page.get_by_label("管理密钥").fill(TOKEN + "x")
    page.get_by_role("button", name="进入管理").click()
    expect(page.locator("#kbqa-admin-login-note")).to_have_text("管理密钥不正确。")
    expect(page.locator("#kbqa-admin-documents")).to_be_hidden()


def test_upload_a_docx_ask_about_it_delete_it(page, office, artifacts):
    docx = office.base / f"{DOGS_TITLE}.docx"
    docx.write_bytes(dogs_docx())
    open_admin(page, office.url)
    page.locator("#kbqa-admin-upload input[type=file]").set_input_files(str(docx))
    expect(page.locator("#kbqa-admin-upload-note")).to_have_text(f"已上传 {DOGS_TITLE}.docx,正在更新索引。")
    progress = page.locator("#kbqa-admin-progress .kbqa-progress")
    expect(progress).to_have_attribute("data-state", "done")  # the bar ran and finished
    expect(progress.locator("progress")).to_have_attribute("value", "100")
    expect(progress).to_contain_text(f"索引已更新(上传 {DOGS_TITLE}.docx)")
    row = page.locator(f'#kbqa-admin-documents tr[data-doc="{DOGS_TITLE}"]')
    expect(row).to_contain_text("已收录")
    expect(row.locator("td").nth(1)).to_have_text("Word")
    page.screenshot(path=artifacts / "admin-uploaded.png", full_page=True)

    answer = ask(page, DOGS_QUESTION)
    expect(answer.locator(".kbqa-answer-text")).to_contain_text("一点五米")
    first = answer.locator('.kbqa-passage[data-passage="1"]')
    expect(first.locator(".kbqa-passage-head")).to_have_text(f"[1] {DOGS_PATH[-1]}")
    expect(first.locator(".kbqa-passage-doc")).to_have_text(f"《{DOGS_TITLE}》")
    page.locator("#kbqa-vote-down").click()  # and the office hears about it
    page.get_by_label("哪里不好").fill("没说导盲犬怎么办")
    page.locator("#kbqa-feedback-send").click()
    expect(page.locator("#kbqa-feedback-note")).to_have_text("已收到你的意见,谢谢!")
    page.screenshot(path=artifacts / "admin-asked.png", full_page=True)

    page.get_by_role("tab", name="管理").click()
    page.get_by_role("radio", name="差评", exact=True).check()
    expect(page.locator("#kbqa-admin-report tbody tr")).to_have_count(1)
    expect(page.locator("#kbqa-admin-report tbody tr")).to_contain_text("没说导盲犬怎么办")
    delete = row.get_by_role("button", name=f"删除 {DOGS_TITLE}.docx")
    delete.click()
    expect(delete).to_have_text("确认删除")
    delete.click()
    expect(page.locator("#kbqa-admin-upload-note")).to_have_text(f"已删除 {DOGS_TITLE}.docx,正在更新索引。")
    expect(progress).to_contain_text(f"索引已更新(删除 {DOGS_TITLE}.docx)")
    expect(row).to_have_count(0)

    answer = ask(page, DOGS_QUESTION)
    expect(answer.locator(".kbqa-refusal")).to_contain_text(REFUSAL)
    page.screenshot(path=artifacts / "admin-deleted.png", full_page=True)


def test_a_visitors_thumbs_down_in_the_widget_reaches_the_admin_tab(page, office, site, browser):
    page.goto(site.put("report.html", host_page(f"{office.url}/widget.js", f'data-title="{WIDGET_TITLE}"')))
    page.locator("kbqa-widget").locator(".launcher").click()
    chat = page.get_by_role("dialog", name=WIDGET_TITLE)
    chat.get_by_role("textbox").fill(PARKING)
    chat.get_by_role("textbox").press("Enter")
    reply = chat.locator(".msg.bot").last
    expect(reply.locator(".answer")).to_contain_text("[1]")
    with page.expect_response(lambda r: r.url.endswith("/api/feedback")) as voted:
        reply.get_by_role("button", name="👎 没帮助").click()
    assert voted.value.status == 200 and voted.value.request.post_data_json["vote"] == "down"
    expect(reply.locator(".feedback .note")).to_have_text("谢谢你的反馈!")
    reply.get_by_role("textbox", name="哪里不好?写下意见能帮我们改进(选填)").fill("只有数字,没有做法")
    reply.get_by_role("button", name="提交意见").click()
    expect(reply.locator(".feedback .note")).to_have_text("已收到你的意见,谢谢!")

    office_page = browser.new_context(locale="zh-CN").new_page()
    open_admin(office_page, office.url)
    office_page.get_by_role("radio", name="差评", exact=True).check()
    down = office_page.locator("#kbqa-admin-report tbody tr").filter(has_text=PARKING)
    expect(down).to_have_count(1)
    expect(down).to_contain_text("只有数字,没有做法")
    expect(down.locator("td").nth(3)).to_have_text("1")  # one 👎
    office_page.context.close()
