"""Word's automatic numbering: the numbers a reader sees that are not in the paragraph's text.

numbering.xml holds abstract lists (per level: start, number format, label text such as
`%1.%2`, when to restart) and numbering instances (`w:num`) pointing at them. Instances of
one abstract list continue one another unless they override a level's start, as in Word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from docx.oxml.ns import qn

_DIGITS = "零一二三四五六七八九"
_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_STEMS = "甲乙丙丁戊己庚辛壬癸"
_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
_LABEL_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = ""
    restart: int | None = None  # restart after this (1-based) level; None: after any higher level; 0: never
    legal: bool = False  # isLgl: every level shown as decimal


def _val(el, tag: str) -> str | None:
    child = el.find(qn(tag)) if el is not None else None
    return child.get(qn("w:val")) if child is not None else None


def _int(value: str | None, default: int | None) -> int | None:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _level(lvl) -> tuple[int, Level, str | None]:
    level = Level(start=_int(_val(lvl, "w:start"), 1), fmt=_val(lvl, "w:numFmt") or "decimal",
                  text=_val(lvl, "w:lvlText") or "", restart=_int(_val(lvl, "w:lvlRestart"), None),
                  legal=lvl.find(qn("w:isLgl")) is not None)  # fmt: skip
    return _int(lvl.get(qn("w:ilvl")), 0), level, _val(lvl, "w:pStyle")


class Numbering:
    """Counts a document's numbered paragraphs in order and gives each its label (`5.1`, `附　录　A`, `a)`)."""

    def __init__(self, root) -> None:
        self.abstract: dict[str, dict[int, Level]] = {}
        self.style_levels: dict[tuple[str, str], int] = {}  # (abstract id, style id) -> level linked to it
        for el in root.findall(qn("w:abstractNum")) if root is not None else []:
            aid = el.get(qn("w:abstractNumId"))
            self.abstract[aid] = {}
            for lvl in el.findall(qn("w:lvl")):
                ilvl, level, style = _level(lvl)
                self.abstract[aid][ilvl] = level
                if style:
                    self.style_levels[(aid, style)] = ilvl
        self.nums: dict[str, tuple[str, dict[int, Level], dict[int, int]]] = {}
        for el in root.findall(qn("w:num")) if root is not None else []:
            self.nums[el.get(qn("w:numId"))] = self._instance(el)
        self.counters: dict[str, dict[int, int]] = {}
        self.started: set[str] = set()

    def _instance(self, num) -> tuple[str, dict[int, Level], dict[int, int]]:
        aid = _val(num, "w:abstractNumId") or ""
        levels, starts = dict(self.abstract.get(aid, {})), {}
        for ov in num.findall(qn("w:lvlOverride")):
            ilvl = _int(ov.get(qn("w:ilvl")), 0)
            if (lvl := ov.find(qn("w:lvl"))) is not None:
                levels[ilvl] = _level(lvl)[1]
            if (start := _int(_val(ov, "w:startOverride"), None)) is not None:
                starts[ilvl] = start
        return aid, levels, starts

    def level_for_style(self, num_id: str, style_id: str) -> int:
        aid = self.nums.get(num_id, ("", {}, {}))[0]
        return self.style_levels.get((aid, style_id), 0)

    def label(self, num_id: str, ilvl: int) -> str:
        """Count this paragraph in its list and return its label, spaces inside it removed."""
        if num_id not in self.nums or num_id == "0":
            return ""
        aid, levels, starts = self.nums[num_id]
        key = f"num{num_id}" if starts else f"abstract{aid}"
        counts = self.counters.setdefault(key, {})
        if starts and num_id not in self.started:
            self.started.add(num_id)
            counts.clear()
        level = levels.get(ilvl, Level())
        counts[ilvl] = counts.get(ilvl, starts.get(ilvl, level.start) - 1) + 1
        for deeper in [k for k in counts if k > ilvl]:
            restart = levels.get(deeper, Level()).restart
            if restart is None or (restart and ilvl < restart):
                del counts[deeper]
        if level.fmt == "bullet":  # a symbol, not a number anyone cites
            return ""
        return self._format(level, levels, counts, starts)

    def _format(self, level: Level, levels: dict[int, Level], counts: dict[int, int], starts: dict[int, int]) -> str:
        def number(m: re.Match) -> str:
            k = int(m.group(1)) - 1
            lv = levels.get(k, Level())
            n = counts.get(k, starts.get(k, lv.start))
            return format_number(n, "decimal" if level.legal and lv.fmt != "none" else lv.fmt)

        label = re.sub(r"%([1-9])", number, level.text)
        return _LABEL_SPACE.sub(lambda m: "" if _cjk_side(label, m) else " ", label).strip()


def _cjk_side(text: str, m: re.Match) -> bool:
    before, after = text[m.start() - 1 : m.start()], text[m.end() : m.end() + 1]
    return any(c and ord(c) > 0x2E7F for c in (before, after))


def format_number(n: int, fmt: str) -> str:
    """`n` written in a numFmt of WordprocessingML; unknown formats as decimal."""
    if fmt == "none":
        return ""
    if fmt in ("upperLetter", "lowerLetter"):
        letter = chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1) if n > 0 else "0"
        return letter if fmt == "upperLetter" else letter.lower()
    if fmt in ("upperRoman", "lowerRoman"):
        roman = _roman(n)
        return roman if fmt == "upperRoman" else roman.lower()
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting", "taiwaneseCounting",
               "taiwaneseCountingThousand", "ideographDigital", "japaneseDigitalTenThousand"):  # fmt: skip
        return _chinese(n) if "Digital" not in fmt else "".join(_DIGITS[int(d)] for d in str(n)).replace("零", "〇")
    if fmt == "chineseLegalSimplified":
        return _chinese(n).translate(str.maketrans(_DIGITS + "十百千", _LEGAL + "拾佰仟"))
    if fmt == "ideographTraditional":
        return _STEMS[(n - 1) % 10]
    if fmt == "ideographZodiac":
        return _BRANCHES[(n - 1) % 12]
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt == "decimalEnclosedParen" and 1 <= n <= 20:
        return chr(0x2474 + n - 1)
    if fmt == "decimalFullWidth":
        return str(n).translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
    if fmt == "decimalZero":
        return f"{n:02d}"
    return str(n)


def _roman(n: int) -> str:
    out = ""
    for value, numeral in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                           (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):  # fmt: skip
        while n >= value:
            out, n = out + numeral, n - value
    return out


def _chinese(n: int) -> str:
    """一, 十, 十一, 二十, 一百零五, 一千二百: how Chinese documents count chapters."""
    if n <= 0 or n >= 10000:
        return str(n)
    digits, units, out, zero = [int(d) for d in str(n)], ["千", "百", "十", ""][-len(str(n)) :], "", False
    for d, unit in zip(digits, units):
        if d == 0:
            zero = bool(out)
            continue
        out += ("零" if zero else "") + _DIGITS[d] + unit
        zero = False
    return out[1:] if out.startswith("一十") else out
