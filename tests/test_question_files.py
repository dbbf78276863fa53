"""The question files are well formed and every evidence span and item occurs in its document.

Fast (no model, no index): reads the JSONL files in tests/data and the three documents.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from opencc import OpenCC

from kbqa.evaluate import match_key
from kbqa.kb import document_from_text

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
REPORT = "smart-city-report-2025"
DOC_PATHS = {
    REPORT: ROOT / "kb" / "smart-city-report-2025.txt",
    "gov_report_2024": DATA / "corpora" / "gov_report_2024.txt",
    "changning_15th_fyp": DATA / "corpora" / "changning_15th_fyp.txt",
}
CORPORA = ("gov_report_2024", "changning_15th_fyp")
UNANSWERABLE = ("out_of_scope", "not_in_text")
FIELDS = ("id", "question", "type", "doc", "heading", "section", "evidence", "answer")
SEP = " › "
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


@cache
def doc_key(doc: str) -> str:
    """The document's text as kbqa indexes it (cleaned, structured, tables as rows), in the hit rule's form."""
    return match_key(document_from_text(DOC_PATHS[doc].read_text(encoding="utf-8"), doc).text)


def load(name: str) -> list[dict]:
    rows = []
    for n, line in enumerate((DATA / name).read_text(encoding="utf-8").splitlines(), 1):
        assert line.strip(), f"{name}:{n}: blank line"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            pytest.fail(f"{name}:{n}: not JSON ({exc.msg})")
        assert isinstance(row, dict), f"{name}:{n}: not an object"
        rows.append(row)
    return rows


def is_english(question: str) -> bool:
    """Asked in English: Latin words, with at most a quoted Chinese term."""
    return len(LATIN_WORD.findall(question)) >= 3 and len(CJK.findall(question)) <= 4


def check_common(rows: list[dict], prefix: str, types: set[str]) -> None:
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), [i for i, c in Counter(ids).items() if c > 1]
    for r in rows:
        missing = [f for f in FIELDS if f not in r]
        assert not missing, (r.get("id"), missing)
        rid = r["id"]
        assert re.fullmatch(rf"{prefix}\d{{3}}", rid), rid
        assert isinstance(r["question"], str) and r["question"].strip(), rid
        assert r["type"] in types, (rid, r["type"])
        assert r["doc"] is None or r["doc"] in DOC_PATHS, (rid, r["doc"])
        assert r["section"] is None, rid
        assert isinstance(r["evidence"], list), rid
        assert isinstance(r["answer"], str) and r["answer"].strip(), rid
        if r["type"] == "english":
            assert is_english(r["question"]), rid
        if r["type"] == "traditional":
            assert OpenCC("t2s").convert(r["question"]) != r["question"], f"{rid}: no traditional characters"
        if r["type"] in UNANSWERABLE:
            assert r["evidence"] == [], rid
            assert not r.get("items"), rid
            assert r["heading"] is None, rid
        else:
            assert r["doc"] in DOC_PATHS, rid
            assert r["evidence"] or r.get("items"), f"{rid}: answerable without evidence or items"
            check_spans(r)


def check_spans(r: dict) -> None:
    rid, key = r["id"], doc_key(r["doc"])
    assert len(r["evidence"]) <= 3, rid
    heading_keys = [match_key(h) for h in r["heading"].split(SEP)] if r["heading"] else []
    for part, hk in zip(r["heading"].split(SEP) if r["heading"] else [], heading_keys):
        assert hk and hk in key, f"{rid}: heading {part!r} not in {r['doc']}"
    for e in r["evidence"]:
        assert 8 <= len(e) <= 40, f"{rid}: evidence length {len(e)}: {e!r}"
        ek = match_key(e)
        assert ek in key, f"{rid}: evidence not in {r['doc']}: {e!r}"
        assert "?" not in e and "\ufffd" not in e, f"{rid}: garbled evidence {e!r}"
        if heading_keys:
            assert ek not in heading_keys[-1], f"{rid}: evidence copied from the heading: {e!r}"
    for item in r.get("items") or []:
        assert 2 <= len(item) <= 12, f"{rid}: item length {len(item)}: {item!r}"
        assert match_key(item) in key, f"{rid}: item not in {r['doc']}: {item!r}"


# ---------------------------------------------------------------- corpora_questions.jsonl

CORPORA_TYPES = set("fact number concept why_how compare list colloquial traditional english typo out_of_scope".split())


def test_corpora_questions():
    rows = load("corpora_questions.jsonl")
    check_common(rows, "c", CORPORA_TYPES)
    answerable = [r for r in rows if r["type"] not in UNANSWERABLE]
    unanswerable = [r for r in rows if r["type"] in UNANSWERABLE]
    assert len(answerable) >= 64 and len(unanswerable) >= 12
    per_doc = Counter(r["doc"] for r in answerable)
    assert set(per_doc) == set(CORPORA), per_doc
    for doc in CORPORA:
        assert per_doc[doc] >= 0.4 * len(answerable), per_doc
    for r in answerable:
        assert r["heading"], f"{r['id']}: no heading"
        assert 1 <= len(r["evidence"]) <= 3, r["id"]
    for r in unanswerable:
        assert r["doc"] in (*CORPORA, None), r["id"]
    types = Counter(r["type"] for r in rows)
    for t in ("colloquial", "english", "traditional", "typo"):
        assert types[t] >= 4, types
    assert types["list"] >= 6, types
    for t in ("fact", "number", "concept", "why_how", "compare"):
        assert types[t] >= 2, types
    assert any(is_english(r["question"]) for r in unanswerable)


# ---------------------------------------------------------------- answerability.jsonl

ANSWERABILITY_TYPES = set(
    "fact number list compare chapter colloquial english traditional out_of_scope not_in_text".split()
)
KINDS = {"near_miss": 10, "absent_topic": 10, "heading_only": 8, "meta": 4, "nonsense": 6}


def test_answerability():
    rows = load("answerability.jsonl")
    check_common(rows, "a", ANSWERABILITY_TYPES)
    answerable = [r for r in rows if r["type"] not in UNANSWERABLE]
    unanswerable = [r for r in rows if r["type"] in UNANSWERABLE]
    assert len(answerable) >= 105 and len(unanswerable) >= 44
    per_doc = Counter(r["doc"] for r in answerable)
    assert set(per_doc) == set(DOC_PATHS) and min(per_doc.values()) >= 30, per_doc
    types = Counter(r["type"] for r in answerable)
    assert types["list"] >= 15 and types["compare"] >= 8 and types["chapter"] >= 8, types
    for t in ("fact", "number", "colloquial", "english", "traditional"):
        assert types[t] >= 1, types
    for r in answerable:
        assert "kind" not in r, r["id"]
        if r["type"] in ("list", "compare", "chapter"):
            assert r.get("items"), f"{r['id']}: {r['type']} question without items"
        if r["type"] != "chapter":
            assert r["heading"], f"{r['id']}: no heading"
    kinds = Counter(r.get("kind") for r in unanswerable)
    assert set(kinds) <= set(KINDS), kinds
    for kind, least in KINDS.items():
        assert kinds[kind] >= least, kinds
    for r in unanswerable:
        assert "items" not in r, r["id"]
        if r["kind"] == "heading_only":
            assert r["type"] == "not_in_text" and r["doc"] == REPORT, r["id"]
        else:
            assert r["type"] == "out_of_scope", r["id"]
    assert sum(is_english(r["question"]) for r in unanswerable) >= 8


# ---------------------------------------------------------------- the report's own sets


@pytest.mark.parametrize("name", ["dev.jsonl", "heldout.jsonl"])
def test_report_sets_evidence(name):
    rows = load(name)
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    key = doc_key(REPORT)
    missing = []
    for r in rows:
        assert {"id", "question", "type", "evidence", "answer"} <= set(r), r.get("id")
        if r["type"] in UNANSWERABLE:
            assert r["evidence"] == [], r["id"]
            continue
        assert r["evidence"], r["id"]
        missing += [(r["id"], e) for e in r["evidence"] if match_key(e) not in key]
    assert not missing, missing
