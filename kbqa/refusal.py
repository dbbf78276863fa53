"""Answerability: does the knowledge base answer this question, or must kbqa say it does not?

One rule for every document and every embedder, from three signals:

- What the question is about must be in the knowledge base. A named thing (a place, a body,
  a person: jieba's ns/nt/nr/nz), a quoted or book-title term, a word in Latin letters, or a
  compound no dictionary knows (网约车) that never occurs in any document: refused, and the
  words are named (`unknown_terms`). Everyday words the documents happen not to use (老人,
  记性) only lower the confidence, by the share of the question's words they are.
- What it names must be in what is cited. Its years, figures and named things must occur
  in the cited passages (their text, heading path or document title): a question about
  2026年 is not answered with a passage about 2024年.
- How close its best passage is, on the embedder's own scale (`kbqa.calibrate`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kbqa import english
from kbqa.calibrate import Scale
from kbqa.data import Hit
from kbqa.lexical import STOP_WORDS, jieba_default
from kbqa.text import FIGURE, normalize, squash

NAMED = ("ns", "nt", "nr", "nz", "nrt", "nrfg", "eng")
# Words that frame a question rather than name its topic.
FRAME_WORDS = frozenset(
    """原因 作用 效果 办法 方法 措施 情况 意义 影响 特点 区别 好处 问题 方式 内容 目的 关系 建议 方面 时候 东西 意思
    法子 招 招数 新招 事儿 事情 地方 人家 大家 作者 报告 文章 文件 文档 规划 纲要 知识库 这块 那块 哪些 哪个 什么
    怎么 如何 多少 为什么 是否 有没有 会不会 能不能 可不可以 哪儿 哪里 咋样 咋 啥 呢 吗 吧 一下 主要 具体 之前 以后
    咋办 咋整 怎么办 怎么样 咋回事 不会 会不会 要不要 章节 说法 两处 几处 前后 一样 一致 观点 段落 部分 当初
    时间 目标""".split()
)
_GENERIC_NAMES = frozenset("城市 我国 全国 国家 地区 区域 全市 各地 国际 全球 国内 地方 智慧 城乡 中国 中央".split())
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?=年|\b|[-—~至到])")
_QUOTED = re.compile(r"“([^“”]{2,20})”|《([^《》]{2,30})》|\"([^\"]{2,20})\"")
_LATIN = re.compile(r"\b[A-Za-z]+\d[A-Za-z0-9]*\b|\b[A-Z]{2,}[0-9]*\b")  # C919, GDP, PM2
_CJK = re.compile(r"^[\u4e00-\u9fff]+$")
_COMPARES = re.compile(r"和|与|跟|相比|比较|对比|分别|各是|各有|哪个|\bvs\b|\bcompare|\bdiffer", re.I)
# "多少亿欧元", "多少公里": the figure must be in that unit (2万欧元 per head does not say how many 亿欧元 in all)
_UNITS = "欧元|美元|元|人次|人|户|家|公里|平方米|吨|套|项|条|斤"
_ASKED_UNIT = re.compile(rf"多少([万亿千百]+(?:{_UNITS})|欧元|美元|英镑|日元)")
_GLUED = frozenset("里在的对给和与中从向")  # what jieba glues to the front of a name it does not know (报告里雄安)
_NUMERALS = frozenset("零〇一二三四五六七八九十百千万亿两几多少第半")
_ASKING = re.compile(r"哪|几|多少|什么|怎|咋|啥|一共|总共|是否")  # 哪几个, 一共, 多少部: how a question asks
MIN_UNKNOWN_SPAN = 3
RARE = 1000  # jieba's dictionary counts, out of some 60 million words
UNKNOWN_PENALTY = 0.5  # the most that everyday words the documents never use take off the confidence
COVERED = 0.6  # the share of a question's nouns that, in what is cited, outweighs one rare noun it lacks


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


@dataclass(frozen=True)
class Verdict:
    """Whether to answer; why not; how sure; the words that decided it."""

    refuse: bool
    reason: str
    confidence: float
    unknown: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()


class Judge:
    """Answerability over one knowledge base (its whole text, for "does it ever mention …")."""

    def __init__(self, corpus: str, scales: dict[str, Scale], threshold: float,
                 sections: dict[tuple[str, str], str] | None = None) -> None:  # fmt: skip
        self.corpus = squash(corpus)
        self.scales, self.threshold = scales, threshold
        self.sections = sections or {}

    def known(self, term: Term) -> bool:
        """Whether the knowledge base writes the term (`written`)."""
        return written(term, self.corpus)


    def judge(self, question: str, hits: list[Hit], dense_top: float, titles: dict[str, str]) -> Verdict:
        """The verdict on `question` answered from `hits` (best first); `titles` are the documents' titles."""
        text = normalize(question)
        lang = "en" if english.is_english(text) else "zh"
        topic = topic_of(text)
        sections = [squash(where(h, titles, self.sections)) for h in hits[:3]]
        unknown_common = tuple(t.shown for t in topic.common if not self.known(t))
        confidence = self.scales[lang].confidence(dense_top)
        if topic.common:
            confidence = round(confidence * (1 - UNKNOWN_PENALTY * len(unknown_common) / len(topic.common)), 3)
        unknown = self._unknown(text, topic, "".join(sections))
        if unknown:
            return Verdict(True, "unknown_topic", confidence, tuple(dict.fromkeys(unknown + unknown_common)))
        missing = _missing_in(text, topic, sections, [squash(where(h, titles)) for h in hits[:3]])
        if missing:
            return Verdict(True, "not_in_passages", confidence, unknown_common, missing)
        if not hits or (lang == "zh" and confidence < self.threshold):  # English scores say little either way
            return Verdict(True, "low_confidence", confidence, unknown_common)
        return Verdict(False, "", confidence, unknown_common)

    def _unknown(self, text: str, topic: Topic, cited: str) -> tuple[str, ...]:
        """What the question is about that the documents never mention.

        A noun they never use (起征点, 食品) counts only when the cited passages miss most of the
        question's nouns too: alone among words they use, it is more likely a way of putting it (太贵).
        """
        unknown = tuple(t.shown for t in topic.named if not self.known(t))
        unknown += tuple(span for span in unknown_spans(text, self.corpus) if span not in unknown)
        nouns = [t for t in topic.common if t.noun]
        absent = [t for t in nouns if not self.known(t) and not _parts_known(t.shown, self.corpus)]
        if absent and sum(written(t, cited) for t in nouns) < COVERED * len(nouns):
            unknown += tuple(t.shown for t in absent)
        return unknown


def unknown_spans(text: str, corpus: str) -> list[str]:
    """Runs of nouns, three characters or more, the documents never write (元 + 宇宙, 比特 + 币 + 挖矿).

    jieba splits a word it does not know into pieces; the run of pieces, none of them (nor a
    one-character piece's pair with its neighbour) in the documents, is the word they lack.
    """
    tagged = _tagged(_QUOTED.sub("，", text))
    spans, run = [], ""
    for i, (word, flag) in enumerate(tagged):
        numeral = flag[:1] == "m" and (len(word) > 1 or word in _NUMERALS)
        nounish = (flag[:1] in "nm" or flag == "vn") and not numeral
        if nounish and _CJK.match(word) and not _ASKING.search(word) and not _covered(tagged, i, corpus):
            run += word
            continue
        if len(run) >= MIN_UNKNOWN_SPAN:
            spans.append(run)
        run = ""
    return [*spans, run] if len(run) >= MIN_UNKNOWN_SPAN else spans


def _covered(tagged: list[tuple[str, str]], i: int, corpus: str) -> bool:
    word = tagged[i][0]
    if len(word) >= 2:
        return written(Term(word, (word,)), corpus) or _parts_known(word, corpus)
    pairs = [tagged[i - 1][0][-1:] + word if i else "", word + tagged[i + 1][0][:1] if i + 1 < len(tagged) else ""]
    return any(len(p) == 2 and p in corpus for p in pairs)


def written(term: Term, text: str) -> bool:
    """Whether `text` (squashed) writes the term, in one of its forms.

    Or every part of it (苏州工业园区 in 苏州市工业园区), or it but for a word jieba glued on in
    front (报告里雄安: 雄安).
    """
    return any(squash(f) and (squash(f) in text or _all_parts_known(f, text)
                              or (len(f) >= 3 and f[0] in _GLUED and squash(f[1:]) in text))
               for f in term.forms)  # fmt: skip


def _all_parts_known(word: str, corpus: str) -> bool:
    """Whether the word's dictionary parts cover all of it and the documents write each (苏州 工业 园区)."""
    parts = [p for p in jieba_default().lcut_for_search(word) if 2 <= len(p) < len(word)]
    covered = set()
    for p in parts:
        at = word.find(p)
        covered.update(range(at, at + len(p)))
    return len(covered) == len(word) and all(squash(p) in corpus for p in parts)


def _parts_known(word: str, corpus: str) -> bool:
    """Whether the documents write any two-character part of a word (老房子: 房子; 苏州工业园区: all of them)."""
    parts = [p for p in jieba_default().lcut_for_search(word) if 2 <= len(p) < len(word)]
    return any(squash(p) in corpus for p in parts)


def _rare(word: str) -> bool:
    """A word general Chinese seldom uses (起征点, 票价, 房产税): naming it, a question names its topic."""
    return _CJK.match(word) is not None and (jieba_default().FREQ.get(word) or 0) < RARE


def _missing_in(text: str, topic: Topic, sections: list[str], passages: list[str]) -> tuple[str, ...]:
    """What the question names that the cited passages (and their sections) do not say.

    Its places and years (all in one passage, unless it compares), the unit it asks a figure in,
    or (of two nouns or more) any noun.
    """
    cited = "".join(sections)
    placed = [t for t in topic.named if t.place]  # a place, a body, a person: the passage must be about it
    missing = tuple(t.shown for t in placed if not written(t, cited))
    missing += tuple(y for y in topic.anchors if squash(y) not in cited)
    wanted = [*placed, *(Term(y, (y,)) for y in topic.anchors)]
    if not missing and len(wanted) >= 2 and not _COMPARES.search(text):
        if not any(all(written(t, p) for t in wanted) for p in passages):
            missing = tuple(t.shown for t in wanted)
    unit = _ASKED_UNIT.search(text)
    if unit and not re.search(r"\d(?:多|余)?" + re.escape(unit.group(1)), cited):
        missing += (unit.group(1),)
    nouns = [t for t in topic.common if t.noun]
    if len(nouns) >= 2 and not any(written(t, cited) for t in nouns):
        missing += tuple(t.shown for t in nouns)
    return missing


def where(hit: Hit, titles: dict[str, str], sections: dict[tuple[str, str], str] | None = None) -> str:
    """What a cited passage says, with where it stands: its document's title, heading path and section."""
    section = (sections or {}).get((hit.chunk.doc_id, hit.chunk.section), hit.chunk.text)
    return f"{titles.get(hit.chunk.doc_id, '')} {' '.join(hit.chunk.path)} {section}"


def topic_of(text: str) -> Topic:
    """The question's named things, years and other content words (`text` normalised)."""
    if english.is_english(text):
        return _english_topic(text)
    named, common = [], []
    for word, flag in _compounds(_tagged(_QUOTED.sub("，", text))):
        if len(word) < 2 or word in STOP_WORDS or word in FRAME_WORDS or not _CJK.match(word) or _ASKING.search(word):
            continue
        if word in _GENERIC_NAMES:
            continue
        if flag in ("nr", "nrt", "nrfg") and len(word) < 3:
            flag = "n"  # jieba calls many two-character words names (太贵, 智慧): only longer ones count
        term = Term(word, (word,), flag[:1] in "nj" and flag != "nr", flag in ("ns", "nt", "nr", "nrt", "nrfg"))
        (named if flag in NAMED else common).append(term)
    named += [Term(q, (q,)) for m in _QUOTED.finditer(text) for q in m.groups() if q]
    named += [Term(m.group(0), (m.group(0),)) for m in _LATIN.finditer(text)]
    return Topic(_unique(named), _anchors(text), _unique(common))


def _anchors(text: str) -> tuple[str, ...]:
    """Years and figures with their units (2026年, 8000元): what is cited must say them."""
    years = [m.group(0) for m in _YEAR.finditer(text)]
    figures = [m.group(0) for m in FIGURE.finditer(text) if not _YEAR.match(m.group(0))]
    return tuple(dict.fromkeys(years + figures))


def _tagged(text: str) -> list[tuple[str, str]]:
    import jieba.posseg as pseg

    jieba_default()  # the dictionary, loaded once and quietly
    return [(w, f) for w, f in pseg.lcut(text) if w.strip()]


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
        unknown_noun = _CJK.match(word) and not freq.get(word) and flag[:1] == "n" and not flag.startswith("nr")
        if unknown_noun and joined and len(tagged[i + 1][0]) == 1 and tagged[i + 1][1] == "n" and not freq.get(joined):
            out.append((joined, "nz"))
            i += 1
        elif freq.get(word) or not _CJK.match(word):
            out.append((word, flag))
        i += 1
    return _dictionary_compounds(out)


def _dictionary_compounds(tagged: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Two words a dictionary knows as one (电子 + 烟: 电子烟, e-cigarette): the compound, as a name."""
    out: list[tuple[str, str]] = []
    for word, flag in tagged:
        if out and flag[:1] == "n" and _CJK.match(word) and _CJK.match(out[-1][0]):
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
    common = tuple(Term(w, tuple(sorted(english.chinese_words(w))))
                   for w in english.content_words(text) if w not in covered)  # fmt: skip
    common = tuple(t for t in common if t.forms)  # a word the dictionary does not know says nothing either way
    return Topic(named, _anchors(text), common)


def _unique(terms: list[Term]) -> tuple[Term, ...]:
    seen: dict[str, Term] = {}
    for t in terms:
        seen.setdefault(t.shown, t)
    return tuple(seen.values())
