"""The `kbqa` command, run as a user runs it."""

import json
import os
import subprocess
import sys

import pytest
from conftest import DEV_SET, ROOT


def kbqa(settings, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "KBQA_KB_DIR": str(settings.kb_dir), "KBQA_INDEX_DIR": str(settings.index_dir),
           "KBQA_CACHE_DIR": str(settings.cache_dir)}
    return subprocess.run([sys.executable, "-m", "kbqa.cli", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=timeout)


def test_ask_prints_ranked_cited_passages(engine, settings):
    run = kbqa(settings, "ask", "杭州城市大脑整合了多少个部门的数据?", "--top-k", "3")
    assert run.returncode == 0, run.stderr
    assert "48个部门" in run.stdout.splitlines()[0]
    assert "[1] " in run.stdout and "2.2 大数据与云计算平台的协同联动与价值释放" in run.stdout
    assert "[4] " not in run.stdout


def test_ask_json(engine, settings):
    run = kbqa(settings, "ask", "报告建议地铁票价怎么调整?", "--json")
    body = json.loads(run.stdout)
    assert body["refused"] is True and body["passages"] == []


def test_ask_passages_only(engine, settings):
    run = kbqa(settings, "ask", "碳普惠机制是干什么用的?", "--passages", "--top-k", "2")
    assert run.returncode == 0
    assert run.stdout.count("\n[") == 1 and run.stdout.startswith("[1] ")


def test_ask_passages_as_json_is_json_alone(engine, settings):
    run = kbqa(settings, "ask", "碳普惠机制是干什么用的?", "--passages", "--json", "--top-k", "3")
    assert run.returncode == 0, run.stderr
    hits = json.loads(run.stdout)
    assert [h["rank"] for h in hits] == [1, 2, 3]
    assert set(hits[0]) == {"rank", "score", "doc", "section", "title", "path", "text"}
    assert hits[0]["doc"] == "smart-city-report-2025" and "碳普惠" in hits[0]["text"]
    assert hits[0]["path"][-1].startswith(hits[0]["section"])


def test_ask_limited_to_one_document(engine, settings):
    run = kbqa(settings, "ask", "杭州城市大脑整合了多少个部门的数据?", "--doc", "smart-city-report-2025", "--json")
    assert run.returncode == 0, run.stderr
    assert {p["doc"] for p in json.loads(run.stdout)["passages"]} == {"smart-city-report-2025"}
    wrong = kbqa(settings, "ask", "杭州城市大脑整合了多少个部门的数据?", "--doc", "nope")
    assert wrong.returncode == 2
    assert wrong.stderr.strip().splitlines()[-1] == (
        "kbqa: error: --doc 'nope' is not a document here; the documents are smart-city-report-2025")


def test_eval_scores_the_dev_set(engine, settings):
    run = kbqa(settings, "eval", str(DEV_SET), "--mode", "bm25")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "mode: bm25"
    assert lines[1].split() == ["type", "n", "hit@1", "hit@3", "hit@5", "MRR"]
    overall = next(line for line in lines if line.startswith("ALL"))
    assert overall.split()[1] == "37"
    assert any(line.startswith("refusal: 3/3 unanswerable refused") for line in lines)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ask", ""), "kbqa: error: question is empty"),
        (("ask", "智慧城市", "--top-k", "50"), "kbqa: error: --top-k must be between 1 and 20 (KBQA_MAX_TOP_K), got 50"),
        (("eval", "/nonexistent/q.jsonl"), "kbqa: error: [Errno 2] No such file or directory"),
    ],
)
def test_errors_are_one_line(engine, settings, args, message):
    run = kbqa(settings, *args)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines()[-1].startswith(message)
    assert "Traceback" not in run.stderr


def test_bad_question_file_names_the_line(engine, settings, tmp_path):
    bad = tmp_path / "q.jsonl"
    bad.write_text('{"id": "a", "question": "x", "type": "fact"}\n{not json}\n', encoding="utf-8")
    run = kbqa(settings, "eval", str(bad))
    assert run.returncode == 2
    assert f"kbqa: error: {bad}:2: not JSON" in run.stderr


def test_missing_kb_folder(settings, tmp_path):
    run = kbqa(settings.replace(kb_dir=tmp_path / "nope", index_dir=tmp_path / "index"), "build")
    assert run.returncode == 2
    assert "knowledge-base folder" in run.stderr and "does not exist" in run.stderr
