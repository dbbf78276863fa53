"""Term proximity: how much of a question's word order a passage keeps.

BM25 counts words wherever they stand; a passage that answers usually has the question's
neighbouring words next to each other (碳普惠机制, 城镇化率已超过). Each pair of neighbouring
question words counts by its words' idf when the passage has them in that order, at most
`MAX_GAP` characters apart within one sentence, 1 / (1 + gap) for a gap; the score is the
share of the pairs' weight so found, in [0, 1]. A general measure of the kind of Büttcher
et al.'s BM25TP, with no word of any document built in.
"""

from __future__ import annotations

from dataclasses import dataclass

from kbqa.lexical import BM25, Tokenizer

MAX_GAP = 3
SENTENCE_BREAKS = frozenset("。！？；;!?\n")


@dataclass(frozen=True)
class Pair:
    first: str
    second: str
    weight: float


class Proximity:
    """Scores passages by the neighbouring-word pairs of a question."""

    def __init__(self, lexical: BM25, tokenizer: Tokenizer) -> None:
        self._lexical, self._tokenizer = lexical, tokenizer

    def pairs(self, question: str) -> list[Pair]:
        """The question's neighbouring indexed words, each pair weighted by its words' BM25 idf."""
        words = [w for w in self._tokenizer.words(question) if w in self._lexical.vocab]
        weight = {w: self._lexical.idf(w) for w in words}
        return [Pair(a, b, weight[a] + weight[b]) for a, b in zip(words, words[1:]) if a != b]

    @staticmethod
    def score(pairs: list[Pair], text: str) -> float:
        """The weighted share of `pairs` that `text` (lower-cased) keeps close and in order."""
        total = sum(p.weight for p in pairs)
        if not total:
            return 0.0
        return sum(p.weight * closeness(p.first, p.second, text) for p in pairs) / total


def closeness(first: str, second: str, text: str) -> float:
    """1 / (1 + gap) for the nearest `first … second` within one sentence, 0 if none is."""
    best, start = 0.0, text.find(first)
    while start >= 0 and best < 1.0:
        end = start + len(first)
        found = text.find(second, end, end + MAX_GAP + len(second))
        if found >= 0 and not SENTENCE_BREAKS.intersection(text[end:found]):
            best = max(best, 1.0 / (1 + found - end))
        start = text.find(first, start + 1)
    return best
