"""The document library over kb/: what it holds and how the index sees each file, adding and removing.

An upload is checked whole before it can count: its name (no folders, `..`, hidden or
reserved names), its size, its extension, its content against the extension, and a full
read through kbqa.readers and the structure stage, on a hidden temporary file in kb/ that
builds ignore. Only then is it renamed into place (`os.replace`: a build sees the old file or
the new one, never half of one). Indexing is not done here: kbqa.rebuild does that.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from kbqa.errors import KbqaError
from kbqa.kb import Source, doc_id_for, list_sources, read_source
from kbqa.readers import SUFFIXES, DocumentError
from kbqa.readers.sniff import mismatch, sniff
from kbqa.settings import Settings
from kbqa.store import IndexDamaged, fsync_dir, read_manifest

MAX_NAME_BYTES = 200  # of a file name in UTF-8; file systems allow 255
RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$", re.I)  # Windows device names
UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')
TEMP_PREFIX = ".upload-"
ACCEPTED = " ".join(sorted(SUFFIXES))


@dataclass(frozen=True)
class Change:
    """What an add or a remove did to kb/ (the index follows when it is rebuilt)."""

    action: str  # "added" | "replaced" | "removed"
    doc_id: str
    file: str
    removed: tuple[str, ...] = ()  # files taken out of kb/ (a replaced document's old file)

    def describe(self) -> str:
        return f"{self.action} {self.file}"


def safe_name(filename: object) -> str:
    """The file name an upload is stored under; KbqaError `invalid_filename` or `unsupported_document`."""
    if not isinstance(filename, str) or not filename.strip():
        raise _bad_name("the upload has no file name", "没有文件名")
    parts = re.split(r"[/\\]", unicodedata.normalize("NFC", filename))
    if ".." in (p.strip() for p in parts):
        raise _bad_name(f"{filename!r:.80} climbs out of its folder (..)", "不能含有“..”")
    name = parts[-1].strip()
    if not name:
        raise _bad_name(f"{filename!r:.80} names a folder, not a file", "没有文件名")
    if UNSAFE.search(name):
        raise _bad_name(f"{name!r:.80} contains a control character or one of < > : \" | ? *",
                        "不能含有控制字符或 < > : \" | ? *")
    if name.startswith("."):
        raise _bad_name(f"{name!r:.80} is a hidden name (it starts with a dot)", "不能以“.”开头")
    if name.endswith("."):
        raise _bad_name(f"{name!r:.80} ends with a dot", "不能以“.”结尾")
    if RESERVED.match(name.split(".")[0].strip()):
        raise _bad_name(f"{name!r:.80} is a reserved device name on Windows", "是系统保留的名称")
    if len(name.encode()) > MAX_NAME_BYTES:
        raise _bad_name(f"the file name is {len(name.encode())} bytes in UTF-8; the limit is {MAX_NAME_BYTES}",
                        "太长了")
    if Path(name).suffix.lower() not in SUFFIXES:
        what = Path(name).suffix or "a name without an extension"
        raise KbqaError("unsupported_document", f"{name}: {what} is not a format kbqa reads ({ACCEPTED})",
                        accepted="、".join(sorted(set(SUFFIXES.values()))))
    return name


def _bad_name(message: str, reason: str) -> KbqaError:
    return KbqaError("invalid_filename", f"file name not accepted: {message}", reason=reason)


class Library:
    """The documents of `settings.kb_dir`; adds and removes take turns within the process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.kb_dir = Path(settings.kb_dir)
        self._lock = threading.Lock()

    @property
    def max_bytes(self) -> int:
        """The largest upload: the upload limit, or the size a build reads if that is smaller."""
        return min(self.settings.max_upload_bytes, self.settings.max_document_bytes)

    def documents(self) -> list[dict]:
        """Every document file of kb/ with what the index on disk knows of it, and those it still holds."""
        sources, errors = list_sources(self.kb_dir, self.settings.max_document_bytes)
        try:
            manifest = read_manifest(Path(self.settings.index_dir))
        except IndexDamaged:
            manifest = {"documents": [], "skipped": []}
        return listing(sources, errors, manifest)

    def add(self, filename: object, data: bytes) -> Change:
        """Check the upload whole, then put it in kb/ under its safe name (replacing a document of the same id)."""
        if len(data) > self.max_bytes:
            raise KbqaError("document_too_large", f"the file is {len(data)} bytes; the limit is {self.max_bytes} "
                            "(KBQA_MAX_UPLOAD_BYTES)", limit_mb=f"{self.max_bytes / 2**20:.3g}")
        name = safe_name(filename)
        suffix = Path(name).suffix.lower()
        if reason := ("empty file" if not data else mismatch(SUFFIXES[suffix], sniff(data), data)):
            raise KbqaError("content_mismatch", f"{name}: {reason}", suffix=suffix)
        doc_id = doc_id_for(Path(name))
        with self._lock:
            files = self._files()
            same = files.get(doc_id, [])
            if not same and len(files) >= self.settings.max_documents:
                raise KbqaError("too_many_documents", f"kb/ holds {self.settings.max_documents} documents, the "
                                "limit (KBQA_MAX_DOCUMENTS); remove one first", limit=self.settings.max_documents)
            self._place(name, doc_id, data)
            removed = tuple(p.name for p in same if p.name != name)
            for old in removed:
                (self.kb_dir / old).unlink(missing_ok=True)
            fsync_dir(self.kb_dir)
        return Change("replaced" if same else "added", doc_id, name, removed)

    def remove(self, doc_id: str) -> Change:
        """Take the document `doc_id` out of kb/; the last one stays (an index needs a document)."""
        with self._lock:
            files = self._files()
            same = files.get(doc_id, []) if isinstance(doc_id, str) else []
            if not same:
                raise KbqaError("no_such_document", f"kb/ holds no document with the id {str(doc_id)!r:.80}; "
                                f"the ids are: {', '.join(sorted(files)) or 'none'}")
            if len(files) == 1:
                raise KbqaError("last_document", f"{doc_id!r} is the only document in kb/; an index needs one, "
                                "so add another before removing it")
            for path in same:
                path.unlink(missing_ok=True)
            fsync_dir(self.kb_dir)
        return Change("removed", doc_id, same[0].name, tuple(p.name for p in same))

    def _files(self) -> dict[str, list[Path]]:
        """The document files of kb/ by id, also those a build would skip (too large, an id taken)."""
        found: dict[str, list[Path]] = {}
        if self.kb_dir.is_dir():
            for path in sorted(self.kb_dir.iterdir()):
                if not path.name.startswith(".") and path.suffix.lower() in SUFFIXES:
                    found.setdefault(doc_id_for(path), []).append(path)
        return found

    def _place(self, name: str, doc_id: str, data: bytes) -> None:
        """Write a hidden temporary file, read it as a build would, then rename it to `name`."""
        self.kb_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.kb_dir / f"{TEMP_PREFIX}{secrets.token_hex(8)}{Path(name).suffix.lower()}"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            try:
                read_source(Source(doc_id, tmp, hashlib.sha256(data).hexdigest()), self.max_bytes)
            except (DocumentError, ValueError) as exc:
                reason = str(exc).removeprefix(f"{tmp.name}: ")
                raise KbqaError("unreadable_document", f"{name}: {reason}") from None
            os.replace(tmp, self.kb_dir / name)
        finally:
            tmp.unlink(missing_ok=True)


def listing(sources: list[Source], errors: list[str], manifest: dict) -> list[dict]:
    """One record per document file, by name: kb/'s files and those only the index still holds.

    `state` is `indexed` (this version is in the index), `pending` (new or changed since the
    build), `skipped` (a build could not use it: `problem` says why) or `removing` (gone from
    kb/, answered from until the next build).
    """
    built = {d["file"]: d for d in manifest["documents"]}
    skipped = {d["file"]: d for d in manifest.get("skipped", [])}
    out = []
    for source in sources:
        doc, bad = built.get(source.path.name), skipped.get(source.path.name)
        current = doc if doc and doc["sha256"] == source.sha256 else None
        problem = bad["error"] if bad and bad["sha256"] == source.sha256 else ""
        out.append(_record(source.doc_id, source.path.name, current, problem,
                           "indexed" if current else "skipped" if problem else "pending", manifest))
    for error in errors:  # files list_sources itself would not read: too large, an id taken, unreadable
        name = error.split(": ", 1)[0]
        out.append(_record(doc_id_for(Path(name)), name, None, error, "skipped", manifest))
    present = {r["file"] for r in out}
    for name, doc in built.items():
        if name not in present:
            out.append(_record(doc["doc_id"], name, doc, "", "removing", manifest))
    return sorted(out, key=lambda r: r["file"])


def _record(doc_id: str, name: str, doc: dict | None, problem: str, state: str, manifest: dict) -> dict:
    return {
        "id": doc_id, "file": name, "format": SUFFIXES.get(Path(name).suffix.lower(), ""),
        "title": doc["title"] if doc else "", "sections": doc["sections"] if doc else 0,
        "chunks": doc["chunks"] if doc else 0, "indexed_at": manifest.get("built_at") if doc else None,
        "state": state, "problem": problem,
    }  # fmt: skip
