"""The question files' figures on the three-document knowledge base, with the bundled model, as `make eval-all` prints them.

The report and the two corpora documents in one knowledge base. Targets (issues 12 and 15):
refusal recall >= 0.90 with false refusals <= 3 %, every expected item in >= 80 % of the list
and compare answers, every excerpt verbatim; hit@3 >= 0.93 and MRR >= 0.85 on the corpora
questions, >= 95 % of answering passages naming their heading path; on the dev set
hit@3 >= 0.97 and MRR >= 0.90. The exact counts are
what was measured: a change that moves them shows here.
"""

from __future__ import annotations

import shutil

import pytest
from conftest import DATA, KB_DOC, settings_in

from kbqa.engine import Engine
from kbqa.evaluate import evaluate, load_questions


@pytest.fixture(scope="module")
def three(embedder, tmp_path_factory) -> Engine:
    base = tmp_path_factory.mktemp("three-documents")
    (base / "kb").mkdir()
    for path in (KB_DOC, DATA / "corpora" / "gov_report_2024.txt", DATA / "corpora" / "changning_15th_fyp.txt"):
        shutil.copy(path, base / "kb" / path.name)
    return Engine(settings_in(base), embedder)


def run(engine: Engine, name: str) -> dict:
    report = evaluate(engine.retriever, load_questions(DATA / f"{name}.jsonl"), answerer=engine.answer).to_json()
    print(name, report["overall"], report["answers"])
    return report


def test_answerability_file(three):
    a = run(three, "answerability")["answers"]
    assert (a["refused_unanswerable"], a["unanswerable"]) == (45, 48)  # 0.938 >= 0.90
    assert (a["false_refusals"], a["answerable"]) == (2, 114)  # 1.8 % <= 3 %
    assert (a["all_items"], a["with_items"]) == (38, 44)  # 0.864 >= 0.80
    assert a["verbatim"] == a["excerpts"] > 250


def test_corpora_questions(three):
    report = run(three, "corpora_questions")
    overall = report["overall"]
    assert overall["n"] == 78
    assert round(overall["hit@3"], 3) == 0.962 and round(overall["mrr"], 3) == 0.885
    assert report["named_share"] == 1.0
    assert report["answers"]["verbatim"] == report["answers"]["excerpts"]


def test_dev_set_on_three_documents(three):
    report = run(three, "dev")
    assert round(report["overall"]["hit@3"], 3) == 0.973  # the report's own questions keep hit@3 >= 0.97
    assert round(report["overall"]["mrr"], 3) == 0.910  # and MRR >= 0.90
    assert report["answers"]["false_refusals"] == 0
