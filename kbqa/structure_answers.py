"""Answers about the documents themselves, from their outline.

Chapters, a chapter's or a heading's items, a section that exists only as a heading, and
file facts (`kbqa.about`).
"""

from __future__ import annotations

import re

from kbqa import about
from kbqa.compose import mark_garbled
from kbqa.data import Answer, Citation, Document, Hit, Section
from kbqa.question import Shape
from kbqa.retrieve import Retriever
from kbqa.sections import Chapter, Outline
from kbqa.store import Index
from kbqa.text import split_sentences
from kbqa.titles import book_title, short_title
from kbqa.toc import chinese_numeral

MAX_DOCUMENTS_SUMMARISED = 3
MAX_PASSAGES_SUMMARISED = 3  # of a section with no headings below it
MISSING_SECTION = "知识库收录的{doc}中,{label}只有目录标题,正文未收录,无法依据该节回答。"


def _part(chapter: Chapter, number: int, part: int) -> Chapter | None:
    """Section `part` of a chapter (第一节, or 3.2 in chapter 3) when it has text."""
    for label, sections in chapter.children():
        named = re.match(rf"第{chinese_numeral(part)}节|{number}\.{part}(?!\d)", label)
        if named and any(s.has_text for s in sections):
            return Chapter(label, tuple(sections))
    return None


class StructureAnswers:
    """The answers an outline gives, for one index."""

    def __init__(self, index: Index, outline: Outline, retriever: Retriever) -> None:
        self.index, self.outline, self.retriever = index, outline, retriever

    def about(self, question: str, resolved: str, shape: Shape, docs: list[Document]) -> Answer | None:
        """An answer about a document itself (its file facts, chapters, a heading's items), or None."""
        if shape.meta:
            doc = self._pick(resolved, docs)
            if doc is None:
                return None
            front = [c for c in self.index.chunks if c.doc_id == doc.doc_id and c.section == "0"]
            return about.meta(question, shape.meta, doc, front)
        if shape.chapter is not None:
            having = [d for d in docs if self.outline.chapter(d, shape.chapter)]
            doc = self._pick(resolved, having)
            chapter = self.outline.chapter(doc, shape.chapter) if doc else None
            if chapter is not None and not chapter.has_text:
                return self.missing(question, chapter.sections[0])
            if chapter is not None and shape.part and (part := _part(chapter, shape.chapter, shape.part)):
                return self._part_summary(question, doc, part)
            if chapter is not None and shape.structure == "summary":
                return self._summaries(question, shape.chapter, [doc, *(d for d in having if d is not doc)])
        if shape.structure == "chapters":
            doc = self._pick(resolved, docs)
            chapters = self.outline.chapters(doc) if doc else []
            if chapters:
                unit = "章" if "章" in resolved else "个部分"
                return Answer(question, about.chapter_list(doc, chapters, unit), False, 1.0, reason="structure")
            return None
        return self._heading_items(question, resolved, shape, docs)

    def _heading_items(self, question: str, resolved: str, shape: Shape, docs: list[Document]) -> Answer | None:
        """A quoted heading's items ("政府工作任务一共列了几项?"), or its n-th one ("第七项")."""
        if not (shape.item or shape.asks_list or shape.asks_number):
            return None
        found = self.outline.heading_in(resolved, docs)
        if found is None:
            return None
        doc, heading, children = found
        if shape.item:
            if not 0 < shape.item <= len(children):
                return None
            label, sections = children[shape.item - 1]
            sub = Chapter(label, tuple(sections)).children_at(len(sections[0].path) if len(sections) > 1 else 0)
            return self._summary(question, doc, label, sub if len(sections) > 1 else [(label, sections)])
        return self._summary(question, doc, heading, children)

    def _part_summary(self, question: str, doc: Document, part: Chapter) -> Answer:
        """第二章第一节讲了什么: its headings with a sentence each, or, with none below it, its passages' first ones."""
        if len(part.sections) > 1:
            return self._summary(question, doc, part.label, part.children_at(len(part.sections[0].path)))
        section = part.sections[0]
        chunks = [c for c in self.index.chunks if (c.doc_id, c.section) == (doc.doc_id, section.number)]
        lines = [f"{book_title(short_title(doc.title))}的“{part.label}”讲的是:"]
        citations = []
        for chunk in chunks[:MAX_PASSAGES_SUMMARISED]:
            sentences = split_sentences(chunk.text)
            first = sentences[0][1] if sentences else chunk.text.split("\n")[0]
            n = len(citations) + 1
            lines.append(f"{mark_garbled(first)}[{n}]")
            citations.append(Citation(n, Hit(chunk, 1.0)))
        return Answer(question, "\n".join(lines), False, 1.0, tuple(citations), reason="structure")

    def _summary(self, question: str, doc: Document, heading: str, children: list) -> Answer:
        text, citations = about.summary(doc, heading, children, self._first_chunk)
        return Answer(question, text, False, 1.0, citations, reason="structure")

    def _summaries(self, question: str, number: int, docs: list[Document]) -> Answer:
        """Chapter `number` of each document the question may mean (the likeliest first), numbered on."""
        texts, citations = [], []
        for doc in docs[:MAX_DOCUMENTS_SUMMARISED]:
            chapter = self.outline.chapter(doc, number)
            if chapter is None or not chapter.has_text:
                continue
            text, cited = about.summary(doc, chapter.label, chapter.children(), self._first_chunk, len(citations))
            texts.append(text)
            citations += cited
        return Answer(question, "\n".join(texts), False, 1.0, tuple(citations), reason="structure")

    def _pick(self, question: str, docs: list[Document]) -> Document | None:
        """One of the documents a question may mean: the only one, else the one its best passages come from."""
        if len(docs) <= 1:
            return docs[0] if docs else None
        ids = {d.doc_id for d in docs}
        best = next((h.chunk.doc_id for h in self.retriever.search(question, 10) if h.chunk.doc_id in ids), None)
        return self.index.documents[best] if best else docs[0]

    def missing(self, question: str, section: Section) -> Answer:
        doc = self.index.documents[section.doc_id]
        text = MISSING_SECTION.format(doc=book_title(short_title(doc.title)), label=section.label)
        hits = self.retriever.search(section.title, 5)
        return Answer(question, text, True, 0.0, (), self.suggest(hits), reason="no_text")

    def _first_chunk(self, section: Section):
        return next((c for c in self.index.chunks if c.doc_id == section.doc_id and c.section == section.number), None)

    def suggest(self, hits: list[Hit]) -> tuple[Section, ...]:
        """The sections of the best passages, three at most: where to look instead."""
        seen, out = set(), []
        for h in hits:
            key = (h.chunk.doc_id, h.chunk.section)
            section = self.index.documents[h.chunk.doc_id].section(h.chunk.section)
            if key not in seen and section is not None:
                seen.add(key)
                out.append(section)
            if len(out) == 3:
                break
        return tuple(out)
