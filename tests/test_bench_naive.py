"""bench/naive.py runs end to end on the report alone and a few questions, so the script cannot rot."""

import subprocess
import sys

from conftest import DATA, DEV_SET, ROOT

from kbqa.evaluate import evaluate, load_questions

N_QUESTIONS = 4
HEADER = ["system", "n", "hit@1", "hit@3", "hit@5", "MRR"]


def tables(output: str) -> dict[str, list[list[str]]]:
    """Each question file's table rows (cells), by the file name that opens it, after checking its header."""
    out = {}
    for block in output.strip().split("\n\n"):
        title, header, rule, *rows, gap = block.splitlines()
        assert [c.strip() for c in header.split("|")] == HEADER
        assert set(rule) == {"-"} and gap.startswith("hit@3 kbqa - naive: ")
        out[title.split()[0]] = [[c.strip() for c in row.split("|")] for row in rows]
    return out


def test_naive_benchmark_on_the_report(engine):
    done = subprocess.run([sys.executable, "bench/naive.py", "--kb", "kb", "--questions", str(N_QUESTIONS)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    by_file = tables(done.stdout)
    assert list(by_file) == ["corpora_questions.jsonl", "dev.jsonl", "heldout.jsonl"]
    for name, rows in by_file.items():
        # the first questions are on one document: no per-document rows
        assert [r[0] for r in rows] == ["kbqa", "naive", "naive, dense only", "naive, BM25 only"]
        answerable = [q for q in load_questions(DATA / name)[:N_QUESTIONS] if q["evidence"]]
        for row in rows:
            assert int(row[1]) == len(answerable)
            assert all(0 <= float(x) <= 1 for x in row[2:])
    # kbqa's row is what `kbqa eval` gives for the same questions on the same document
    expected = evaluate(engine.retriever, load_questions(DEV_SET)[:N_QUESTIONS]).overall.row()
    assert by_file["dev.jsonl"][0][2:] == [f"{expected[k]:.3f}" for k in ("hit@1", "hit@3", "hit@5", "mrr")]
    assert "naive stack: 134 chunks" in done.stderr
