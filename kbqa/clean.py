"""Raw scraped text -> clean simplified text with its chapters and sections.

`normalize` is shared by documents and questions, so both meet in one form.
`parse_document` recovers the structure: a report whose table of contents lists
chapters (一、…) and numbered sections (1.1 …), a Markdown file with `#` headings, or
plain text as a single section.
"""

from __future__ import annotations

import re
import unicodedata

from kbqa.data import Document, Section
from kbqa.text import normalize

_HEADER_LINES = ("版权说明", "文档简介")
_FOOTER_LINES = ("温馨提示", "最新文档", "评论")
_SITE_SUFFIXES = ("模板",)

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def chinese_numeral(n: int) -> str:
    """1 -> 一, 13 -> 十三 (chapter numbers up to 99)."""
    digits = "一二三四五六七八九"
    if n < 10:
        return digits[n - 1]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens - 1]) + "十" + (digits[ones - 1] if ones else "")


def parse_chinese_numeral(s: str) -> int:
    """一 -> 1, 十三 -> 13, 二十 -> 20."""
    if "十" not in s:
        return _CN_DIGITS[s]
    tens, _, ones = s.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def strip_site_text(lines: list[str]) -> list[str]:
    """Drop the hosting site's header lines and everything from its footer on."""
    kept = []
    for line in lines:
        stripped = line.strip()
        if stripped in _FOOTER_LINES:
            break
        if stripped.startswith(_HEADER_LINES):
            continue
        kept.append(line)
    return kept


def parse_document(raw: str, doc_id: str, fmt: str = "txt") -> Document:
    """Clean raw text and recover its structure."""
    lines = strip_site_text(normalize(raw).replace("\r\n", "\n").split("\n"))
    if fmt == "md":
        return _parse_markdown(lines, doc_id)
    stream = "\n".join(lines).strip()
    toc = _read_toc(stream)
    if toc is None:
        title = lines[0].strip() if lines else doc_id
        return _assemble(doc_id, title, [("", "", "", "", stream)])
    title, entries, body = toc
    return _assemble(doc_id, title, _split_body(entries, body))


# A table-of-contents entry: (chapter numeral, chapter title, section number or "", section title)
_Entry = tuple[str, str, str, str]
_CHAPTER = re.compile(r"([一二三四五六七八九十]{1,3})、")


def _read_toc(stream: str) -> tuple[str, list[_Entry], str] | None:
    """Read the table of contents that precedes the body; None if there is none.

    The body starts where the first chapter's heading occurs a second time (the last
    TOC line runs straight into it). Entries are matched in their expected order
    (chapter k+1, section c.j+1), so `1.32025年…` reads as section 1.3.
    """
    first = _CHAPTER.search(stream)
    if first is None or first.group(1) != "一":
        return None
    opening = stream[first.start() :].split("\n", 1)[0]
    body_at = stream.find(opening, first.start() + len(opening))
    if body_at < 0:
        return None
    title = stream[: first.start()].strip()
    for suffix in _SITE_SUFFIXES:
        title = title.removesuffix(suffix)
    entries: list[_Entry] = []
    chapter, chapter_title, section = 0, "", 0
    for line in stream[first.start() : body_at].split("\n"):
        line = line.strip()
        next_chapter = chinese_numeral(chapter + 1) + "、"
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
    if len(entries) < 2:
        return None
    return title or entries[0][1], entries, stream[body_at:]


def _split_body(entries: list[_Entry], body: str) -> list[tuple[str, str, str, str, str]]:
    """Find each heading in order in the body and cut the text between them.

    Headings run straight into the text, so only the exact `number + title` of the
    next expected entry counts: `统一、能耗` or `PM2.5浓度` never match.
    """
    found: list[tuple[int, int, _Entry]] = []
    cursor = 0
    for entry in entries:
        ch, ch_title, num, title = entry
        heading = f"{num}{title}" if num else f"{ch}、{ch_title}"
        m = _heading_pattern(heading).search(body, cursor)
        if m is None:
            found.append((-1, -1, entry))
            continue
        written = m.group(0)[len(num) :] if num else title  # the body's own punctuation
        found.append((m.start(), m.end(), (ch, ch_title, num, written)))
        cursor = m.end()
    parts = []
    located = [(s, e) for s, e, _ in found if s >= 0]
    for at, end, (ch, ch_title, num, title) in found:
        if at < 0:
            text = ""
        else:
            following = [s for s, _ in located if s >= end]
            text = body[end : min(following) if following else len(body)]
        if num or text.strip():
            parts.append((ch, ch_title, num or ch, title or ch_title, text.strip()))
    return parts


def _heading_pattern(heading: str) -> re.Pattern[str]:
    """The heading as written, except that any punctuation may stand for any other.

    The TOC writes `"智慧国"` where the body writes `“智慧国”`.
    """
    return re.compile(
        "".join(r"[^\w\s]" if unicodedata.category(c).startswith("P") else re.escape(c) for c in heading)
    )


def _parse_markdown(lines: list[str], doc_id: str) -> Document:
    title, parts, current, chapter = doc_id, [], None, ("", "")
    heading = re.compile(r"^(#{1,6})\s+(.*)$")
    numbered = re.compile(r"^(\d+(?:\.\d+)*)\s*(.*)$")
    for line in lines:
        m = heading.match(line.strip())
        if not m:
            if current is not None:
                current[4].append(line)
            continue
        level, text = len(m.group(1)), m.group(2).strip()
        if level == 1 and title == doc_id and not parts and current is None:
            title = text
            continue
        n = numbered.match(text)
        number, name = (n.group(1), n.group(2)) if n else (str(len(parts) + 1), text)
        if level <= 2 and "." not in number:
            chapter = (number, name)
        current = (chapter[0], chapter[1], number, name, [])
        parts.append(current)
    if not parts:
        return _assemble(doc_id, title, [("", "", "", "", "\n".join(lines).strip())])
    laid = [(c, ct, n, t, "\n".join(b).strip()) for c, ct, n, t, b in parts]
    # A chapter heading followed at once by its first subsection is a heading, not a
    # section whose text is missing.
    laid = [p for i, p in enumerate(laid) if p[4] or not (i + 1 < len(laid) and laid[i + 1][2].startswith(p[2] + "."))]
    return _assemble(doc_id, title, laid)


def _assemble(doc_id: str, title: str, parts: list[tuple[str, str, str, str, str]]) -> Document:
    """Lay the parts out as readable text (headings on their own lines) and record offsets."""
    out = [title, "\n\n"]
    pos = len(title) + 2
    sections = []
    last_chapter = None
    for ch, ch_title, num, sec_title, text in parts:
        if ch and ch != last_chapter and num != ch:
            line = f"{ch}、{ch_title}\n"
            out.append(line)
            pos += len(line)
        last_chapter = ch
        heading_start = pos
        heading = f"{num} {sec_title}".strip()
        if heading:
            out.append(heading + "\n")
            pos += len(heading) + 1
        start = pos
        out.append(text)
        pos += len(text)
        path = (f"{ch}、{ch_title}",) if ch else ()
        if num != ch:
            path += (heading,)
        sections.append(Section(num, sec_title, path, start, pos, heading_start, doc_id))
        out.append("\n\n")
        pos += 2
    return Document(doc_id, title, "".join(out).rstrip("\n") + "\n", tuple(sections))
