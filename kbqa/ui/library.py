"""What the pages say about the knowledge base: its title, the documents it lists, example questions.

Pure: documents and settings in, text out, so that any knowledge base gets its own header and
examples (nothing here is written for one report).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kbqa.data import Chunk, Document, Section
from kbqa.study import PracticeQuestion, make_questions
from kbqa.titles import book_title, short_title

ALL_DOCUMENTS = "全部文档"
WHOLE = "全文"  # names the one section of a document whose structure was not recognised


def placeholder(examples: Sequence[str]) -> str:
    return f"例如:{examples[0]}" if examples else "请输入问题"


def heading_path(item: Section | Chunk) -> tuple[str, ...]:
    """A section's or chunk's headings, top down; one without headings is the whole document."""
    return tuple(item.path) or (item.title or WHOLE,)


def label(item: Section | Chunk) -> str:
    """The heading as the document writes it (`2.2 大数据…`), or 全文."""
    return heading_path(item)[-1]


def section_key(doc_id: str, number: str) -> str:
    """How a page names a section (`doc#2.2`): doc ids never hold `#`."""
    return f"{doc_id}#{number}"


@dataclass(frozen=True)
class Library:
    """The documents the browse and study tabs show, with each section's practice questions."""

    documents: Mapping[str, Document]
    questions: Mapping[str, list[PracticeQuestion]]

    @classmethod
    def of(cls, documents: Mapping[str, Document]) -> Library:
        bank = {section_key(d.doc_id, s.number): make_questions(d, s) for d in documents.values() for s in d.sections}
        return cls(documents, bank)

    @property
    def several(self) -> bool:
        return len(self.documents) > 1

    def find(self, key: str) -> tuple[Document, Section] | None:
        doc_id, _, number = key.rpartition("#")
        doc = self.documents.get(doc_id)
        section = doc.section(number) if doc else None
        return (doc, section) if doc and section else None

    def document_choices(self) -> list[tuple[str, str]]:
        """The ask tab's document selector: every document, or one ("" for all)."""
        return [(ALL_DOCUMENTS, ""), *((book_title(short_title(d.title)), d.doc_id) for d in self.documents.values())]

    def study_choices(self) -> list[tuple[str, str]]:
        """(label, key) of every section with questions; with several documents, the label names its document."""
        choices = []
        for key, questions in self.questions.items():
            found = self.find(key)
            if questions and found:
                doc, section = found
                name = f"{book_title(short_title(doc.title))} {label(section)}" if self.several else label(section)
                choices.append((name, key))
        return choices
