"""The benchmark runs end to end at a tiny size, so the script cannot rot. No timing is asserted."""

import json
import subprocess
import sys

from conftest import DEV_SET, ROOT

from kbqa.evaluate import evaluate, load_questions

N_QUESTIONS = 6


def table(markdown: str, title: str) -> tuple[list[str], list[list[str]]]:
    """The header cells and data rows of the first Markdown table under `### <title>`."""
    lines = markdown.split(f"### {title}", 1)[1].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    block = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        block.append([c.strip() for c in line.strip().strip("|").split("|")])
    return block[0], block[2:]


def test_quick_benchmark_writes_every_table(engine, tmp_path):
    out = tmp_path / "benchmarks.md"
    done = subprocess.run(
        [sys.executable, "bench/run.py", "--quick", "--sizes", "1,10", "--n-questions", str(N_QUESTIONS),
         "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    markdown = out.read_text(encoding="utf-8")

    # hit@3 at the report's size is what `kbqa eval` gives for the same questions
    expected = evaluate(engine.retriever, load_questions(DEV_SET)[:N_QUESTIONS]).overall.row()["hit@3"]
    assert results["sizes"]["1"]["query"]["retrieval"]["hit@3"] == expected

    headers, rows = table(markdown, "Side by side")
    assert headers[:3] == ["size", "kbqa p50 / p95 ms", "LangChain p50 / p95 ms"]
    assert [r[0] for r in rows] == ["report (1x)", "10x"]
    assert rows[0][5] == f"{expected:.3f}"
    _, rows = table(markdown, "Scale: querying")
    assert [r[0] for r in rows] == ["report (1x)", "10x"]
    _, rows = table(markdown, "Report scale: `POST /api/ask` through `python app.py`")
    assert [(r[0], r[1]) for r in rows] == [("default", "1"), ("default", "4"), ("default", "16")]
    _, rows = table(markdown, "Targets")
    assert len(rows) == 4 and "start-up" in rows[2][0]

    one, ten = results["sizes"]["1"], results["sizes"]["10"]
    assert ten["build"]["documents"] == 10
    assert ten["build"]["chunks"] > 5 * one["build"]["chunks"]
    assert ten["build"]["derived"]["exact"] >= one["build"]["chunks"]  # the report keeps its real vectors
    for d in (one, ten):
        q, lc = d["query"], d["langchain"]
        assert d["build"]["chunks"] == q["chunks"] == lc["chunks"]
        assert len(q["answer_ms"]) == len(q["search_ms"]) == len(lc["search_ms"]) == N_QUESTIONS
        assert min(q["answer_ms"] + q["search_ms"] + lc["search_ms"] + q["answer_embed_ms"]) > 0
        assert 0 <= lc["retrieval"]["hit@3"] <= 1 and q["faiss"]["kind"] == "flat"
        assert q["rss_loaded_mb"] > q["rss_before_mb"] > 0
    server = results["server"]
    assert 0 < server["startup_s"] < 120 and server["rss_started_mb"] > 0
    for load in server["loads"]:
        assert load["server_errors"] == load["dropped"] == 0
        assert load["completed"] == load["requests"] and load["rps"] > 0
        assert load["p50_ms"] <= load["p95_ms"] <= load["p99_ms"]
