"""What the knowledge base is called and what it can be asked: its title, its documents, example questions.

Pure: documents and settings in, text out, so that any knowledge base gets its own header,
help message and examples (nothing here is written for one report). The web UI, the widget's
greeting and the answerer's help message all read it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kbqa.data import Document, Section
from kbqa.settings import Settings

SEVERAL_TITLE = "知识库问答"
MAX_LISTED = 5  # documents named in the header; the rest are counted
EXAMPLE = "“{title}”有哪些要点?"
DOCUMENT_EXAMPLE = "{title}的主要内容是什么?"
MAX_EXAMPLES = 4


def _wrapped(title: str) -> bool:
    """Whether one pair of 《》 encloses the whole title (《A》和《B》 is two pairs, not one)."""
    if not (title.startswith("《") and title.endswith("》")):
        return False
    depth = 0
    for i, c in enumerate(title):
        depth += (c == "《") - (c == "》")
        if depth == 0:
            return i == len(title) - 1
    return False


def book_title(title: str) -> str:
    """`title` in exactly one pair of 《》; book titles inside it become 〈〉, as Chinese writes them."""
    inner = title[1:-1] if _wrapped(title) else title
    return "《" + inner.replace("《", "〈").replace("》", "〉") + "》"


def short_title(title: str) -> str:
    """The title without what follows a dash (政府工作报告——2024年3月5日在…): for headers and lists."""
    if _wrapped(title):
        return book_title(short_title(title[1:-1]))
    return title.split("——")[0].strip() or title


def page_title(documents: Mapping[str, Document], settings: Settings) -> str:
    """KBQA_TITLE, else one document's short title + 问答, else 知识库问答."""
    if settings.title:
        return settings.title
    if len(documents) != 1:
        return SEVERAL_TITLE
    short = short_title(next(iter(documents.values())).title)
    return f"{short}问答" if short.endswith("》") else f"{short} 问答"


def description(documents: Mapping[str, Document]) -> str:
    """依据《A》、《B》回答…: the first few documents, then how many there are."""
    titles = [book_title(short_title(d.title)) for d in documents.values()]
    listed = "、".join(titles[:MAX_LISTED])
    if len(titles) > MAX_LISTED:
        listed += f"等 {len(titles)} 份文档"
    return f"依据{listed}回答,每个答案都注明出处。"


def example_questions(documents: Mapping[str, Document], settings: Settings) -> list[str]:
    """KBQA_EXAMPLES, else questions about headings spread over the documents and their outlines."""
    if settings.example_questions():
        return settings.example_questions()
    candidates = [[s for s in d.sections if s.has_text and s.title] for d in documents.values()]
    picked = _spread(candidates, MAX_EXAMPLES)
    if picked:
        return [EXAMPLE.format(title=s.title) for s in picked]
    return [DOCUMENT_EXAMPLE.format(title=book_title(short_title(d.title))) for d in documents.values()][
        :MAX_EXAMPLES
    ]


def _spread(groups: Sequence[Sequence[Section]], limit: int) -> list[Section]:
    """Up to `limit` items: a fair share of each group, evenly spaced in it, taken in turn."""
    shares = [0] * len(groups)
    for _ in range(limit):  # one more to the next group that has items left
        open_ = [i for i, g in enumerate(groups) if shares[i] < len(g)]
        if not open_:
            break
        shares[min(open_, key=lambda i: (shares[i], i))] += 1
    picks = [[g[k * len(g) // n] for k in range(n)] for g, n in zip(groups, shares)]
    return [p[k] for k in range(max(shares, default=0)) for p in picks if k < len(p)]
