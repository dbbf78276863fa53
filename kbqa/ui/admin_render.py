"""管理 as HTML: the document table with its delete buttons, the rebuild's progress, the question report.

Pure functions of the library's records, the rebuild jobs and the report groups; every text is
escaped (file names and questions come from outside). Delete buttons carry `data-delete`,
which static/admin.js asks to be clicked twice.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from kbqa.qlog import Group
from kbqa.rebuild import Job
from kbqa.ui.render import esc, notice

STATES = {"indexed": "已收录", "pending": "等待更新索引", "skipped": "无法使用", "removing": "已删除,索引更新后移除"}
FORMATS = {"txt": "文本", "md": "Markdown", "html": "网页", "pdf": "PDF", "docx": "Word"}
ANSWER_CHARS = 120
STEPS = {"queued": "排队等待", "waiting": "等待其他构建完成", "reading": "读取文档", "chunking": "切分段落",
         "indexing": "建立索引", "writing": "写入索引", "loading": "载入新索引"}  # fmt: skip
ACTIONS = {"added": "上传", "replaced": "替换", "removed": "删除"}
REASONS = {"low_confidence": "知识库中没有相关内容", "no_text": "该节正文未收录"}


def _when(moment: str | float | None) -> str:
    if moment is None:
        return ""
    if isinstance(moment, float):
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(moment))
    return moment.replace("T", " ")[:19]


def render_documents(documents: Sequence[dict], limits: dict) -> str:
    """The documents of kb/, one row each, with what the index knows of them and a delete button."""
    if not documents:
        return notice("知识库中还没有文档。")
    rows = "".join(
        f'<tr data-doc="{esc(d["id"])}"><td>{esc(d["file"])}<div class="kbqa-muted">{esc(d["title"])}</div></td>'
        f'<td>{esc(FORMATS.get(d["format"], d["format"]))}</td><td>{d["sections"]}</td><td>{d["chunks"]}</td>'
        f'<td>{esc(_when(d["indexed_at"]))}</td>'
        f'<td class="kbqa-state-{esc(d["state"])}">{esc(STATES.get(d["state"], d["state"]))}'
        + (f'<div class="kbqa-muted">{esc(d["problem"])}</div>' if d["problem"] else "")
        + "</td><td>"
        + ("" if d["state"] == "removing" else
           f'<button type="button" class="kbqa-delete" data-delete="{esc(d["id"])}" '
           f'aria-label="删除 {esc(d["file"])}">删除</button>')
        + "</td></tr>"
        for d in documents
    )  # fmt: skip
    head = "<tr><th>文件</th><th>格式</th><th>章节</th><th>段落</th><th>收录时间</th><th>状态</th><th></th></tr>"
    size = limits["max_upload_bytes"] / 2**20
    foot = (f'<div class="kbqa-muted">共 {len(documents)} 份;最多 {limits["max_documents"]} 份,'
            f"每份不超过 {size:.3g} MB。</div>")  # fmt: skip
    return f'<table class="kbqa-admin-table kbqa-documents"><thead>{head}</thead><tbody>{rows}</tbody></table>{foot}'


def _change(described: str) -> str:
    """`added 报告.docx` (kbqa.library.Change.describe) as 上传 报告.docx."""
    action, _, name = described.partition(" ")
    return f"{ACTIONS[action]} {name}" if action in ACTIONS else described


def _bar(percent: int) -> str:
    return (f'<progress max="100" value="{percent}" aria-label="索引更新进度">{percent}%</progress> '
            f'<span class="kbqa-percent">{percent}%</span>')  # fmt: skip


def render_progress(jobs: Sequence[Job], facts: dict) -> str:
    """The rebuild under way (a progress bar) or, when none runs, how the latest one ended."""
    serving = f"现在回答所用的索引:{facts['documents']} 份文档、{facts['chunks']} 个段落。"
    job = next((j for j in jobs if j.state == "running"), jobs[0] if jobs else None)
    if job is None:
        return f'<div class="kbqa-card kbqa-progress" data-state="idle">{esc(serving)}</div>'
    changes = "、".join(_change(c) for c in job.changes)
    if job.state in ("queued", "running"):
        queued = "(另有修改排队,随后一并更新)" if jobs[0] is not job else ""
        step = f"计算段落向量 {job.done}/{job.total}" if job.step == "embedding" else STEPS.get(job.step, job.step)
        return (
            f'<div class="kbqa-card kbqa-progress" data-state="running" role="status">'
            f"<div>正在更新索引:{esc(changes)}{esc(queued)}</div>{_bar(job.percent)} "
            f'<span class="kbqa-muted">{esc(step)}</span>'
            f'<div class="kbqa-muted">更新期间,问答继续使用原来的索引。{esc(serving)}</div></div>'
        )
    if job.state == "failed":
        return notice(f"<strong>索引更新失败</strong>({esc(changes)}),问答继续使用上一版索引。"
                      f'<div class="kbqa-muted">{esc(job.error)}</div>', "error")  # fmt: skip
    return (
        f'<div class="kbqa-card kbqa-progress" data-state="done" role="status">{_bar(100)}'
        f"<div>索引已更新({esc(changes)}),{_when(job.finished_at)} 起生效,新计算 {job.embedded} 个向量。</div>"
        f'<div class="kbqa-muted">{esc(serving)}</div></div>'
    )


def render_report(groups: Sequence[Group], logging: bool) -> str:
    """Unanswered and voted-down questions, grouped, most frequent first, with the answer that was given."""
    if not logging:
        return notice("提问记录已关闭(KBQA_LOG_DB=off),没有可显示的内容。")
    if not groups:
        return notice("没有符合条件的提问。")
    rows = "".join(
        f"<tr><td>{esc(g.question)}</td><td>{g.count}</td><td>{g.refused}</td><td>{g.down}</td>"
        f"<td>{esc('、'.join(REASONS.get(r, r) for r in g.reasons))}"
        + (f'<div class="kbqa-muted">未提及:{esc("、".join(g.unknown_terms))}</div>' if g.unknown_terms else "")
        + f"</td><td>{esc(' / '.join(g.comments))}</td><td>{esc(_short(g.answer))}</td>"
        f'<td class="kbqa-muted">{esc(g.last.strftime("%Y-%m-%d %H:%M"))}</td></tr>'
        for g in groups
    )  # fmt: skip
    head = ("<tr><th>问题</th><th>次数</th><th>未回答</th><th>差评</th><th>原因</th><th>意见</th><th>给出的回答</th>"
            "<th>最近(UTC)</th></tr>")  # fmt: skip
    total = sum(g.count for g in groups)
    return (f'<div class="kbqa-muted">{len(groups)} 组问题,共 {total} 次提问。</div>'
            f'<table class="kbqa-admin-table kbqa-report"><thead>{head}</thead><tbody>{rows}</tbody></table>')


def _short(text: str) -> str:
    return text if len(text) <= ANSWER_CHARS else text[: ANSWER_CHARS - 1] + "…"
