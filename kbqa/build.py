"""Build index/ from kb/: read, chunk, embed through the cache, index, write, swap into place.

A build writes a temporary folder and renames it into place (kbqa/swap.py), so a failed or
killed build leaves the last good index as it was. Builds of one folder take turns, so a
server starting while `kbqa build` runs waits and then loads its result.

The build passes the STAGES in order: `read`, `chunk`, `embed`, `index`, `write` (the
temporary folder half written), `swap` (written, not yet swapped), `swapping` (index/ renamed
away, the new one not yet in place), `swapped` (the old one not yet deleted). Whatever is in
STAGE_OBSERVERS hears each one; in production nothing is (tests/pause_build.py holds a build
at one so a test can kill it there).
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kbqa import calibrate
from kbqa.chunk import chunk_document
from kbqa.data import Chunk, Document
from kbqa.dense import DenseIndex
from kbqa.embed import CachedEmbedder, Embedder
from kbqa.freshness import chunking, stale_reason
from kbqa.kb import Source, list_sources, read_source
from kbqa.lexical import BM25, Tokenizer, domain_terms
from kbqa.progress import Progress
from kbqa.settings import Settings
from kbqa.store import Index, IndexDamaged
from kbqa.swap import build_lock, recover, swap
from kbqa.text import split_sentences

log = logging.getLogger("kbqa.build")
STAGES = ("read", "chunk", "embed", "index", "write", "swap", "swapping", "swapped")
STAGE_OBSERVERS: list[Callable[[str], None]] = []


def reached(stage: str) -> None:
    for observe in STAGE_OBSERVERS:
        observe(stage)


@dataclass
class BuildReport:
    documents: int = 0
    chunks: int = 0
    embedded: int = 0
    reused: int = 0
    skipped: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def build(
    settings: Settings, embedder: Embedder, progress: Progress | None = None, say: Callable[[str], None] = log.warning
) -> BuildReport:
    """Build index/ from kb/ (only new passages are embedded) and swap it into place."""
    with build_lock(settings.index_dir, say):
        return _build(settings, embedder, progress)


def ensure_index(
    settings: Settings, embedder: Embedder, progress: Progress | None = None, say: Callable[[str], None] = log.warning
) -> Index:
    """Load index/, first (re)building it if it is missing, stale or damaged."""
    index, reason = _load_current(settings, embedder)
    if index is not None:
        return index
    with build_lock(settings.index_dir, say):
        index, reason = _load_current(settings, embedder)  # another process may have built it meanwhile
        if index is not None:
            return index
        say(f"building the index: {reason}")
        report = _build(settings, embedder, progress)
    for message in report.skipped:
        say(f"skipped {message}")
    return Index.load(settings.index_dir)


def _load_current(settings: Settings, embedder: Embedder) -> tuple[Index | None, str]:
    """The index if it is current and whole, else None and the reason to build."""
    reason = stale_reason(settings, embedder.name)
    if reason is None:
        try:
            return Index.load(settings.index_dir), ""
        except IndexDamaged as exc:
            reason = str(exc)
    return None, reason


def _build(settings: Settings, embedder: Embedder, progress: Progress | None = None) -> BuildReport:
    """The build itself; the caller holds the build lock."""
    progress = progress or Progress()
    recover(settings.index_dir)
    report = BuildReport()
    with _timed(report, "clean"):
        documents, unusable = _read_documents(settings, report, progress)
    with _timed(report, "chunk"):
        chunks = _chunk(settings, [doc for _, doc in documents], progress)
    with _timed(report, "embed"):
        vectors, sentence_vectors, sentence_offsets = _embed(settings, embedder, chunks, report, progress)
    with _timed(report, "index"):
        index = _index(documents, chunks, vectors, sentence_vectors, sentence_offsets, progress)
        index.manifest = _manifest(settings, embedder, documents, unusable, index)
        if measured := calibration(settings.cache_dir / "embeddings.sqlite", embedder, index):
            index.manifest["calibration"] = measured
        _write_and_swap(index, settings.index_dir, progress)
    report.documents, report.chunks = len(documents), len(chunks)
    return report


@contextmanager
def _timed(report: BuildReport, step: str) -> Iterator[None]:
    clock = time.perf_counter()
    yield
    report.seconds[step] = time.perf_counter() - clock


def _read_documents(
    settings: Settings, report: BuildReport, progress: Progress
) -> tuple[list[tuple[Source, Document]], list[dict]]:
    """The usable documents of kb/, and the files that could not be used (remembered, not retried)."""
    reached("read")
    sources, errors = list_sources(settings.kb_dir, settings.max_document_bytes)
    progress.stage(f"reading {len(sources)} document{'' if len(sources) == 1 else 's'}")
    report.skipped = list(errors)
    documents, unusable = [], []
    for source in sources:
        try:
            documents.append((source, read_source(source, settings.max_document_bytes)))
        except (ValueError, OSError) as exc:
            report.skipped.append(str(exc))
            unusable.append({"file": source.path.name, "sha256": source.sha256, "error": str(exc)})
    if not documents:
        raise ValueError(f"no usable document in {settings.kb_dir}: " + ("; ".join(report.skipped) or "it is empty"))
    return documents, unusable


def _chunk(settings: Settings, documents: list[Document], progress: Progress) -> list[Chunk]:
    reached("chunk")
    progress.stage("chunking")
    chunks: list[Chunk] = []
    for doc in documents:
        chunks.extend(chunk_document(doc, settings.chunk_size, settings.chunk_overlap, first_id=len(chunks)))
    return chunks


def _embed(
    settings: Settings, embedder: Embedder, chunks: list[Chunk], report: BuildReport, progress: Progress
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(chunk vectors, sentence vectors, each chunk's first sentence row and the end)."""
    reached("embed")
    sentence_texts, sentence_offsets = sentence_units(chunks)
    texts = [c.embedding_text() for c in chunks] + sentence_texts
    vectors, report.embedded, report.reused = embed_through_cache(
        settings.cache_dir / "embeddings.sqlite", embedder, texts, progress
    )
    return vectors[: len(chunks)], vectors[len(chunks) :], sentence_offsets


def sentence_units(chunks: list[Chunk]) -> tuple[list[str], np.ndarray]:
    """The texts embedded one per sentence (with the section title), and each chunk's row range.

    A question usually matches one sentence; a chunk's best sentence is a sharper
    signal than the chunk's single vector. A chunk with no full sentence is one unit.
    """
    texts: list[str] = []
    offsets = [0]
    for c in chunks:
        parts = [s for _, s in split_sentences(c.text)] or [c.text]
        texts.extend(f"{c.title}\n{s}" for s in parts)
        offsets.append(len(texts))
    return texts, np.array(offsets, dtype=np.int64)


def embed_through_cache(
    path: Path, embedder: Embedder, texts: list[str], progress: Progress | None = None
) -> tuple[np.ndarray, int, int]:
    """(vectors, embedded, reused): only texts the cache at `path` lacks are embedded.

    The cache is only a cache: a damaged file is set aside as `<name>.damaged` and refilled.
    """
    progress = progress or Progress()
    try:
        return _embed_cached(path, embedder, texts, progress)
    except sqlite3.DatabaseError as exc:
        log.warning("the embedding cache %s is damaged (%s); set aside as %s.damaged, embedding afresh",
                    path, exc, path.name)
    for part in ("", "-journal", "-wal", "-shm"):  # a stale journal must not meet the new file
        if path.with_name(path.name + part).exists():
            os.replace(path.with_name(path.name + part), path.with_name(f"{path.name}.damaged{part}"))
    return _embed_cached(path, embedder, texts, progress)


def _embed_cached(path: Path, embedder: Embedder, texts: list[str], progress: Progress) -> tuple[np.ndarray, int, int]:
    done = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        progress.count(done, len(texts))

    cached = CachedEmbedder(embedder, path)
    try:
        known = cached.known(texts)
        progress.stage(f"embedding {len(texts) - known} new passages ({known} from cache)")
        return cached.embed_passages(texts, progress=step), cached.misses, cached.hits
    finally:
        cached.close()


def _index(
    documents: list[tuple[Source, Document]],
    chunks: list[Chunk],
    vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    sentence_offsets: np.ndarray,
    progress: Progress,
) -> Index:
    """The postings, the user dictionary and the FAISS index; the manifest is added after."""
    reached("index")
    progress.stage("indexing")
    docs = [doc for _, doc in documents]
    terms = domain_terms([s.title for d in docs for s in d.sections] + [d.title for d in docs],
                         "\n".join(d.text for d in docs))
    tokenizer = Tokenizer(terms)
    # A passage is found by its headings too: the whole path, not only its own title (三、… › （一）…)
    lexical = BM25.build([tokenizer(f"{' '.join(c.path) or c.title}\n{c.text}") for c in chunks])
    dense = DenseIndex.build(vectors)
    return Index({}, {d.doc_id: d for d in docs}, chunks, vectors, sentence_vectors, sentence_offsets, dense, lexical,
                 tokenizer)


def _manifest(
    settings: Settings, embedder: Embedder, documents: list[tuple[Source, Document]], unusable: list[dict], index: Index
) -> dict:
    """What the index was built from; the checksums of its files are added as it is written."""
    chunks = index.chunks
    return {
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "embedder": {"name": embedder.name, "dim": embedder.dim},
        "chunking": chunking(settings),
        "dense": {"kind": index.dense.kind, "count": len(chunks)},
        "documents": [
            {"doc_id": s.doc_id, "file": s.path.name, "sha256": s.sha256, "title": d.title,
             "sections": len(d.sections), "chunks": sum(c.doc_id == s.doc_id for c in chunks)}
            for s, d in documents
        ],
        "skipped": unusable,
    }


def calibration(cache: Path, embedder: Embedder, index: Index) -> dict | None:
    """Where this embedder's similarities sit for this knowledge base (kbqa/calibrate.py).

    None for an embedder of passages only (the benchmarks' derived vectors): the engine then
    measures with the model it embeds questions with, when it loads the index.
    """
    cached = CachedEmbedder(embedder, cache)
    try:
        titles = [s.title for _, s in index.sections() if s.has_text]
        return calibrate.measure(cached.embed_queries, lambda v: index.dense.search(v, 1)[0][:, 0], titles)
    except NotImplementedError:
        return None
    finally:
        cached.close()


def _write_and_swap(index: Index, folder: Path, progress: Progress) -> None:
    """Write `.index.building-<pid>/` beside index/, then swap it in."""
    tmp = folder.parent / f".{folder.name}.building-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    progress.stage("writing")
    index.save(tmp, halfway=lambda: reached("write"))
    reached("swap")
    swap(tmp, folder, on_stage=reached)
