"""What every reader returns, and the one error they raise."""

from __future__ import annotations

from dataclasses import dataclass, field

from kbqa.data import Block


class DocumentError(ValueError):
    """A file kbqa cannot read; the message is one line and, from `read_file`, starts with the file's name."""


@dataclass(frozen=True)
class Reading:
    """A file as its reader saw it: blocks in reading order, the format, a title from metadata, and facts about it."""

    blocks: list[Block]
    format: str
    title: str = ""
    meta: dict = field(default_factory=dict)
