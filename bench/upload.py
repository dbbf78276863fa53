"""From upload to answerable, and what logging adds to a question, through the real server.

    python bench/upload.py                 # a 20-page .docx (20,000 characters), 300 questions per log setting
    python bench/upload.py --chars 40000 --questions 500 --json

Upload: a server with an admin token over a copy of kb/ (the report's passages come from a
copy of the shared cache); the document is the first `--chars` characters of a real plan
(tests/data/corpora, 长宁区"十五五"规划) as Word writes it, and its passages are removed from
the copied cache first, so every one is embedded as a new upload's would be. Timed: the POST
until 202, until the rebuild job is done (the new index answers), until a question about the
document comes back citing it.

Logging: two servers over one engine, one logging to SQLite and one with KBQA_LOG_DB=off,
asked the same questions in turn by one client; the difference of their latencies is what
logging adds to an answer (the model's query cache is warmed first, so retrieval is the same).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

if __package__ in (None, ""):  # run as a script: make `bench`, `kbqa` and `tests` importable from the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kbqa.settings import ROOT, Settings  # noqa: E402

TOKEN = "bench-admin-token"
QUESTION = "长宁区区级一般公共预算收入年均增速是多少?"
QUESTIONS = ["杭州城市大脑整合了多少个部门的数据?", "智慧停车有哪些成效?", "报告建议地铁票价怎么调整?",
             "数字孪生城市有哪些应用?", "智慧政务怎样提升服务?", "12.3节讲了什么?", "智慧能源如何降低能耗?",
             "城市大脑的作用是什么?"]  # fmt: skip


def copy_cache(base: Path) -> Path:
    """A private copy of the shared passage cache (SQLite's backup: consistent while others write)."""
    source = ROOT / ".cache" / "kbqa" / "embeddings.sqlite"
    target = base / "cache" / "embeddings.sqlite"
    target.parent.mkdir(parents=True)
    if source.exists():
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
    return target


def forget(cache: Path, embedder, path: Path, settings: Settings) -> int:
    """Remove the passages of the document at `path` from the cache: the upload embeds them afresh."""
    from kbqa.build import sentence_units
    from kbqa.chunk import chunk_document
    from kbqa.embed import CachedEmbedder
    from kbqa.kb import Source, doc_id_for, read_source

    doc = read_source(Source(doc_id_for(path), path, ""), settings.max_document_bytes)
    chunks = chunk_document(doc, settings.chunk_size, settings.chunk_overlap)
    texts = [c.embedding_text() for c in chunks] + sentence_units(chunks)[0]
    cached = CachedEmbedder(embedder, cache)
    with cached._db:  # the cache's own key for each text
        cached._db.executemany("DELETE FROM vectors WHERE key = ?", [(cached._key(t),) for t in texts])
    cached.close()
    return len(texts)


def time_upload(url: str, name: str, data: bytes) -> dict:
    """Seconds from the POST to 202, to the job done, to an answer citing the document."""
    auth = {"X-Admin-Token": TOKEN}
    with httpx.Client(base_url=url, timeout=600) as client:
        start = time.perf_counter()
        job = client.post("/api/documents", files={"file": (name, data)}, headers=auth).json()["job"]
        accepted = time.perf_counter() - start
        steps: dict[str, float] = {}
        while job["state"] not in ("done", "failed"):
            time.sleep(0.05)
            job = next(j for j in client.get("/api/index/status", headers=auth).json()["jobs"] if j["id"] == job["id"])
            steps.setdefault(job["step"], round(time.perf_counter() - start, 2))
        done = time.perf_counter() - start
        answer = client.post("/api/ask", json={"question": QUESTION}).json()
        answered = time.perf_counter() - start
    cited = [p["doc"] for p in answer["passages"]]
    return {"accepted_s": round(accepted, 3), "indexed_s": round(done, 2), "answerable_s": round(answered, 2),
            "job": {k: job[k] for k in ("state", "documents", "chunks", "embedded", "reused", "error")},
            "steps_at_s": steps, "answer": answer["answer"][:80], "cites_upload": Path(name).stem in cited[:1]}


def time_logging(urls: dict[str, str], rounds: int) -> dict:
    """Per-question latency (ms) with the log on and off, asked in turn by one client each."""
    clients = {k: httpx.Client(base_url=u, timeout=60) for k, u in urls.items()}
    for client in clients.values():  # warm: query vectors cached, connections open
        for q in QUESTIONS:
            client.post("/api/ask", json={"question": q})
    took: dict[str, list[float]] = {k: [] for k in urls}
    for i in range(rounds):
        for key in (list(urls) if i % 2 else list(reversed(urls))):
            start = time.perf_counter()
            r = clients[key].post("/api/ask", json={"question": QUESTIONS[i % len(QUESTIONS)]})
            took[key].append((time.perf_counter() - start) * 1000)
            assert r.status_code == 200, r.text
    for client in clients.values():
        client.close()
    out = {k: {"mean_ms": round(statistics.fmean(v), 3), "p50_ms": round(statistics.median(v), 3)}
           for k, v in took.items()}  # fmt: skip
    paired = [a - b for a, b in zip(took["logged"], took["off"])]
    out["added_ms"] = {"mean": round(statistics.fmean(paired), 3), "median": round(statistics.median(paired), 3)}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chars", type=int, default=20_000, help="characters of the uploaded document")
    parser.add_argument("--questions", type=int, default=300, help="questions per log setting")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "tests"))
    from admin_docs import plan_docx
    from conftest import KB_DOC, LiveServer

    from kbqa.api.app import create_app
    from kbqa.embed import load_embedder
    from kbqa.engine import Engine

    base = Path(tempfile.mkdtemp(prefix="kbqa-bench-upload-"))
    try:
        (base / "kb").mkdir()
        shutil.copy(KB_DOC, base / "kb" / KB_DOC.name)
        cache = copy_cache(base)
        settings = Settings.from_env(env={}, kb_dir=base / "kb", index_dir=base / "index", cache_dir=cache.parent,
                                     data_dir=base / "data", admin_token=TOKEN, rate_limit=10**9)  # fmt: skip
        embedder = load_embedder(settings.embedder)
        engine = Engine(settings, embedder, say=lambda m: None)
        data, chars = plan_docx(args.chars)
        name = "长宁区十五五规划纲要.docx"
        (base / name).write_bytes(data)
        forgotten = forget(cache, embedder, base / name, settings)
        off = settings.replace(log_db="off")
        with LiveServer(create_app(engine, settings, with_ui=False)) as logged, \
                LiveServer(create_app(engine, off, with_ui=False)) as unlogged:  # fmt: skip
            upload = time_upload(logged.url, name, data)
            logging_cost = time_logging({"logged": logged.url, "off": unlogged.url}, args.questions)
        result = {"document": {"chars": chars, "bytes": len(data), "passages_to_embed": forgotten},
                  "upload": upload, "logging": logging_cost, "rounds": args.questions}  # fmt: skip
    finally:
        shutil.rmtree(base, ignore_errors=True)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        u, g = result["upload"], result["logging"]
        print(f"upload of {chars} characters ({len(data)} bytes, {forgotten} texts to embed): 202 after "
              f"{u['accepted_s']} s, indexed after {u['indexed_s']} s, answered citing it after {u['answerable_s']} s "
              f"(cited: {u['cites_upload']}; steps at {u['steps_at_s']})")
        print(f"logging, {args.questions} questions each: on {g['logged']}, off {g['off']}; added per question "
              f"{g['added_ms']['median']} ms median, {g['added_ms']['mean']} ms mean")
    return 0


if __name__ == "__main__":
    sys.exit(main())
