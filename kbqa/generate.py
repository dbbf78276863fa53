"""Answers written by a language model from kbqa's passages, shown one verified sentence at a time.

Any OpenAI-compatible chat server will do (Ollama, vLLM, llama.cpp's server, a hosted API):
`KBQA_LLM_BASE_URL` is its base (`http://127.0.0.1:11434/v1`), `KBQA_LLM_MODEL` the model.
The model sees the question, the earlier questions and the answer's passages numbered as
kbqa numbered them. Each sentence it writes is checked (kbqa.verify) against the passages
its `[n]` names before it is shown; the rest are dropped and counted. When none stands, or
the server is slow or fails, kbqa's own extractive answer is given, with one log line.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from dataclasses import replace

import httpx

from kbqa import verify
from kbqa.data import Answer
from kbqa.settings import Settings

log = logging.getLogger("kbqa")

SYSTEM = (
    "你是政策文件问答助手,只能依据用户给出的编号资料回答问题。\n"
    "1. 只写资料中明确写出的事实,不要补充资料以外的内容,不要推测。\n"
    "2. 每句话的末尾写上它所依据的资料编号,例如:……整合了48个部门的数据[1]。\n"
    "3. 数字、日期、名称和引号中的词照抄资料原文。\n"
    "4. 用中文回答(问题用其他语言提出时,用问题的语言),最多三句话,不用列表和标题。\n"
    "5. 资料不能回答这个问题时,只回答:资料中没有相关内容。"
)
MAX_TOKENS = 400


class GenerationError(Exception):
    """The model server did not give a usable reply: timeout, an error status, or not a chat completion."""


def prompt(answer: Answer, history: list[str]) -> list[dict]:
    """The chat messages for the model: the rules, then the passages, earlier questions and the question."""
    lines = ["资料:"]
    lines += [f"[{c.n}] {c.hit.chunk.heading_path}\n{c.hit.chunk.text}" for c in answer.citations]
    if history:
        lines.append("之前的问题:" + ";".join(history))
    lines.append(f"问题:{answer.question}")
    if answer.resolved_question and answer.resolved_question != answer.question:
        lines.append(f"(结合之前的问题,即:{answer.resolved_question})")
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "\n\n".join(lines)}]


def passages(answer: Answer) -> dict[int, str]:
    """What each `[n]` may be checked against: the passage as the model saw it."""
    return {c.n: f"{c.hit.chunk.heading_path}\n{c.hit.chunk.text}" for c in answer.citations}


class ModelClient:
    """Streams a chat completion from an OpenAI-compatible server, within `llm_timeout_s` in all."""

    def __init__(self, settings: Settings) -> None:
        self.url = settings.llm_base_url.rstrip("/") + "/chat/completions"
        self.model, self.timeout = settings.llm_model, settings.llm_timeout_s
        headers = {"Authorization": f"Bearer {settings.llm_api_key}"} if settings.llm_api_key else {}
        self.http = httpx.Client(timeout=self.timeout, headers=headers)

    def stream(self, messages: list[dict]) -> Iterator[str]:
        """The reply's text as it arrives; GenerationError for anything but a timely chat completion."""
        body = {"model": self.model, "messages": messages, "stream": True, "temperature": 0,
                "max_tokens": MAX_TOKENS}
        deadline = time.monotonic() + self.timeout
        try:
            with self.http.stream("POST", self.url, json=body) as response:
                if response.status_code != 200:
                    raise GenerationError(f"{self.url} answered HTTP {response.status_code}")
                if "text/event-stream" not in response.headers.get("content-type", ""):  # it ignored `stream`
                    yield _content(json.loads(_read_all(response, deadline, self.timeout)))
                    return
                for line in response.iter_lines():
                    _in_time(deadline, self.timeout)
                    data = line.removeprefix("data:").strip() if line.startswith("data:") else ""
                    if data == "[DONE]":
                        return
                    if data:
                        yield _delta(json.loads(data))
        except httpx.TimeoutException:
            raise GenerationError(f"no reply from {self.url} within {self.timeout:g} s") from None
        except httpx.HTTPError as exc:
            raise GenerationError(f"{self.url}: {type(exc).__name__}: {exc}") from None
        except (ValueError, KeyError, IndexError, TypeError, AttributeError, RecursionError) as exc:
            raise GenerationError(f"{self.url} sent something that is not a chat completion ({exc!r:.120})") from None


def _read_all(response: httpx.Response, deadline: float, timeout: float) -> bytes:
    parts = []
    for part in response.iter_bytes():
        _in_time(deadline, timeout)
        parts.append(part)
    return b"".join(parts)


def _in_time(deadline: float, timeout: float) -> None:
    """A server that trickles its reply is as late as one that sends nothing."""
    if time.monotonic() > deadline:
        raise httpx.ReadTimeout(f"the reply took over {timeout:g} s")


def _content(completion: dict) -> str:
    text = completion["choices"][0]["message"]["content"]
    if not isinstance(text, str):
        raise TypeError(f"message content is {type(text).__name__}")
    return text


def _delta(chunk: dict) -> str:
    if "error" in chunk:
        raise ValueError(f"error event {chunk['error']}")
    choices = chunk["choices"]
    text = choices[0].get("delta", {}).get("content") if choices else ""  # a usage chunk has no choices
    if text is not None and not isinstance(text, str):
        raise TypeError(f"delta content is {type(text).__name__}")
    return text or ""


class Writer:
    """The optional step after kbqa's own answer: the model writes, kbqa checks every sentence."""

    def __init__(self, settings: Settings, client: ModelClient | None = None) -> None:
        self.client = client or ModelClient(settings)
        verify.content_words("智慧城市")  # loads the verifier's tokenizer now, not on the first answer

    def rewrite(self, answer: Answer, history: list[str]) -> Answer:
        """The answer with the model's verified sentences as its text, or as it was (see `stream`)."""
        *_, final = self.stream(answer, history)
        return final

    def stream(self, answer: Answer, history: list[str]) -> Iterator[str | Answer]:
        """Verified sentences as the model completes them, then the final Answer.

        If no sentence stands, the extractive answer's own sentences come instead. A server
        that fails part-way keeps the sentences already shown: each of them was verified.
        """
        clock, given = time.perf_counter(), passages(answer)
        shown: list[str] = []
        dropped, error = 0, ""
        try:
            for verdict in _judge(_sentences(self.client.stream(prompt(answer, history))), given):
                dropped += not verdict.ok
                if verdict.ok:
                    shown.append(verdict.sentence)
                    yield verdict.sentence
        except GenerationError as exc:
            error = str(exc)
            log.warning("kbqa: generation failed, %s: %s", "kept the verified sentences" if shown
                        else "gave the extractive answer", error)
        if not shown:
            yield from verify.split(answer.text)
        yield _final(answer, shown, dropped, error, clock)


def _sentences(pieces: Iterator[str]) -> Iterator[str]:
    cutter = verify.Sentences()
    for piece in pieces:
        yield from cutter.feed(piece)
    yield from cutter.close()


def _judge(sentences: Iterator[str], given: dict[int, str]) -> Iterator[verify.Verdict]:
    for sentence in sentences:
        if not sentence.strip():
            continue
        verdict = verify.check(verify.tidy(sentence), given)
        if not verdict.ok:
            log.info("kbqa: dropped a generated sentence (%s): %s", verdict.why, verdict.sentence)
        yield verdict


def _final(answer: Answer, shown: list[str], dropped: int, error: str, clock: float) -> Answer:
    fallback = "" if shown else ("model_failed" if error else "none_verified")
    meta = {**answer.meta, "generated_sentences": len(shown), "dropped_sentences": dropped, "fallback": fallback}
    if error:
        meta["generation_error"] = error
    took_ms = answer.took_ms + (time.perf_counter() - clock) * 1000
    if not shown:
        return replace(answer, meta=meta, took_ms=took_ms)
    return replace(answer, text="".join(shown), mode="generated", meta=meta, took_ms=took_ms)
