"""The JSON shapes of the HTTP API, shared by the server, the CLI and the UI."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from kbqa.data import Answer


class AskRequest(BaseModel):
    """Body of `POST /api/ask`."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"question": "杭州城市大脑整合了多少个部门的数据?"}]}
    )

    question: str = Field(description="The question, 1-500 characters (KBQA_MAX_QUESTION_CHARS).")
    top_k: int = Field(5, ge=1, le=20, description="How many passages to return.")
    history: list[str] = Field(
        default_factory=list, max_length=50, description="Earlier questions of the conversation, oldest first."
    )

    @field_validator("top_k", mode="before")
    @classmethod
    def _json_integer(cls, value: object) -> object:
        """2.0 is a JSON integer; `true` and "3" are not, though pydantic would take them."""
        if isinstance(value, (bool, str)):
            raise PydanticCustomError("int_type", "Input should be a valid integer")
        return value


class PassageOut(BaseModel):
    n: int = Field(description="The number that `[n]` in the answer refers to.")
    doc: str
    section: str
    title: str
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
    confidence: float = Field(ge=0, le=1)
    passages: list[PassageOut]
    suggestions: list[SectionRef] = Field(default_factory=list, description="Closest sections, when refused.")
    took_ms: float


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorBody


class SectionOut(BaseModel):
    doc: str
    number: str
    title: str
    path: list[str] = Field(description="The headings above the section and its own, top down.")
    has_text: bool
    chars: int


def answer_to_json(answer: Answer) -> dict:
    return {
        "answer": answer.text,
        "refused": answer.refused,
        "confidence": float(min(max(answer.confidence, 0.0), 1.0)),
        "passages": [
            {
                "n": c.n,
                "doc": c.hit.chunk.doc_id,
                "section": c.hit.chunk.section,
                "title": c.hit.chunk.title,
                "text": c.hit.chunk.text,
                "score": round(c.hit.score, 6),
                "highlights": [list(s) for s in c.highlights],
            }
            for c in answer.citations
        ],
        "suggestions": [{"doc": s.doc_id, "section": s.number, "title": s.title} for s in answer.suggestions],
        "took_ms": round(answer.took_ms, 3),
    }
