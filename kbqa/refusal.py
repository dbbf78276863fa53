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
from kbqa.corpus import Corpus
from kbqa.data import Hit
from kbqa.lexical import jieba_default
from kbqa.text import UNITS, normalize, squash
from kbqa.topic import ASKING, CJK_WORD, QUOTED, Term, Topic, tag_words, topic_of

_COMPARES = re.compile(r"和|与|跟|相比|比较|对比|分别|各是|各有|哪个|\bvs\b|\bcompare|\bdiffer", re.I)
# "多少亿欧元", "多少公里": the figure must be in that unit (2万欧元 per head does not say how many 亿欧元 in all)
_CURRENCIES = "欧元|美元|英镑|日元"
_ASKED_UNIT = re.compile(rf"多少([万亿千百]+(?:{_CURRENCIES}|{UNITS}|人次|平方米)|{_CURRENCIES})")
_GLUED = frozenset("里在的对给和与中从向")  # what jieba glues to the front of a name it does not know (报告里雄安)
_NUMERALS = frozenset("零〇一二三四五六七八九十百千万亿两几多少第半")
MIN_UNKNOWN_SPAN = 3
RARE = 1000  # jieba's dictionary counts, out of some 60 million words
UNKNOWN_PENALTY = 0.5  # the most that everyday words the documents never use take off the confidence
COVERED = 0.6  # the share of a question's nouns that, in what is cited, outweighs one rare noun it lacks


@dataclass(frozen=True)
class Verdict:
    """Whether to answer; why not; how sure; the words that decided it."""

    refuse: bool
    reason: str
    confidence: float
    unknown: tuple[str, ...] = ()  # every word the documents never use
    missing: tuple[str, ...] = ()  # what the cited passages lack
    decisive: tuple[str, ...] = ()  # the unknown words that decided a refusal, as it names them


class Judge:
    """Answerability over one knowledge base (its whole text, for "does it ever mention …")."""

    def __init__(self, corpus: Corpus, scales: dict[str, Scale], threshold: float, titles: dict[str, str],
                 sections: dict[tuple[str, str], str] | None = None) -> None:  # fmt: skip
        """`titles`: each document's title by id; `sections`: each section's text by (document id, number)."""
        self.corpus = corpus
        self.scales, self.threshold = scales, threshold
        self.titles, self.all_titles = titles, squash(" ".join(titles.values()))
        self.sections = sections or {}

    def known(self, term: Term) -> bool:
        """Whether the knowledge base writes the term (`written`)."""
        return written(term, self.corpus)


    def judge(self, question: str, hits: list[Hit], dense_top: float) -> Verdict:
        """The verdict on `question` answered from `hits` (best first)."""
        titles = self.titles
        text = normalize(question)
        lang = "en" if english.is_english(text) else "zh"
        topic = topic_of(text)
        sections = [squash(where(h, titles, self.sections)) for h in hits[:3]]
        unknown_common = tuple(t.shown for t in topic.common if not self.known(t))
        confidence = self.scales[lang].confidence(dense_top)
        if topic.common:
            confidence = round(confidence * (1 - UNKNOWN_PENALTY * len(unknown_common) / len(topic.common)), 3)
        unknown = self._unknown(text, topic, "".join(sections), self.all_titles, lang)
        if unknown:
            return Verdict(True, "unknown_topic", confidence, tuple(dict.fromkeys(unknown + unknown_common)),
                           decisive=distinct(unknown))  # fmt: skip
        missing = _missing_in(text, topic, sections, [squash(where(h, titles)) for h in hits[:3]])
        if missing:
            return Verdict(True, "not_in_passages", confidence, unknown_common, missing)
        if not hits or (lang == "zh" and confidence < self.threshold):  # English scores say little either way
            return Verdict(True, "low_confidence", confidence, unknown_common)
        return Verdict(False, "", confidence, unknown_common)

    def _unknown(self, text: str, topic: Topic, cited: str, titles: str, lang: str = "zh") -> tuple[str, ...]:
        """What the question is about that the documents never mention: names, then words, then spans."""
        unknown = tuple(t.shown for t in topic.named if not self.known(t))
        if lang == "en":
            unknown += tuple(t.shown for t in self._absent_english(topic, unknown, cited, titles))
        else:
            unknown += tuple(t.shown for t in self._absent(topic, cited, titles))
        return unknown + tuple(span for span in unknown_spans(text, self.corpus) if span not in unknown)

    def _absent(self, topic: Topic, cited: str, titles: str) -> list[Term]:
        """Nouns the documents never use (起征点, 食品), when the cited passages miss most of the question's nouns too.

        Alone among words they use, such a noun is more likely a way of putting it (太贵).
        """
        nouns, asked = _asked(topic, titles)
        absent = [t for t in nouns if not self.known(t) and not _parts_known(t.shown, self.corpus)]
        return absent if absent and sum(written(t, cited) for t in asked) < COVERED * len(asked) else []

    def _absent_english(self, topic: Topic, unknown: tuple[str, ...], cited: str, titles: str) -> list[Term]:
        """English nouns none of whose translations the documents write, even less a character (passport: 护照).

        Only when the question names nothing the documents write, and what is cited writes none of
        its names and nouns, nor any of its words in a form general Chinese seldom uses (deficit:
        赤字): a dictionary's translations often miss the documents' word (scenario: 剧本, not 场景).
        """
        if len(unknown) < len(topic.named):
            return []
        nouns, asked = _asked(topic, titles)
        absent = [t for t in nouns if not self.known(t) and not any(_affixed(f, self.corpus) for f in t.forms)]
        rare_cited = any(_rare(f) and squash(f) in cited for t in topic.common for f in t.forms)
        return [] if rare_cited or any(written(t, cited) for t in asked) else absent


def _asked(topic: Topic, titles: str) -> tuple[list[Term], list[Term]]:
    """(the question's nouns, what it asks about: its names other than which document it asks, and its nouns)."""
    nouns = [t for t in topic.common if t.noun]
    return nouns, [*(t for t in topic.named if not written(t, titles)), *nouns]


def distinct(words: tuple[str, ...]) -> tuple[str, ...]:
    """The words, less any inside or around one before it (地铁票价, not also 地铁 and 票价)."""
    out: list[str] = []
    for w in words:
        if not any(w in o or o in w for o in out):
            out.append(w)
    return tuple(out)


def unknown_spans(text: str, corpus: str) -> list[str]:
    """Runs of nouns, three characters or more, the documents never write (元 + 宇宙, 比特 + 币 + 挖矿).

    jieba splits a word it does not know into pieces; the run of pieces, none of them (nor a
    one-character piece's pair with its neighbour) in the documents, is the word they lack.
    """
    tagged = tag_words(QUOTED.sub("，", text))
    spans, run = [], ""
    for i, (word, flag) in enumerate(tagged):
        numeral = flag[:1] == "m" and (len(word) > 1 or word in _NUMERALS)
        nounish = (flag[:1] in "nm" or flag == "vn") and not numeral
        if nounish and CJK_WORD.match(word) and not ASKING.search(word) and not _covered(tagged, i, corpus):
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


def _affixed(word: str, corpus: str) -> bool:
    """Whether the documents write the word less one character at either end (安全性: 安全)."""
    return len(word) >= 3 and (squash(word[:-1]) in corpus or squash(word[1:]) in corpus)


def _rare(word: str) -> bool:
    """A word general Chinese seldom uses (起征点, 票价, 房产税): naming it, a question names its topic."""
    return CJK_WORD.match(word) is not None and (jieba_default().FREQ.get(word) or 0) < RARE


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


