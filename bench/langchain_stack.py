"""The retrieval stack most Chinese knowledge-base projects ship, on kbqa's chunks and vectors.

As Langchain-Chatchat's ensemble retriever builds it: a LangChain `FAISS` vector store (its
default, exact L2 search), a `BM25Retriever` over `jieba.lcut_for_search` tokens (rank-bm25's
BM25Okapi), and an `EnsembleRetriever` fusing both by reciprocal rank, weights 0.5/0.5, each
returning k passages. The store gets kbqa's passage vectors through `FAISS.from_embeddings`;
its queries go through the same embedder as kbqa's.
"""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path

import numpy as np

from kbqa.data import Chunk, Hit

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # langchain-community announces its sunset
    from langchain_community.retrievers import BM25Retriever
    from langchain_community.vectorstores import FAISS
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

try:
    from langchain_classic.retrievers import EnsembleRetriever
except ImportError:  # langchain < 1.0 keeps it in the main package
    from langchain.retrievers import EnsembleRetriever


class QueryEmbeddings(Embeddings):
    """A kbqa embedder seen through LangChain's `Embeddings` interface."""

    def __init__(self, embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed_passages(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_queries([text])[0].tolist()


def read_chunks(index_dir: Path) -> tuple[list[Chunk], np.ndarray]:
    """The chunks and passage vectors of a kbqa index folder."""
    with open(index_dir / "chunks.jsonl", encoding="utf-8") as fh:
        chunks = [Chunk(**json.loads(line)) for line in fh]
    return chunks, np.load(index_dir / "vectors.npy")


class LangChainStack:
    def __init__(self, ensemble: EnsembleRetriever, chunks: list[Chunk], seconds: dict[str, float]) -> None:
        self.ensemble, self.chunks, self.seconds = ensemble, chunks, seconds

    @classmethod
    def build(cls, chunks: list[Chunk], vectors: np.ndarray, embedder, k: int) -> LangChainStack:
        import jieba

        seconds = {}
        start = time.perf_counter()
        jieba.initialize()
        seconds["jieba_init"] = time.perf_counter() - start
        docs = [Document(page_content=c.text, metadata={"id": c.id}) for c in chunks]
        start = time.perf_counter()
        bm25 = BM25Retriever.from_documents(docs, preprocess_func=jieba.lcut_for_search, k=k)
        seconds["bm25"] = time.perf_counter() - start
        start = time.perf_counter()
        pairs = zip([c.text for c in chunks], vectors, strict=True)
        store = FAISS.from_embeddings(pairs, QueryEmbeddings(embedder), metadatas=[d.metadata for d in docs])
        seconds["faiss"] = time.perf_counter() - start
        ensemble = EnsembleRetriever(retrievers=[bm25, store.as_retriever(search_kwargs={"k": k})], weights=[0.5, 0.5])
        return cls(ensemble, chunks, seconds)

    def invoke(self, question: str) -> list[Document]:
        return self.ensemble.invoke(question)

    def search(self, question: str, k: int = 5, mode: str = "hybrid") -> list[Hit]:
        """The fused ranking as kbqa hits, so that `kbqa.evaluate` scores both stacks alike."""
        return self.hits(self.invoke(question), k)

    def hits(self, docs: list[Document], k: int) -> list[Hit]:
        return [Hit(self.chunks[d.metadata["id"]], 0.0) for d in docs[:k]]

    def replaying(self, answers: dict[str, list[Document]]) -> _Replay:
        """A retriever for `kbqa.evaluate` that gives back the rankings this stack already returned."""
        return _Replay(self, answers)


class _Replay:
    def __init__(self, stack: LangChainStack, answers: dict[str, list[Document]]) -> None:
        self.stack, self.answers = stack, answers

    def search(self, question: str, k: int = 5, mode: str = "hybrid") -> list[Hit]:
        docs = self.answers.get(question)
        return self.stack.search(question, k) if docs is None else self.stack.hits(docs, k)
