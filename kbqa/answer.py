"""A question -> an `Answer`: checked, resolved against the conversation, then answered one of four ways.

- Greetings, thanks, markup, nonsense: a short help message with example questions.
- About a document itself (its chapters, what a chapter covers), or a section that exists
  only as a heading: from the outline (`kbqa.sections`).
- Anything else: retrieval, then `kbqa.refusal` decides whether the knowledge base answers
  it; if it does, `kbqa.compose` quotes the cited passages, else the refusal says why.
"""

from __future__ import annotations

import time
from dataclasses import replace

from kbqa import calibrate
from kbqa.compose import Excerpt, compose, render
from kbqa.corpus import Corpus
from kbqa.data import Answer, Citation, Document, Hit, Section
from kbqa.errors import QuestionError
from kbqa.followup import resolve_follow_up
from kbqa.highlight import figure_spans, idf_weights, merge, query_terms, salient, term_spans
from kbqa.question import Shape, check_question, clean_history, read
from kbqa.refusal import Judge, Verdict, distinct
from kbqa.retrieve import Retriever
from kbqa.sections import Outline
from kbqa.settings import Settings
from kbqa.store import Index
from kbqa.structure_answers import StructureAnswers
from kbqa.text import normalize, squash, squash_normal
from kbqa.titles import book_title, example_questions, short_title
from kbqa.topic import places_in, topic_of

REFUSAL = "知识库中没有找到与该问题相关的内容。"
NEIGHBOUR = "知识库中相近的内容{places}:"
MAX_PLACES = 4
HELP = "您好!我是知识库问答助手,可以回答关于{docs}的问题,每个回答都注明出处。可以这样问:"


class Answerer:
    """Everything an answer reads about one index, derived once."""

    def __init__(self, settings: Settings, index: Index, retriever: Retriever, calibration: dict) -> None:
        self.settings, self.index, self.retriever = settings, index, retriever
        self.outline = Outline(index)
        scales = {lang: calibrate.scale(calibration, lang) for lang in calibrate.OFF_TOPIC}
        # The documents' text is in normal form already (kbqa.structure): squashed, not normalised again.
        corpus = Corpus("".join(squash(d.title) + squash_normal(d.text) for d in index.documents.values()))
        sections = {(d.doc_id, s.number): d.section_text(s) for d in index.documents.values() for s in d.sections}
        self.titles = {d.doc_id: d.title for d in index.documents.values()}
        self.judge = Judge(corpus, scales, settings.refusal_threshold, self.titles, sections)
        self.structure = StructureAnswers(index, self.outline, retriever)

    def answer(self, question: object, history: list, top_k: int, doc: str | None = None) -> Answer:
        """Answer `question` from the knowledge base, or from the document `doc` alone."""
        clock = time.perf_counter()
        s = self.settings
        question = check_question(question, s.max_question_chars)
        if not 1 <= top_k <= s.max_top_k:
            raise QuestionError("invalid_top_k", f"top_k must be between 1 and {s.max_top_k}, got {top_k}",
                                limit=s.max_top_k)  # fmt: skip
        self.retriever.rows(doc)  # an unknown document id is an error before anything else
        turns = clean_history(history, s.history_turns, s.max_question_chars)
        resolved, must_have = resolve_follow_up(question, turns, self.index.tokenizer.term_set)
        result = self._answer(question, resolved, tuple(must_have), top_k, doc)
        return replace(result, resolved_question=resolved, took_ms=(time.perf_counter() - clock) * 1000)

    def _answer(self, question: str, resolved: str, must_have: tuple[str, ...], top_k: int, doc: str | None) -> Answer:
        shape = read(resolved)
        if shape.kind == "chat":
            return self._help(question)
        docs = self.outline.documents_for(resolved, doc)
        about = self.structure.about(question, resolved, shape, docs)
        if about is not None:
            return about
        missing = self.outline.missing(resolved, self.index.documents.get(doc) if doc else None)
        if missing is not None:
            return self.structure.missing(question, missing)
        return self._from_passages(question, resolved, shape, must_have, top_k, doc, docs)

    def _from_passages(self, question: str, resolved: str, shape: Shape, must_have: tuple[str, ...], top_k: int,
                       doc: str | None, docs: list[Document]) -> Answer:  # fmt: skip
        retrieval = self.retriever.retrieve(resolved, max(top_k, self.settings.candidates), doc=doc)
        pool = self._anchored(resolved, retrieval.hits, must_have)
        verdict = self.judge.judge(resolved, pool, retrieval.dense_top)
        if verdict.refuse:
            return self._refusal(question, resolved, verdict, pool, docs)
        heading_only = self._heading_only(resolved, pool, docs)
        if heading_only is not None:
            return self.structure.missing(question, heading_only)
        hits = self._with_sides(resolved, shape, pool[:top_k], doc)
        hits, text = self._quote(resolved, shape, hits, must_have, top_k)
        terms = query_terms(self.index.tokenizer, resolved)
        return Answer(question, text, False, verdict.confidence, self._cite(hits, terms, text),
                      unknown_terms=verdict.unknown)  # fmt: skip

    def _quote(self, resolved: str, shape: Shape, hits: list[Hit], must_have: tuple[str, ...], top_k: int
               ) -> tuple[list[Hit], str]:  # fmt: skip
        """The excerpts of `hits` that answer, as text with `[n]`, and the hits renumbered as cited."""
        passages = hits = self._following(hits, top_k) if shape.asks_list else hits
        position = {h.chunk.id: n for n, h in enumerate(passages, 1)}
        after = {n: position[h.chunk.id + 1] for n, h in enumerate(passages, 1) if h.chunk.id + 1 in position
                 and self.index.chunks[h.chunk.id + 1].section == h.chunk.section}  # fmt: skip
        texts = [h.chunk.text for h in passages]
        headings = [h.chunk.heading_path for h in passages]
        weights = idf_weights(self.index.lexical, query_terms(self.index.tokenizer, resolved))
        excerpts = compose(shape, weights, texts, must_have, after=after, headings=headings)
        hits, numbers = _cited(hits, passages, excerpts)
        return hits, render(excerpts, numbers) + self._subheadings(shape, hits)

    def _following(self, hits: list[Hit], top_k: int) -> list[Hit]:
        """The best passages, each followed by the chunks after it in its section, `top_k` in all.

        A list a passage opens goes on in the chunks after it.
        """
        out: list[Hit] = []
        for h in hits:
            after = self.index.chunks[h.chunk.id + 1 : h.chunk.id + 4]
            for c in [h.chunk, *(c for c in after if (c.doc_id, c.section) == (h.chunk.doc_id, h.chunk.section))]:
                if all(c.id != x.chunk.id for x in out):
                    out.append(h if c is h.chunk else Hit(c, 0.0))
        return out[:top_k]

    def _subheadings(self, shape: Shape, hits: list[Hit]) -> str:
        """A list question whose best passage opens a heading with headings under it: those are its items."""
        if not shape.asks_list or not hits:
            return ""
        path = hits[0].chunk.path
        doc = self.index.documents[hits[0].chunk.doc_id]
        below = [s.path[len(path)] for s in doc.sections if s.path[: len(path)] == path and len(s.path) > len(path)]
        below = list(dict.fromkeys(below))
        return "\n" + "\n".join(below) if len(below) >= 2 else ""

    def _heading_only(self, question: str, hits: list[Hit], docs: list[Document]) -> Section | None:
        """A heading-only section the question is about more than about its best passage (2035年 -> 13.3)."""
        topic = topic_of(normalize(question))
        if not topic.anchors or not hits:
            return None
        words = [*topic.anchors, *query_terms(self.index.tokenizer, question)]
        section = self.outline.missing_by_topic(topic.anchors, set(words), docs[0] if len(docs) == 1 else None)
        if section is None:
            return None
        best = squash(f"{' '.join(hits[0].chunk.path)} {hits[0].chunk.text}")
        title = squash(section.title)
        return section if sum(squash(w) in title for w in words) > sum(squash(w) in best for w in words) else None

    def _anchored(self, question: str, hits: list[Hit], must_have: tuple[str, ...]) -> list[Hit]:
        """Passages that name what the question names (a follow-up's new place; its years and names) first."""
        topic = topic_of(normalize(question))
        wanted = [*must_have, *topic.anchors, *(t.shown for t in topic.named if len(t.forms) == 1)]
        if not wanted:
            return hits

        def names_all(hit: Hit) -> bool:
            where = squash(f"{self.titles.get(hit.chunk.doc_id, '')} {' '.join(hit.chunk.path)} {hit.chunk.text}")
            return all(squash(w) in where for w in wanted)

        return sorted(hits, key=lambda h: not names_all(h))

    def _with_sides(self, question: str, shape: Shape, hits: list[Hit], doc: str | None) -> list[Hit]:
        """A comparison needs a passage on each side it names: each side is looked up on its own too.

        The best passage about a side joins the best few, unless it is among them already.
        """
        others = set(shape.sides)
        for side in shape.sides:
            focus = "".join(c for c in question if not any(c in o for o in others - {side})) or side
            found = next((h for h in self.retriever.search(f"{side} {focus}", 3, doc=doc) if side in h.chunk.text),
                         None)  # fmt: skip
            if found is not None and all(found.chunk.id != x.chunk.id for x in hits[:4]):
                hits = [*hits[:3], found, *(h for h in hits[3:] if h.chunk.id != found.chunk.id)]
        return hits

    def _cite(self, hits: list[Hit], terms: list[str], text: str) -> tuple[Citation, ...]:
        marked = salient(self.index.lexical, terms)
        return tuple(
            Citation(n, h, merge(term_spans(h.chunk.text, marked) + figure_spans(h.chunk.text, text, n)))
            for n, h in enumerate(hits, 1)
        )

    def _refusal(self, question: str, resolved: str, verdict: Verdict, hits: list[Hit], docs: list[Document]
                 ) -> Answer:  # fmt: skip
        topic = topic_of(normalize(resolved))
        words = {*(t.shown for t in topic.common), *query_terms(self.index.tokenizer, resolved)}
        heading_only = self.outline.missing_by_topic(topic.anchors, words, docs[0] if len(docs) == 1 else None)
        if verdict.reason == "not_in_passages" and heading_only is not None:
            return self.structure.missing(question, heading_only)
        shown = verdict.decisive if verdict.reason == "unknown_topic" else distinct(verdict.missing)
        text = f"知识库中没有找到与{'、'.join(f'“{w}”' for w in shown[:3])}相关的内容。" if shown else REFUSAL
        refusal = Answer(question, text, True, verdict.confidence, (), self.structure.suggest(hits),
                         reason=verdict.reason, unknown_terms=verdict.unknown,
                         meta={"missing_terms": list(verdict.missing)})  # fmt: skip
        return self._with_neighbour(refusal, resolved, shown, hits) if shown else refusal

    def _with_neighbour(self, refusal: Answer, resolved: str, shown: tuple[str, ...], hits: list[Hit]) -> Answer:
        """A question about a place or a body the documents do not cover, on a topic they do: what they say.

        ("报告有没有介绍东京的经验?" -> the passage on the cities the report does describe, cited.)
        """
        topic = topic_of(normalize(resolved))
        names = {t.shown for t in topic.named if t.place}
        if not set(shown) <= names or refusal.confidence < self.settings.refusal_threshold or not hits:
            return refusal
        cited, text = self._quote(resolved, read(resolved), hits[:3], (), 3)
        if not text:
            return refusal
        places = [p for p in places_in(" ".join(h.chunk.text for h in cited)) if p not in shown][:MAX_PLACES]
        lead = NEIGHBOUR.format(places=f"(涉及{'、'.join(places)})" if places else "")
        text = f"{refusal.text}\n{lead}\n{text}"
        citations = self._cite(cited, query_terms(self.index.tokenizer, resolved), text)
        return replace(refusal, text=text, citations=citations, meta={**refusal.meta, "neighbour": True})

    def _help(self, question: str) -> Answer:
        docs = "、".join(book_title(short_title(d.title)) for d in list(self.index.documents.values())[:3])
        lines = [HELP.format(docs=docs), *(f"· {q}" for q in example_questions(self.index.documents, self.settings))]
        return Answer(question, "\n".join(lines), True, 0.0, reason="not_a_question")



def _cited(hits: list[Hit], passages: list[Hit], excerpts: list[Excerpt]) -> tuple[list[Hit], dict[int, int]]:
    """The hits, and after them the further passages an excerpt quotes; how passage numbers map to citations.

    `passages` starts with `hits`.
    """
    numbers = {n: n for n in range(1, len(hits) + 1)}
    cited = list(hits)
    for e in excerpts:
        if e.n not in numbers:
            cited.append(passages[e.n - 1])
            numbers[e.n] = len(cited)
    return cited, numbers
