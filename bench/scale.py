"""Knowledge bases of N times the report, and passage vectors for them without running the model.

`make_kb(report, factor, folder)` writes the report plus `factor - 1` synthetic documents of
about the report's size, each with its own id (`synthetic-0001` ...). A synthetic document is
the report re-mixed: every chapter and section borrows a section title of the report, every
paragraph strings together two to four sentences drawn from anywhere in the report, and every
figure in them is replaced by another of the same number of digits. The vocabulary, sentence
lengths and term frequencies are the report's; a copied evidence sentence still counts as a
hit under the hit rule unless the evidence holds a figure (most do), so at scale the dev
questions mostly have to find the report itself among look-alikes.

The bundled model embeds a few passages a second here, far too slow for 10^5 chunks, so
`DerivedEmbedder` makes the vectors. The report's own passages get their real vectors. A
synthetic sentence gets the real vector of the report sentence it copies; a synthetic chunk
gets the length-weighted mix of the real vectors of the report chunks its sentences come from.
Both are normalised, plus Gaussian noise of norm 0.05 so that no two copies are identical.
Tokenising, BM25 and FAISS do their real work on the real text whatever the vectors are.
"""

from __future__ import annotations

import random
import re
import shutil
from collections import Counter
from pathlib import Path

import numpy as np

from kbqa.build import sentence_units
from kbqa.data import Document
from kbqa.kb import Source, doc_id_for, read_source
from kbqa.store import Index
from kbqa.text import split_sentences

_FIGURE = re.compile(r"\d+")
NOISE = 0.05


def read_report(path: Path) -> Document:
    return read_source(Source(doc_id_for(path), path, ""))


def make_kb(report: Path, factor: int, folder: Path, seed: int = 0) -> dict:
    """Write the report and `factor - 1` synthetic documents into `folder`; return their sizes."""
    if factor < 1:
        raise ValueError(f"factor must be >= 1, got {factor}")
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(report, folder / report.name)
    doc = read_report(report)
    bodies = [doc.section_text(s) for s in doc.sections if s.has_text]
    titles = [s.title for s in doc.sections if s.has_text]
    sentences = [s for body in bodies for _, s in split_sentences(body)]
    target = sum(len(b) for b in bodies)
    chars = len(doc.text)
    for i in range(1, factor):
        text = synthetic_document(i, titles, sentences, target, random.Random(f"{seed}:{i}"))
        (folder / f"synthetic-{i:04d}.md").write_text(text, encoding="utf-8")
        chars += len(text)
    return {"documents": factor, "chars": chars}


def synthetic_document(i: int, titles: list[str], sentences: list[str], target: int, rng: random.Random) -> str:
    """A Markdown report of about `target` body characters made of the report's re-mixed sentences."""
    lines = [f"# {rng.choice(titles)}(合成文档 {i:04d})", ""]
    chars = chapter = 0
    while chars < target:
        chapter += 1
        lines += [f"## {chapter} {rng.choice(titles)}", ""]
        for section in range(1, rng.randint(3, 6) + 1):
            lines += [f"### {chapter}.{section} {rng.choice(titles)}", ""]
            for _ in range(rng.randint(1, 3)):
                paragraph = "".join(refigure(rng.choice(sentences), rng) for _ in range(rng.randint(2, 4)))
                lines += [paragraph, ""]
                chars += len(paragraph)
            if chars >= target:
                break
    return "\n".join(lines)


def refigure(sentence: str, rng: random.Random) -> str:
    """Every run of digits replaced by a random one of the same length (65% -> 38%)."""
    def other(m: re.Match) -> str:
        n = len(m.group(0))
        return str(rng.randint(10 ** (n - 1) if n > 1 else 0, 10**n - 1))

    return _FIGURE.sub(other, sentence)


def _mask(text: str) -> str:
    return _FIGURE.sub("#", text)


def _body(text: str) -> str:
    """An embedded text without its title line (chunks and sentence units both start with one)."""
    return text.split("\n", 1)[-1]


class DerivedEmbedder:
    """Passage vectors derived from the report's real ones (see the module docstring).

    It takes the real model's name so that an engine built on the real model loads the
    index it made; queries are always embedded by the real model.
    """

    def __init__(self, report: Index, noise: float = NOISE, seed: int = 0) -> None:
        self.name = report.manifest["embedder"]["name"]
        self.dim = int(report.vectors.shape[1])
        self.noise = noise
        self._chunk_vectors = report.vectors
        self._sentence_vectors = report.sentence_vectors
        self._mean = report.vectors.mean(axis=0)
        self._exact = {c.embedding_text(): v for c, v in zip(report.chunks, report.vectors, strict=True)}
        texts, offsets = sentence_units(report.chunks)
        self._exact.update(zip(texts, report.sentence_vectors, strict=True))
        self._sentence: dict[str, int] = {}
        self._source: dict[str, int] = {}
        for cid in range(len(report.chunks)):
            for row in range(offsets[cid], offsets[cid + 1]):
                key = _mask(_body(texts[row]))
                self._sentence.setdefault(key, row)
                self._source.setdefault(key, cid)
        self._rng = np.random.default_rng(seed)
        self.counts: Counter[str] = Counter()

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError("DerivedEmbedder makes passage vectors only; embed queries with the real model")

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dim), np.float32)
        noisy = np.zeros(len(texts), bool)
        for j, text in enumerate(texts):
            exact = self._exact.get(text)
            if exact is not None:
                out[j] = exact
                self.counts["exact"] += 1
                continue
            out[j] = self._derive(_body(text))
            noisy[j] = True
        if noisy.any():
            noise = self._rng.normal(0.0, self.noise / np.sqrt(self.dim), (int(noisy.sum()), self.dim))
            mixed = out[noisy] + noise.astype(np.float32)
            out[noisy] = mixed / np.linalg.norm(mixed, axis=1, keepdims=True)
        return out

    def _derive(self, body: str) -> np.ndarray:
        parts = [s for _, s in split_sentences(body)] or [body]
        if len(parts) == 1:
            row = self._sentence.get(_mask(parts[0]))
            if row is not None:
                self.counts["sentence"] += 1
                return self._sentence_vectors[row]
        vec = np.zeros(self.dim, np.float32)
        for s in parts:
            cid = self._source.get(_mask(s))
            if cid is not None:
                vec += len(s) * self._chunk_vectors[cid]
        if not vec.any():
            self.counts["fallback"] += 1
            vec = self._mean
        else:
            self.counts["mix"] += 1
        return vec / np.linalg.norm(vec)
