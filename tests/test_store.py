"""The index folder on disk: a tiny hand-made index written and read back, and what a load refuses."""

from __future__ import annotations

import json

import numpy as np
import pytest
from tiny_embedder import TinyEmbedder

from kbqa.build import sentence_units
from kbqa.data import Chunk, Document, Section
from kbqa.dense import DenseIndex
from kbqa.lexical import BM25, Tokenizer
from kbqa.store import (
    FORMAT_VERSION,
    Index,
    IndexDamaged,
    chunk_from_json,
    document_from_json,
    document_to_json,
    sha256,
)

TEXT = "一、总体要求\n坚持数字孪生城市建设。推进一网统管。\n二、重点任务\n建设城市大脑,整合四十八个部门的数据。"


def tiny_document() -> Document:
    second_heading = TEXT.index("二、")
    first = Section("1", "总体要求", ("一、总体要求",), 7, second_heading - 1, 0, "tiny")
    second = Section("2", "重点任务", ("一、总体要求", "二、重点任务"), second_heading + 7, len(TEXT), second_heading,
                     "tiny")
    return Document("tiny", "小报告", TEXT, (first, second), {"format": "txt", "pages": 1})


def tiny_index() -> Index:
    doc = tiny_document()
    chunks = [
        Chunk(i, doc.doc_id, s.number, s.title, s.path, s.start, s.end, doc.section_text(s))
        for i, s in enumerate(doc.sections)
    ]
    embedder = TinyEmbedder()
    sentences, offsets = sentence_units(chunks)
    tokenizer = Tokenizer(["数字孪生", "一网统管", "城市大脑"])
    return Index(
        {"embedder": {"name": embedder.name, "dim": embedder.dim}, "chunking": {}, "documents": [{"file": "t.txt"}]},
        {doc.doc_id: doc},
        chunks,
        embedder.embed_passages([c.text for c in chunks]),
        embedder.embed_passages(sentences),
        offsets,
        DenseIndex.build(embedder.embed_passages([c.text for c in chunks])),
        BM25.build([tokenizer(c.text) for c in chunks]),
        tokenizer,
    )


def test_the_sections_of_the_hand_made_document_are_its_text():
    doc = tiny_document()
    assert [doc.section_text(s) for s in doc.sections] == [
        "坚持数字孪生城市建设。推进一网统管。", "建设城市大脑,整合四十八个部门的数据。"
    ]


def test_an_index_written_and_loaded_is_the_same_index(tmp_path):
    index = tiny_index()
    index.save(tmp_path / "index")
    loaded = Index.load(tmp_path / "index")
    assert loaded.documents == index.documents  # paths come back as tuples, meta as written
    assert loaded.documents["tiny"].sections[1].path == ("一、总体要求", "二、重点任务")
    assert loaded.documents["tiny"].meta == {"format": "txt", "pages": 1}
    assert loaded.chunks == index.chunks
    assert np.array_equal(loaded.vectors, index.vectors)
    assert np.array_equal(loaded.sentence_vectors, index.sentence_vectors)
    assert loaded.sentence_offsets.tolist() == [0, 2, 3]
    assert loaded.dense.index.ntotal == 2 and loaded.dense.kind == "flat"
    assert loaded.lexical.vocab == index.lexical.vocab
    assert loaded.tokenizer.terms == ["一网统管", "城市大脑", "数字孪生"]
    assert "城市大脑" in loaded.tokenizer("建设城市大脑")
    assert [(d.doc_id, s.number) for d, s in loaded.sections()] == [("tiny", "1"), ("tiny", "2")]


def test_the_manifest_lists_every_file_with_its_checksum(tmp_path):
    folder = tmp_path / "index"
    tiny_index().save(folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert list(manifest)[0] == "format" and manifest["format"] == FORMAT_VERSION
    assert manifest["embedder"] == {"name": "tests/tiny-bigrams-64", "dim": 64}
    assert manifest["files"] == {p.name: sha256(p) for p in folder.iterdir() if p.name not in (
        "manifest.json", ".gitignore")}
    assert sorted(manifest["files"]) == [
        "chunks.jsonl", "dense.faiss", "documents.json", "lexical.npz", "sentence_offsets.npy",
        "sentence_vectors.npy", "terms.txt", "vectors.npy", "vocab.json",
    ]
    assert (folder / ".gitignore").read_text() == "*\n!.gitignore\n"


def test_save_calls_halfway_with_the_texts_written_and_no_vectors_yet(tmp_path):
    seen: list[list[str]] = []
    tiny_index().save(tmp_path / "index", halfway=lambda: seen.append(sorted(p.name for p in
                                                                             (tmp_path / "index").iterdir())))
    assert seen == [["chunks.jsonl", "documents.json"]]


def test_save_refuses_a_folder_that_exists(tmp_path):
    (tmp_path / "index").mkdir()
    with pytest.raises(FileExistsError):
        tiny_index().save(tmp_path / "index")


def test_documents_and_chunks_survive_json():
    doc = tiny_document()
    assert document_from_json(json.loads(json.dumps(document_to_json(doc)))) == doc
    chunk = Chunk(7, "tiny", "2", "重点任务", ("一、总体要求", "二、重点任务"), 34, 40, "建设城市大脑")
    assert chunk_from_json(json.loads(json.dumps(chunk.__dict__))) == chunk


def test_a_document_written_before_meta_existed_reads_with_empty_meta():
    old = document_to_json(tiny_document())
    del old["meta"]
    assert document_from_json(old).meta == {}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda i: setattr(i, "vectors", i.vectors[:1]), "{folder}: chunks, vectors and postings disagree in count"),
        (lambda i: setattr(i, "sentence_offsets", np.array([0, 2], dtype=np.int64)),
         "{folder}: sentence vectors and chunks disagree in count"),
        (lambda i: setattr(i, "sentence_vectors", i.sentence_vectors[:2]),
         "{folder}: sentence vectors and chunks disagree in count"),
    ],
)
def test_parts_that_disagree_are_refused_though_each_matches_its_checksum(tmp_path, change, reason):
    index = tiny_index()
    change(index)
    index.save(tmp_path / "index")
    with pytest.raises(IndexDamaged) as caught:
        Index.load(tmp_path / "index")
    assert str(caught.value) == reason.format(folder=tmp_path / "index")


def test_another_format_is_named(tmp_path):
    folder = tmp_path / "index"
    tiny_index().save(folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    (folder / "manifest.json").write_text(json.dumps(manifest | {"format": 99}), encoding="utf-8")
    with pytest.raises(IndexDamaged) as caught:
        Index.load(folder)
    assert str(caught.value) == f"{folder} has index format 99, this kbqa reads {FORMAT_VERSION}"


def test_no_folder_is_no_index(tmp_path):
    with pytest.raises(IndexDamaged) as caught:
        Index.load(tmp_path / "index")
    assert str(caught.value) == f"no index at {tmp_path / 'index'} (manifest.json missing)"
