"""The knowledge base's outline: which document a question means, its chapters, and the sections with no text.

Questions about a document itself are answered from its structure: how many chapters and
which ("这份报告有几章?"), what a chapter covers ("总结一下第三章": its sections, each with one key
sentence, cited). A question about a section that exists only as a heading — named by
number (2.3节, 第十二章第四节), by title, or by the years and terms of its title (2035年 ->
"面向2035年的智慧城市发展趋势") — is told that the section's text is not in the knowledge base.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from kbqa import english
from kbqa.data import Document, Section
from kbqa.headings import parse_chinese_numeral
from kbqa.store import Index
from kbqa.text import normalize, split_sentences, squash
from kbqa.topic import topic_of

_SECTION_REF = re.compile(r"(?<![\d.])(\d{1,2}\.\d{1,2})(?![\d%])\s*(?:节|小节|部分)?")
_CHAPTER_SECTION = re.compile(r"第([一二三四五六七八九十\d]{1,3})章第([一二三四五六七八九十\d]{1,3})节")
_JOINERS = str.maketrans("", "", "的与和及之")
_DOC_KINDS = re.compile(r"报告|规划|纲要|白皮书|条例|办法|标准|意见|通知|方案|法")
_NUMBERING = re.compile(r"第[一二三四五六七八九十百\d]+[章节条项部分篇]|\d+(?:\.\d+)*")
MIN_TITLE_CHARS = 6
MIN_SHARED = 4  # characters a question shares with a heading it quotes
MIN_NAME_CHARS = 5  # of a document's name in a question: 个人信息保护法, 政府工作报告
MAX_NAME_CHARS = 30
# A question about a heading's items says little beyond the heading (分成, 第七项); one that says more
# (向境外提供…需要具备哪些条件 beside 个人信息处理规则) asks about something inside it.
MAX_WORDS_BEYOND = 1


@dataclass(frozen=True)
class Chapter:
    """A top-level heading of a document and the sections under it (its own text, if any, first)."""

    label: str
    sections: tuple[Section, ...]

    @property
    def has_text(self) -> bool:
        return any(s.has_text for s in self.sections)

    def children(self) -> list[tuple[str, list[Section]]]:
        """The headings one level down, each with its sections."""
        return self.children_at(1)

    def children_at(self, depth: int) -> list[tuple[str, list[Section]]]:
        out: dict[str, list[Section]] = {}
        for s in self.sections:
            out.setdefault(s.path[depth] if len(s.path) > depth else s.label, []).append(s)
        return list(out.items())


class Outline:
    """Section lookups, built once per index."""

    def __init__(self, index: Index) -> None:
        self.documents = index.documents
        self.by_number: dict[str, list[Section]] = {}
        for _, s in index.sections():
            self.by_number.setdefault(s.number, []).append(s)
        with_text = {bare(s.title) for _, s in index.sections() if s.has_text}
        self.textless = [
            (bare(s.title), s)
            for _, s in index.sections()
            if not s.has_text and len(s.title) >= MIN_TITLE_CHARS and bare(s.title) not in with_text
        ]
        self._index_parents()
        self._titles = {d.doc_id: squash(d.title) for d in self.documents.values()}
        self._title_pairs: dict[str, set[str]] = {}  # a title's two-character runs -> the documents
        for doc_id, title in self._titles.items():
            for k in range(len(title) - 1):
                self._title_pairs.setdefault(title[k : k + 2], set()).add(doc_id)

    def chapters(self, doc: Document) -> list[Chapter]:
        """The document's top-level headings in order (the text before the first heading is none)."""
        found: dict[str, list[Section]] = {}
        for s in doc.sections:
            if s.number != "0":
                found.setdefault(s.path[0], []).append(s)
        return [Chapter(label, tuple(sections)) for label, sections in found.items()]

    def documents_for(self, question: str, doc: str | None = None) -> list[Document]:
        """The documents a question may mean: the one asked for, else those whose title it quotes most of.

        All of them when it quotes none; a match of only a generic word (报告) counts as none.
        """
        if doc is not None:
            return [self.documents[doc]] if doc in self.documents else []
        text = normalize(question)
        docs = list(self.documents.values())
        kinds = [k for k in _DOC_KINDS.findall(text) if any(k in d.title for d in docs)]
        docs = [d for d in docs if all(k in d.title for k in kinds)] or docs  # "报告" means a report
        if english.is_english(text):
            named = {c for forms in english.names(text).values() for c in forms}
            return [d for d in docs if any(c in d.title for c in named)] or docs
        key = squash(_NUMBERING.sub("", text))
        sharing = {d for k in range(len(key) - 1) for d in self._title_pairs.get(key[k : k + 2], ())}
        scored = [(_overlap(key, self._titles[d.doc_id]) if d.doc_id in sharing else 0, d) for d in docs]
        best = max((n for n, _ in scored), default=0)
        if best < 2:
            return docs
        return [d for n, d in scored if n == best]

    def chapter(self, doc: Document, number: int | None) -> Chapter | None:
        """Chapter `number` (1-based; -1 the last) of the document."""
        chapters = self.chapters(doc)
        if number == -1 and chapters:
            return chapters[-1]
        return chapters[number - 1] if number and 0 < number <= len(chapters) else None

    def missing(self, question: str, doc: Document | None = None) -> Section | None:
        """A section the question names whose text no document has: by number, chapter and section, or title."""
        q = normalize(question)
        for m in _SECTION_REF.finditer(q):  # a number as the headings write it, not an outline position
            found = [s for s in self.by_number.get(m.group(1), [])
                     if (doc is None or s.doc_id == doc.doc_id) and s.label.startswith(m.group(1))]  # fmt: skip
            if found:
                return None if any(s.has_text for s in found) else found[0]
        nested = self._chapter_section(q, doc)
        if nested is not None:
            return None if nested.has_text else nested
        whole = bare(q)
        return next((s for title, s in self.textless if title in whole and _in(doc, s)), None)

    def _chapter_section(self, question: str, doc: Document | None) -> Section | None:
        m = _CHAPTER_SECTION.search(question)
        if m is None:
            return None
        number, index = parse_chinese_numeral(m.group(1)), (parse_chinese_numeral(m.group(2)) or 0) - 1
        for target in [doc] if doc else self.documents_for(question):
            chapter = self.chapter(target, number)
            children = chapter.children() if chapter else []
            if 0 <= index < len(children):
                return children[index][1][0]
        return None

    def heading_in(self, question: str, docs: list[Document]) -> tuple[Document, str, list] | None:
        """(document, heading, its children) for the longest heading with children the question quotes, and no more."""
        q = bare(normalize(question))
        wanted = {d.doc_id for d in docs}
        order = {d.doc_id: i for i, d in enumerate(docs)}
        found = {i for k in range(len(q) - MIN_SHARED + 1) for i in self._grams.get(q[k : k + MIN_SHARED], ())}
        best = None
        for i in sorted(found, key=lambda i: (order.get(self._parents[i][0].doc_id, 0), i)):
            doc, depth, heading, title, sections = self._parents[i]
            if doc.doc_id not in wanted:
                continue
            shared = _overlap(q, title)  # 政府工作任务 for 2024年政府工作任务
            if shared >= 0.5 * len(title) and (best is None or shared > best[3]):
                best = (doc, heading, Chapter(heading, tuple(sections)).children_at(depth + 1), shared)
        if best is None or len(words_beyond(question, best[1])) > MAX_WORDS_BEYOND:
            return None
        return best[:3]

    def _index_parents(self) -> None:
        """Every heading with headings below it (first two levels), and where its title's 4-grams are."""
        self._parents: list[tuple[Document, int, str, str, list[Section]]] = []
        self._grams: dict[str, set[int]] = {}
        for doc in self.documents.values():
            for depth in (0, 1):
                groups: dict[str, list[Section]] = {}
                for s in doc.sections:
                    if len(s.path) > depth + 1:
                        groups.setdefault(s.path[depth], []).append(s)
                for heading, sections in groups.items():
                    title = bare(_strip_number(heading))
                    for k in range(len(title) - MIN_SHARED + 1):
                        self._grams.setdefault(title[k : k + MIN_SHARED], set()).add(len(self._parents))
                    self._parents.append((doc, depth, heading, title, sections))

    def missing_by_topic(self, years: tuple[str, ...], words: set[str], doc: Document | None) -> Section | None:
        """A heading-only section whose title holds the question's years and most of its title words are asked about."""
        for _, s in self.textless:
            if not _in(doc, s):
                continue
            title = squash(s.title)
            if years and all(y in title for y in years) and sum(w in title for w in words) >= 1:
                return s
        return None


def words_beyond(question: str, heading: str) -> list[str]:
    """The question's content words that the heading does not contain."""
    topic = topic_of(normalize(question))
    title = squash(heading)
    return [t.shown for t in (*topic.named, *topic.common) if squash(t.shown) not in title]


def _strip_number(heading: str) -> str:
    from kbqa.headings import classify

    found = classify(heading)
    return found.title if found and found.title else heading


def key_sentence(doc: Document, section: Section) -> str:
    """The section's first full sentence: what a summary quotes."""
    sentences = split_sentences(doc.section_text(section))
    return sentences[0][1] if sentences else doc.section_text(section)[:60]


def bare(text: str) -> str:
    """Text without punctuation, spacing and the joining words a paraphrase drops (的, 与, 和, 及)."""
    return squash(text).translate(_JOINERS)


def _in(doc: Document | None, section: Section) -> bool:
    return doc is None or section.doc_id == doc.doc_id


class DocumentNames:
    """Which one of several documents a question names (个人信息保护法, 长宁十五五规划), looked up per question.

    A name is at least MIN_NAME_CHARS characters that end in what kind of document it is (法,
    条例, 报告, 白皮书…) and that a title writes in that order: a run of it (政府工作报告) or the
    way Chinese shortens a name, by keeping some of its characters (长宁十五五规划 for
    上海市长宁区国民经济和社会发展第十五个五年规划纲要). The document whose title takes the longest
    such name in the question, longer than any other title does, is the one named.
    """

    def __init__(self, documents: Mapping[str, Document]) -> None:
        self.several = len(documents) > 1
        self.titles = {d.doc_id: squash(d.title) for d in documents.values()}
        self.by_kind: dict[str, list[str]] = {}
        for doc_id, title in self.titles.items():
            for kind in dict.fromkeys(k.group(0) for k in _DOC_KINDS.finditer(title)):
                self.by_kind.setdefault(kind, []).append(doc_id)

    def named(self, question: str) -> tuple[str, str] | None:
        """(document id, the name as the question writes it), or None."""
        if not self.several:
            return None
        key = squash(_NUMBERING.sub("", normalize(question)))
        longest: dict[str, str] = {}
        for kind in _DOC_KINDS.finditer(key):
            alive = self.by_kind.get(kind.group(0), [])
            for start in range(kind.start() - 1, max(kind.end() - MAX_NAME_CHARS, 0) - 1, -1):
                run = key[start : kind.end()]
                alive = [d for d in alive if _in_order(run, self.titles[d])]
                if not alive:
                    break
                if len(run) >= MIN_NAME_CHARS:
                    longest.update((d, max(longest.get(d, ""), run, key=len)) for d in alive)
        ranked = sorted(longest.items(), key=lambda item: -len(item[1]))
        if not ranked or (len(ranked) > 1 and len(ranked[1][1]) == len(ranked[0][1])):
            return None
        return ranked[0]


def _in_order(run: str, title: str) -> bool:
    """Whether the title writes every character of the run, in the run's order."""
    rest = iter(title)
    return all(c in rest for c in run)


def _overlap(a: str, b: str) -> int:
    """The length of the longest run of characters `a` and `b` share."""
    best = 0
    for i in range(len(a)):
        for j in range(i + best + 1, len(a) + 1):
            if a[i:j] in b:
                best = j - i
            else:
                break
    return best
