"""The Gradio app (Chinese): 提问 for policy staff, 浏览 and 学习 for trainees.

It calls only `Engine.answer` and reads the index's documents; what it shows is rendered by
`kbqa.ui.render` and `kbqa.ui.outline` from kbqa's own data types.
"""

from __future__ import annotations

import gradio as gr

from kbqa.titles import description, page_title
from kbqa.ui.admin import admin_tab
from kbqa.ui.ask_tab import ask_tab
from kbqa.ui.blocks import HEAD, html_block
from kbqa.ui.browse_tab import browse_tab, open_section
from kbqa.ui.library import Library
from kbqa.ui.render import render_header
from kbqa.ui.study_tab import study_tab


def build_ui(engine, qlog=None, office=None) -> gr.Blocks:
    """The three-tab app over the engine's knowledge base; its title and examples come from the documents.

    Answers are logged to `qlog` (kbqa.qlog) and can be rated; with an `office`
    (kbqa.ui.admin.Office: the server has an admin token) a fourth tab, 管理, runs the knowledge base.
    """
    library = Library.of(engine.index.documents)
    title = page_title(library.documents, engine.settings)
    with gr.Blocks(title=title, analytics_enabled=False) as demo:
        html_block(render_header(title, description(library.documents)), "kbqa-header", head=HEAD)
        with gr.Tabs() as tabs:
            with gr.Tab("提问", id="ask"):
                ask = ask_tab(engine, library, engine.settings, qlog)
            with gr.Tab("浏览", id="browse"):
                browse = browse_tab(library)
            with gr.Tab("学习", id="study"):
                study = study_tab(library)
            if office is not None and office.settings.admin_token:
                with gr.Tab("管理", id="admin"):
                    admin_tab(office)

        def show_section(evt: gr.EventData) -> tuple:
            """Open a section in 浏览: from the outline, or from a passage or a suggestion in 提问."""
            shown = open_section(library, getattr(evt, "key", ""))
            if shown is None:
                return (gr.update(),) * 5
            toc, view, key, practicable = shown
            return gr.Tabs(selected="browse"), toc, view, key, gr.Button(visible=practicable)

        outputs = [tabs, browse.toc, browse.view, browse.current, browse.practice]
        for block in (ask.answer, browse.toc):  # their `data-open` buttons trigger `click`
            block.click(show_section, None, outputs, show_progress="hidden")
        browse.practice.click(
            lambda key: (gr.Tabs(selected="study"), gr.Dropdown(value=key)),
            browse.current,
            [tabs, study.section],
            show_progress="hidden",
        )
    return demo
