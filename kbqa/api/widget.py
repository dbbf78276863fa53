"""The embeddable widget: its script, the iframe page, and the snippet page for site owners."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse

from kbqa.settings import Settings

STATIC = Path(__file__).resolve().parent.parent / "static"


def router(settings: Settings) -> APIRouter:
    """`/widget.js` for any site, `/embed` for the listed ones' frames, `/widget` with this server's address."""
    pages = APIRouter(include_in_schema=False)

    @pages.get("/widget.js")
    def widget_js() -> FileResponse:
        return FileResponse(STATIC / "widget.js", media_type="text/javascript; charset=utf-8",
                            headers={"Cache-Control": "no-cache", "Access-Control-Allow-Origin": "*"})

    @pages.get("/embed")
    def embed() -> FileResponse:
        ancestors = " ".join(["'self'", *settings.origins()])
        return FileResponse(STATIC / "embed.html", media_type="text/html; charset=utf-8",
                            headers={"Content-Security-Policy": f"frame-ancestors {ancestors}"})

    @pages.get("/widget", response_class=HTMLResponse)
    def widget_page(request: Request):
        base = str(request.base_url).rstrip("/")
        return (STATIC / "widget.html").read_text(encoding="utf-8").replace("{{BASE}}", base)

    return pages
