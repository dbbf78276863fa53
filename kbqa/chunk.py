"""Section -> chunks, with langchain-text-splitters; no chunk crosses a section."""

from __future__ import annotations

from langchain_text_splitters import RecursiveCharacterTextSplitter

from kbqa.data import Chunk, Document, Section

# Paragraphs, then sentence ends, then clause marks: a cut lands where a reader pauses.
SEPARATORS = ["\n\n", "\n", "\u3002", "\uff01", "\uff1f", "\uff1b", ";", "\uff0c", ",", "\u3001", ""]


def make_splitter(chunk_size: int, chunk_overlap: int) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(
        chunk_size=chunk_size,
        chunk_overlap=chunk_overlap,
        separators=SEPARATORS,
        keep_separator="end",
        strip_whitespace=True,
    )


def chunk_section(
    doc: Document, section: Section, splitter: RecursiveCharacterTextSplitter, first_id: int = 0
) -> list[Chunk]:
    """Split one section's body; offsets point into `doc.text`."""
    body = doc.section_text(section)
    chunks = []
    prev = -1
    for piece in splitter.split_text(body):
        # Pieces come in order but overlap: each starts after the previous one's start.
        at = body.find(piece, prev + 1)
        if at < 0:  # pragma: no cover - split_text only ever returns substrings
            raise ValueError(f"chunk not found in section {section.number}: {piece[:20]!r}")
        start = section.start + at
        chunks.append(
            Chunk(
                id=first_id + len(chunks),
                doc_id=doc.doc_id,
                section=section.number,
                title=section.title,
                path=section.path,
                start=start,
                end=start + len(piece),
                text=piece,
            )
        )
        prev = at
    return chunks


def chunk_document(doc: Document, chunk_size: int, chunk_overlap: int, first_id: int = 0) -> list[Chunk]:
    splitter = make_splitter(chunk_size, chunk_overlap)
    chunks: list[Chunk] = []
    for section in doc.sections:
        if section.has_text:
            chunks.extend(chunk_section(doc, section, splitter, first_id + len(chunks)))
    return chunks
