"""Scoring a question file (format of shared/eval/README.md) against the retriever."""

from __future__ import annotations

import json
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from kbqa.text import normalize

UNANSWERABLE = ("out_of_scope", "not_in_text")
REQUIRED = ("id", "question", "type")


def match_key(text: str) -> str:
    """The hit rule's normal form: t2s, no pinyin, no whitespace or punctuation."""
    return "".join(c for c in normalize(text) if unicodedata.category(c)[0] not in "PZ" and not c.isspace())


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
class Report:
    mode: str
    overall: Scores = field(default_factory=Scores)
    by_type: dict[str, Scores] = field(default_factory=lambda: defaultdict(Scores))
    misses: list[dict] = field(default_factory=list)
    refusal: dict | None = None

    def to_json(self) -> dict:
        return {
            "mode": self.mode,
            "overall": self.overall.row(),
            "by_type": {t: s.row() for t, s in sorted(self.by_type.items())},
            "misses": self.misses,
            "refusal": self.refusal,
        }

    def format(self) -> str:
        lines = [f"mode: {self.mode}", f"{'type':<12} {'n':>3} {'hit@1':>6} {'hit@3':>6} {'hit@5':>6} {'MRR':>6}"]
        for name, s in [*sorted(self.by_type.items()), ("ALL", self.overall)]:
            r = s.row()
            figures = " ".join(f"{r[key]:>6.3f}" for key in ("hit@1", "hit@3", "hit@5", "mrr"))
            lines.append(f"{name:<12} {r['n']:>3} {figures}")
        if self.refusal:
            r = self.refusal
            lines.append(
                f"refusal: {r['refused_unanswerable']}/{r['unanswerable']} unanswerable refused, "
                f"{r['false_refusals']}/{r['answerable']} answerable refused"
            )
        for m in self.misses:
            lines.append(f"miss {m['id']} [{m['type']}] {m['question']} (gold {m['section']}, got {m['got']})")
        return "\n".join(lines)


def evaluate(retriever, questions: list[dict], mode: str = "hybrid", k: int = 5, answerer=None) -> Report:
    """hit@1/3/5 and MRR over answerable questions; refusal figures when `answerer` is given."""
    report = Report(mode)
    refusal = {"unanswerable": 0, "refused_unanswerable": 0, "answerable": 0, "false_refusals": 0, "ids": []}
    for q in questions:
        if answerer is not None:
            refused = answerer(q["question"]).refused
            if q["type"] in UNANSWERABLE:
                refusal["unanswerable"] += 1
                refusal["refused_unanswerable"] += refused
                if not refused:
                    refusal["ids"].append(q["id"])
            else:
                refusal["answerable"] += 1
                refusal["false_refusals"] += refused
                if refused:
                    refusal["ids"].append(q["id"])
        if q["type"] in UNANSWERABLE or not q["evidence"]:
            continue
        hits = retriever.search(q["question"], k=k, mode=mode)
        rank = next((r for r, h in enumerate(hits, 1) if is_hit(h.chunk.text, q["evidence"])), None)
        report.overall.add(rank)
        report.by_type[q["type"]].add(rank)
        if rank != 1:
            report.misses.append(
                {
                    "id": q["id"],
                    "type": q["type"],
                    "question": q["question"],
                    "section": q.get("section"),
                    "rank": rank,
                    "got": ",".join(h.chunk.section for h in hits[:3]),
                }
            )
    if answerer is not None:
        report.refusal = refusal
    return report
