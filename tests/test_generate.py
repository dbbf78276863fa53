"""Generation on: a scripted OpenAI-compatible model server on loopback writes, kbqa verifies every sentence.

The scripted server (tests/scripted_llm.py) sends chosen replies: a correct one, one with a
made-up figure, one citing the wrong passage, a slow stream, a hang past the timeout, a 500,
bodies that are no chat completion. The verifier keeps the first and drops the others; every
failure of the server gives the extractive answer with one log line.
"""

from __future__ import annotations

import logging

import openai
import pytest
from conftest import LiveServer
from scripted_llm import Reply, ScriptedLLM

from kbqa.api.app import create_app
from kbqa.data import Answer
from kbqa.verify import split

QUESTION = "杭州城市大脑整合了多少个部门的数据?"
CORRECT = "杭州市“城市大脑”平台整合了公安、交通、城管等48个部门的1.5亿条数据[1]。"
SECOND = "平台在疫情期间精准预测疫情传播趋势,使疫情管控效率提升40%[1]。"
MADE_UP = "杭州市“城市大脑”平台整合了68个部门的数据[1]。"
WRONG_N = "杭州市“城市大脑”平台整合了1.5亿条数据[3]。"  # passage 3 has no 1.5亿条 (checked below)
TIMEOUT_S = 4.0


@pytest.fixture(scope="module")
def llm():
    scripted = ScriptedLLM()
    with LiveServer(scripted.app) as live:
        scripted.url = live.url
        yield scripted


@pytest.fixture(scope="module")
def writing(llm, settings, embedder):
    """An engine whose answers a model writes: the scripted server, within TIMEOUT_S."""
    from kbqa.engine import Engine

    on = settings.replace(llm_base_url=f"{llm.url}/v1", llm_model="scripted", llm_api_key="sk-test",
                          llm_timeout_s=TIMEOUT_S)
    return Engine(on, embedder, say=logging.getLogger("tests").info)


@pytest.fixture(scope="module")
def extractive(engine):
    return engine.answer(QUESTION)


def generated(writing, llm, reply: Reply, question: str = QUESTION, history=None) -> Answer:
    llm.reply = reply
    return writing.answer(question, history)


def warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith("kbqa") and r.levelno >= logging.WARNING]


def test_passages_are_as_the_replies_assume(extractive):
    texts = {c.n: c.hit.chunk.text for c in extractive.citations}
    assert "48个部门的1.5亿条数据" in texts[1] and "疫情管控效率提升40%" in texts[1]
    assert "1.5亿条" not in texts[3]
    assert extractive.mode == "extractive" and not extractive.refused


def test_the_model_gets_the_question_history_and_numbered_passages(writing, llm, extractive):
    generated(writing, llm, Reply([CORRECT]), "那杭州呢?", ["上海“一网统管”整合了哪些部门的数据?"])
    sent = llm.requests[-1]
    assert sent["authorization"] == "Bearer sk-test"
    body = sent["body"]
    assert (body["model"], body["stream"], body["temperature"]) == ("scripted", True, 0)
    system, user = body["messages"]
    assert system["role"] == "system" and "[1]。" in system["content"]
    assert "只能依据" in system["content"] and "资料中没有相关内容" in system["content"]
    assert user["content"].startswith("资料:\n\n[1] ")
    assert "之前的问题:上海“一网统管”整合了哪些部门的数据?" in user["content"]
    assert "问题:那杭州呢?" in user["content"]
    for n in range(1, 6):
        assert f"\n\n[{n}] " in user["content"] or user["content"].startswith(f"资料:\n\n[{n}] ")


def test_a_correct_reply_becomes_the_answer(writing, llm, extractive):
    answer = generated(writing, llm, Reply([CORRECT[:20], CORRECT[20:], SECOND]))
    assert answer.text == CORRECT + SECOND
    assert answer.mode == "generated" and not answer.refused
    assert (answer.meta["generated_sentences"], answer.meta["dropped_sentences"], answer.meta["fallback"]) == (
        2, 0, "")
    assert answer.citations == extractive.citations and answer.confidence == extractive.confidence


def test_a_made_up_figure_and_a_wrong_citation_are_dropped(writing, llm):
    answer = generated(writing, llm, Reply([MADE_UP, CORRECT, WRONG_N]))
    assert answer.text == CORRECT
    assert (answer.mode, answer.meta["generated_sentences"], answer.meta["dropped_sentences"]) == ("generated", 1, 2)


@pytest.mark.parametrize("reply", [
    [MADE_UP], [WRONG_N], [MADE_UP, WRONG_N],
    ["杭州城市大脑整合了48个部门的数据。"],  # no [n]
    ["杭州市“城市大脑”平台整合了48个部门的1.5亿条数据[9]。"],  # no passage 9
    ["资料中没有相关内容。"],
    [""],
], ids=["figure", "wrong-n", "both", "no-marker", "no-such-passage", "says-no", "empty"])
def test_when_no_sentence_stands_the_extractive_answer_is_given(writing, llm, extractive, reply, caplog):
    with caplog.at_level(logging.WARNING, logger="kbqa"):
        answer = generated(writing, llm, Reply(reply))
    assert answer.text == extractive.text and answer.mode == "extractive"
    assert answer.meta["fallback"] == "none_verified"
    assert answer.meta["dropped_sentences"] == len(split("".join(reply)))
    assert not warnings(caplog)  # the model did not fail


@pytest.mark.parametrize(("reply", "says"), [
    (Reply([CORRECT], kind="hang", pause=TIMEOUT_S + 4), f"within {TIMEOUT_S:g} s"),
    (Reply(kind="error"), "answered HTTP 500"),
    (Reply(kind="garbage"), "is not a chat completion"),
    (Reply(kind="nested"), "is not a chat completion"),
    (Reply([CORRECT[:10]], kind="garbage_stream"), "is not a chat completion"),
], ids=["timeout", "500", "garbage", "nested", "garbage-stream"])
def test_a_failing_model_server_gives_the_extractive_answer_with_one_log_line(writing, llm, extractive, reply,
                                                                              says, caplog):
    with caplog.at_level(logging.INFO, logger="kbqa"):
        answer = generated(writing, llm, reply)
    assert answer.text == extractive.text and answer.mode == "extractive"
    assert answer.meta["fallback"] == "model_failed" and says in answer.meta["generation_error"]
    [line] = warnings(caplog)
    assert "gave the extractive answer" in line and says in line


def test_a_server_that_ignores_stream_still_works(writing, llm):
    answer = generated(writing, llm, Reply([CORRECT, MADE_UP], kind="json"))
    assert (answer.text, answer.mode, answer.meta["dropped_sentences"]) == (CORRECT, "generated", 1)


def test_a_stream_that_breaks_off_keeps_its_verified_sentences(writing, llm, caplog):
    with caplog.at_level(logging.WARNING, logger="kbqa"):
        answer = generated(writing, llm, Reply([CORRECT, SECOND[:12]], kind="broken"))
    assert (answer.text, answer.mode) == (CORRECT, "generated")
    assert "error event" in answer.meta["generation_error"]
    [line] = warnings(caplog)
    assert "kept the verified sentences" in line


def test_a_refusal_never_reaches_the_model(writing, llm, engine):
    before = len(llm.requests)
    llm.reply = Reply(["地铁票价应当下调20%[1]。"])
    answer = writing.answer("报告建议地铁票价怎么调整?")
    assert answer.refused and answer.text == engine.answer("报告建议地铁票价怎么调整?").text
    assert answer.mode == "extractive" and len(llm.requests) == before


def test_streaming_shows_verified_sentences_as_they_complete(writing, llm):
    """A slow stream: the first sentence is out before the server has sent the rest; a bad one never is."""
    llm.reply = Reply([CORRECT[:15], CORRECT[15:], MADE_UP, SECOND], pause=0.6)
    shown, sent_when_shown = [], []
    for item in writing.answer_stream(QUESTION):
        if isinstance(item, Answer):
            final = item
        else:
            shown.append(item)
            sent_when_shown.append(llm.sent)
    assert shown == [CORRECT, SECOND]
    assert sent_when_shown[0] < 4  # CORRECT was shown while SECOND was still to come
    assert (final.text, final.mode, final.meta["dropped_sentences"]) == (CORRECT + SECOND, "generated", 1)


def test_stream_falls_back_to_the_extractive_sentences(writing, llm, extractive):
    llm.reply = Reply(kind="error")
    items = list(writing.answer_stream(QUESTION))
    assert items[:-1] == split(extractive.text) and items[-1].text == extractive.text


# ---------------------------------------------------------------- through /v1 and /api/ask


@pytest.fixture(scope="module")
def writing_server(writing):
    with LiveServer(create_app(writing, with_ui=False)) as live:
        yield live


def test_v1_streams_the_generated_answer(writing_server, llm):
    llm.reply = Reply([CORRECT, MADE_UP, SECOND], pause=0.05)
    with openai.OpenAI(base_url=f"{writing_server.url}/v1", api_key="any", max_retries=0, timeout=60) as client:
        chunks = list(client.chat.completions.create(
            model="kbqa", messages=[{"role": "user", "content": QUESTION}], stream=True))
    texts = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert texts == [CORRECT, SECOND]
    fields = chunks[-2].model_extra["kbqa"]
    assert (fields["mode"], fields["dropped_sentences"], fields["refused"]) == ("generated", 1, False)
    assert [r["n"] for r in chunks[-2].choices[0].delta.model_extra["references"]] == [1, 2, 3, 4, 5]


def test_api_ask_says_which_mode_wrote_the_answer(writing_server, llm):
    import httpx

    llm.reply = Reply([CORRECT])
    body = httpx.post(f"{writing_server.url}/api/ask", json={"question": QUESTION}, timeout=60).json()
    assert (body["answer"], body["mode"]) == (CORRECT, "generated")
    llm.reply = Reply(kind="error")
    body = httpx.post(f"{writing_server.url}/api/ask", json={"question": QUESTION}, timeout=60).json()
    assert body["mode"] == "extractive" and "48个部门" in body["answer"]


def test_the_widget_marks_a_generated_answer(writing_server, llm, browser):
    """The widget on the server's own /widget page: the same answer layout, plus a small mark when generated."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(f"{writing_server.url}/widget")
        page.locator("kbqa-widget").locator(".launcher").click()
        dialog = page.get_by_role("dialog", name="智慧城市报告问答")
        for reply, mark in ((Reply([CORRECT]), 1), (Reply(kind="error"), 0)):
            llm.reply = reply
            dialog.get_by_role("textbox").fill(QUESTION)
            dialog.get_by_role("textbox").press("Enter")
            bubble = dialog.locator(".msg.bot").last
            expect(bubble.locator(".answer")).to_contain_text("48个部门", timeout=30_000)
            expect(bubble.locator(".mode")).to_have_count(mark)
            expect(bubble.locator(".source").first.locator(".sec")).to_contain_text("› 2.2 大数据与云计算平台")
        expect(dialog.locator(".mode")).to_have_text(["由语言模型依据引用段落撰写,每句已与原文核对"])
        assert dialog.locator(".msg.bot .answer").first.inner_text() == CORRECT
    finally:
        context.close()
