"""提问: a question (in a conversation, optionally about one document) answered with cited passages."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import gradio as gr

from kbqa.errors import KbqaError
from kbqa.settings import Settings
from kbqa.titles import example_questions
from kbqa.ui.blocks import html_block
from kbqa.ui.feedback import FeedbackBar, feedback_bar, log_ui_answer
from kbqa.ui.library import Library, placeholder
from kbqa.ui.render import history_turn, render_answer, render_error, render_examples, render_history, render_intro

log = logging.getLogger("kbqa.ui")


@dataclass
class AskTab:
    answer: gr.HTML  # its 查看全节 and suggestion buttons open sections in 浏览


def ask_tab(engine, library: Library, settings: Settings, qlog=None) -> AskTab:
    examples = example_questions(library.documents, settings)
    doc = gr.Dropdown(
        choices=library.document_choices(), value="", label="文档范围", filterable=False,
        visible=library.several, elem_id="kbqa-doc",
    )  # fmt: skip
    question = gr.Textbox(
        label="你的问题", placeholder=placeholder(examples), lines=1, max_lines=8, elem_id="kbqa-question"
    )
    with gr.Row():
        ask_button = gr.Button("提问", variant="primary", elem_id="kbqa-ask")
        new_button = gr.Button("新对话", variant="secondary", elem_id="kbqa-new")
    chips = html_block(render_examples(examples), "kbqa-examples")
    answer = html_block(render_intro(), "kbqa-answer")
    bar = feedback_bar(qlog)
    history = html_block("", "kbqa-history")
    turns = gr.State([])

    respond = _responder(engine, qlog, bar)

    def ask_example(scope: str, past: list[dict], request: gr.Request, evt: gr.EventData) -> tuple:
        return respond(getattr(evt, "question", ""), scope, past, request)

    outputs = [answer, history, turns, question, *bar.outputs]
    progress = {"show_progress": "full", "show_progress_on": [answer]}
    ask_button.click(respond, [question, doc, turns], outputs, **progress)
    question.submit(respond, [question, doc, turns], outputs, **progress)
    chips.click(ask_example, [doc, turns], outputs, **progress)
    new_button.click(lambda: (render_intro(), "", [], "", *bar.hide()), None, outputs, show_progress="hidden")
    return AskTab(answer)


def _responder(engine, qlog, bar: FeedbackBar):
    """The ask handler: (question, document or "" for all, earlier turns) -> answer, history, turns, box, 👍/👎."""

    def respond(text: str, scope: str, past: list[dict], request: gr.Request) -> tuple:
        try:
            answer = engine.answer(text, [t["question"] for t in past], doc=scope or None)
        except KbqaError as exc:  # the question stays in the box, to be corrected
            return render_error(exc), gr.update(), past, gr.update(), *bar.hide()
        except Exception as exc:  # the visitor gets a sentence, the log the traceback
            log.exception("answering %r failed", text)
            return render_error(exc), gr.update(), past, gr.update(), *bar.hide()
        answer = log_ui_answer(qlog, answer, request)
        past = [*past, history_turn(answer)]
        # The documents of the index that answered: an upload may have added one since the page was built.
        shown = render_answer(answer, engine.index.documents)
        return shown, render_history(past), past, "", *bar.show(answer.id)

    return respond
