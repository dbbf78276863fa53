"""The admin API against a real server on loopback, over its own copy of kb/ and its own index (the real model).

Uploads are small Word and text documents, so a rebuild embeds a few dozen passages; the
report's own passages come from the shared cache. Builds are held at a stage through
kbqa.build.STAGE_OBSERVERS (the server runs in this process), so "during a build" is exact.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from admin_docs import DOGS_PATH, DOGS_QUESTION, DOGS_TITLE, dogs_docx
from conftest import KB_DOC, LiveServer
from documents import minimal_pdf, zip_bytes

from kbqa import build as build_module
from kbqa.api.app import create_app
from kbqa.settings import ROOT, Settings
from kbqa.swap import build_lock

TOKEN = "s3cret-admin-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
REPORT = "smart-city-report-2025"
DOGS_ID = DOGS_TITLE
WETLAND = "# 青禾湿地公园游览须知\n\n## 一、开放时间\n湿地公园每日六时至十八时开放,每周一上午闭园养护。\n\n## 二、游览规定\n园内禁止垂钓、放生和投喂野生鸟类。\n"
WETLAND_Q = "湿地公园每天几点开放?"
LIBRARY = "青禾市图书馆借阅规则\n\n一、借阅\n读者凭社会保障卡每次可借图书十册,借期三十天,可续借一次。\n"
LIBRARY_Q = "图书馆每次可以借几册图书?"
BASELINE = ["杭州城市大脑整合了多少个部门的数据?", "智慧停车有哪些成效?", "报告建议地铁票价怎么调整?", DOGS_QUESTION]


@pytest.fixture(scope="module")
def office(tmp_path_factory, embedder):
    """A server with an admin token over a private kb/ (a copy of the report) and index."""
    from kbqa.engine import Engine

    base = tmp_path_factory.mktemp("office")
    (base / "kb").mkdir()
    shutil.copy(KB_DOC, base / "kb" / KB_DOC.name)
    settings = Settings.from_env(env={}, kb_dir=base / "kb", index_dir=base / "index", data_dir=base / "data",
                                 cache_dir=ROOT / ".cache" / "kbqa", rate_limit=100_000, admin_token=TOKEN)
    engine = Engine(settings, embedder, say=logging.getLogger("tests").info)
    app = create_app(engine, settings, with_ui=False)
    with LiveServer(app) as live:
        live.app, live.engine, live.settings = app, engine, settings
        yield live


@pytest.fixture(scope="module")
def client(office):
    with httpx.Client(base_url=office.url, timeout=120) as c:
        yield c


def kb_files(office) -> list[str]:
    return sorted(p.name for p in office.settings.kb_dir.iterdir())


def upload(client, name: str, data: bytes, headers: dict | None = AUTH) -> httpx.Response:
    return client.post("/api/documents", files={"file": (name, data)}, headers=headers)


def wait_done(client, job_id: str) -> dict:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        jobs = {j["id"]: j for j in client.get("/api/index/status", headers=AUTH).json()["jobs"]}
        if jobs[job_id]["state"] in ("done", "failed"):
            return jobs[job_id]
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish")


def ask(client, question: str) -> dict:
    r = client.post("/api/ask", json={"question": question})
    assert r.status_code == 200, r.text
    return r.json()


def comparable(body: dict) -> dict:
    """An answer without what differs between two askings of one question."""
    return {k: v for k, v in body.items() if k not in ("id", "took_ms")}


def hold_builds_at(stage: str, monkeypatch) -> tuple[threading.Event, threading.Event]:
    """(reached, release): the server's background builds stop at `stage` until `release` is set."""
    reached, release = threading.Event(), threading.Event()

    def observe(at: str) -> None:
        if at == stage and threading.current_thread().name == "kbqa-rebuild" and not release.is_set():
            reached.set()
            assert release.wait(120)

    monkeypatch.setattr(build_module, "STAGE_OBSERVERS", [observe])
    return reached, release


# ---------------------------------------------------------------- the token


ROUTES = [("GET", "/api/documents"), ("POST", "/api/documents"), ("DELETE", f"/api/documents/{REPORT}"),
          ("GET", "/api/index/status"), ("GET", "/api/admin/questions"), ("GET", "/api/admin/questions?format=csv")]


def call(client, method: str, path: str, headers: dict) -> httpx.Response:
    files = {"file": ("notes.txt", LIBRARY.encode())} if method == "POST" else None
    return client.request(method, path, headers=headers, files=files)


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize(
    ("headers", "message"),
    [({}, "send the admin token as Authorization: Bearer <token> or X-Admin-Token: <token>"),
     ({"Authorization": "Bearer wrong-token"}, "the admin token is wrong"),
     ({"Authorization": f"Bearer {TOKEN}x"}, "the admin token is wrong"),
     ({"X-Admin-Token": TOKEN[:-1]}, "the admin token is wrong"),
     ({"Authorization": f"Basic {TOKEN}"}, "send the admin token as Authorization: Bearer <token> or X-Admin-Token: <token>")],
    ids=["none", "wrong", "longer", "shorter", "basic"],
)
def test_no_or_wrong_token_is_401_and_changes_nothing(office, client, method, path, headers, message):
    before = kb_files(office)
    r = call(client, method, path, headers)
    assert r.status_code == 401, r.text
    assert r.json() == {"error": {"code": "unauthorized", "message": message, "display": "需要有效的访问密钥。"}}
    assert r.headers["www-authenticate"] == 'Bearer realm="kbqa admin"'
    assert kb_files(office) == before and office.app.state.rebuilder.jobs() == []


def test_without_a_token_set_the_admin_api_is_off(office):
    off = office.settings.replace(admin_token="")
    with LiveServer(create_app(office.engine, off, with_ui=False)) as live, httpx.Client(base_url=live.url) as c:
        for method, path in ROUTES:
            r = call(c, method, path, AUTH)
            assert r.status_code == 401
            assert r.json()["error"]["message"] == "the admin API is off on this server: set KBQA_ADMIN_TOKEN to turn " \
                                                   "it on"


def test_both_token_headers_are_accepted(client):
    for headers in (AUTH, {"X-Admin-Token": TOKEN}, {"authorization": f"bearer  {TOKEN}"}):
        assert client.get("/api/index/status", headers=headers).status_code == 200


def test_the_admin_routes_are_not_in_the_public_openapi(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/feedback" in paths
    assert not {p for p in paths if p.startswith(("/api/documents", "/api/index", "/api/admin"))}


# ---------------------------------------------------------------- listing and bad uploads


def test_documents_lists_the_knowledge_base(office, client):
    body = client.get("/api/documents", headers=AUTH).json()
    index = office.engine.index
    assert body["documents"] == [{
        "id": REPORT, "file": KB_DOC.name, "format": "txt", "title": index.documents[REPORT].title,
        "sections": len(index.documents[REPORT].sections), "chunks": sum(c.doc_id == REPORT for c in index.chunks),
        "indexed_at": index.manifest["built_at"], "state": "indexed", "problem": "",
    }]  # fmt: skip
    assert body["state"] == "idle"
    assert body["index"] == {"built_at": index.manifest["built_at"], "documents": 1, "chunks": len(index.chunks)}
    assert body["limits"] == {"max_upload_bytes": 50 * 2**20, "max_documents": 500,
                              "formats": [".docx", ".htm", ".html", ".markdown", ".md", ".pdf", ".txt"]}


TRAVERSAL = "file name not accepted: '{}' climbs out of its folder (..)"


@pytest.mark.parametrize(
    ("name", "data", "status", "code", "message"),
    [
        ("../../../etc/cron.d/kbqa.txt", LIBRARY.encode(), 400, "invalid_filename",
         TRAVERSAL.format("../../../etc/cron.d/kbqa.txt")),
        ("../kb/../index/manifest.md", LIBRARY.encode(), 400, "invalid_filename",
         TRAVERSAL.format("../kb/../index/manifest.md")),
        ("..", LIBRARY.encode(), 400, "invalid_filename", TRAVERSAL.format("..")),
        (".bashrc.txt", LIBRARY.encode(), 400, "invalid_filename",
         "file name not accepted: '.bashrc.txt' is a hidden name (it starts with a dot)"),
        ("CON.txt", LIBRARY.encode(), 400, "invalid_filename",
         "file name not accepted: 'CON.txt' is a reserved device name on Windows"),
        ("规则.exe", LIBRARY.encode(), 415, "unsupported_document",
         "规则.exe: .exe is not a format kbqa reads (.docx .htm .html .markdown .md .pdf .txt)"),
        ("规则.docx", minimal_pdf(), 415, "content_mismatch",
         "规则.docx: the content is a PDF, not a Word document; give it the .pdf extension"),
        ("规则.pdf", dogs_docx(), 415, "content_mismatch",
         "规则.pdf: the content is a Word document, not a PDF; give it the .docx extension"),
        ("规则.txt", b"\x89PNG\r\n\x1a\n" + bytes(200), 415, "content_mismatch",
         "规则.txt: binary data (a PNG image), not text"),
        ("规则.md", b"", 415, "content_mismatch", "规则.md: empty file"),
        ("规则.docx", zip_bytes({"word/document.xml": b"<w:document/>"}), 422, "unreadable_document",
         "规则.docx: not a readable Word file (\"There is no item named '[Content_Types].xml' in the archive\")"),
    ],
    ids=["traversal", "traversal-via-kb", "dotdot", "hidden", "reserved", "extension", "pdf-as-docx", "docx-as-pdf",
         "png-as-txt", "empty", "broken-docx"],
)
def test_a_bad_upload_gets_a_clear_4xx_and_changes_nothing(office, client, name, data, status, code, message):
    before = kb_files(office)
    r = upload(client, name, data)
    assert (r.status_code, r.json()["error"]["code"], r.json()["error"]["message"]) == (status, code, message)
    assert kb_files(office) == before and office.app.state.rebuilder.jobs() == []
    assert not list(office.settings.kb_dir.parent.glob("**/kbqa.txt"))


@pytest.mark.parametrize(
    ("request_kwargs", "status", "code", "message"),
    [
        ({"json": {"file": "x"}}, 415, "unsupported_media_type",
         "send the document as multipart/form-data with the file in the field `file`, got application/json"),
        ({"files": {"document": ("a.txt", b"x")}}, 400, "invalid_field",
         "send the document as multipart/form-data with the file in the field `file` (one file; got 0 field(s) "
         "named file)"),
        ({"data": {"file": "not a file"}, "files": {"other": ("a.txt", b"x")}}, 400, "invalid_field",
         "send the document as multipart/form-data with the file in the field `file` (one file; got 1 field(s) "
         "named file)"),
        ({"files": [("file", ("a.txt", b"x")), ("file", ("b.txt", b"y"))]}, 400, "malformed_body",
         "send the document as multipart/form-data with the file in the field `file`: Too many files. Maximum number "
         "of files is 1."),
        ({"content": b"--x\r\nbroken", "headers": {"Content-Type": "multipart/form-data; boundary=x"}}, 400,
         "invalid_field", "send the document as multipart/form-data with the file in the field `file` (one file; "
         "got 0 field(s) named file)"),
    ],
    ids=["json", "other-field", "text-field", "two-files", "broken-multipart"],
)
def test_a_malformed_upload_request_is_explained(office, client, request_kwargs, status, code, message):
    headers = {**AUTH, **request_kwargs.pop("headers", {})}
    r = client.post("/api/documents", headers=headers, **request_kwargs)
    assert (r.status_code, r.json()["error"]["code"], r.json()["error"]["message"]) == (status, code, message)
    assert office.app.state.rebuilder.jobs() == []


def test_an_oversized_upload_is_413_and_changes_nothing(office):
    small = office.settings.replace(max_upload_bytes=100_000)
    before = kb_files(office)
    app = create_app(office.engine, small, with_ui=False)
    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=60) as c:
        r = upload(c, "大文件.txt", LIBRARY.encode() * 800)  # 103 KB: read whole, then refused by the library
        assert (r.status_code, r.json()["error"]) == (413, {
            "code": "document_too_large", "message": "the file is 103200 bytes; the limit is 100000 "
            "(KBQA_MAX_UPLOAD_BYTES)", "display": "文件太大了:最大 0.0954 MB。"})  # fmt: skip
        r = upload(c, "大文件.txt", LIBRARY.encode() * 8000)  # 1.1 MB: refused as it streams in
        assert (r.status_code, r.json()["error"]) == (413, {
            "code": "document_too_large", "message": "request body is over 165536 bytes (documents are limited to "
            "100000 bytes, KBQA_MAX_UPLOAD_BYTES)", "display": "文件太大了:最大 0.0954 MB。"})  # fmt: skip
        r = upload(c, "大文件.txt", LIBRARY.encode() * 16000, headers={})  # without the token: the API's 1 MB
        assert (r.status_code, r.json()["error"]["code"]) == (413, "body_too_large")
        assert app.state.rebuilder.jobs() == []
    assert kb_files(office) == before


# ---------------------------------------------------------------- uploads, rebuilds, questions meanwhile


def test_upload_during_a_build_and_questions_during_the_rebuild(office, client, monkeypatch):
    baseline = {q: comparable(ask(client, q)) for q in BASELINE}
    assert baseline[DOGS_QUESTION]["refused"] is True
    reached, release = hold_builds_at("swapping", monkeypatch)  # index/ is renamed away on disk meanwhile
    try:
        r = upload(client, f"{DOGS_TITLE}.docx", dogs_docx())
        assert r.status_code == 202, r.text
        first = r.json()
        assert first["document"] == {"id": DOGS_ID, "file": f"{DOGS_TITLE}.docx", "action": "added", "removed": []}
        assert (first["job"]["state"], first["job"]["changes"]) == ("queued", [f"added {DOGS_TITLE}.docx"])
        assert reached.wait(120)
        status = client.get("/api/index/status", headers=AUTH).json()
        assert (status["state"], status["job"]["id"], status["job"]["state"]) == ("building", first["job"]["id"],
                                                                                  "running")
        second = upload(client, "湿地公园.md", WETLAND.encode()).json()["job"]
        third = upload(client, "图书馆.txt", LIBRARY.encode()).json()["job"]
        assert second["id"] == third["id"] != first["job"]["id"]
        assert third["changes"] == ["added 湿地公园.md", "added 图书馆.txt"] and third["state"] == "queued"
        with ThreadPoolExecutor(16) as pool:
            during = list(pool.map(lambda q: comparable(ask(client, q)), BASELINE * 8))
        assert during == [baseline[q] for q in BASELINE * 8]  # all 32 answered, every one from the old index
        status = client.get("/api/index/status", headers=AUTH).json()
        assert [(j["id"], j["state"]) for j in status["jobs"]] == [(third["id"], "queued"),
                                                                  (first["job"]["id"], "running")]
    finally:
        release.set()
    assert wait_done(client, first["job"]["id"])["state"] == "done"
    done = wait_done(client, third["id"])
    assert (done["state"], done["documents"], done["error"], done["percent"]) == ("done", 4, "", 100)
    assert [(d["id"], d["state"]) for d in client.get("/api/documents", headers=AUTH).json()["documents"]] == [
        (REPORT, "indexed"), ("图书馆", "indexed"), ("湿地公园", "indexed"), (DOGS_ID, "indexed")]
    dogs = ask(client, DOGS_QUESTION)
    assert dogs["refused"] is False and "一点五米" in dogs["answer"]
    assert (dogs["passages"][0]["doc"], dogs["passages"][0]["doc_title"]) == (DOGS_ID, DOGS_TITLE)
    assert dogs["passages"][0]["path"] == DOGS_PATH and dogs["passages"][0]["heading"] == DOGS_PATH[-1]
    assert ask(client, WETLAND_Q)["passages"][0]["doc"] == "湿地公园"
    assert ask(client, BASELINE[0])["passages"][0]["doc"] == REPORT


def test_replace_then_delete(office, client):
    r = upload(client, "湿地公园.txt", WETLAND.replace("六时至十八时", "七时至十九时").encode())
    body = r.json()
    assert (r.status_code, body["document"]) == (202, {"id": "湿地公园", "file": "湿地公园.txt",
                                                      "action": "replaced", "removed": ["湿地公园.md"]})
    assert wait_done(client, body["job"]["id"])["state"] == "done"
    assert "七时至十九时" in ask(client, WETLAND_Q)["answer"]
    r = client.delete(f"/api/documents/{DOGS_ID}", headers=AUTH)
    assert (r.status_code, r.json()["document"]) == (202, {"id": DOGS_ID, "file": f"{DOGS_TITLE}.docx",
                                                          "action": "removed", "removed": [f"{DOGS_TITLE}.docx"]})
    assert wait_done(client, r.json()["job"]["id"])["state"] == "done"
    gone = ask(client, DOGS_QUESTION)
    assert (gone["refused"], gone["reason"], gone["answer"]) == (True, "unknown_topic", "知识库中没有找到与“长度”相关的内容。")
    r = client.delete("/api/documents/no-such-document", headers=AUTH)
    assert (r.status_code, r.json()["error"]["code"], r.json()["error"]["message"]) == (
        404, "no_such_document", f"kb/ holds no document with the id 'no-such-document'; the ids are: {REPORT}, "
        "图书馆, 湿地公园")  # fmt: skip


def test_a_failed_build_leaves_the_last_good_index_serving(office, client, monkeypatch):
    before = comparable(ask(client, LIBRARY_Q))

    def fail(at: str) -> None:
        if at == "index" and threading.current_thread().name == "kbqa-rebuild":
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(build_module, "STAGE_OBSERVERS", [fail])
    r = upload(client, "图书馆.txt", LIBRARY.replace("十册", "二十册").encode())
    job = wait_done(client, r.json()["job"]["id"])
    assert (job["state"], job["error"]) == ("failed", "[Errno 28] No space left on device")
    status = client.get("/api/index/status", headers=AUTH).json()
    assert (status["state"], status["job"]["state"]) == ("idle", "failed")
    assert comparable(ask(client, LIBRARY_Q)) == before  # the old text, from the old index
    listed = {d["id"]: d["state"] for d in client.get("/api/documents", headers=AUTH).json()["documents"]}
    assert listed["图书馆"] == "pending"
    monkeypatch.setattr(build_module, "STAGE_OBSERVERS", [])
    r = client.delete("/api/documents/图书馆", headers=AUTH)
    assert wait_done(client, r.json()["job"]["id"])["state"] == "done"
    assert "图书馆" not in office.engine.index.documents


def test_an_upload_waits_its_turn_behind_another_build(office, client):
    """`kbqa build` or a server starting holds the build lock: the upload's build waits, then runs."""
    with build_lock(office.settings.index_dir):
        r = upload(client, "图书馆.txt", LIBRARY.encode())
        job_id = r.json()["job"]["id"]
        deadline = time.monotonic() + 60
        while True:
            job = client.get("/api/index/status", headers=AUTH).json()["job"]
            if job["stage"].startswith("waiting for another process") or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert (job["id"], job["state"], job["step"]) == (job_id, "running", "waiting")
        assert job["stage"] == f"waiting for another process to finish building {office.settings.index_dir}"
        time.sleep(1)
        assert client.get("/api/index/status", headers=AUTH).json()["job"]["step"] == "waiting"
    assert wait_done(client, job_id)["state"] == "done"
    assert "图书馆" in office.engine.index.documents
