"""The widget's security contract over real HTTP: allowed origins, CORS, frame-ancestors, rate limit."""

from __future__ import annotations

import re

import httpx
import pytest
from conftest import LiveServer

from kbqa.api.app import create_app
from kbqa.settings import Settings

SITE = "https://reports.example.org"
PARTNER = "http://partner.example:8080"
STRANGER = "https://evil.example.net"
QUESTION = {"question": "杭州城市大脑整合了多少个部门的数据?"}
PREFLIGHT = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}


@pytest.fixture(scope="module")
def guarded(engine, settings):
    """A server that lists two origins (one written with a trailing slash and spaces)."""
    listed = settings.replace(allowed_origins=f"{SITE}, {PARTNER}/ ")
    with LiveServer(create_app(engine, listed, with_ui=False)) as live:
        yield live


@pytest.fixture(scope="module")
def limited(engine, settings):
    """A server that allows two questions per client per minute."""
    with LiveServer(create_app(engine, settings.replace(allowed_origins=SITE, rate_limit=2), with_ui=False)) as live:
        yield live


@pytest.mark.parametrize("origin", [SITE, PARTNER])
def test_listed_origin_gets_an_answer_and_cors_headers(guarded, origin):
    r = httpx.post(f"{guarded.url}/api/ask", json=QUESTION, headers={"Origin": origin}, timeout=30)
    assert r.status_code == 200
    assert "48个部门" in r.json()["answer"]
    assert r.headers["access-control-allow-origin"] == origin
    assert r.headers["vary"] == "Origin"
    assert r.headers["access-control-expose-headers"] == "Retry-After"


def test_listed_origin_preflight(guarded):
    r = httpx.options(f"{guarded.url}/api/ask", headers={"Origin": SITE, **PREFLIGHT}, timeout=30)
    assert r.status_code == 200  # Starlette's CORSMiddleware answers preflights
    assert r.headers["access-control-allow-origin"] == SITE
    assert r.headers["access-control-allow-methods"] == "POST, GET, OPTIONS"
    # The CORS-safelisted headers, and those a client sets itself: JSON, an API key, the widget naming itself.
    assert r.headers["access-control-allow-headers"] == (
        "Accept, Accept-Language, Authorization, Content-Language, Content-Type, X-KBQA-Channel"
    )
    assert r.headers["access-control-max-age"] == "600"
    assert r.headers["vary"].split(", ")[0] == "Origin"


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/api/ask"), ("OPTIONS", "/api/ask"), ("GET", "/api/sections")],
)
@pytest.mark.parametrize("origin", [STRANGER, "null", f"{SITE}.evil.net", "http://reports.example.org"])
def test_other_origins_are_refused_without_cors_headers(guarded, method, path, origin):
    headers = {"Origin": origin, **(PREFLIGHT if method == "OPTIONS" else {})}
    r = httpx.request(method, f"{guarded.url}{path}", json=QUESTION if method == "POST" else None,
                      headers=headers, timeout=30)
    assert r.status_code == 403
    assert r.json() == {"error": {
        "code": "origin_not_allowed",
        "message": f"origin {origin} may not use this API; the server's KBQA_ALLOWED_ORIGINS must list it",
        "display": "此网站未获授权使用该问答服务。",
    }}
    assert not any(name.startswith("access-control-") for name in r.headers)


def test_own_origin_is_always_allowed(guarded):
    r = httpx.post(f"{guarded.url}/api/ask", json=QUESTION, headers={"Origin": guarded.url}, timeout=30)
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == guarded.url


def test_clients_without_origin_are_not_browsers_and_get_no_cors_headers(guarded):
    r = httpx.post(f"{guarded.url}/api/ask", json=QUESTION, timeout=30)
    assert r.status_code == 200
    assert "access-control-allow-origin" not in r.headers


def test_embed_frame_ancestors_come_from_the_list(guarded):
    r = httpx.get(f"{guarded.url}/embed", timeout=30)
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert r.headers["content-security-policy"] == f"frame-ancestors 'self' {SITE} {PARTNER}"
    assert '<script src="widget.js" data-embed="true"></script>' in r.text


def test_embed_frame_ancestors_default_to_the_servers_own_origin(engine):
    app = create_app(engine, Settings(), with_ui=False)
    with LiveServer(app) as live:
        r = httpx.get(f"{live.url}/embed", timeout=30)
    assert r.headers["content-security-policy"] == (
        "frame-ancestors 'self' http://127.0.0.1:7860 http://localhost:7860"
    )


def test_rate_limit_answers_429_with_retry_after(limited):
    headers = {"Origin": SITE}
    for _ in range(3):  # preflights are not questions and do not count
        assert httpx.options(f"{limited.url}/api/ask", headers={**headers, **PREFLIGHT}, timeout=30).status_code == 200
    for _ in range(2):
        assert httpx.post(f"{limited.url}/api/ask", json=QUESTION, headers=headers, timeout=30).status_code == 200
    r = httpx.post(f"{limited.url}/api/ask", json=QUESTION, headers=headers, timeout=30)
    assert r.status_code == 429
    wait = int(r.headers["retry-after"])
    assert 50 <= wait <= 60
    assert r.json() == {"error": {"code": "rate_limited", "message": f"too many questions; try again in {wait} s",
                                  "display": f"提问太频繁了,请 {wait} 秒后再试。"}}
    # The widget on a listed site must be able to read the 429 and its Retry-After.
    assert r.headers["access-control-allow-origin"] == SITE
    assert r.headers["access-control-expose-headers"] == "Retry-After"


def test_widget_js_is_served_as_javascript_to_any_site(server):
    r = httpx.get(f"{server.url}/widget.js", headers={"Origin": STRANGER}, timeout=30)
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/javascript; charset=utf-8"
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"] == "no-cache"
    # Server and visitor text goes in as text only: no HTML-parsing sink anywhere in the script.
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function", r.text)


def test_snippet_page_shows_the_servers_own_address(server):
    r = httpx.get(f"{server.url}/widget", timeout=30)
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert (f'&lt;script src="{server.url}/widget.js" data-title="智慧城市报告问答" data-position="right"\n'
            '        data-open="false" data-question="" async&gt;&lt;/script&gt;') in r.text
    assert "{{BASE}}" not in r.text


def test_snippet_page_does_not_reflect_a_forged_host_header(server):
    r = httpx.get(f"{server.url}/widget", headers={"Host": 'x"><script>alert(1)</script>'}, timeout=30)
    assert "alert(1)" not in r.text
    assert f'<script src="{server.url}/widget.js" data-title="智慧城市报告问答" async></script>' in r.text


@pytest.fixture()
def proxied(engine, settings):
    """Two questions per client, behind a reverse proxy at 127.0.0.1 (the tests' own address)."""
    behind = settings.replace(rate_limit=2, trusted_proxies="127.0.0.1, 10.9.9.9")
    with LiveServer(create_app(engine, behind, with_ui=False)) as live:
        yield live


def _ask_as(live: LiveServer, forwarded: str | None) -> int:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return httpx.post(f"{live.url}/api/ask", json=QUESTION, headers=headers, timeout=30).status_code


def test_behind_a_trusted_proxy_each_visitor_has_their_own_rate_limit(proxied):
    assert [_ask_as(proxied, "203.0.113.7") for _ in range(3)] == [200, 200, 429]
    assert _ask_as(proxied, "198.51.100.2") == 200  # another visitor behind the same proxy
    # A visitor's own X-Forwarded-For is kept left of what the proxies add: the proxy's view counts,
    # so claiming to be someone else (or a proxy) does not buy a new budget.
    assert _ask_as(proxied, "192.0.2.99, 203.0.113.7") == 429
    assert _ask_as(proxied, "203.0.113.7, 10.9.9.9") == 429
    assert [_ask_as(proxied, None) for _ in range(3)] == [200, 200, 429]  # the proxy's own requests


def test_without_trusted_proxies_x_forwarded_for_is_ignored(engine, settings):
    with LiveServer(create_app(engine, settings.replace(rate_limit=2), with_ui=False)) as live:
        assert [_ask_as(live, f"203.0.113.{n}") for n in range(3)] == [200, 200, 429]


def test_a_listed_site_can_read_the_servers_refusals(guarded, settings):
    """Errors carry the CORS headers too, so the widget can show the server's `display` sentence."""
    too_large = httpx.post(f"{guarded.url}/api/ask", content=b"x" * (settings.max_body_bytes + 1),
                           headers={"Origin": SITE, "Content-Type": "application/json"}, timeout=30)
    empty = httpx.post(f"{guarded.url}/api/ask", json={"question": ""}, headers={"Origin": SITE}, timeout=30)
    for r, code in ((too_large, "body_too_large"), (empty, "empty_question")):
        assert r.json()["error"]["code"] == code
        assert r.headers["access-control-allow-origin"] == SITE
        assert r.headers["x-content-type-options"] == "nosniff"
    assert empty.json()["error"]["display"] == "请先输入问题:问题不能为空。"
