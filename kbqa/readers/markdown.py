"""Markdown through markdown-it-py (CommonMark with tables): headings keep their `#` level."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from kbqa.data import Block
from kbqa.readers.base import Reading
from kbqa.readers.common import join_wrapped
from kbqa.readers.sniff import decode_text

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_FRONT_TITLE = re.compile(r"^title:\s*['\"]?(.*?)['\"]?\s*$", re.M)
_TAG = re.compile(r"<[^>]*>")
_BREAK_TAG = re.compile(r"<br\s*/?>", re.I)


def read_markdown(data: bytes) -> Reading:
    text, encoding = decode_text(data)
    front = _FRONT_MATTER.match(text)
    title = ""
    if front:
        text = text[front.end() :]
        title = m.group(1).strip() if (m := _FRONT_TITLE.search(front.group(1))) else ""
    tokens = MarkdownIt("commonmark").enable("table").enable("strikethrough").parse(text)
    blocks = list(_blocks(tokens))
    title = title or next((b.text for b in blocks if b.kind == "heading" and b.level == 1), "")
    return Reading(blocks, "md", title, {"encoding": encoding})


def _blocks(tokens):
    """Blocks from markdown-it's flat token stream; `prefix` carries an ordered item's number to its text."""
    prefix, row = "", None
    for i, tok in enumerate(tokens):
        if tok.type == "list_item_open" and tok.info:
            prefix = f"{tok.info}{tok.markup} "
        elif tok.type == "tr_open":
            row = []
        elif tok.type == "tr_close":
            yield Block("table_row", " | ".join(row))
            row = None
        elif tok.type == "inline" and row is not None:
            row.append(_flat(tok))
        elif tok.type == "inline" and tokens[i - 1].type == "heading_open":
            yield Block("heading", _flat(tok), level=int(tokens[i - 1].tag[1]))
        elif tok.type == "inline":
            for n, (text, lead) in enumerate(_lines(tok)):
                yield Block("paragraph", prefix + text if n == 0 else text, lead=lead if n == 0 else "")
            prefix = ""
        elif tok.type in ("fence", "code_block", "html_block"):
            yield from _verbatim(tok)


def _verbatim(tok):
    content = tok.content
    if tok.type == "html_block":
        content = _TAG.sub("", _BREAK_TAG.sub("\n", content))
    for line in content.splitlines():
        if line.strip():
            yield Block("paragraph", line.strip())


def _lines(tok) -> list[tuple[str, str]]:
    """A paragraph's lines split at hard breaks, the first with its bold opening (`**第一条**`) as lead."""
    text, lead = _inline(tok)
    lines = [line for line in (join_wrapped(part) for part in text.split("\0")) if line]
    lead = join_wrapped(lead)
    return [(line, lead if n == 0 and line.startswith(lead) else "") for n, line in enumerate(lines)]


def _flat(tok) -> str:
    return join_wrapped(_inline(tok)[0].replace("\0", "\n"))


def _inline(tok) -> tuple[str, str]:
    """(text with soft breaks as newlines and hard breaks as NUL, the strong text it opens with)."""
    parts, lead, strong, leading = [], [], 0, True
    for child in tok.children or []:
        if child.type in ("text", "code_inline"):
            leading = leading and (strong > 0 or not child.content.strip())
            if leading:
                lead.append(child.content)
            parts.append(child.content)
        elif child.type in ("strong_open", "strong_close"):
            strong += 1 if child.type == "strong_open" else -1
        elif child.type == "softbreak":
            parts.append("\n")
        elif child.type == "hardbreak" or (child.type == "html_inline" and _BREAK_TAG.match(child.content)):
            parts.append("\0")
            leading = False
        elif child.type == "html_inline":  # markup written in the text is text: shown as written, never run
            parts.append(child.content)
            leading = False
    return "".join(parts), "".join(lead)
