"""The page's style and script (static/, read once) and the HTML block every tab is made of."""

from __future__ import annotations

from pathlib import Path

import gradio as gr

STATIC = Path(__file__).parent / "static"
CSS = (STATIC / "ui.css").read_text(encoding="utf-8")
JS = (STATIC / "ui.js").read_text(encoding="utf-8")
# Gradio's own `css`/`js`/`head` arguments belong to `mount_gradio_app`, which the server owns;
# a component's `head` reaches the page too, so the page-wide style and language go there.
HEAD = f"<style>{CSS}</style><script>document.documentElement.lang = 'zh-CN';</script>"


def html_block(value: str, elem_id: str, head: str | None = None) -> gr.HTML:
    """An HTML block inside kbqa's style scope, running static/ui.js (its buttons' clicks)."""
    return gr.HTML(value, html_template='<div class="kbqa">${value}</div>', js_on_load=JS, elem_id=elem_id, head=head)
