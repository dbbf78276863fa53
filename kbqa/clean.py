"""A document-sharing site's own text around a scraped document, taken out.

The site wraps every page it serves in the same furniture: a copyright banner and a
"document summary" label before the text, a "tips" block, a list of its latest uploads and
a comment box after it, and "模板" appended to the title. Only a page that carries the
banner is treated so: a policy document may well contain a line 温馨提示 of its own.
"""

from __future__ import annotations

_BANNER = "本文档由用户提供并上传"
_HEADER_LINES = ("版权说明", "文档简介")
_FOOTER_LINES = ("温馨提示", "最新文档", "评论")
_TITLE_SUFFIXES = ("模板",)
_SCAN_LINES = 5


def strip_site_text(lines: list[str]) -> list[int]:
    """The indices of `lines` that belong to the document: the site's header lines and footer out."""
    if not any(_BANNER in line for line in lines[:_SCAN_LINES]):
        return list(range(len(lines)))
    kept = []
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped in _FOOTER_LINES:
            break
        if not stripped.startswith(_HEADER_LINES):
            kept.append(i)
    return kept


def clean_title(title: str) -> str:
    """The title without the site's suffix."""
    title = title.strip()
    for suffix in _TITLE_SUFFIXES:
        title = title.removesuffix(suffix)
    return title
