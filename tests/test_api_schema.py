"""The API's wire shapes without a server or a model: `answer_to_json` on hand-made answers, the request model's limits."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from kbqa.api.errors import HTTP_CODES, error_response
from kbqa.api.schema import AskResponse, answer_to_json, ask_request
from kbqa.data import Answer, Chunk, Citation, Document, Hit, Section
from kbqa.errors import KINDS
from kbqa.settings import Settings

PATH = ("三、2024年政府工作任务", "（一）大力推进现代化产业体系建设")
CHUNK = Chunk(id=7, doc_id="gov-2024", section="3.1", title="大力推进现代化产业体系建设", path=PATH,
              start=120, end=140, text="推动产业链供应链优化升级。")
SECTION = Section(number="3.2", title="深入实施科教兴国战略", path=("三、2024年政府工作任务", "（二）深入实施科教兴国战略"),
                  start=200, end=300, heading_start=190, doc_id="gov-2024")
DOCUMENTS = {"gov-2024": Document(doc_id="gov-2024", title="2024年政府工作报告", text="", sections=(SECTION,))}


def test_an_answer_on_the_wire():
    answer = Answer(
        question="怎样推进产业体系建设?", text="推动产业链供应链优化升级[1]。", refused=False, confidence=1.7,
        citations=(Citation(1, Hit(CHUNK, 0.123456789), ((2, 5), (8, 10))),), took_ms=12.34567,
        unknown_terms=("量子",), mode="generated", id="a-1",
    )
    body = answer_to_json(answer, DOCUMENTS)
    assert body == {
        "answer": "推动产业链供应链优化升级[1]。",
        "refused": False,
        "reason": "",
        "confidence": 1.0,  # clipped to the documented range
        "passages": [{
            "n": 1, "doc": "gov-2024", "doc_title": "2024年政府工作报告", "section": "3.1",
            "title": "大力推进现代化产业体系建设", "path": list(PATH),
            "heading": "三、2024年政府工作任务 › （一）大力推进现代化产业体系建设",
            "text": "推动产业链供应链优化升级。", "score": 0.123457, "highlights": [[2, 5], [8, 10]],
        }],
        "suggestions": [],
        "unknown_terms": ["量子"],
        "mode": "generated",
        "id": "a-1",
        "took_ms": 12.346,
    }
    AskResponse.model_validate(body)


def test_a_refusal_on_the_wire():
    answer = Answer(question="地铁票价?", text="知识库中没有找到与该问题相关的内容。", refused=True, confidence=-0.2,
                    suggestions=(SECTION,), reason="low_confidence", unknown_terms=("地铁", "票价"))
    body = answer_to_json(answer, DOCUMENTS)
    assert (body["refused"], body["reason"], body["confidence"], body["passages"]) == (True, "low_confidence", 0.0, [])
    assert body["suggestions"] == [{"doc": "gov-2024", "section": "3.2", "title": "深入实施科教兴国战略"}]
    assert (body["unknown_terms"], body["mode"], body["id"]) == (["地铁", "票价"], "extractive", "")
    AskResponse.model_validate(body)


def test_the_request_model_takes_its_limits_from_the_settings():
    model = ask_request(Settings.from_env(env={}, top_k=4, max_top_k=6, max_history=2, max_question_chars=80))
    assert model(question="智慧交通").top_k == 4
    assert model(question="智慧交通", top_k=6, history=["a", "b"], doc="gov-2024").doc == "gov-2024"
    for bad in ({"top_k": 7}, {"top_k": 0}, {"history": ["a", "b", "c"]}, {"top_k": True}, {"doc": 3}):
        with pytest.raises(ValidationError):
            model(question="智慧交通", **bad)
    schema = model.model_json_schema()
    assert schema["properties"]["top_k"] | {"description": ""} == {
        "default": 4, "minimum": 1, "maximum": 6, "title": "Top K", "type": "integer", "description": ""}
    assert schema["properties"]["question"]["description"].startswith("The question, 1-80 visible characters")


def test_every_error_code_the_server_writes_has_its_status_and_sentence():
    assert set(HTTP_CODES.values()) <= set(KINDS)
    response = error_response("rate_limited", "too many questions; try again in 9 s", {"Retry-After": "9"}, seconds=9)
    assert response.status_code == 429 and response.headers["retry-after"] == "9"
    assert response.body.decode() == (
        '{"error":{"code":"rate_limited","message":"too many questions; try again in 9 s",'
        '"display":"提问太频繁了,请 9 秒后再试。"}}'
    )
