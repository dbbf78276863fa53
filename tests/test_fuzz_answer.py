"""answer() under hostile input: any text gives an Answer or the documented QuestionError, nothing else."""

from __future__ import annotations

import json
import re
import unicodedata

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kbqa.api.schema import AskResponse, answer_to_json
from kbqa.data import Answer
from kbqa.errors import QuestionError

LIMIT = 500  # Settings.max_question_chars
INVISIBLE = ("Cc", "Cf", "Cs", "Co", "Cn")  # what check_question turns into spaces
CODES = {"empty_question", "question_too_long", "invalid_question", "invalid_top_k"}
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))

# Every code point, surrogates and unassigned ones included.
ANY_CHAR = st.characters(exclude_categories=())
CONTROL = st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp", "Cs", "Co", "Cn"])
SCRIPTS = st.sampled_from(
    [
        "杭州城市大脑", "智慧城市", "數據安全", "Singapore digital twin", "Привет", "مرحبا بالعالم", "שלום",
        "こんにちは", "안녕하세요", "नमस्ते", "🏙️", "👩‍💻", "🇨🇳", "\u200d", "\u202e", "\ufeff", "e\u0301",
        "𠀀𪜀", "?", "[1]", "<script>", "'; DROP TABLE", "%s%n", "\\x00", "13.2节", "第十三章",
    ]
)
MIXED = st.lists(st.one_of(SCRIPTS, st.text(ANY_CHAR, max_size=3), st.text(CONTROL, max_size=3)), max_size=40).map(
    "".join
)
HUGE = st.builds(lambda piece, n: piece * n, st.text(ANY_CHAR, min_size=1, max_size=4), st.integers(130, 60_000))
# Long enough to fill the model's window; the limit itself is pinned by @example below.
QUESTIONS = st.one_of(st.text(ANY_CHAR, max_size=120), st.text(CONTROL, max_size=30), MIXED, HUGE)
HISTORY = st.lists(st.one_of(MIXED, st.text(ANY_CHAR, max_size=40), HUGE), max_size=6)


def visible(text: str) -> str:
    return "".join(c for c in text if unicodedata.category(c) not in INVISIBLE and not c.isspace())


def check(engine, question: str, history: list[str], top_k: int | None) -> None:
    """The contract of answer(): an Answer that the API can send, or a QuestionError with a documented code."""
    try:
        result = engine.answer(question, history, top_k)
    except QuestionError as exc:
        assert exc.code in CODES
        if exc.code == "empty_question":
            assert visible(question) == ""
        elif exc.code == "question_too_long":
            assert len(question) > LIMIT and f"the limit is {LIMIT}" in str(exc)
        elif exc.code == "invalid_top_k":
            assert not 1 <= top_k <= 20 and visible(question)
        else:
            pytest.fail(f"invalid_question for a str: {exc}")
        return
    assert isinstance(result, Answer)
    assert visible(question), "a question with nothing visible was answered"
    assert top_k is None or 1 <= top_k <= 20 or top_k == 0  # 0 means the default
    assert result.question == result.question.strip() and 0 < len(result.question) <= LIMIT
    assert not any(unicodedata.category(c) in INVISIBLE for c in result.question)
    assert isinstance(result.refused, bool) and 0.0 <= result.confidence <= 1.0
    assert [c.n for c in result.citations] == list(range(1, len(result.citations) + 1))
    assert len(result.citations) <= (top_k or 5)
    chunks = {c.id: c for c in engine.index.chunks}
    for c in result.citations:
        assert chunks[c.hit.chunk.id] == c.hit.chunk
        assert all(0 <= s < e <= len(c.hit.chunk.text) for s, e in c.highlights)
    if not result.refused:
        assert result.text and {int(n) for n in re.findall(r"\[(\d+)\]", result.text)} <= {
            c.n for c in result.citations
        }
    body = answer_to_json(result, engine.index.documents)
    AskResponse.model_validate(body)
    json.dumps(body, ensure_ascii=False).encode("utf-8")  # no lone surrogate reaches the wire


@FUZZ
@given(question=QUESTIONS, history=HISTORY)
@example(question="\x00\x01\x7f\u200b \t\n", history=[])
@example(question="\ud800智慧城市\udfff", history=["\ud800"])
@example(question="问" * LIMIT, history=[])
@example(question="问" * (LIMIT + 1), history=[])
@example(question=" " * 10_000 + "智慧交通" + " " * 10_000, history=[])
@example(question="那杭州呢?", history=["\x00" * 3, "上海“一网统管”平台整合了哪些部门的数据?"])
def test_any_text_gets_an_answer_or_a_question_error(engine, question, history):
    check(engine, question, history, None)


@settings(max_examples=40, deadline=None)
@given(question=st.one_of(SCRIPTS, MIXED), top_k=st.integers(-3, 25))
def test_any_top_k_gets_an_answer_or_invalid_top_k(engine, question, top_k):
    check(engine, question, [], top_k)


@pytest.mark.parametrize("question", [None, 42, 3.5, b"\xe6\x99\xba", ["智慧城市"], {"q": 1}])
def test_a_question_that_is_not_text_is_invalid_question(engine, question):
    with pytest.raises(QuestionError) as caught:
        engine.answer(question)
    assert caught.value.code == "invalid_question"
    assert str(caught.value) == f"question must be a string, got {type(question).__name__}"
