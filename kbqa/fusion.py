"""Fusing two rankings into one: a few lines each, pure functions over {chunk id: score}."""

from __future__ import annotations

import numpy as np


def rrf(rankings: list[list[int]], k: int, weights: list[float] | None = None) -> dict[int, float]:
    """Reciprocal-rank fusion: each ranking adds weight / (k + rank) to its items (rank from 1)."""
    weights = weights or [1.0] * len(rankings)
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused


def convex(dense: dict[int, float], lexical: dict[int, float], dense_weight: float, lexical_weight: float
           ) -> dict[int, float]:  # fmt: skip
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
