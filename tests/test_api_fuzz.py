"""The HTTP API under hostile requests: fuzzed from its own OpenAPI document, then the classic bad bodies.

Every bad request must get a JSON 4xx of the documented shape `{"error": {"code", "message", "display"}}`;
nothing may get a 500 or a response that breaks the published schema. The fuzzing is derandomized:
a failure replays on the next run.
"""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlparse

import httpx
import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, given
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from kbqa.api.schema import ErrorResponse
from kbqa.text import clean_spaces, visible

QUESTION = "杭州城市大脑整合了多少个部门的数据?"
LIMIT = 500  # Settings.max_question_chars
FUZZ = hypothesis.settings(max_examples=150, deadline=None, database=None, derandomize=True,
                           suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def api_schema(server):
    return schemathesis.openapi.from_url(f"{server.url}/openapi.json")


def assert_json_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    ErrorResponse.model_validate(body)
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "display"}
    assert body["error"]["message"] and body["error"]["display"] and "Traceback" not in response.text
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]


# ---------------------------------------------------------------- schema-driven (schemathesis)


def test_schema_valid_requests_are_answered_or_refused_by_documented_rule(api_schema, engine):
    """Positive data from the schema: 200, or the rules the schema cannot express (visible text, length, doc id)."""

    @FUZZ
    @given(case=api_schema.as_strategy(GenerationMode.POSITIVE))
    def run(case):
        # A schema-valid question may still be blank, too long or name no document; checked below, exactly.
        response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
        if response.status_code == 200:
            return
        if (case.method, case.path) == ("POST", "/api/feedback"):  # a schema-valid id names no logged answer
            code = response.json()["error"]["code"]
            comment = clean_spaces(case.body.get("comment") or "")
            assert (response.status_code, code) == ((413, "comment_too_long") if len(comment) > 1000
                                                    else (404, "unknown_answer")), response.text
            return
        assert (case.method, case.path) == ("POST", "/api/ask"), response.text
        question, doc = case.body["question"], case.body.get("doc")
        code = response.json()["error"]["code"]
        if not visible(question):  # the server's own rule: invisible (Cc, Cf, ...) and blank characters
            assert (response.status_code, code) == (400, "empty_question")
        elif len(clean_spaces(question)) > LIMIT:
            assert (response.status_code, code) == (413, "question_too_long")
        else:
            assert doc is not None and doc not in engine.index.documents, response.text
            assert (response.status_code, code) == (422, "unknown_document")

    run()


def test_schema_invalid_requests_get_a_json_4xx(api_schema):
    """Negative data: rejected (schemathesis' negative_data_rejection) with the documented error shape."""

    @FUZZ
    @given(case=api_schema["/api/ask"]["POST"].as_strategy(GenerationMode.NEGATIVE))
    def run(case):
        response = case.call_and_validate()
        assert 400 <= response.status_code < 500
        error = response.json()["error"]
        assert error["code"] and error["message"]

    run()


# ---------------------------------------------------------------- explicit bad requests


def post(server, content: bytes | str, content_type: str | None = "application/json", **kwargs) -> httpx.Response:
    headers = {"Content-Type": content_type} if content_type else {}
    return httpx.post(f"{server.url}/api/ask", content=content, headers=headers, timeout=60, **kwargs)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b'{"question": ', 400, "malformed_body"),
        (b'{"question": "\xff\xfe"}', 400, "malformed_body"),  # not UTF-8
        (b"", 400, "malformed_body"),
        (b"null", 400, "malformed_body"),
        (b'"just a string"', 400, "malformed_body"),
        (b'["question"]', 400, "malformed_body"),
        (b"[" * 100_000 + b"]" * 100_000, 400, "malformed_body"),  # deeper than the JSON parser recurses
        (b'{"question": "a", "top_k": ' + b"9" * 5000 + b"}", 400, "malformed_body"),  # int too long to parse
        (b"{}", 400, "invalid_field"),
        (b'{"top_k": 3}', 400, "invalid_field"),
        (b'{"question": 42}', 400, "invalid_field"),
        (b'{"question": null}', 400, "invalid_field"),
        (b'{"question": ["a"]}', 400, "invalid_field"),
        (b'{"question": "a", "top_k": "3"}', 400, "invalid_field"),
        (b'{"question": "a", "top_k": true}', 400, "invalid_field"),
        (b'{"question": "a", "top_k": 2.5}', 400, "invalid_field"),
        (b'{"question": "a", "history": "x"}', 400, "invalid_field"),
        (b'{"question": "a", "history": [1]}', 400, "invalid_field"),
        (b'{"question": "a", "extra": 1}', 400, "invalid_field"),
        (b'{"question": "a", "doc": 7}', 400, "invalid_field"),
        (b'{"question": "a", "doc": ["smart-city-report-2025"]}', 400, "invalid_field"),
        (b'{"question": "a", "top_k": 0}', 422, "out_of_range"),
        (b'{"question": "a", "top_k": 21}', 422, "out_of_range"),
        (json.dumps({"question": "a", "history": ["b"] * 51}).encode(), 422, "out_of_range"),
        (b'{"question": ""}', 400, "empty_question"),
        (b'{"question": "\\u0000\\ud800\\u3000 \\t"}', 400, "empty_question"),
        (json.dumps({"question": "问" * (LIMIT + 1)}).encode(), 413, "question_too_long"),
        (b'{"question": "a", "doc": "no-such-report"}', 422, "unknown_document"),
    ],
    ids=lambda v: v[:40].decode("utf-8", "replace") if isinstance(v, bytes) else str(v),
)
def test_bad_bodies_get_a_json_4xx(server, body, status, code):
    assert_json_error(post(server, body), status, code)


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml", None],
)
def test_bodies_not_sent_as_json_get_415(server, content_type):
    error = assert_json_error(post(server, json.dumps({"question": QUESTION}), content_type), 415,
                              "unsupported_media_type")
    assert error["message"].startswith("send the body as JSON with Content-Type: application/json, got ")


def test_form_data_gets_415(server):
    r = httpx.post(f"{server.url}/api/ask", data={"question": QUESTION}, timeout=60)
    assert_json_error(r, 415, "unsupported_media_type")
    r = httpx.post(f"{server.url}/api/ask", files={"question": (None, QUESTION)}, timeout=60)
    assert_json_error(r, 415, "unsupported_media_type")


def test_json_with_a_charset_or_a_json_subtype_is_accepted(server):
    for content_type in ("application/json; charset=utf-8", "application/vnd.api+json"):
        r = post(server, json.dumps({"question": QUESTION}), content_type)
        assert r.status_code == 200 and r.json()["passages"]


def padded(size: int) -> bytes:
    """A valid request of exactly `size` bytes: the question, then long history turns (which are ignored)."""
    body = {"question": QUESTION, "history": ["x"] * 50}
    base = len(json.dumps(body, ensure_ascii=False).encode())
    body["history"] = ["x" * (1 + (size - base) // 50)] * 49 + ["x" * (1 + (size - base) - 49 * ((size - base) // 50))]
    data = json.dumps(body, ensure_ascii=False).encode()
    assert len(data) == size
    return data


def test_a_body_of_exactly_the_limit_is_answered(server, settings):
    r = post(server, padded(settings.max_body_bytes))
    assert r.status_code == 200, r.text
    assert r.json()["passages"]


def test_an_oversized_declared_body_gets_413(server, settings):
    limit = settings.max_body_bytes
    error = assert_json_error(post(server, padded(limit + 1)), 413, "body_too_large")
    assert error == {"code": "body_too_large", "message": f"request body is over {limit} bytes",
                     "display": "提交的内容太大了。"}
    assert_json_error(post(server, b"x" * (5 * limit)), 413, "body_too_large")


def test_an_oversized_chunked_body_gets_413(server, settings):
    """No Content-Length: the limit holds on the bytes as they stream in."""
    data = padded(settings.max_body_bytes + 1)
    for step in (65_536, settings.max_body_bytes + 1):
        r = httpx.post(f"{server.url}/api/ask", content=(data[i : i + step] for i in range(0, len(data), step)),
                       headers={"Content-Type": "application/json"}, timeout=60)
        assert "content-length" not in r.request.headers and r.request.headers["transfer-encoding"] == "chunked"
        assert_json_error(r, 413, "body_too_large")


def test_a_small_chunked_body_is_answered(server):
    data = json.dumps({"question": QUESTION}, ensure_ascii=False).encode()
    r = httpx.post(f"{server.url}/api/ask", content=(data[i : i + 5] for i in range(0, len(data), 5)),
                   headers={"Content-Type": "application/json"}, timeout=60)
    assert r.status_code == 200 and r.json()["passages"]


def test_a_client_that_sends_less_than_it_declared_does_not_hang_the_server(server):
    url = urlparse(server.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    conn.putrequest("POST", "/api/ask")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", "100")
    conn.endheaders()
    conn.send(b'{"question": "')
    conn.close()  # gone mid-body
    assert httpx.get(f"{server.url}/healthz", timeout=30).status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [("GET", "/api/ask", "POST"), ("PUT", "/api/ask", "POST"), ("DELETE", "/api/ask", "POST"),
     ("PATCH", "/api/ask", "POST"), ("OPTIONS", "/api/ask", "POST"), ("POST", "/api/sections", "GET")],
)
def test_wrong_method_gets_a_json_405(server, method, path, allow):
    r = httpx.request(method, f"{server.url}{path}", timeout=60)
    error = assert_json_error(r, 405, "method_not_allowed")
    assert r.headers["allow"] == allow
    assert error["message"] == f"{method} is not accepted on {path}; use {allow}"


@pytest.mark.parametrize("path", ["/api/nothing", "/api/ask/", "/api/ask/extra", "/api/%00", "/api/"])
def test_unknown_api_path_gets_a_json_404(server, path):
    r = httpx.post(f"{server.url}{path}", json={"question": QUESTION}, timeout=60)
    assert_json_error(r, 404, "not_found")


def test_the_server_still_answers_after_all_that(server):
    r = httpx.post(f"{server.url}/api/ask", json={"question": QUESTION}, timeout=60)
    assert r.status_code == 200
    assert "48个部门" in r.json()["answer"]
