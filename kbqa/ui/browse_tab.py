"""浏览: every document's outline as a tree, and a section in full."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from kbqa.ui.blocks import html_block
from kbqa.ui.library import Library
from kbqa.ui.outline import render_toc
from kbqa.ui.render import render_section

CHOOSE = '<div class="kbqa-muted">在目录中选择一节,查看它的正文。</div>'


@dataclass
class BrowseTab:
    toc: gr.HTML
    view: gr.HTML
    current: gr.State  # the open section's key, for 练习本节
    practice: gr.Button


def browse_tab(library: Library) -> BrowseTab:
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=240):
            toc = html_block(render_toc(library.documents), "kbqa-toc")
        with gr.Column(scale=2, min_width=300):
            view = html_block(CHOOSE, "kbqa-section-view")
            practice = gr.Button("练习本节", variant="secondary", visible=False, elem_id="kbqa-practice")
    return BrowseTab(toc, view, gr.State(""), practice)


def open_section(library: Library, key: str) -> tuple | None:
    """(outline, section view, key, whether it can be practised) for the section `key`, None if unknown."""
    found = library.find(key)
    if found is None:
        return None
    doc, section = found
    n = len(library.questions.get(key, []))
    return render_toc(library.documents, key), render_section(doc, section, n), key, bool(n)
