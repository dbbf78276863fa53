"""Plain text: paragraphs as the file separates them; cleaning is the clean stage's work.

A file that puts blank lines between its paragraphs may wrap a paragraph over several
lines (a table cell `与全市经济增速` / `保持同步`): those lines are one paragraph. Otherwise
each non-blank line is a paragraph.
"""

from __future__ import annotations

import re

from kbqa.data import Block
from kbqa.readers.base import Reading
from kbqa.readers.common import join_wrapped
from kbqa.readers.sniff import decode_text


def read_txt(data: bytes) -> Reading:
    text, encoding = decode_text(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _BLANK_LINE.search(text) and len(_BLANK_LINE.findall(text)) * 3 >= text.count("\n"):
        paragraphs = [join_wrapped(p) for p in _BLANK_LINE.split(text)]
    else:
        paragraphs = [line.strip() for line in text.split("\n")]
    return Reading([Block("paragraph", p) for p in paragraphs if p], "txt", meta={"encoding": encoding})


_BLANK_LINE = re.compile(r"\n[ \t\u3000]*\n\s*")
