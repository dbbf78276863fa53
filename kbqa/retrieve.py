"""Hybrid retrieval: dense (FAISS) and lexical (BM25) rankings fused by reciprocal rank."""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock
from typing import Literal

import numpy as np

from kbqa.data import Hit
from kbqa.embed import Embedder
from kbqa.errors import QuestionError
from kbqa.settings import Settings
from kbqa.store import Index
from kbqa.text import normalize

Mode = Literal["hybrid", "dense", "bm25"]
MODES = ("hybrid", "dense", "bm25")


@dataclass(frozen=True)
class Retrieval:
    """Ranked hits, and the best dense similarity over the whole index (for refusal)."""

    hits: list[Hit]
    dense_top: float


def rrf(rankings: list[list[int]], k: int, weights: list[float] | None = None) -> dict[int, float]:
    """Reciprocal-rank fusion: each ranking adds weight / (k + rank) to its items (rank from 1)."""
    weights = weights or [1.0] * len(rankings)
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused


def convex(dense: dict[int, float], lexical: dict[int, float], dense_weight: float, lexical_weight: float
           ) -> dict[int, float]:
    """Convex combination of min-max scaled dense similarities and max-scaled BM25 scores."""
    fused: dict[int, float] = {}
    if dense:
        low, high = min(dense.values()), max(dense.values())
        for i, v in dense.items():
            fused[i] = dense_weight * (v - low) / (high - low or 1.0)
    if lexical:
        top = max(lexical.values()) or 1.0
        for i, v in lexical.items():
            fused[i] = fused.get(i, 0.0) + lexical_weight * v / top
    return fused


def top_ids(scores: np.ndarray, k: int) -> list[int]:
    """Ids of the k highest positive scores, best first."""
    k = min(k, len(scores))
    if k <= 0:
        return []
    part = np.argpartition(-scores, k - 1)[:k]
    part = part[scores[part] > 0]
    return part[np.argsort(-scores[part], kind="stable")].tolist()


# A question that asks what to do about a problem ...
SEEKS_REMEDY = re.compile(
    r"怎么办|咋办|咋整|怎么解决|如何解决|怎样解决|怎么防范|如何防范|怎么应对|如何应对|怎么破解|如何破解|对策|办法|"
    r"措施|建议|出路|怎么保证|如何保证|如何避免|怎么避免|怎么改进|如何改进|"
    r"\bhow (?:to|can|should|do|could)\b|\bwhat (?:should|can) be done\b|\bsolutions?\b|\bremed",
    re.IGNORECASE,
)
# ... and a passage that answers the one before it: policy reports state a problem, then
# "对此,需……" / "为破解这一难题,……".
RESPONDS = re.compile(r"^(对此|为此|针对(这|此|上述)|为(解决|破解|应对)|破解这一)")


class Retriever:
    def __init__(self, index: Index, embedder: Embedder, settings: Settings) -> None:
        self.index, self.embedder, self.settings = index, embedder, settings
        chunks = index.chunks
        self._remedy_of = {
            c.id - 1: c.id
            for c in chunks[1:]
            if RESPONDS.match(c.text) and (chunks[c.id - 1].doc_id, chunks[c.id - 1].section) == (c.doc_id, c.section)
        }
        self._query_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = Lock()

    def query_vector(self, text: str) -> np.ndarray:
        """The query's vector; recent ones are remembered (follow-ups and retries repeat)."""
        with self._lock:
            if text in self._query_cache:
                self._query_cache.move_to_end(text)
                return self._query_cache[text]
        vec = self.embedder.embed_queries([text])[0]
        with self._lock:
            self._query_cache[text] = vec
            if len(self._query_cache) > 1024:
                self._query_cache.popitem(last=False)
        return vec

    def search(self, question: str, k: int | None = None, mode: Mode = "hybrid", doc: str | None = None) -> list[Hit]:
        """The k best chunks for a question, best first (of one document, if `doc` is given)."""
        return self.retrieve(question, k, mode, doc).hits

    def retrieve(self, question: str, k: int | None = None, mode: Mode = "hybrid", doc: str | None = None
                 ) -> Retrieval:
        """The k best chunks and the signals behind them."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        k = k or self.settings.top_k
        text = normalize(question).strip()
        if not text:
            return Retrieval([], 0.0)
        n = max(self.settings.candidates, k)
        qvec = self.query_vector(text) if mode != "bm25" else None
        dense_ids: list[int] = []
        dense_top = 0.0
        if qvec is not None:
            if doc is None:
                scores, ids = self.index.dense.search(qvec[None, :], n)
                dense_ids = [int(i) for i in ids[0] if i >= 0]
                dense_top = float(scores[0][0]) if dense_ids else 0.0
            else:  # one document: its chunks are a contiguous run of the index
                rows = self._rows(doc)
                sims = self.index.vectors[rows] @ qvec
                order = np.argsort(-sims, kind="stable")[:n]
                dense_ids = [int(rows.start + i) for i in order]
                dense_top = float(sims[order[0]]) if len(order) else 0.0
        lexical_ids: list[int] = []
        lexical_scores: dict[int, float] = {}
        coverage = 1.0
        if mode != "dense":
            tokens = set(self.index.tokenizer(text))
            scores = self.index.lexical.scores(list(tokens))
            if doc is not None:
                mask = np.zeros_like(scores)
                mask[self._rows(doc)] = 1
                scores = scores * mask
            lexical_ids = top_ids(scores, n)
            lexical_scores = {i: float(scores[i]) for i in lexical_ids}
            # A question in another language (English) shares only numbers with the text:
            # its lexical ranking counts as much as its words are known.
            coverage = sum(t in self.index.lexical.vocab for t in tokens) / len(tokens) if tokens else 0.0
        sentence_sim: dict[int, float] = {}
        if qvec is not None:
            # Every candidate's best sentence: the dense signal fused below.
            sentence_sim = self.best_sentence(qvec, list(dict.fromkeys(dense_ids + lexical_ids)))
            dense_ids = sorted(sentence_sim, key=lambda i: (-sentence_sim[i], i))[:n]
        if mode == "dense":
            fused = {i: sentence_sim[i] for i in dense_ids}
        elif mode == "bm25":
            fused = lexical_scores
        elif self.settings.fusion == "convex":
            fused = convex(sentence_sim, lexical_scores, self.settings.dense_weight,
                           self.settings.lexical_weight * coverage)
        else:
            fused = rrf([dense_ids, lexical_ids], self.settings.rrf_k,
                        [self.settings.dense_weight, self.settings.lexical_weight * coverage])
        if SEEKS_REMEDY.search(text):
            fused = self._remedies_first(fused)
        # Ties (two rankings swapping two items) are broken by the whole chunk's similarity,
        # a signal neither ranking used.
        chunk_sim = self.index.vectors[list(fused)] @ qvec if qvec is not None and fused else np.zeros(len(fused))
        tie = dict(zip(fused, chunk_sim.tolist()))
        ranked = sorted(fused, key=lambda i: (-fused[i], -tie[i], i))[:k]
        dense_rank = {i: r for r, i in enumerate(dense_ids, 1)}
        lexical_rank = {i: r for r, i in enumerate(lexical_ids, 1)}
        hits = [
            Hit(
                chunk=self.index.chunks[i],
                score=float(fused[i]),
                dense_rank=dense_rank.get(i),
                lexical_rank=lexical_rank.get(i),
                dense_score=sentence_sim.get(i, 0.0),
            )
            for i in ranked
        ]
        return Retrieval(hits, dense_top)

    def _rows(self, doc: str) -> slice:
        ids = [c.id for c in self.index.chunks if c.doc_id == doc]
        if not ids:
            raise QuestionError("unknown_document", f"no document {doc!r} in the knowledge base; "
                                f"documents: {', '.join(self.index.documents)}")
        return slice(ids[0], ids[-1] + 1)

    def _remedies_first(self, fused: dict[int, float]) -> dict[int, float]:
        """Put the passage that answers a retrieved problem just above it."""
        out = dict(fused)
        for problem, score in fused.items():
            remedy = self._remedy_of.get(problem)
            if remedy is not None and out.get(remedy, float("-inf")) <= score:
                out[remedy] = score + 1e-6
        return out

    def best_sentence(self, qvec: np.ndarray, ids: list[int]) -> dict[int, float]:
        """Each chunk's highest similarity over its sentences."""
        if not ids:
            return {}
        offsets = self.index.sentence_offsets
        idx = np.asarray(ids)
        starts, ends = offsets[idx], offsets[idx + 1]
        rows = np.concatenate([np.arange(s, e) for s, e in zip(starts, ends)])
        sims = self.index.sentence_vectors[rows] @ qvec
        best = np.maximum.reduceat(sims, np.concatenate([[0], np.cumsum(ends - starts)[:-1]]))
        return {i: float(v) for i, v in zip(ids, best)}
