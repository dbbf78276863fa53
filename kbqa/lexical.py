"""jieba tokens and a BM25 index over them, stored as one sparse weight matrix.

Scores are `W[:, query_terms].sum(1)`: the BM25 weight of every (chunk, term) pair is
computed at build time, so a query costs a column slice, whatever the corpus size.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter, OrderedDict
from functools import lru_cache
from pathlib import Path
from threading import Lock

import numpy as np
from scipy import sparse

STOP_WORDS = frozenset(
    """的 了 和 与 及 或 等 在 是 为 对 以 将 从 到 被 把 由 于 其 之 而 并 也 都 就 又 还 则 这 那 该 此
    有 个 中 上 下 里 内 外 们 着 过 所 如 若 可 能 会 要 需 让 使 给 向 往 通过 进行 实现 以及 及其
    什么 怎么 怎样 如何 哪些 哪个 哪 多少 几 吗 呢 吧 啊 呀 么 请问 一下 报告 提到 认为 是否 为什么
    主要 具体 哪里 现在 这个 那个 一个 我们 你们 他们 咋 啥 呗 还得 得 个 方面""".split()
)
SHORT_TEXT = 200  # texts up to this long (questions, headings) have their tokens remembered ...
RECENT_TEXTS = 512  # ... this many of them
_WORD = re.compile(r"[\u4e00-\u9fff]|[A-Za-z]+|\d+(?:\.\d+)?%?")
_SPLIT_TITLE = re.compile(r"[的与和及对下中从到:,、“”\"()\s]+")


def _grams(word: str, freq: dict[str, int]) -> list[str]:
    """The known two-, then three-character words inside a word of more than two (three) characters."""
    twos = [word[i : i + 2] for i in range(len(word) - 1) if freq.get(word[i : i + 2])] if len(word) > 2 else []
    threes = [word[i : i + 3] for i in range(len(word) - 2) if freq.get(word[i : i + 3])] if len(word) > 3 else []
    return twos + threes


@lru_cache(maxsize=1)
def jieba_default():
    """Jieba's process-wide tokenizer (also behind jieba.posseg), loaded once, quietly."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba.dt


class Tokenizer:
    """jieba search-mode tokens with stop words removed, plus the knowledge base's own terms."""

    def __init__(self, terms: list[str] = ()) -> None:
        import jieba

        # A private tokenizer (the terms are this index's own) sharing the dictionary that
        # jieba loaded once for the process, instead of loading it again (~1 s).
        base = jieba_default()
        self._jieba = jieba.Tokenizer()
        self._jieba.FREQ, self._jieba.total = dict(base.FREQ), base.total
        self._jieba.initialized = True
        self.terms = sorted(set(terms))
        self.term_set = frozenset(self.terms)
        for term in self.terms:
            self._jieba.add_word(term, freq=2000)
        self._recent: OrderedDict[str, tuple[tuple[str, ...], tuple[str, ...]]] = OrderedDict()
        self._lock = Lock()

    def __call__(self, text: str) -> list[str]:
        """Search-mode tokens: each word with the known two- and three-character words inside it."""
        return list(self._analysed(text)[1])

    def words(self, text: str) -> list[str]:
        """The text's words in order (jieba's precise mode, no overlaps), stop words removed."""
        return list(self._analysed(text)[0])

    def _analysed(self, text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(words, search tokens) from one jieba pass; a question's are remembered, as every stage asks."""
        text = text.lower()
        if len(text) > SHORT_TEXT:
            return self._analyse(text)
        with self._lock:
            if (hit := self._recent.get(text)) is not None:
                self._recent.move_to_end(text)
                return hit
        result = self._analyse(text)
        with self._lock:
            self._recent[text] = result
            if len(self._recent) > RECENT_TEXTS:
                self._recent.popitem(last=False)
        return result

    def _analyse(self, text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        freq, words, tokens = self._jieba.FREQ, [], []
        for word in self._jieba.cut(text):
            for tok in (*_grams(word, freq), word):  # what jieba's cut_for_search yields, in its order
                tok = tok.strip()
                if tok and tok not in STOP_WORDS and _WORD.match(tok):
                    tokens.append(tok)
                    if len(tok) > 3:
                        tokens.extend(self._inner_terms(tok))
            if (word := word.strip()) and word not in STOP_WORDS and _WORD.match(word):
                words.append(word)
        return tuple(words), tuple(tokens)

    def _inner_terms(self, token: str) -> list[str]:
        """Known terms of three or more characters inside a longer token.

        jieba's search mode adds only the two- and three-character words of a long
        word, so 数字孪生技术 would not also count as 数字孪生.
        """
        n = len(token)
        return [
            token[i : i + size]
            for size in range(3, n)
            for i in range(n - size + 1)
            if token[i : i + size] in self.term_set
        ]


def domain_terms(headings: list[str], body: str) -> list[str]:
    """Terms for jieba's dictionary: phrases of the headings and quoted terms of the body.

    `数字孪生技术的系统集成与虚实交互` gives 数字孪生技术, 数字孪生, 系统集成, 虚实交互;
    `“一网统管”` gives 一网统管.
    """
    terms = set()
    for heading in headings:
        for phrase in _SPLIT_TITLE.split(heading):
            if 2 <= len(phrase) <= 8 and not phrase.isdigit():
                terms.add(phrase)
                for suffix in ("技术", "平台", "体系", "机制", "系统", "模式"):
                    stem = phrase.removesuffix(suffix)
                    if stem != phrase and len(stem) >= 2:
                        terms.add(stem)
    for quoted in re.findall(r"“([^”]{2,8})”", body):
        if not re.search(r"[,。、:;!?,]", quoted):
            terms.add(quoted)
    return sorted(terms)


def bm25_idf(n: int, df):
    """Okapi BM25's idf of a term that `df` of `n` chunks use (a number or an array of them)."""
    return np.log1p((n - df + 0.5) / (df + 0.5))


class BM25:
    """Okapi BM25 over token lists, as a (chunks x vocabulary) CSC weight matrix."""

    def __init__(self, weights: sparse.csc_matrix, vocab: dict[str, int]) -> None:
        self.weights = weights
        self.vocab = vocab

    @classmethod
    def build(cls, docs: list[list[str]], k1: float = 1.2, b: float = 0.75) -> BM25:
        vocab: dict[str, int] = {}
        rows, cols, tfs = [], [], []
        lengths = np.array([len(d) for d in docs], dtype=np.float32)
        for i, tokens in enumerate(docs):
            for tok, tf in Counter(tokens).items():
                rows.append(i)
                cols.append(vocab.setdefault(tok, len(vocab)))
                tfs.append(tf)
        rows_a, cols_a, tf_a = np.array(rows), np.array(cols), np.array(tfs, dtype=np.float32)
        n = max(len(docs), 1)
        df = np.bincount(cols_a, minlength=len(vocab)).astype(np.float32) if cols else np.zeros(0)
        idf = bm25_idf(n, df)
        avgdl = float(lengths.mean()) if len(docs) else 1.0
        norm = k1 * (1 - b + b * lengths[rows_a] / max(avgdl, 1e-9)) if rows else np.zeros(0)
        w = idf[cols_a] * tf_a * (k1 + 1) / (tf_a + norm) if rows else np.zeros(0)
        matrix = sparse.csc_matrix((w, (rows_a, cols_a)), shape=(len(docs), len(vocab)), dtype=np.float32)
        return cls(matrix, vocab)

    def df(self, term: str) -> int:
        """How many chunks use the term (0 for a term the index does not have)."""
        col = self.vocab.get(term)
        return 0 if col is None else int(self.weights.indptr[col + 1] - self.weights.indptr[col])

    def idf(self, term: str) -> float:
        """The term's BM25 idf, as its scores weigh it."""
        return float(bm25_idf(max(self.weights.shape[0], 1), self.df(term)))

    def scores(self, tokens: list[str] | dict[str, float]) -> np.ndarray:
        """BM25 score of every chunk; a repeated query term counts once, a dict gives each term its weight."""
        weighted = tokens if isinstance(tokens, dict) else dict.fromkeys(tokens, 1.0)
        known = {self.vocab[t]: w for t, w in weighted.items() if t in self.vocab}
        if not known:
            return np.zeros(self.weights.shape[0], np.float32)
        ids = sorted(known)
        return np.asarray(self.weights[:, ids] @ np.array([known[i] for i in ids], np.float32)).ravel()

    def save(self, folder: Path) -> list[str]:
        sparse.save_npz(folder / "lexical.npz", self.weights, compressed=False)
        (folder / "vocab.json").write_text(json.dumps(self.vocab, ensure_ascii=False), encoding="utf-8")
        return ["lexical.npz", "vocab.json"]

    @classmethod
    def load(cls, folder: Path) -> BM25:
        weights = sparse.load_npz(folder / "lexical.npz").tocsc()
        vocab = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
        return cls(weights, vocab)
