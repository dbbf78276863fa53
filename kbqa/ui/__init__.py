"""The Gradio web interface; `build_ui(engine)` makes the app that the server mounts at `/`.

Gradio is imported only when `build_ui` is first used: the pure rendering in
`kbqa.ui.render` stays light for tests and other callers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kbqa.ui.app import build_ui

__all__ = ["build_ui"]


def __getattr__(name: str):
    if name == "build_ui":
        from kbqa.ui.app import build_ui

        return build_ui
    raise AttributeError(f"module 'kbqa.ui' has no attribute {name!r}")
