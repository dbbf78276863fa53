"""The few types that travel between pipeline stages.

file -> reader -> [Block] -> structure -> Document (text + Sections) -> chunk -> [Chunk]
question -> retrieve -> [Hit] -> answer -> Answer (text + Citations)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["heading", "paragraph", "table_row", "toc"]
PATH_SEPARATOR = " › "


@dataclass(frozen=True)
class Block:
    """One unit of a file as its reader sees it; every format speaks in these.

    `heading` blocks carry their `level` when the format says it (a Markdown `#`, a Word
    outline level, a PDF outline entry); otherwise the structure stage decides from the
    numbering. `paragraph` blocks may open with `lead`, text the format set apart (bold in
    Word), which may be a heading run into its paragraph. `table_row` text is
    `cell | cell | cell`. `toc` blocks are table-of-contents lines: used to find headings,
    never indexed. Page furniture (running headers, footers, page numbers) is dropped by
    the reader and never becomes a block.
    """

    kind: BlockKind
    text: str
    level: int | None = None
    lead: str = ""
    page: int | None = None


@dataclass(frozen=True)
class Section:
    """A heading of a document and the text it owns; `start:end` is that text in `Document.text`.

    `path` holds the labels of the headings above it and its own, top down
    (`("三、2024年政府工作任务", "（一）大力推进现代化产业体系建设，加快发展新质生产力")`).
    `number` is unique within the document: the heading's own dotted number where it has
    one (`1.1`), else its position in the outline (`3.1`). A heading whose children hold
    all the text is not a section of its own; it appears only in their paths.
    """

    number: str
    title: str
    path: tuple[str, ...]
    start: int
    end: int
    heading_start: int
    doc_id: str = ""

    @property
    def has_text(self) -> bool:
        return self.end > self.start

    @property
    def label(self) -> str:
        """The heading as the document writes it (`1.1 全球智慧城市…`, `第十三条`)."""
        return self.path[-1] if self.path else self.title

    @property
    def heading_path(self) -> str:
        return PATH_SEPARATOR.join(self.path)


@dataclass(frozen=True)
class Document:
    """A cleaned knowledge-base document: simplified text plus its structure."""

    doc_id: str
    title: str
    text: str
    sections: tuple[Section, ...]
    meta: dict = field(default_factory=dict)

    def section(self, number: str) -> Section | None:
        return next((s for s in self.sections if s.number == number), None)

    def section_text(self, section: Section) -> str:
        return self.text[section.start : section.end]


@dataclass(frozen=True)
class Chunk:
    """A passage of one section; `text == document.text[start:end]`."""

    id: int
    doc_id: str
    section: str
    title: str
    path: tuple[str, ...]
    start: int
    end: int
    text: str

    @property
    def heading_path(self) -> str:
        return PATH_SEPARATOR.join(self.path)

    @property
    def label(self) -> str:
        return self.path[-1] if self.path else self.title

    def embedding_text(self) -> str:
        """The text the embedder sees: the section's heading gives the passage its topic."""
        return f"{self.label}\n{self.text}" if self.label else self.text


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score and the per-retriever ranks behind it."""

    chunk: Chunk
    score: float
    dense_rank: int | None = None
    lexical_rank: int | None = None
    dense_score: float = 0.0


@dataclass(frozen=True)
class Citation:
    """A passage cited in an answer as `[n]`."""

    n: int
    hit: Hit
    highlights: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Answer:
    """What `answer()` returns to every interface.

    `reason` says why a question was refused or answered from something other than
    passages (`unknown_topic`, `low_confidence`, `no_text`, `not_a_question`, `structure`);
    `unknown_terms` are the question's words the knowledge base never mentions; `mode` is
    `extractive` or `generated`; `id` names the answer for feedback.
    """

    question: str
    text: str
    refused: bool
    confidence: float
    citations: tuple[Citation, ...] = ()
    suggestions: tuple[Section, ...] = ()
    resolved_question: str = ""
    took_ms: float = 0.0
    reason: str = ""
    unknown_terms: tuple[str, ...] = ()
    mode: str = "extractive"
    id: str = ""
    meta: dict = field(default_factory=dict)
