"""The embeddable widget in a real browser, on a plain host page served from another origin.

The host pages come from a second loopback server (another port, so another origin); the
widget's own server is a real kbqa server whose KBQA_ALLOWED_ORIGINS lists (or does not list)
that origin.
"""

from __future__ import annotations

import logging
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from conftest import LiveServer
from playwright.sync_api import Page, expect

from kbqa.api.app import create_app
from kbqa.settings import Settings

TITLE = "智慧城市报告问答"
QUESTION = "杭州城市大脑整合了多少个部门的数据?"
PROBE = "<img src=x onerror=alert(1)>"
PROBE_QUESTION = f"留言板里的字符串{PROBE}系统应当怎样显示?"
PROBE_TITLE = "注入样例<svg onload=alert(2)>"
PROBE_DOC = f"""# 安全测试说明

## 1.1 {PROBE_TITLE}

测试人员在留言板提交了字符串{PROBE},系统应当原样显示这段文字而不执行脚本。该样例用于检查问答组件的转义处理。
"""
NOT_LISTED = "https://reports.example.org"

expect.set_options(timeout=30_000)


class HostSite:
    """A plain third-party web site on its own loopback port: a different origin from the widget's server."""

    def __init__(self) -> None:
        pages: dict[str, str] = {}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(self.path.split("?")[0])
                if body is None:
                    self.send_error(404)
                    return
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.pages = pages
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def put(self, name: str, html: str) -> str:
        """Publish `html` at /name and return its URL."""
        self.pages[f"/{name}"] = html
        return f"{self.origin}/{name}"


def host_page(src: str | None, attrs: str = f'data-title="{TITLE}"', head: str = "", main: str = "") -> str:
    """A government-style page carrying the snippet (when `src`), as a site owner would paste it."""
    snippet = f'<script src="{src}" {attrs} async></script>' if src else ""
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>某市数据资源管理局</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body {{ margin: 0; font-family: "Noto Serif CJK SC", serif; background: #fafaf7; color: #222; }}
  header.site {{ background: #8b1a1a; color: #fff; padding: 18px 40px; font-size: 22px; }}
  main {{ max-width: 760px; padding: 24px 40px; line-height: 1.9; }}
</style>{head}</head>
<body>
<header class="site">某市数据资源管理局 · 政务公开</header>
<main>
  <h1>《2025年智慧城市创新报告》解读</h1>
  <p>本报告梳理了智慧城市核心技术、重点应用场景与治理效能提升路径。对报告内容有疑问的市民,
  可点击页面右下角的按钮向报告提问,回答将标注引用的原文段落。</p>
  <p>报告涵盖物联网感知、大数据与云计算平台、人工智能算法、数字孪生等技术体系,以及智慧交通、
  智慧能源、智慧环保、智慧政务等应用场景。</p>{main}
</main>
{snippet}
</body></html>"""


@pytest.fixture(scope="module")
def site():
    host = HostSite()
    host.thread.start()
    yield host
    host.httpd.shutdown()
    host.httpd.server_close()


def serve(engine, settings: Settings) -> LiveServer:
    return LiveServer(create_app(engine, settings, with_ui=False))


@pytest.fixture(scope="module")
def api(engine, settings, site):
    """The widget's server, which lists the host site's origin."""
    with serve(engine, settings.replace(allowed_origins=site.origin)) as live:
        yield live


@pytest.fixture(scope="module")
def strict_api(engine, settings):
    """A widget server that lists another site only."""
    with serve(engine, settings.replace(allowed_origins=NOT_LISTED)) as live:
        yield live


@pytest.fixture(scope="module")
def probe_api(tmp_path_factory, embedder, settings, site):
    """A server over one document whose heading and text are HTML injection probes."""
    from kbqa.engine import Engine

    base = tmp_path_factory.mktemp("probe")
    (base / "kb").mkdir()
    (base / "kb" / "probe.md").write_text(PROBE_DOC, encoding="utf-8")
    probe_settings = Settings.from_env(env={}, kb_dir=base / "kb", index_dir=base / "index",
                                       cache_dir=settings.cache_dir, allowed_origins=site.origin)
    engine = Engine(probe_settings, embedder, say=logging.getLogger("tests").info)
    with serve(engine, probe_settings) as live:
        yield live


@pytest.fixture
def events() -> dict[str, list[str]]:
    """Dialogs (alert/confirm/prompt) and uncaught script errors seen by the page."""
    return {"dialogs": [], "errors": []}


@pytest.fixture
def page(browser, events) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)

    def dialog(d) -> None:
        events["dialogs"].append(d.message)
        d.dismiss()

    page.on("dialog", dialog)
    page.on("pageerror", lambda e: events["errors"].append(str(e)))
    yield page
    context.close()
    assert events == {"dialogs": [], "errors": []}


def launcher(page: Page):
    return page.locator("kbqa-widget").locator(".launcher")


def panel(page: Page, title: str = TITLE):
    return page.get_by_role("dialog", name=title)


def ask(page: Page, question: str, title: str = TITLE):
    """Type `question` and press Enter; the locator of the reply bubble."""
    box = panel(page, title).get_by_role("textbox")
    box.fill(question)
    box.press("Enter")
    return panel(page, title).locator(".msg.bot").last


def test_widget_answers_on_a_third_party_page_with_a_citation(page, site, api, artifacts):
    expected = httpx.post(f"{api.url}/api/ask", json={"question": QUESTION}, timeout=30).json()["passages"][0]
    page.goto(site.put("report.html", host_page(f"{api.url}/widget.js")))
    expect(panel(page)).to_be_hidden()
    launcher(page).click()
    expect(panel(page)).to_be_visible()
    expect(launcher(page)).to_have_attribute("aria-expanded", "true")
    expect(panel(page).get_by_role("textbox")).to_be_focused()

    with page.expect_request(lambda r: r.url == f"{api.url}/api/ask" and r.method == "POST") as sent:
        reply = ask(page, QUESTION)
    assert sent.value.post_data_json == {"question": QUESTION, "history": []}
    expect(panel(page).locator(".msg.user")).to_have_text([QUESTION])
    expect(reply.locator(".answer")).to_contain_text("48个部门")
    expect(reply.locator(".answer")).to_contain_text("[1]")
    source = reply.locator(".source").first
    expect(source.locator(".sec")).to_have_text("二、智慧城市核心技术支撑体系构建与应用 › 2.2 大数据与云计算平台的协同联动与价值释放")
    expect(source.locator(".doc")).to_have_text("《2025年智慧城市创新报告与城市治理优化分析报告》")
    expect(source.locator("p")).to_have_text(expected["text"])
    expect(source.locator("mark")).to_have_text([expected["text"][s:e] for s, e in expected["highlights"]])
    page.screenshot(path=artifacts / "widget-open.png")

    source.locator("summary").click()  # fold it, then let the [1] marker open it again
    expect(source.locator("p")).to_be_hidden()
    reply.get_by_role("button", name="查看引用段落 1").click()
    expect(source.locator("p")).to_be_visible()


def test_loading_state_until_the_answer_arrives(page, site, api):
    held = []  # the real request waits here until the loading state has been checked
    page.route(f"{api.url}/api/ask", lambda route: held.append(route))
    page.goto(site.put("loading.html", host_page(f"{api.url}/widget.js", f'data-title="{TITLE}" data-open="true"')))
    reply = ask(page, QUESTION)
    expect(reply).to_have_text("正在查找报告中的相关段落…")
    expect(panel(page).get_by_role("button", name="发送")).to_be_disabled()
    expect(panel(page).get_by_role("log")).to_have_attribute("aria-busy", "true")
    for _ in range(600):  # let Playwright deliver the held request (polled, not a fixed sleep)
        if held:
            break
        page.wait_for_timeout(50)
    held[0].continue_()
    expect(reply.locator(".answer")).to_contain_text("48个部门")
    expect(panel(page).locator(".loading")).to_have_count(0)
    expect(panel(page).get_by_role("button", name="发送")).to_be_enabled()
    expect(panel(page).get_by_role("log")).to_have_attribute("aria-busy", "false")


def test_follow_up_sends_history_and_new_conversation_forgets_it(page, site, api):
    page.goto(site.put("follow-up.html", host_page(f"{api.url}/widget.js", f'data-title="{TITLE}" data-open="true"')))
    expect(ask(page, QUESTION).locator(".answer")).to_contain_text("48个部门")
    with page.expect_request(lambda r: r.url.endswith("/api/ask") and r.method == "POST") as sent:
        reply = ask(page, "那深圳呢?")
    assert sent.value.post_data_json == {"question": "那深圳呢?", "history": [QUESTION]}
    expect(reply.locator(".answer")).to_contain_text("深圳")

    panel(page).get_by_role("button", name="新对话").click()
    expect(panel(page).locator(".msg")).to_have_count(1)  # the greeting only
    expect(panel(page).get_by_role("textbox")).to_be_focused()
    with page.expect_request(lambda r: r.url.endswith("/api/ask") and r.method == "POST") as sent:
        ask(page, QUESTION)
    assert sent.value.post_data_json == {"question": QUESTION, "history": []}


def test_html_in_questions_and_passages_is_shown_as_text(page, events, site, probe_api):
    page.goto(site.put("probe.html", host_page(f"{probe_api.url}/widget.js", f'data-title="{TITLE}" data-open="true"')))
    reply = ask(page, PROBE_QUESTION)
    expect(panel(page).locator(".msg.user")).to_have_text([PROBE_QUESTION])
    expect(reply.locator(".answer")).to_contain_text(f"测试人员在留言板提交了字符串{PROBE},系统应当原样显示这段文字")
    expect(reply.get_by_role("button", name="查看引用段落 1")).to_have_text("[1]")
    source = reply.locator(".source").first
    expect(source.locator("summary")).to_have_text(f"[1]1.1 {PROBE_TITLE}《安全测试说明》")
    expect(source.locator("p")).to_contain_text(PROBE)
    injected = page.evaluate(
        """() => [document, document.querySelector('kbqa-widget').shadowRoot]
                 .map(root => root.querySelectorAll('img, [onerror], [onload]').length)"""
    )
    assert injected == [0, 0]
    assert events["dialogs"] == []


def test_site_not_in_the_list_gets_no_answer_and_is_told_so(page, site, strict_api):
    attrs = f'data-title="{TITLE}" data-open="true"'
    page.goto(site.put("stranger.html", host_page(f"{strict_api.url}/widget.js", attrs)))
    with page.expect_event("requestfailed", lambda r: r.url == f"{strict_api.url}/api/ask"):
        reply = ask(page, QUESTION)
    expect(reply).to_have_attribute("role", "alert")
    expect(reply).to_have_text(
        f"此网站未获授权使用该问答服务。网站管理员:请把 {site.origin} 加入问答服务器的 KBQA_ALLOWED_ORIGINS。"
    )
    expect(panel(page).locator(".answer")).to_have_count(0)
    expect(panel(page).locator(".source")).to_have_count(0)


def test_widget_says_when_its_server_is_unreachable(page, engine, settings, site):
    with serve(engine, settings.replace(allowed_origins=site.origin)) as live:
        page.goto(site.put("down.html", host_page(f"{live.url}/widget.js", f'data-title="{TITLE}" data-open="true"')))
        expect(panel(page)).to_be_visible()
    reply = ask(page, QUESTION)  # the server has stopped since the page loaded
    expect(reply).to_have_text("无法连接到问答服务器,请检查网络或稍后再试。")
    expect(panel(page).get_by_role("button", name="发送")).to_be_enabled()


def test_widget_says_when_the_server_limits_questions(page, engine, settings, site):
    with serve(engine, settings.replace(allowed_origins=site.origin, rate_limit=1)) as live:
        page.goto(site.put("busy.html", host_page(f"{live.url}/widget.js", f'data-title="{TITLE}" data-open="true"')))
        expect(ask(page, QUESTION).locator(".answer")).to_contain_text("48个部门")
        reply = ask(page, QUESTION)
        expect(reply).to_have_text(re.compile(r"^提问太频繁了,请 (5\d|60) 秒后再试。$"))
        expect(reply).to_have_attribute("role", "alert")


def test_widget_shows_the_servers_own_sentence_for_a_refused_question(page, site, api):
    page.goto(site.put("long.html", host_page(f"{api.url}/widget.js", f'data-title="{TITLE}" data-open="true"')))
    reply = ask(page, "问" * 501)
    expect(reply).to_have_text("问题太长了:现在有 501 个字,最多 500 个字。请删减后再提问。")  # the server's `display`
    expect(reply).to_have_attribute("role", "alert")
    expect(panel(page).get_by_role("button", name="发送")).to_be_enabled()


def test_keyboard_enter_sends_shift_enter_breaks_line_escape_closes(page, site, api):
    attrs = f'data-title="{TITLE}" data-question="{QUESTION}"'
    page.goto(site.put("keys.html", host_page(f"{api.url}/widget.js", attrs)))
    launcher(page).focus()
    page.keyboard.press("Enter")
    box = panel(page).get_by_role("textbox")
    expect(box).to_be_focused()
    expect(box).to_have_value(QUESTION)  # data-question
    box.press("Shift+Enter")
    expect(box).to_have_value(QUESTION + "\n")
    expect(panel(page).locator(".msg.user")).to_have_count(0)
    box.press("Enter")
    expect(panel(page).locator(".msg.user")).to_have_text([QUESTION])
    expect(panel(page).locator(".answer")).to_contain_text("48个部门")
    expect(box).to_be_focused()
    page.keyboard.press("Escape")
    expect(panel(page)).to_be_hidden()
    expect(launcher(page)).to_be_focused()
    expect(launcher(page)).to_have_attribute("aria-expanded", "false")


def test_settings_come_from_data_attributes(page, site, api):
    attrs = 'data-title="市民问答" data-position="left" data-accent="#0f766e" data-open="true"'
    page.goto(site.put("settings.html", host_page(f"{api.url}/widget.js", attrs)))
    expect(panel(page, "市民问答")).to_be_visible()  # open on load, not focused: the host page keeps focus
    expect(panel(page, "市民问答").get_by_role("heading")).to_have_text("市民问答")
    expect(launcher(page)).to_have_css("background-color", "rgb(15, 118, 110)")
    assert launcher(page).bounding_box() == {"x": 20, "y": 800 - 20 - 56, "width": 56, "height": 56}
    assert panel(page, "市民问答").bounding_box()["x"] == 20

    page.goto(site.put("bad-accent.html", host_page(f"{api.url}/widget.js", 'data-accent="red;}*{display:none}"')))
    expect(launcher(page)).to_have_css("background-color", "rgb(29, 78, 216)")  # the default
    assert launcher(page).bounding_box()["x"] == 1280 - 20 - 56  # default position: right
    expect(panel(page, "报告问答")).to_be_hidden()  # default: closed


def test_panel_is_full_screen_on_a_phone(page, site, api, artifacts):
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(site.put("phone.html", host_page(f"{api.url}/widget.js")))
    launcher(page).click()
    assert panel(page).bounding_box() == {"x": 0, "y": 0, "width": 375, "height": 740}
    expect(launcher(page)).to_be_hidden()
    expect(ask(page, QUESTION).locator(".answer")).to_contain_text("48个部门")
    page.screenshot(path=artifacts / "widget-phone.png")
    panel(page).get_by_role("button", name="关闭").click()
    expect(panel(page)).to_be_hidden()
    expect(launcher(page)).to_be_visible()


HOSTILE_CSS = """<style>
  div, button, section, form, textarea, p, span, mark, details, summary, header, h2, h3, ol, li {
    display: none !important; z-index: -1 !important; font-size: 2px !important; color: red !important; }
  body > :not(main, #cover) { display: none !important; opacity: 0 !important; transform: scale(0) !important;
                               position: static !important; }
  [popover] { display: none !important; inset: 0 !important; }
  ::backdrop { background: rgba(0, 0, 0, .6) !important; }
  * { font-family: serif !important; line-height: 3 !important; box-sizing: content-box !important; }
</style>"""


def test_hostile_host_css_and_a_top_z_index_overlay_do_not_break_the_panel(page, site, api, artifacts):
    page.goto(site.put("hostile.html", host_page(f"{api.url}/widget.js", head=HOSTILE_CSS)))
    expect(launcher(page)).to_be_visible()
    # After the widget, the host page covers everything with the highest z-index there is:
    # only the top layer is above it.
    page.evaluate("""() => {
        const cover = document.createElement('aside');
        cover.id = 'cover';
        cover.style.cssText = 'position:fixed;inset:0;z-index:2147483647;background:rgba(255,255,255,.05)';
        document.body.append(cover);
    }""")
    launcher(page).click()  # Playwright only clicks when nothing covers the target
    expect(panel(page)).to_be_visible()
    assert panel(page).bounding_box() == {"x": 1280 - 20 - 380, "y": 800 - 20 - 72 - 600, "width": 380, "height": 600}
    expect(panel(page)).to_have_css("font-size", "14px")
    reply = ask(page, QUESTION)
    expect(reply.locator(".answer")).to_contain_text("48个部门")
    expect(reply.locator("mark").first).to_be_visible()
    on_top = page.evaluate("""() => {
        const r = document.querySelector('kbqa-widget').shadowRoot.querySelector('.panel').getBoundingClientRect();
        return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2).tagName;
    }""")
    assert on_top == "KBQA-WIDGET"
    page.screenshot(path=artifacts / "widget-hostile.png")


def iframe_page(src: str) -> str:
    return host_page(None, main=f'<iframe src="{src}/embed?title=报告问答(嵌入)" title="报告问答" '
                          'style="width:400px;height:600px;border:1px solid #ddd"></iframe>')


def test_embed_page_answers_inside_an_iframe(page, site, api):
    page.goto(site.put("iframe.html", iframe_page(api.url)))
    chat = page.frame_locator("iframe").get_by_role("dialog", name="报告问答(嵌入)")
    expect(chat).to_be_visible()
    expect(chat.get_by_role("button", name="关闭")).to_have_count(0)  # nothing to close inside a frame
    box = chat.get_by_role("textbox")
    box.fill(QUESTION)
    box.press("Enter")
    expect(chat.locator(".answer")).to_contain_text("48个部门")
    expect(chat.locator(".source .sec").first).to_contain_text("2.2 大数据与云计算平台的协同联动与价值释放")


def test_embed_page_refuses_to_be_framed_by_a_site_not_in_the_list(page, site, strict_api):
    with page.expect_console_message(lambda m: "frame-ancestors" in m.text) as refused:
        page.goto(site.put("iframe-stranger.html", iframe_page(strict_api.url)))
    assert f"frame-ancestors 'self' {NOT_LISTED}" in refused.value.text
    expect(page.frame_locator("iframe").locator("kbqa-widget")).to_have_count(0)


def test_snippet_page_shows_the_tag_and_its_demo_widget_answers(page, api):
    page.goto(f"{api.url}/widget")
    expect(page.locator("#snippet")).to_have_text(
        f'<script src="{api.url}/widget.js" data-title="{TITLE}" data-position="right"\n'
        '        data-open="false" data-question="" async></script>'
    )
    launcher(page).click()  # the server's own origin may always ask, though the list names only the host site
    expect(ask(page, QUESTION).locator(".answer")).to_contain_text("48个部门")
