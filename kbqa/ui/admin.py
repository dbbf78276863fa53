"""管理: the knowledge base's documents (add, replace, delete, the rebuild's progress) and the question report.

Shown only when the server has KBQA_ADMIN_TOKEN; the token is asked once per browser session
and checked again by every handler (Gradio's own upload route takes any file, so nothing
reaches kb/ but through `Library.add` after the check). It calls the same library, rebuilder
and question log as the admin API.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import gradio as gr

from kbqa.api.admin import index_facts, moment, token_matches
from kbqa.errors import KbqaError
from kbqa.library import ACCEPTED, Library
from kbqa.rebuild import Rebuilder
from kbqa.settings import Settings
from kbqa.ui.admin_render import render_documents, render_progress, render_report
from kbqa.ui.blocks import STATIC
from kbqa.ui.render import esc, notice

log = logging.getLogger("kbqa.ui")
JS = (STATIC / "admin.js").read_text(encoding="utf-8")
PRIVATE = {"api_visibility": "private", "show_progress": "hidden"}
WHICH = [("未回答或差评", "both"), ("未回答", "refused"), ("差评", "down")]
REPORTS = Path(tempfile.gettempdir()) / "kbqa-reports"


@dataclass(frozen=True)
class Office:
    """What 管理 works with: the server's own library, rebuilder and question log."""

    engine: object
    settings: Settings
    library: Library
    rebuilder: Rebuilder
    qlog: object


def _block(value: str, elem_id: str, js: str | None = None) -> gr.HTML:
    return gr.HTML(value, html_template='<div class="kbqa">${value}</div>', js_on_load=js, elem_id=elem_id)


def admin_tab(office: Office) -> None:
    """The token field, then (once it is right) the documents, the upload, the progress and the report."""
    token = gr.State("")
    with gr.Column(visible=True) as login:
        key = gr.Textbox(label="管理密钥", type="password", elem_id="kbqa-admin-token",
                         placeholder="输入服务器设置的 KBQA_ADMIN_TOKEN")
        enter = gr.Button("进入管理", variant="primary", elem_id="kbqa-admin-enter")
        refused = _block("", "kbqa-admin-login-note")
    with gr.Column(visible=False) as panel:
        gr.Markdown("### 文档")
        progress = _block("", "kbqa-admin-progress")
        documents = _block("", "kbqa-admin-documents", JS)
        upload = gr.File(label=f"上传或替换文档({' '.join(ACCEPTED.split())})", file_count="single",
                         file_types=ACCEPTED.split(), type="filepath", elem_id="kbqa-admin-upload")
        uploaded = _block("", "kbqa-admin-upload-note")
        gr.Markdown("### 提问记录")
        with gr.Row():
            which = gr.Radio(WHICH, value="both", label="显示", elem_id="kbqa-admin-which")
            since = gr.Textbox(label="起始日期", placeholder="例如 2025-01-01", elem_id="kbqa-admin-since")
            until = gr.Textbox(label="截止日期", placeholder="例如 2025-12-31", elem_id="kbqa-admin-until")
        with gr.Row():
            refresh = gr.Button("刷新", elem_id="kbqa-admin-refresh")
            download = gr.DownloadButton("下载 CSV", visible=False, elem_id="kbqa-admin-csv")
        report = _block("", "kbqa-admin-report")
    timer = gr.Timer(1.0, active=False)
    seen = gr.State("")  # the latest job and its state, as last shown: the table is redrawn when it changes
    h = _Handlers(office)

    report_io = ([token, which, since, until], [report, download])
    enter.click(h.login, [key], [token, login, panel, refused, key, timer], **PRIVATE).then(
        h.documents, token, [documents, progress, seen], **PRIVATE).then(h.report, *report_io, **PRIVATE)
    key.submit(h.login, [key], [token, login, panel, refused, key, timer], **PRIVATE).then(
        h.documents, token, [documents, progress, seen], **PRIVATE).then(h.report, *report_io, **PRIVATE)
    upload.upload(h.upload, [token, upload], [uploaded, upload, documents, progress], **PRIVATE)
    documents.click(h.delete, [token], [uploaded, documents, progress], **PRIVATE)
    timer.tick(h.tick, [token, seen], [progress, documents, seen], **PRIVATE)
    for control in (refresh.click, which.change, since.submit, until.submit):
        control(h.report, *report_io, **PRIVATE)


class _Handlers:
    """The tab's event handlers; each one checks the session's token first."""

    def __init__(self, office: Office) -> None:
        self.o = office

    def allowed(self, token: str) -> bool:
        return token_matches(token or "", self.o.settings.admin_token)

    def login(self, given: str) -> tuple:
        if not self.allowed(given):
            message = notice(esc("管理密钥不正确。"), "error")
            return "", gr.update(), gr.update(), message, "", gr.Timer(active=False)
        return given, gr.Column(visible=False), gr.Column(visible=True), "", "", gr.Timer(active=True)

    def documents(self, token: str) -> tuple:
        if not self.allowed(token):
            return gr.update(), gr.update(), gr.update()
        jobs = self.o.rebuilder.jobs()
        return self._table(), self._progress(), _signature(jobs)

    def upload(self, token: str, path: str | None) -> tuple:
        if not self.allowed(token) or not path:
            return "", None, gr.update(), gr.update()
        try:
            change = self.o.library.add(Path(path).name, Path(path).read_bytes())
        except KbqaError as exc:
            return notice(esc(exc.display) + f'<div class="kbqa-muted">{esc(exc)}</div>', "error"), None, \
                gr.update(), gr.update()
        finally:
            Path(path).unlink(missing_ok=True)
        self.o.rebuilder.request(change.describe())
        said = "已替换" if change.action == "replaced" else "已上传"
        return notice(esc(f"{said} {change.file},正在更新索引。")), None, self._table(), self._progress()

    def delete(self, token: str, evt: gr.EventData) -> tuple:
        doc_id = str(getattr(evt, "doc", "") or "")
        if not self.allowed(token) or not doc_id:
            return gr.update(), gr.update(), gr.update()
        try:
            change = self.o.library.remove(doc_id)
        except KbqaError as exc:
            return notice(esc(exc.display), "error"), self._table(), gr.update()
        self.o.rebuilder.request(change.describe())
        return notice(esc(f"已删除 {change.file},正在更新索引。")), self._table(), self._progress()

    def tick(self, token: str, seen: str) -> tuple:
        if not self.allowed(token):
            return gr.update(), gr.update(), seen
        jobs = self.o.rebuilder.jobs()
        now = _signature(jobs)
        if now == seen and not (jobs and jobs[0].state in ("queued", "running")):
            return gr.update(), gr.update(), seen
        return self._progress(), self._table() if now != seen else gr.update(), now

    def report(self, token: str, which: str, since: str, until: str) -> tuple:
        if not self.allowed(token):
            return gr.update(), gr.update()
        filters = {"refused": True if which == "refused" else None, "vote": "down" if which == "down" else None}
        try:
            filters |= {"since": moment("since", since), "until": moment("until", until)}
        except KbqaError:
            return notice(esc("日期格式不正确,请写成 2025-01-31 这样的形式。"), "error"), gr.update()
        qlog = self.o.qlog
        groups = qlog.report(**filters, limit=200)
        return render_report(groups, qlog.enabled), gr.DownloadButton(value=_csv(qlog.report_csv(**filters)),
                                                                      visible=qlog.enabled)

    def _table(self) -> str:
        limits = {"max_upload_bytes": self.o.library.max_bytes, "max_documents": self.o.settings.max_documents}
        return render_documents(self.o.library.documents(), limits)

    def _progress(self) -> str:
        return render_progress(self.o.rebuilder.jobs(), index_facts(self.o.engine))


def _signature(jobs: list) -> str:
    return ",".join(f"{j.id}:{j.state}" for j in jobs[:2])


def _csv(text: str) -> str:
    """The report as a file to download (Gradio serves it from its own cache)."""
    REPORTS.mkdir(parents=True, exist_ok=True)
    path = REPORTS / f"kbqa-questions-{datetime.now(timezone.utc):%Y%m%d}.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)
