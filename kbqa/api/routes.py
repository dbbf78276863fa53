"""The JSON API: questions, the documents' structure, health, and JSON errors for every other /api/ path.

Each route only translates HTTP to and from the engine; refusals are raised as `KbqaError`
and written by kbqa.api.errors.
"""

# No `from __future__ import annotations`: FastAPI reads the body model (built per server) from the signature.

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.routing import Match, Mount

from kbqa.api.errors import V1, error_response, error_responses
from kbqa.api.keys import key_check
from kbqa.api.questionlog import channel_of, log_answer
from kbqa.api.ratelimit import RateLimiter, client_of
from kbqa.api.schema import AskResponse, SectionOut, answer_to_json, ask_request
from kbqa.errors import KbqaError
from kbqa.settings import Settings

METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE"]  # sorted, as Allow lists them


def json_body(request: Request) -> None:
    """415 unless the body is declared as JSON; FastAPI would report any other body as missing."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not (kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))):
        raise KbqaError("unsupported_media_type",
                        f"send the body as JSON with Content-Type: application/json, got {kind or 'no Content-Type'}")


def router(engine, settings: Settings, limiter: RateLimiter) -> APIRouter:
    """`POST /api/ask`, `GET /api/sections` and `GET /healthz` for a loaded engine."""
    api = APIRouter()
    AskRequest = ask_request(settings)  # a class, with this server's limits
    keys = Depends(key_check(settings))

    @api.post("/api/ask", response_model=AskResponse, responses=error_responses(400, 401, 403, 413, 415, 422, 429),
              tags=["api"], dependencies=[keys, Depends(json_body)])
    def ask(body: AskRequest, request: Request) -> dict:
        """Answer a question with numbered citations; `[n]` in `answer` is passage `n`."""
        limiter.check(client_of(request))
        answer = engine.answer(body.question, body.history, body.top_k, body.doc)
        answer = log_answer(request, answer, channel_of(request))
        return answer_to_json(answer, engine.index.documents)

    @api.get("/api/sections", response_model=list[SectionOut], tags=["api"], dependencies=[keys])
    def sections() -> list[dict]:
        """The structure of every document: section number, title, headings, and whether its text is present."""
        return [
            {"doc": doc.doc_id, "number": s.number, "title": s.title, "path": list(s.path),
             "has_text": s.has_text, "chars": s.end - s.start}
            for doc, s in engine.index.sections()
        ]

    @api.get("/healthz", tags=["ops"])
    def healthz() -> dict:
        """200 once the index is loaded (the server only listens after that)."""
        manifest = engine.index.manifest
        return {
            "status": "ok",
            "documents": len(engine.index.documents),
            "chunks": len(engine.index.chunks),
            "embedder": manifest["embedder"]["name"],
            "built_at": manifest.get("built_at"),
        }

    return api


def add_fallback(app: FastAPI) -> None:
    """Answer every other method or path under /api/ and /v1/ in the API's error shape; call it after the routers.

    Without it the Gradio app mounted at `/` would answer them in its own shape.
    """
    app.router.add_route("/api/{rest:path}", no_such_api, methods=METHODS, include_in_schema=False)
    app.router.add_route("/v1/{rest:path}", no_such_api, methods=METHODS, include_in_schema=False)


async def no_such_api(request: Request) -> JSONResponse:
    """405 with Allow where a route has this path but not this method, else 404."""
    path = request.url.path
    allow = ", ".join(allowed_methods(request.app, request.scope))
    if allow:
        return error_response("method_not_allowed", f"{request.method} is not accepted on {path}; use {allow}",
                              {"Allow": allow}, path)
    served = ("GET /v1/models and POST /v1/chat/completions are served" if path.startswith(V1)
              else "the API is described at /openapi.json")
    return error_response("not_found", f"there is no {path}; {served}", path=path)


def allowed_methods(app: FastAPI, scope: dict) -> list[str]:
    """The methods the app's routes take on this request's path, asked of the routes however they nest."""
    routes = [r for r in app.router.routes
              if not isinstance(r, Mount) and getattr(r, "endpoint", None) is not no_such_api]  # Gradio, this
    return [m for m in METHODS if any(r.matches({**scope, "method": m})[0] is Match.FULL for r in routes)]
