"""The document library and the background rebuilder, fast: a tiny embedder, real files, real builds."""

from __future__ import annotations

import threading

import pytest
from documents import minimal_pdf, old_doc, zip_bytes
from tiny_embedder import TinyEmbedder

from kbqa import build as build_module
from kbqa.build import build
from kbqa.errors import KbqaError
from kbqa.library import Library, safe_name
from kbqa.rebuild import Job, Rebuilder
from kbqa.settings import Settings
from kbqa.store import Index

POLICY = "# 河湾区数据条例\n\n## 第一章 总则\n河湾区设立数据局。数据局统筹全区公共数据。\n\n## 第二章 共享\n部门之间共享数据,不得重复采集。\n"
NOTES = "会议纪要\n\n一、议题\n河湾区讨论智慧路灯改造。改造后能耗下降四成。\n"
DOGS = "# 养犬管理办法\n\n## 一、登记\n取得犬只后三十日内办理养犬登记。\n\n## 二、文明养犬\n携犬出户时犬链长度不得超过1.5米。\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


@pytest.fixture()
def tiny(tmp_path) -> Settings:
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "policy.md").write_text(POLICY, encoding="utf-8")
    (kb / "notes.txt").write_text(NOTES, encoding="utf-8")
    return Settings.from_env(env={}, kb_dir=kb, index_dir=tmp_path / "index", cache_dir=tmp_path / "cache",
                             data_dir=tmp_path / "data")


def kb_files(settings: Settings) -> list[str]:
    return sorted(p.name for p in settings.kb_dir.iterdir())


def refused(call, code: str) -> KbqaError:
    with pytest.raises(KbqaError) as caught:
        call()
    assert caught.value.code == code
    return caught.value


@pytest.mark.parametrize(
    ("given", "stored"),
    [("养犬管理办法.docx", "养犬管理办法.docx"), ("  政策.DOCX ", "政策.DOCX"), ("C:\\Users\\me\\报告.pdf", "报告.pdf"),
     ("uploads/notes.md", "notes.md"), ("a..b.txt", "a..b.txt"), ("con-notes.txt", "con-notes.txt")],
)
def test_safe_name_keeps_the_file_name_alone(given, stored):
    assert safe_name(given) == stored


@pytest.mark.parametrize(
    ("given", "message", "display"),
    [
        ("../../etc/cron.d/x.txt", "'../../etc/cron.d/x.txt' climbs out of its folder (..)", "不能含有“..”"),
        ("..\\..\\x.txt", "'..\\\\..\\\\x.txt' climbs out of its folder (..)", "不能含有“..”"),
        ("a/../b.txt", "'a/../b.txt' climbs out of its folder (..)", "不能含有“..”"),
        (".env.txt", "'.env.txt' is a hidden name (it starts with a dot)", "不能以“.”开头"),
        ("CON.txt", "'CON.txt' is a reserved device name on Windows", "是系统保留的名称"),
        ("nul.docx", "'nul.docx' is a reserved device name on Windows", "是系统保留的名称"),
        ("lpt1.tar.md", "'lpt1.tar.md' is a reserved device name on Windows", "是系统保留的名称"),
        ("a\x00.txt", "'a\\x00.txt' contains a control character or one of < > : \" | ? *",
         "不能含有控制字符或 < > : \" | ? *"),
        ("报告?.txt", "'报告?.txt' contains a control character or one of < > : \" | ? *",
         "不能含有控制字符或 < > : \" | ? *"),
        ("notes.txt.", "'notes.txt.' ends with a dot", "不能以“.”结尾"),
        ("文" * 67 + ".txt", "the file name is 205 bytes in UTF-8; the limit is 200", "太长了"),
        ("uploads/", "'uploads/' names a folder, not a file", "没有文件名"),
        ("", "the upload has no file name", "没有文件名"),
        (None, "the upload has no file name", "没有文件名"),
    ],
)
def test_unsafe_names_are_refused_saying_why(given, message, display):
    error = refused(lambda: safe_name(given), "invalid_filename")
    assert (error.status, str(error)) == (400, f"file name not accepted: {message}")
    assert error.display == f"文件名不可用:{display}。请改名后再上传。"


@pytest.mark.parametrize("given", ["setup.exe", "notes", "table.xlsx", "old.doc"])
def test_formats_kbqa_does_not_read_are_415(given):
    error = refused(lambda: safe_name(given), "unsupported_document")
    suffix = given[given.rfind("."):] if "." in given else "a name without an extension"
    assert str(error) == f"{given}: {suffix} is not a format kbqa reads (.docx .htm .html .markdown .md .pdf .txt)"
    assert (error.status, error.display) == (415, "不支持这种文件:只能上传 docx、html、md、pdf、txt 文档。")


@pytest.mark.parametrize(
    ("name", "data", "code", "message"),
    [
        ("dogs.docx", minimal_pdf(), "content_mismatch", "dogs.docx: the content is a PDF, not a Word document; "
         "give it the .pdf extension"),
        ("dogs.pdf", zip_bytes({"word/document.xml": b"<w:document/>"}), "content_mismatch",
         "dogs.pdf: the content is a Word document, not a PDF; give it the .docx extension"),
        ("dogs.txt", PNG, "content_mismatch", "dogs.txt: binary data (a PNG image), not text"),
        ("dogs.docx", old_doc(), "content_mismatch", "dogs.docx: a Word 97–2003 .doc file; save it as .docx"),
        ("dogs.md", b"", "content_mismatch", "dogs.md: empty file"),
        ("dogs.docx", zip_bytes({"word/document.xml": b"<not xml"}), "unreadable_document",
         "dogs.docx: not a readable Word file (\"There is no item named '[Content_Types].xml' in the archive\")"),
        ("dogs.pdf", minimal_pdf(), "unreadable_document", "dogs.pdf: no text layer; scanned PDFs are not supported"),
        ("dogs.txt", "  \n\u3000\n".encode(), "unreadable_document", "dogs.txt: no text in the file"),
    ],
)
def test_a_bad_file_is_refused_and_changes_nothing(tiny, name, data, code, message):
    before = kb_files(tiny)
    error = refused(lambda: Library(tiny).add(name, data), code)
    assert str(error) == message
    assert kb_files(tiny) == before  # no file, no temporary file left


def test_an_upload_over_the_limit_is_413_before_anything_is_read(tiny):
    library = Library(tiny.replace(max_upload_bytes=1000))
    error = refused(lambda: library.add("../dogs.txt", DOGS.encode() * 20), "document_too_large")
    assert str(error) == "the file is 3180 bytes; the limit is 1000 (KBQA_MAX_UPLOAD_BYTES)"
    assert (error.status, error.display) == (413, "文件太大了:最大 0.000954 MB。")
    assert Library(tiny.replace(max_upload_bytes=10**9, max_document_bytes=500)).max_bytes == 500


def test_add_writes_the_file_under_its_safe_name(tiny):
    change = Library(tiny).add("C:\\scans\\养犬 管理.md", DOGS.encode())
    assert (change.action, change.doc_id, change.file, change.removed) == ("added", "养犬-管理", "养犬 管理.md", ())
    assert (tiny.kb_dir / "养犬 管理.md").read_text(encoding="utf-8") == DOGS
    assert kb_files(tiny) == ["notes.txt", "policy.md", "养犬 管理.md"]


def test_a_document_of_the_same_id_is_replaced_even_in_another_format(tiny):
    change = Library(tiny).add("notes.md", DOGS.encode())
    assert (change.action, change.doc_id, change.file, change.removed) == ("replaced", "notes", "notes.md",
                                                                            ("notes.txt",))
    assert kb_files(tiny) == ["notes.md", "policy.md"]
    again = Library(tiny).add("notes.md", NOTES.encode())
    assert (again.action, again.removed) == ("replaced", ())
    assert (tiny.kb_dir / "notes.md").read_text(encoding="utf-8") == NOTES


def test_the_document_count_is_limited_but_a_replacement_is_not(tiny):
    library = Library(tiny.replace(max_documents=2))
    error = refused(lambda: library.add("dogs.md", DOGS.encode()), "too_many_documents")
    assert str(error) == "kb/ holds 2 documents, the limit (KBQA_MAX_DOCUMENTS); remove one first"
    assert (error.status, error.display) == (409, "知识库最多收录 2 份文档,请先删除不需要的文档。")
    assert library.add("policy.md", POLICY.encode()).action == "replaced"


def test_remove(tiny):
    library = Library(tiny)
    error = refused(lambda: library.remove("../notes"), "no_such_document")
    assert (error.status, str(error)) == (404, "kb/ holds no document with the id '../notes'; the ids are: notes, policy")
    change = library.remove("notes")
    assert (change.action, change.doc_id, change.file, change.removed) == ("removed", "notes", "notes.txt",
                                                                            ("notes.txt",))
    assert kb_files(tiny) == ["policy.md"]
    error = refused(lambda: library.remove("policy"), "last_document")
    assert (error.status, kb_files(tiny)) == (409, ["policy.md"])


def test_the_listing_says_how_the_index_sees_each_file(tiny):
    build(tiny, TinyEmbedder())
    library = Library(tiny)
    built_at = Index.load(tiny.index_dir).manifest["built_at"]
    (tiny.kb_dir / "notes.txt").unlink()
    (tiny.kb_dir / "policy.md").write_text(POLICY + "\n## 第三章 附则\n本条例自公布之日起施行。\n", encoding="utf-8")
    library.add("dogs.md", DOGS.encode())
    (tiny.kb_dir / "big.txt").write_text("大" * 1000, encoding="utf-8")
    listing = Library(tiny.replace(max_document_bytes=1000)).documents()
    assert [(d["id"], d["file"], d["format"], d["state"]) for d in listing] == [
        ("big", "big.txt", "txt", "skipped"), ("dogs", "dogs.md", "md", "pending"),
        ("notes", "notes.txt", "txt", "removing"), ("policy", "policy.md", "md", "pending")]
    assert listing[0]["problem"] == "big.txt: larger than 0.000954 MiB"
    assert listing[2] == {"id": "notes", "file": "notes.txt", "format": "txt", "title": "会议纪要", "sections": 1,
                          "chunks": 1, "indexed_at": built_at, "state": "removing", "problem": ""}
    (tiny.kb_dir / "big.txt").unlink()
    build(tiny, TinyEmbedder())
    listing = library.documents()
    assert [(d["id"], d["state"], d["sections"]) for d in listing] == [("dogs", "indexed", 2), ("policy", "indexed", 3)]


class Swaps:
    def __init__(self) -> None:
        self.indexes: list[Index] = []

    def __call__(self, index: Index) -> None:
        self.indexes.append(index)


def test_a_rebuild_swaps_in_the_new_index_and_reports_its_job(tiny):
    build(tiny, TinyEmbedder())
    swaps = Swaps()
    rebuilder = Rebuilder(tiny, TinyEmbedder(), swaps, say=lambda m: None)
    Library(tiny).add("dogs.md", DOGS.encode())
    job = rebuilder.request("added dogs.md")
    assert (job.state, job.changes, job.percent) == ("queued", ["added dogs.md"], 0)
    finished = rebuilder.wait(job.id, timeout=60)
    assert (finished.state, finished.step, finished.percent, finished.error) == ("done", "done", 100, "")
    assert (finished.documents, finished.chunks, finished.skipped) == (3, 5, [])
    assert finished.embedded > 0 and finished.done == finished.total == finished.embedded + finished.reused
    assert finished.stage == f"answering from 3 documents, 5 passages ({finished.embedded} newly embedded)"
    assert [sorted(i.documents) for i in swaps.indexes] == [["dogs", "notes", "policy"]]
    assert rebuilder.state() == "idle"
    rebuilder.close()


def hold_builds_at(stage: str, monkeypatch) -> tuple[threading.Event, threading.Event]:
    """(reached, release): the rebuilder's builds stop at `stage` until `release` is set."""
    reached, release = threading.Event(), threading.Event()

    def observe(at: str) -> None:
        if at == stage and threading.current_thread().name == "kbqa-rebuild":
            reached.set()
            assert release.wait(60)

    monkeypatch.setattr(build_module, "STAGE_OBSERVERS", [observe])
    return reached, release


def test_changes_during_a_build_wait_as_one_follow_up_build(tiny, monkeypatch):
    build(tiny, TinyEmbedder())
    reached, release = hold_builds_at("embed", monkeypatch)
    swaps = Swaps()
    rebuilder = Rebuilder(tiny, TinyEmbedder(), swaps, say=lambda m: None)
    first = rebuilder.request("added a")
    assert reached.wait(30)
    assert [(j.id, j.state, j.step) for j in rebuilder.jobs()] == [(first.id, "running", "chunking")]
    second = rebuilder.request("added b")
    third = rebuilder.request("removed c")
    assert second.id == third.id != first.id
    assert third.changes == ["added b", "removed c"]
    assert [(j.state, j.changes) for j in rebuilder.jobs()] == [("queued", ["added b", "removed c"]),
                                                               ("running", ["added a"])]
    assert rebuilder.state() == "building"
    release.set()
    assert rebuilder.wait(third.id, timeout=60).state == "done"
    assert [j.state for j in rebuilder.jobs()] == ["done", "done"]
    assert len(swaps.indexes) == 2
    rebuilder.close()


def test_a_failed_build_keeps_the_last_good_index_and_says_why(tiny, monkeypatch):
    build(tiny, TinyEmbedder())
    before = Index.load(tiny.index_dir).manifest

    def fail(at: str) -> None:
        if at == "index" and threading.current_thread().name == "kbqa-rebuild":
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(build_module, "STAGE_OBSERVERS", [fail])
    swaps = Swaps()
    rebuilder = Rebuilder(tiny, TinyEmbedder(), swaps, say=lambda m: None)
    Library(tiny).add("dogs.md", DOGS.encode())
    job = rebuilder.wait(rebuilder.request("added dogs.md").id, timeout=60)
    assert (job.state, job.error) == ("failed", "[Errno 28] No space left on device")
    assert job.stage == "the last good index keeps answering: [Errno 28] No space left on device"
    assert swaps.indexes == [] and Index.load(tiny.index_dir).manifest == before
    monkeypatch.setattr(build_module, "STAGE_OBSERVERS", [])
    assert rebuilder.wait(rebuilder.request("retry").id, timeout=60).state == "done"
    assert sorted(swaps.indexes[0].documents) == ["dogs", "notes", "policy"]
    rebuilder.close()


@pytest.mark.parametrize(
    ("step", "done", "total", "percent"),
    [("queued", 0, 0, 0), ("reading", 0, 0, 2), ("embedding", 0, 0, 8), ("embedding", 42, 84, 50),
     ("embedding", 84, 84, 92), ("writing", 84, 84, 95), ("done", 84, 84, 100)],
)
def test_job_percent(step, done, total, percent):
    assert Job("x", step=step, done=done, total=total).percent == percent
