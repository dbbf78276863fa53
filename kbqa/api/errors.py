"""Every failure as `{"error": {"code", "message", "display"}}`; statuses and sentences come from kbqa.errors.

Under /v1/ the same failures take OpenAI's shape, `{"error": {"message", "type", "code", "param"}}`,
so OpenAI's clients raise their usual exceptions.
"""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from kbqa.api.schema import ErrorResponse
from kbqa.errors import KbqaError, display, status

log = logging.getLogger("kbqa.api")
# pydantic error types that mean "wrong or missing field" (400) rather than "value out of range" (422)
FIELD_ERRORS = ("missing", "string_type", "extra_forbidden", "list_type", "int_type", "int_parsing", "int_from_float")
# the errors Starlette and FastAPI raise themselves
HTTP_CODES = {400: "malformed_body", 401: "unauthorized", 404: "not_found", 405: "method_not_allowed",
              413: "body_too_large", 415: "unsupported_media_type", 429: "rate_limited", 503: "unavailable"}
SEND_JSON = 'send a JSON object such as {"question": "…"}'
V1 = "/v1/"  # the OpenAI-compatible API
OPENAI_TYPES = {401: "authentication_error", 429: "rate_limit_error"}  # other 4xx: invalid_request_error


def error_response(code: str, message: str, headers: dict[str, str] | None = None, path: str = "",
                   **context: object) -> JSONResponse:
    """The error `code` with its status; `context` fills the Chinese sentence (`seconds=30`).

    Under /v1/ (`path`) it takes OpenAI's shape, its `type` from the status.
    """
    if path.startswith(V1):
        kind = "server_error" if status(code) >= 500 else OPENAI_TYPES.get(status(code), "invalid_request_error")
        body = {"error": {"message": message, "type": kind, "code": code, "param": None}}
    else:
        body = {"error": {"code": code, "message": message, "display": display(code, **context)}}
    return JSONResponse(body, status_code=status(code), headers=headers)


def error_responses(*statuses: int) -> dict[int, dict]:
    """The `responses=` of a route for OpenAPI: these statuses answer with `ErrorResponse`."""
    return {s: {"model": ErrorResponse} for s in statuses}


async def kbqa_error(request: Request, exc: KbqaError) -> JSONResponse:
    """A refusal the pipeline (or a route) named itself, such as `QuestionError`."""
    return error_response(exc.code, str(exc), getattr(exc, "headers", None), request.url.path, **exc.context)


async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    """The body as pydantic judged it: one of three codes, naming the first field at fault."""
    problems, path = exc.errors(), request.url.path
    first = problems[0] if problems else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "body"
    kind = str(first.get("type", ""))
    if kind in ("json_invalid", "model_attributes_type") or where == "body":
        return error_response("malformed_body", f"{SEND_JSON}: {first.get('msg', '')}", path=path)
    if kind in FIELD_ERRORS:
        return error_response("invalid_field", f"{where}: {first.get('msg', 'invalid')}", path=path)
    return error_response("out_of_range", f"{where}: {first.get('msg', 'invalid')}", path=path)


async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
    """Starlette's and FastAPI's own refusals (no route, wrong method, a body that is not JSON)."""
    code = HTTP_CODES.get(exc.status_code, "internal_error")
    message = str(exc.detail)
    if exc.status_code == 400:  # FastAPI's "There was an error parsing the body"
        message = f"{SEND_JSON} in UTF-8: {message}"
    response = error_response(code, message, getattr(exc, "headers", None), request.url.path)
    response.status_code = exc.status_code  # as raised, should it be one HTTP_CODES lacks
    return response


async def crashed(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s", request.url.path)
    return error_response("internal_error", "the server failed to answer; the error is in its log",
                          path=request.url.path)


HANDLERS = {KbqaError: kbqa_error, RequestValidationError: invalid_request, HTTPException: http_error,
            Exception: crashed}
