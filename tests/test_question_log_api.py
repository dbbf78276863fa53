"""The question log through the real server: every answer logged under its id, feedback, the office's report,
and 16 clients at once losing no entry, on SQLite and on a real PostgreSQL server shared by two replicas."""

from __future__ import annotations

import hashlib
import hmac
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import httpx
import pytest
from conftest import LiveServer
from pg import TempPostgres

from kbqa.api.app import create_app
from kbqa.qlog import COLUMNS, QuestionLog

SALT = "test-salt"
TOKEN = "office-token"
AUTH = {"X-Admin-Token": TOKEN}
HANGZHOU = "杭州城市大脑整合了多少个部门的数据?"
METRO = "报告建议地铁票价怎么调整?"
METRO_AGAIN = "报告建议地铁票价怎么调整 ？"  # full-width mark and a space: the same question once normalised
REFUSAL = "知识库中没有找到与“地铁”、“票价”相关的内容。"  # METRO's


@pytest.fixture(scope="module")
def logged(engine, settings, tmp_path_factory):
    """A server with its own SQLite question log and an admin token."""
    mine = settings.replace(data_dir=tmp_path_factory.mktemp("qlog"), log_salt=SALT, admin_token=TOKEN)
    app = create_app(engine, mine, with_ui=False)
    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=60) as client:
        live.client, live.log = client, app.state.qlog
        yield live


def visitor(address: str) -> str:
    return hmac.new(SALT.encode(), address.encode(), hashlib.sha256).hexdigest()[:32]


def ask(client, question: str, headers: dict | None = None, **body) -> dict:
    r = client.post("/api/ask", json={"question": question, **body}, headers=headers or {})
    assert r.status_code == 200, r.text
    return r.json()


def entry(log: QuestionLog, answer_id: str):
    log.flush()
    return next(e for e in log.entries() if e.answer_id == answer_id)


def test_every_answer_is_logged_under_the_id_it_was_sent_with(logged):
    body = ask(logged.client, HANGZHOU)
    assert len(body["id"]) == 22
    e = entry(logged.log, body["id"])
    assert (e.channel, e.question, e.resolved_question, e.refused, e.reason) == ("api", HANGZHOU, HANGZHOU, False, "")
    assert (e.answer, e.mode, round(e.confidence, 6)) == (body["answer"], "extractive", round(body["confidence"], 6))
    assert [(c["n"], c["doc"], c["section"], c["path"]) for c in e.citations] == [
        (p["n"], p["doc"], p["section"], p["heading"]) for p in body["passages"]]
    assert round(e.took_ms, 3) == body["took_ms"]
    assert e.visitor == visitor("127.0.0.1") and "127.0.0.1" not in json.dumps(e.__dict__, default=str)


def test_the_widget_and_follow_ups_are_logged_as_such(logged):
    widget = ask(logged.client, "那上海呢?", headers={"X-KBQA-Channel": "widget"}, history=[HANGZHOU])
    e = entry(logged.log, widget["id"])
    assert (e.channel, e.question) == ("widget", "那上海呢?")
    assert e.resolved_question != e.question and "上海" in e.resolved_question
    refused = ask(logged.client, METRO, headers={"X-KBQA-Channel": "something else"})
    e = entry(logged.log, refused["id"])
    assert (e.channel, e.refused, e.reason, e.answer) == ("api", True, "unknown_topic", REFUSAL)
    assert refused["id"] != widget["id"]


def test_openai_clients_are_logged_with_the_id_they_were_sent(logged):
    plain = logged.client.post("/v1/chat/completions", json={"model": "kbqa", "messages": [
        {"role": "user", "content": HANGZHOU}]}).json()
    e = entry(logged.log, plain["kbqa"]["answer_id"])
    assert (e.channel, e.question, e.answer) == ("v1", HANGZHOU, plain["choices"][0]["message"]["content"])
    with logged.client.stream("POST", "/v1/chat/completions", json={"model": "kbqa", "stream": True, "messages": [
            {"role": "user", "content": METRO}]}) as r:
        events = [json.loads(line[6:]) for line in r.iter_lines() if line.startswith("data: {")]
    [streamed_id] = [ev["kbqa"]["answer_id"] for ev in events if "kbqa" in ev]
    e = entry(logged.log, streamed_id)
    assert (e.channel, e.question, e.refused) == ("v1", METRO, True)


def test_feedback_is_stored_on_the_answer(logged):
    answer_id = ask(logged.client, HANGZHOU)["id"]
    r = logged.client.post("/api/feedback", json={"id": answer_id, "vote": "down", "comment": "  没说是哪一年的数据 "})
    assert (r.status_code, r.json()) == (200, {"id": answer_id, "vote": "down", "stored": True})
    e = entry(logged.log, answer_id)
    assert (e.vote, e.comment) == ("down", "没说是哪一年的数据")
    r = logged.client.post("/api/feedback", json={"id": answer_id, "vote": "up"})  # a later vote replaces it
    assert r.status_code == 200
    e = entry(logged.log, answer_id)
    assert (e.vote, e.comment) == ("up", None)


@pytest.mark.parametrize(
    ("body", "status", "code", "message"),
    [
        ({"id": "{id}", "vote": "meh"}, 422, "invalid_vote", "vote must be 'up' or 'down', got 'meh'"),
        ({"id": "{id}", "vote": "UP"}, 422, "invalid_vote", "vote must be 'up' or 'down', got 'UP'"),
        ({"id": "no-such-answer", "vote": "up"}, 404, "unknown_answer", "no logged answer has the id 'no-such-answer'; "
         "ids come from the answer (`id`) and are kept for KBQA_LOG_RETENTION_DAYS days"),
        ({"id": "{id}", "vote": "down", "comment": "长" * 1001}, 413, "comment_too_long",
         "comment is 1001 characters; the limit is 1000 (KBQA_MAX_COMMENT_CHARS)"),
        ({"vote": "up"}, 400, "invalid_field", "id: Field required"),
        ({"id": "{id}", "vote": 1}, 400, "invalid_field", "vote: Input should be a valid string"),
        ({"id": "{id}", "vote": "up", "stars": 5}, 400, "invalid_field", "stars: Extra inputs are not permitted"),
    ],
    ids=["vote", "vote-case", "unknown-id", "long-comment", "no-id", "vote-type", "extra"],
)
def test_bad_feedback_gets_a_4xx_and_changes_nothing(logged, body, status, code, message):
    answer_id = ask(logged.client, HANGZHOU)["id"]
    sent = {k: (answer_id if v == "{id}" else v) for k, v in body.items()}
    r = logged.client.post("/api/feedback", json=sent)
    assert (r.status_code, r.json()["error"]["code"], r.json()["error"]["message"]) == (status, code, message)
    assert entry(logged.log, answer_id).vote is None


def test_feedback_must_be_json(logged):
    r = logged.client.post("/api/feedback", data={"id": "x", "vote": "up"})
    assert (r.status_code, r.json()["error"]["code"]) == (415, "unsupported_media_type")


def test_the_office_reads_unanswered_and_voted_down_questions(logged):
    for question in (METRO, METRO_AGAIN, METRO):
        ask(logged.client, question)
    disliked = ask(logged.client, "智慧停车有哪些成效?")
    logged.client.post("/api/feedback", json={"id": disliked["id"], "vote": "down", "comment": "太笼统"})
    groups = logged.client.get("/api/admin/questions", headers=AUTH).json()
    assert groups["logging"] is True
    metro = groups["groups"][0]
    assert (metro["question"], metro["count"], metro["refused"], metro["down"], metro["reasons"]) == (
        METRO, 5, 5, 0, ["unknown_topic"])  # one from each test above (/api/ask, /v1), three here
    assert metro["answer"] == REFUSAL and "地铁" in metro["unknown_terms"]
    parking = next(g for g in groups["groups"] if g["question"] == "智慧停车有哪些成效?")
    assert (parking["count"], parking["refused"], parking["down"], parking["comments"], parking["answer"]) == (
        1, 0, 1, ["太笼统"], disliked["answer"])
    down = logged.client.get("/api/admin/questions", params={"vote": "down"}, headers=AUTH).json()["groups"]
    assert [g["question"] for g in down] == ["智慧停车有哪些成效?"]
    refused = logged.client.get("/api/admin/questions", params={"refused": "true"}, headers=AUTH).json()["groups"]
    assert METRO in [g["question"] for g in refused] and "智慧停车有哪些成效?" not in [g["question"] for g in refused]
    tomorrow, yesterday = date.today() + timedelta(days=2), date.today() - timedelta(days=2)
    for params in ({"since": tomorrow.isoformat()}, {"until": yesterday.isoformat()}):
        assert logged.client.get("/api/admin/questions", params=params, headers=AUTH).json()["groups"] == []
    r = logged.client.get("/api/admin/questions", params={"since": "last week"}, headers=AUTH)
    assert (r.status_code, r.json()["error"]["message"]) == (
        400, "since must be a day (YYYY-MM-DD) or an ISO time, got 'last week'")
    r = logged.client.get("/api/admin/questions", params={"vote": "sideways"}, headers=AUTH)
    assert (r.status_code, r.json()["error"]["code"]) == (422, "invalid_vote")


def test_the_report_as_csv(logged):
    ask(logged.client, METRO)
    r = logged.client.get("/api/admin/questions", params={"format": "csv", "refused": "true"}, headers=AUTH)
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"].startswith('attachment; filename="kbqa-questions-')
    lines = r.content.decode("utf-8").splitlines()
    assert lines[0] == "\ufeff" + ",".join(COLUMNS)
    assert lines[1].startswith(f"{METRO},") and f",{REFUSAL}," in lines[1]


def test_logging_off_keeps_nothing(engine, settings, tmp_path):
    off = settings.replace(data_dir=tmp_path / "data", log_db="off", admin_token=TOKEN)
    with LiveServer(create_app(engine, off, with_ui=False)) as live, httpx.Client(base_url=live.url) as c:
        body = ask(c, HANGZHOU)
        assert len(body["id"]) == 22
        r = c.post("/api/feedback", json={"id": body["id"], "vote": "up"})
        assert (r.status_code, r.json()) == (200, {"id": body["id"], "vote": "up", "stored": False})
        assert c.get("/api/admin/questions", headers=AUTH).json() == {"logging": False, "groups": []}
    assert not (tmp_path / "data").exists()


# ---------------------------------------------------------------- 16 clients at once


QUESTIONS = [HANGZHOU, METRO, "智慧停车有哪些成效?", "数字孪生城市有哪些应用?", "12.3节讲了什么?", "智慧政务怎样提升服务?"]
CLIENTS, EACH = 16, 12


def ask_from_many(urls: list[str]) -> list[str]:
    """16 clients, each with its own connection, asking EACH questions; client k uses replica k mod len(urls)."""
    def client(k: int) -> list[str]:
        with httpx.Client(base_url=urls[k % len(urls)], timeout=120) as c:
            return [ask(c, QUESTIONS[(k + i) % len(QUESTIONS)])["id"]
                    for i in range(EACH)]

    with ThreadPoolExecutor(CLIENTS) as pool:
        return [i for ids in pool.map(client, range(CLIENTS)) for i in ids]


@pytest.fixture(scope="module")
def postgres():
    with TempPostgres() as url:
        yield url


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_sixteen_clients_at_once_lose_no_entry(engine, settings, tmp_path, request, database):
    if database == "sqlite":
        url, replicas = f"sqlite:///{tmp_path}/questions.sqlite3", 1
    else:
        url, replicas = request.getfixturevalue("postgres"), 2  # two replicas behind one "load balancer"
    mine = settings.replace(data_dir=tmp_path / "data", log_db=url, log_salt=SALT)
    servers = [LiveServer(create_app(engine, mine, with_ui=False)) for _ in range(replicas)]
    for server in servers:
        server.__enter__()
    try:
        given = ask_from_many([s.url for s in servers])
    finally:
        for server in servers:
            server.__exit__()  # each closes its log, writing what it still holds
    with QuestionLog.open(mine) as log:
        stored = log.entries()
    assert len(given) == CLIENTS * EACH == len(set(given))
    assert len(stored) == CLIENTS * EACH
    assert {e.answer_id for e in stored} == set(given)
    assert {e.question for e in stored} == set(QUESTIONS)
