"""One HTTP server: the JSON API, the Gradio UI at `/`, and the embeddable widget.

Everything calls `Engine.answer`; this module only translates HTTP to and from it.
"""

from __future__ import annotations

import json
import logging
import math
import sys
import threading
import time
from collections import deque
from pathlib import Path

import uvicorn
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kbqa.answer import QuestionError
from kbqa.api_schema import AskRequest, AskResponse, ErrorResponse, SectionOut, answer_to_json
from kbqa.settings import Settings

log = logging.getLogger("kbqa.server")
STATIC = Path(__file__).parent / "static"
MAX_BODY_BYTES = 1_000_000
ERRORS = {400: {"model": ErrorResponse}, 403: {"model": ErrorResponse}, 413: {"model": ErrorResponse},
          415: {"model": ErrorResponse}, 422: {"model": ErrorResponse}, 429: {"model": ErrorResponse}}
# pydantic error types that mean "wrong or missing field" (400) rather than "value out of range" (422)
FIELD_ERRORS = ("missing", "string_type", "extra_forbidden", "list_type", "int_type", "int_parsing", "int_from_float")
HTTP_CODES = {400: "malformed_body", 404: "not_found", 405: "method_not_allowed", 415: "unsupported_media_type"}


def error(status: int, code: str, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


class RateLimiter:
    """At most `limit` requests per client in any `window` seconds (sliding window)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, client: str) -> float:
        """0 if the request may go ahead (and count it), else seconds to wait."""
        now = time.monotonic()
        with self._lock:
            times = self._seen.setdefault(client, deque())
            while times and now - times[0] >= self.window:
                times.popleft()
            if len(times) >= self.limit:
                return self.window - (now - times[0])
            times.append(now)
            if len(self._seen) > 10_000:  # forget idle clients
                for key in [k for k, v in self._seen.items() if not v]:
                    del self._seen[key]
            return 0.0


class BodyLimit:
    """Refuse request bodies over `limit` bytes with a JSON 413, declared or streamed.

    The body is read here, before the app sees it: FastAPI turns an error raised while it
    reads a body into a generic 400, so a limit enforced inside its reads would never say 413.
    """

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            return await self.app(scope, receive, send)
        too_large = f"request body is over {self.limit} bytes"
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > self.limit:
            return await _send_error(send, 413, "body_too_large", too_large)
        parts, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            parts.append(message.get("body", b""))
            size += len(parts[-1])
            if size > self.limit:
                return await _send_error(send, 413, "body_too_large", too_large)
            more = message.get("more_body", False)
        body = {"type": "http.request", "body": b"".join(parts), "more_body": False}

        async def replay() -> Message:
            nonlocal body
            if body is None:
                return await receive()
            message, body = body, None
            return message

        await self.app(scope, replay, send)


async def _send_error(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def json_body(request: Request) -> None:
    """415 unless the body is declared as JSON; FastAPI would report any other body as missing."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not (kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))):
        raise StarletteHTTPException(
            415, f"send the body as JSON with Content-Type: application/json, got {kind or 'no Content-Type'}"
        )


def create_app(engine, settings: Settings | None = None, with_ui: bool = True) -> FastAPI:
    """The FastAPI app around a loaded engine; `with_ui` mounts the Gradio interface at `/`."""
    settings = settings or engine.settings
    limiter = RateLimiter(settings.rate_limit, settings.rate_window_s)
    app = FastAPI(
        title="kbqa",
        version="0.1.0",
        description=(
            "Question answering with numbered citations over the knowledge base "
            f"({', '.join(d.title for d in engine.index.documents.values())}). "
            f"Questions are limited to {settings.max_question_chars} characters, request bodies to "
            f"{MAX_BODY_BYTES} bytes, and `POST /api/ask` to {settings.rate_limit} requests per client "
            f"per {settings.rate_window_s:g} s (429 with Retry-After beyond that)."
        ),
    )
    app.state.engine, app.state.settings = engine, settings

    def allowed(request: Request, origin: str) -> bool:
        own = f"{request.url.scheme}://{request.headers.get('host', '')}"
        return origin.rstrip("/") in settings.origins() or origin == own

    @app.middleware("http")
    async def origins_and_headers(request: Request, call_next):
        origin = request.headers.get("origin")
        is_api = request.url.path.startswith("/api/")
        if is_api and origin and not allowed(request, origin):
            return error(403, "origin_not_allowed",
                         f"origin {origin} may not use this API; the server's KBQA_ALLOWED_ORIGINS must list it")
        if is_api and request.method == "OPTIONS" and origin:
            return Response(status_code=204, headers=_cors(origin))
        response = await call_next(request)
        if is_api and origin:
            response.headers.update(_cors(origin))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = exc.errors()
        first = problems[0] if problems else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "body"
        kind = str(first.get("type", ""))
        if kind in ("json_invalid", "model_attributes_type") or where == "body":
            return error(400, "malformed_body", 'send a JSON object such as {"question": "…"}: ' + first.get("msg", ""))
        if kind in FIELD_ERRORS:
            return error(400, "invalid_field", f"{where}: {first.get('msg', 'invalid')}")
        return error(422, "out_of_range", f"{where}: {first.get('msg', 'invalid')}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, "http_error")
        message = str(exc.detail)
        if exc.status_code == 400:  # FastAPI's "There was an error parsing the body"
            message = f'send a JSON object such as {{"question": "…"}} in UTF-8: {message}'
        return error(exc.status_code, code, message, getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        return error(500, "internal_error", "the server failed to answer; the error is in its log")

    @app.post("/api/ask", response_model=AskResponse, responses=ERRORS, tags=["api"], dependencies=[Depends(json_body)])
    def ask(body: AskRequest, request: Request):
        """Answer a question with numbered citations; `[n]` in `answer` is passage `n`."""
        wait = limiter.retry_after(request.client.host if request.client else "unknown")
        if wait:
            return error(429, "rate_limited", f"too many questions; try again in {math.ceil(wait)} s",
                         {"Retry-After": str(math.ceil(wait))})
        try:
            result = engine.answer(body.question, body.history, body.top_k)
        except QuestionError as exc:
            status = 413 if exc.code == "question_too_long" else 422 if exc.code == "invalid_top_k" else 400
            return error(status, exc.code, str(exc))
        return answer_to_json(result)

    @app.get("/healthz", tags=["ops"])
    def healthz():
        """200 once the index is loaded (the server only listens after that)."""
        manifest = engine.index.manifest
        return {
            "status": "ok",
            "documents": len(engine.index.documents),
            "chunks": len(engine.index.chunks),
            "embedder": manifest["embedder"]["name"],
            "built_at": manifest.get("built_at"),
        }

    @app.get("/api/sections", response_model=list[SectionOut], tags=["api"])
    def sections():
        """The structure of every document: section number, title, and whether its text is present."""
        return [
            {"doc": doc.doc_id, "number": s.number, "title": s.title, "path": list(s.path),
             "has_text": s.has_text, "chars": s.end - s.start}
            for doc, s in engine.index.sections()
        ]

    api_methods = {r.path: sorted(r.methods) for r in app.routes if isinstance(r, APIRoute)}

    async def no_such_api(request: Request) -> JSONResponse:
        """Any other method or path under /api/ (Gradio, mounted at `/`, would answer in its own shape)."""
        path = request.url.path
        if path in api_methods:
            allow = ", ".join(api_methods[path])
            return error(405, "method_not_allowed", f"{request.method} is not accepted on {path}; use {allow}",
                         {"Allow": allow})
        return error(404, "not_found", f"there is no {path}; the API is described at /openapi.json")

    app.router.add_route("/api/{rest:path}", no_such_api, include_in_schema=False,
                         methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"])

    @app.get("/widget.js", include_in_schema=False)
    def widget_js():
        return FileResponse(STATIC / "widget.js", media_type="text/javascript; charset=utf-8",
                            headers={"Cache-Control": "no-cache", "Access-Control-Allow-Origin": "*"})

    @app.get("/embed", include_in_schema=False)
    def embed():
        ancestors = " ".join(["'self'", *settings.origins()])
        return FileResponse(STATIC / "embed.html", media_type="text/html; charset=utf-8",
                            headers={"Content-Security-Policy": f"frame-ancestors {ancestors}"})

    @app.get("/widget", include_in_schema=False, response_class=HTMLResponse)
    def widget_page(request: Request):
        base = str(request.base_url).rstrip("/")
        return (STATIC / "widget.html").read_text(encoding="utf-8").replace("{{BASE}}", base)

    if with_ui:
        import gradio as gr

        from kbqa.ui import build_ui

        app = gr.mount_gradio_app(app, build_ui(engine), path="/", footer_links=[])
    app.add_middleware(BodyLimit)
    return app


def _cors(origin: str) -> dict[str, str]:
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": "POST, GET, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type",
        "Access-Control-Max-Age": "600",
        "Access-Control-Expose-Headers": "Retry-After",  # the widget tells visitors how long to wait
        "Vary": "Origin",
    }


def serve(settings: Settings) -> None:
    """Load (or build) the index, then serve until interrupted."""
    from kbqa.engine import Engine

    try:
        engine = Engine(settings, say=lambda m: log.warning("%s", m))
    except (ValueError, FileNotFoundError) as exc:
        sys.exit(f"kbqa: cannot start: {exc}. Put readable .txt or .md documents in {settings.kb_dir} and retry.")
    except OSError as exc:  # the index or cache folder cannot be written
        sys.exit(f"kbqa: cannot start: {exc}. Make {settings.index_dir.parent} and {settings.cache_dir} writable "
                 "folders and retry.")
    app = create_app(engine, settings)
    log.warning("serving on http://%s:%d", settings.host, settings.port)
    uvicorn.Server(server_config(app, settings)).run()


def server_config(app: FastAPI, settings: Settings) -> uvicorn.Config:
    """How kbqa runs uvicorn: X-Forwarded-For is believed only from KBQA_TRUSTED_PROXIES.

    The client address (the rate limit's key) then comes from the header, read from the right,
    so a client cannot name itself; uvicorn's own default would believe the header from 127.0.0.1.
    """
    trusted = sorted(settings.proxies())
    return uvicorn.Config(app, host=settings.host, port=settings.port, log_level="warning", access_log=False,
                          proxy_headers=bool(trusted), forwarded_allow_ips=trusted or None)
