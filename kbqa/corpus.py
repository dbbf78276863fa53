"""The knowledge base's whole text, for "does it ever write …", at any size.

A word a question names is looked for in every document's text (squashed: no punctuation or
spacing). Scanning tens of millions of characters for a word that is not there costs tens
of milliseconds, and a refusal looks for several. So the pairs of adjacent characters the
text writes are hashed into a bit table once: a word with a pair the text never writes is
absent without a scan (no false "absent"; a word whose pairs all occur is then scanned for).
"""

from __future__ import annotations

import numpy as np

SLOTS_PER_CHAR = 16  # table slots per character of text: few pairs share a slot
MIN_BITS, MAX_BITS = 12, 27  # the table: 4 K to 128 M slots (a byte each)
BLOCK = 4_000_000  # characters hashed at a time, to bound the memory it takes


def _hash(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    return (first * 1_000_003) ^ second


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)


class Corpus:
    """Squashed text that answers `word in corpus`, quickly when the word is not there."""

    def __init__(self, text: str) -> None:
        self.text = text
        bits = min(MAX_BITS, max(MIN_BITS, (SLOTS_PER_CHAR * len(text)).bit_length()))
        self.mask = (1 << bits) - 1
        self.pairs = np.zeros(self.mask + 1, dtype=bool)
        for start in range(0, max(len(text) - 1, 0), BLOCK):
            codes = _codes(text[start : start + BLOCK + 1])
            self.pairs[_hash(codes[:-1], codes[1:]) & self.mask] = True

    def __contains__(self, word: str) -> bool:
        if len(word) >= 2:
            codes = _codes(word)
            if not self.pairs[_hash(codes[:-1], codes[1:]) & self.mask].all():
                return False
        return word in self.text
