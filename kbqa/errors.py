"""Every error a user can meet, in one table: its code, HTTP status and the sentence a reader sees.

The JSON API sends `{"error": {"code", "message", "display"}}`: `message` in English for the
developer, `display` in Chinese for the person at the page. The web UI shows `display`
too, and the widget shows what the server sent, so each sentence is written once, here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    status: int
    display: str  # Chinese, for end users; `{name}` fields come from the error's context


KINDS: dict[str, Kind] = {
    # the question
    "empty_question": Kind(400, "请先输入问题:问题不能为空。"),
    "question_too_long": Kind(413, "问题太长了:现在有 {chars} 个字,最多 {limit} 个字。请删减后再提问。"),
    "invalid_question": Kind(400, "无法识别这个问题,请换一种说法再试。"),
    "invalid_top_k": Kind(422, "引用段落的数量必须在 1 到 {limit} 之间。"),
    "unknown_document": Kind(422, "知识库中没有这份文档,请从列表中重新选择。"),
    # feedback on an answer
    "invalid_vote": Kind(422, "评价只能是“有帮助”(up)或“没帮助”(down)。"),
    "comment_too_long": Kind(413, "意见太长了:现在有 {chars} 个字,最多 {limit} 个字。请删减后再提交。"),
    "unknown_answer": Kind(404, "没有找到这条回答,可能已超过保存期限。请重新提问后再评价。"),
    # the knowledge base's documents (the admin API)
    "invalid_filename": Kind(400, "文件名不可用:{reason}。请改名后再上传。"),
    "unsupported_document": Kind(415, "不支持这种文件:只能上传 {accepted} 文档。"),
    "content_mismatch": Kind(415, "文件内容与扩展名 {suffix} 不符,请确认文件类型后再上传。"),
    "document_too_large": Kind(413, "文件太大了:最大 {limit_mb} MB。"),
    "unreadable_document": Kind(422, "无法读取这份文档,请确认文件完整、能正常打开且含有文字。"),
    "too_many_documents": Kind(409, "知识库最多收录 {limit} 份文档,请先删除不需要的文档。"),
    "no_such_document": Kind(404, "知识库中没有这份文档,可能已被删除。"),
    "last_document": Kind(409, "这是知识库中唯一的文档,不能删除;请先上传新文档。"),
    # the request
    "malformed_body": Kind(400, "请求格式不正确,请刷新页面后再试。"),
    "invalid_field": Kind(400, "请求格式不正确,请刷新页面后再试。"),
    "out_of_range": Kind(422, "请求中的取值超出了允许范围。"),
    "body_too_large": Kind(413, "提交的内容太大了。"),
    "unsupported_media_type": Kind(415, "请求格式不正确,请刷新页面后再试。"),
    "unauthorized": Kind(401, "需要有效的访问密钥。"),
    "model_not_found": Kind(404, "没有这个模型,请在模型列表中选择。"),
    "origin_not_allowed": Kind(403, "此网站未获授权使用该问答服务。"),
    "not_found": Kind(404, "没有找到请求的内容。"),
    "method_not_allowed": Kind(405, "请求方式不正确。"),
    "rate_limited": Kind(429, "提问太频繁了,请 {seconds} 秒后再试。"),
    "internal_error": Kind(500, "系统暂时无法回答,请稍后再试。"),
    "unavailable": Kind(503, "服务暂时不可用,请稍后再试。"),
}


class KbqaError(ValueError):
    """An error with a code from `KINDS`; `context` fills the display sentence."""

    def __init__(self, code: str, message: str, **context: object) -> None:
        if code not in KINDS:
            raise ValueError(f"unknown error code {code!r}; add it to kbqa.errors.KINDS")
        super().__init__(message)
        self.code = code
        self.context = context

    @property
    def status(self) -> int:
        return KINDS[self.code].status

    @property
    def display(self) -> str:
        return display(self.code, **self.context)


class QuestionError(KbqaError):
    """The question cannot be answered as given."""


def display(code: str, **context: object) -> str:
    """The Chinese sentence for `code`, its fields filled from `context` where given."""
    kind = KINDS.get(code) or KINDS["internal_error"]
    try:
        return kind.display.format(**context)
    except (KeyError, IndexError):  # a field the caller could not fill: the general sentence
        return kind.display.split(":")[0].split(",")[0] + "。"


def status(code: str) -> int:
    return (KINDS.get(code) or KINDS["internal_error"]).status
