"""The Gradio interface (Chinese): ask (policy staff), browse and study (trainees).

It only calls `Engine.answer`, reads the index's documents, and uses the pure helpers in
`kbqa.study`; everything it shows is rendered here as HTML from escaped text.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass

import gradio as gr

from kbqa.answer import QuestionError
from kbqa.api.schema import answer_to_json
from kbqa.data import Document, Section
from kbqa.study import BLANK, PracticeQuestion, make_questions

log = logging.getLogger("kbqa.ui")

TITLE = "智慧城市报告问答"
EXAMPLES = (
    "杭州城市大脑整合了多少个部门的数据?",
    "上海“一网统管”整合了哪些部门的数据?",
    "深圳“秒批”服务把审批时限压缩到多久?",
    "智慧城市建设面临哪些数据安全挑战?",
)
COPY_LABEL = "复制引用"
_MARKER = re.compile(r"\[(\d+)\]")

# Rules start with `&`, the scope of kbqa's own HTML: `.gradio-container .kbqa` outranks Gradio's
# `.prose *` and `.gradio-style button`, which would otherwise restyle text and buttons.
_SCOPED_CSS = """
& .kbqa-header h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
& .kbqa-header p { margin: 0; }
& .kbqa-muted, & .kbqa-resolved, & .kbqa-muted * { color: var(--neutral-500); font-size: .92em; }
& .kbqa-examples { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: .25rem 0; }
& .kbqa-card { border: 1px solid var(--block-border-color); border-radius: var(--radius-lg);
  padding: .75rem 1rem; margin: .5rem 0; background: var(--block-background-fill); overflow-wrap: anywhere; }
& .kbqa-question { font-weight: 600; margin-bottom: .25rem; }
& .kbqa-answer-text { font-size: 1.05em; line-height: 1.8; margin: .5rem 0 0; }
& h3.kbqa-passages-title { font-size: 1.05em; margin: 1rem 0 .25rem; }
& button.kbqa-ref { color: var(--color-accent); font-weight: 600; background: none; border: 0; box-shadow: none;
  padding: 0 .1em; margin: 0; font-size: 1em; line-height: inherit; }
& .kbqa-passage-head { font-weight: 600; }
& .kbqa-passage p { line-height: 1.8; margin: .5rem 0; }
& .kbqa-flash { outline: 2px solid var(--color-accent); }
& mark { background: #fde68a; color: #111827; padding: 0 .1em; border-radius: 2px; }
& .kbqa-actions { display: flex; flex-wrap: wrap; gap: .5rem; }
& .kbqa-actions button, & button.kbqa-chip, & button.kbqa-link {
  border: 1px solid var(--button-secondary-border-color); background: var(--button-secondary-background-fill);
  color: var(--button-secondary-text-color); border-radius: var(--radius-md); padding: .3rem .75rem; margin: 0;
  font-size: .9em; font-weight: 400; line-height: 1.4; text-align: left; box-shadow: none; cursor: pointer; }
& .kbqa-actions button:hover, & button.kbqa-chip:hover, & button.kbqa-link:hover {
  background: var(--button-secondary-background-fill-hover); }
& .kbqa-notice { border-left: 4px solid #d97706; background: var(--background-fill-secondary);
  padding: .75rem 1rem; border-radius: var(--radius-md); margin: .5rem 0; }
& .kbqa-error { border-left-color: #dc2626; }
& .kbqa-right { border-left-color: #16a34a; }
& .kbqa-notice ul { margin: .5rem 0 0; padding-left: 1.25rem; list-style: none; }
& .kbqa-notice li { margin: .25rem 0; }
& .kbqa-history summary, & .kbqa-more summary { cursor: pointer; margin: .5rem 0; }
& .kbqa-history li { margin: .5rem 0; }
& .kbqa-toc details { margin: .15rem 0; }
& .kbqa-toc summary { cursor: pointer; font-weight: 600; padding: .3rem 0; }
& .kbqa-toc ul { list-style: none; margin: 0; padding-left: .75rem; }
& .kbqa-toc li { margin: 0; }
& .kbqa-toc button { display: block; width: 100%; text-align: left; border: 0; background: none; box-shadow: none;
  color: var(--body-text-color); padding: .3rem .5rem; margin: 0; border-radius: var(--radius-md);
  font-size: .95em; font-weight: 400; }
& .kbqa-toc button:hover, & .kbqa-toc button[aria-current="true"] { background: var(--background-fill-secondary); }
& .kbqa-toc button[aria-current="true"] { font-weight: 600; color: var(--color-accent); }
& .kbqa-toc .kbqa-missing-mark { color: var(--body-text-color-subdued); font-size: .85em; }
& .kbqa-section h2 { font-size: 1.25rem; margin: 0 0 .25rem; }
& .kbqa-section-text p { line-height: 1.9; text-indent: 2em; margin: .75rem 0; }
& .kbqa-quiz-prompt { font-size: 1.05em; line-height: 1.9; margin: .5rem 0; }
& .kbqa-blank { color: var(--color-accent); font-weight: 600; }
& .kbqa-feedback { margin: .5rem 0; line-height: 1.8; }
& .kbqa-score { font-weight: 600; }
"""
CSS = (
    "footer { display: none !important; }\n"  # Gradio's footer links are English for non-Chinese browsers
    # A long section title would run under the dropdown's arrow on a phone.
    "#kbqa-study-section input { text-overflow: ellipsis; padding-right: 28px; }\n"
    # Gradio's own subdued grey is too faint for reading on white; neutral-500 passes WCAG AA.
    ".dark .gradio-container .kbqa .kbqa-muted, .dark .gradio-container .kbqa .kbqa-resolved"
    " { color: var(--neutral-400); }\n" + _SCOPED_CSS.replace("& ", ".gradio-container .kbqa ")
)
# Gradio's own `css`/`js`/`head` arguments belong to `mount_gradio_app`, which `kbqa.api.app`
# owns; a component's `head` reaches the page too, so the page-wide style and language go there.
HEAD = f"<style>{CSS}</style><script>document.documentElement.lang = 'zh-CN';</script>"

# One click handler per HTML block: copy a citation or jump to a passage (in the browser), or
# ask Python to open a section or an example question (`trigger` runs the block's `.click`).
CLICK_JS = (
    """
element.addEventListener('click', async (event) => {
  const target = event.target.closest('[data-open], [data-ask], [data-jump], [data-copy]');
  if (!target) return;
  const data = target.dataset;
  if (data.open !== undefined) { trigger('click', {key: data.open}); return; }
  if (data.ask !== undefined) { trigger('click', {question: data.ask}); return; }
  if (data.jump !== undefined) {
    const passage = element.querySelector('[data-passage="' + data.jump + '"]');
    if (passage) {
      passage.scrollIntoView({behavior: 'smooth', block: 'center'});
      passage.classList.add('kbqa-flash');
      setTimeout(() => passage.classList.remove('kbqa-flash'), 1500);
    }
    return;
  }
  let copied = false;
  try {
    await navigator.clipboard.writeText(data.copy);
    copied = true;
  } catch (error) {
    // Plain http on a LAN address is not a secure context: fall back to a selection copy.
    const area = document.createElement('textarea');
    area.value = data.copy;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    try { copied = document.execCommand('copy'); } catch (ignored) { copied = false; }
    area.remove();
  }
  target.textContent = copied ? '已复制' : '复制失败,请手动选择文字';
  setTimeout(() => { target.textContent = '"""
    + COPY_LABEL
    + """'; }, 2000);
});
"""
)

# On a phone the section text sits below the whole tree: bring it into view when it changes.
REVEAL_JS = """
watch('value', () => {
  const top = element.getBoundingClientRect().top;
  if (top < 0 || top > window.innerHeight * 0.6) element.scrollIntoView({behavior: 'smooth', block: 'start'});
});
"""


# ---------------------------------------------------------------- rendering (pure, str -> HTML)


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def highlight_html(text: str, spans: list[list[int]] | tuple[tuple[int, int], ...]) -> str:
    """`text` escaped, with each [start, end) span wrapped in `<mark>` (escape first, then mark)."""
    out, cursor = [], 0
    for start, end in sorted((max(0, s), min(len(text), e)) for s, e in spans):
        if start < cursor or start >= end:
            continue  # overlapping or empty spans would nest or misplace tags
        out += [esc(text[cursor:start]), "<mark>", esc(text[start:end]), "</mark>"]
        cursor = end
    out.append(esc(text[cursor:]))
    return "".join(out)


def reference(doc_title: str, number: str, title: str) -> str:
    """《报告名》3.1 智慧交通:… — how a passage is cited."""
    return f"《{doc_title}》{number} {title}".rstrip()


def citation_text(quote: str, doc_title: str, number: str, title: str) -> str:
    """What "copy citation" puts on the clipboard: the quote, then where it comes from."""
    return f"“{quote}”——{reference(doc_title, number, title)}"


def section_key(doc_id: str, number: str) -> str:
    return f"{doc_id}#{number}"


def notice(message: str, kind: str = "") -> str:
    role = "alert" if kind == "error" else "status"
    return f'<div class="kbqa-notice kbqa-{kind or "info"}" role="{role}">{message}</div>'


def question_error_message(exc: QuestionError, question: str, limit: int) -> str:
    """The Chinese message for a question the engine cannot take."""
    if exc.code == "empty_question":
        return "请先输入问题:问题不能为空。"
    if exc.code == "question_too_long":
        return f"问题太长了:现在有 {len(' '.join(question.split()))} 个字,最多 {limit} 个字。请删减后再提问。"
    return "无法识别这个问题,请换一种说法再试。"


def render_intro() -> str:
    return (
        '<div class="kbqa-muted kbqa-intro">输入问题后,答案中的 [n] 对应下方引用的原文段落;'
        "可以接着追问,点击“新对话”重新开始。</div>"
    )


def render_examples() -> str:
    chips = "".join(f'<button type="button" class="kbqa-chip" data-ask="{esc(q)}">{esc(q)}</button>' for q in EXAMPLES)
    return f'<div class="kbqa-examples"><span class="kbqa-muted">示例问题:</span>{chips}</div>'


def render_answer(result: dict, question: str, resolved: str, documents: dict[str, Document]) -> str:
    """The answer with its `[n]` markers, then the passages it cites; a refusal says so."""
    parts = [f'<div class="kbqa-card kbqa-turn"><div class="kbqa-question">问:{esc(question)}</div>']
    if resolved and resolved != question:
        parts.append(f'<div class="kbqa-resolved">结合上文理解为:{esc(resolved)}</div>')
    if result["refused"]:
        items = "".join(
            f'<li><button type="button" class="kbqa-link" data-open="{esc(section_key(doc.doc_id, ref["section"]))}">'
            f"{esc(ref['section'])} {esc(ref['title'])}</button></li>"
            for ref in result["suggestions"]
            if (doc := find_document(ref, documents))
        )
        hint = f"<div>可以看看这些章节:</div><ul>{items}</ul>" if items else ""
        parts.append(notice(f"<strong>无法回答</strong> {esc(result['answer'])}{hint}", "refusal"))
        return "".join(parts) + "</div>"
    answer_html = _MARKER.sub(
        lambda m: f'<button type="button" class="kbqa-ref" data-jump="{m.group(1)}">[{m.group(1)}]</button>',
        esc(result["answer"]),
    )
    parts.append(f'<div class="kbqa-answer-text">{answer_html}</div></div>')
    cited = {int(n) for n in _MARKER.findall(result["answer"])}
    main = [p for p in result["passages"] if p["n"] in cited]
    more = [p for p in result["passages"] if p["n"] not in cited]
    parts.append('<h3 class="kbqa-passages-title">引用段落</h3>')
    parts += [render_passage(p, documents) for p in main]
    if more:
        parts.append(f'<details class="kbqa-more"><summary>其他相关段落({len(more)})</summary>')
        parts += [render_passage(p, documents) for p in more]
        parts.append("</details>")
    return "".join(parts)


def find_document(ref: dict, documents: dict[str, Document]) -> Document | None:
    """The document a passage or section reference belongs to.

    A refusal with no passages names no document, so the section's number and title find it.
    """
    if ref.get("doc") in documents:
        return documents[ref["doc"]]
    return next(
        (d for d in documents.values() if (s := d.section(ref["section"])) and s.title == ref["title"]),
        None,
    )


def render_passage(passage: dict, documents: dict[str, Document]) -> str:
    doc = documents.get(passage["doc"])
    doc_title = doc.title if doc else passage["doc"]
    copy = citation_text(passage["text"], doc_title, passage["section"], passage["title"])
    key = section_key(passage["doc"], passage["section"])
    return (
        f'<div class="kbqa-card kbqa-passage" data-passage="{passage["n"]}" data-section="{esc(passage["section"])}">'
        f'<div class="kbqa-passage-head"><span>[{passage["n"]}]</span> '
        f'<span class="kbqa-passage-section">{esc(passage["section"])} {esc(passage["title"])}</span></div>'
        f'<div class="kbqa-muted">{esc(doc_title)}</div>'
        f"<p>{highlight_html(passage['text'], passage['highlights'])}</p>"
        f'<div class="kbqa-actions">'
        f'<button type="button" class="kbqa-copy" data-copy="{esc(copy)}">{COPY_LABEL}</button>'
        f'<button type="button" data-open="{esc(key)}">查看全节</button></div></div>'
    )


def render_history(turns: list[dict]) -> str:
    """Earlier questions of this conversation, newest first."""
    if len(turns) < 2:
        return ""
    items = "".join(
        f'<li><div class="kbqa-question">问:{esc(t["question"])}</div>'
        # Its passages are no longer on the page, so the [n] markers give way to the sources line.
        f"<div>答:{esc(_MARKER.sub('', t['answer']))}</div>"
        + (f'<div class="kbqa-muted">出处:{esc("、".join(t["sources"]))}</div>' if t["sources"] else "")
        + "</li>"
        for t in reversed(turns[:-1])
    )
    return (
        f'<details class="kbqa-history" open><summary>本次对话中的前几个问题({len(turns) - 1})</summary>'
        f"<ol>{items}</ol></details>"
    )


def render_toc(documents: dict[str, Document], current: str = "") -> str:
    """The table of contents as a tree: a `<details>` per chapter, a button per section."""
    parts = ['<nav class="kbqa-toc" aria-label="目录">']
    for doc in documents.values():
        if len(documents) > 1:
            parts.append(f"<h3>{esc(doc.title)}</h3>")
        chapters: dict[str, list[Section]] = {}
        for s in doc.sections:
            chapters.setdefault(s.path[0] if len(s.path) > 1 else "", []).append(s)
        for chapter, sections in chapters.items():
            keys = [section_key(doc.doc_id, s.number) for s in sections]
            items = "".join(_toc_item(doc, s, current) for s in sections)
            if not chapter:
                parts.append(f"<ul>{items}</ul>")
                continue
            is_open = " open" if current in keys else ""
            parts.append(
                f"<details{is_open}><summary>{esc(chapter)}</summary><ul>{items}</ul></details>"
            )
    return "".join(parts) + "</nav>"


def _toc_item(doc: Document, s: Section, current: str) -> str:
    key = section_key(doc.doc_id, s.number)
    mark = "" if s.has_text else '<span class="kbqa-missing-mark">(正文未收录)</span>'
    selected = ' aria-current="true"' if key == current else ""
    return f'<li><button type="button" data-open="{esc(key)}"{selected}>{esc(s.label)}{mark}</button></li>'


def render_section(doc: Document, s: Section, n_questions: int) -> str:
    head = (
        f'<div class="kbqa-muted">{esc(doc.title)} · {esc(s.path[0])}</div>'
        if len(s.path) > 1
        else f'<div class="kbqa-muted">{esc(doc.title)}</div>'
    )
    if not s.has_text:
        body = notice("正文未收录:知识库收录的报告中,本节只有目录标题,没有正文。", "missing")
    else:
        paragraphs = [p.strip() for p in doc.section_text(s).split("\n") if p.strip()]
        body = '<div class="kbqa-section-text">' + "".join(f"<p>{esc(p)}</p>" for p in paragraphs) + "</div>"
        if n_questions:
            body += f'<div class="kbqa-muted">本节有 {n_questions} 道练习题,可在“学习”中练习。</div>'
    return f'<article class="kbqa-card kbqa-section"><h2>{esc(s.label)}</h2>{head}{body}</article>'


def render_question(q: PracticeQuestion, index: int, total: int) -> str:
    prompt = esc(q.prompt).replace(BLANK, f'<span class="kbqa-blank" aria-label="空格">{BLANK}</span>')
    return (
        f'<div class="kbqa-card kbqa-quiz"><div class="kbqa-muted">第 {index + 1} 题 / 共 {total} 题 · '
        f"{esc(q.section)} {esc(q.title)}</div>"
        f'<p class="kbqa-quiz-prompt">{prompt}</p><div class="kbqa-muted">提示:{esc(q.hint)}</div></div>'
    )


def render_feedback(q: PracticeQuestion, given: str, right: bool, doc_title: str) -> str:
    verdict = "<strong>回答正确!</strong>" if right else f"<strong>回答不正确。</strong>你的答案:{esc(given)}"
    at = q.sentence.find(q.answer)
    source = highlight_html(q.sentence, [[at, at + len(q.answer)]] if at >= 0 else [])
    return (
        notice(f"{verdict}<div>正确答案:<strong>{esc(q.answer)}</strong></div>", "right" if right else "error")
        + f'<blockquote class="kbqa-card kbqa-feedback">“{source}”'
        f'<div class="kbqa-muted">——{esc(reference(doc_title, q.section, q.title))}</div></blockquote>'
    )


def render_score(score: dict) -> str:
    if not score["answered"]:
        return '<div class="kbqa-score">本次练习:还没有作答。</div>'
    return (
        f'<div class="kbqa-score" role="status">本次练习:答对 {score["right"]} 题,已答 {score["answered"]} 题。</div>'
    )


# ---------------------------------------------------------------- the app


def _html(value: str, elem_id: str, clickable: bool = False, head: str | None = None, js: str | None = None) -> gr.HTML:
    """An HTML block inside kbqa's style scope; `clickable` ones run `CLICK_JS`."""
    return gr.HTML(
        value,
        html_template='<div class="kbqa">${value}</div>',
        js_on_load=CLICK_JS if clickable else js,
        elem_id=elem_id,
        head=head,
    )


@dataclass
class _Library:
    """What the browse and study tabs read: the documents and each section's questions."""

    documents: dict[str, Document]
    questions: dict[str, list[PracticeQuestion]]

    def find(self, key: str) -> tuple[Document, Section] | None:
        doc_id, _, number = key.rpartition("#")
        doc = self.documents.get(doc_id)
        section = doc.section(number) if doc else None
        return (doc, section) if doc and section else None


def build_ui(engine) -> gr.Blocks:
    """The three-tab app: 提问 (ask with citations), 浏览 (table of contents), 学习 (practice)."""
    documents = engine.index.documents
    library = _Library(
        documents,
        {section_key(d.doc_id, s.number): make_questions(d, s) for d in documents.values() for s in d.sections},
    )
    titles = "、".join(f"《{d.title}》" for d in documents.values())

    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        _html(
            f'<div class="kbqa-header"><h1>{TITLE}</h1><p>依据{esc(titles)}回答,每个答案都注明出处。</p></div>',
            "kbqa-header",
            head=HEAD,
        )
        with gr.Tabs() as tabs:
            with gr.Tab("提问", id="ask"):
                ask = _ask_tab(engine, documents)
            with gr.Tab("浏览", id="browse"):
                browse = _browse_tab(library)
            with gr.Tab("学习", id="study"):
                study = _study_tab(library)

        def open_section(evt: gr.EventData) -> tuple:
            """Show a section in 浏览, from the tree or from a passage or suggestion in 提问."""
            key = getattr(evt, "key", "")
            found = library.find(key)
            if found is None:
                return gr.update(), gr.update(), gr.update(), gr.update(), gr.update()
            doc, section = found
            n = len(library.questions.get(key, []))
            return (
                gr.Tabs(selected="browse"),
                render_toc(documents, key),
                render_section(doc, section, n),
                key,
                gr.Button(visible=bool(n)),
            )

        for block in (ask.answer, browse.toc):  # their `data-open` buttons trigger `click`
            block.click(
                open_section,
                None,
                [tabs, browse.toc, browse.view, browse.current, browse.practice],
                show_progress="hidden",
            )
        browse.practice.click(
            lambda key: (gr.Tabs(selected="study"), gr.Dropdown(value=key)),
            browse.current,
            [tabs, study.section],
            show_progress="hidden",
        )
    return demo


@dataclass
class _Ask:
    answer: gr.HTML


def _ask_tab(engine, documents: dict[str, Document]) -> _Ask:
    limit = engine.settings.max_question_chars
    question = gr.Textbox(
        label="你的问题",
        placeholder="例如:杭州城市大脑整合了多少个部门的数据?",
        lines=1,
        max_lines=8,
        elem_id="kbqa-question",
    )
    with gr.Row():
        ask_button = gr.Button("提问", variant="primary", elem_id="kbqa-ask")
        new_button = gr.Button("新对话", variant="secondary", elem_id="kbqa-new")
    examples = _html(render_examples(), "kbqa-examples", clickable=True)
    answer = _html(render_intro(), "kbqa-answer", clickable=True)
    history = _html("", "kbqa-history")
    turns = gr.State([])

    def respond(text: str, past: list[dict]) -> tuple:
        try:
            result = engine.answer(text, [t["question"] for t in past])
        except QuestionError as exc:
            message = notice(esc(question_error_message(exc, text or "", limit)), "error")
            return message, gr.update(), past, gr.update()
        except Exception:  # the user gets a sentence, the log gets the traceback
            log.exception("answering %r failed", text)
            return notice("系统暂时无法回答,请稍后再试。", "error"), gr.update(), past, gr.update()
        data = answer_to_json(result, documents)
        cited = {int(n) for n in _MARKER.findall(data["answer"])}
        sources = [f"{p['section']} {p['title']}" for p in data["passages"] if p["n"] in cited]
        past = [*past, {"question": result.question, "answer": data["answer"], "sources": sources}]
        page = render_answer(data, result.question, result.resolved_question, documents)
        return page, render_history(past), past, ""

    def ask_example(past: list[dict], evt: gr.EventData) -> tuple:
        return respond(getattr(evt, "question", ""), past)

    outputs = [answer, history, turns, question]
    progress = {"show_progress": "full", "show_progress_on": [answer]}
    ask_button.click(respond, [question, turns], outputs, **progress)
    question.submit(respond, [question, turns], outputs, **progress)
    examples.click(ask_example, turns, outputs, **progress)
    new_button.click(lambda: (render_intro(), "", [], ""), None, outputs, show_progress="hidden")
    return _Ask(answer)


@dataclass
class _Browse:
    toc: gr.HTML
    view: gr.HTML
    current: gr.State
    practice: gr.Button


def _browse_tab(library: _Library) -> _Browse:
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=240):
            toc = _html(render_toc(library.documents), "kbqa-toc", clickable=True)
        with gr.Column(scale=2, min_width=300):
            view = _html(
                '<div class="kbqa-muted">在目录中选择一节,查看它的正文。</div>', "kbqa-section-view", js=REVEAL_JS
            )
            practice = gr.Button("练习本节", variant="secondary", visible=False, elem_id="kbqa-practice")
    return _Browse(toc, view, gr.State(""), practice)


@dataclass
class _Study:
    section: gr.Dropdown


def _study_tab(library: _Library) -> _Study:
    choices = []
    for key, questions in library.questions.items():
        found = library.find(key)
        if questions and found:
            choices.append((found[1].label, key))  # the card counts the questions
    first = choices[0][1] if choices else None
    section = gr.Dropdown(
        choices=choices, value=first, label="选择章节", filterable=False, elem_id="kbqa-study-section"
    )
    card = _html(_question_card(library, first, 0), "kbqa-quiz")
    given = gr.Textbox(label="你的答案", placeholder="填写空格处的内容,按回车提交", elem_id="kbqa-study-answer")
    with gr.Row():
        submit = gr.Button("提交答案", variant="primary", elem_id="kbqa-study-submit")
        following = gr.Button("下一题", variant="secondary", elem_id="kbqa-study-next")
    feedback = _html("", "kbqa-study-feedback")
    empty_score = {"right": 0, "answered": 0, "done": []}
    score_view = _html(render_score(empty_score), "kbqa-study-score")
    position = gr.State({"key": first, "index": 0})
    score = gr.State(empty_score)

    def choose(key: str) -> tuple:
        return _question_card(library, key, 0), "", "", {"key": key, "index": 0}

    def check_answer(text: str, at: dict, tally: dict) -> tuple:
        questions = library.questions.get(at["key"] or "", [])
        if not questions:
            return notice("请先选择一节。", "error"), tally, gr.update()
        if not (text or "").strip():
            return notice("请先填写答案,再提交。", "error"), tally, gr.update()
        q = questions[at["index"] % len(questions)]
        found = library.find(at["key"])
        feedback_html = render_feedback(q, text, q.check(text), found[0].title if found else "")
        qid = f"{at['key']}/{at['index']}"
        if qid in tally["done"]:  # another try shows the result again but scores once
            return feedback_html + notice("本题已计分,请点击“下一题”。"), tally, gr.update()
        tally = {
            "right": tally["right"] + q.check(text),
            "answered": tally["answered"] + 1,
            "done": [*tally["done"], qid],
        }
        return feedback_html, tally, render_score(tally)

    def next_question(at: dict) -> tuple:
        total = len(library.questions.get(at["key"] or "", [])) or 1
        at = {"key": at["key"], "index": (at["index"] + 1) % total}
        return _question_card(library, at["key"], at["index"]), "", "", at

    quiet = {"show_progress": "hidden"}
    section.change(choose, section, [card, feedback, given, position], **quiet)
    submit.click(check_answer, [given, position, score], [feedback, score, score_view], **quiet)
    given.submit(check_answer, [given, position, score], [feedback, score, score_view], **quiet)
    following.click(next_question, position, [card, feedback, given, position], **quiet)
    return _Study(section)


def _question_card(library: _Library, key: str | None, index: int) -> str:
    questions = library.questions.get(key or "", [])
    if not questions:
        return notice("这一节没有可出题的内容,请换一节。")
    return render_question(questions[index % len(questions)], index % len(questions), len(questions))
