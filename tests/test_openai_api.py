"""The OpenAI-compatible API, driven by the official `openai` client (and curl) against the real server on loopback."""

from __future__ import annotations

import json
import subprocess

import httpx
import hypothesis
import openai
import pytest
from conftest import LiveServer
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from kbqa.api.app import create_app
from kbqa.verify import split

QUESTION = "杭州城市大脑整合了多少个部门的数据?"
REFUSED = "报告建议地铁票价怎么调整?"
LONGER = "智慧城市建设的总体目标是什么?"  # answered in two sentences
OPENAI_ERROR_KEYS = {"message", "type", "code", "param"}


@pytest.fixture(scope="module")
def client(server):
    """The openai SDK as people use it; the key is any string when KBQA_API_KEYS is not set."""
    with openai.OpenAI(base_url=f"{server.url}/v1", api_key="any", max_retries=0, timeout=60) as c:
        yield c


@pytest.fixture(scope="module")
def http(server):
    with httpx.Client(base_url=server.url, timeout=60) as c:
        yield c


def ask(http, question: str, history: list[str] | None = None) -> dict:
    """The same question through /api/ask, to compare with."""
    r = http.post("/api/ask", json={"question": question, "history": history or []})
    assert r.status_code == 200, r.text
    return r.json()


def test_models_list_the_knowledge_base(client):
    assert [m.id for m in client.models.list()] == ["kbqa"]
    model = client.models.retrieve("kbqa")
    assert (model.id, model.object, model.owned_by) == ("kbqa", "model", "kbqa")
    assert model.created > 1_700_000_000  # when the index was built
    with pytest.raises(openai.NotFoundError) as caught:
        client.models.retrieve("gpt-4o")
    assert caught.value.code == "model_not_found"


def test_chat_completion_is_the_answer_of_api_ask_with_its_references(client, http):
    r = client.chat.completions.create(model="kbqa", messages=[{"role": "user", "content": QUESTION}])
    expected = ask(http, QUESTION)
    assert r.object == "chat.completion" and r.id.startswith("chatcmpl-") and r.model == "kbqa"
    [choice] = r.choices
    assert (choice.index, choice.finish_reason, choice.message.role) == (0, "stop", "assistant")
    assert choice.message.content == expected["answer"]
    assert "48个部门" in choice.message.content and "[1]" in choice.message.content
    references = choice.message.model_extra["references"]
    assert references == expected["passages"]
    assert set(references[0]) == {"n", "doc", "doc_title", "section", "title", "path", "heading", "text", "score",
                                  "highlights"}
    fields = r.model_extra["kbqa"]
    assert len(fields.pop("answer_id")) == 22  # its own: each answer is logged under its id
    assert fields == {"refused": False, "reason": "", "confidence": expected["confidence"], "mode": "extractive",
                      "dropped_sentences": 0, "suggestions": []}
    assert r.usage.prompt_tokens == len(QUESTION)
    assert r.usage.completion_tokens == len(expected["answer"])


def test_streaming_sends_the_answer_in_sentences_then_references(client, http):
    chunks = list(client.chat.completions.create(
        model="kbqa", messages=[{"role": "user", "content": LONGER}], stream=True,
        stream_options={"include_usage": True}))
    expected = ask(http, LONGER)
    assert all(c.object == "chat.completion.chunk" and c.id == chunks[0].id for c in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    texts = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert texts == split(expected["answer"]) and len(texts) >= 2
    carrying = [c for c in chunks if c.choices and "references" in (c.choices[0].delta.model_extra or {})]
    assert len(carrying) == 1 and carrying[0].choices[0].delta.content == texts[-1]
    assert carrying[0].choices[0].delta.model_extra["references"] == expected["passages"]
    assert carrying[0].model_extra["kbqa"]["mode"] == "extractive"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == len(expected["answer"])


def test_stream_ends_with_done(http):
    body = {"model": "kbqa", "messages": [{"role": "user", "content": QUESTION}], "stream": True}
    with http.stream("POST", "/v1/chat/completions", json=body) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events = [line for line in r.iter_lines() if line]
    assert all(e.startswith("data: ") for e in events)
    assert events[-1] == "data: [DONE]"
    assert json.loads(events[-2][6:])["choices"][0]["finish_reason"] == "stop"


def test_follow_up_reads_earlier_user_messages_as_history(client, http):
    first = "上海“一网统管”整合了哪些部门的数据?"
    r = client.chat.completions.create(model="kbqa", messages=[
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": first},
        {"role": "assistant", "content": "上海市“一网统管”平台通过整合公安、交通、城管等部门的数据资源…[1]"},
        {"role": "user", "content": "那杭州呢?"},
    ])
    expected = ask(http, "那杭州呢?", [first])
    assert r.choices[0].message.content == expected["answer"]
    assert "杭州" in r.choices[0].message.model_extra["references"][0]["text"]
    assert r.choices[0].message.content != ask(http, "那杭州呢?")["answer"]


def test_refusal_is_a_normal_answer_that_says_so(client, http):
    r = client.chat.completions.create(model="kbqa", messages=[{"role": "user", "content": REFUSED}])
    expected = ask(http, REFUSED)
    assert r.choices[0].message.content == expected["answer"] == "知识库中没有找到与“地铁”、“票价”相关的内容。"
    assert r.choices[0].finish_reason == "stop" and r.choices[0].message.model_extra["references"] == []
    fields = r.model_extra["kbqa"]
    assert fields["refused"] is True and fields["reason"] == expected["reason"]
    assert fields["suggestions"] == expected["suggestions"] and fields["suggestions"]


def test_text_parts_and_the_usual_extra_fields_are_accepted(client, http):
    r = client.chat.completions.create(
        model="kbqa", temperature=0.7, max_tokens=256, top_p=0.9, presence_penalty=0, user="u1", n=1, seed=3,
        messages=[{"role": "developer", "content": "Answer briefly."},
                  {"role": "user", "content": [{"type": "text", "text": "杭州城市大脑整合了"},
                                               {"type": "text", "text": "多少个部门的数据?"}]}])
    assert r.choices[0].message.content == ask(http, QUESTION)["answer"]


BAD = [
    ({"model": "kbqa", "messages": []}, 400, "invalid_field", "messages: List should have at least 1 item"),
    ({"model": "kbqa", "messages": [{"role": "system", "content": "hi"}]}, 400, "invalid_field",
     "messages: no message has role 'user'"),
    ({"model": "kbqa", "messages": [{"role": "tool", "content": "x"}, {"role": "user", "content": QUESTION}]}, 400,
     "invalid_field", "messages.0.role: 'tool' is not accepted"),
    ({"model": "kbqa", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]},
     400, "invalid_field", "messages.0.content.0: only text parts"),
    ({"model": "kbqa", "messages": [{"role": "user", "content": None}]}, 400, "invalid_field",
     "messages.0.content: a user message needs text"),
    ({"model": "kbqa", "messages": [{"role": "user", "content": 42}]}, 400, "invalid_field", "messages.0.content"),
    ({"model": "kbqa", "messages": [{"role": "user"}], "stream": "yes"}, 400, "invalid_field", "stream"),
    ({"model": "kbqa", "messages": [{"role": "user", "content": " \u200b "}]}, 400, "empty_question",
     "question is empty"),
    ({"model": "kbqa", "messages": [{"role": "user", "content": "问" * 501}]}, 413, "question_too_long",
     "question is 501 characters; the limit is 500"),
    ({"model": "gpt-4o", "messages": [{"role": "user", "content": QUESTION}]}, 404, "model_not_found",
     "model 'gpt-4o' is not served here; use 'kbqa'"),
    ({"model": "kbqa", "messages": [{"role": "user", "content": QUESTION}], "top_k": 0}, 422, "invalid_top_k",
     "top_k must be between 1 and 20, got 0"),
    ({"model": "kbqa", "messages": [{"role": "user", "content": QUESTION}], "doc": "nope"}, 422,
     "unknown_document", "nope"),
]


@pytest.mark.parametrize(("body", "status", "code", "says"), BAD, ids=[b[2] + str(i) for i, b in enumerate(BAD)])
def test_bad_requests_get_openai_errors_with_the_status_of_api_ask(client, body, status, code, says):
    extra = {k: v for k, v in body.items() if k not in ("model", "messages")}
    with pytest.raises(openai.APIStatusError) as caught:
        client.chat.completions.create(model=body["model"], messages=body["messages"], extra_body=extra)
    error = caught.value
    assert (error.status_code, error.code) == (status, code)
    assert error.type == "invalid_request_error" and says in error.message
    assert set(error.body) == OPENAI_ERROR_KEYS


def test_a_streamed_request_is_refused_before_its_stream_starts(client):
    with pytest.raises(openai.APIStatusError) as caught:
        client.chat.completions.create(model="kbqa", messages=[{"role": "user", "content": "问" * 501}], stream=True)
    assert (caught.value.status_code, caught.value.code) == (413, "question_too_long")


@pytest.mark.parametrize(("send", "status", "code"), [
    ({"content": b'{"model": "kbqa", "messages": [', "headers": {"content-type": "application/json"}}, 400,
     "malformed_body"),
    ({"content": b'["kbqa"]', "headers": {"content-type": "application/json"}}, 400, "malformed_body"),
    ({"content": b"[" * 100_000, "headers": {"content-type": "application/json"}}, 400, "malformed_body"),
    ({"content": b"\xff\xfe{", "headers": {"content-type": "application/json"}}, 400, "malformed_body"),
    ({"content": b"question=hi", "headers": {"content-type": "application/x-www-form-urlencoded"}}, 415,
     "unsupported_media_type"),
    ({"content": b"{" + b" " * 1_000_001 + b"}", "headers": {"content-type": "application/json"}}, 413,
     "body_too_large"),
])
def test_bodies_that_are_not_a_chat_request(http, send, status, code):
    r = http.post("/v1/chat/completions", **send)
    assert (r.status_code, r.headers["content-type"]) == (status, "application/json"), r.text
    assert set(r.json()) == {"error"} and set(r.json()["error"]) == OPENAI_ERROR_KEYS
    assert r.json()["error"]["code"] == code and r.json()["error"]["type"] == "invalid_request_error"


def test_other_paths_and_methods_under_v1(http):
    r = http.get("/v1/chat/completions")
    assert (r.status_code, r.headers["allow"], r.json()["error"]["code"]) == (405, "POST", "method_not_allowed")
    r = http.post("/v1/embeddings", json={})
    assert (r.status_code, r.json()["error"]["code"]) == (404, "not_found")
    assert "POST /v1/chat/completions" in r.json()["error"]["message"]
    r = http.post("/v1/chat/completions", json={"model": "kbqa", "messages": [{"role": "user", "content": "hi"}]},
                  headers={"origin": "https://elsewhere.example"})
    assert (r.status_code, r.json()["error"]["code"]) == (403, "origin_not_allowed")
    assert set(r.json()["error"]) == OPENAI_ERROR_KEYS


def test_curl(server):
    """The README's curl examples, as they are written there."""
    body = json.dumps({"model": "kbqa", "messages": [{"role": "user", "content": QUESTION}]}, ensure_ascii=False)
    out = subprocess.run(["curl", "-sS", f"{server.url}/v1/chat/completions", "-H", "Content-Type: application/json",
                          "-d", body], capture_output=True, text=True, timeout=60, check=True).stdout
    assert "48个部门" in json.loads(out)["choices"][0]["message"]["content"]
    streamed = json.dumps({"model": "kbqa", "stream": True, "messages": [{"role": "user", "content": QUESTION}]})
    out = subprocess.run(["curl", "-sSN", f"{server.url}/v1/chat/completions", "-H", "Content-Type: application/json",
                          "-d", streamed], capture_output=True, text=True, timeout=60, check=True).stdout
    assert out.rstrip().endswith("data: [DONE]")


# ---------------------------------------------------------------- keys


@pytest.fixture(scope="module")
def keyed(engine, settings):
    """A server that wants one of two keys, and lets each key ask twice per window."""
    with LiveServer(create_app(engine, settings.replace(api_keys="key-one, key-two", rate_limit=2),
                               with_ui=False)) as live:
        yield live


def test_with_keys_v1_wants_one_of_them(keyed):
    for key in ("wrong", "key-one-and-more"):
        with openai.OpenAI(base_url=f"{keyed.url}/v1", api_key=key, max_retries=0) as c, \
                pytest.raises(openai.AuthenticationError) as caught:
            c.models.list()
        assert (caught.value.status_code, caught.value.code, caught.value.type) == (
            401, "unauthorized", "authentication_error")
    r = httpx.get(f"{keyed.url}/v1/models")
    assert (r.status_code, r.headers["www-authenticate"]) == (401, "Bearer")
    assert "Authorization: Bearer KEY" in r.json()["error"]["message"]
    with openai.OpenAI(base_url=f"{keyed.url}/v1", api_key="key-two", max_retries=0) as c:
        assert [m.id for m in c.models.list()] == ["kbqa"]


def test_with_keys_api_wants_one_too_but_not_health_or_widget(keyed):
    r = httpx.post(f"{keyed.url}/api/ask", json={"question": QUESTION})
    assert (r.status_code, set(r.json()["error"])) == (401, {"code", "message", "display"})
    assert r.json()["error"]["display"] == "需要有效的访问密钥。"
    assert httpx.get(f"{keyed.url}/api/sections", headers={"authorization": "Bearer nope"}).status_code == 401
    assert httpx.get(f"{keyed.url}/api/sections", headers={"authorization": "Bearer key-one"}).status_code == 200
    assert httpx.get(f"{keyed.url}/healthz").status_code == 200
    assert httpx.get(f"{keyed.url}/widget.js").status_code == 200


def test_with_keys_the_rate_limit_counts_per_key(keyed):
    messages = [{"role": "user", "content": QUESTION}]
    with openai.OpenAI(base_url=f"{keyed.url}/v1", api_key="key-one", max_retries=0) as one, \
            openai.OpenAI(base_url=f"{keyed.url}/v1", api_key="key-two", max_retries=0) as two:
        one.chat.completions.create(model="kbqa", messages=messages)
        r = httpx.post(f"{keyed.url}/api/ask", json={"question": QUESTION}, headers={"authorization": "Bearer key-one"})
        assert r.status_code == 200  # /api/ask and /v1 share the key's budget: this was its second
        with pytest.raises(openai.RateLimitError) as caught:
            one.chat.completions.create(model="kbqa", messages=messages)
        assert (caught.value.code, caught.value.type) == ("rate_limited", "rate_limit_error")
        assert int(caught.value.response.headers["retry-after"]) >= 1
        assert "48个部门" in two.chat.completions.create(model="kbqa", messages=messages).choices[0].message.content


# ---------------------------------------------------------------- fuzzing: no request gets a 500

_text = st.one_of(st.text(max_size=30), st.sampled_from([QUESTION, "那杭州呢?", "", "   "]))
_content = st.one_of(_text, st.none(), st.integers(), st.lists(st.one_of(
    st.fixed_dictionaries({"type": st.sampled_from(["text", "image_url", "x"]), "text": _text}),
    st.dictionaries(st.text(max_size=5), _text, max_size=2)), max_size=3))
_message = st.one_of(
    st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant", "system", "developer", "tool", "x"]),
                           "content": _content}),
    st.dictionaries(st.text(max_size=8), _content, max_size=3), _text, st.integers())
_body = st.one_of(
    st.fixed_dictionaries({"model": st.sampled_from(["kbqa", "gpt-4o", ""]),
                           "messages": st.lists(_message, max_size=4)},
                          optional={"stream": st.one_of(st.booleans(), _text), "top_k": st.integers(-2, 30),
                                    "doc": _text, "temperature": st.floats(allow_nan=False),
                                    "stream_options": st.one_of(st.none(), st.just({"include_usage": True}))}),
    st.lists(st.integers(), max_size=3), st.text(max_size=20), st.none())


def test_fuzzed_chat_requests_are_answered_or_refused_in_openai_shape(http):
    @hypothesis.settings(max_examples=120, deadline=None, database=None, derandomize=True,
                         suppress_health_check=list(HealthCheck))
    @given(body=_body)
    def run(body):
        r = http.post("/v1/chat/completions", content=json.dumps(body), headers={"content-type": "application/json"})
        assert r.status_code in (200, 400, 404, 413, 422), r.text
        if r.status_code != 200:
            assert set(r.json()["error"]) == OPENAI_ERROR_KEYS, r.text
        elif r.headers["content-type"].startswith("text/event-stream"):
            assert r.text.rstrip().endswith("data: [DONE]") and '"error"' not in r.text
        else:
            assert r.json()["object"] == "chat.completion"

    run()
