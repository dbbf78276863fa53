"""What wraps every request: the body limit, the origin guard with its CORS headers, nosniff.

They are plain ASGI, outermost first in `middleware(settings)`; none reads a body it does not
have to, and each answers in the API's error shape.
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kbqa.api.admin import UPLOADS, is_admin
from kbqa.api.errors import error_response
from kbqa.settings import Settings

API = ("/api/", "/v1/")  # the paths browsers from other sites may call, and whose bodies are limited


MULTIPART_SLACK = 64 * 1024  # the multipart framing around an upload's bytes


def middleware(settings: Settings) -> list[Middleware]:
    """The stack, outermost first."""
    return [
        Middleware(NoSniff),
        Middleware(OriginGuard, settings=settings),
        Middleware(BodyLimit, limit=settings.max_body_bytes, admin_token=settings.admin_token,
                   upload_limit=min(settings.max_upload_bytes, settings.max_document_bytes)),
    ]


def _is_api(scope: Scope) -> bool:
    return scope["type"] == "http" and scope["path"].startswith(API)


class NoSniff:
    """`X-Content-Type-Options: nosniff` on every response: a browser runs nothing we sent as data."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).setdefault("X-Content-Type-Options", "nosniff")
            await send(message)

        await self.app(scope, receive, send if scope["type"] != "http" else sending)


class OriginGuard:
    """Browser requests to /api/ or /v1/ from an origin not allowed get 403; allowed ones get CORS headers.

    The allowed origins are KBQA_ALLOWED_ORIGINS and the server's own (whatever Host it is
    reached by). Starlette's CORSMiddleware then writes the headers: it echoes every origin
    that reaches it, since the guard has already refused the rest.
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app, self.origins = app, frozenset(settings.origins())
        self.cors = CORSMiddleware(
            app,
            allow_origin_regex=".*",
            allow_methods=("POST", "GET", "OPTIONS"),
            allow_headers=("Content-Type", "Authorization", "X-KBQA-Channel"),  # the widget names itself
            expose_headers=("Retry-After",),  # the widget tells visitors how long to wait
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        origin = Headers(scope=scope).get("origin") if _is_api(scope) else None
        if origin is None:
            return await self.app(scope, receive, send)
        if not self.allowed(scope, origin):
            message = f"origin {origin} may not use this API; the server's KBQA_ALLOWED_ORIGINS must list it"
            return await error_response("origin_not_allowed", message, path=scope["path"])(scope, receive, send)
        await self.cors(scope, receive, send)

    def allowed(self, scope: Scope, origin: str) -> bool:
        own = f"{scope['scheme']}://{Headers(scope=scope).get('host', '')}"
        return origin.rstrip("/") in self.origins or origin == own


class BodyLimit:
    """Refuse request bodies over `limit` bytes with a JSON 413, declared or streamed.

    The body is read here, before the app sees it: FastAPI turns an error raised while it
    reads a body into a generic 400, so a limit enforced inside its reads would never say 413.
    An upload to UPLOADS that carries the admin token may be as large as `upload_limit`.
    """

    def __init__(self, app: ASGIApp, limit: int, upload_limit: int = 0, admin_token: str = "") -> None:
        self.app, self.limit, self.upload_limit, self.admin_token = app, limit, upload_limit, admin_token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _is_api(scope):
            return await self.app(scope, receive, send)
        limit, code = self._limit(scope)
        declared = Headers(scope=scope).get("content-length", "0")
        if declared.isdigit() and int(declared) > limit:
            return await self._refuse(scope, receive, send, limit, code)
        parts, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            parts.append(message.get("body", b""))
            size += len(parts[-1])
            if size > limit:
                return await self._refuse(scope, receive, send, limit, code)
            more = message.get("more_body", False)
        await self.app(scope, _replay(b"".join(parts), receive), send)

    def _limit(self, scope: Scope) -> tuple[int, str]:
        """The limit on this request's body, and the error code past it."""
        if scope["path"] == UPLOADS and self.upload_limit and is_admin(Headers(scope=scope), self.admin_token):
            return self.upload_limit + MULTIPART_SLACK, "document_too_large"
        return self.limit, "body_too_large"

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int, code: str) -> None:
        megabytes = f"{self.upload_limit / 2**20:.3g}"
        message = f"request body is over {limit} bytes" + (
            f" (documents are limited to {self.upload_limit} bytes, KBQA_MAX_UPLOAD_BYTES)"
            if code == "document_too_large" else "")
        await error_response(code, message, path=scope["path"], limit_mb=megabytes)(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives `body` once, then whatever the connection says (a disconnect)."""
    pending: Message | None = {"type": "http.request", "body": body, "more_body": False}

    async def replay() -> Message:
        nonlocal pending
        if pending is None:
            return await receive()
        message, pending = pending, None
        return message

    return replay
