"""What a question is about: its named things, its years and figures, its other content words.

Named things are what the knowledge base must contain for an answer (kbqa.refusal): places,
bodies and people (jieba's ns/nt/nr/nz), quoted and book-title terms, words in Latin letters,
compounds no dictionary knows (网约车), and, in an English question, names and phrases with the
Chinese CC-CEDICT gives them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kbqa import english
from kbqa.lexical import STOP_WORDS, jieba_default
from kbqa.text import FIGURE

NAMED = ("ns", "nt", "nr", "nz", "nrt", "nrfg", "eng")
# Words that frame a question rather than name its topic.
FRAME_WORDS = frozenset(
    """原因 作用 效果 办法 方法 措施 情况 意义 影响 特点 区别 好处 问题 方式 内容 目的 关系 建议 方面 时候 东西 意思
    法子 招 招数 新招 事儿 事情 地方 人家 大家 作者 报告 文章 文件 文档 规划 纲要 知识库 这块 那块 哪些 哪个 什么
    怎么 如何 多少 为什么 是否 有没有 会不会 能不能 可不可以 哪儿 哪里 咋样 咋 啥 呢 吗 吧 一下 主要 具体 之前 以后
    咋办 咋整 怎么办 怎么样 咋回事 不会 会不会 要不要 章节 说法 两处 几处 前后 一样 一致 观点 段落 部分 当初
    时间 目标 要点 重点 概要 概况 要义 亮点 主旨 大意 主要内容""".split()
)
_GENERIC_NAMES = frozenset("城市 我国 全国 国家 地区 区域 全市 各地 国际 全球 国内 地方 智慧 城乡 中国 中央".split())
_PLACE_ENDS = "市区省县州镇"
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?=年|\b|[-—~至到])")
QUOTED = re.compile(r"“([^“”]{2,20})”|《([^《》]{2,30})》|\"([^\"]{2,20})\"")
_LATIN = re.compile(r"\b[A-Za-z]+\d[A-Za-z0-9]*\b|\b[A-Z]{2,}[0-9]*\b")  # C919, GDP, PM2
CJK_WORD = re.compile(r"^[\u4e00-\u9fff]+$")
ASKING = re.compile(r"哪|几|多少|什么|怎|咋|啥|一共|总共|是否")  # 哪几个, 一共, 多少部: how a question asks


@dataclass(frozen=True)
class Term:
    """A word of the question, and the forms the documents may write it in (an English name's Chinese names)."""

    shown: str
    forms: tuple[str, ...]
    noun: bool = False  # a noun (or a noun-like abbreviation or idiom): a rare one names a topic
    place: bool = False  # a place, a body or a person named in Chinese: what is cited must name it too


@dataclass(frozen=True)
class Topic:
    named: tuple[Term, ...]  # must be in the knowledge base and in what is cited
    anchors: tuple[str, ...]  # years: must be in what is cited
    common: tuple[Term, ...]  # everyday content words: their absence lowers the confidence


def topic_of(text: str) -> Topic:
    """The question's named things, years and other content words (`text` normalised)."""
    if english.is_english(text):
        return _english_topic(text)
    named, common = [], []
    for word, flag in _compounds(tag_words(QUOTED.sub("，", text))):
        if len(word) < 2 or word in STOP_WORDS or word in FRAME_WORDS or word in _GENERIC_NAMES:
            continue
        if not CJK_WORD.match(word) or ASKING.search(word):
            continue
        if flag in ("nr", "nrt", "nrfg") and len(word) < 3:
            flag = "n"  # jieba calls many two-character words names (太贵, 智慧): only longer ones count
        if flag == "ns" and english.is_common_word(word):
            flag = "n"  # 长度, which jieba calls a place
        term = Term(word, (word,), flag[:1] in "nj" and flag != "nr", flag in ("ns", "nt", "nr", "nrt", "nrfg"))
        (named if flag in NAMED else common).append(term)
    named += [Term(q, (q,)) for m in QUOTED.finditer(text) for q in m.groups() if q]
    named += [Term(m.group(0), (m.group(0),)) for m in _LATIN.finditer(text)]
    return Topic(_unique(named), _anchors(text), _unique(common))


def places_in(text: str) -> list[str]:
    """The places a text names, most named first: jieba's ns that a dictionary has as a name, or 某市/某区."""
    proper = english.glossary().proper
    found = [w for w, flag in tag_words(text) if flag == "ns" and len(w) >= 2 and w not in _GENERIC_NAMES
             and (w in proper or w[-1] in _PLACE_ENDS and not english.is_common_word(w))]  # fmt: skip
    ranked = sorted(dict.fromkeys(found), key=lambda w: -found.count(w))
    return [w for w in ranked if not any(w != o and (w in o or o in w) and ranked.index(o) < ranked.index(w)
                                         for o in ranked)]  # 杭州市 and 杭州: once


def _anchors(text: str) -> tuple[str, ...]:
    """Years and figures with their units (2026年, 8000元): what is cited must say them."""
    years = [m.group(0) for m in _YEAR.finditer(text)]
    figures = [m.group(0) for m in FIGURE.finditer(text) if not _YEAR.match(m.group(0))]
    return tuple(dict.fromkeys(years + figures))


def tag_words(text: str) -> list[tuple[str, str]]:
    """Jieba's words and part-of-speech tags (the process-wide dictionary: the same text, the same tags)."""
    return list(_tagged(text))


@lru_cache(maxsize=2048)
def _tagged(text: str) -> tuple[tuple[str, str], ...]:
    import jieba.posseg as pseg

    jieba_default()  # the dictionary, loaded once and quietly
    return tuple((w, f) for w, f in pseg.lcut(text) if w.strip())


def _compounds(tagged: list[tuple[str, str]], corpus: str = "") -> list[tuple[str, str]]:
    """A word joined to the one-character noun after it (网约 + 车, 电子 + 烟): a compound, and a name.

    A word no dictionary knows is dropped when it is not so joined: jieba makes them of
    colloquial phrasing too (人用, 能换).
    """
    freq = jieba_default().FREQ
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(tagged):
        word, flag = tagged[i]
        joined = word + tagged[i + 1][0] if i + 1 < len(tagged) else ""
        unknown_noun = CJK_WORD.match(word) and not freq.get(word) and flag[:1] == "n" and not flag.startswith("nr")
        if unknown_noun and joined and len(tagged[i + 1][0]) == 1 and tagged[i + 1][1] == "n" and not freq.get(joined):
            out.append((joined, "nz"))
            i += 1
        elif freq.get(word) or not CJK_WORD.match(word):
            out.append((word, flag))
        i += 1
    return _dictionary_compounds(out)


def _dictionary_compounds(tagged: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Two words a dictionary knows as one (电子 + 烟: 电子烟, e-cigarette): the compound, as a name."""
    out: list[tuple[str, str]] = []
    for word, flag in tagged:
        if out and flag[:1] == "n" and CJK_WORD.match(word) and CJK_WORD.match(out[-1][0]):
            joined = out[-1][0] + word
            if len(joined) >= 3 and joined in english.glossary().words and not jieba_default().FREQ.get(joined):
                out[-1] = (joined, "nz")
                continue
        out.append((word, flag))
    return out


def _english_topic(text: str) -> Topic:
    """An English question's names and phrases (with the Chinese CC-CEDICT gives them) and years; its other words."""
    named = tuple(Term(name, tuple(sorted(chinese)), place=not chinese & _GENERIC_NAMES)
                  for name, chinese in english.names(text).items())  # fmt: skip
    named += tuple(Term(key, tuple(sorted(chinese))) for key, chinese in english.phrases(text).items())
    named += tuple(Term(word, (word, word.lower())) for word in english.unknown_names(text))
    covered = {w for key in english.phrases(text) for w in key.split()}
    common = tuple(Term(w, forms := tuple(sorted(english.chinese_words(w))), noun=_mostly_nouns(forms))
                   for w in english.content_words(text) if w not in covered)  # fmt: skip
    common = tuple(t for t in common if t.forms)  # a word the dictionary does not know says nothing either way
    return Topic(named, _anchors(text), common)


def _mostly_nouns(words: tuple[str, ...]) -> bool:
    """Whether most of an English word's Chinese translations that jieba tags are nouns (护照, 黄金; not 更新)."""
    import jieba.posseg as pseg

    jieba_default()
    tags = [tag for w in words if (tag := pseg.dt.word_tag_tab.get(w))]
    return sum(tag[:1] == "n" for tag in tags) * 2 > len(tags)


def _unique(terms: list[Term]) -> tuple[Term, ...]:
    seen: dict[str, Term] = {}
    for t in terms:
        seen.setdefault(t.shown, t)
    return tuple(seen.values())
