"""How Chinese official writing numbers its headings, and when a numbered line is one.

Numbering kinds, from the top of the hierarchy down: 第X编/部分, 第X章, 第X节, 第X条 (laws
and regulations); 一、, （一）, 1., （1） (reports and plans); 1.1 and 1.1.1 (standards and
reports); 附录A / 附件1. A numbered line is a heading when it is short and does not read
as a sentence (`(一)发展基础`), or when its number opens a paragraph with a short lead
sentence (`（一）大力推进现代化产业体系建设，加快发展新质生产力。` followed by the body). A
numbered line that is one clause ending in ；, or a whole sentence with nothing after it, is
an item of a list (`（一）取得个人的同意；`), and so is anything numbered that is not the next
number of its kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kbqa.text import FIGURE, SENTENCE_ENDS

_CN = "零〇一二三四五六七八九十百两"
_CN_DIGITS = dict(zip("零〇一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
# Document parts that stand as headings without a number.
PART_NAMES = frozenset(
    "前言 引言 序言 导言 摘要 内容摘要 结语 结束语 结论 后记 致谢 参考文献 名词解释 附录 附件 附则 说明 编制说明 "
    "术语和定义 规范性引用文件".split()
)
TOC_NAMES = frozenset({"目录", "目次", "图目录", "表目录"})
MAX_TITLE_CHARS = 40  # a standalone heading's title
MAX_LEAD_CHARS = 50  # a lead sentence that opens its paragraph
_TERM = re.compile(r"[^，,；;。：:]{1,24}[：:]")  # a defined term before its ：

# (kind, pattern): group 1 is the number, the match's end is where the title starts.
_KINDS: list[tuple[str, re.Pattern[str]]] = [
    ("part", re.compile(rf"第([{_CN}\d]+)(?:编|部分)\s*")),
    ("chapter", re.compile(rf"第([{_CN}\d]+)章\s*")),
    ("jie", re.compile(rf"第([{_CN}\d]+)节\s*")),
    ("article", re.compile(rf"第([{_CN}\d]+)条(?=\s)\s*")),
    ("annex", re.compile(r"附\s*(?:录|件)\s*([A-Z\d]{1,2})(?![\d.])\s*")),
    ("decimal", re.compile(r"(\d{1,2}(?:\.\d{1,2}){1,4})(?![\d.%])\s*")),
    ("cn", re.compile(rf"([{_CN}]{{1,4}})、\s*")),
    ("paren_cn", re.compile(rf"[（(]([{_CN}]{{1,4}})[）)]\s*")),
    ("arabic", re.compile(r"(\d{1,2})(?:[.．、](?!\d)|\s+(?=[^\d\s]))\s*")),
    # `6.15分钟出海服务圈`: item 6 whose title opens with a figure (never item 1: `1.5亿元…` is a figure)
    ("arabic", re.compile(r"([2-9]|\d\d)[.．](?=\d)")),
    ("paren_arabic", re.compile(r"[（(](\d{1,2})[）)]\s*")),
]
RANK = {"part": 0, "chapter": 1, "annex": 1, "jie": 2, "article": 3, "cn": 10, "paren_cn": 11, "arabic": 12,
        "paren_arabic": 13, "decimal": 20, "named": 0, "format": 0}


@dataclass(frozen=True)
class Heading:
    """A heading found at the start of a block: its label, and the body text after it."""

    kind: str
    value: tuple[int, ...]  # the number, e.g. (3,) for （三）, (2, 3) for 2.3
    number: str  # as written: `（三）`, `2.3`, `第十三条`
    title: str
    rest: str = ""

    @property
    def label(self) -> str:
        """The heading as it is cited: `第二章 个人信息处理规则`, `（一）发展基础`, `1.1 全球…`."""
        if not (self.title and self.number):
            return self.number or self.title
        spaced = self.kind in ("part", "chapter", "jie", "article", "annex", "decimal") or self.number[-1].isdigit()
        gap = " " if spaced else ""
        return f"{self.number}{gap}{self.title}"

    @property
    def rank(self) -> int:
        return RANK[self.kind] + (len(self.value) if self.kind == "decimal" else 0)


def parse_chinese_numeral(s: str) -> int | None:
    """一 -> 1, 十三 -> 13, 二十 -> 20, 一百零五 -> 105; None for what is not one."""
    if s.isdigit():
        return int(s)
    total, digit = 0, 0
    for c in s:
        if c in _CN_DIGITS:
            digit = _CN_DIGITS[c]
        elif c in "十百":
            total += (digit or 1) * (10 if c == "十" else 100)
            digit = 0
        else:
            return None
    return total + digit


def tidy(text: str) -> str:
    """One space at most, none between two Chinese characters (`总　　则` -> `总则`)."""
    text = " ".join(text.split())
    return re.sub(r"(?<=[\u4e00-\u9fff）)、]) (?=[\u4e00-\u9fff（(])", "", text)


def numbering(text: str) -> tuple[str, tuple[int, ...], str, int] | None:
    """(kind, value, number as written, where the title starts) of a numbered line, or None."""
    for kind, pattern in _KINDS:
        m = pattern.match(text)
        if m is None or (kind == "decimal" and FIGURE.match(text)):
            continue
        raw = m.group(1)
        if kind == "decimal":
            value = tuple(int(p) for p in raw.split("."))
        elif kind == "annex":
            value = (ord(raw) - 64,) if raw.isalpha() else (int(raw),)
        else:
            n = parse_chinese_numeral(raw)
            if n is None or n == 0:
                continue
            value = (n,)
        written = text[: m.end()].strip()
        return kind, value, written, m.end()
    return None


def classify(text: str, lead: str = "") -> Heading | None:
    """The heading that opens `text`, or None for body text and list items."""
    text = text.strip()
    found = numbering(text)
    if found is None:
        name = tidy(text)
        if name.replace(" ", "") in PART_NAMES:
            return Heading("named", (), name.replace(" ", ""), "")
        return None
    kind, value, number, at = found
    rest = text[at:]
    if kind == "arabic" and FIGURE.match(text) and not FIGURE.match(rest):
        return None  # 3个…: a figure, not the number of a heading
    if kind == "article":
        return Heading(kind, value, tidy(number), "", rest.strip())
    if lead and len(lead) > len(number) and text.startswith(lead):
        return _split(kind, value, number, lead[at:], text[len(lead) :])
    return _standalone(kind, value, number, rest) or _lead_sentence(kind, value, number, rest)


def _split(kind: str, value: tuple[int, ...], number: str, title: str, rest: str) -> Heading:
    return Heading(kind, value, tidy(number), tidy(title).rstrip("。:：;；"), rest.strip())


def _standalone(kind: str, value: tuple[int, ...], number: str, rest: str) -> Heading | None:
    """A short line that is only a heading: `(一)发展基础`, `第二章 个人信息处理规则`."""
    title = rest.strip()
    if not title or len(title) > MAX_TITLE_CHARS:
        return None
    if title[-1] in SENTENCE_ENDS + ",，、:：;" or re.search(f"[{SENTENCE_ENDS}]", title[:-1]):
        return None
    return _split(kind, value, number, title, "")


def _lead_sentence(kind: str, value: tuple[int, ...], number: str, rest: str) -> Heading | None:
    """A short first sentence followed by the paragraph's body: the heading run into its text."""
    if kind in ("part", "chapter", "jie", "annex"):
        return None
    end = rest.find("。")
    term = _TERM.match(rest)
    if term and (end < 0 or term.end() <= end):  # a term and its definition: `2.适数化改革(第15页)：消除…`
        end = term.end() - 1
    if end <= 0 or end > MAX_LEAD_CHARS or not rest[end + 1 :].strip():
        return None
    lead = rest[:end]
    if re.search("[；;：:]", lead):
        return None
    return _split(kind, value, number, lead, rest[end + 1 :])
