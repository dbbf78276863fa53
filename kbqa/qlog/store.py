"""The question log: what was asked where, what kbqa answered, and what the asker thought of the answer."""

from __future__ import annotations

import atexit
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from kbqa.data import Answer
from kbqa.errors import KbqaError
from kbqa.qlog import report as reporting
from kbqa.qlog.schema import connect, database_url, questions, salt, utc, visitor_hash
from kbqa.qlog.writer import Writer
from kbqa.settings import Settings
from kbqa.text import clean_spaces, squash

log = logging.getLogger("kbqa")

CHANNELS = ("ui", "api", "widget", "v1")
VOTES = ("up", "down")
PRUNE_EVERY = timedelta(hours=1)
MAX_ID_CHARS = 64
Clock = Callable[[], datetime]


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def new_answer_id() -> str:
    """A random URL-safe id for an answer (22 characters), for `Answer.id` and feedback to name it."""
    return secrets.token_urlsafe(16)


@dataclass(frozen=True)
class Entry:
    """One logged question, as read back."""

    answer_id: str
    time: datetime  # UTC
    channel: str
    question: str
    resolved_question: str
    refused: bool
    reason: str
    unknown_terms: tuple[str, ...]
    confidence: float
    citations: tuple[dict, ...]  # {"n", "doc", "section", "path", "chunk"}
    answer: str
    mode: str
    took_ms: float
    visitor: str  # salted hash of the address; "" when none was given
    vote: str | None = None
    comment: str | None = None
    voted_at: datetime | None = None


class QuestionLog:
    """See the package docstring (`kbqa.qlog`) for how the interfaces use it."""

    def __init__(self, engine: Engine | None, settings: Settings, clock: Clock = now_utc,
                 background: bool = True) -> None:
        self._engine = engine
        self._settings = settings
        self._key: bytes | None = None  # the salt, read (or made) when the first entry is recorded
        self._clock = clock
        self._pruned_at: datetime | None = None
        self._writer = Writer(self._write) if engine is not None and background else None
        if self._writer is not None:
            atexit.register(self.close)  # a server stopped without closing the log still writes its queue
        self.prune()

    @classmethod
    def open(cls, settings: Settings, clock: Clock | None = None, background: bool = True) -> QuestionLog:
        """The log `settings.log_db` names, its schema created and old entries deleted; off: a no-op log."""
        url = database_url(settings)
        if url is None:
            return cls(None, settings, clock=clock or now_utc)
        return cls(connect(url), settings, clock or now_utc, background)

    @property
    def enabled(self) -> bool:
        return self._engine is not None

    def __enter__(self) -> QuestionLog:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def record(self, answer: Answer, channel: str, address: str = "") -> str:
        """Log `answer` as asked on `channel` from `address`; its id (`answer.id`, or a new one if it has none)."""
        if channel not in CHANNELS:
            raise ValueError(f"channel must be one of {', '.join(CHANNELS)}, got {channel!r}")
        answer_id = answer.id or new_answer_id()
        if self._engine is None:
            return answer_id
        if self._key is None:
            self._key = salt(self._settings)
        row = _row(answer, answer_id, channel, visitor_hash(self._key, address), self._clock())
        if self._writer is not None:
            self._writer.put(row)
        else:
            self._write([row])
        return answer_id

    def feedback(self, answer_id: str, vote: str, comment: str | None = None) -> None:
        """Rate a logged answer; a later vote replaces the earlier one. KbqaError for a bad vote or unknown id."""
        vote, comment = check_feedback(vote, comment, self._settings.max_comment_chars)
        if self._engine is None:
            return
        self._ready()
        updated = 0
        if isinstance(answer_id, str) and 0 < len(answer_id) <= MAX_ID_CHARS:
            change = update(questions).where(questions.c.answer_id == answer_id)
            with self._engine.begin() as db:
                updated = db.execute(change.values(vote=vote, comment=comment, voted_at=self._clock())).rowcount
        if not updated:
            raise KbqaError("unknown_answer", f"no logged answer has the id {str(answer_id)[:80]!r}; "
                            "ids come from the answer (`id`) and are kept for KBQA_LOG_RETENTION_DAYS days")

    def entries(self, since: date | datetime | None = None, until: date | datetime | None = None,
                limit: int | None = None) -> list[Entry]:
        """Logged questions, newest first."""
        if self._engine is None:
            return []
        self._ready()
        query = select(questions).where(*reporting.window(since, until)).limit(limit)
        with self._engine.connect() as db:
            rows = db.execute(query.order_by(questions.c.time.desc(), questions.c.id.desc())).mappings().all()
        return [_entry(r) for r in rows]

    def report(self, refused: bool | None = None, vote: str | None = None, since: date | datetime | None = None,
               until: date | datetime | None = None, limit: int | None = 100) -> list[reporting.Group]:
        """Questions grouped by normalised text, most frequent first (see `kbqa.qlog.report.groups`)."""
        where = reporting.conditions(refused, vote, since, until)
        if self._engine is None:
            return []
        self._ready()
        with self._engine.connect() as db:
            return reporting.groups(db, where, limit)

    def report_csv(self, refused: bool | None = None, vote: str | None = None, since: date | datetime | None = None,
                   until: date | datetime | None = None, limit: int | None = None) -> str:
        """`report` as CSV text with a BOM (Excel reads the Chinese then); all groups unless `limit`."""
        return reporting.to_csv(self.report(refused, vote, since, until, limit))

    def flush(self, timeout: float | None = 30.0) -> bool:
        """Wait until every entry recorded so far is in the database; False if `timeout` passed first."""
        return self._writer.flush(timeout) if self._writer is not None else True

    def prune(self) -> int:
        """Delete entries older than `log_retention_days` (0: keep all); how many were deleted."""
        now = self._clock()
        self._pruned_at = now
        days = self._settings.log_retention_days
        if self._engine is None or not days:
            return 0
        with self._engine.begin() as db:
            return db.execute(delete(questions).where(questions.c.time < now - timedelta(days=days))).rowcount

    def close(self) -> None:
        """Write what is queued and release the database; recording after this is an error."""
        if self._writer is not None:
            atexit.unregister(self.close)
            self._writer.close()
        if self._engine is not None:
            self._engine.dispose()

    def _ready(self) -> None:
        """Before a read: everything recorded is written, and nothing past retention is shown."""
        self.flush()
        self._prune_if_due()

    def _prune_if_due(self) -> None:
        if self._pruned_at is None or self._clock() - self._pruned_at >= PRUNE_EVERY:
            self.prune()

    def _write(self, rows: list[dict]) -> None:
        self._prune_if_due()
        try:
            with self._engine.begin() as db:
                db.execute(insert(questions), rows)
        except IntegrityError:  # an answer id logged twice: keep the first entry, write the others
            for row in rows:
                try:
                    with self._engine.begin() as db:
                        db.execute(insert(questions), row)
                except IntegrityError:
                    log.error("question log: answer id %r was logged already; this entry is dropped", row["answer_id"])


def check_feedback(vote: object, comment: object, max_chars: int) -> tuple[str, str | None]:
    """The vote and the cleaned comment (None if blank); KbqaError naming what is wrong."""
    if not isinstance(vote, str) or vote not in VOTES:
        raise KbqaError("invalid_vote", f"vote must be 'up' or 'down', got {vote!r:.60}")
    if comment is None:
        return vote, None
    if not isinstance(comment, str):
        raise KbqaError("invalid_field", f"comment must be a string or null, got {type(comment).__name__}")
    text = clean_spaces(comment)
    if len(text) > max_chars:
        raise KbqaError("comment_too_long", f"comment is {len(text)} characters; the limit is {max_chars} "
                        "(KBQA_MAX_COMMENT_CHARS)", chars=len(text), limit=max_chars)
    return vote, text or None


def _row(answer: Answer, answer_id: str, channel: str, visitor: str, moment: datetime) -> dict:
    resolved = answer.resolved_question or answer.question
    # `reason` and `unknown_terms` were carried in `meta` before Answer had fields for them.
    reason = answer.reason or str(answer.meta.get("reason", ""))
    unknown = answer.unknown_terms or tuple(answer.meta.get("unknown_terms", ()))
    citations = [{"n": c.n, "doc": c.hit.chunk.doc_id, "section": c.hit.chunk.section,
                  "path": c.hit.chunk.heading_path, "chunk": c.hit.chunk.id} for c in answer.citations]
    return {
        "answer_id": answer_id, "time": moment.astimezone(timezone.utc), "channel": channel,
        "question": answer.question, "resolved_question": resolved,
        "question_key": squash(resolved) or clean_spaces(resolved), "refused": bool(answer.refused),
        "reason": reason, "unknown_terms": _compact(list(unknown)), "confidence": float(answer.confidence),
        "citations": _compact(citations), "answer": answer.text, "mode": answer.mode,
        "took_ms": float(answer.took_ms), "visitor": visitor,
    }  # fmt: skip


def _compact(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _entry(row) -> Entry:
    return Entry(
        answer_id=row["answer_id"], time=utc(row["time"]), channel=row["channel"], question=row["question"],
        resolved_question=row["resolved_question"], refused=bool(row["refused"]), reason=row["reason"],
        unknown_terms=tuple(json.loads(row["unknown_terms"])), confidence=row["confidence"],
        citations=tuple(json.loads(row["citations"])), answer=row["answer"], mode=row["mode"],
        took_ms=row["took_ms"], visitor=row["visitor"], vote=row["vote"], comment=row["comment"],
        voted_at=utc(row["voted_at"]) if row["voted_at"] else None,
    )  # fmt: skip
