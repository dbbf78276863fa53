"""HTML pages through BeautifulSoup (lxml): the page's text in reading order, without its site furniture."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Comment, Declaration, Doctype, NavigableString, ProcessingInstruction, Tag

from kbqa.data import Block
from kbqa.readers.base import Reading
from kbqa.readers.common import CJK, row_text
from kbqa.readers.sniff import decode_text

DROPPED = {"script", "style", "nav", "aside", "form", "noscript", "template", "svg", "canvas", "iframe", "object",
           "select", "button", "head", "title", "meta", "link"}  # fmt: skip
SITE_PARTS = {"header", "footer"}  # a site's, unless inside the article they belong to
SITE_ROLES = {"navigation", "banner", "contentinfo", "search"}
BLOCKS = {"address", "article", "blockquote", "body", "caption", "center", "dd", "details", "dialog", "div", "dl",
          "dt", "fieldset", "figcaption", "figure", "hgroup", "hr", "html", "li", "main", "ol", "p", "section",
          "summary", "ul", "header", "footer", "tbody", "thead", "tfoot"}  # fmt: skip
HEADINGS = {f"h{n}": n for n in range(1, 7)}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", re.I)
_SPACES = re.compile(r"[ \t\n\r\f\xa0]+")
_CJK_WRAP = re.compile(f"(?<=[{CJK}])[ \\t\\r\\xa0]*\\n\\s*(?=[{CJK}])")
_GB = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936"}
MAX_DEPTH = 150  # deeper than this is flattened: no page needs it, and recursion must end


def read_html(data: bytes) -> Reading:
    soup = BeautifulSoup(decode_html(data), "lxml")
    title = " ".join(soup.title.get_text().split()) if soup.title else ""
    meta = {k: v for k, v in (("author", _meta(soup, "author")), ("created", _meta(soup, "pubdate", "date"))) if v}
    out = _Builder()
    out.walk(soup.body or soup, 0)
    out.flush()
    return Reading(out.blocks, "html", title, meta)


def blocks_from_markup(markup: str) -> list[Block]:
    out = _Builder()
    out.walk(BeautifulSoup(markup, "lxml"), 0)
    out.flush()
    return out.blocks


def decode_html(data: bytes) -> str:
    """The declared charset (BOM or <meta>), else UTF-8, else GB18030."""
    declared = _CHARSET.search(data[:4096])
    name = declared.group(1).decode("ascii", "replace").lower() if declared else ""
    if name and not data.startswith(b"\xef\xbb\xbf") and name not in ("utf-8", "utf8"):
        try:
            return data.decode("gb18030" if name in _GB else name)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(data)[0]


def _meta(soup: BeautifulSoup, *names: str) -> str:
    for tag in soup.find_all("meta"):
        if (tag.get("name") or tag.get("property") or "").lower() in names and tag.get("content"):
            return " ".join(str(tag["content"]).split())
    return ""


def _dropped(tag: Tag) -> bool:
    if tag.name in DROPPED or (tag.get("role") or "") in SITE_ROLES:
        return True
    if tag.name in SITE_PARTS and not tag.find_parent(["article", "main"]):
        return True
    hidden = tag.has_attr("hidden") or tag.get("aria-hidden") == "true"
    return hidden or bool(_HIDDEN_STYLE.search(tag.get("style", "")))


def _text(node) -> str:
    """An element's text as one line (headings, table cells)."""
    pieces = []
    for s in node.find_all(string=True):
        if not isinstance(s, (Comment, Declaration, Doctype, ProcessingInstruction)) and not any(
            isinstance(p, Tag) and _dropped(p) for p in s.parents
        ):
            pieces.append(str(s))
    return _clean("".join(pieces))


def _clean(text: str) -> str:
    return _SPACES.sub(" ", _CJK_WRAP.sub("", text)).strip()


class _Builder:
    """Collects inline text into the current line; a block boundary or `<br>` ends the line."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.parts: list[str] = []
        self.lead: list[str] = []  # the bold text the line opens with
        self.leading = True

    def add(self, text: str, bold: bool) -> None:
        if self.leading and text.strip():
            if bold:
                self.lead.append(text)
            else:
                self.leading = False
        self.parts.append(text)

    def flush(self) -> None:
        text, lead = _clean("".join(self.parts)), _clean("".join(self.lead))
        if text:
            self.blocks.append(Block("paragraph", text, lead=lead if text.startswith(lead) else ""))
        self.parts, self.lead, self.leading = [], [], True

    def walk(self, node, depth: int, bold: bool = False) -> None:
        for child in node.children:
            if isinstance(child, NavigableString):
                if not isinstance(child, (Comment, Declaration, Doctype, ProcessingInstruction)):
                    self.add(str(child), bold)
            elif isinstance(child, Tag) and not _dropped(child):
                self.element(child, depth + 1, bold or child.name in ("b", "strong"))

    def element(self, tag: Tag, depth: int, bold: bool) -> None:
        name = tag.name
        if name == "br":
            self.flush()
        elif name in HEADINGS:
            self.flush()
            if text := _text(tag):
                self.blocks.append(Block("heading", text, level=HEADINGS[name]))
        elif name == "table":
            self.flush()
            self.table(tag, depth)
        elif name == "pre":
            self.flush()
            self.blocks.extend(Block("paragraph", line.strip()) for line in tag.get_text().splitlines() if line.strip())
        elif depth > MAX_DEPTH:
            self.add(_text(tag), bold)
        elif name in BLOCKS:
            self.flush()
            self.walk(tag, depth, bold)
            self.flush()
        else:
            self.walk(tag, depth, bold)

    def table(self, table: Tag, depth: int) -> None:
        rows = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
        cells = [[c for c in tr.find_all(["td", "th"], recursive=False) if not _dropped(c)] for tr in rows]
        if all(len(r) <= 1 for r in cells) or table.find("table"):  # a layout table: its cells are the page
            for cell in (c for r in cells for c in r):
                self.walk(cell, depth)
                self.flush()
            return
        if table.caption and (text := _text(table.caption)):
            self.blocks.append(Block("paragraph", text))
        for row in cells:
            if text := row_text([_text(c) for c in row]):
                self.blocks.append(Block("table_row", text))
