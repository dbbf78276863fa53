import pytest
from conftest import KB_DOC

from kbqa.chunk import chunk_document
from kbqa.kb import document_from_text as parse_document
from kbqa.text import split_sentences


@pytest.fixture(scope="module")
def report():
    return parse_document(KB_DOC.read_text(encoding="utf-8"), "smart-city-report-2025")


@pytest.mark.parametrize(("size", "overlap"), [(240, 40), (120, 30), (500, 80)])
def test_offsets_point_at_the_chunk(report, size, overlap):
    chunks = chunk_document(report, size, overlap)
    assert chunks
    for c in chunks:
        assert report.text[c.start : c.end] == c.text
        assert len(c.text) <= size


def test_no_chunk_crosses_a_section(report):
    sections = {s.number: s for s in report.sections}
    for c in chunk_document(report, 240, 40):
        s = sections[c.section]
        assert s.start <= c.start < c.end <= s.end
        assert (c.path, c.title) == (s.path, s.title)


def test_every_section_with_text_is_covered(report):
    chunks = chunk_document(report, 240, 40)
    covered = {c.section for c in chunks}
    assert covered == {s.number for s in report.sections if s.has_text}
    assert [c.id for c in chunks] == list(range(len(chunks)))


def test_chunks_end_at_sentence_ends(report):
    chunks = chunk_document(report, 240, 40)
    ends = [c.text[-1] for c in chunks if c.section != "12.2"]  # 12.2 is cut off mid-sentence
    assert sum(e in "。!?;" for e in ends) / len(ends) > 0.9


def test_exact_chunks_of_a_small_document():
    doc = parse_document("# 测试\n\n## 1 总则\n第一句话很短。第二句话也不长。第三句话在这里。\n", "t", "md")
    chunks = chunk_document(doc, 16, 0)
    assert [c.text for c in chunks] == ["第一句话很短。第二句话也不长。", "第三句话在这里。"]
    assert [(c.start, c.end) for c in chunks] == [(9, 24), (24, 32)]


def test_split_sentences_ignores_mojibake_marks():
    # The site writes ; for ;, while its ASCII ? (and a ; right after one) are mojibake.
    text = "推动规?;疟用,降低成本;好的句子在这。最后一句没有句号"
    assert split_sentences(text) == [(0, "推动规?;疟用,降低成本;"), (13, "好的句子在这。"), (20, "最后一句没有句号")]
