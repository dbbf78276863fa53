"""Scoring a question file (format of tests/data/README.md) against the retriever and the answerer.

Retrieval: hit@1/3/5 and MRR over answerable questions, by type and by document, and the
share of answering passages that name their heading path. Answers (when an answerer is
given): refusals of what the knowledge base does not answer, false refusals, the expected
`items` of list/compare/chapter questions found in the answer, and whether every excerpt
is verbatim in the passage its `[n]` names.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kbqa.data import Answer, Hit
from kbqa.text import excerpts, squash

UNANSWERABLE = ("out_of_scope", "not_in_text")
REQUIRED = ("id", "question", "type")


def match_key(text: str) -> str:
    """The hit rule's normal form: t2s, no pinyin, no whitespace or punctuation."""
    return squash(text)


def is_hit(passage: str, evidence: list[str]) -> bool:
    key = match_key(passage)
    return any(match_key(e) in key for e in evidence if match_key(e))


def load_questions(path: Path) -> list[dict]:
    """Read a JSONL question file; ValueError names the line that is wrong."""
    questions = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            q = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{n}: not JSON ({exc.msg})") from None
        missing = [k for k in REQUIRED if k not in q]
        if missing:
            raise ValueError(f"{path}:{n}: missing field(s) {', '.join(missing)}")
        q.setdefault("evidence", [])
        questions.append(q)
    if not questions:
        raise ValueError(f"{path}: no questions")
    return questions


@dataclass
class Scores:
    n: int = 0
    hit1: int = 0
    hit3: int = 0
    hit5: int = 0
    rr: float = 0.0

    def add(self, rank: int | None) -> None:
        self.n += 1
        if rank is not None:
            self.hit1 += rank <= 1
            self.hit3 += rank <= 3
            self.hit5 += rank <= 5
            self.rr += 1.0 / rank

    def row(self) -> dict:
        n = max(self.n, 1)
        return {"n": self.n, "hit@1": self.hit1 / n, "hit@3": self.hit3 / n, "hit@5": self.hit5 / n, "mrr": self.rr / n}


@dataclass
class AnswerScores:
    """What the answers do: refusals, items, verbatim excerpts."""

    unanswerable: int = 0
    refused_unanswerable: int = 0
    answerable: int = 0
    false_refusals: int = 0
    with_items: int = 0
    all_items: int = 0
    excerpts: int = 0
    verbatim: int = 0
    ids: list[str] = field(default_factory=list)

    def add(self, q: dict, a: Answer) -> None:
        if q["type"] in UNANSWERABLE:
            self.unanswerable += 1
            self.refused_unanswerable += a.refused
            if not a.refused:
                self.ids.append(q["id"])
            return
        self.answerable += 1
        self.false_refusals += a.refused
        if a.refused:
            self.ids.append(q["id"])
        if q.get("items"):
            self.with_items += 1
            self.all_items += all(squash(item) in squash(a.text) for item in q["items"])
        passages = {c.n: squash(c.hit.chunk.text) for c in a.citations}
        for excerpt, n in excerpts(a.text):
            self.excerpts += 1
            self.verbatim += bool(squash(excerpt)) and squash(excerpt) in passages.get(n, "")

    def row(self) -> dict:
        return {
            "unanswerable": self.unanswerable, "refused_unanswerable": self.refused_unanswerable,
            "answerable": self.answerable, "false_refusals": self.false_refusals,
            "with_items": self.with_items, "all_items": self.all_items,
            "excerpts": self.excerpts, "verbatim": self.verbatim, "ids": self.ids,
        }  # fmt: skip


@dataclass
class Report:
    mode: str
    overall: Scores = field(default_factory=Scores)
    by_type: dict[str, Scores] = field(default_factory=lambda: defaultdict(Scores))
    by_doc: dict[str, Scores] = field(default_factory=lambda: defaultdict(Scores))
    answering: int = 0  # passages that answer, among the top 5
    named: int = 0  # ... of which name a heading path, not only their document
    misses: list[dict] = field(default_factory=list)
    answers: AnswerScores | None = None

    def to_json(self) -> dict:
        return {
            "mode": self.mode,
            "overall": self.overall.row(),
            "by_type": {t: s.row() for t, s in sorted(self.by_type.items())},
            "by_doc": {d: s.row() for d, s in sorted(self.by_doc.items())},
            "named_share": self.named / max(self.answering, 1),
            "misses": self.misses,
            "answers": self.answers.row() if self.answers else None,
        }

    def format(self) -> str:
        lines = [f"mode: {self.mode}", f"{'type':<22} {'n':>3} {'hit@1':>6} {'hit@3':>6} {'hit@5':>6} {'MRR':>6}"]
        groups = [*sorted(self.by_type.items())]
        if len(self.by_doc) > 1:
            groups += [(f"doc:{d}", s) for d, s in sorted(self.by_doc.items())]
        for name, s in [*groups, ("ALL", self.overall)]:
            r = s.row()
            figures = " ".join(f"{r[key]:>6.3f}" for key in ("hit@1", "hit@3", "hit@5", "mrr"))
            lines.append(f"{name[:22]:<22} {r['n']:>3} {figures}")
        lines.append(f"answering passages that name their heading path: {self.named}/{self.answering}")
        if self.answers:
            lines += _answer_lines(self.answers)
        for m in self.misses:
            lines.append(f"miss {m['id']} [{m['type']}] {m['question']} (rank {m['rank']}, got {m['got']})")
        return "\n".join(lines)


def _answer_lines(a: AnswerScores) -> list[str]:
    lines = [
        f"refusal: {a.refused_unanswerable}/{a.unanswerable} unanswerable refused, "
        f"{a.false_refusals}/{a.answerable} answerable refused",
        f"verbatim excerpts: {a.verbatim}/{a.excerpts}",
    ]
    if a.with_items:
        lines.append(f"answers with every expected item: {a.all_items}/{a.with_items}")
    if a.ids:
        lines.append("wrong refusal decisions: " + ", ".join(a.ids))
    return lines


def evaluate(
    retriever, questions: list[dict], mode: str = "hybrid", k: int = 5,
    answerer: Callable[[str], Answer] | None = None,
) -> Report:  # fmt: skip
    """Retrieval figures over answerable questions; answer figures too when `answerer` is given."""
    report = Report(mode, answers=AnswerScores() if answerer else None)
    for q in questions:
        if answerer is not None:
            report.answers.add(q, answerer(q["question"]))
        if q["type"] in UNANSWERABLE or not q["evidence"]:
            continue
        hits = retriever.search(q["question"], k=k, mode=mode)
        _score(report, q, hits)
    return report


def _score(report: Report, q: dict, hits: list[Hit]) -> None:
    answering = [h for h in hits if is_hit(h.chunk.text, q["evidence"])]
    rank = next((r for r, h in enumerate(hits, 1) if h in answering), None)
    for scores in (report.overall, report.by_type[q["type"]], report.by_doc[q.get("doc") or "-"]):
        scores.add(rank)
    report.answering += len(answering)
    report.named += sum(h.chunk.section != "0" for h in answering)  # "0": text before the first heading
    if rank != 1:
        got = ",".join(f"{h.chunk.doc_id[:8]}:{h.chunk.section}" for h in hits[:3])
        report.misses.append({"id": q["id"], "type": q["type"], "question": q["question"],
                              "section": q.get("section"), "rank": rank, "got": got})

