"""Word .docx through python-docx, reading the XML where its API is silent.

Headings come from outline levels (the paragraph's, or its style's along `basedOn`, as the
custom styles of standards drafts carry them) and `Heading N` styles; numbers Word draws
from numbering.xml are put back in front of the text, since users cite clauses by them.
Leading bold runs become `lead`. Headers, footers, text boxes and unfilled placeholders are
not body text.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

import docx
from docx.oxml.ns import qn

from kbqa.data import Block
from kbqa.readers.base import DocumentError, Reading
from kbqa.readers.common import clean_title, row_text, toc_entry
from kbqa.readers.word_numbering import Numbering
from kbqa.readers.word_styles import Styles, on

MAX_EXPANDED_BYTES = 200 * 2**20  # all parts unpacked; real documents stay far below
MAX_RATIO = 100  # unpacked / packed for one part; XML compresses 5–20 times, zeros 1000 times
RATIO_FLOOR = 2**20  # small parts may compress as they like
_P, _R, _T, _TBL, _TR, _TC, _SDT = (qn(f"w:{t}") for t in ("p", "r", "t", "tbl", "tr", "tc", "sdt"))
_SKIP = {qn(f"w:{t}") for t in ("del", "moveFrom", "rPr", "pPr", "instrText", "delText", "footnoteReference",
                                "endnoteReference", "commentReference", "sdtPr", "sdtEndPr")}  # fmt: skip
_SKIP.add("{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback")
_BREAKS = re.compile(r"[\t\n]+")
_TIGHT_AFTER = "、，。：；）)．.》」』"  # a label ending in these is followed by the text without a space


def read_docx(data: bytes) -> Reading:
    check_zip(data)
    document = docx.Document(io.BytesIO(data))
    numbering_part = getattr(document.part, "_numbering_part", None) or _numbering_part(document)
    walker = _Walker(Styles(document.styles.element), Numbering(numbering_part), _marks(document.element.body))
    blocks = list(walker.container(document.element.body))
    props = document.core_properties
    meta = {"author": props.author or "", "created": props.created.date().isoformat() if props.created else ""}
    return Reading(blocks, "docx", clean_title(props.title), {k: v for k, v in meta.items() if v})


def _numbering_part(document):
    try:
        return document.part.numbering_part.element
    except (KeyError, NotImplementedError, AttributeError):
        return None


def check_zip(data: bytes) -> None:
    """Refuse, before unpacking anything, a zip that is not a .docx or would unpack to far more than it is."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise DocumentError("not a readable Word file (the ZIP archive is damaged or truncated)") from None
    if "word/document.xml" not in {i.filename for i in infos}:
        raise DocumentError("not a readable Word file (a ZIP archive without word/document.xml)")
    if sum(i.file_size for i in infos) > MAX_EXPANDED_BYTES:
        raise DocumentError(f"expands to more than {MAX_EXPANDED_BYTES // 2**20} MiB; refusing a possible zip bomb")
    for i in infos:
        if i.file_size > RATIO_FLOOR and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            ratio = i.file_size // max(i.compress_size, 1)
            raise DocumentError(f"{i.filename} expands {ratio} times; refusing a possible zip bomb")


@dataclass
class _Field:
    instr: str = ""
    default: str | None = None
    in_result: bool = False
    texts: list = field(default_factory=list)


@dataclass
class _Marks:
    dropped: set = field(default_factory=set)  # w:t of form fields still showing their default prompt
    toc: set = field(default_factory=set)  # w:p inside a TOC field


def _marks(body) -> _Marks:
    """One pass over the body in order: fields span runs and even paragraphs, so they are followed here."""
    marks, stack, para = _Marks(), [], None
    for el in body.iter(_P, _T, qn("w:fldChar"), qn("w:instrText")):
        if el.tag == _P:
            para = el
            if any(f.in_result and f.instr.strip().upper().startswith("TOC") for f in stack):
                marks.toc.add(el)
        elif el.tag == _T:
            if stack and stack[-1].in_result:
                stack[-1].texts.append(el)
        elif el.tag == qn("w:instrText"):
            if stack:
                stack[-1].instr += el.text or ""
        else:
            _field_char(el, stack, marks, para)
    return marks


def _field_char(el, stack: list[_Field], marks: _Marks, para) -> None:
    kind = el.get(qn("w:fldCharType"))
    if kind == "begin":
        default = el.find(f"{qn('w:ffData')}/{qn('w:textInput')}/{qn('w:default')}")
        stack.append(_Field(default=default.get(qn("w:val")) if default is not None else None))
    elif kind == "separate" and stack:
        stack[-1].in_result = True
        if stack[-1].instr.strip().upper().startswith("TOC") and para is not None:
            marks.toc.add(para)
    elif kind == "end" and stack:
        done = stack.pop()
        shown = "".join(t.text or "" for t in done.texts)
        if "FORMTEXT" in done.instr.upper() and done.default is not None and shown == done.default:
            marks.dropped.update(done.texts)


def _placeholder(sdt) -> bool:
    pr = sdt.find(qn("w:sdtPr"))
    return pr is not None and pr.find(qn("w:showingPlcHdr")) is not None and on(pr, "w:showingPlcHdr") is not False


def _toc_part(sdt) -> bool:
    gallery = sdt.find(f"{qn('w:sdtPr')}/{qn('w:docPartObj')}/{qn('w:docPartGallery')}")
    return gallery is not None and "contents" in (gallery.get(qn("w:val")) or "").lower()


def _joined(label: str, text: str) -> str:
    if not label or not text:
        return label or text
    return label + ("" if label[-1] in _TIGHT_AFTER and not label[-1].isascii() else " ") + text


class _Walker:
    def __init__(self, styles: Styles, numbering: Numbering, marks: _Marks) -> None:
        self.styles, self.numbering, self.marks = styles, numbering, marks

    def container(self, el, toc: bool = False):
        """Blocks of a body, cell or content control, in document order."""
        for child in el:
            if child.tag == _P:
                if block := self.paragraph(child, toc):
                    yield block
            elif child.tag == _TBL:
                yield from self.table(child)
            elif child.tag == _SDT and not _placeholder(child):
                content = child.find(qn("w:sdtContent"))
                if content is not None:
                    yield from self.container(content, toc or _toc_part(child))
            elif child.tag == qn("w:customXml"):
                yield from self.container(child, toc)

    def paragraph(self, p, toc: bool = False) -> Block | None:
        ppr = p.find(qn("w:pPr"))
        style = _val(ppr, "w:pStyle") or self.styles.default_paragraph
        pieces = list(self.pieces(p, style))
        text = _BREAKS.sub(" ", "".join(t for t, _ in pieces)).strip()
        if toc or p in self.marks.toc or self.styles.is_toc(style):
            entry = toc_entry("".join(t for t, _ in pieces).strip()) or text
            return Block("toc", _BREAKS.sub(" ", entry).strip()) if entry else None
        label = self.label(ppr, style)
        if not text and not label:
            return None
        outline = _val(ppr, "w:outlineLvl")
        level = self.styles.heading_level(style, int(outline) if outline and outline.isdigit() else None)
        if level is not None:
            return Block("heading", _joined(label, text), level=level)
        lead = _lead(pieces, text)
        return Block("paragraph", _joined(label, text), lead=_joined(label, lead) if lead else "")

    def label(self, ppr, style: str | None) -> str:
        numpr = ppr.find(qn("w:numPr")) if ppr is not None else None
        num_id, ilvl = _val(numpr, "w:numId"), _val(numpr, "w:ilvl")
        style_num, style_ilvl = self.styles.numbering(style)
        num_id = num_id or style_num
        if not num_id or num_id == "0":
            return ""
        if ilvl is None:
            ilvl = style_ilvl if style_ilvl is not None else self.numbering.level_for_style(num_id, style or "")
        return self.numbering.label(num_id, int(ilvl))

    def pieces(self, el, style: str | None):
        """(text, bold) of a paragraph's visible runs, through hyperlinks, insertions, fields and controls."""
        for child in el:
            if child.tag == _R:
                yield from self.run(child, style)
            elif child.tag in _SKIP or (child.tag == _SDT and _placeholder(child)):
                continue
            else:
                yield from self.pieces(child, style)

    def run(self, r, style: str | None):
        rpr = r.find(qn("w:rPr"))
        if on(rpr, "w:vanish"):
            return
        bold = on(rpr, "w:b")
        if bold is None:
            run_style = _val(rpr, "w:rStyle")
            bold = self.styles.first(run_style, "bold") if run_style else None
            bold = self.styles.bold(style) if bold is None else bold
        for child in r:
            if child.tag == _T and child not in self.marks.dropped:
                yield child.text or "", bold
            elif child.tag == qn("w:tab"):
                yield "\t", bold
            elif child.tag in (qn("w:br"), qn("w:cr")) and child.get(qn("w:type")) not in ("page", "column"):
                yield "\n", bold
            elif child.tag == qn("w:noBreakHyphen"):
                yield "-", bold

    def table(self, tbl):
        rows = [[tc for tc in tr.iter(_TC) if _owner(tc) is tbl and not _continued(tc)] for tr in tbl.iter(_TR)
                if _owner(tr) is tbl]  # fmt: skip
        if all(len(row) <= 1 for row in rows):  # a layout table: its cells hold ordinary paragraphs
            for tc in (tc for row in rows for tc in row):
                yield from self.container(tc)
            return
        for row in rows:
            if text := row_text([self.cell_text(tc) for tc in row]):
                yield Block("table_row", text)

    def cell_text(self, tc) -> str:
        texts = []
        for p in tc.iter(_P):
            block = self.paragraph(p)
            if block is not None:
                texts.append(block.text)
        return " ".join(texts)


def _owner(el):
    """The table a row or cell belongs to (not a table nested inside one of its cells)."""
    parent = el.getparent()
    while parent is not None and parent.tag != _TBL:
        parent = parent.getparent()
    return parent


def _continued(tc) -> bool:
    merge = tc.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}")
    return merge is not None and merge.get(qn("w:val")) in (None, "continue")


def _val(el, tag: str) -> str | None:
    child = el.find(qn(tag)) if el is not None else None
    return child.get(qn("w:val")) if child is not None else None


def _lead(pieces: list[tuple[str, bool]], text: str) -> str:
    """The bold text a paragraph opens with (`第一条`); the whole text when all of it is bold."""
    lead = []
    for piece, bold in pieces:
        if not bold and piece.strip():
            break
        lead.append(piece)
    found = _BREAKS.sub(" ", "".join(lead)).strip()
    return found if found and text.startswith(found) else ""
