"""What a Word paragraph inherits from its style chain (`basedOn`): outline level, numbering, bold."""

from __future__ import annotations

import re
from dataclasses import dataclass

from docx.oxml.ns import qn

_HEADING_NAME = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.I)
_TOC_NAME = re.compile(r"^(?:toc|目录)\s*[1-9]$", re.I)
FALSE = {"0", "false", "off", "none"}


def on(el, tag: str) -> bool | None:
    """A toggle property (`<w:b/>`, `<w:b w:val="0"/>`) of a pPr/rPr: True, False, or None when not set."""
    child = el.find(qn(tag)) if el is not None else None
    if child is None:
        return None
    return (child.get(qn("w:val")) or "true").lower() not in FALSE


@dataclass(frozen=True)
class Style:
    name: str
    based_on: str | None
    outline: int | None  # w:outlineLvl, 0-based; 9 is body text
    num_id: str | None
    ilvl: int | None
    bold: bool | None


def _style(el) -> Style:
    def val(parent, tag):
        child = parent.find(qn(tag)) if parent is not None else None
        return child.get(qn("w:val")) if child is not None else None

    ppr, rpr = el.find(qn("w:pPr")), el.find(qn("w:rPr"))
    numpr = ppr.find(qn("w:numPr")) if ppr is not None else None
    outline, ilvl = val(ppr, "w:outlineLvl"), val(numpr, "w:ilvl")
    return Style(name=(val(el, "w:name") or "").strip(), based_on=val(el, "w:basedOn"),
                 outline=int(outline) if outline and outline.isdigit() else None, num_id=val(numpr, "w:numId"),
                 ilvl=int(ilvl) if ilvl and ilvl.isdigit() else None, bold=on(rpr, "w:b"))  # fmt: skip


class Styles:
    """styles.xml by style id, with each property looked up along the basedOn chain."""

    def __init__(self, root) -> None:
        self.by_id: dict[str, Style] = {}
        self.default_paragraph: str | None = None
        for el in root.findall(qn("w:style")) if root is not None else []:
            sid = el.get(qn("w:styleId"))
            self.by_id[sid] = _style(el)
            if el.get(qn("w:type")) == "paragraph" and (el.get(qn("w:default")) or "").lower() in ("1", "true"):
                self.default_paragraph = sid
        defaults = root.find(qn("w:docDefaults")) if root is not None else None
        rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}") if defaults is not None else None
        self.default_bold = bool(on(rpr, "w:b"))

    def chain(self, style_id: str | None):
        seen = set()
        while style_id and style_id in self.by_id and style_id not in seen:
            seen.add(style_id)
            yield self.by_id[style_id]
            style_id = self.by_id[style_id].based_on

    def first(self, style_id: str | None, attr: str):
        return next((getattr(s, attr) for s in self.chain(style_id) if getattr(s, attr) is not None), None)

    def name(self, style_id: str | None) -> str:
        return self.by_id[style_id].name if style_id in self.by_id else ""

    def heading_level(self, style_id: str | None, own_outline: int | None) -> int | None:
        """1-based level from the paragraph's or its styles' outline level, or a `Heading N` style name."""
        outline = own_outline if own_outline is not None else self.first(style_id, "outline")
        if outline is not None:
            return outline + 1 if outline < 9 else None
        for style in self.chain(style_id):
            if m := _HEADING_NAME.match(style.name):
                return int(m.group(1))
        return None

    def is_toc(self, style_id: str | None) -> bool:
        return bool(_TOC_NAME.match(self.name(style_id)))

    def numbering(self, style_id: str | None) -> tuple[str | None, int | None]:
        for style in self.chain(style_id):
            if style.num_id is not None:
                return style.num_id, style.ilvl
        return None, None

    def bold(self, style_id: str | None) -> bool:
        found = self.first(style_id, "bold")
        return self.default_bold if found is None else found
