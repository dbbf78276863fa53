"""Term proximity (kbqa.proximity): exact scores on a small index, and its effect on a ranking."""

from __future__ import annotations

import math

import pytest
from tiny_embedder import TinyEmbedder

from kbqa.engine import Engine
from kbqa.lexical import BM25, Tokenizer
from kbqa.proximity import Pair, Proximity, closeness
from kbqa.retrieve import Retriever
from kbqa.settings import Settings

PASSAGES = [
    "同时探索碳普惠机制,通过数字化手段将节能行为转化为碳资产。",
    "健全绿色消费激励机制,鼓励企业开发碳普惠应用场景。",
    "当前,中国城镇化率已超过65%,城市人口规模持续扩大。",
    "常住人口城镇化率提高到66.2%。城镇新增就业超过1200万人。",
]


@pytest.fixture(scope="module")
def proximity() -> Proximity:
    tokenizer = Tokenizer(["碳普惠"])
    return Proximity(BM25.build([tokenizer(p) for p in PASSAGES]), tokenizer)


def idf(df: int, n: int = len(PASSAGES)) -> float:
    return math.log1p((n - df + 0.5) / (df + 0.5))


def test_closeness_is_one_over_one_plus_the_gap_within_a_sentence():
    assert closeness("碳普惠", "机制", "探索碳普惠机制") == 1.0
    assert closeness("城镇化率", "超过", "城镇化率已超过65%") == 0.5
    assert closeness("城镇化率", "超过", "城镇化率从60%超过") == 0.0  # four characters apart
    assert closeness("城镇化率", "超过", "城镇化率。超过") == 0.0  # another sentence
    assert closeness("机制", "碳普惠", "碳普惠机制") == 0.0  # the other order
    assert closeness("a", "b", "a--b a-b") == 0.5  # the nearest occurrence counts


def test_pairs_are_neighbouring_indexed_words_weighted_by_idf(proximity):
    assert proximity.pairs("碳普惠机制是干什么用的?") == [Pair("碳普惠", "机制", pytest.approx(idf(2) + idf(2)))]
    assert proximity.pairs("城镇化率超过了多少?") == [Pair("城镇化率", "超过", pytest.approx(idf(2) + idf(2)))]
    assert proximity.pairs("元宇宙") == []  # no word the index has


def test_score_is_the_weighted_share_of_pairs_kept_close(proximity):
    pairs = [Pair("碳普惠", "机制", 3.0), Pair("城镇化率", "超过", 1.0)]
    assert Proximity.score(pairs, PASSAGES[0]) == 0.75
    assert Proximity.score(pairs, PASSAGES[1]) == 0.0
    assert Proximity.score(pairs, PASSAGES[2]) == 0.125
    assert Proximity.score(pairs, PASSAGES[3]) == 0.0
    assert Proximity.score([], PASSAGES[0]) == 0.0


def test_the_retriever_adds_the_weighted_proximity_to_the_fused_score(tmp_path):
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "a.md").write_text("# 能源\n\n健全绿色消费激励机制，鼓励企业开发碳普惠应用场景，推广节能家电。\n", "utf-8")
    (tmp_path / "kb" / "b.md").write_text("# 低碳\n\n同时探索碳普惠机制，通过数字化手段将节能行为转化为碳资产。\n", "utf-8")
    settings = Settings.from_env(env={}, kb_dir=tmp_path / "kb", index_dir=tmp_path / "index",
                                 cache_dir=tmp_path / "cache", proximity_weight=0.0)  # fmt: skip
    engine = Engine(settings, TinyEmbedder())
    question = "碳普惠机制是干什么用的?"
    without = {h.chunk.doc_id: h.score for h in engine.search(question)}
    near = Retriever(engine.index, engine.embedder, settings.model_copy(update={"proximity_weight": 2.0}))
    with_ = {h.chunk.doc_id: h.score for h in near.search(question)}
    coverage = near.query_terms(question)[1]
    assert with_["b"] == pytest.approx(without["b"] + 2.0 * coverage)  # 碳普惠机制 kept whole: proximity 1
    assert with_["a"] == pytest.approx(without["a"])  # 激励机制 … 碳普惠: the other order
