"""The JSON shapes of the HTTP API, shared by the server, the CLI and the UI.

The request's limits come from `Settings`, so `ask_request(settings)` builds the model a server
validates with and its OpenAPI document states: what the server enforces is what it publishes.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from kbqa.data import Answer, Document
from kbqa.settings import Settings

EXAMPLE = {"question": "杭州城市大脑整合了多少个部门的数据?"}


def ask_request(settings: Settings) -> type[BaseModel]:
    """The body of `POST /api/ask` under these settings' limits."""

    class AskRequest(BaseModel):
        """Body of `POST /api/ask`."""

        model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})

        question: str = Field(
            description=f"The question, 1-{settings.max_question_chars} visible characters (KBQA_MAX_QUESTION_CHARS)."
        )
        top_k: int = Field(
            settings.top_k, ge=1, le=settings.max_top_k,
            description=f"How many passages to return, 1-{settings.max_top_k} (KBQA_TOP_K, KBQA_MAX_TOP_K).",
        )
        history: list[str] = Field(
            default_factory=list, max_length=settings.max_history,
            description="Earlier questions of the conversation, oldest first (KBQA_MAX_HISTORY).",
        )
        doc: str | None = Field(
            None, description="Answer from this document alone: its `doc` id as `/api/sections` lists it; "
            "an id the knowledge base does not hold gets 422 `unknown_document`.",
        )

        @field_validator("top_k", mode="before")
        @classmethod
        def _json_integer(cls, value: object) -> object:
            """2.0 is a JSON integer; `true` and "3" are not, though pydantic would take them."""
            if isinstance(value, (bool, str)):
                raise PydanticCustomError("int_type", "Input should be a valid integer")
            return value

    return AskRequest


class PassageOut(BaseModel):
    n: int = Field(description="The number that `[n]` in the answer refers to.")
    doc: str
    doc_title: str = Field(description="The title of the document the passage is from.")
    section: str
    title: str
    path: list[str] = Field(description="The headings above the passage's section and its own, top down.")
    heading: str = Field(description="`path` joined with ` › `.")
    text: str
    score: float
    highlights: list[list[int]] = Field(description="[start, end) character spans of `text` to highlight.")


class SectionRef(BaseModel):
    doc: str
    section: str
    title: str


class AskResponse(BaseModel):
    answer: str
    refused: bool
    reason: str = Field(description="Why the question was refused or answered without passages; empty if answered.")
    confidence: float = Field(ge=0, le=1)
    passages: list[PassageOut]
    suggestions: list[SectionRef] = Field(default_factory=list, description="Closest sections, when refused.")
    unknown_terms: list[str] = Field(description="Words of the question the knowledge base never mentions.")
    mode: str = Field(description="`extractive` (sentences of the passages) or `generated` (by a language model).")
    id: str = Field(description="Names this answer, for feedback.")
    took_ms: float


class ErrorBody(BaseModel):
    code: str = Field(description="Stable, for programs: `empty_question`, `rate_limited`, ….")
    message: str = Field(description="English, for the developer: what was wrong and what is accepted.")
    display: str = Field(description="Chinese, for the person at the page.")


class ErrorResponse(BaseModel):
    error: ErrorBody


class SectionOut(BaseModel):
    doc: str
    number: str
    title: str
    path: list[str] = Field(description="The headings above the section and its own, top down.")
    has_text: bool
    chars: int


def answer_to_json(answer: Answer, documents: Mapping[str, Document]) -> dict:
    """The wire shape of an answer (`AskResponse`); `documents` give the passages' document titles."""
    return {
        "answer": answer.text,
        "refused": answer.refused,
        "reason": answer.reason,
        "confidence": float(min(max(answer.confidence, 0.0), 1.0)),
        "passages": [
            {
                "n": c.n,
                "doc": c.hit.chunk.doc_id,
                "doc_title": documents[c.hit.chunk.doc_id].title if c.hit.chunk.doc_id in documents else "",
                "section": c.hit.chunk.section,
                "title": c.hit.chunk.title,
                "path": list(c.hit.chunk.path),
                "heading": c.hit.chunk.heading_path,
                "text": c.hit.chunk.text,
                "score": round(c.hit.score, 6),
                "highlights": [list(s) for s in c.highlights],
            }
            for c in answer.citations
        ],
        "suggestions": [{"doc": s.doc_id, "section": s.number, "title": s.title} for s in answer.suggestions],
        "unknown_terms": list(answer.unknown_terms),
        "mode": answer.mode,
        "id": answer.id,
        "took_ms": round(answer.took_ms, 3),
    }
