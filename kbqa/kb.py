"""The knowledge-base folder: which documents there are, and reading them."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from pathlib import Path

from kbqa.data import Document
from kbqa.readers import SUFFIXES, DocumentError, read_bytes, read_file
from kbqa.structure import build_document

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Source:
    """A document file in kb/ and the hash of its bytes."""

    doc_id: str
    path: Path
    sha256: str


def doc_id_for(path: Path) -> str:
    return re.sub(r"[^\w.-]+", "-", path.stem).strip("-") or "document"


def list_sources(kb_dir: Path, max_bytes: int = MAX_DOCUMENT_BYTES) -> tuple[list[Source], list[str]]:
    """The document files of kb/ (sorted), and one message per file that cannot be read."""
    if not kb_dir.is_dir():
        raise FileNotFoundError(
            f"knowledge-base folder {kb_dir} does not exist; put documents there ({' '.join(sorted(SUFFIXES))})"
        )
    sources, errors, seen = [], [], set()
    for path in sorted(kb_dir.iterdir()):
        if path.name.startswith(".") or path.suffix.lower() not in SUFFIXES:
            continue
        if not path.is_file():  # never opened: a FIFO would block the build
            errors.append(f"{path.name}: not a regular file (a folder, a broken link or a device)")
            continue
        try:
            if path.stat().st_size > max_bytes:
                errors.append(f"{path.name}: larger than {max_bytes / 2**20:.3g} MiB")
                continue
            data = path.read_bytes()
        except OSError as exc:
            errors.append(f"{path.name}: cannot be read ({exc.strerror or exc})")
            continue
        doc_id = doc_id_for(path)
        if doc_id in seen:
            errors.append(f"{path.name}: another document already has the id {doc_id!r}; rename one")
            continue
        seen.add(doc_id)
        sources.append(Source(doc_id, path, hashlib.sha256(data).hexdigest()))
    return sources, errors


def read_source(source: Source, max_bytes: int = MAX_DOCUMENT_BYTES) -> Document:
    """Read and structure one document; ValueError (`name: reason`) when it is unusable."""
    reading = read_file(source.path, max_bytes)
    doc = build_document(reading.blocks, source.doc_id, reading.title, reading.format)
    if not any(s.has_text for s in doc.sections):
        raise DocumentError(f"{source.path.name}: no text after cleaning")
    return replace(doc, meta=reading.meta | doc.meta | {"file": source.path.name})


def document_from_text(raw: str, doc_id: str, fmt: str = "txt") -> Document:
    """A document from the text of a .txt or .md file (for tests and tools)."""
    reading = read_bytes(raw.encode("utf-8"), fmt)
    return build_document(reading.blocks, doc_id, reading.title, reading.format)
