"""One loaded knowledge base: settings, embedder, index and retriever, ready to answer."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from kbqa.answer import SectionCatalog
from kbqa.answer import answer as answer_question
from kbqa.build import ensure_index
from kbqa.data import Answer, Hit
from kbqa.embed import Embedder, load_embedder
from kbqa.progress import Progress, progress_for
from kbqa.retrieve import Mode, Retriever
from kbqa.settings import Settings
from kbqa.store import Index

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
        self.answer("智慧城市")  # loads jieba's dictionaries now rather than on the first question

    def search(self, question: str, k: int | None = None, mode: Mode = "hybrid", doc: str | None = None
               ) -> list[Hit]:
        return self.retriever.search(question, k, mode, doc)

    def answer(self, question: str, history: list[str] | None = None, top_k: int | None = None,
               doc: str | None = None) -> Answer:
        """Answer from the whole knowledge base, or from the document `doc` (its id) alone."""
        return answer_question(self, question, history or [], top_k or self.settings.top_k, doc)
