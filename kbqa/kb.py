"""The knowledge-base folder: which documents there are, and reading them."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from kbqa.data import Block, Document
from kbqa.structure import build_document

SUFFIXES = {".txt": "txt", ".md": "md"}
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Source:
    """A document file in kb/ and the hash of its bytes."""

    doc_id: str
    path: Path
    sha256: str


def doc_id_for(path: Path) -> str:
    return re.sub(r"[^\w.-]+", "-", path.stem).strip("-") or "document"


def list_sources(kb_dir: Path) -> tuple[list[Source], list[str]]:
    """The .txt/.md files of kb/ (sorted), and one message per file that cannot be read."""
    if not kb_dir.is_dir():
        raise FileNotFoundError(f"knowledge-base folder {kb_dir} does not exist; put .txt or .md files there")
    sources, errors, seen = [], [], set()
    for path in sorted(kb_dir.iterdir()):
        if path.name.startswith(".") or path.suffix.lower() not in SUFFIXES:
            continue
        if not path.is_file():  # never opened: a FIFO would block the build
            errors.append(f"{path.name}: not a regular file (a folder, a broken link or a device)")
            continue
        try:
            if path.stat().st_size > MAX_DOCUMENT_BYTES:
                errors.append(f"{path.name}: larger than {MAX_DOCUMENT_BYTES // 2**20} MiB")
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


def read_source(source: Source) -> Document:
    """Read and clean one document; ValueError with the file's name when it is unusable."""
    data = source.path.read_bytes()
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ValueError(f"{source.path.name}: larger than {MAX_DOCUMENT_BYTES // 2**20} MiB")
    try:
        raw = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        at = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)  # the offset in the file, BOM included
        raise ValueError(f"{source.path.name}: not UTF-8 text (byte {at})") from None
    if "\x00" in raw:
        raise ValueError(f"{source.path.name}: binary data, not text")
    doc = document_from_text(raw, source.doc_id, SUFFIXES[source.path.suffix.lower()])
    if not any(s.has_text for s in doc.sections):
        raise ValueError(f"{source.path.name}: no text after cleaning")
    return doc


def document_from_text(raw: str, doc_id: str, fmt: str = "txt") -> Document:
    """A document from the text of a .txt or .md file."""
    return build_document(text_blocks(raw, fmt), doc_id, fmt=fmt)


def text_blocks(raw: str, fmt: str = "txt") -> list[Block]:
    """Lines as paragraphs (paragraphs separated by blank lines, where the file does that); `#` headings in Markdown."""
    raw = raw.replace("\r\n", "\n")
    paragraphs = raw.split("\n\n") if raw.count("\n\n") * 3 >= raw.count("\n") else raw.split("\n")
    blocks = []
    for para in paragraphs:
        lines = [line.strip() for line in para.split("\n") if line.strip()]
        if fmt == "md" and lines and re.match(r"#{1,6}\s", lines[0]) and len(lines) == 1:
            level = len(lines[0]) - len(lines[0].lstrip("#"))
            blocks.append(Block("heading", lines[0][level:].strip(), level=level))
        elif fmt == "md":
            blocks += [_md_line(line) for line in lines]
        elif lines:
            blocks.append(Block("paragraph", "".join(lines) if fmt == "txt" else " ".join(lines)))
    return blocks


def _md_line(line: str) -> Block:
    m = re.match(r"(#{1,6})\s+(.*)", line)
    return Block("heading", m.group(2).strip(), level=len(m.group(1))) if m else Block("paragraph", line)
