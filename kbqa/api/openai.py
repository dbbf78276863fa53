"""OpenAI's chat API over the knowledge base: `GET /v1/models` and `POST /v1/chat/completions`.

The last user message is the question and the earlier user messages its history, as `history`
is for `/api/ask`; system and assistant messages are read past (kbqa keeps its own rules). The
answer keeps its `[n]` markers; the passages they name travel beside it as `message.references`
(on the last content chunk when streaming), in the shape of `/api/ask`'s `passages`.
"""

from __future__ import annotations

import functools
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, ValidationError
from starlette.concurrency import run_in_threadpool

from kbqa.api.errors import error_response
from kbqa.api.keys import key_check
from kbqa.api.questionlog import log_answer
from kbqa.api.ratelimit import RateLimiter, client_of
from kbqa.api.routes import json_body
from kbqa.api.schema import answer_to_json
from kbqa.data import Answer
from kbqa.errors import KbqaError
from kbqa.settings import Settings

log = logging.getLogger("kbqa.api")
MODEL = "kbqa"  # one model: the knowledge base this server holds
CHANNEL = "v1"  # how its answers are logged
ROLES = ("system", "developer", "user", "assistant")
SEND_CHAT = 'send a JSON object such as {"model": "kbqa", "messages": [{"role": "user", "content": "…"}]}'
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")  # name, tool_calls, …: read past

    role: StrictStr
    content: StrictStr | list[dict] | None = None


class ChatRequest(BaseModel):
    """What kbqa reads of a chat completion request; temperature, max_tokens, user, … are accepted and unused."""

    model_config = ConfigDict(extra="allow")

    model: StrictStr = MODEL
    messages: list[ChatMessage] = Field(min_length=1)
    stream: StrictBool = False
    stream_options: dict | None = None
    top_k: StrictInt | None = None  # kbqa's own, as for /api/ask
    doc: StrictStr | None = None


def parse_chat(raw: bytes, settings: Settings) -> tuple[ChatRequest, str, list[str]]:
    """The request, its question and its history; KbqaError naming what is wrong."""
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise KbqaError("malformed_body", f"{SEND_CHAT}: {str(exc)[:200]}") from None
    if not isinstance(body, dict):
        raise KbqaError("malformed_body", f"{SEND_CHAT}, got a JSON {type(body).__name__}")
    try:
        chat = ChatRequest.model_validate(body)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise KbqaError("invalid_field", f"{where}: {first['msg']}") from None
    if chat.model != MODEL:
        raise KbqaError("model_not_found", f"model {chat.model!r} is not served here; use {MODEL!r} (GET /v1/models)")
    if chat.top_k is not None and not 1 <= chat.top_k <= settings.max_top_k:
        raise KbqaError("invalid_top_k", f"top_k must be between 1 and {settings.max_top_k}, got {chat.top_k}",
                        limit=settings.max_top_k)
    wrong = next((i for i, m in enumerate(chat.messages) if m.role not in ROLES), None)
    if wrong is not None:
        role = chat.messages[wrong].role
        raise KbqaError("invalid_field", f"messages.{wrong}.role: {role!r} is not accepted; use one of {ROLES}")
    asked = [text_of(m, i) for i, m in enumerate(chat.messages) if m.role == "user"]
    if not asked:
        raise KbqaError("invalid_field", "messages: no message has role 'user'; the last user message is the question")
    return chat, asked[-1], asked[:-1][-settings.max_history :] if settings.max_history else []


def text_of(message: ChatMessage, i: int) -> str:
    """A message's text: a string, or the text parts of a list of parts."""
    if isinstance(message.content, str):
        return message.content
    if message.content is None:
        raise KbqaError("invalid_field", f"messages.{i}.content: a user message needs text")
    for j, part in enumerate(message.content):
        if part.get("type") != "text" or not isinstance(part.get("text"), str):
            raise KbqaError("invalid_field", f"messages.{i}.content.{j}: only text parts "
                            f'({{"type": "text", "text": "…"}}) are accepted, got type {part.get("type")!r}')
    return "".join(part["text"] for part in message.content)


def router(engine, settings: Settings, limiter: RateLimiter) -> APIRouter:
    """The /v1 routes for a loaded engine; left out of /openapi.json, since OpenAI's API reference describes them."""
    v1 = APIRouter(include_in_schema=False, dependencies=[Depends(key_check(settings))])
    built = _epoch(engine.index.manifest.get("built_at"))

    @v1.get("/v1/models")
    def models() -> dict:
        return {"object": "list", "data": [_model(built)]}

    @v1.get("/v1/models/{name}")
    def model(name: str) -> dict:
        if name != MODEL:
            raise KbqaError("model_not_found", f"there is no model {name!r}; this server has {MODEL!r}")
        return _model(built)

    @v1.post("/v1/chat/completions", dependencies=[Depends(json_body)])
    async def chat_completions(request: Request):
        chat, question, history = parse_chat(await request.body(), settings)
        limiter.check(client_of(request))
        asked = (question, history, chat.top_k, chat.doc)
        head = {"id": f"chatcmpl-{uuid.uuid4().hex}", "created": int(time.time()), "model": MODEL}
        usage = _usage_of(question, history) if (chat.stream_options or {}).get("include_usage") else None
        if chat.stream:
            pieces = await run_in_threadpool(engine.answer_stream, *asked)
            logged = functools.partial(log_answer, request, channel=CHANNEL)
            events = stream_events(pieces, head, engine.index.documents, usage, request.url.path, logged)
            return StreamingResponse(events, media_type="text/event-stream", headers=SSE_HEADERS)
        answer = log_answer(request, await run_in_threadpool(engine.answer, *asked), CHANNEL)
        return JSONResponse(completion(answer, head, engine.index.documents, _usage_of(question, history)))

    return v1


def completion(answer: Answer, head: dict, documents, usage: dict) -> dict:
    """A `chat.completion` with the answer, its references and kbqa's own fields."""
    wire = answer_to_json(answer, documents)
    message = {"role": "assistant", "content": answer.text, "references": wire["passages"]}
    return {**head, "object": "chat.completion",
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": _counted(usage, answer.text), "kbqa": kbqa_fields(answer, wire)}


def stream_events(pieces: Iterator, head: dict, documents, usage: dict | None, path: str,
                  logged: Callable[[Answer], Answer] = lambda a: a) -> Iterator[str]:
    """Server-sent `chat.completion.chunk`s: the role, a chunk per sentence, the last with references, [DONE].

    Each sentence is held until the next arrives, so the last one can carry the references;
    the final Answer goes through `logged` (the question log) before they are sent.
    """
    yield _event(head, {"role": "assistant", "content": ""})
    held, final = None, None
    try:
        for item in pieces:
            if isinstance(item, Answer):
                final = logged(item)
                break
            if held is not None:
                yield _event(head, {"content": held})
            held = item
        wire = answer_to_json(final, documents)
    except Exception:  # the status is sent: say so in the stream, as OpenAI does
        log.exception("the answer failed while streaming on %s", path)
        failed = error_response("internal_error", "the server failed to answer; the error is in its log", path=path)
        yield f"data: {failed.body.decode()}\n\ndata: [DONE]\n\n"
        return
    yield _event(head, {"content": held or "", "references": wire["passages"]}, kbqa=kbqa_fields(final, wire))
    yield _event(head, {}, finish_reason="stop")
    if usage is not None:
        yield _data({**head, "object": "chat.completion.chunk", "choices": [], "usage": _counted(usage, final.text)})
    yield "data: [DONE]\n\n"


def kbqa_fields(answer: Answer, wire: dict) -> dict:
    return {"refused": answer.refused, "reason": wire["reason"], "confidence": wire["confidence"],
            "mode": answer.mode, "dropped_sentences": answer.meta.get("dropped_sentences", 0),
            "answer_id": answer.id, "suggestions": wire["suggestions"]}


def _event(head: dict, delta: dict, finish_reason: str | None = None, **extra: object) -> str:
    choice = {"index": 0, "delta": delta, "finish_reason": finish_reason}
    return _data({**head, "object": "chat.completion.chunk", "choices": [choice], **extra})


def _data(payload: dict) -> str:
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"


def _usage_of(question: str, history: list[str]) -> dict:
    """Counted in characters: kbqa has no tokenizer of the client's model."""
    return {"prompt_tokens": len(question) + sum(map(len, history))}


def _counted(usage: dict, text: str) -> dict:
    return {**usage, "completion_tokens": len(text), "total_tokens": usage["prompt_tokens"] + len(text)}


def _model(created: int) -> dict:
    return {"id": MODEL, "object": "model", "created": created, "owned_by": "kbqa"}


def _epoch(stamp: str | None) -> int:
    try:
        return int(datetime.strptime(stamp or "", "%Y-%m-%dT%H:%M:%S%z").timestamp())
    except ValueError:
        return 0
