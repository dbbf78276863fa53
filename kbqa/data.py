"""The few types that travel between pipeline stages."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Section:
    """A numbered section of a document; `start:end` is its body in `Document.text`."""

    number: str
    title: str
    chapter: str
    chapter_title: str
    start: int
    end: int
    heading_start: int
    doc_id: str = ""

    @property
    def has_text(self) -> bool:
        return self.end > self.start

    @property
    def label(self) -> str:
        return f"{self.number} {self.title}".strip()


@dataclass(frozen=True)
class Document:
    """A cleaned knowledge-base document: simplified text plus its structure."""

    doc_id: str
    title: str
    text: str
    sections: tuple[Section, ...]

    def section(self, number: str) -> Section | None:
        return next((s for s in self.sections if s.number == number), None)

    def section_text(self, section: Section) -> str:
        return self.text[section.start : section.end]


@dataclass(frozen=True)
class Chunk:
    """A passage of one section; `text == document.text[start:end]`."""

    id: int
    doc_id: str
    chapter: str
    chapter_title: str
    section: str
    title: str
    start: int
    end: int
    text: str

    def embedding_text(self) -> str:
        """The text the embedder sees: the section title gives the passage its topic."""
        return f"{self.section} {self.title}\n{self.text}"


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
    """What `answer()` returns to every interface."""

    question: str
    text: str
    refused: bool
    confidence: float
    citations: tuple[Citation, ...] = ()
    suggestions: tuple[Section, ...] = ()
    resolved_question: str = ""
    took_ms: float = 0.0
    meta: dict = field(default_factory=dict)
