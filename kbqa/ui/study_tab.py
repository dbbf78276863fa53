"""学习: fill-in-the-blank questions from a section's own text, one `PracticeSession` per visitor."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from kbqa.study import PracticeSession
from kbqa.ui.blocks import html_block
from kbqa.ui.library import Library, heading_path
from kbqa.ui.render import notice, render_feedback, render_question, render_score

CHOOSE_FIRST = "请先选择一节。"
ANSWER_FIRST = "请先填写答案,再提交。"
NO_QUESTIONS = "这一节没有可出题的内容,请换一节。"


@dataclass
class StudyTab:
    section: gr.Dropdown


def study_tab(library: Library) -> StudyTab:
    choices = library.study_choices()
    labels = {key: label for label, key in choices}
    start = PracticeSession(library.questions, choices[0][1] if choices else None)
    section = gr.Dropdown(
        choices=choices, value=start.key, label="选择章节", filterable=False, elem_id="kbqa-study-section"
    )
    card = html_block(_card(start, labels), "kbqa-quiz")
    given = gr.Textbox(label="你的答案", placeholder="填写空格处的内容,按回车提交", elem_id="kbqa-study-answer")
    with gr.Row():
        submit = gr.Button("提交答案", variant="primary", elem_id="kbqa-study-submit")
        following = gr.Button("下一题", variant="secondary", elem_id="kbqa-study-next")
    feedback = html_block("", "kbqa-study-feedback")
    score = html_block(render_score(0, 0), "kbqa-study-score")
    state = gr.State(start)  # Gradio copies it for each visitor; the copies share the questions

    choose, check, next_question = _handlers(library, labels)
    quiet = {"show_progress": "hidden"}
    section.change(choose, [section, state], [card, feedback, given, state], **quiet)
    submit.click(check, [given, state], [feedback, state, score], **quiet)
    given.submit(check, [given, state], [feedback, state, score], **quiet)
    following.click(next_question, state, [card, feedback, given, state], **quiet)
    return StudyTab(section)


def _handlers(library: Library, labels: dict[str, str]) -> tuple:
    """(choose a section, check an answer, next question): each takes and returns the visitor's session."""

    def choose(key: str, session: PracticeSession) -> tuple:
        session.choose(key)
        return _card(session, labels), "", "", session

    def check(text: str, session: PracticeSession) -> tuple:
        if session.current is None:
            return notice(CHOOSE_FIRST, "error"), session, gr.update()
        checked = session.check(text)
        if checked is None:
            return notice(ANSWER_FIRST, "error"), session, gr.update()
        doc, section = library.find(session.key)
        shown = render_feedback(checked, doc.title, heading_path(section))
        return shown, session, render_score(session.right, session.answered)

    def next_question(session: PracticeSession) -> tuple:
        session.next()
        return _card(session, labels), "", "", session

    return choose, check, next_question


def _card(session: PracticeSession, labels: dict[str, str]) -> str:
    if session.current is None:
        return notice(NO_QUESTIONS)
    return render_question(session.current, session.index, len(session.questions), labels.get(session.key, ""))
