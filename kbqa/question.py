"""What a question is: usable or not, and what kind of answer it wants.

`check_question` turns user input into a question or a `QuestionError`. `read` tells a
question that wants a figure, a list or a comparison from one that asks about the
document itself (how many chapters, what chapter three covers, who issued it) and from
greetings, thanks, markup and nonsense, which get a help message instead of a passage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kbqa import english
from kbqa.errors import QuestionError
from kbqa.headings import parse_chinese_numeral
from kbqa.text import clean_spaces, normalize


def _any(*parts: str, flags: int = 0) -> re.Pattern[str]:
    """One pattern of alternatives, written a few to a line."""
    return re.compile("|".join(parts), flags)


ASKS_NUMBER = _any(
    "多少", "几[个项类家条年月天次倍成]", "比例|比率|百分|多大|多长|多久|多高|多快|规模",
    "提高了|降低了|下降了|增长了|缩短了",
    r"how (?:many|much|long|fast|large|big|high)|percent|what share|\brate\b", flags=re.I,
)
ASKS_LIST = _any(
    "哪些|哪几|有什么|分别|几个方面|几方面|哪[一二三四五六七八九十两]|列举|包括|主要[^，。？?]{0,8}有",
    "[两三四五六七八九十几](?:大|个|项|条|类|种)[^，。？?]{0,8}(?:是什么|是哪些|有哪些|指什么)",
    r"\bwhich\b.*\b(?:are|were)\b|\bwhat (?:are|were) the\b|\blist\b", flags=re.I,
)
_COMPARE = re.compile(
    r"(.{1,16}?)(?:和|与|跟|同|及|对比|相比|比较|vs\.?|versus)(.{1,16}?)"
    "(?:有什么不同|有何不同|有什么区别|相比|比|的?区别|的?不同|有什么不一样|有什么差异|各有|各自|分别|哪个|谁)", re.I,
)
_GREETING = re.compile(
    "^(?:(?:" + "|".join([
        "你好|您好|嗨|哈喽|哈啰|在吗|在不在|早上好|上午好|中午好|下午好|晚上好",
        "谢谢|谢了|多谢|感谢|辛苦了|再见|拜拜|好的|好|嗨|嗯|哦",
        "ok|okay|hi|hello|hey|thanks?|thank you|bye|good (?:morning|afternoon|evening)",
    ]) + ")(?:[啊呀呢哦吧啦你您们大家,，、!！。.~～?？]|\\s|a lot|very much|so much)*)+$", re.I,
)  # fmt: skip
_MARKUP = _any(
    r"<[A-Za-z!/][^<>]*>", r"\{\{.*?\}\}", r"\$\{.*?\}", "javascript:", r"\bon\w+\s*=",
    r"['\"]\s*;", r";\s*--", r"\b(?:drop|delete|insert|update)\s+(?:table|from|into)\b", r"\bunion\s+select\b",
    r"\bor\s+'?1'?\s*=\s*'?1", flags=re.I,
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_ASKS_WHEN = _any("什么时候|何时|哪天|哪一天|哪年|几月|日期", r"\bwhen\b|what date", flags=re.I)
_TIME = re.compile(r"^(去年|今年|明年|上年|当年|近年|目前|现在|过去|未来)")
# "在技术、管理、社会三个层面": the facets a question asks about one by one
_FACETS = re.compile(
    r"((?:[\u4e00-\u9fff]{2,4}[、和与及]){1,5}[\u4e00-\u9fff]{2,4}?)等?(?:[两三四五六七八九十几]个)?(层面|方面|领域|环节|维度)"
)
_ITEM = re.compile(r"第([一二三四五六七八九十\d]{1,3})(?:项|个方面|方面|点|部分|条任务|项任务)")
_ABOUT_DOCUMENT = _any(
    "(这份|这个|这部|本|该|此)?(报告|规划|纲要|文件|白皮书|条例|法律|办法|标准|文档|通知|意见|方案)",
    "^[^，。？?]{0,20}(是|由)(谁|哪)", r"\b(report|plan|outline|document|law|regulation|paper)\b", flags=re.I,
)
_META = [
    ("size", _any("(多少|几)页|页数|多少字|字数|篇幅", "how many (pages|words)", flags=re.I)),
    ("period", _any("哪几年|哪些年|时间范围|期限|管几年|几年的", "(起止|覆盖)(时间|年份)")),
    ("who", _any(
        "作者|谁(写|编|起草|制定|发布|印发|作|做|提出)|由谁", "哪个(区|部门|单位|机构|组织)|什么(部门|单位|机构)",
        r"\bwho (wrote|drafted|issued|published|authored|prepared)\b|\bauthor", flags=re.I,
    )),
    ("when", _any(  # when it was issued; when it takes effect (施行) is in its text: 本法自…起施行
        "(哪天|哪一天|什么时候|何时|哪年|几月|哪个月|日期).{0,8}(发布|印发|通过|审议|公布|作|做|召开|出台)",
        "(发布|印发|通过|公布|出台)(于|在|的)?(哪天|什么时候|何时|哪年|时间|日期)",
        r"\b(when|what date|which date|which day)\b.*\b(published|issued|adopted|released|delivered)\b", flags=re.I,
    )),
]  # fmt: skip
LAST_CHAPTER = re.compile(r"最后(一|那)?(章|部分)|收尾(那|的)?一?(章|部分)|末章|结尾(那|的)?一?(章|部分)")
_CHAPTER_SECTION = re.compile(r"第[一二三四五六七八九十\d]{1,3}章第([一二三四五六七八九十\d]{1,3})节")
_CHAPTER = re.compile(r"第([一二三四五六七八九十百\d]{1,4})(章|部分|篇)")
_COUNT_CHAPTERS = re.compile(r"(几|多少)(章|个?部分|个?篇)|分为?(哪|几)|有哪些(章|部分)|目录|大纲|结构|框架")
_SUMMARY = re.compile(
    r"总结|概括|概述|讲了什么|讲的是什么|讲什么|说了什么|主要内容|内容是什么|有哪些内容|讲了哪些|介绍了什么|哪些|哪几"
    r"|哪[一二三四五六七八九十两]"
)


@dataclass(frozen=True)
class Shape:
    """What a question wants."""

    kind: str  # "chat" (greeting, thanks, markup, nonsense), "structure", or "content"
    asks_number: bool = False
    asks_list: bool = False
    asks_when: bool = False
    sides: tuple[str, ...] = ()  # what a comparison compares
    chapter: int | None = None  # 第三章: 3; the last chapter: -1
    structure: str = ""  # "chapters" or "summary"
    item: int | None = None  # 第七项: 7 (of a heading the question quotes)
    part: int | None = None  # 第二章第一节: 1 (with chapter 2), asked about as a whole
    meta: tuple[str, ...] = ()  # about the document as a document: "when", "who", "period", "size"


def check_question(question: object, max_chars: int) -> str:
    """The question, trimmed and without control characters; QuestionError if unusable."""
    if not isinstance(question, str):
        raise QuestionError("invalid_question", f"question must be a string, got {type(question).__name__}")
    text = clean_spaces(question)
    if not text:
        raise QuestionError("empty_question", "question is empty; type a question about the documents")
    if len(text) > max_chars:
        raise QuestionError(
            "question_too_long",
            f"question is {len(text)} characters; the limit is {max_chars}. Ask a shorter question",
            chars=len(text),
            limit=max_chars,
        )
    return text


def clean_history(history: list[object], turns: int, max_chars: int) -> list[str]:
    """The last `turns` earlier questions that are usable; unusable ones are skipped, never an error."""
    out = []
    for h in history[-turns:] if turns else []:
        try:
            out.append(check_question(h, max_chars))
        except QuestionError:
            continue
    return out


def read(question: str) -> Shape:
    """The shape of a (resolved) question."""
    text = normalize(question).strip()
    if is_chat(text):
        return Shape("chat")
    structure, chapter = _structure(text)
    return Shape(
        "structure" if structure else "content",
        asks_number=bool(ASKS_NUMBER.search(text)),
        asks_list=bool(ASKS_LIST.search(text)),
        asks_when=bool(_ASKS_WHEN.search(text)),
        sides=_sides(text),
        chapter=chapter,
        structure=structure,
        item=parse_chinese_numeral(m.group(1)) if (m := _ITEM.search(text)) else None,
        meta=_meta(text),
        part=_part(text),
    )


def is_chat(text: str) -> bool:
    """Greetings, thanks, markup and nonsense: nothing to look up."""
    if _GREETING.match(text.strip()):
        return True
    stripped = _MARKUP.sub(" ", text)
    if stripped != text and len(_content(stripped)) < 2:
        return True
    return not _content(stripped)


def _content(text: str) -> list[str]:
    """The question's words that could name something: Chinese words of two or more characters, known English words."""
    if english.is_english(text):
        words = english.content_words(text)
        return [w for w in words if w in _english_vocabulary()]
    from kbqa.lexical import STOP_WORDS, jieba_default

    freq = jieba_default().FREQ
    words = [w for w in jieba_default().lcut(text) if _CJK.search(w) or w.replace(".", "").isalnum()]
    numbers = [w for w in words if w.replace(".", "").isdigit()]  # 2024, 2.3 (a section)
    named = [w for w in words if len(w) >= 2 and w not in STOP_WORDS and (freq.get(w) or w.isascii())]
    return numbers + [w for w in named if w not in numbers]


@lru_cache(maxsize=1)
def _english_vocabulary() -> frozenset[str]:
    return frozenset(w for key in english.glossary().phrases for w in key.split())


def _sides(text: str) -> tuple[str, ...]:
    """What a question compares, or the facets it asks about one by one: each as its key words."""
    facets = _FACETS.search(text)
    if facets:  # 技术、管理、社会三个层面 -> 技术层面, 管理层面, 社会层面
        items = re.split("[、和与及]", facets.group(1))
        return tuple(f"{re.sub(r'^.*?(?:在|从|对|就)', '', f)}{facets.group(2)}" for f in items)
    groups = list(m.groups()) if (m := _COMPARE.search(text)) else []
    sides = []
    for side in groups:
        side = re.sub(r"^.*?(?:在|从|对|就|关于)(?=[\u4e00-\u9fff]{2})", "", side.strip(" ，,、"))  # 理在技术 -> 技术
        side = re.sub(r"^(报告|文件|规划|请问|比较|对比)+", "", side)
        owner, _, rest = side.partition("的")  # 巴塞罗那的治理思路 -> 巴塞罗那; 今年的物价目标 -> 物价目标
        side = rest if (len(owner) < 2 or _TIME.fullmatch(owner)) and rest else owner
        side = _TIME.sub("", side)
        if len(side) >= 2:
            sides.append(side)
    return tuple(sides) if len(sides) >= 2 else ()


def _meta(text: str) -> tuple[str, ...]:
    """What a question asks of the document as a document: when it was issued, by whom, its period, its size."""
    if not _ABOUT_DOCUMENT.search(text):
        return ()
    return tuple(kind for kind, pattern in _META if pattern.search(text))


def _part(text: str) -> int | None:
    """1 for 第二章第一节讲了什么: a section of a chapter asked about as a whole."""
    m = _CHAPTER_SECTION.search(text)
    if m is None or not _SUMMARY.search(text) or re.match(r"的?第[一二三四五六七八九十百\d]+[条款项]", text[m.end():]):
        return None  # 第二章第一节第十三条: an article, not the section
    return parse_chinese_numeral(m.group(1))


def _structure(text: str) -> tuple[str, int | None]:
    """("summary", N) for 第N章 (or the last chapter, -1) asked about as a whole; ("chapters", None) for the outline."""
    m = _CHAPTER.search(text)
    chapter = parse_chinese_numeral(m.group(1)) if m else (-1 if LAST_CHAPTER.search(text) else None)
    if chapter and _SUMMARY.search(text) and not _CHAPTER_SECTION.search(text):
        return "summary", chapter
    if chapter is None and _COUNT_CHAPTERS.search(text):
        return "chapters", None
    return "", chapter
