"""The Gradio interface (Chinese): ask, browse, study. Calls only `Engine` methods."""

from __future__ import annotations

import gradio as gr


def build_ui(engine) -> gr.Blocks:
    with gr.Blocks(title="智慧城市报告问答") as demo:
        gr.Markdown("# 智慧城市报告问答")
        question = gr.Textbox(label="问题")
        out = gr.Markdown()
        question.submit(lambda q: engine.answer(q).text, question, out)
    return demo
