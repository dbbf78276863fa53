"""The words that matter in a cited passage: the question's rarer words, and the figures the answer quotes."""

from __future__ import annotations

import math
import re

from kbqa.lexical import BM25, Tokenizer
from kbqa.text import NUMBER, excerpts, normalize

Spans = tuple[tuple[int, int], ...]


def query_terms(tokenizer: Tokenizer, text: str) -> list[str]:
    """The question's content words, as the lexical index tokenises them, longest first."""
    tokens = {t for t in tokenizer(normalize(text)) if len(t) >= 2 or t.isdigit()}
    return sorted(tokens, key=lambda t: (-len(t), t))


def idf_weights(lexical: BM25, terms: list[str]) -> dict[str, float]:
    """Each question word's weight for choosing excerpts: its length, more for words few passages use."""
    n = max(lexical.weights.shape[0], 1)
    out = {}
    for t in terms:
        df = lexical.df(t)
        out[t] = len(t) * (0.5 + math.log(1 + n / (1 + df)) / math.log(1 + n))
    return out


def salient(lexical: BM25, terms: list[str], max_share: float = 0.1) -> list[str]:
    """The question's words worth marking: those in at most `max_share` of all chunks (not 城市 in a city report)."""
    n = lexical.weights.shape[0]
    out = []
    for t in terms:
        if lexical.df(t) <= max(1, max_share * n):
            out.append(t)
    return out


def term_spans(text: str, terms: list[str]) -> Spans:
    """Where the words occur in a passage, merged into non-overlapping spans."""
    spans = [(m.start(), m.end()) for t in terms if len(t) >= 2 or t.isdigit() for m in re.finditer(re.escape(t), text)]
    return merge(tuple(spans))


def figure_spans(text: str, answer_text: str, n: int) -> Spans:
    """The figures of the answer's excerpts from passage n, where they stand in its text."""
    spans = []
    for excerpt, cited in excerpts(answer_text):
        at = text.find(excerpt) if cited == n and excerpt else -1
        if at >= 0:
            spans += [(at + m.start(), at + m.end()) for m in NUMBER.finditer(excerpt)]
    return tuple(spans)


def merge(spans: Spans) -> Spans:
    merged: list[list[int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return tuple((s, e) for s, e in merged)
