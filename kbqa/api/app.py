"""One HTTP server: the JSON API, the Gradio UI at `/`, and the embeddable widget.

Everything calls `Engine.answer`; the routers only translate HTTP to and from it.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI

from kbqa.api import admin, feedback, openai, routes, widget
from kbqa.api.errors import HANDLERS
from kbqa.api.middleware import middleware
from kbqa.api.ratelimit import RateLimiter
from kbqa.library import Library
from kbqa.qlog import QuestionLog
from kbqa.readers import SUFFIXES
from kbqa.rebuild import Rebuilder
from kbqa.settings import Settings, SettingsError

log = logging.getLogger("kbqa.api")


def create_app(engine, settings: Settings | None = None, with_ui: bool = True, qlog: QuestionLog | None = None
               ) -> FastAPI:
    """The FastAPI app around a loaded engine; `with_ui` mounts the Gradio interface at `/`.

    The question log (`qlog`, else the one KBQA_LOG_DB names) and the background rebuilder
    are closed when the server shuts down.
    """
    settings = settings or engine.settings
    limiter = RateLimiter(settings.rate_limit, settings.rate_window_s)
    qlog = qlog or QuestionLog.open(settings)
    library = Library(settings)
    rebuilder = Rebuilder(settings, engine.embedder, engine.swap, say=lambda m: log.warning("%s", m))
    app = FastAPI(title="kbqa", version="0.1.0", description=describe(engine, settings),
                  exception_handlers=HANDLERS, middleware=middleware(settings), lifespan=_closing(qlog, rebuilder))
    app.state.engine, app.state.settings, app.state.limiter = engine, settings, limiter
    app.state.qlog, app.state.library, app.state.rebuilder = qlog, library, rebuilder
    app.include_router(routes.router(engine, settings, limiter))
    app.include_router(feedback.router(settings, limiter))
    app.include_router(admin.router(engine, settings, library, rebuilder))
    app.include_router(openai.router(engine, settings, limiter))
    app.include_router(widget.router(settings))
    # The two below answer every path not matched yet, so routers go above them.
    routes.add_fallback(app)
    if with_ui:
        import gradio as gr

        from kbqa.ui import build_ui
        from kbqa.ui.admin import Office

        office = Office(engine, settings, library, rebuilder, qlog)
        app = gr.mount_gradio_app(app, build_ui(engine, qlog, office), path="/", footer_links=[])
    return app


def _closing(qlog: QuestionLog, rebuilder: Rebuilder):
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        rebuilder.close(timeout=5)  # a build still running is abandoned; kb/ keeps the change for the next start
        qlog.close()

    return lifespan


def describe(engine, settings: Settings) -> str:
    """The OpenAPI description: what the knowledge base holds and the limits this server applies."""
    return (
        "Question answering with numbered citations over the knowledge base "
        f"({', '.join(d.title for d in engine.index.documents.values())}). "
        f"Questions are limited to {settings.max_question_chars} characters, `top_k` to 1-{settings.max_top_k} "
        f"(default {settings.top_k}), `history` to {settings.max_history} turns, request bodies to "
        f"{settings.max_body_bytes} bytes, and `POST /api/ask` to {settings.rate_limit} requests per client "
        f"per {settings.rate_window_s:g} s (429 with Retry-After beyond that). OpenAI's clients use "
        "`/v1/chat/completions` and `/v1/models` (model `kbqa`, errors in OpenAI's shape). Errors are "
        '`{"error": {"code", "message", "display"}}`: `message` in English for developers, '
        "`display` in Chinese for the people using the page."
    )


def serve(settings: Settings) -> None:
    """Load (or build) the index, then serve until interrupted."""
    from kbqa.engine import Engine

    try:
        engine = Engine(settings, say=lambda m: log.warning("%s", m))
    except (ValueError, FileNotFoundError) as exc:
        formats = " ".join(sorted(SUFFIXES))
        sys.exit(f"kbqa: cannot start: {exc}. Put readable documents ({formats}) in {settings.kb_dir} and retry.")
    except OSError as exc:  # the index or cache folder cannot be written
        sys.exit(f"kbqa: cannot start: {exc}. Make {settings.index_dir.parent} and {settings.cache_dir} writable "
                 "folders and retry.")
    try:
        app = create_app(engine, settings)
    except (SettingsError, ConnectionError) as exc:  # the question log KBQA_LOG_DB names
        sys.exit(f"kbqa: cannot start: {exc}")
    _Server(server_config(app, settings)).run()


class _Server(uvicorn.Server):
    """uvicorn's server, saying "serving on …" once its socket listens (not before: a client would be refused)."""

    async def startup(self, sockets: list | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            log.warning("serving on http://%s:%d", self.config.host, self.config.port)


def server_config(app: FastAPI, settings: Settings) -> uvicorn.Config:
    """How kbqa runs uvicorn: X-Forwarded-For is believed only from KBQA_TRUSTED_PROXIES.

    The client address (the rate limit's key) then comes from the header, read from the right,
    so a client cannot name itself; uvicorn's own default would believe the header from 127.0.0.1.
    """
    trusted = sorted(settings.proxies())
    return uvicorn.Config(app, host=settings.host, port=settings.port, log_level="warning", access_log=False,
                          proxy_headers=bool(trusted), forwarded_allow_ips=trusted or None)
