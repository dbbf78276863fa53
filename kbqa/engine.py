"""One loaded knowledge base: settings, embedder, index and retriever, ready to answer."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator

from kbqa import calibrate
from kbqa.answer import Answerer
from kbqa.build import ensure_index
from kbqa.data import Answer, Hit
from kbqa.embed import Embedder, load_embedder
from kbqa.progress import Progress, progress_for
from kbqa.retrieve import Mode, Retriever
from kbqa.sections import Outline
from kbqa.settings import Settings
from kbqa.store import Index
from kbqa.verify import split

log = logging.getLogger("kbqa")
WARM_UP = "智慧城市"


class Loaded:
    """One index and what is derived from it; an answer reads one of these from start to end.

    Anything else it asks of the engine (settings, embedder, ...) is the engine's own.
    """

    def __init__(self, engine: Engine, index: Index) -> None:
        self.index = index
        self.retriever = Retriever(index, engine.embedder, engine.settings)
        calibration = index.manifest.get("calibration") or _measure(engine.embedder, index)
        self.answerer = Answerer(engine.settings, index, self.retriever, calibration)


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
        self._loaded = Loaded(self, ensure_index(self.settings, self.embedder, progress, say))
        self.writer = None
        if self.settings.generation:
            from kbqa.generate import Writer

            self.writer = Writer(self.settings)
        self.answer(WARM_UP)  # loads jieba's dictionaries now rather than on the first question

    @property
    def index(self) -> Index:
        return self._loaded.index

    @property
    def retriever(self) -> Retriever:
        return self._loaded.retriever

    @property
    def outline(self) -> Outline:
        return self._loaded.answerer.outline

    def swap(self, index: Index) -> None:
        """Answer from `index` from now on; answers under way finish on the index they started with.

        Everything the new index needs is built (and warmed by one question) first; the switch
        itself is one reference, so the question path takes no lock.
        """
        loaded = Loaded(self, index)
        loaded.answerer.answer(WARM_UP, [], self.settings.top_k)
        self._loaded = loaded

    def reload(self) -> None:
        """Swap in the index that is now in `settings.index_dir` (IndexDamaged if it cannot be loaded)."""
        self.swap(Index.load(self.settings.index_dir))

    def search(self, question: str, k: int | None = None, mode: Mode = "hybrid", doc: str | None = None
               ) -> list[Hit]:
        return self._loaded.retriever.search(question, k, mode, doc)

    def answer(self, question: str, history: list[str] | None = None, top_k: int | None = None,
               doc: str | None = None) -> Answer:
        """Answer from the whole knowledge base, or from the document `doc` (its id) alone.

        With generation on (`settings.generation`), a language model rewrites an answer that
        was not refused, sentence by verified sentence (kbqa.generate).
        """
        first = self._loaded.answerer.answer(question, history or [], top_k or self.settings.top_k, doc)
        return self.writer.rewrite(first, history or []) if self._rewrites(first) else first

    def answer_stream(self, question: str, history: list[str] | None = None, top_k: int | None = None,
                      doc: str | None = None) -> Iterator[str | Answer]:
        """`answer` as it is written: text pieces, each a whole sentence, then the final Answer.

        The question is checked before this returns (QuestionError), so an interface can still
        refuse it with an error status. The pieces joined are the final Answer's text; with
        generation off they are the extractive answer's sentences.
        """
        first = self._loaded.answerer.answer(question, history or [], top_k or self.settings.top_k, doc)
        return self.writer.stream(first, history or []) if self._rewrites(first) else iter([*split(first.text), first])

    def _rewrites(self, first: Answer) -> bool:
        """A model writes only what kbqa answered from passages: never a refusal."""
        return self.writer is not None and not first.refused and bool(first.citations)


def _measure(embedder: Embedder, index: Index) -> dict:
    """Calibration for an index built before it was measured at build time."""
    log.info("measuring the embedder's similarity scale for this index")
    titles = [s.title for _, s in index.sections() if s.has_text]
    return calibrate.measure(embedder.embed_queries, lambda v: index.dense.search(v, 1)[0][:, 0], titles)
