"""The question log and feedback store: what people asked, what went unanswered, what they thought.

Every interface but the CLI logs each answer it gives; the office reads the report. The API:

    log = QuestionLog.open(settings)            # once, at start-up (KBQA_LOG_DB; `off`: nothing is stored)
    answer = engine.answer(question, ...)       # give the answer an id first, so feedback can name it:
    answer = dataclasses.replace(answer, id=new_answer_id())
    log.record(answer, "api", client_address)   # channel: "ui" | "api" | "widget" | "v1"; returns the id
    log.feedback(answer_id, "down", "答非所问")  # vote "up" | "down"; KbqaError invalid_vote,
                                                # comment_too_long, unknown_answer (HTTP 422, 413, 404)
    log.report(refused=None, vote=None, since=None, until=None, limit=100) -> list[Group]
    log.report_csv(...) -> str                  # the same as CSV text starting with a BOM (Excel)
    log.entries(since=None, until=None, limit=None) -> list[Entry]   # single entries, newest first
    log.close()                                 # at shutdown: writes what is queued

`record` only queues the entry (a background thread writes batches), so it costs an answer
some 30 µs (bench/log.py) and never raises for a database that is away: the entry is kept
and written when the database is back. Reads (`feedback`, `report`, `entries`) first wait
until everything queued is written; `close` (also run at exit) writes what is left. With
`off`, `record` returns the id, reads return nothing, `feedback` only checks its input.
The address is stored only as a salted hash (`KBQA_LOG_SALT`, else a salt made at the first
entry and kept in KBQA_DATA_DIR: replicas sharing one PostgreSQL log should set the same salt).
`open` raises SettingsError for a URL kbqa does not accept, ConnectionError if the database
cannot be reached.

`report` groups questions by their normalised text (`kbqa.text.squash` of the question as
resolved, so a follow-up counts as the question it stands for): by default the refused and the
voted-down ones; `refused=True/False` and `vote="up"/"down"` narrow it (together: both hold).
`since`/`until` take dates (whole days, UTC) or times; groups come most frequent first.
Entries older than KBQA_LOG_RETENTION_DAYS are deleted at open and then at most once an hour.
"""

from kbqa.qlog.report import COLUMNS, Group, to_text
from kbqa.qlog.store import CHANNELS, VOTES, Entry, QuestionLog, check_feedback, new_answer_id

__all__ = ["CHANNELS", "COLUMNS", "VOTES", "Entry", "Group", "QuestionLog", "check_feedback", "new_answer_id",
           "to_text"]
