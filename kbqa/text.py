"""Text rules every stage shares, written once.

- `normalize`: the one form documents and questions meet in (simplified, no pinyin, ASCII
  digits and letters, normal ideographs for the radicals PDFs carry).
- `split_sentences`: where sentences end (also for mojibake-damaged text).
- `INVISIBLE`, `visible`, `clean_spaces`: what counts as blank.
- `squash`: text compared ignoring punctuation and spacing.
- `MARKER`, `cited_numbers`, `excerpts`: the `[n]` citation markers of an answer.
- `FIGURE`, `NUMBER`: figures with their units (48个, 1.5亿条, 40%).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# ---------------------------------------------------------------- normal form

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_PINYIN_LETTERS = "a-zü" + _TONED
# `(shù)`, and the same with its opening bracket lost or turned into `?` by a scraping site.
_PINYIN = re.compile(rf"[(?]?[{_PINYIN_LETTERS}]*[{_TONED}][{_PINYIN_LETTERS}]*\)")
# 著 stays 著 only in these words; elsewhere simplified Chinese writes 着 (随着, 意味着).
_ZHU = re.compile(r"(?:显|卓|土|原|名|专|编|论|昭)著|著(?:名|作|称|述|者|录)|著")
# Full-width letters, digits and the symbols that go with them become ASCII; Chinese
# punctuation (，。？！：；（）) stays full-width, as Chinese text writes it.
_FULLWIDTH = {ord(c) + 0xFEE0: ord(c) for c in "0123456789%+-./=<>@#&*_~^"} | {
    cp: cp - 0xFEE0 for cp in [*range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]
} | {0x3000: 0x20}
# Chinese PDFs often carry radicals in place of the ideographs they look like: the Kangxi
# radicals (U+2F00–U+2FD5, which NFKC maps) and the CJK radicals supplement (U+2E80–U+2EF3,
# which it mostly does not: the forms fonts use for whole characters are listed here).
_RADICALS = {cp: ord(unicodedata.normalize("NFKC", chr(cp))) for cp in range(0x2F00, 0x2FD6)} | {
    ord(radical): ord(character)
    for radical, character in (
        "⺜日 ⺝月 ⺞歹 ⺟母 ⺠民 ⺩王 ⺼月 ⻄西 ⻅见 ⻆角 ⻇角 ⻉贝 ⻊足 ⻋车 ⻓长 ⻔门 ⻗雨 ⻘青 ⻙韦 ⻚页 "
        "⻛风 ⻜飞 ⻝食 ⻡首 ⻢马 ⻣骨 ⻤鬼 ⻥鱼 ⻦鸟 ⻧卤 ⻨麦 ⻩黄 ⻪黾 ⻬齐 ⻭齿 ⻮齿 ⻰龙 ⻳龟"
    ).split()
}


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def strip_pinyin(text: str) -> str:
    """Drop the pinyin a site put after characters: `數(shù)據(jù)` -> `數據`."""
    return _PINYIN.sub("", text)


def normalize(text: str) -> str:
    """NFC, ideographs for radicals, pinyin gone, ASCII for full-width ASCII, simplified characters."""
    text = unicodedata.normalize("NFC", text).translate(_RADICALS)
    text = strip_pinyin(text).translate(_FULLWIDTH)
    text = _t2s().convert(text)
    return _fix_zhu(text)


def _fix_zhu(text: str) -> str:
    if "著" not in text:
        return text
    return _ZHU.sub(lambda m: m.group(0) if len(m.group(0)) > 1 else "着", text)


# ---------------------------------------------------------------- blank and invisible

# Control, format (soft hyphen, zero-width space, BOM, direction marks), surrogate,
# private-use and unassigned code points: nothing a reader sees.
INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def clean_spaces(text: str) -> str:
    """Invisible characters as spaces, runs of whitespace as one space, trimmed."""
    return " ".join("".join(" " if unicodedata.category(c) in INVISIBLE else c for c in text).split())


def visible(text: str) -> str:
    """The characters of `text` a reader sees: no whitespace, no invisible ones."""
    return "".join(c for c in text if unicodedata.category(c) not in INVISIBLE and not c.isspace())


# ---------------------------------------------------------------- comparing text

_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")


def squash(text: str, keep_figures: bool = False) -> str:
    """`text` normalised, without punctuation and spacing (Unicode P* and Z*, whitespace).

    This is the evaluation's hit rule. `keep_figures` keeps what changes a figure's value,
    a decimal point between digits and `%` (1.5亿 is not 15亿), for checking answers.
    """
    text = normalize(text)
    if keep_figures:
        text = _DECIMAL_POINT.sub("\0", text).replace("%", "\1")
    kept = squash_normal(text)
    return kept.replace("\0", ".").replace("\1", "%") if keep_figures else kept


def squash_normal(text: str) -> str:
    """`squash` for text already in normal form (a document's text): no second normalisation."""
    return text.translate(_unseen())


@lru_cache(maxsize=1)
def _unseen() -> dict[int, None]:
    """Every code point `squash` drops: Unicode P* and Z*, and whitespace (a translate table)."""
    return {cp: None for cp in range(0x110000) if unicodedata.category(chr(cp))[0] in "PZ" or chr(cp).isspace()}


# ---------------------------------------------------------------- sentences

# Sentence ends: 。！？； and the ASCII `;` a site writes for ；. Scraped text's ASCII `?` and
# `!` are mojibake, as is a `;` right after such a `?` (规?;疟用): never sentence ends.
# Full-width punctuation is written as escapes: some editors silently turn it into ASCII.
_SENTENCE = re.compile("(?:[^\u3002\uff01\uff1f\uff1b;\n]|(?<=\\?);)+(?:[\u3002\uff01\uff1f\uff1b;]|$)", re.M)
SENTENCE_ENDS = "\u3002\uff01\uff1f\uff1b"
MIN_SENTENCE_CHARS = 6


def split_sentences(text: str, min_chars: int = MIN_SENTENCE_CHARS) -> list[tuple[int, str]]:
    """(offset, sentence) pairs of `text`, each sentence stripped and keeping its closing mark."""
    out = []
    for m in _SENTENCE.finditer(text):
        stripped = m.group(0).strip()
        if len(stripped) >= min_chars:
            out.append((m.start() + m.group(0).index(stripped), stripped))
    return out


# ---------------------------------------------------------------- citation markers

MARKER = re.compile(r"\[(\d+)\]")
_EXCERPT = re.compile(r"(.*?)\[(\d+)\]")


def cited_numbers(text: str) -> set[int]:
    """The n of every `[n]` in an answer."""
    return {int(n) for n in MARKER.findall(text)}


def excerpts(text: str) -> list[tuple[str, int]]:
    """(excerpt, n) for every `excerpt[n]` of an answer, the excerpt without its "…" marks.

    An answer is lines: a line with markers is excerpts, each ended by its `[n]` and word for
    word from passage n; a line without one is kbqa's own words (a heading, a lead-in). The ⟦⟧
    marks around scraping damage are kbqa's too and are left out.
    """
    lines = text.replace("⟦", "").replace("⟧", "").split("\n")
    return [(e.strip().strip("…"), int(n)) for line in lines for e, n in _EXCERPT.findall(line)]


# ---------------------------------------------------------------- figures

# Measure words: with one of these the noun follows in the sentence (48个部门).
CLASSIFIERS = "个|项|类|家|条|份|次|人|座|台|辆|名|所|户|张|套|批"
UNITS = f"个工作日|个月|{CLASSIFIERS}|倍|元|分钟|小时|天|周|公里|平方公里|吨|年|PB|TB|GB"
_FIGURE = (
    r"(?<![\d.A-Za-z+\-])"  # not the tail of PM2.5, 5G or 1+10+N
    r"\d+(?:\.\d+)?(?:多|余)?"
    rf"(?:%|个百分点|[万亿千百](?:{UNITS})?|(?:{UNITS})){{q}}"
)
FIGURE = re.compile(_FIGURE.replace("{q}", ""))  # a number with its unit
DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日|\d{4}年\d{1,2}月|\d{4}-\d{1,2}-\d{1,2}")
NUMBER = re.compile(_FIGURE.replace("{q}", "?"))  # a number, with its unit if it has one

# ---------------------------------------------------------------- scraping damage

# Mojibake a scraping site left in its text: `?` runs between Chinese characters (规?;疟用,
# 空天地?!比) and one Latin letter wedged into Chinese (崟r分析, 领域W者).
GARBLED = re.compile(r"(?<=[\u4e00-\u9fff])\?+[;!]?|[\u4e00-\u9fff][A-Za-z](?=[\u4e00-\u9fff])")
