"""kbqa's data as HTML: answers and their passages, the outline, a section, practice questions.

Pure functions of `Answer`, `Document`, `Section` and `kbqa.study` objects; every text is
escaped first and marked up after (highlights as `<mark>`), so nothing a document or a
visitor wrote can become markup. Buttons carry `data-*` attributes that static/ui.js acts on.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

from kbqa.data import PATH_SEPARATOR, Answer, Citation, Document, Section
from kbqa.errors import KbqaError, display
from kbqa.study import BLANK, Checked, PracticeQuestion
from kbqa.text import MARKER, cited_numbers
from kbqa.titles import book_title, short_title
from kbqa.ui.library import heading_path, label, section_key

COPY_LABEL = "复制引用"
GENERATED = "由语言模型撰写,已逐句核对原文"
NO_TEXT = "正文未收录"
Documents = Mapping[str, Document]


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def highlight_html(text: str, spans: Sequence[Sequence[int]]) -> str:
    """`text` escaped, with each [start, end) span wrapped in `<mark>` (escape first, then mark)."""
    out, cursor = [], 0
    for start, end in sorted((max(0, s), min(len(text), e)) for s, e in spans):
        if start < cursor or start >= end:
            continue  # overlapping or empty spans would nest or misplace tags
        out += [esc(text[cursor:start]), "<mark>", esc(text[start:end]), "</mark>"]
        cursor = end
    out.append(esc(text[cursor:]))
    return "".join(out)


def reference(doc_title: str, path: Sequence[str]) -> str:
    """《报告》二、… › 2.2 …: where a passage is from."""
    return book_title(doc_title) + PATH_SEPARATOR.join(path)


def citation_text(quote: str, doc_title: str, path: Sequence[str]) -> str:
    """What "copy citation" puts on the clipboard: the quote, then where it comes from."""
    return f"“{quote}”——{reference(doc_title, path)}"


def render_path(path: Sequence[str]) -> str:
    """The heading path, the headings above greyed so that the passage's own heading stands out."""
    *above, own = path or ("",)
    up = f'<span class="kbqa-path-up">{esc("".join(p + PATH_SEPARATOR for p in above))}</span>' if above else ""
    return f'<span class="kbqa-path">{up}{esc(own)}</span>'


def notice(message: str, kind: str = "") -> str:
    """A boxed message (`message` is HTML); errors are alerts, the rest status messages."""
    role = "alert" if kind == "error" else "status"
    return f'<div class="kbqa-notice kbqa-{kind or "info"}" role="{role}">{message}</div>'


def render_error(exc: BaseException | None) -> str:
    """The sentence kbqa.errors writes for the error; any other failure gets the general one."""
    message = exc.display if isinstance(exc, KbqaError) else display("internal_error")
    return notice(esc(message), "error")


def render_header(title: str, text: str) -> str:
    return f'<div class="kbqa-header"><h1>{esc(title)}</h1><p>{esc(text)}</p></div>'


def render_intro() -> str:
    return (
        '<div class="kbqa-muted kbqa-intro">输入问题后,答案中的 [n] 对应下方引用的原文段落;'
        "可以接着追问,点击“新对话”重新开始。</div>"
    )


def render_examples(questions: Sequence[str]) -> str:
    if not questions:
        return ""
    chips = "".join(f'<button type="button" class="kbqa-chip" data-ask="{esc(q)}">{esc(q)}</button>' for q in questions)
    return f'<div class="kbqa-examples"><span class="kbqa-muted">示例问题:</span>{chips}</div>'


# ---------------------------------------------------------------- answers


def render_answer(answer: Answer, documents: Documents) -> str:
    """The question, the answer with its `[n]` buttons, then the passages it cites; a refusal says so."""
    parts = [f'<div class="kbqa-card kbqa-turn"><div class="kbqa-question">问:{esc(answer.question)}</div>']
    if answer.resolved_question and answer.resolved_question != answer.question:
        parts.append(f'<div class="kbqa-resolved">结合上文理解为:{esc(answer.resolved_question)}</div>')
    if answer.refused and not answer.citations:
        return "".join(parts) + render_refusal(answer, documents) + "</div>"
    text = answer.text
    if answer.refused:  # not covered, but a neighbour is: the refusal, then what the documents do say
        head, _, text = answer.text.partition("\n")
        parts.append(notice(f"<strong>无法回答</strong> {esc(head)}", "refusal"))
    markers = MARKER.sub(
        lambda m: f'<button type="button" class="kbqa-ref" data-jump="{m.group(1)}">[{m.group(1)}]</button>',
        esc(text),
    )
    parts.append(f'<div class="kbqa-answer-text">{markers}</div>')
    if answer.mode == "generated":
        parts.append(f'<div class="kbqa-generated kbqa-muted">{GENERATED}</div>')
    parts.append("</div>")
    cited = cited_numbers(answer.text)
    main = [c for c in answer.citations if c.n in cited] or list(answer.citations)
    more = [c for c in answer.citations if c not in main]
    parts.append('<h3 class="kbqa-passages-title">引用段落</h3>')
    parts += [render_passage(c, documents) for c in main]
    if more:
        parts.append(f'<details class="kbqa-more"><summary>其他相关段落({len(more)})</summary>')
        parts += [render_passage(c, documents) for c in more]
        parts.append("</details>")
    return "".join(parts)


def render_refusal(answer: Answer, documents: Documents) -> str:
    """Why there is no answer, and the sections nearest the question as buttons to open them."""
    items = "".join(
        f'<li><button type="button" class="kbqa-link" data-open="{esc(section_key(s.doc_id, s.number))}">'
        f"{esc(label(s))}{_document_note(s.doc_id, documents)}</button></li>"
        for s in answer.suggestions
    )
    hint = f"<div>可以看看这些章节:</div><ul>{items}</ul>" if items else ""
    return notice(f"<strong>无法回答</strong> {esc(answer.text)}{hint}", "refusal")


def _document_note(doc_id: str, documents: Documents) -> str:
    doc = documents.get(doc_id)
    if len(documents) < 2 or doc is None:
        return ""
    return f' <span class="kbqa-muted">{esc(book_title(short_title(doc.title)))}</span>'


def render_passage(citation: Citation, documents: Documents) -> str:
    """One cited passage: [n], its heading path, its document (when there are several), the text."""
    chunk = citation.hit.chunk
    doc = documents.get(chunk.doc_id)
    doc_title = doc.title if doc else chunk.doc_id
    path = heading_path(chunk)
    source = ""
    if len(documents) > 1:
        source = f'<div class="kbqa-muted kbqa-passage-doc">{esc(book_title(doc_title))}</div>'
    copy = citation_text(chunk.text, doc_title, path)
    return (
        f'<div class="kbqa-card kbqa-passage" data-passage="{citation.n}" data-section="{esc(chunk.section)}">'
        f'<div class="kbqa-passage-head"><span>[{citation.n}]</span> {render_path(path)}</div>{source}'
        f"<p>{highlight_html(chunk.text, citation.highlights)}</p>"
        f'<div class="kbqa-actions">'
        f'<button type="button" class="kbqa-copy" data-copy="{esc(copy)}">{COPY_LABEL}</button>'
        f'<button type="button" data-open="{esc(section_key(chunk.doc_id, chunk.section))}">查看全节</button>'
        "</div></div>"
    )


def history_turn(answer: Answer) -> dict:
    """What the conversation keeps of an answer: its passages leave the page, their headings stay."""
    cited = cited_numbers(answer.text)
    sources = [label(c.hit.chunk) for c in answer.citations if c.n in cited]
    return {"question": answer.question, "answer": MARKER.sub("", answer.text), "sources": sources}


def render_history(turns: Sequence[dict]) -> str:
    """Earlier questions of this conversation, newest first."""
    if len(turns) < 2:
        return ""
    items = "".join(
        f'<li><div class="kbqa-question">问:{esc(t["question"])}</div><div>答:{esc(t["answer"])}</div>'
        + (f'<div class="kbqa-muted">出处:{esc("、".join(t["sources"]))}</div>' if t["sources"] else "")
        + "</li>"
        for t in reversed(turns[:-1])
    )
    return (
        f'<details class="kbqa-history" open><summary>本次对话中的前几个问题({len(turns) - 1})</summary>'
        f"<ol>{items}</ol></details>"
    )


# ---------------------------------------------------------------- a section and its practice


def render_section(doc: Document, section: Section, n_questions: int) -> str:
    """A section in full under its document and heading path; one without text says so."""
    head = (
        f'<div class="kbqa-muted kbqa-section-doc">{esc(book_title(doc.title))}</div>'
        f'<div class="kbqa-muted kbqa-section-path">{render_path(heading_path(section))}</div>'
    )
    if not section.has_text:
        body = notice(f"{NO_TEXT}:知识库收录的文档中,本节只有标题,没有正文。", "missing")
    else:
        paragraphs = [p.strip() for p in doc.section_text(section).split("\n") if p.strip()]
        body = '<div class="kbqa-section-text">' + "".join(f"<p>{esc(p)}</p>" for p in paragraphs) + "</div>"
        if n_questions:
            body += f'<div class="kbqa-muted">本节有 {n_questions} 道练习题,可在“学习”中练习。</div>'
    return (
        f'<article class="kbqa-card kbqa-section" data-reveal>{head}'
        f"<h2>{esc(label(section))}</h2>{body}</article>"
    )


def render_question(question: PracticeQuestion, index: int, total: int, label: str) -> str:
    prompt = esc(question.prompt).replace(BLANK, f'<span class="kbqa-blank" aria-label="空格">{BLANK}</span>')
    return (
        f'<div class="kbqa-card kbqa-quiz"><div class="kbqa-muted">第 {index + 1} 题 / 共 {total} 题 · '
        f'{esc(label)}</div><p class="kbqa-quiz-prompt">{prompt}</p>'
        f'<div class="kbqa-muted">提示:{esc(question.hint)}</div></div>'
    )


def render_feedback(checked: Checked, doc_title: str, path: Sequence[str]) -> str:
    """Right or wrong, the right answer, and the sentence it comes from with the answer marked."""
    q = checked.question
    verdict = (
        "<strong>回答正确!</strong>" if checked.right else f"<strong>回答不正确。</strong>你的答案:{esc(checked.given)}"
    )
    at = q.sentence.find(q.answer)
    source = highlight_html(q.sentence, [(at, at + len(q.answer))] if at >= 0 else [])
    again = "" if checked.counted else notice("本题已计分,请点击“下一题”。")
    return (
        notice(f"{verdict}<div>正确答案:<strong>{esc(q.answer)}</strong></div>", "right" if checked.right else "error")
        + again
        + f'<blockquote class="kbqa-card kbqa-feedback">“{source}”'
        f'<div class="kbqa-muted">——{esc(reference(doc_title, path))}</div></blockquote>'
    )


def render_score(right: int, answered: int) -> str:
    if not answered:
        return '<div class="kbqa-score">本次练习:还没有作答。</div>'
    return f'<div class="kbqa-score" role="status">本次练习:答对 {right} 题,已答 {answered} 题。</div>'
