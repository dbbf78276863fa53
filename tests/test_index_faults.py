"""Faults on disk: a damaged index, an unusable kb/, builds killed at any step, kb/ changing under the index.

The index is built from a private copy of kb/ with a private copy of the embedding cache, so
every count of embedded passages is exact; builds and servers run as real subprocesses.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from conftest import KB_DOC, free_port

from kbqa.build import _build, build, ensure_index
from kbqa.engine import Engine
from kbqa.settings import ROOT, Settings
from kbqa.store import Index, IndexDamaged
from kbqa.swap import build_lock, recover

REPORT_DOCS = 1
# A small Markdown document of our own, so its passages are in no shared cache.
EXTRA = """# 城市更新补充说明

## 1 智慧路灯改造
河湾区在滨江大道更换智慧路灯一千二百盏,灯杆集成环境监测与应急呼叫功能。改造后夜间照明能耗下降四成。

## 2 社区微更新
河湾区选取十二个老旧小区开展微更新,居民通过线上议事厅投票决定加装电梯的顺序。
"""
# Long enough to need several batches of the model, so a build can be killed between two of them.
GROWTH = "# 河湾区年度进展\n\n" + "\n".join(
    f"## {n} 第{n}项工程\n"
    + "".join(f"河湾区第{n}项工程第{k}期投资{n * 37 + k}万元,惠及{n * 113 + k}户,合格率{90 + k}%。" for k in range(4))
    + "\n"
    for n in range(1, 6)
)
PROGRESS = re.compile(r"(\d+)/(\d+) \[")
# Six sections of five sentences: passages no cache holds, in three batches of the model.
BRIEF = "# 河湾区季度简报\n\n" + "\n".join(
    f"## {n} 第{n}季度\n"
    + "".join(f"河湾区第{n}季度第{k}项指标办结{n * 41 + k}件,同比增长{n + k}%。" for k in range(5))
    + "\n"
    for n in range(1, 7)
)


def copy_cache(source: Path, target: Path) -> None:
    """A consistent copy of an SQLite cache that another process may be writing."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


@pytest.fixture(scope="module")
def base(engine, settings, embedder, tmp_path_factory) -> Settings:
    """A good index of the report, and a private cache that already holds EXTRA's passages."""
    root = tmp_path_factory.mktemp("faults")
    kb = root / "kb"
    kb.mkdir()
    shutil.copy(KB_DOC, kb / KB_DOC.name)
    copy_cache(settings.cache_dir / "embeddings.sqlite", root / "cache" / "embeddings.sqlite")
    own = settings.replace(kb_dir=kb, index_dir=root / "index", cache_dir=root / "cache")
    build(own, embedder)
    warm = own.replace(kb_dir=root / "kb-extra", index_dir=root / "index-extra")
    shutil.copytree(kb, warm.kb_dir)
    (warm.kb_dir / "extra.md").write_text(EXTRA, encoding="utf-8")
    build(warm, embedder)
    return own


@pytest.fixture()
def own(base, tmp_path) -> Settings:
    """This test's own copy of kb/, index/ and the cache."""
    shutil.copytree(base.kb_dir, tmp_path / "kb")
    shutil.copytree(base.index_dir, tmp_path / "index")
    copy_cache(base.cache_dir / "embeddings.sqlite", tmp_path / "cache" / "embeddings.sqlite")
    return base.replace(kb_dir=tmp_path / "kb", index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")


def env_for(own: Settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KBQA_")}
    return env | {"KBQA_KB_DIR": str(own.kb_dir), "KBQA_INDEX_DIR": str(own.index_dir),
                  "KBQA_CACHE_DIR": str(own.cache_dir), "PYTHONUNBUFFERED": "1"} | extra


class Child:
    """A kbqa subprocess whose output is collected as it is written."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self._out, self._err = bytearray(), bytearray()
        self._pumps = [threading.Thread(target=self._pump, args=pair, daemon=True)
                       for pair in ((self.proc.stdout, self._out), (self.proc.stderr, self._err))]
        for t in self._pumps:
            t.start()

    @staticmethod
    def _pump(pipe, buffer: bytearray) -> None:
        for block in iter(lambda: pipe.read1(65536), b""):
            buffer.extend(block)

    @property
    def stdout(self) -> str:
        return self._out.decode("utf-8", "replace")

    @property
    def stderr(self) -> str:
        return self._err.decode("utf-8", "replace")

    def wait_for(self, ready, what: str, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while not ready(self.stderr):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                pytest.fail(f"never saw {what}; exit {self.proc.returncode}; stderr:\n{self.stderr[-3000:]}")
            time.sleep(0.01)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.finish()

    def finish(self, timeout: float = 300) -> int:
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(30)
        for t in self._pumps:
            t.join(10)
        return self.proc.returncode


def kbqa_build(own: Settings, pause_at: str | None = None) -> Child:
    """`kbqa build`, or (with `pause_at`) the same build held at that stage by tests/pause_build.py."""
    if pause_at:
        return Child(["tests/pause_build.py", pause_at], env_for(own))
    return Child(["-m", "kbqa.cli", "build"], env_for(own))


def built_line(stdout: str, own: Settings) -> tuple[int, int, int, int]:
    """(documents, chunks, embedded, reused) from `kbqa build`'s summary line."""
    m = re.search(rf"^built {re.escape(str(own.index_dir))}: (\d+) document\(s\), (\d+) chunks "
                  r"\((\d+) embedded, (\d+) from cache\)", stdout, re.M)
    assert m, stdout
    return tuple(int(g) for g in m.groups())


def leftovers(own: Settings) -> list[str]:
    """What builds left beside index/, apart from the lock file that stays for the next build."""
    lock = f".{own.index_dir.name}.lock"
    return sorted(p.name for p in own.index_dir.parent.glob(f".{own.index_dir.name}.*") if p.name != lock)


# ---------------------------------------------------------------- a damaged index


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _set_manifest(**fields):
    def damage(path: Path) -> None:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        path.write_text(json.dumps(manifest | fields), encoding="utf-8")

    return damage


DAMAGE = {
    "truncated vectors": ("vectors.npy", _truncate, "{path} does not match its checksum (truncated or altered)"),
    "altered chunk text": ("chunks.jsonl", _flip_byte, "{path} does not match its checksum (truncated or altered)"),
    "altered postings": ("lexical.npz", _flip_byte, "{path} does not match its checksum (truncated or altered)"),
    "emptied FAISS index": ("dense.faiss", lambda p: p.write_bytes(b""),
                            "{path} does not match its checksum (truncated or altered)"),
    "deleted FAISS index": ("dense.faiss", Path.unlink, "{path} is missing"),
    "garbage manifest": ("manifest.json", lambda p: p.write_bytes(bytes(range(256)) * 4),
                         "{path} is not a valid manifest: 'utf-8' codec can't decode byte 0x80 in position 128: "
                         "invalid start byte"),
    "empty manifest": ("manifest.json", lambda p: p.write_bytes(b""),
                       "{path} is not a valid manifest: Expecting value: line 1 column 1 (char 0)"),
    "manifest that is a list": ("manifest.json", lambda p: p.write_text("[1, 2]"),
                                "{path} is not a valid manifest: list indices must be integers or slices, not str"),
    "manifest with checksums of the wrong type": ("manifest.json", _set_manifest(files=[]),
                                                  "{path} is not a valid manifest: a field has the wrong type"),
    "manifest without its embedder": ("manifest.json", _set_manifest(embedder={}),
                                      "{path} is not a valid manifest: it has no 'name' field"),
    "manifest without checksums": ("manifest.json", _set_manifest(files={}),
                                   "{folder} holds files its manifest does not list: chunks.jsonl, dense.faiss, "
                                   "documents.json, lexical.npz, sentence_offsets.npy, sentence_vectors.npy, "
                                   "terms.txt, vectors.npy, vocab.json"),
}


@pytest.mark.parametrize("fault", list(DAMAGE))
def test_damaged_index_is_detected_named_in_one_line_and_rebuilt(own, embedder, fault):
    name, damage, reason = DAMAGE[fault]
    good = Index.load(own.index_dir)
    path = own.index_dir / name
    damage(path)
    expected = reason.format(path=path, folder=own.index_dir)
    with pytest.raises(IndexDamaged) as caught:
        Index.load(own.index_dir)
    assert str(caught.value) == expected

    said: list[str] = []
    index = ensure_index(own, embedder, say=said.append)
    assert said == [f"building the index: {expected}"]
    assert [c.text for c in index.chunks] == [c.text for c in good.chunks]
    assert (index.vectors == good.vectors).all()
    assert Index.load(own.index_dir).manifest["files"] == good.manifest["files"]  # every part verified again
    assert leftovers(own) == []


def test_a_stray_file_in_the_index_folder_is_not_trusted(own, embedder):
    (own.index_dir / "vectors.npy.orig").write_bytes(b"left by hand")
    with pytest.raises(IndexDamaged, match=r"holds files its manifest does not list: vectors.npy.orig$"):
        Index.load(own.index_dir)
    said: list[str] = []
    ensure_index(own, embedder, say=said.append)
    assert len(said) == 1 and not (own.index_dir / "vectors.npy.orig").exists()


def test_the_server_rebuilds_a_damaged_index_before_it_listens(own):
    """`python app.py` with a truncated vectors file: one clear line, a rebuild, then correct answers."""
    vectors = own.index_dir / "vectors.npy"
    _truncate(vectors)
    port = free_port()
    child = Child(["app.py", "--port", str(port)], env_for(own))
    try:
        child.wait_for(lambda err: "serving on" in err, "the server start")
        r = httpx.post(f"http://127.0.0.1:{port}/api/ask", json={"question": "杭州城市大脑整合了多少个部门的数据?"},
                       timeout=60)
        assert r.status_code == 200 and not r.json()["refused"] and "[1]" in r.json()["answer"]
    finally:
        child.proc.send_signal(signal.SIGINT)
        child.finish(60)
    rebuilds = [line for line in child.stderr.splitlines() if "building the index" in line]
    assert rebuilds == [f"kbqa: building the index: {vectors} does not match its checksum (truncated or altered)"]
    assert Index.load(own.index_dir).manifest["documents"][0]["file"] == KB_DOC.name


def test_a_first_start_logs_each_stage_and_the_embedding_progress(own, tmp_path):
    """No index, no cached passage, stderr a pipe: a line per stage and per tenth of the passages."""
    _empty(own)
    (own.kb_dir / "brief.md").write_text(BRIEF, encoding="utf-8")
    shutil.rmtree(own.index_dir)
    first = own.replace(cache_dir=tmp_path / "empty-cache")
    child = Child(["app.py", "--port", str(free_port())], env_for(first))
    try:
        child.wait_for(lambda err: "serving on" in err, "the server start")
    finally:
        child.proc.send_signal(signal.SIGINT)
        child.finish(60)
    index = Index.load(first.index_dir)
    total = len(index.chunks) + len(index.sentence_vectors)
    assert (len(index.chunks), total) == (6, 36)
    lines = [line for line in child.stderr.splitlines() if line.startswith("kbqa: ")]
    begin = lines.index(f"kbqa: building the index: no index at {first.index_dir} (manifest.json missing)")
    assert lines[begin + 1 : begin + 9] == [
        "kbqa: reading 1 document",
        "kbqa: chunking",
        "kbqa: embedding 36 new passages (0 from cache)",
        "kbqa: embedding passages 16/36 (44 %)",  # one line per batch here: each crosses a tenth
        "kbqa: embedding passages 32/36 (89 %)",
        "kbqa: embedding passages 36/36 (100 %)",
        "kbqa: indexing",
        "kbqa: writing",
    ]
    assert lines[begin + 9].startswith("kbqa: serving on ")
    assert "\r" not in child.stderr  # no bar drawn into a log


# ---------------------------------------------------------------- a damaged embedding cache


@pytest.fixture()
def small(own) -> Settings:
    """`own` with only EXTRA in kb/, whose passages the cache holds, and a reference index of it."""
    _empty(own)
    (own.kb_dir / "extra.md").write_text(EXTRA, encoding="utf-8")
    return own


def test_a_truncated_embedding_cache_is_set_aside_and_refilled(small, embedder, caplog):
    reference = build(small, embedder)
    assert reference.embedded == 0
    good = Index.load(small.index_dir)
    cache = small.cache_dir / "embeddings.sqlite"
    cache.write_bytes(cache.read_bytes()[:5000])
    with caplog.at_level("WARNING", logger="kbqa.build"):
        report = build(small, embedder)
    assert caplog.messages == [
        f"the embedding cache {cache} is damaged (database disk image is malformed); "
        "set aside as embeddings.sqlite.damaged, embedding afresh"
    ]
    assert (report.embedded, report.reused) == (reference.reused, 0)
    assert (small.cache_dir / "embeddings.sqlite.damaged").stat().st_size == 5000
    assert (Index.load(small.index_dir).vectors == good.vectors).all()
    assert build(small, embedder).embedded == 0  # the new cache is whole


def test_altered_cached_vectors_are_not_trusted(small, embedder):
    reference = build(small, embedder)
    good = Index.load(small.index_dir)
    with sqlite3.connect(small.cache_dir / "embeddings.sqlite") as db:
        db.execute("UPDATE vectors SET vec = ?", (bytes(4 * embedder.dim),))  # right length, all zeros
    report = build(small, embedder)
    assert (report.embedded, report.reused) == (reference.reused, 0)
    assert abs(Index.load(small.index_dir).vectors - good.vectors).max() < 1e-5


# ---------------------------------------------------------------- kb/ unusable: exit with one line


def _empty(own: Settings) -> None:
    for path in own.kb_dir.iterdir():
        path.unlink()


def _only_unreadable(own: Settings) -> None:
    _empty(own)
    (own.kb_dir / "bad.txt").write_bytes(b"\xef\xbb\xbf\xff\xfe not UTF-8")
    (own.kb_dir / "notes.md").mkdir()


UNUSABLE = {
    "empty kb/": (
        _empty, "no usable document in {kb}: it is empty. Put readable documents (.docx .htm .html .markdown .md .pdf .txt) in {kb} and retry."
    ),
    "only unreadable documents": (
        _only_unreadable,
        "no usable document in {kb}: notes.md: not a regular file (a folder, a broken link or a device); "
        "bad.txt: not UTF-8 or GB18030 text (byte 3). Put readable documents (.docx .htm .html .markdown .md .pdf .txt) in {kb} and retry.",
    ),
    "no kb/ at all": (
        lambda own: shutil.rmtree(own.kb_dir),
        "knowledge-base folder {kb} does not exist; put documents there (.docx .htm .html .markdown .md .pdf .txt). "
        "Put readable documents (.docx .htm .html .markdown .md .pdf .txt) in {kb} and retry.",
    ),
}


@pytest.mark.parametrize("index_state", ["damaged", "good"])
@pytest.mark.parametrize("fault", list(UNUSABLE))
def test_unusable_kb_makes_the_server_exit_with_one_line_and_keeps_the_index(own, fault, index_state):
    make, message = UNUSABLE[fault]
    make(own)
    if index_state == "damaged":
        _flip_byte(own.index_dir / "chunks.jsonl")
    before = {p.name: p.read_bytes() for p in own.index_dir.iterdir()}
    child = Child(["app.py", "--port", str(free_port())], env_for(own))
    assert child.finish(180) == 1
    assert child.stderr.splitlines()[-1] == "kbqa: cannot start: " + message.format(kb=own.kb_dir)
    assert "Traceback" not in child.stderr
    assert {p.name: p.read_bytes() for p in own.index_dir.iterdir()} == before  # nothing lost, nothing served


def test_an_index_folder_that_cannot_be_written_makes_the_server_exit_with_one_line(own, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    own = own.replace(index_dir=blocker / "index")
    child = Child(["app.py", "--port", str(free_port())], env_for(own))
    assert child.finish(180) == 1
    last = child.stderr.splitlines()[-1]
    assert last.startswith("kbqa: cannot start: [Errno 20] Not a directory: ")
    assert last.endswith(f"Make {blocker} and {own.cache_dir} writable folders and retry.")
    assert "Traceback" not in child.stderr


# ---------------------------------------------------------------- builds at the same time


def test_a_build_waits_for_the_build_in_progress_then_runs(own):
    before = json.loads((own.index_dir / "manifest.json").read_text(encoding="utf-8"))
    (own.kb_dir / "extra.md").write_text(EXTRA, encoding="utf-8")
    with build_lock(own.index_dir):  # this test process is "the build in progress"
        child = kbqa_build(own)
        child.wait_for(lambda err: "kbqa: waiting for another process to finish building" in err, "the wait")
        time.sleep(0.5)
        assert child.proc.poll() is None
        assert json.loads((own.index_dir / "manifest.json").read_text(encoding="utf-8")) == before
    assert child.finish() == 0, child.stderr
    assert built_line(child.stdout, own)[0] == REPORT_DOCS + 1
    assert leftovers(own) == []


def test_a_start_that_waited_for_another_build_loads_it_without_building_again(own, embedder):
    (own.kb_dir / "extra.md").write_text(EXTRA, encoding="utf-8")
    said: list[str] = []
    loaded: list[Index] = []
    with build_lock(own.index_dir):
        starting = threading.Thread(target=lambda: loaded.append(ensure_index(own, embedder, say=said.append)))
        starting.start()
        deadline = time.monotonic() + 60
        while not said and time.monotonic() < deadline:
            time.sleep(0.01)
        _build(own, embedder, None)  # "the other process" finishes its build while the start waits
    starting.join(60)
    assert said == [f"waiting for another process to finish building {own.index_dir}"]
    assert len(loaded[0].manifest["documents"]) == REPORT_DOCS + 1


# ---------------------------------------------------------------- builds killed at any moment


PAUSES = ["write", "swap", "swapping", "swapped"]


@pytest.mark.parametrize("stage", ["first output", "embedded", *PAUSES])
def test_killed_build_leaves_a_loadable_index_and_the_next_build_completes(own, embedder, stage):
    before = json.loads((own.index_dir / "manifest.json").read_text(encoding="utf-8"))
    (own.kb_dir / "extra.md").write_text(EXTRA, encoding="utf-8")
    if stage == "first output":
        child = kbqa_build(own)
        child.wait_for(bool, "any output")
    elif stage == "embedded":  # the progress bar is full: the build is making the postings
        child = kbqa_build(own)
        child.wait_for(lambda err: any(a == b for a, b in PROGRESS.findall(err)), "all passages embedded")
    else:
        child = kbqa_build(own, pause_at=stage)
        child.wait_for(lambda err: f"kbqa: build paused at {stage}" in err, f"the pause at {stage}")
    if stage == "swapping":
        assert not own.index_dir.exists()  # the worst moment: index/ renamed away, the new one not yet in
    if stage in PAUSES:  # another kbqa process starting now must leave a live build's folders alone
        live = leftovers(own)
        recover(own.index_dir)
        assert leftovers(own) == live and own.index_dir.exists() == (stage != "swapping")
    child.kill()
    assert child.proc.returncode == -signal.SIGKILL

    recover(own.index_dir)
    assert leftovers(own) == []
    loaded = Index.load(own.index_dir)
    committed = stage == "swapped"  # the new index was in place before the kill
    assert len(loaded.manifest["documents"]) == (REPORT_DOCS + 1 if committed else REPORT_DOCS)
    if not committed:
        assert loaded.manifest == before

    child = kbqa_build(own)
    assert child.finish() == 0, child.stderr
    documents, chunks, embedded, reused = built_line(child.stdout, own)
    index = Index.load(own.index_dir)
    assert (documents, chunks) == (REPORT_DOCS + 1, len(index.chunks))
    assert (embedded, reused) == (0, len(index.chunks) + len(index.sentence_vectors))  # the cache is warm
    assert leftovers(own) == []


def test_build_killed_while_embedding_keeps_what_it_embedded(own, embedder):
    old = Index.load(own.index_dir)
    cached_before = len(old.chunks) + len(old.sentence_vectors)
    (own.kb_dir / "growth.md").write_text(GROWTH, encoding="utf-8")

    def progress(err: str) -> tuple[int, int]:
        seen = PROGRESS.findall(err)
        return (int(seen[-1][0]), int(seen[-1][1])) if seen else (0, 0)

    child = kbqa_build(own)
    child.wait_for(lambda err: progress(err)[0] >= cached_before + 16, "a batch of new passages embedded")
    done, total = progress(child.stderr)
    child.kill()
    assert cached_before + 16 <= done < total  # killed between two batches of the model

    recover(own.index_dir)
    assert Index.load(own.index_dir).manifest == old.manifest
    report = build(own, embedder)
    assert (report.embedded, report.reused) == (total - done, done)
    assert report.documents == REPORT_DOCS + 1


def test_a_server_answers_through_a_build_killed_mid_swap_and_a_restart_serves_the_last_good_index(own, embedder):
    from conftest import LiveServer

    from kbqa.api.app import create_app

    question = {"question": "杭州城市大脑整合了多少个部门的数据?"}
    engine = Engine(own, embedder)
    with LiveServer(create_app(engine, own, with_ui=False)) as live:
        first = httpx.post(f"{live.url}/api/ask", json=question, timeout=60).json()
        (own.kb_dir / "extra.md").write_text(EXTRA, encoding="utf-8")
        child = kbqa_build(own, pause_at="swapping")
        child.wait_for(lambda err: "kbqa: build paused at swapping" in err, "the pause mid-swap")
        during = httpx.post(f"{live.url}/api/ask", json=question, timeout=60)
        child.kill()
        after = httpx.post(f"{live.url}/api/ask", json=question, timeout=60)
    assert during.status_code == after.status_code == 200
    assert during.json()["answer"] == after.json()["answer"] == first["answer"]

    (own.kb_dir / "extra.md").unlink()  # kb/ as the last good index knew it
    said: list[str] = []
    restarted = Engine(own, embedder, say=said.append)
    assert said == []  # loaded as it was, not rebuilt
    assert restarted.index.manifest == engine.index.manifest
    assert restarted.answer(question["question"]).text == first["answer"]


# ---------------------------------------------------------------- kb/ changes


def test_added_and_removed_documents_are_reflected_and_only_new_passages_embedded(own):
    total_before = len(Index.load(own.index_dir).chunks)
    (own.kb_dir / "growth.md").write_text(GROWTH, encoding="utf-8")
    child = kbqa_build(own)
    assert child.finish() == 0, child.stderr
    index = Index.load(own.index_dir)
    mine = [i for i, c in enumerate(index.chunks) if c.doc_id == "growth"]
    new_passages = len(mine) + sum(int(index.sentence_offsets[i + 1] - index.sentence_offsets[i]) for i in mine)
    documents, chunks, embedded, reused = built_line(child.stdout, own)
    assert (documents, chunks) == (REPORT_DOCS + 1, total_before + len(mine))
    assert embedded == new_passages
    assert reused == len(index.chunks) + len(index.sentence_vectors) - new_passages
    assert any("河湾区第3项工程" in c.text for c in index.chunks)

    (own.kb_dir / "growth.md").unlink()
    child = kbqa_build(own)
    assert child.finish() == 0, child.stderr
    index = Index.load(own.index_dir)
    passages = len(index.chunks) + len(index.sentence_vectors)
    assert built_line(child.stdout, own) == (REPORT_DOCS, total_before, 0, passages)
    assert not any(c.doc_id == "growth" for c in index.chunks)


def test_a_document_added_while_stopped_is_indexed_at_start_up(own, embedder):
    (own.kb_dir / "extra.md").write_text(EXTRA, encoding="utf-8")
    said: list[str] = []
    index = ensure_index(own, embedder, say=said.append)
    assert said == ["building the index: kb/ changed: extra.md"]
    assert [d["file"] for d in index.manifest["documents"]] == ["extra.md", KB_DOC.name]
    (own.kb_dir / "extra.md").unlink()
    said.clear()
    index = ensure_index(own, embedder, say=said.append)
    assert said == ["building the index: kb/ changed: extra.md"]
    assert [d["file"] for d in index.manifest["documents"]] == [KB_DOC.name]


def test_unreadable_documents_are_reported_by_name_and_the_others_index(own, embedder):
    (own.kb_dir / "extra.md").write_text(EXTRA, encoding="utf-8")
    (own.kb_dir / "bad.txt").write_bytes("前言\n".encode() + b"\xff\xfe\xfd")
    (own.kb_dir / "binary.txt").write_bytes(b"PK\x03\x04\x00\x00")
    (own.kb_dir / "draft.md").mkdir()
    (own.kb_dir / "link.txt").symlink_to(own.kb_dir / "gone.txt")
    with open(own.kb_dir / "huge.txt", "wb") as fh:
        fh.truncate(51 * 2**20)  # sparse: over the limit without writing it
    child = kbqa_build(own)
    assert child.finish() == 0, child.stderr
    skipped = [line for line in child.stderr.splitlines() if line.startswith("kbqa: skipped ")]
    assert skipped == [
        "kbqa: skipped draft.md: not a regular file (a folder, a broken link or a device)",
        "kbqa: skipped huge.txt: larger than 50 MiB",
        "kbqa: skipped link.txt: not a regular file (a folder, a broken link or a device)",
        "kbqa: skipped bad.txt: not UTF-8 or GB18030 text (byte 7)",
        "kbqa: skipped binary.txt: binary data, not text",
    ]
    documents, *_ = built_line(child.stdout, own)
    index = Index.load(own.index_dir)
    assert documents == REPORT_DOCS + 1
    assert sorted(d["file"] for d in index.manifest["documents"]) == ["extra.md", KB_DOC.name]
    assert sorted(s["file"] for s in index.manifest["skipped"]) == ["bad.txt", "binary.txt"]

    said: list[str] = []
    ensure_index(own, embedder, say=said.append)
    assert said == []  # the skipped files are remembered: no rebuild at every start
