"""Answers about the documents themselves, from their structure and their front matter.

- How many chapters, and which (`chapters`); what a chapter or a quoted heading covers, or
  how many items it lists (`summary`: its headings, each with one key sentence, cited); its
  n-th item (`item`).
- When a document was issued, by whom, for which years (`meta`): from the text before its
  first heading, where documents say so; a document that does not say is refused ("meta").
"""

from __future__ import annotations

import re

from kbqa.compose import mark_garbled
from kbqa.data import Answer, Chunk, Citation, Document, Hit, Section
from kbqa.sections import Chapter, key_sentence
from kbqa.text import DATE, split_sentences
from kbqa.titles import book_title, short_title

_PERIOD = re.compile(r"\d{4}\s*[-—~～至到]\s*\d{4}年?")
_ISSUER = re.compile(
    r"国务院|总理|委员会|人民政府|政府|人民代表大会|区委|市委|省委|部|局|院|办公厅|研究院|编制|印发|发布|制定|起草"
)
MAX_ISSUER_LINE = 30  # a cover line that names a body (中国信息通信研究院) says who issued the document
META_REFUSAL = "知识库收录的{doc}中没有写明{what}。"
_META_WORDS = {"when": "发布或通过的日期", "who": "作者或发布单位", "period": "适用的年份", "size": "篇幅(页数或字数)"}


def chapter_list(doc: Document, chapters: list[Chapter], unit: str = "个部分") -> str:
    """`《…》共13章:` and the chapter headings; those with no text said to be headings only."""
    lines = [f"{book_title(short_title(doc.title))}共{len(chapters)}{unit}:"]
    lines += [c.label + ("" if c.has_text else "(只有目录标题,正文未收录)") for c in chapters]
    return "\n".join(lines)


def summary(doc: Document, heading: str, children: list[tuple[str, list[Section]]], first_chunk, start: int = 0
            ) -> tuple[str, tuple[Citation, ...]]:  # fmt: skip
    """A heading's children, each with its first sentence cited (numbered after `start`): (text, citations)."""
    lines = [f"{book_title(short_title(doc.title))}的“{heading}”包括{len(children)}项:"]
    citations: list[Citation] = []
    for label, sections in children:
        lines.append(label)
        first = next((s for s in sections if s.has_text), None)
        chunk: Chunk | None = first_chunk(first) if first else None
        if chunk is None:
            lines[-1] += "(正文未收录)"
            continue
        sentence = key_sentence(doc, first)
        excerpt = sentence if sentence in chunk.text else chunk.text.split("\n")[0]
        n = start + len(citations) + 1
        lines.append(f"{mark_garbled(excerpt)}[{n}]")
        citations.append(Citation(n, Hit(chunk, 1.0)))
    return "\n".join(lines), tuple(citations)


def meta(question: str, kinds: tuple[str, ...], doc: Document, front: list[Chunk]) -> Answer:
    """When / by whom / for which years a document was issued, quoted from its front matter, or refused.

    Every fact asked must be there: a question about who wrote it and when is not half answered.
    """
    found: dict[str, tuple[Chunk, str]] = {}
    for kind in kinds:
        said = [(c, s) for c in front for _, s in split_sentences(c.text) if _says(kind, s)]
        hit = max(said, key=lambda cs: _issuers(cs[1])) if kind == "who" and said else next(iter(said), None)
        if hit is None:
            what = _META_WORDS[kind]
            return Answer(question, META_REFUSAL.format(doc=book_title(short_title(doc.title)), what=what), True, 0.0,
                          reason="meta")  # fmt: skip
        found[kind] = hit
    chunks = list(dict.fromkeys(c for c, _ in found.values()))
    sentences = list(dict.fromkeys((c, s) for c, s in found.values()))
    text = "".join(f"{s}[{chunks.index(c) + 1}]" for c, s in sentences)
    citations = tuple(Citation(n, Hit(c, 1.0)) for n, c in enumerate(chunks, 1))
    return Answer(question, text, False, 1.0, citations, reason="structure")


def _says(kind: str, sentence: str) -> bool:
    if kind == "when":
        return bool(DATE.search(sentence))
    if kind == "period":
        return bool(_PERIOD.search(sentence))
    if kind == "who":
        return bool(DATE.search(sentence)) or "编制" in sentence or _issuers(sentence) >= 2 or (
            _issuers(sentence) == 1 and len(sentence) <= MAX_ISSUER_LINE)


def _issuers(sentence: str) -> int:
    """How many words naming who issues documents (国务院, 研究院, 印发…) the sentence has."""
    return len(_ISSUER.findall(sentence))
    return False  # the size of a document is nowhere in its text
