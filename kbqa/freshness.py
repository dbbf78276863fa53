"""Whether index/ is current: the files of kb/, the embedder, the chunk settings, the code.

Changing the code that decides an index's content rebuilds it: `pipeline_fingerprint` hashes
the PIPELINE modules and every reader, and the manifest keeps the hash.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from kbqa.chunk import SEPARATORS
from kbqa.kb import list_sources
from kbqa.settings import Settings
from kbqa.store import IndexDamaged, read_manifest
from kbqa.swap import recover

PACKAGE = Path(__file__).parent
# The modules whose code decides what an index holds (the texts embedded, the chunks, the
# postings, the files, this record of them); every file under readers/ counts too.
PIPELINE = ("data", "text", "kb", "clean", "structure", "headings", "toc", "tables", "chunk", "embed", "dense",
            "lexical", "store", "build", "freshness", "calibrate", "frontmatter")


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
    if manifest["chunking"] != chunking(settings):
        return "chunk settings or cleaning code changed"
    sources, errors = list_sources(settings.kb_dir, settings.max_document_bytes)
    built = {d["file"]: d["sha256"] for d in manifest["documents"]}
    built.update({s["file"]: s["sha256"] for s in manifest.get("skipped", [])})
    now = {s.path.name: s.sha256 for s in sources}
    if built != now:
        changed = sorted(set(built.items()) ^ set(now.items()))
        return "kb/ changed: " + ", ".join(sorted({name for name, _ in changed}))
    return None


def chunking(settings: Settings) -> dict:
    """The manifest's record of how passages were cut; any change to it rebuilds."""
    return {
        "size": settings.chunk_size,
        "overlap": settings.chunk_overlap,
        "separators": SEPARATORS,
        "pipeline": pipeline_fingerprint(),
    }


def pipeline_files() -> list[Path]:
    """The source files of the PIPELINE modules that exist, and every reader."""
    named = [PACKAGE / f"{name}.py" for name in PIPELINE]
    return [p for p in named if p.is_file()] + sorted((PACKAGE / "readers").rglob("*.py"))


def pipeline_fingerprint() -> str:
    """A hash of the code that turns kb/ into the index's content: changing it rebuilds."""
    digest = hashlib.sha256()
    for path in pipeline_files():
        digest.update(f"{path.relative_to(PACKAGE).as_posix()}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
