"""One loaded knowledge base: settings, embedder, index and retriever, ready to answer."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator

from kbqa.answer import SectionCatalog
from kbqa.answer import answer as answer_question
from kbqa.build import ensure_index
from kbqa.data import Answer, Hit
from kbqa.embed import Embedder, load_embedder
from kbqa.progress import Progress, progress_for
from kbqa.retrieve import Mode, Retriever
from kbqa.settings import Settings
from kbqa.store import Index
from kbqa.verify import split

log = logging.getLogger("kbqa")


class Engine:
    """What every interface (CLI, JSON API, Gradio, widget) calls."""

    def __init__(
        self,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        progress: Progress | None = None,
        say: Callable[[str], None] = log.warning,
    ) -> None:
        """Load the index, first building it if needed; `progress` defaults to a bar or log lines via `say`."""
        self.settings = settings or Settings.from_env()
        self.embedder = embedder or load_embedder(self.settings.embedder)
        progress = progress or progress_for(sys.stderr, say)
        self.index: Index = ensure_index(self.settings, self.embedder, progress, say)
        self.retriever = Retriever(self.index, self.embedder, self.settings)
        self.corpus_text = "\n".join(d.text for d in self.index.documents.values())
        self.sections = SectionCatalog(self.index)
        self.writer = None
        self.answer("智慧城市")  # loads jieba's dictionaries now rather than on the first question
        if self.settings.generation:
            from kbqa.generate import Writer

            self.writer = Writer(self.settings)

    def search(self, question: str, k: int | None = None, mode: Mode = "hybrid", doc: str | None = None
               ) -> list[Hit]:
        return self.retriever.search(question, k, mode, doc)

    def answer(self, question: str, history: list[str] | None = None, top_k: int | None = None,
               doc: str | None = None) -> Answer:
        """Answer from the whole knowledge base, or from the document `doc` (its id) alone.

        With generation on (`settings.generation`), a language model rewrites an answer that
        was not refused, sentence by verified sentence (kbqa.generate).
        """
        first = answer_question(self, question, history or [], top_k or self.settings.top_k, doc)
        return self.writer.rewrite(first, history or []) if self._rewrites(first) else first

    def answer_stream(self, question: str, history: list[str] | None = None, top_k: int | None = None,
                      doc: str | None = None) -> Iterator[str | Answer]:
        """`answer` as it is written: text pieces, each a whole sentence, then the final Answer.

        The question is checked before this returns (QuestionError), so an interface can still
        refuse it with an error status. The pieces joined are the final Answer's text; with
        generation off they are the extractive answer's sentences.
        """
        first = answer_question(self, question, history or [], top_k or self.settings.top_k, doc)
        return self.writer.stream(first, history or []) if self._rewrites(first) else iter([*split(first.text), first])

    def _rewrites(self, first: Answer) -> bool:
        """A model writes only what kbqa answered from passages: never a refusal."""
        return self.writer is not None and not first.refused and bool(first.citations)
