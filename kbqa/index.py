"""The index folder: build it from kb/, check it, load it.

index/
  manifest.json   format, embedder, chunk settings, source hashes, file checksums
  documents.json  cleaned documents with their sections
  chunks.jsonl    one chunk per line
  vectors.npy     passage vectors (float32, normalised)
  sentence_vectors.npy, sentence_offsets.npy
                  one vector per sentence of each chunk; chunk i owns rows offsets[i]:offsets[i+1]
  dense.faiss     FAISS index over those vectors
  lexical.npz     BM25 weight matrix;  vocab.json  its terms;  terms.txt  jieba user terms

A build writes a temporary folder and renames it into place, so a failed or killed
build leaves the last good index as it was. Builds of one folder take turns (`.index.lock`
beside it), so a server starting while `kbqa build` runs waits and then loads its result.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from kbqa.chunk import SEPARATORS, chunk_document
from kbqa.data import Chunk, Document, Section
from kbqa.dense import DenseIndex
from kbqa.embed import CachedEmbedder, Embedder
from kbqa.kb import Source, list_sources, read_source
from kbqa.lexical import BM25, Tokenizer, domain_terms
from kbqa.settings import Settings
from kbqa.text import split_sentences

FORMAT_VERSION = 1
log = logging.getLogger("kbqa.index")


class IndexDamaged(Exception):
    """The index folder is missing, stale, or does not match its checksums."""


@dataclass
class BuildReport:
    documents: int = 0
    chunks: int = 0
    embedded: int = 0
    reused: int = 0
    skipped: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class Index:
    manifest: dict
    documents: dict[str, Document]
    chunks: list[Chunk]
    vectors: np.ndarray
    sentence_vectors: np.ndarray
    sentence_offsets: np.ndarray
    dense: DenseIndex
    lexical: BM25
    tokenizer: Tokenizer

    @classmethod
    def load(cls, folder: Path) -> Index:
        """Load and verify; raises IndexDamaged with a one-line reason."""
        manifest = read_manifest(folder)
        unlisted = sorted({p.name for p in folder.iterdir()} - set(manifest["files"]) - {"manifest.json", ".gitignore"})
        if unlisted:
            raise IndexDamaged(f"{folder} holds files its manifest does not list: {', '.join(unlisted)}")
        for name, digest in manifest["files"].items():
            path = folder / name
            if not path.is_file():
                raise IndexDamaged(f"{path} is missing")
            if _sha256(path) != digest:
                raise IndexDamaged(f"{path} does not match its checksum (truncated or altered)")
        try:
            documents = {d["doc_id"]: _document_from_json(d) for d in _read_json(folder / "documents.json")}
            with open(folder / "chunks.jsonl", encoding="utf-8") as fh:
                chunks = [_chunk_from_json(json.loads(line)) for line in fh]
            vectors = np.load(folder / "vectors.npy")
            sentence_vectors = np.load(folder / "sentence_vectors.npy")
            sentence_offsets = np.load(folder / "sentence_offsets.npy")
            dense = DenseIndex.load(folder / "dense.faiss")
            lexical = BM25.load(folder)
            terms = (folder / "terms.txt").read_text(encoding="utf-8").split()
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
            raise IndexDamaged(f"{folder} cannot be read: {exc}") from exc
        if not (len(chunks) == len(vectors) == dense.index.ntotal == lexical.weights.shape[0]):
            raise IndexDamaged(f"{folder}: chunks, vectors and postings disagree in count")
        if len(sentence_offsets) != len(chunks) + 1 or sentence_offsets[-1] != len(sentence_vectors):
            raise IndexDamaged(f"{folder}: sentence vectors and chunks disagree in count")
        return cls(manifest, documents, chunks, vectors, sentence_vectors, sentence_offsets, dense, lexical,
                   Tokenizer(terms))

    def sections(self) -> list[tuple[Document, Section]]:
        return [(doc, s) for doc in self.documents.values() for s in doc.sections]


def read_manifest(folder: Path) -> dict:
    path = folder / "manifest.json"
    if not path.is_file():
        raise IndexDamaged(f"no index at {folder} (manifest.json missing)")
    try:
        manifest = _read_json(path)
        if manifest["format"] != FORMAT_VERSION:
            raise IndexDamaged(f"{folder} has index format {manifest['format']}, this kbqa reads {FORMAT_VERSION}")
        if not (
            isinstance(manifest["files"], dict)
            and isinstance(manifest["embedder"]["name"], str)
            and isinstance(manifest["chunking"], dict)
            and all(isinstance(d["file"], str) for d in manifest["documents"] + manifest.get("skipped", []))
        ):
            raise TypeError("a field has the wrong type")
    except KeyError as exc:
        raise IndexDamaged(f"{path} is not a valid manifest: it has no {exc} field") from exc
    except (ValueError, TypeError) as exc:
        raise IndexDamaged(f"{path} is not a valid manifest: {exc}") from exc
    return manifest


def stale_reason(settings: Settings, embedder_name: str, folder: Path | None = None) -> str | None:
    """Why the index at `folder` does not reflect kb/ and the settings; None if it does."""
    folder = folder or settings.index_dir
    recover(folder)
    try:
        manifest = read_manifest(folder)
    except IndexDamaged as exc:
        return str(exc)
    if manifest["embedder"]["name"] != embedder_name:
        return f"embedder changed ({manifest['embedder']['name']} -> {embedder_name})"
    if manifest["chunking"] != _chunking(settings):
        return "chunk settings or cleaning code changed"
    sources, errors = list_sources(settings.kb_dir)
    built = {d["file"]: d["sha256"] for d in manifest["documents"]}
    built.update({s["file"]: s["sha256"] for s in manifest.get("skipped", [])})
    now = {s.path.name: s.sha256 for s in sources}
    if built != now:
        changed = sorted(set(built.items()) ^ set(now.items()))
        return "kb/ changed: " + ", ".join(sorted({name for name, _ in changed}))
    return None


@contextmanager
def build_lock(folder: Path, say: Callable[[str], None] = log.warning) -> Iterator[None]:
    """Hold the one build turn of `folder` across processes; the OS frees it if the holder dies."""
    if not folder.parent.exists():  # a file in the way is left for open() to report as "Not a directory"
        folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f".{folder.name}.lock", "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"waiting for another process to finish building {folder}")
            fcntl.flock(fh, fcntl.LOCK_EX)
        yield  # closing the file releases the lock


def build(
    settings: Settings,
    embedder: Embedder,
    progress: Callable[[int, int], None] | None = None,
    say: Callable[[str], None] = log.warning,
) -> BuildReport:
    """Build index/ from kb/ (only new passages are embedded) and swap it into place."""
    with build_lock(settings.index_dir, say):
        return _build(settings, embedder, progress)


def _build(settings: Settings, embedder: Embedder, progress: Callable[[int, int], None] | None) -> BuildReport:
    folder = settings.index_dir
    recover(folder)
    report = BuildReport()
    clock = time.perf_counter()

    sources, errors = list_sources(settings.kb_dir)
    report.skipped = list(errors)
    documents: list[tuple[Source, Document]] = []
    skipped_sources = []
    for source in sources:
        try:
            documents.append((source, read_source(source)))
        except (ValueError, OSError) as exc:
            report.skipped.append(str(exc))
            skipped_sources.append({"file": source.path.name, "sha256": source.sha256, "error": str(exc)})
    if not documents:
        raise ValueError(f"no usable document in {settings.kb_dir}: " + ("; ".join(report.skipped) or "it is empty"))
    report.seconds["clean"] = time.perf_counter() - clock

    clock = time.perf_counter()
    chunks: list[Chunk] = []
    for _, doc in documents:
        chunks.extend(chunk_document(doc, settings.chunk_size, settings.chunk_overlap, first_id=len(chunks)))
    report.seconds["chunk"] = time.perf_counter() - clock

    clock = time.perf_counter()
    sentence_texts, sentence_offsets = sentence_units(chunks)
    texts = [c.embedding_text() for c in chunks] + sentence_texts
    all_vectors, report.embedded, report.reused = embed_through_cache(
        settings.cache_dir / "embeddings.sqlite", embedder, texts, progress
    )
    vectors, sentence_vectors = all_vectors[: len(chunks)], all_vectors[len(chunks) :]
    report.seconds["embed"] = time.perf_counter() - clock

    clock = time.perf_counter()
    terms = domain_terms(
        [s.title for _, d in documents for s in d.sections] + [d.title for _, d in documents],
        "\n".join(d.text for _, d in documents),
    )
    tokenizer = Tokenizer(terms)
    lexical = BM25.build([tokenizer(f"{c.title}\n{c.text}") for c in chunks])
    dense = DenseIndex.build(vectors)
    tmp = folder.parent / f".{folder.name}.building-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    _write_json(tmp / "documents.json", [_document_to_json(d) for _, d in documents])
    with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as fh:
        for c in chunks:
            fh.write(json.dumps(asdict(c), ensure_ascii=False) + "\n")
    _pause_point("write")
    np.save(tmp / "vectors.npy", vectors)
    np.save(tmp / "sentence_vectors.npy", sentence_vectors)
    np.save(tmp / "sentence_offsets.npy", sentence_offsets)
    dense.save(tmp / "dense.faiss")
    lexical.save(tmp)
    (tmp / "terms.txt").write_text("\n".join(terms) + "\n", encoding="utf-8")
    files = sorted(p.name for p in tmp.iterdir())
    manifest = {
        "format": FORMAT_VERSION,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "embedder": {"name": embedder.name, "dim": embedder.dim},
        "chunking": _chunking(settings),
        "dense": {"kind": dense.kind, "count": len(chunks)},
        "documents": [
            {
                "doc_id": s.doc_id,
                "file": s.path.name,
                "sha256": s.sha256,
                "title": d.title,
                "sections": len(d.sections),
                "chunks": sum(c.doc_id == s.doc_id for c in chunks),
            }
            for s, d in documents
        ],
        "skipped": skipped_sources,
        "files": {name: _sha256(tmp / name) for name in files},
    }
    _write_json(tmp / "manifest.json", manifest)
    (tmp / ".gitignore").write_text("*\n!.gitignore\n")
    _fsync_tree(tmp)
    _pause_point("swap")
    _swap(tmp, folder)
    report.seconds["index"] = time.perf_counter() - clock
    report.documents, report.chunks = len(documents), len(chunks)
    return report


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
    path: Path, embedder: Embedder, texts: list[str], progress: Callable[[int, int], None] | None = None
) -> tuple[np.ndarray, int, int]:
    """(vectors, embedded, reused): only texts the cache at `path` lacks are embedded.

    The cache is only a cache: a damaged file is set aside as `<name>.damaged` and refilled.
    """
    try:
        return _embed_cached(path, embedder, texts, progress)
    except sqlite3.DatabaseError as exc:
        log.warning("the embedding cache %s is damaged (%s); set aside as %s.damaged, embedding afresh",
                    path, exc, path.name)
    for part in ("", "-journal", "-wal", "-shm"):  # a stale journal must not meet the new file
        if path.with_name(path.name + part).exists():
            os.replace(path.with_name(path.name + part), path.with_name(f"{path.name}.damaged{part}"))
    return _embed_cached(path, embedder, texts, progress)


def _embed_cached(path: Path, embedder: Embedder, texts: list[str], progress) -> tuple[np.ndarray, int, int]:
    done = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, len(texts))

    cached = CachedEmbedder(embedder, path)
    try:
        return cached.embed_passages(texts, progress=step), cached.misses, cached.hits
    finally:
        cached.close()


def ensure_index(settings: Settings, embedder: Embedder, progress=None, say=log.warning) -> Index:
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


def recover(folder: Path) -> None:
    """Finish or undo a swap that a killed build left half done."""
    for old in sorted(folder.parent.glob(f".{folder.name}.old-*")):
        if old.name != f".{folder.name}.old-{os.getpid()}" and _owner_alive(old):
            continue  # another build is between its two renames
        if not (folder / "manifest.json").is_file() and (old / "manifest.json").is_file():
            shutil.rmtree(folder, ignore_errors=True)
            os.rename(old, folder)
        else:
            shutil.rmtree(old, ignore_errors=True)
    for tmp in folder.parent.glob(f".{folder.name}.building-*"):
        if not _owner_alive(tmp):
            shutil.rmtree(tmp, ignore_errors=True)


def _owner_alive(path: Path) -> bool:
    """Whether the process named by the `-<pid>` ending of a build's folder is running."""
    pid = path.name.rsplit("-", 1)[-1]
    return pid.isdigit() and _alive(int(pid))


def _swap(tmp: Path, folder: Path) -> None:
    old = folder.parent / f".{folder.name}.old-{os.getpid()}"
    if folder.exists():
        os.rename(folder, old)
    _pause_point("swapping")
    os.rename(tmp, folder)
    _fsync_dir(folder.parent)
    _pause_point("swapped")
    shutil.rmtree(old, ignore_errors=True)


def _pause_point(stage: str) -> None:
    """Fault-injection hook: `KBQA_BUILD_PAUSE=<stage>` holds a build here so a test can kill it.

    Stages: `write` (temporary folder half written), `swap` (written, not yet swapped),
    `swapping` (index/ renamed away, new one not yet in place), `swapped` (old one not yet deleted).
    """
    if os.environ.get("KBQA_BUILD_PAUSE") == stage:
        print(f"kbqa: build paused at {stage} (KBQA_BUILD_PAUSE)", file=sys.stderr, flush=True)
        time.sleep(60)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _chunking(settings: Settings) -> dict:
    return {
        "size": settings.chunk_size,
        "overlap": settings.chunk_overlap,
        "separators": SEPARATORS,
        "pipeline": pipeline_fingerprint(),
    }


def pipeline_fingerprint() -> str:
    """A hash of the code that turns kb/ into chunks and postings: changing it rebuilds."""
    digest = hashlib.sha256()
    for module in ("clean.py", "chunk.py", "lexical.py", "kb.py"):
        digest.update((Path(__file__).parent / module).read_bytes())
    return digest.hexdigest()[:16]


def _document_to_json(doc: Document) -> dict:
    return {"doc_id": doc.doc_id, "title": doc.title, "text": doc.text, "meta": doc.meta,
            "sections": [asdict(s) for s in doc.sections]}


def _document_from_json(d: dict) -> Document:
    sections = tuple(Section(**(s | {"path": tuple(s["path"])})) for s in d["sections"])
    return Document(d["doc_id"], d["title"], d["text"], sections, d.get("meta", {}))


def _chunk_from_json(c: dict) -> Chunk:
    return Chunk(**(c | {"path": tuple(c["path"])}))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def _write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=1), encoding="utf-8")


def _fsync_tree(folder: Path) -> None:
    for path in folder.iterdir():
        with open(path, "rb") as fh:
            os.fsync(fh.fileno())
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
