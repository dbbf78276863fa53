"""Plain text: one paragraph per non-blank line; cleaning is the clean stage's work."""

from __future__ import annotations

from kbqa.data import Block
from kbqa.readers.base import Reading
from kbqa.readers.sniff import decode_text


def read_txt(data: bytes) -> Reading:
    text, encoding = decode_text(data)
    blocks = [Block("paragraph", line.strip()) for line in text.splitlines() if line.strip()]
    return Reading(blocks, "txt", meta={"encoding": encoding})
