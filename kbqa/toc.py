"""Tables of contents: found, kept out of the text, and used to find the headings they list.

Three shapes are recognised: `toc` blocks a reader marked (Word TOC styles, dot leaders in
a PDF); a `目录` line followed by entries until the first entry occurs again (the body
starts there); and a scraped page whose contents run straight into the body, found because
its first chapter's heading occurs a second time. In the last shape the body's headings
run into their text too, so each entry is looked for in the body, in order.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from kbqa.headings import TOC_NAMES, Heading, classify, parse_chinese_numeral
from kbqa.text import squash

_LEADER = re.compile(r"\s*(?:[.．·…‥_\-—]{2,}|\t)\s*[\dIVXLCivxlc]*\s*$|\s+[\dIVXLC]+\s*$")
_CHAPTER = re.compile(r"([一二三四五六七八九十]{1,3})、")


@dataclass(frozen=True)
class Piece:
    """A block on its way to a section: body text, a table row, or a heading with its level."""

    text: str
    kind: str = "paragraph"  # paragraph | table_row | heading
    level: int | None = None
    lead: str = ""
    heading: Heading | None = None


def entry_text(line: str) -> str:
    """A TOC line without its dot leaders and page number."""
    return _LEADER.sub("", line.strip()).strip()


# Left where a table of contents stood: the front matter before it is no parent of the body after it.
TOC_MARK = Piece("", "toc")


def split_toc(pieces: list[Piece]) -> tuple[list[Heading], list[Piece]]:
    """The headings a table of contents lists, and the pieces without the table (TOC_MARK in its place).

    The tables' own titles (`目录`, `图目录`) go too: they name no text of the document.
    """
    marked = [entry_text(p.text) for p in pieces if p.kind == "toc"]
    first = next((i for i, p in enumerate(pieces) if p.kind == "toc"), None)
    body = [p for p in pieces if p.kind != "toc"]
    if first is not None:
        body.insert(first, TOC_MARK)
    at = next((i for i, p in enumerate(body) if squash(p.text) in TOC_NAMES), None)
    if at is not None:
        end = _body_start(body, at + 1)
        if end is not None:
            marked += [p.text for p in body[at + 1 : end]]
            body = [*body[:at], TOC_MARK, *body[end:]]
    body = [p for p in body if squash(p.text) not in TOC_NAMES]
    return [h for h in map(classify, marked) if h is not None], body


def _body_start(pieces: list[Piece], first: int) -> int | None:
    """Where the body starts: the first TOC entry's second occurrence."""
    if first >= len(pieces):
        return None
    key = squash(entry_text(pieces[first].text))
    if not key:
        return None
    return next((j for j in range(first + 1, len(pieces)) if squash(pieces[j].text).startswith(key)), None)


# A run-in entry: (chapter numeral, chapter title, section number or "", section title)
_Entry = tuple[str, str, str, str]


def run_in_toc(stream: str) -> tuple[str, list[_Entry], str] | None:
    """(title, entries, body) of text whose contents run into its body; None if it has none.

    The body starts where the first chapter's heading occurs a second time (the last TOC
    line runs straight into it). Entries are matched in their expected order (chapter k+1,
    section c.j+1), so `1.32025年…` reads as section 1.3.
    """
    first = _CHAPTER.search(stream)
    if first is None or first.group(1) != "一":
        return None
    opening = stream[first.start() :].split("\n", 1)[0]
    body_at = stream.find(opening, first.start() + len(opening))
    if body_at < 0:
        return None
    entries = _entries(stream[first.start() : body_at])
    if entries is None or len(entries) < 2:
        return None
    return stream[: first.start()].strip(), entries, stream[body_at:]


def _entries(toc: str) -> list[_Entry] | None:
    entries: list[_Entry] = []
    chapter, chapter_title, section = 0, "", 0
    for line in toc.split("\n"):
        line = line.strip()
        next_chapter = f"{chinese_numeral(chapter + 1)}、"
        next_section = f"{chapter}.{section + 1}"
        if line.startswith(next_chapter):
            chapter, section = chapter + 1, 0
            chapter_title = line[len(next_chapter) :]
            entries.append((chinese_numeral(chapter), chapter_title, "", ""))
        elif chapter and line.startswith(next_section):
            section += 1
            entries.append((chinese_numeral(chapter), chapter_title, next_section, line[len(next_section) :]))
        elif line:
            return None
    return entries


def chinese_numeral(n: int) -> str:
    """1 -> 一, 13 -> 十三 (up to 99)."""
    digits = "一二三四五六七八九"
    if n < 10:
        return digits[n - 1]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens - 1]) + "十" + (digits[ones - 1] if ones else "")


def locate_run_in(entries: list[_Entry], body: str) -> list[Piece]:
    """The body cut at each entry's heading; an entry not found is a heading with no text.

    Headings run straight into the text, so only the exact `number + title` of the next
    expected entry counts: `统一、能耗` or `PM2.5浓度` never match.
    """
    found: list[tuple[int, int, Heading]] = []
    cursor = 0
    for ch, ch_title, num, title in entries:
        written = f"{num}{title}" if num else f"{ch}、{ch_title}"
        m = heading_pattern(written).search(body, cursor)
        heading_text = m.group(0) if m else written  # the body's own punctuation
        if num:
            heading = Heading("decimal", tuple(map(int, num.split("."))), num, heading_text[len(num) :])
        else:
            heading = Heading("cn", (parse_chinese_numeral(ch) or 0,), f"{ch}、", ch_title)
        found.append((m.start() if m else -1, m.end() if m else -1, heading))
        if m:
            cursor = m.end()
    return _cut(found, body)


def _cut(found: list[tuple[int, int, Heading]], body: str) -> list[Piece]:
    starts = sorted(s for s, _, _ in found if s >= 0)
    pieces = []
    for start, end, heading in found:
        pieces.append(Piece(heading.label, "heading", heading=heading))
        if start >= 0:
            following = [s for s in starts if s >= end]
            text = body[end : following[0] if following else len(body)].strip()
            pieces += [Piece(line) for line in text.split("\n") if line.strip()]
    return pieces


def heading_pattern(heading: str) -> re.Pattern[str]:
    """The heading as written, except that any punctuation may stand for any other and spacing may differ.

    A TOC writes `"智慧国"` where the body writes `“智慧国”`, and `第一章 总则` where a PDF gives `第一章 总 则`.
    """
    parts = []
    for c in heading:
        if c.isspace():
            continue
        parts.append(r"[^\w\s]" if unicodedata.category(c).startswith("P") else re.escape(c))
    return re.compile(r"[ \t\u3000]*".join(parts))
