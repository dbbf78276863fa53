"""The index folder on disk: write it with checksums, check it, load it.

index/
  manifest.json   format, embedder, chunk settings, source hashes, file checksums
  documents.json  cleaned documents with their sections
  chunks.jsonl    one chunk per line
  vectors.npy     passage vectors (float32, normalised)
  sentence_vectors.npy, sentence_offsets.npy
                  one vector per sentence of each chunk; chunk i owns rows offsets[i]:offsets[i+1]
  dense.faiss     FAISS index over those vectors
  lexical.npz     BM25 weight matrix;  vocab.json  its terms;  terms.txt  jieba user terms
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from kbqa.data import Chunk, Document, Section
from kbqa.dense import DenseIndex
from kbqa.lexical import BM25, Tokenizer

FORMAT_VERSION = 1
UNLISTED = {"manifest.json", ".gitignore"}


class IndexDamaged(Exception):
    """The index folder is missing, stale, or does not match its checksums."""


@dataclass
class Index:
    """A loaded index: what retrieval and answering read."""

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
        _check_files(folder, manifest)
        try:
            documents = {d["doc_id"]: document_from_json(d) for d in _read_json(folder / "documents.json")}
            with open(folder / "chunks.jsonl", encoding="utf-8") as fh:
                chunks = [chunk_from_json(json.loads(line)) for line in fh]
            vectors = np.load(folder / "vectors.npy")
            sentence_vectors = np.load(folder / "sentence_vectors.npy")
            sentence_offsets = np.load(folder / "sentence_offsets.npy")
            dense = DenseIndex.load(folder / "dense.faiss")
            lexical = BM25.load(folder)
            terms = (folder / "terms.txt").read_text(encoding="utf-8").split()
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
            raise IndexDamaged(f"{folder} cannot be read: {exc}") from exc
        index = cls(manifest, documents, chunks, vectors, sentence_vectors, sentence_offsets, dense, lexical,
                    Tokenizer(terms))
        index.check_counts(folder)
        return index

    def check_counts(self, folder: Path) -> None:
        """Every part must describe the same chunks (each file can be whole and still disagree)."""
        if not (len(self.chunks) == len(self.vectors) == self.dense.index.ntotal == self.lexical.weights.shape[0]):
            raise IndexDamaged(f"{folder}: chunks, vectors and postings disagree in count")
        offsets = self.sentence_offsets
        if len(offsets) != len(self.chunks) + 1 or offsets[-1] != len(self.sentence_vectors):
            raise IndexDamaged(f"{folder}: sentence vectors and chunks disagree in count")

    def save(self, folder: Path, halfway: Callable[[], None] | None = None) -> None:
        """Write every part into the new folder `folder`, then the manifest with their checksums; fsync all.

        `halfway` runs when the texts are written and the vectors are not: a moment a build names.
        """
        folder.mkdir(parents=True)
        _write_json(folder / "documents.json", [document_to_json(d) for d in self.documents.values()])
        with open(folder / "chunks.jsonl", "w", encoding="utf-8") as fh:
            for c in self.chunks:
                fh.write(json.dumps(asdict(c), ensure_ascii=False) + "\n")
        if halfway:
            halfway()
        np.save(folder / "vectors.npy", self.vectors)
        np.save(folder / "sentence_vectors.npy", self.sentence_vectors)
        np.save(folder / "sentence_offsets.npy", self.sentence_offsets)
        self.dense.save(folder / "dense.faiss")
        self.lexical.save(folder)
        (folder / "terms.txt").write_text("\n".join(self.tokenizer.terms) + "\n", encoding="utf-8")
        files = sorted(p.name for p in folder.iterdir())
        checksums = {name: sha256(folder / name) for name in files}
        self.manifest = {"format": FORMAT_VERSION} | self.manifest | {"files": checksums}
        _write_json(folder / "manifest.json", self.manifest)
        (folder / ".gitignore").write_text("*\n!.gitignore\n")
        fsync_tree(folder)

    def sections(self) -> list[tuple[Document, Section]]:
        return [(doc, s) for doc in self.documents.values() for s in doc.sections]


def read_manifest(folder: Path) -> dict:
    """The manifest of `folder`, checked for the fields and types a load relies on."""
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


def _check_files(folder: Path, manifest: dict) -> None:
    unlisted = sorted({p.name for p in folder.iterdir()} - set(manifest["files"]) - UNLISTED)
    if unlisted:
        raise IndexDamaged(f"{folder} holds files its manifest does not list: {', '.join(unlisted)}")
    for name, digest in manifest["files"].items():
        path = folder / name
        if not path.is_file():
            raise IndexDamaged(f"{path} is missing")
        if sha256(path) != digest:
            raise IndexDamaged(f"{path} does not match its checksum (truncated or altered)")


def document_to_json(doc: Document) -> dict:
    return {"doc_id": doc.doc_id, "title": doc.title, "text": doc.text, "meta": doc.meta,
            "sections": [asdict(s) for s in doc.sections]}


def document_from_json(d: dict) -> Document:
    """JSON has no tuples: a section's heading path comes back as one."""
    sections = tuple(Section(**(s | {"path": tuple(s["path"])})) for s in d["sections"])
    return Document(d["doc_id"], d["title"], d["text"], sections, d.get("meta", {}))


def chunk_from_json(c: dict) -> Chunk:
    return Chunk(**(c | {"path": tuple(c["path"])}))


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def _write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=1), encoding="utf-8")


def fsync_tree(folder: Path) -> None:
    """Make the files of `folder` durable before it is renamed into place."""
    for path in folder.iterdir():
        with open(path, "rb") as fh:
            os.fsync(fh.fileno())
    fsync_dir(folder)


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
