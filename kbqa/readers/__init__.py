"""One reader per format, each turning a file into the same stream of typed blocks.

`read_file` checks what every format shares (size, content that matches the extension)
and hands the bytes to the format's reader; any failure is a `DocumentError` whose one-line
message starts with the file's name.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kbqa.readers.base import DocumentError, Reading
from kbqa.readers.sniff import mismatch, sniff

SUFFIXES = {".txt": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".pdf": "pdf",
            ".docx": "docx"}  # fmt: skip
_NAMES = {"txt": "text file", "md": "Markdown file", "html": "HTML page", "pdf": "PDF file", "docx": "Word file"}

__all__ = ["SUFFIXES", "DocumentError", "Reading", "read_bytes", "read_file"]


def _reader(fmt: str) -> Callable[[bytes], Reading]:
    # Imported on use: a knowledge base of .txt files never loads pdfminer or python-docx.
    if fmt == "txt":
        from kbqa.readers.txt import read_txt as reader
    elif fmt == "md":
        from kbqa.readers.markdown import read_markdown as reader
    elif fmt == "html":
        from kbqa.readers.html import read_html as reader
    elif fmt == "pdf":
        from kbqa.readers.pdf import read_pdf as reader
    else:
        from kbqa.readers.word import read_docx as reader
    return reader


def read_file(path: Path, max_bytes: int) -> Reading:
    """Read one knowledge-base file; DocumentError (`name: reason`) when it cannot be read."""
    path = Path(path)
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        accepted = " ".join(sorted(set(SUFFIXES)))
        what = path.suffix or "a file without an extension"
        raise DocumentError(f"{path.name}: {what} is not a format kbqa reads ({accepted})")
    try:
        if not path.is_file():
            raise DocumentError(f"{path.name}: not a regular file (a folder, a broken link or a device)")
        size = path.stat().st_size
        if size > max_bytes:
            raise DocumentError(f"{path.name}: larger than {max_bytes / 2**20:.3g} MiB")
        with path.open("rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as exc:
        raise DocumentError(f"{path.name}: cannot be read ({exc.strerror or exc})") from None
    if len(data) > max_bytes:  # it grew while being read
        raise DocumentError(f"{path.name}: larger than {max_bytes / 2**20:.3g} MiB")
    try:
        return read_bytes(data, fmt)
    except DocumentError as exc:
        raise DocumentError(f"{path.name}: {exc}") from None


def read_bytes(data: bytes, fmt: str) -> Reading:
    """The blocks of a file's bytes read as `fmt`; DocumentError with the reason (no file name) when unreadable."""
    if not data:
        raise DocumentError("empty file")
    if reason := mismatch(fmt, sniff(data), data):
        raise DocumentError(reason)
    try:
        reading = _reader(fmt)(data)
    except DocumentError:
        raise
    except RecursionError:
        raise DocumentError(f"not a readable {_NAMES[fmt]} (nested too deeply)") from None
    except Exception as exc:  # a parser's own error, whatever its type: one line, never a traceback
        raise DocumentError(f"not a readable {_NAMES[fmt]} ({_short(exc)})") from exc
    if not any(b.text.strip() for b in reading.blocks):
        raise DocumentError("no text in the file")
    return reading


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= 100 else text[:99] + "…"
