"""What the office reads: questions grouped by their normalised text, as records, CSV or terminal text."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import Connection, desc, func, or_, select

from kbqa.errors import KbqaError
from kbqa.qlog.schema import questions, utc
from kbqa.text import clean_spaces

c = questions.c
COLUMNS = ("问题", "次数", "未回答", "差评", "首次提问(UTC)", "最近提问(UTC)", "原因", "知识库未提及的词", "意见",
           "最近的回答", "回答编号")  # fmt: skip
JOIN = "; "
ANSWER_CHARS = 120  # of the latest answer, in the terminal


@dataclass(frozen=True)
class Group:
    """The questions that read the same once normalised (full- or half-width marks, spacing, variants)."""

    question: str  # the latest wording (as resolved: a follow-up counts as the question it stands for)
    count: int
    refused: int  # how many of them were refused
    down: int  # how many answers were voted down
    first: datetime  # UTC
    last: datetime
    reasons: tuple[str, ...]  # why they were refused, most frequent first
    unknown_terms: tuple[str, ...]  # their words the knowledge base never mentions, most frequent first
    comments: tuple[str, ...]  # what the askers wrote with their votes, newest first
    answer: str  # the latest answer given
    answer_id: str


def window(since: date | datetime | None, until: date | datetime | None) -> list:
    """`since <= time < until`; a date `until` includes its whole day; naive times are UTC."""
    where = []
    if since is not None:
        where.append(c.time >= _moment(since))
    if until is not None:
        end = _moment(until)
        where.append(c.time < (end + timedelta(days=1) if not isinstance(until, datetime) else end))
    return where


def _moment(day: date | datetime) -> datetime:
    if not isinstance(day, datetime):
        if not isinstance(day, date):
            raise KbqaError("invalid_field", f"since and until must be dates or times, got {day!r:.40}")
        day = datetime.combine(day, time(), timezone.utc)
    return day.replace(tzinfo=timezone.utc) if day.tzinfo is None else day.astimezone(timezone.utc)


def conditions(refused: bool | None, vote: str | None, since: date | datetime | None,
               until: date | datetime | None) -> list:
    """The entries a report covers: by default refused or voted down; given filters narrow (all must hold)."""
    if refused not in (None, True, False):
        raise KbqaError("invalid_field", f"refused must be true, false or null, got {refused!r:.40}")
    if vote not in (None, "up", "down"):
        raise KbqaError("invalid_vote", f"vote must be 'up', 'down' or null, got {vote!r:.40}")
    where = window(since, until)
    if refused is None and vote is None:
        where.append(or_(c.refused.is_(True), c.vote == "down"))
    if refused is not None:
        where.append(c.refused.is_(refused))
    if vote is not None:
        where.append(c.vote == vote)
    return where


def groups(db: Connection, where: list, limit: int | None) -> list[Group]:
    """Most frequent first; ties: the most recently asked first."""
    last = func.max(c.time).label("last_at")
    counted = (
        select(c.question_key, func.count().label("n"), func.min(c.time).label("first_at"), last)
        .where(*where)
        .group_by(c.question_key)
        .order_by(desc("n"), desc(last), c.question_key)
        .limit(limit)
    )
    heads = db.execute(counted).all()
    if not heads:
        return []
    keys = [h.question_key for h in heads]
    members = select(c).where(*where).order_by(c.time, c.id)
    if limit is not None:
        members = members.where(c.question_key.in_(keys))
    by_key: dict[str, list] = {k: [] for k in keys}
    for row in db.execute(members).mappings():
        by_key.get(row["question_key"], []).append(row)
    return [_group(h.n, h.first_at, h.last_at, by_key[h.question_key]) for h in heads]


def _group(count: int, first: datetime, last: datetime, rows: list) -> Group:
    latest = rows[-1]
    reasons = Counter(r["reason"] for r in rows if r["refused"] and r["reason"])
    terms = Counter(t for r in rows for t in json.loads(r["unknown_terms"]))
    comments = dict.fromkeys(r["comment"] for r in reversed(rows) if r["comment"])
    return Group(
        question=latest["resolved_question"] or latest["question"],
        count=count,
        refused=sum(1 for r in rows if r["refused"]),
        down=sum(1 for r in rows if r["vote"] == "down"),
        first=utc(first),
        last=utc(last),
        reasons=_by_frequency(reasons),
        unknown_terms=_by_frequency(terms),
        comments=tuple(comments),
        answer=latest["answer"],
        answer_id=latest["answer_id"],
    )


def _by_frequency(counts: Counter) -> tuple[str, ...]:
    return tuple(k for k, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def to_csv(report: list[Group]) -> str:
    """One row per group under `COLUMNS`, with a BOM so Excel reads the file as UTF-8."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for g in report:
        writer.writerow([g.question, g.count, g.refused, g.down, _when(g.first), _when(g.last), JOIN.join(g.reasons),
                         JOIN.join(g.unknown_terms), JOIN.join(g.comments), g.answer, g.answer_id])  # fmt: skip
    return out.getvalue()


def to_text(report: list[Group]) -> str:
    """The report for a terminal: one numbered block per group."""
    if not report:
        return "没有符合条件的提问。\n"
    lines = [f"{len(report)} 组问题,共 {sum(g.count for g in report)} 次提问(时间为 UTC)", ""]
    for n, g in enumerate(report, 1):
        lines.append(f"{n}. {g.question}")
        lines.append(f"   {g.count} 次(未回答 {g.refused},差评 {g.down}) {_when(g.first)} 至 {_when(g.last)}")
        if g.reasons or g.unknown_terms:
            lines.append(f"   原因: {JOIN.join(g.reasons) or '-'}  知识库未提及: {JOIN.join(g.unknown_terms) or '-'}")
        if g.comments:
            lines.append(f"   意见: {JOIN.join(g.comments)}")
        answer = clean_spaces(g.answer)
        answer = answer if len(answer) <= ANSWER_CHARS else answer[: ANSWER_CHARS - 1] + "…"
        lines.append(f"   最近的回答: {answer}")
        lines.append("")
    return "\n".join(lines)
