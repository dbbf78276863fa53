"""Sentence-level verification of a model's answer against the passages it cites (kbqa.verify).

tests/data/verify_cases.json holds sentences written for this (not the dev questions) about
passages of the report, each labelled with whether every claim in it is in the passage it
cites; MIN_WORD_SHARE was set on them.
"""

from __future__ import annotations

import json

import pytest
from conftest import DATA
from hypothesis import given
from hypothesis import strategies as st

from kbqa import verify
from kbqa.text import squash

CASES = json.loads((DATA / "verify_cases.json").read_text(encoding="utf-8"))
PASSAGES = CASES["passages"]


def cited(case: dict) -> dict[int, str]:
    return {n: PASSAGES[key] for n, key in enumerate(case["cite"], 1)}


@pytest.mark.parametrize("case", CASES["cases"], ids=[c["sentence"][:16] for c in CASES["cases"]])
def test_labelled_sentences(case):
    verdict = verify.check(case["sentence"], cited(case))
    assert verdict.ok is case["ok"], verdict.why
    if not case["ok"]:
        kind = {"figure": "figure ", "name": "name ", "quoted": "quoted ", "words": "words "}.get(case["why"])
        assert kind is None or verdict.why.startswith(kind), verdict.why
        if case["why"] == "marker":
            assert "[n]" in verdict.why or "was not given" in verdict.why, verdict.why


def test_the_word_share_separates_the_labelled_sentences():
    """The threshold sits in the gap between the faithful sentences and those with made-up words."""
    def share(case):
        words = verify.content_words(case["sentence"])
        source = squash("".join(cited(case).values()), keep_figures=True)
        return sum(w in source for w in words) / len(words)

    faithful = [share(c) for c in CASES["cases"] if c["ok"]]
    made_up = [share(c) for c in CASES["cases"] if c.get("why") == "words"]
    assert len(faithful) >= 20 and len(made_up) >= 8
    assert max(made_up) < verify.MIN_WORD_SHARE <= min(faithful)


@pytest.mark.parametrize(("sentence", "why"), [
    ("杭州整合了48个部门的数据。", "no [n] marker"),
    ("杭州整合了48个部门的数据[1],还将覆盖全国。", "no [n] after ',还将覆盖全国。'"),
    ("杭州整合了48个部门的数据[2]。", "cites [2], which was not given"),
    ("杭州整合了480个部门的数据[1]。", "figure 480个 not in [1]"),
    ("杭州整合了4个部门的数据[1]。", "figure 4个 not in [1]"),
    ("杭州整合了1.5万条数据[1]。", "figure 1.5万条 not in [1]"),
    ("城市大脑由IBM建设[1]。", "name ibm not in [1]"),
    ("杭州的“城市智脑”整合了48个部门的数据[1]。", "quoted 城市智脑 not in [1]"),
    ("杭州城市大脑整合了多少个部门的数据?[1]", "a question, not an answer"),
    ("[1]。", "nothing to check not in [1]"),
])
def test_why_a_sentence_fails(sentence, why):
    passage = {1: "杭州市“城市大脑”平台通过整合公安、交通、城管等48个部门的1.5亿条数据,构建了全球首个“城市级人工智能中枢”。"}
    assert verify.check(sentence, passage) == verify.Verdict(sentence, False, why)


def test_several_markers_check_each_clause_against_its_own_passages():
    passages = {1: "杭州整合了48个部门的数据。", 2: "上海使应急处置时间缩短30%以上。"}
    assert verify.check("杭州整合了48个部门的数据[1],上海使应急处置时间缩短30%以上[2]。", passages).ok
    assert not verify.check("杭州整合了48个部门的数据[2],上海使应急处置时间缩短30%以上[1]。", passages).ok
    assert verify.check("杭州整合了48个部门的数据,上海使应急处置时间缩短30%以上[1][2]。", passages).ok


def test_names_and_figures_match_whole():
    passage = {1: "推动LoRa、NB-IoT等低功耗广域网技术,2023年全市PM2.5浓度较2015年下降42%,北京的中枢基于GPT-4级大模型。"}
    assert verify.check("全市PM2.5浓度较2015年下降42%[1]。", passage).ok
    assert verify.check("北京的中枢基于GPT大模型[1]。", passage).ok
    assert verify.check("推动NB-IoT等低功耗广域网技术[1]。", passage).ok
    assert not verify.check("全市PM2.5浓度下降4%[1]。", passage).ok
    assert not verify.check("全市PM2浓度下降42%[1]。", passage).ok
    assert not verify.check("推动Lo技术和低功耗广域网[1]。", passage).ok


@pytest.mark.parametrize(("text", "sentences"), [
    ("甲乙丙丁戊[1]。己庚辛壬癸[2]。", ["甲乙丙丁戊[1]。", "己庚辛壬癸[2]。"]),
    ("甲乙丙丁戊。[1]己庚辛壬癸。[2]", ["甲乙丙丁戊。[1]", "己庚辛壬癸。[2]"]),
    ("甲乙丙丁戊[1],己庚辛壬癸[2]。", ["甲乙丙丁戊[1],己庚辛壬癸[2]。"]),
    ("…甲乙丙丁…[1]…戊己庚辛…[2]", ["…甲乙丙丁…[1]", "…戊己庚辛…[2]"]),
    ("甲乙丙;丁戊[1]。\n\n己庚辛【2】\n[3]", ["甲乙丙;丁戊[1]。\n\n", "己庚辛[2]\n[3]"]),
    ("他说“甲乙丙。”[1]丁戊己[1,2]。", ["他说“甲乙丙。”[1]", "丁戊己[1][2]。"]),
    ("规?;疟用,降低成本;…[1]然而。[2]", ["规?;疟用,降低成本;…[1]", "然而。[2]"]),
])
def test_sentences_end_with_their_markers(text, sentences):
    assert verify.split(text) == sentences
    assert "".join(verify.split(text)) == verify.normalize_markers(text)


def test_shown_sentences_keep_their_markers_next_to_them():
    assert verify.tidy(" 对此,需凝聚社会共识。\n\n[3] ") == "对此,需凝聚社会共识。[3]"
    assert verify.tidy("甲乙丙 [1] [2],丁戊[3]。") == "甲乙丙[1][2],丁戊[3]。"


@given(st.text(alphabet="甲乙。!?,;[]【】12 \n”…", max_size=40), st.lists(st.integers(0, 40), max_size=6))
def test_streamed_text_is_cut_as_the_whole_text(text, cuts):
    """Fed in any pieces, the text gives the same sentences as at once, and loses nothing."""
    cutter, got, at = verify.Sentences(), [], 0
    for cut in sorted(cuts):
        got += cutter.feed(text[at:cut])
        at = max(at, cut)
    got += cutter.feed(text[at:]) + cutter.close()
    assert got == verify.split(text)
    assert "".join(got) == verify.normalize_markers(text)
