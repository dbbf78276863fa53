"""A scripted OpenAI-compatible model server: it answers `POST /v1/chat/completions` as it is told.

The generation tests run it on a loopback port (conftest's LiveServer) and set `reply` before
each question: a chat completion streamed in pieces (with pauses, for a slow stream), the same
as one JSON body (a server that ignores `stream`), a hang past the client's timeout, a 500, a
body that is no chat completion, or a stream that breaks off. It records what it was sent.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse


@dataclass
class Reply:
    """What the server sends next. `kind`: stream, json, hang, error, garbage, nested, garbage_stream, broken."""

    pieces: list[str] = field(default_factory=list)
    kind: str = "stream"
    pause: float = 0.0  # seconds before each piece (stream), or the hang

    @property
    def text(self) -> str:
        return "".join(self.pieces)


class ScriptedLLM:
    def __init__(self) -> None:
        self.reply = Reply()
        self.requests: list[dict] = []
        self.sent = 0  # pieces of the current stream sent so far
        self.app = self._app()

    def _app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v1/chat/completions")
        async def chat(request: Request):
            body = await request.json()
            self.requests.append({"body": body, "authorization": request.headers.get("authorization")})
            reply, self.sent = self.reply, 0
            if reply.kind == "hang":
                await asyncio.sleep(reply.pause)
            if reply.kind == "error":
                return JSONResponse({"error": {"message": "the model crashed", "type": "server_error"}}, 500)
            if reply.kind == "garbage":
                return PlainTextResponse("<html><body>502 Bad Gateway</body></html>", 200)
            if reply.kind == "nested":
                return Response("[" * 100_000, media_type="application/json")
            if reply.kind in ("json", "hang"):
                return JSONResponse(_completion(reply.text))
            return StreamingResponse(self._events(reply), media_type="text/event-stream")

        return app

    async def _events(self, reply: Reply):
        yield _chunk({"role": "assistant", "content": ""})
        for piece in reply.pieces:
            await asyncio.sleep(reply.pause)
            self.sent += 1
            yield _chunk({"content": piece})
        if reply.kind == "garbage_stream":
            yield "data: {this is not json\n\n"
        if reply.kind == "broken":
            yield "data: " + json.dumps({"error": {"message": "out of memory", "type": "server_error"}}) + "\n\n"
            return
        yield _chunk({}, finish_reason="stop")
        yield "data: [DONE]\n\n"


def _chunk(delta: dict, finish_reason: str | None = None) -> str:
    payload = {"id": "chatcmpl-scripted", "object": "chat.completion.chunk", "created": 0, "model": "scripted",
               "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]}
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"


def _completion(text: str) -> dict:
    return {"id": "chatcmpl-scripted", "object": "chat.completion", "created": 0, "model": "scripted",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
