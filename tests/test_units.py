"""Fast, exact unit tests of the scoring steps: no model, no index, no server (the figures worked by hand)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from tiny_embedder import TinyEmbedder

from kbqa.calibrate import Scale, scale
from kbqa.compose import GARBLE_NOTE, compose, render
from kbqa.fusion import convex, rrf, top_ids
from kbqa.lexical import BM25, Tokenizer
from kbqa.question import read


def bm25_weight(tf: int, df: int, n: int, length: int, avgdl: float, k1: float = 1.2, b: float = 0.75) -> float:
    """Okapi BM25 of one term in one document, with Lucene's non-negative idf."""
    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
    return idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / avgdl))


DOCS = [["杭州", "数据"], ["深圳", "停车", "停车"], ["数据"]]


def test_bm25_scores_are_okapi_bm25():
    index = BM25.build(DOCS)
    got = index.scores(["停车"])
    assert got.tolist() == pytest.approx([0.0, bm25_weight(tf=2, df=1, n=3, length=3, avgdl=2.0), 0.0], abs=1e-6)
    both = index.scores(["数据", "杭州"])
    expected = bm25_weight(1, 2, 3, 2, 2.0) + bm25_weight(1, 1, 3, 2, 2.0)
    assert both[0] == pytest.approx(expected, abs=1e-6)
    assert both[2] == pytest.approx(bm25_weight(1, 2, 3, 1, 2.0), abs=1e-6)
    assert (index.df("数据"), index.df("停车"), index.df("上海")) == (2, 1, 0)
    assert index.idf("数据") == pytest.approx(math.log(1 + (3 - 2 + 0.5) / (2 + 0.5)))


def test_bm25_counts_a_repeated_term_once_and_takes_weights():
    index = BM25.build(DOCS)
    assert index.scores(["停车", "停车"]).tolist() == index.scores(["停车"]).tolist()
    assert index.scores({"停车": 0.5}) == pytest.approx(index.scores(["停车"]) * 0.5)
    assert index.scores(["上海"]).tolist() == [0.0, 0.0, 0.0]


def test_the_tokenizer_gives_search_tokens_and_words_from_one_pass():
    tokenizer = Tokenizer(["数字孪生"])  # a knowledge base's own term
    text = "杭州城市大脑整合了48个部门的数据,数字孪生技术是什么?"
    # jieba's search mode: 数字 and 孪生 inside the added term, stop words and punctuation out
    assert tokenizer(text) == ["杭州", "城市", "大脑", "整合", "48", "部门", "数据", "数字", "孪生", "数字孪生", "技术"]
    assert tokenizer.words(text) == ["杭州", "城市", "大脑", "整合", "48", "部门", "数据", "数字孪生", "技术"]
    assert tokenizer("数字孪生技术") == ["数字", "孪生", "数字孪生", "技术"]
    assert tokenizer(text.upper()) == tokenizer(text) and tokenizer("ABC") == ["abc"]


def test_convex_fusion_scales_each_side_then_weighs_them():
    dense = {1: 0.9, 2: 0.7, 3: 0.8}
    lexical = {2: 4.0, 4: 2.0}
    assert convex(dense, lexical, 0.6, 0.4) == pytest.approx({1: 0.6, 2: 0.4, 3: 0.3, 4: 0.2})
    assert convex({}, {5: 0.0}, 0.6, 0.4) == {5: 0.0}  # no BM25 match at all: nothing divides by zero
    assert convex({7: 0.5}, {}, 0.6, 0.4) == {7: 0.0}  # one dense score: scaled to the bottom of its range


def test_rrf_and_top_ids():
    assert rrf([[3, 1], [1, 2]], k=60) == pytest.approx({3: 1 / 61, 1: 1 / 62 + 1 / 61, 2: 1 / 62})
    assert top_ids(np.array([0.2, 0.0, 0.9, 0.5]), 3) == [2, 3, 0]


@pytest.mark.parametrize(
    ("similarity", "confidence"),
    [(0.70, 0.0), (0.80, 0.0), (0.82, 0.2), (0.84, 0.4), (0.88, 0.7), (0.92, 1.0), (0.99, 1.0)],
)
def test_confidence_is_linear_between_the_measured_levels(similarity, confidence):
    assert Scale(low=0.80, off=0.84, on=0.92).confidence(similarity) == pytest.approx(confidence)


def test_a_language_not_measured_uses_the_chinese_scale():
    calibration = {"zh": {"low": 0.8, "off": 0.84, "on": 0.92}}
    assert scale(calibration, "en") == Scale(0.8, 0.84, 0.92)


def test_the_composer_quotes_the_sentence_with_the_figure_asked_for():
    passages = ["杭州城市大脑整合了48个部门的数据。平台每天处理1亿条记录。", "深圳推出智慧停车平台,寻位时间缩短40%。"]
    weights = {"杭州": 2.0, "城市大脑": 3.0, "部门": 1.0, "数据": 0.5}
    excerpts = compose(read("杭州城市大脑整合了多少个部门的数据?"), weights, passages)
    assert render(excerpts) == "杭州城市大脑整合了48个部门的数据。[1]"


def test_a_how_many_question_is_answered_by_the_sentence_with_a_figure_not_the_one_with_the_date():
    passages = ["“十四五”时期，长宁区坚持以人民为中心，面对复杂形势。", "完成既有多层住宅加装电梯超1100台。"]
    weights = {"十四五": 3.0, "长宁": 2.0, "加装": 1.5, "电梯": 1.5}
    excerpts = compose(read("长宁“十四五”给老房子加装了多少台电梯?"), weights, passages, must_have=("十四五",))
    assert render(excerpts) == "完成既有多层住宅加装电梯超1100台。[2]“十四五”时期，长宁区坚持以人民为中心，面对复杂形势。[1]"
    assert render(compose(read("长宁“十四五”做了什么?"), weights, passages, must_have=("十四五",))).startswith("“十四五”")


def test_the_composer_quotes_every_item_of_a_list():
    passages = ["深圳智慧停车平台上线以来成效明显：一是寻位时间缩短40%；二是违停减少35%；三是车位周转率提高20%。",
                "杭州城市大脑整合了48个部门的数据。"]  # fmt: skip
    excerpts = compose(read("智慧停车有哪些成效?"), {"智慧": 0.5, "停车": 2.0, "成效": 1.5}, passages)
    assert render(excerpts) == (
        "深圳智慧停车平台上线以来成效明显：一是寻位时间缩短40%；[1]二是违停减少35%；[1]三是车位周转率提高20%。[1]"
    )


def test_the_composer_marks_scraping_damage():
    passages = ["平台采用数字孪生技术。", "数字孪生平台在崟r分析中使用了大模型技术。"]
    excerpts = compose(read("这个平台用了什么技术?"), {"平台": 1.0, "技术": 1.0}, passages)
    assert render(excerpts) == f"平台采用数字孪生技术。[1]数字孪生平台在⟦崟r⟧分析中使用了大模型技术。[2]\n{GARBLE_NOTE}"


def test_the_tiny_embedder_is_deterministic_and_unit_length():
    tiny = TinyEmbedder()
    a, b = tiny.embed_passages(["智慧停车平台", "智慧停车平台"]), tiny.embed_queries(["智慧停车平台"])
    assert (a[0] == a[1]).all() and (a[0] == b[0]).all()
    assert float((a[0] ** 2).sum()) == pytest.approx(1.0)
    near, far = tiny.embed_queries(["智慧停车", "红烧肉做法"]) @ a[0]
    assert near > far


def test_a_question_names_a_document_by_a_run_of_its_title_that_ends_in_its_kind():
    from types import SimpleNamespace

    from kbqa.sections import DocumentNames

    titles = {"law": "中华人民共和国个人信息保护法", "gov": "政府工作报告", "wp": "数据要素白皮书(2022年)",
              "city": "2025年智慧城市创新报告与城市治理优化分析报告", "cn": "上海市长宁区国民经济和社会发展第十五个五年规划纲要"}  # fmt: skip
    docs = {k: SimpleNamespace(doc_id=k, title=t) for k, t in titles.items()}
    names = DocumentNames(docs)
    assert names.named("个人信息保护法规定了哪些权利?") == ("law", "个人信息保护法")
    assert names.named("2024年政府工作报告的经济增长目标是多少?") == ("gov", "政府工作报告")
    assert names.named("数据要素白皮书怎么定义数据信托?") == ("wp", "数据要素白皮书")
    assert names.named("数据要素市场有哪些流通形式?") is None  # 数据要素 says no kind of document
    assert names.named("智慧城市治理有哪些风险?") is None
    assert names.named("报告有哪些要点?") is None  # 报告 alone is every report
    # a name shortened the Chinese way: some of the title's characters, in its order
    assert names.named("长宁十五五规划提出了哪些目标?") == ("cn", "长宁十五五规划")
    assert names.named("智慧城市报告讲了哪些案例?") == ("city", "智慧城市报告")
    assert names.named("国家十四五规划怎么说?") is None  # 四: not this plan's title
    assert names.named("工作报告和分析报告有什么不同?") is None  # 工作报告 and 分析报告 are each too short
    assert DocumentNames({"law": docs["law"]}).named("个人信息保护法规定了哪些权利?") is None  # one document: nothing to pick


def test_the_corpus_finds_every_word_it_writes_and_rejects_the_others_by_their_pairs():
    from kbqa.corpus import Corpus

    text = "智慧城市创新报告数据要素市场GDP增长5%"
    corpus = Corpus(text)
    for start in range(len(text)):
        for end in range(start, len(text) + 1):
            assert text[start:end] in corpus  # every run of the text, including the empty one
    assert "东京" not in corpus and "城创" not in corpus and "报告数据要素市场GDP增长6%" not in corpus
    assert corpus.text == text and "" in Corpus("") and "a" not in Corpus("")
