"""A tiny deterministic embedder for fast tests: hashed character bigrams in 64 dimensions."""

from __future__ import annotations

import hashlib

import numpy as np


class TinyEmbedder:
    """Not a model: texts that share character pairs point the same way, and nothing is loaded."""

    name = "tests/tiny-bigrams-64"
    dim = 64

    def __init__(self) -> None:
        self.calls: list[int] = []  # how many passages each embed_passages call got

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.calls.append(len(texts))
        return self._embed(texts)

    def _embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float32)
        for row, text in enumerate(texts):
            padded = f"\0{text}\0"
            for a, b in zip(padded, padded[1:], strict=False):
                out[row, hashlib.blake2b(f"{a}{b}".encode(), digest_size=2).digest()[0] % self.dim] += 1.0
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
