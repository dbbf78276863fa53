"""PDF lines into blocks: page furniture out, hard-wrapped lines and pages rejoined, headings found.

Pure functions over `Line`s, so each rule can be tested without a PDF.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from kbqa.data import Block
from kbqa.readers.common import SENTENCE_END, joiner, toc_entry
from kbqa.readers.pdf_text import Line, is_bold
from kbqa.text import squash

BAND = 0.12  # running headers and footers live in the outer eighth of a page
_PAGE_NUMBER = re.compile(
    r"^(?:[-—–－_~·•|\s]*(?:\d{1,4}|[ivxlc]{1,6})[-—–－_~·•|\s]*|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?"
    r"|\d+\s*/\s*\d+|(?:page|p\.)\s*\d+(?:\s*(?:of|/)\s*\d+)?)$",
    re.I,
)
_STARTS_NUMBER = re.compile(
    r"^(?:第[零〇一二三四五六七八九十百千\d]+[编章节条]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]"
    r"|\d+(?:\.\d+)*[.、 ]|[①-⑳]|\[\d+\])"
)
HEADING_SIZE = 1.1  # times the body size: a line set this much larger is a heading
MAX_HEADING_CHARS = 60
MAX_HEADING_LINES = 3
FOOTNOTE_SIZE = 0.85  # times the body size: smaller lines below a page's last body line are its footnotes


@dataclass(frozen=True)
class Row:
    """A table row the parser found; its text is `cell | cell`."""

    page: int
    top: float
    text: str


@dataclass
class _Context:
    body_size: float
    body_bold: bool
    left: float
    right: float
    pitch: dict[float, float] = field(default_factory=dict)
    indented: bool = False  # paragraphs open with a first-line indent, so an unindented line always runs on


def _band(line: Line) -> str | None:
    if line.top < BAND * line.page_height:
        return "top"
    return "bottom" if line.bottom > (1 - BAND) * line.page_height else None


def drop_furniture(pages: list[list[Line]], body_size: float) -> list[list[Line]]:
    """Pages without running headers, footers and page numbers."""
    seen: dict[tuple, list[tuple[int, float, float]]] = defaultdict(list)
    for n, lines in enumerate(pages):
        for line in lines:
            if band := _band(line):
                pos = line.top if band == "top" else line.page_height - line.bottom
                seen[(band, _shape(line.text))].append((n, pos, line.size))
    furniture = set()
    need = max(2, math.ceil(0.2 * len(pages)))  # on a fifth of the pages, or on two in a smaller type
    for (band, shape), places in seen.items():
        middle = statistics.median(pos for _, pos, _ in places)
        here = [(n, size) for n, pos, size in places if abs(pos - middle) <= 3]
        pages_here = {n for n, _ in here}
        small = all(size <= 0.8 * body_size for _, size in here)
        if len(pages_here) >= need or (len(pages_here) >= 2 and small):
            furniture.update((n, band, shape) for n in pages_here)
    out = []
    for n, lines in enumerate(pages):
        kept = [ln for ln in lines if (n, _band(ln), _shape(ln.text)) not in furniture]
        out.append(_strip_page_numbers(kept))
    return out


def _shape(text: str) -> str:
    return re.sub(r"\d+", "#", text)


def _strip_page_numbers(lines: list[Line]) -> list[Line]:
    for _ in range(2):
        if lines and _band(lines[-1]) and _PAGE_NUMBER.match(lines[-1].text):
            lines = lines[:-1]
        if lines and _band(lines[0]) and _PAGE_NUMBER.match(lines[0].text):
            lines = lines[1:]
    return lines


def context(pages: list[list[Line]]) -> _Context:
    """The body's size, face, margins and line pitch, from the lines that carry most characters."""
    lines = [ln for page in pages for ln in page]
    weight = Counter()
    for ln in lines:
        weight[ln.size] += len(ln.text)
    size = weight.most_common(1)[0][0] if weight else 10.0
    body = [ln for ln in lines if ln.size == size] or lines
    fonts = Counter()
    for ln in body:
        fonts[ln.font] += len(ln.text)
    left = Counter(round(ln.x0) for ln in body).most_common(1)[0][0] if body else 0.0
    right = Counter(round(ln.x1) for ln in body).most_common(1)[0][0] if body else 0.0
    pitch = defaultdict(list)
    for page in pages:
        for a, b in zip(page, page[1:]):
            if a.size == b.size and b.top > a.top:
                pitch[a.size].append(b.top - a.top)
    body_bold = is_bold(fonts.most_common(1)[0][0]) if fonts else False
    indents = sum(1 for ln in body if 1.5 * size <= ln.x0 - left <= 2.5 * size)
    medians = {s: statistics.median(v) for s, v in pitch.items()}
    return _Context(size, body_bold, left, right, medians, indented=indents >= max(3, 0.05 * len(body)))


def continues(a: Line, b: Line, ctx: _Context) -> bool:
    """Whether line `b` carries on the paragraph that line `a` ends."""
    if abs(a.size - b.size) > 0.6 or not a.text or not b.text:
        return False
    ends_sentence = a.text[-1] in SENTENCE_END
    if b.page == a.page:
        if b.top <= a.top or b.top - a.top > 1.6 * ctx.pitch.get(a.size, 2 * a.size):
            return False
    elif (ends_sentence and not ctx.indented) or b.page != a.page + 1:
        return False
    full = a.x0 <= ctx.left + a.size and a.x1 >= ctx.right - a.size
    if full and not ends_sentence and abs((b.x0 + b.x1) - (ctx.left + ctx.right)) < 2 * b.size:
        return True  # a centred title wrapped onto a second line
    if b.x0 > ctx.left + 0.5 * b.size or a.x0 > ctx.left + 4 * a.size:  # b indented; a centred or set right
        return False
    if a.x1 < ctx.right - (0.35 if ends_sentence else 1.2) * a.size:
        return False
    return not ((ends_sentence or a.text[-1] == ".") and _STARTS_NUMBER.match(b.text))


def footnotes(pages: list[list[Line]], body_size: float) -> set[int]:
    """Ids of the small lines below each page's last body line: they must not split a paragraph that runs on."""
    found = set()
    for lines in pages:
        last_body = max((i for i, ln in enumerate(lines) if ln.size > FOOTNOTE_SIZE * body_size), default=len(lines))
        found.update(id(ln) for ln in lines[last_body + 1 :] if ln.top > 0.5 * ln.page_height)
    return found


def paragraphs(items: list[Line | Row], ctx: _Context, notes: set[int] = frozenset()) -> list[Block]:
    """Blocks from lines and rows in reading order: wrapped lines joined, TOC lines and headings told apart.

    Footnotes (`notes`) are held back and follow the paragraph that runs on past them.
    """
    blocks, run, held = [], [], []
    for item in items:
        if id(item) in notes:
            held.append(item)
            continue
        if held and not (run and isinstance(item, Line) and continues(run[-1], item, ctx)):
            blocks.extend(_block(run, ctx))
            blocks.extend(paragraphs(held, ctx))
            run, held = [], []
        if isinstance(item, Line) and (entry := toc_entry(item.text)):
            blocks.extend(_block(run, ctx))
            blocks.append(Block("toc", entry, page=item.page))
            run = []
        elif isinstance(item, Row):
            blocks.extend(_block(run, ctx))
            blocks.append(Block("table_row", item.text, page=item.page))
            run = []
        elif run and continues(run[-1], item, ctx):
            run.append(item)
        else:
            blocks.extend(_block(run, ctx))
            run = [item]
    blocks.extend(_block(run, ctx))
    return blocks + (paragraphs(held, ctx) if held else [])


def _joined(parts: list[str]) -> str:
    text = ""
    for part in parts:
        text += joiner(text, part) + part
    return text


def _block(run: list[Line], ctx: _Context) -> list[Block]:
    if not run:
        return []
    text, first = _joined([ln.text for ln in run]), run[0]
    larger = all(ln.size >= HEADING_SIZE * ctx.body_size for ln in run)
    bold_line = len(run) == 1 and first.all_bold and not ctx.body_bold and len(text) <= 40
    short = len(text) <= MAX_HEADING_CHARS and len(run) <= MAX_HEADING_LINES
    if short and (larger or (bold_line and first.x1 < ctx.right - 2 * first.size)):
        return [Block("heading", text, page=first.page)]
    return [Block("paragraph", text, lead=_lead(run, text, ctx), page=first.page)]


def _lead(run: list[Line], text: str, ctx: _Context) -> str:
    """The bold opening of a paragraph (a lead sentence set in 黑体), across lines while they stay bold."""
    if ctx.body_bold:
        return ""
    parts = []
    for line in run:
        if line.bold_prefix:
            parts.append(line.bold_prefix)
        if not line.all_bold:
            break
    lead = _joined(parts)
    return lead if lead and text.startswith(lead) else ""


def apply_outline(blocks: list[Block], outline: list[tuple[int, str]]) -> list[Block]:
    """Blocks the PDF's bookmarks name become headings with the bookmark's level."""
    blocks, cursor, squashed = list(blocks), 0, {}

    def key(i: int) -> str:
        if blocks[i].text not in squashed:
            squashed[blocks[i].text] = squash(blocks[i].text)
        return squashed[blocks[i].text]

    for level, title in outline:
        want = squash(title)
        for i in range(cursor, len(blocks)) if want else ():
            if blocks[i].kind in ("toc", "table_row") or not (got := key(i)):
                continue
            end = i + 1
            while want.startswith(got) and got != want and end < len(blocks) and blocks[end].kind != "toc":
                got, end = got + key(end), end + 1  # a heading wrapped onto two lines
            if got == want:
                text = _joined([b.text for b in blocks[i:end]])
                blocks[i:end] = [Block("heading", text, level=level, page=blocks[i].page)]
                cursor = i + 1
                break
    return blocks
