"""A build with a tiny embedder: its stages, its progress lines, and what makes it rebuild."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tiny_embedder import TinyEmbedder

import kbqa.freshness
from kbqa import build as build_module
from kbqa.build import STAGES, build, stale_reason
from kbqa.freshness import PACKAGE, pipeline_files, pipeline_fingerprint
from kbqa.progress import LineProgress, Progress
from kbqa.settings import Settings
from kbqa.store import Index

POLICY = "# 河湾区数据条例\n\n## 第一章 总则\n河湾区设立数据局。数据局统筹全区公共数据。\n\n## 第二章 共享\n部门之间共享数据,不得重复采集。\n"
NOTES = "会议纪要\n\n一、议题\n河湾区讨论智慧路灯改造。改造后能耗下降四成。\n"
# Modules kbqa.build imports whose code cannot change what an index holds, and why.
NOT_INDEX_CONTENT = {
    "kbqa.settings": "the settings a build reads (chunk size and overlap, the embedder) are in the manifest",
    "kbqa.errors": "messages for users",
    "kbqa.progress": "what a build shows while it runs",
    "kbqa.swap": "the build lock and the renames that put a finished folder in place",
}


@pytest.fixture()
def tiny(tmp_path) -> Settings:
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "policy.md").write_text(POLICY, encoding="utf-8")
    (kb / "notes.txt").write_text(NOTES, encoding="utf-8")
    return Settings.from_env(env={}, kb_dir=kb, index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")


class Recorded(Progress):
    def __init__(self) -> None:
        self.lines: list[str] = []

    def stage(self, line: str) -> None:
        self.lines.append(line)

    def count(self, done: int, total: int) -> None:
        self.lines.append(f"{done}/{total}")


def test_a_build_passes_its_stages_in_order_and_observers_hear_them(tiny, monkeypatch):
    heard: list[tuple[str, list[str]]] = []
    building = tiny.index_dir.parent / f".index.building-{os.getpid()}"

    def observe(stage: str) -> None:
        beside = [p.name for p in tiny.index_dir.parent.iterdir() if p.name not in ("kb", "cache")]
        inside = [f"{building.name}/{p.name}" for p in building.iterdir()] if building.is_dir() else []
        heard.append((stage, sorted(beside + inside)))

    monkeypatch.setattr(build_module, "STAGE_OBSERVERS", [observe])
    build(tiny, TinyEmbedder())
    assert [stage for stage, _ in heard] == list(STAGES)
    at = dict(heard)
    assert at["read"] == at["index"] == [".index.lock"]
    assert at["write"] == [building.name, f"{building.name}/chunks.jsonl", f"{building.name}/documents.json",
                           ".index.lock"]
    assert len(at["swap"]) == 1 + 1 + 11  # the folder, its nine parts, the manifest and .gitignore, the lock
    assert at["swapping"] == at["swap"]  # the first build: there was no index/ to rename away
    assert at["swapped"] == [".index.lock", "index"]


def test_the_second_build_renames_the_first_away_while_it_swaps(tiny, monkeypatch):
    build(tiny, TinyEmbedder())
    heard: dict[str, list[str]] = {}
    monkeypatch.setattr(build_module, "STAGE_OBSERVERS", [
        lambda stage: heard.setdefault(stage, sorted(p.name for p in tiny.index_dir.parent.iterdir()
                                                     if p.name not in ("kb", "cache")))])
    build(tiny, TinyEmbedder())
    pid = os.getpid()
    assert heard["swap"] == [f".index.building-{pid}", ".index.lock", "index"]
    assert heard["swapping"] == [f".index.building-{pid}", ".index.lock", f".index.old-{pid}"]
    assert heard["swapped"] == [".index.lock", f".index.old-{pid}", "index"]


def test_no_observer_is_registered_in_production():
    out = run_python("import kbqa.build, kbqa.cli, kbqa.engine; print(len(kbqa.build.STAGE_OBSERVERS))")
    assert out == "0\n"


def test_progress_names_each_stage_and_counts_every_passage(tiny):
    embedder = TinyEmbedder()
    first = Recorded()
    report = build(tiny, embedder, first)
    index = Index.load(tiny.index_dir)
    total = len(index.chunks) + len(index.sentence_vectors)
    assert total == report.embedded == 3 + 5  # three sections with text, five sentences
    assert embedder.calls == [8]  # one batch of 16 holds them all
    assert first.lines == ["reading 2 documents", "chunking", "embedding 8 new passages (0 from cache)", "8/8",
                           "indexing", "writing"]
    again = Recorded()
    build(tiny, embedder, again)
    assert again.lines == ["reading 2 documents", "chunking", "embedding 0 new passages (8 from cache)", "8/8",
                           "indexing", "writing"]


def test_one_document_is_one_document(tiny):
    (tiny.kb_dir / "notes.txt").unlink()
    progress = Recorded()
    build(tiny, TinyEmbedder(), progress)
    assert progress.lines[0] == "reading 1 document"


def test_log_lines_come_once_per_tenth_and_at_the_end():
    said: list[str] = []
    progress = LineProgress(said.append)
    progress.stage("embedding 462 new passages (0 from cache)")
    for done in [*range(16, 462, 16), 462]:
        progress.count(done, 462)
    assert said == ["embedding 462 new passages (0 from cache)"] + [
        f"embedding passages {n}/462 ({round(100 * n / 462)} %)"
        for n in (16, 48, 96, 144, 192, 240, 288, 336, 384, 416, 462)
    ]
    assert said[3] == "embedding passages 96/462 (21 %)"


def test_cached_passages_count_at_once():
    said: list[str] = []
    progress = LineProgress(said.append)
    for done in (875, 891, 900):
        progress.count(done, 900)
    assert said == ["embedding passages 875/900 (97 %)", "embedding passages 900/900 (100 %)"]


# ---------------------------------------------------------------- what makes an index stale


def run_python(code: str, path: Path | None = None) -> str:
    """`python -c code` with `path` (default: this checkout) first on the import path."""
    env = {**os.environ, "PYTHONPATH": str(path or PACKAGE.parent)}
    run = subprocess.run([sys.executable, "-c", code], env=env, cwd=path or PACKAGE.parent, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_changing_the_text_that_is_embedded_changes_the_fingerprint(tmp_path):
    """`Chunk.embedding_text` decides every passage vector: the index must be rebuilt when it changes."""
    shutil.copytree(PACKAGE, tmp_path / "kbqa", ignore=shutil.ignore_patterns("__pycache__"))
    code = "from kbqa.freshness import pipeline_fingerprint; print(pipeline_fingerprint())"
    before = run_python(code, tmp_path)
    data = tmp_path / "kbqa" / "data.py"
    text = data.read_text(encoding="utf-8")
    changed = text.replace('return f"{self.label}\\n{self.text}"', 'return f"{self.heading_path}\\n{self.text}"')
    assert changed != text
    data.write_text(changed, encoding="utf-8")
    assert run_python(code, tmp_path) != before


def test_a_change_to_the_embedded_text_makes_a_built_index_stale(tiny, tmp_path, monkeypatch):
    build(tiny, TinyEmbedder())
    assert stale_reason(tiny, TinyEmbedder.name) is None
    copy = shutil.copytree(PACKAGE, tmp_path / "copy", ignore=shutil.ignore_patterns("__pycache__"))
    data = copy / "data.py"
    data.write_text(data.read_text(encoding="utf-8").replace("self.label", "self.heading_path"), encoding="utf-8")
    monkeypatch.setattr(kbqa.freshness, "PACKAGE", copy)
    assert stale_reason(tiny, TinyEmbedder.name) == "chunk settings or cleaning code changed"


MODULES = ["data", "text", "kb", "clean", "chunk", "embed", "dense", "lexical", "store", "build", "freshness"]


@pytest.mark.parametrize("module", MODULES)
def test_a_change_to_a_module_that_decides_the_index_changes_the_fingerprint(module, tmp_path, monkeypatch):
    copy = shutil.copytree(PACKAGE, tmp_path / "kbqa", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(kbqa.freshness, "PACKAGE", copy)
    before = pipeline_fingerprint()
    with open(copy / f"{module}.py", "a", encoding="utf-8") as fh:
        fh.write("\n# changed\n")
    assert pipeline_fingerprint() != before


@pytest.mark.parametrize("added", ["readers/__init__.py", "readers/pdf.py", "structure.py", "headings.py"])
def test_readers_and_the_structure_stage_count_once_they_exist(added, tmp_path, monkeypatch):
    copy = shutil.copytree(PACKAGE, tmp_path / "kbqa", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(kbqa.freshness, "PACKAGE", copy)
    before = pipeline_fingerprint()
    (copy / added).parent.mkdir(exist_ok=True)
    (copy / added).write_text('"""A stage."""\n', encoding="utf-8")
    assert copy / added in pipeline_files()
    assert pipeline_fingerprint() != before


def test_every_module_a_build_imports_is_hashed_or_cannot_change_the_index():
    imported = json.loads(run_python(
        "import json, sys, kbqa.build; print(json.dumps(sorted(m for m in sys.modules if m.startswith('kbqa.'))))"))
    hashed = {module_name(path) for path in pipeline_files()}
    assert "kbqa.data" in imported and "kbqa.build" in imported
    assert [m for m in imported if m not in hashed and m not in NOT_INDEX_CONTENT] == []
    assert sorted(set(NOT_INDEX_CONTENT) & hashed) == []


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
