"""`POST /api/feedback`: a reader rates an answer, named by the `id` it came with (kbqa.api.questionlog)."""

# No `from __future__ import annotations`: FastAPI reads the body model from the signature.

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from kbqa.api.errors import error_responses
from kbqa.api.ratelimit import RateLimiter, client_of
from kbqa.api.routes import json_body
from kbqa.qlog import VOTES
from kbqa.settings import Settings


class FeedbackRequest(BaseModel):
    """Body of `POST /api/feedback`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"id": "Jx3n0cQ3m1o2b9mCvT6m2A", "vote": "down", "comment": "没有回答到点子上"}]})

    id: str = Field(description="The `id` of the answer, as `POST /api/ask` returned it.")
    vote: str = Field(description="`up` (helpful) or `down` (not helpful).", json_schema_extra={"enum": list(VOTES)})
    comment: str | None = Field(None, description="What the reader wants to say, up to KBQA_MAX_COMMENT_CHARS "
                                "characters; optional.")


class FeedbackResponse(BaseModel):
    id: str
    vote: str
    stored: bool = Field(description="False when the server keeps no question log (KBQA_LOG_DB=off).")


def router(settings: Settings, limiter: RateLimiter) -> APIRouter:
    """`POST /api/feedback`."""
    api = APIRouter()

    @api.post("/api/feedback", response_model=FeedbackResponse, tags=["api"], dependencies=[Depends(json_body)],
              responses=error_responses(400, 403, 404, 413, 415, 422, 429))
    def feedback(body: FeedbackRequest, request: Request) -> dict:
        """Rate an answer 👍 (`up`) or 👎 (`down`), with an optional comment; a later vote replaces the earlier.

        An unknown `id` gets 404 `unknown_answer`, a vote other than up or down 422 `invalid_vote`, a
        comment over the limit 413 `comment_too_long`.
        """
        limiter.check(client_of(request))
        qlog = request.app.state.qlog
        qlog.feedback(body.id, body.vote, body.comment)
        return {"id": body.id, "vote": body.vote, "stored": qlog.enabled}

    return api
