"""Hybrid retrieval: candidates from FAISS and BM25, each ranked by its best sentence, fused.

Dense: a chunk's similarity is its best sentence's (a question usually matches one
sentence). Lexical: BM25 over jieba tokens; an English question's words count through their
Chinese translations (`kbqa.english`), as much as they could be translated. Fusion is convex
(`kbqa.fusion`), or reciprocal-rank with `KBQA_FUSION=rrf`; a passage that keeps the question's
neighbouring words together gains by `kbqa.proximity`.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock
from typing import Literal

import numpy as np

from kbqa import english
from kbqa.data import Hit
from kbqa.embed import Embedder
from kbqa.errors import QuestionError
from kbqa.fusion import convex, rrf, top_ids
from kbqa.proximity import Proximity
from kbqa.sections import DocumentNames
from kbqa.settings import Settings
from kbqa.store import Index
from kbqa.text import normalize

Mode = Literal["hybrid", "dense", "bm25"]
MODES = ("hybrid", "dense", "bm25")
QUERY_CACHE = 1024

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


@dataclass(frozen=True)
class Retrieval:
    """Ranked hits, and the best dense similarity over the index (or the document searched)."""

    hits: list[Hit]
    dense_top: float


@dataclass(frozen=True)
class _Lexical:
    ranking: list[int]
    scores: dict[int, float]
    coverage: float  # the share of the question's words the lexical index knows


class Retriever:
    def __init__(self, index: Index, embedder: Embedder, settings: Settings) -> None:
        self.index, self.embedder, self.settings = index, embedder, settings
        self._names = DocumentNames(index.documents)
        self._proximity = Proximity(index.lexical, index.tokenizer)
        chunks = index.chunks
        self._remedy_of = {
            c.id - 1: c.id
            for c in chunks[1:]
            if RESPONDS.match(c.text) and (chunks[c.id - 1].doc_id, chunks[c.id - 1].section) == (c.doc_id, c.section)
        }
        self._rows_of: dict[str, slice] = {}
        for c in chunks:
            start = self._rows_of.get(c.doc_id, slice(c.id, c.id)).start
            self._rows_of[c.doc_id] = slice(start, c.id + 1)
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
            if len(self._query_cache) > QUERY_CACHE:
                self._query_cache.popitem(last=False)
        return vec

    def search(self, question: str, k: int | None = None, mode: Mode = "hybrid", doc: str | None = None) -> list[Hit]:
        """The k best chunks for a question, best first (of one document, if `doc` is given)."""
        return self.retrieve(question, k, mode, doc).hits

    def retrieve(self, question: str, k: int | None = None, mode: Mode = "hybrid", doc: str | None = None
                 ) -> Retrieval:  # fmt: skip
        """The k best chunks and the signals behind them; a question that names one document searches it alone."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        text = normalize(question).strip()
        if doc is None and (named := self._names.named(text)):
            doc, text = named[0], text.replace(named[1], " ").strip() or text  # the name is said by the scope
        rows = self.rows(doc)
        k = k or self.settings.top_k
        if not text:
            return Retrieval([], 0.0)
        n = max(self.settings.candidates, k)
        qvec = self.query_vector(text) if mode != "bm25" else None
        dense_ids, dense_top = self._dense(qvec, n, rows) if qvec is not None else ([], 0.0)
        lexical = self._lexical(text, n, rows) if mode != "dense" else _Lexical([], {}, 0.0)
        candidates = list(dict.fromkeys(dense_ids + lexical.ranking))
        sentence_sim = self.best_sentence(qvec, candidates) if qvec is not None else {}
        dense_ranking = sorted(sentence_sim, key=lambda i: (-sentence_sim[i], i))[:n]
        fused = self._fuse(mode, dense_ranking, sentence_sim, lexical)
        if mode == "hybrid":
            fused = self._near(fused, text, lexical.coverage)
        if SEEKS_REMEDY.search(text):
            fused = self._remedies_first(fused)
        ranked = self._rank(fused, qvec, k)
        dense_rank = {i: r for r, i in enumerate(dense_ranking, 1)}
        lexical_rank = {i: r for r, i in enumerate(lexical.ranking, 1)}
        hits = [Hit(self.index.chunks[i], float(fused[i]), dense_rank.get(i), lexical_rank.get(i),
                    sentence_sim.get(i, 0.0)) for i in ranked]  # fmt: skip
        return Retrieval(hits, dense_top)

    def rows(self, doc: str | None) -> slice:
        """The chunk ids of one document (all when `doc` is None); QuestionError for an unknown id."""
        if doc is None:
            return slice(0, len(self.index.chunks))
        if doc not in self._rows_of:
            raise QuestionError("unknown_document", f"no document {doc!r} in the knowledge base; "
                                f"documents: {', '.join(self.index.documents)}")  # fmt: skip
        return self._rows_of[doc]

    def _dense(self, qvec: np.ndarray, n: int, rows: slice) -> tuple[list[int], float]:
        """(the n nearest chunks, the best similarity) by the chunks' own vectors."""
        if rows.start == 0 and rows.stop == len(self.index.chunks):
            scores, ids = self.index.dense.search(qvec[None, :], n)
            found = [int(i) for i in ids[0] if i >= 0]
            return found, float(scores[0][0]) if found else 0.0
        sims = self.index.vectors[rows] @ qvec  # one document: its chunks are a contiguous run
        order = np.argsort(-sims, kind="stable")[:n]
        return [int(rows.start + i) for i in order], float(sims[order[0]]) if len(order) else 0.0

    def query_terms(self, text: str) -> tuple[dict[str, float], float]:
        """The lexical query ({term: weight}) and the share of the question's words the index knows."""
        tokens = set(self.index.tokenizer(text))
        vocab = self.index.lexical.vocab
        if not english.is_english(text):
            return dict.fromkeys(tokens, 1.0), sum(t in vocab for t in tokens) / len(tokens) if tokens else 0.0
        terms, coverage = english.translate(text, vocab)
        return terms | {t: 1.0 for t in tokens if t in vocab}, coverage  # acronyms, figures

    def _lexical(self, text: str, n: int, rows: slice) -> _Lexical:
        terms, coverage = self.query_terms(text)
        scores = self.index.lexical.scores(terms)
        if rows.stop - rows.start < len(scores):
            masked = np.zeros_like(scores)
            masked[rows] = scores[rows]
            scores = masked
        ranking = top_ids(scores, n)
        return _Lexical(ranking, {i: float(scores[i]) for i in ranking}, coverage)

    def _fuse(self, mode: Mode, dense_ranking: list[int], sentence_sim: dict[int, float], lexical: _Lexical
              ) -> dict[int, float]:  # fmt: skip
        s = self.settings
        if mode == "dense":
            return {i: sentence_sim[i] for i in dense_ranking}
        if mode == "bm25":
            return dict(lexical.scores)
        if s.fusion == "convex":
            return convex(sentence_sim, lexical.scores, s.dense_weight, s.lexical_weight * lexical.coverage)
        return rrf([dense_ranking, lexical.ranking], s.rrf_k, [s.dense_weight, s.lexical_weight * lexical.coverage])

    def _near(self, fused: dict[int, float], text: str, coverage: float) -> dict[int, float]:
        """Fused scores plus each passage's proximity to the question's word order (KBQA_PROXIMITY_WEIGHT)."""
        weight = self.settings.proximity_weight * coverage
        pairs = self._proximity.pairs(text) if weight else []
        if not pairs:
            return fused
        chunks = self.index.chunks
        near = {i: Proximity.score(pairs, chunks[i].text.lower()) for i in fused}
        if self.settings.fusion == "rrf":
            ranking = sorted((i for i in near if near[i] > 0), key=lambda i: (-near[i], i))
            near = rrf([ranking], self.settings.rrf_k, [1.0])
        return {i: v + weight * near.get(i, 0.0) for i, v in fused.items()}

    def _rank(self, fused: dict[int, float], qvec: np.ndarray | None, k: int) -> list[int]:
        """The k best; ties (two rankings swapping two items) go to the whole chunk's similarity."""
        ids = list(fused)
        chunk_sim = self.index.vectors[ids] @ qvec if qvec is not None and ids else np.zeros(len(ids))
        tie = dict(zip(ids, chunk_sim.tolist()))
        return sorted(ids, key=lambda i: (-fused[i], -tie[i], i))[:k]

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
