"""The admin API: the documents of kb/, the index being rebuilt, and the question report.

Every route needs the token `KBQA_ADMIN_TOKEN` as `Authorization: Bearer <token>` or
`X-Admin-Token: <token>`; without it, with a wrong one, or when the server has no token set,
the answer is 401 `unauthorized`. The routes are left out of the public OpenAPI document
(README.md describes them). Uploads and removals answer 202 with the rebuild job at once;
`GET /api/index/status` follows it.
"""

from __future__ import annotations

import hmac
from datetime import date, datetime, timezone

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import Headers, UploadFile
from starlette.exceptions import HTTPException

from kbqa.errors import KbqaError
from kbqa.library import ACCEPTED, Change, Library
from kbqa.rebuild import Rebuilder
from kbqa.settings import Settings

UPLOADS = "/api/documents"
SEND_FILE = "send the document as multipart/form-data with the file in the field `file`"


def given_token(headers: Headers) -> str:
    """The token a request carries: `X-Admin-Token`, else `Authorization: Bearer …`."""
    token = headers.get("x-admin-token", "").strip()
    if not token:
        scheme, _, value = headers.get("authorization", "").partition(" ")
        token = value.strip() if scheme.lower() == "bearer" else ""
    return token


def token_matches(given: str, token: str) -> bool:
    """Whether `given` is the admin token, compared in constant time; never when no token is set."""
    return bool(token and given) and hmac.compare_digest(given.encode(), token.encode())


def is_admin(headers: Headers, token: str) -> bool:
    """Whether the request carries the admin token."""
    return token_matches(given_token(headers), token)


class Unauthorized(KbqaError):
    def __init__(self, message: str) -> None:
        super().__init__("unauthorized", message)
        self.headers = {"WWW-Authenticate": 'Bearer realm="kbqa admin"'}


def require_admin(settings: Settings):
    """The dependency every admin route has: 401 unless the request carries the admin token."""

    def check(request: Request) -> None:
        if not settings.admin_token:
            raise Unauthorized("the admin API is off on this server: set KBQA_ADMIN_TOKEN to turn it on")
        if not given_token(request.headers):
            raise Unauthorized("send the admin token as Authorization: Bearer <token> or X-Admin-Token: <token>")
        if not is_admin(request.headers, settings.admin_token):
            raise Unauthorized("the admin token is wrong")

    return check


def router(engine, settings: Settings, library: Library, rebuilder: Rebuilder) -> APIRouter:
    """`/api/documents` (GET, POST, DELETE), `/api/index/status`, `/api/admin/questions`."""
    admin = APIRouter(dependencies=[Depends(require_admin(settings))], include_in_schema=False)

    @admin.get(UPLOADS)
    def documents() -> dict:
        return {"documents": library.documents(), "state": rebuilder.state(), "index": index_facts(engine),
                "limits": {"max_upload_bytes": library.max_bytes, "max_documents": settings.max_documents,
                           "formats": ACCEPTED.split()}}  # fmt: skip

    @admin.post(UPLOADS, status_code=202)
    async def upload(request: Request) -> JSONResponse:
        name, data = await read_upload(request)
        change = await run_in_threadpool(library.add, name, data)
        return changed(change, rebuilder)

    @admin.delete(UPLOADS + "/{doc_id}", status_code=202)
    def remove(doc_id: str) -> JSONResponse:
        return changed(library.remove(doc_id), rebuilder)

    @admin.get("/api/index/status")
    def status() -> dict:
        jobs = [j.to_json() for j in rebuilder.jobs()]
        return {"state": rebuilder.state(), "job": jobs[0] if jobs else None, "jobs": jobs,
                "index": index_facts(engine)}

    @admin.get("/api/admin/questions")
    def questions(request: Request, refused: bool | None = None, vote: str | None = None,
                  since: str | None = None, until: str | None = None,
                  fmt: str = Query("json", alias="format", pattern="^(json|csv)$"),
                  limit: int = Query(100, ge=1, le=100_000)) -> Response:
        filters = dict(refused=refused, vote=vote, since=moment("since", since), until=moment("until", until))
        return question_report(request.app.state.qlog, filters, fmt, limit)

    return admin


def question_report(log, filters: dict, fmt: str, limit: int) -> Response:
    """Unanswered and voted-down questions, grouped: JSON, or a CSV file to download."""
    if fmt == "csv":
        day = datetime.now(timezone.utc).strftime("%Y%m%d")
        return Response(log.report_csv(**filters, limit=limit), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="kbqa-questions-{day}.csv"'})
    groups = log.report(**filters, limit=limit)
    return JSONResponse({"logging": log.enabled, "groups": [group_json(g) for g in groups]})


async def read_upload(request: Request) -> tuple[str | None, bytes]:
    """The file name and bytes of the multipart field `file`; KbqaError naming what is wrong."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "multipart/form-data":
        raise KbqaError("unsupported_media_type", f"{SEND_FILE}, got {kind or 'no Content-Type'}")
    try:
        async with request.form(max_files=1, max_fields=10) as form:
            files = form.getlist("file")
            if len(files) != 1 or not isinstance(files[0], UploadFile):
                raise KbqaError("invalid_field", f"{SEND_FILE} (one file; got {len(files)} field(s) named file)")
            return files[0].filename, await files[0].read()
    except HTTPException as exc:  # Starlette's word on a malformed multipart body
        raise KbqaError("malformed_body", f"{SEND_FILE}: {exc.detail}") from None


def changed(change: Change, rebuilder: Rebuilder) -> JSONResponse:
    """202: kb/ has changed, and the index follows in the background."""
    job = rebuilder.request(change.describe())
    document = {"id": change.doc_id, "file": change.file, "action": change.action, "removed": list(change.removed)}
    return JSONResponse({"document": document, "job": job.to_json()}, status_code=202)


def index_facts(engine) -> dict:
    """The index that answers now."""
    index = engine.index
    return {"built_at": index.manifest.get("built_at"), "documents": len(index.documents),
            "chunks": len(index.chunks)}


def moment(name: str, text: str | None) -> date | datetime | None:
    """A day (YYYY-MM-DD, whole days in UTC) or an ISO time; KbqaError naming the parameter otherwise."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    try:
        return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        raise KbqaError("invalid_field", f"{name} must be a day (YYYY-MM-DD) or an ISO time, got {text!r:.40}"
                        ) from None


def group_json(group) -> dict:
    """A report group for JSON: times as ISO strings."""
    return {
        "question": group.question, "count": group.count, "refused": group.refused, "down": group.down,
        "first": group.first.isoformat(), "last": group.last.isoformat(), "reasons": list(group.reasons),
        "unknown_terms": list(group.unknown_terms), "comments": list(group.comments), "answer": group.answer,
        "answer_id": group.answer_id,
    }  # fmt: skip
