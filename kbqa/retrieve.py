"""Hybrid retrieval: dense (FAISS) and lexical (BM25) rankings fused by reciprocal rank."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock
from typing import Literal

import numpy as np

from kbqa.clean import normalize
from kbqa.data import Hit
from kbqa.embed import Embedder
from kbqa.index import Index
from kbqa.settings import Settings

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


def top_ids(scores: np.ndarray, k: int) -> list[int]:
    """Ids of the k highest positive scores, best first."""
    k = min(k, len(scores))
    if k <= 0:
        return []
    part = np.argpartition(-scores, k - 1)[:k]
    part = part[scores[part] > 0]
    return part[np.argsort(-scores[part], kind="stable")].tolist()


class Retriever:
    def __init__(self, index: Index, embedder: Embedder, settings: Settings) -> None:
        self.index, self.embedder, self.settings = index, embedder, settings
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

    def search(self, question: str, k: int | None = None, mode: Mode = "hybrid") -> list[Hit]:
        """The k best chunks for a question, best first."""
        return self.retrieve(question, k, mode).hits

    def retrieve(self, question: str, k: int | None = None, mode: Mode = "hybrid") -> Retrieval:
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
            scores, ids = self.index.dense.search(qvec[None, :], n)
            dense_ids = [int(i) for i in ids[0] if i >= 0]
            dense_top = float(scores[0][0]) if dense_ids else 0.0
        lexical_ids: list[int] = []
        coverage = 1.0
        if mode != "dense":
            tokens = set(self.index.tokenizer(text))
            lexical_ids = top_ids(self.index.lexical.scores(list(tokens)), n)
            # A question in another language (English) shares only numbers with the text:
            # its lexical ranking counts as much as its words are known.
            coverage = sum(t in self.index.lexical.vocab for t in tokens) / len(tokens) if tokens else 0.0
        sentence_sim: dict[int, float] = {}
        if qvec is not None:
            # Re-rank every candidate by its best sentence: the dense ranking fused below.
            sentence_sim = self.best_sentence(qvec, list(dict.fromkeys(dense_ids + lexical_ids)))
            dense_ids = sorted(sentence_sim, key=lambda i: (-sentence_sim[i], i))[:n]
        rankings = {"dense": [dense_ids], "bm25": [lexical_ids], "hybrid": [dense_ids, lexical_ids]}[mode]
        weights = {
            "dense": [1.0],
            "bm25": [1.0],
            "hybrid": [self.settings.dense_weight, self.settings.lexical_weight * coverage],
        }
        fused = rrf(rankings, self.settings.rrf_k, weights[mode])
        # Ties are common when two rankings swap two items: the whole chunk's similarity,
        # a signal neither ranking used, breaks them.
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
