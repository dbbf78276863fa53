"""A PDF text line from its characters: the spacing a reader sees, not the gaps extraction invents.

PDFs hold positioned glyphs, not words: Word's CJK/Latin autospace, justification and
full-width spaces (`第一章　总　　则`) all come out as gaps. Between Chinese characters a
gap is never a space, except the one between a clause number and its title.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from kbqa.readers.common import CJK

GAP = 0.15  # of the font size: narrower is kerning or justification, not a space
WIDE = 0.4  # of the font size: a typed space or more (`第一条 为了…`), not CJK/Latin autospace
_BOLD_FONT = re.compile(r"bold|black|heavy|demi|(?<!ya)hei|黑", re.I)
_IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u2e80-\u2fdf]|[^\W\d_]")
# A leading clause number; a wide gap after it is kept as one space (`第一章 总则`, `5.1 范围`).
_NUMBER = re.compile(
    r"^(第[零〇一二三四五六七八九十百千万\d]+(?:[编章节条款]|部分)|附\s?录\s?[A-Z](?:\.\d+)*|[图表]\s?\d+(?:[-.－]\d+)*"
    r"|\d+(?:\.\d+)*|[A-Z](?:\.\d+)+)\t"
)
_CJK_GAP = re.compile(f"(?<=[{CJK}])[ \\t]+|[ \\t]+(?=[{CJK}])")
_SPACES = re.compile(r"[ \t]+")
_CLOSING = set("。，、；：！？”’）》」』")


@dataclass(frozen=True)
class Line:
    """One visual line of a page, with what joining it to its neighbours needs to know."""

    page: int
    top: float
    bottom: float
    x0: float
    x1: float
    size: float
    text: str
    font: str  # the most common font of the line
    bold_prefix: str = ""  # the line's opening set in a bold face
    all_bold: bool = False
    page_height: float = 842.0


def font_name(char: dict) -> str:
    return str(char.get("fontname", "")).split("+")[-1]


def is_bold(font: str) -> bool:
    return bool(_BOLD_FONT.search(font))


def spaced(chars: list[dict]) -> str:
    """The characters with a space at each gap and a tab at each wide one, before `close_gaps`."""
    out, prev, pending = [], None, False
    for char in chars:
        text = char["text"]
        if not text.strip():
            pending = prev is not None
            continue
        if prev is not None:
            gap = (char["x0"] - prev["x1"]) / max(min(char["size"], prev["size"]), 1.0)
            if gap >= WIDE:
                out.append("\t")
            elif gap >= GAP or pending:
                out.append(" ")
        out.append(text)
        prev, pending = char, False
    return "".join(out)


def close_gaps(text: str) -> str:
    """Gaps next to Chinese text removed, one space kept after a leading clause number, Latin words apart."""
    head = ""
    if m := _NUMBER.match(text):
        head, text = re.sub(r"\s", "", m.group(1)) + " ", text[m.end() :]
    return head + _SPACES.sub(" ", _CJK_GAP.sub("", text)).strip()


def _bold_prefix(chars: list[dict]) -> list[dict]:
    """The bold run up to its last bold letter and the closing marks after it: `…新生态。`, not `…新生态。2021`."""
    last = max((i for i, c in enumerate(chars) if _IDEOGRAPH.match(c["text"]) and is_bold(font_name(c))), default=-1)
    end = last + 1
    while end < len(chars) and chars[end]["text"] in _CLOSING:
        end += 1
    return chars[:end]


def _deduped(chars: list[dict]) -> list[dict]:
    """Each glyph once: fake bold and some ligatures (Chromium's `——`) draw the same text twice in one place."""
    out = []
    for c in chars:
        last = out[-1] if out else None
        if last and c["text"] == last["text"] and abs(c["x0"] - last["x0"]) < 1 and abs(c["x1"] - last["x1"]) < 1:
            continue
        out.append(c)
    return out


def make_line(chars: list[dict], page: int, page_height: float) -> Line | None:
    chars = _deduped(sorted((c for c in chars if c.get("upright", True)), key=lambda c: c["x0"]))
    visible = [c for c in chars if c["text"].strip()]
    if not visible:
        return None
    text = close_gaps(spaced(chars))
    size = Counter(round(float(c["size"]) * 2) / 2 for c in visible).most_common(1)[0][0]
    font = Counter(font_name(c) for c in visible).most_common(1)[0][0]
    stop = next((i for i, c in enumerate(visible) if _IDEOGRAPH.match(c["text"]) and not is_bold(font_name(c))), None)
    prefix = _bold_prefix(visible if stop is None else visible[:stop])
    return Line(page=page, top=float(min(c["top"] for c in visible)), bottom=float(max(c["bottom"] for c in visible)),
                x0=float(visible[0]["x0"]), x1=float(max(c["x1"] for c in visible)), size=size, text=text, font=font,
                bold_prefix=close_gaps(spaced(prefix)) if prefix else "",
                all_bold=stop is None and len(prefix) == len(visible), page_height=page_height)  # fmt: skip
