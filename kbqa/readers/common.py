"""Small text rules more than one reader needs: Chinese characters, wrapped lines, TOC entries, titles."""

from __future__ import annotations

import re

# Ideographs, CJK punctuation and full-width forms, and the radicals PDFs carry for ideographs:
# between two of these a line break or an extraction gap is not a word space.
CJK = (
    "\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
    "\u2014\u2026\u00b7\u201c\u201d\u2018\u2019"
)
_CJK_CHAR = re.compile(f"[{CJK}]")
_WRAP = re.compile(r"\s*\n\s*")
SENTENCE_END = "。！？；：!?;:”"

# A TOC line: a title, leaders (dots, middle dots, ellipses, rules) and a page number.
_LEADERS = re.compile(r"^(?P<title>.*?\S)\s*(?:[.．·•…‥_—\-]\s*){3,}\s*(?P<page>\d{1,4}|[IVXLCivxlc]{1,7})$")
_TAB_PAGE = re.compile(r"^(?P<title>.*?\S)\s*\t\s*(?P<page>\d{1,4}|[IVXLCivxlc]{1,7})$")

_JUNK_TITLE = re.compile(
    r"^(?:microsoft (?:word|powerpoint|excel) - .*|.*\.(?:docx?|pdf|wps|txt|html?|tmp|rtf)"
    r"|untitled|document\s*\d*|文档\s*\d*|无标题.*|新建.*文档.*|标准名称|标题|title|slide\s*\d+)$",
    re.I,
)


def is_cjk(char: str) -> bool:
    return bool(char) and bool(_CJK_CHAR.match(char))


def joiner(left: str, right: str) -> str:
    """What goes between the end of `left` and the start of `right` when a wrapped line is rejoined."""
    if not left or not right:
        return ""
    a, b = left[-1], right[0]
    if is_cjk(a) or is_cjk(b) or (a == "-" and b.isalpha()) or a.isspace() or b.isspace():
        return ""
    return " "


def join_wrapped(text: str) -> str:
    """Soft-wrapped lines as one line: Chinese joins without a space, Latin words keep one."""
    return _WRAP.sub(lambda m: joiner(text[: m.start()], text[m.end() :]), text).strip()


def toc_entry(text: str, tab_only: bool = False) -> str | None:
    """The title of a TOC line without its leaders and page number, or None when it is not one."""
    m = _TAB_PAGE.match(text) or (None if tab_only else _LEADERS.match(text))
    return m.group("title").strip() if m else None


def clean_title(title: str | None) -> str:
    """A metadata title worth showing, or "" for none or a tool's leftover (`Microsoft Word - x.doc`)."""
    title = " ".join((title or "").split())
    if not title or _JUNK_TITLE.match(title) or not any(c.isalnum() for c in title):
        return ""
    return title


def row_text(cells: list[str]) -> str:
    """`cell | cell | cell`, without the empty cells at either end (merged corners, trailing blanks)."""
    cells = [" ".join(c.split()) for c in cells]
    while cells and not cells[0]:
        cells.pop(0)
    while cells and not cells[-1]:
        cells.pop()
    return " | ".join(cells)
