"""👍 / 👎 under the answer in 提问, an optional comment after 👎; and the log entry of every answer given here.

A vote is stored at once (a later one replaces it); the comment, if the reader writes one,
follows with the same 👎. Everything goes through the question log (kbqa.qlog) under the
answer's id, as `POST /api/feedback` does.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

import gradio as gr

from kbqa.data import Answer
from kbqa.errors import KbqaError, display
from kbqa.qlog import new_answer_id

log = logging.getLogger("kbqa.ui")
ASK = "这个回答有帮助吗?"
THANKS = "谢谢你的反馈!"
WHY = "哪里不好?写下意见能帮我们改进(选填)"
SENT = "已收到你的意见,谢谢!"
PRIVATE = {"api_visibility": "private", "show_progress": "hidden"}


def log_ui_answer(qlog, answer: Answer, request: gr.Request | None) -> Answer:
    """The answer with its id, queued for the log as asked in the web UI (channel `ui`)."""
    if not answer.id:
        answer = dataclasses.replace(answer, id=new_answer_id())
    if qlog is not None:
        client = getattr(request, "client", None)
        try:
            qlog.record(answer, "ui", getattr(client, "host", "") or "")
        except Exception:  # logging never costs an answer
            log.exception("question log: answer %s could not be logged", answer.id)
    return answer


def _vote(qlog, which: str, answer_id: str, text: str | None) -> str:
    """Store the vote; what the reader is told."""
    if qlog is None:
        return THANKS
    try:
        qlog.feedback(answer_id, which, text)
    except KbqaError as exc:
        return exc.display
    except Exception:
        log.exception("feedback on answer %s could not be stored", answer_id)
        return display("internal_error")
    return SENT if text else THANKS


@dataclass
class FeedbackBar:
    answer_id: gr.State
    row: gr.Row
    comment: gr.Textbox
    send: gr.Button
    note: gr.Markdown

    @property
    def outputs(self) -> list:
        """What an answer sets: which answer is rated, and the bar shown afresh (or hidden)."""
        return [self.answer_id, self.row, self.comment, self.send, self.note]

    def show(self, answer_id: str) -> tuple:
        return answer_id, gr.Row(visible=bool(answer_id)), gr.Textbox(visible=False, value=""), \
            gr.Button(visible=False), ""

    def hide(self) -> tuple:
        return self.show("")


def feedback_bar(qlog) -> FeedbackBar:
    """The bar (hidden until an answer is shown) and its handlers."""
    answer_id = gr.State("")
    with gr.Row(visible=False, elem_id="kbqa-feedback") as row:
        gr.Markdown(ASK, elem_id="kbqa-feedback-ask")
        up = gr.Button("👍 有帮助", size="sm", scale=0, min_width=110, elem_id="kbqa-vote-up")
        down = gr.Button("👎 没帮助", size="sm", scale=0, min_width=110, elem_id="kbqa-vote-down")
    comment = gr.Textbox(label=WHY, lines=2, max_lines=6, visible=False, elem_id="kbqa-feedback-comment")
    send = gr.Button("提交意见", size="sm", visible=False, elem_id="kbqa-feedback-send")
    note = gr.Markdown("", elem_id="kbqa-feedback-note")
    bar = FeedbackBar(answer_id, row, comment, send, note)

    def vote(which: str, answer: str, text: str | None = None) -> str:
        return _vote(qlog, which, answer, text)

    def voted_up(answer: str) -> tuple:
        return vote("up", answer), gr.Textbox(visible=False), gr.Button(visible=False)

    def voted_down(answer: str) -> tuple:
        said = vote("down", answer)
        return said, gr.Textbox(visible=said == THANKS), gr.Button(visible=said == THANKS)

    def commented(answer: str, text: str) -> tuple:
        if not text.strip():
            return gr.update(), gr.update(), gr.update()
        said = vote("down", answer, text)
        done = said == SENT
        return said, gr.Textbox(visible=not done, value="" if done else text), gr.Button(visible=not done)

    up.click(voted_up, answer_id, [note, comment, send], **PRIVATE)
    down.click(voted_down, answer_id, [note, comment, send], **PRIVATE)
    send.click(commented, [answer_id, comment], [note, comment, send], **PRIVATE)
    return bar
