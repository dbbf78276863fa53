"""The question log at the HTTP edge: every answer is logged under an id before it is sent.

Every route that answers a question calls `log_answer(request, answer, channel)` before it
responds: the answer gets its `id` (which the response must carry, so feedback can name it)
and is queued for the log `app.state.qlog` (kbqa.qlog; a no-op log when KBQA_LOG_DB=off).
The widget says it is the widget with the header `X-KBQA-Channel: widget`.
"""

from __future__ import annotations

import dataclasses
import logging

from fastapi import Request

from kbqa.api.ratelimit import client_of
from kbqa.data import Answer
from kbqa.qlog import new_answer_id

log = logging.getLogger("kbqa.api")
CHANNEL_HEADER = "X-KBQA-Channel"


def channel_of(request: Request, default: str = "api") -> str:
    """`widget` when the widget asked (its header says so), else `default`."""
    return "widget" if request.headers.get(CHANNEL_HEADER, "").strip().lower() == "widget" else default


def log_answer(request: Request, answer: Answer, channel: str) -> Answer:
    """`answer` with its id, queued for the question log as asked on `channel` by this request's client.

    The id is made here if the answer has none. Logging never costs an answer: an entry the
    log cannot take is reported in the server's log instead.
    """
    if not answer.id:
        answer = dataclasses.replace(answer, id=new_answer_id())
    qlog = getattr(request.app.state, "qlog", None)
    if qlog is not None:
        try:
            qlog.record(answer, channel, client_of(request))
        except Exception:
            log.exception("question log: answer %s could not be logged", answer.id)
    return answer
