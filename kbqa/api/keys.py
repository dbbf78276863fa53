"""Optional API keys: with KBQA_API_KEYS set, `/api/*` and `/v1/*` want `Authorization: Bearer KEY`.

Keys are compared in constant time, each one, so neither a key nor which key matched shows in
the timing. The rate limit then counts per key (`request.state.client`, read by `client_of`).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

from fastapi import Request

from kbqa.errors import KbqaError
from kbqa.settings import Settings


class Unauthorized(KbqaError):
    """No key, or not one of KBQA_API_KEYS."""

    def __init__(self, message: str) -> None:
        super().__init__("unauthorized", message)
        self.headers = {"WWW-Authenticate": "Bearer"}


def key_check(settings: Settings) -> Callable[[Request], None]:
    """A FastAPI dependency: 401 unless the request carries one of the settings' keys (none set: all pass)."""
    keys = [k.encode() for k in sorted(settings.keys())]

    def require_key(request: Request) -> None:
        if not keys:
            return
        scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("send Authorization: Bearer KEY, with KEY one of the server's KBQA_API_KEYS")
        given = token.strip().encode("latin-1")  # as the header was decoded
        matched = b""
        for key in keys:  # every key, whichever matches
            if hmac.compare_digest(key, given):
                matched = key
        if not matched:
            raise Unauthorized("the API key is not one of the server's KBQA_API_KEYS")
        request.state.client = "key " + hashlib.sha256(matched).hexdigest()[:16]

    return require_key
