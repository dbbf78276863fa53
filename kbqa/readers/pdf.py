"""PDF text layers through pdfplumber.

Why pdfplumber: it is MIT-licensed (PyMuPDF is AGPL), maintained, built on pdfminer.six
(which opens the AES-encrypted, empty-user-password files published PDFs often are), and
gives every character with its position, size and font, which is what rejoining
hard-wrapped Chinese lines, dropping running headers and telling headings and bold leads
apart needs; its table finder gives rows whose text is then kept out of the paragraphs.
pypdf's text extraction loses positions; pypdfium2 gives positions but not fonts.
"""

from __future__ import annotations

import io
import logging
import re

import pdfplumber
from pdfminer.pdfdocument import PDFNoOutlines, PDFPasswordIncorrect
from pdfplumber.utils.exceptions import PdfminerException

from kbqa.readers.base import DocumentError, Reading
from kbqa.readers.common import clean_title, join_wrapped, row_text
from kbqa.readers.pdf_layout import Row, apply_outline, context, drop_furniture, footnotes, paragraphs
from kbqa.readers.pdf_text import Line, close_gaps, make_line

# pdfminer warns on every odd font it meets (Chromium's have no FontBBox); that is noise to a reader.
logging.getLogger("pdfminer").setLevel(logging.ERROR)
NO_TEXT = "no text layer; scanned PDFs are not supported"
_DATE = re.compile(r"D:(\d{4})(\d{2})?(\d{2})?")


def read_pdf(data: bytes) -> Reading:
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = [_page(page) for page in pdf.pages]
            outline, info = _outline(pdf), pdf.metadata or {}
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args else exc
        if isinstance(cause, PDFPasswordIncorrect):
            raise DocumentError("needs a password; kbqa reads PDFs that open without one") from None
        raise DocumentError(f"not a readable PDF file ({cause or type(cause).__name__})") from None
    lines = [[item for item in items if isinstance(item, Line)] for items in pages]
    if not any(lines):
        raise DocumentError(NO_TEXT)
    ctx = context(lines)
    kept = drop_furniture(lines, ctx.body_size)
    items = []
    for page_items, page_lines in zip(pages, kept):
        keep = set(map(id, page_lines))
        items.extend(i for i in page_items if isinstance(i, Row) or id(i) in keep)
    blocks = apply_outline(paragraphs(items, ctx, footnotes(kept, ctx.body_size)), outline)
    return Reading(blocks, "pdf", clean_title(_string(info.get("Title"))), _meta(info, len(pages)))


def _page(page) -> list[Line | Row]:
    """A page's lines and table rows, top to bottom."""
    page = page.dedupe_chars()
    rows, boxes = [], []
    for table in page.find_tables():
        cells = table.extract()
        if not any(len([c for c in row if c]) > 1 for row in cells):
            continue  # a frame around text, not a table
        boxes.append(table.bbox)
        for row, found in zip(table.rows, cells):
            text = row_text([close_gaps(join_wrapped(c or "")) for c in found])
            if text:
                rows.append(Row(page.page_number, float(row.bbox[1]), text))
    if boxes:
        page = page.filter(lambda obj: not any(_inside(obj, box) for box in boxes))
    lines = []
    for found in page.extract_text_lines(return_chars=True, strip=True):
        if line := make_line(found["chars"], page.page_number, float(page.height)):
            lines.append(line)
    return sorted([*lines, *rows], key=lambda item: item.top)


def _inside(obj: dict, box: tuple) -> bool:
    if "x0" not in obj or "top" not in obj:
        return False
    x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _outline(pdf) -> list[tuple[int, str]]:
    try:
        return [(level, _string(title)) for level, title, *_ in pdf.doc.get_outlines() if _string(title).strip()]
    except PDFNoOutlines:
        return []
    except Exception:  # a damaged outline loses the bookmarks, not the text
        return []


def _string(value) -> str:
    if isinstance(value, bytes):
        for encoding in ("utf-16", "utf-8", "gb18030"):
            try:
                return value.decode(encoding) if encoding != "utf-16" or value[:2] in (b"\xfe\xff", b"\xff\xfe") else ""
            except UnicodeDecodeError:
                continue
        return ""
    return value if isinstance(value, str) else ""


def _meta(info: dict, pages: int) -> dict:
    meta = {"pages": pages}
    if author := _string(info.get("Author")).strip():
        meta["author"] = author
    if m := _DATE.match(_string(info.get("CreationDate"))):
        meta["created"] = "-".join(g for g in m.groups() if g)
    return meta
