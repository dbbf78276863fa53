"""Retrieved passages -> a short extractive answer with `[n]` citations, or an honest refusal.

No language model: the answer is made of whole sentences of the cited passages, so
every sentence can be checked word for word against its source.
"""

from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import dataclass

from kbqa.data import Answer, Citation, Hit, Section
from kbqa.errors import QuestionError
from kbqa.text import clean_spaces, normalize, split_sentences

REFUSAL = "知识库中没有找到与该问题相关的内容。"
MISSING_SECTION = "知识库收录的报告中,{label}只有目录标题,正文未收录,无法依据该节回答。"
MAX_ANSWER_CHARS = 160
MAX_SENTENCES = 3

_SECTION_REF = re.compile(r"(?<![\d.])(\d{1,2}\.\d{1,2})(?![\d%])\s*(?:节|小节|部分)?")
_CHAPTER_REF = re.compile(r"第([一二三四五六七八九十]{1,3})章")
_NUMBER = re.compile(r"\d+(?:\.\d+)?\s*(?:%|个百分点|万|亿|千|百|倍|项|类|个|家|人|份|次|元|年|天|小时|分钟)?")
_ASKS_NUMBER = re.compile(r"多少|几|比例|比率|百分|多大|多长|多久|多高|规模|how (?:many|much)|percent|what share", re.I)
_FOLLOW_UP_START = re.compile(r"^(那么?|还有|另外|同样|以及|而|那个|它|他们|其)")
_FOLLOW_UP_END = re.compile(r"(呢|的呢|怎么样|如何|又如何|又怎样)[??]?$")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def check_question(question: object, max_chars: int) -> str:
    """The question, trimmed and without control characters; QuestionError if unusable."""
    if not isinstance(question, str):
        raise QuestionError("invalid_question", f"question must be a string, got {type(question).__name__}")
    text = clean_spaces(question)
    if not text:
        raise QuestionError("empty_question", "question is empty; type a question about the report")
    if len(text) > max_chars:
        raise QuestionError(
            "question_too_long",
            f"question is {len(text)} characters; the limit is {max_chars}. Ask a shorter question",
            chars=len(text),
            limit=max_chars,
        )
    return text


@dataclass(frozen=True)
class _Candidate:
    n: int
    text: str
    start: int
    score: float
    cut_start: bool = False


def answer(engine, question: str, history: list[str], top_k: int, doc: str | None = None) -> Answer:
    """Answer `question` from the engine's knowledge base (see module docstring)."""
    clock = time.perf_counter()
    settings = engine.settings
    question = check_question(question, settings.max_question_chars)
    if not 1 <= top_k <= settings.max_top_k:
        raise QuestionError("invalid_top_k", f"top_k must be between 1 and {settings.max_top_k}, got {top_k}",
                            limit=settings.max_top_k)
    turns = [h for h in (_safe(h, settings.max_question_chars) for h in history[-settings.history_turns :]) if h]
    resolved, must_have = resolve_follow_up(question, turns, engine.index.tokenizer.term_set)

    missing = engine.sections.missing(resolved)
    if missing is not None:
        return _finish(
            Answer(question, MISSING_SECTION.format(label=f"{missing.number} {missing.title}"), True, 0.0,
                   suggestions=_near_sections(engine, missing), resolved_question=resolved, meta={"reason": "no_text"}),
            clock,
        )

    retrieval = engine.retriever.retrieve(resolved, max(top_k, settings.candidates), doc=doc)
    pool = retrieval.hits
    if must_have:
        # A follow-up names what changed ("那杭州呢?"): passages that mention it come first.
        pool = sorted(pool, key=lambda h: not all(t in h.chunk.text for t in must_have))
    hits = pool[:top_k]
    terms = query_terms(engine, resolved)
    marked = salient_terms(engine, terms)
    conf, unknown = confidence(engine, normalize(resolved), retrieval.dense_top)
    citations = tuple(Citation(n, h, highlight_spans(h.chunk.text, marked)) for n, h in enumerate(hits, 1))
    if not hits or conf < settings.refusal_threshold:
        return _finish(
            Answer(question, REFUSAL, True, conf, (), _suggest(engine, hits), resolved,
                   meta={"reason": "low_confidence", "unknown_terms": unknown}),
            clock,
        )
    text = compose(resolved, terms, hits, must_have)
    cited = _cited_numbers(text)
    citations = tuple(
        Citation(c.n, c.hit, _merge(c.highlights + _answer_spans(c.hit.chunk.text, text))) if c.n in cited else c
        for c in citations
    )
    return _finish(Answer(question, text, False, conf, citations, (), resolved), clock)


def _finish(result: Answer, clock: float) -> Answer:
    object.__setattr__(result, "took_ms", (time.perf_counter() - clock) * 1000)
    return result


def _safe(text: object, max_chars: int) -> str:
    try:
        return check_question(text, max_chars)
    except QuestionError:
        return ""


def resolve_follow_up(question: str, history: list[str], terms: frozenset[str] = frozenset()) -> tuple[str, list[str]]:
    """Fold the previous question into a follow-up; also return the places it names.

    "那杭州呢?" after "上海“一网统管”整合了哪些部门?" becomes "杭州 整合了哪些部门?": the new
    place replaces the old one with the programme named after it, and the rest of the
    earlier question carries over. `terms` are the knowledge base's own names.
    """
    if not history:
        return question, []
    q = normalize(question).strip()
    core = _FOLLOW_UP_END.sub("", _FOLLOW_UP_START.sub("", q)).strip(" ,,。??")  # noqa: B005 - a set of marks, meant
    is_follow_up = bool(core) and (
        _FOLLOW_UP_START.search(q) is not None or _FOLLOW_UP_END.search(q) is not None or len(core) <= 4
    )
    if not is_follow_up:
        return question, []
    previous = normalize(history[-1])
    places = _places(core)
    if places:
        previous = _drop_places(previous, terms)
    core = _FOLLOW_UP_PRONOUN.sub("", core)
    return f"{core} {previous}".strip(), places


_FOLLOW_UP_PRONOUN = re.compile(r"^(它|他们|她|其|这个|那个)?的?")
_PLACE_FLAGS = ("ns", "nt", "nr")
# jieba tags these as places, but they name no particular one.
_GENERIC_PLACES = frozenset("城市 我国 全国 国家 地区 区域 全市 各地 国际 全球 国内 地方 智慧 城乡".split())


def _places(text: str) -> list[str]:
    import jieba.posseg as pseg

    return [w for w, flag in pseg.lcut(text) if flag in _PLACE_FLAGS and len(w) >= 2 and w not in _GENERIC_PLACES]


def _drop_places(text: str, terms: frozenset[str]) -> str:
    """The question without its places and the name that follows each (上海 + “一网统管”)."""
    for place in sorted(set(_places(text)), key=len, reverse=True):
        at = text.find(place)
        while at >= 0:
            end = at + len(place)
            end += text.startswith("市", end)
            end += text.startswith("的", end)
            quoted = re.match(r"“[^”]{1,12}”", text[end:])
            if quoted:
                end += quoted.end()
            else:
                named = max((t for t in terms if text.startswith(t, end)), key=len, default="")
                end += len(named)
            text = text[:at] + text[end:]
            at = text.find(place)
    return text.strip()


def query_terms(engine, text: str) -> list[str]:
    """The question's content words, as the lexical index tokenises them, longest first."""
    tokens = set(engine.index.tokenizer(normalize(text)))
    tokens = {t for t in tokens if len(t) >= 2 or t.isdigit()}
    return sorted(tokens, key=lambda t: (-len(t), t))


# Nouns that frame a question rather than name its topic.
_FRAME_NOUNS = frozenset(
    """原因 作用 效果 办法 方法 措施 情况 意义 影响 特点 区别 好处 问题 方式 内容 目的 关系 建议 方面 时候 东西
    意思 法子 招 招数 新招 事儿 事情 地方 人家 大家 作者 报告 文章 这块 那块""".split()
)


def topic_nouns(text: str) -> list[str]:
    """The dictionary nouns that name what a question is about (not how it is framed)."""
    import jieba.posseg as pseg

    from kbqa.lexical import STOP_WORDS, jieba_default

    freq = jieba_default().FREQ
    return [
        word
        for word, flag in pseg.lcut(text)
        if len(word) >= 2
        and (flag.startswith("n") or flag == "j")
        and word not in STOP_WORDS
        and word not in _FRAME_NOUNS
        and freq.get(word, 0) >= 20
    ]


def unknown_topics(engine, nouns: list[str]) -> list[str]:
    """The topic nouns that the knowledge base never mentions (地铁, 票价, 食品).

    A word jieba made up for an odd phrase (人用, 车为) is no dictionary noun and never
    gets here; a compound whose parts all occur (苏州工业园区) counts as known.
    """
    from kbqa.lexical import jieba_default

    corpus = engine.corpus_text
    unknown = []
    for word in nouns:
        if word in corpus:
            continue
        parts = [p for p in jieba_default().lcut_for_search(word) if len(p) >= 2 and p != word]
        if parts and all(p in corpus for p in parts):
            continue
        unknown.append(word)
    return unknown


def confidence(engine, question: str, dense_top: float) -> tuple[float, list[str]]:
    """How sure we are that the knowledge base answers the question, in [0, 1].

    The best dense similarity over the whole index, on the scale of the question's
    language (e5 similarities sit in a narrow band: for Chinese 0.83 is unrelated and
    0.91 a close match; an English question against Chinese passages scores about 0.1
    lower). It is cut by up to half by the share of the question's topic nouns that
    never occur in the knowledge base: "地铁票价" halves it, one everyday word the
    report happens not to use ("老人" beside "手机") costs a quarter.
    A question without two content words ("hello", "?") has nothing to go on: 0.
    """
    unknown: list[str] = []
    share = 0.0
    if _CJK.search(question):
        sim = (dense_top - 0.83) / 0.08
        nouns = topic_nouns(question)
        unknown = unknown_topics(engine, nouns)
        share = len(unknown) / len(nouns) if nouns else 0.0
    elif len(english_words(question)) >= 2:
        sim = (dense_top - 0.72) / 0.06
    else:
        return 0.0, []
    sim = min(max(sim, 0.0), 1.0)
    return round(sim * (1 - 0.5 * share), 3), unknown


_EN_STOP = frozenset(
    """the and for with about what which who whom whose why when where how many much does did do is are was were
    this that these those from into its their there can could would should will please tell say says said report
    hello thanks thank okay yes you your me our any some have has had been being than then them they it""".split()
)


def english_words(text: str) -> list[str]:
    """Latin-script content words of three or more letters."""
    return [w for w in re.findall(r"[A-Za-z]{3,}", text) if w.lower() not in _EN_STOP]


def salient_terms(engine, terms: list[str], max_share: float = 0.1) -> list[str]:
    """The question's words worth highlighting: those in at most `max_share` of all chunks."""
    lexical = engine.index.lexical
    n = lexical.weights.shape[0]
    out = []
    for t in terms:
        col = lexical.vocab.get(t)
        df = lexical.weights.indptr[col + 1] - lexical.weights.indptr[col] if col is not None else 0
        if df <= max(1, max_share * n):
            out.append(t)
    return out


def compose(question: str, terms: list[str], hits: list[Hit], must_have: list[str] = ()) -> str:
    """The best few excerpts of the top passages, each followed by its `[n]`.

    An excerpt is a whole sentence, or for a long sentence the run of its clauses
    that holds the question's words, marked "…" where it was cut. Either way the
    excerpt (without "…") occurs word for word in passage n. An excerpt naming what a
    follow-up asks about (`must_have`, e.g. 深圳) comes before any that does not.
    """
    wants_number = bool(_ASKS_NUMBER.search(question))

    def value(text: str) -> float:
        matched = sum(len(t) for t in terms if t in text) + sum(10 for t in must_have if t in text)
        # Figures are what policy staff quote; more so when the question asks for one.
        return matched + ((2.0 if wants_number else 1.0) if _NUMBER.search(text) else 0.0)

    candidates = []
    for n, hit in enumerate(hits[:3], 1):
        for start, sent in split_sentences(hit.chunk.text):
            offset, text = best_window(sent, value)
            score = value(text) / (1 + 0.01 * len(text)) / (1 + 0.35 * (n - 1))
            candidates.append(_Candidate(n, text, start + offset, score, offset > 0))
    if not candidates:
        return f"{hits[0].chunk.text}[1]"
    ranked = sorted(candidates, key=lambda c: -c.score)
    chosen = [ranked[0]]
    for c in ranked[1 : MAX_SENTENCES * 2]:
        if len(chosen) >= MAX_SENTENCES or c.score < 0.5 * ranked[0].score:
            break
        if sum(len(x.text) for x in chosen) + len(c.text) > MAX_ANSWER_CHARS:
            continue
        if any(c.text in x.text or x.text in c.text for x in chosen):
            continue
        chosen.append(c)
    chosen.sort(key=lambda c: (c.n, c.start))
    return "".join(f"{'…' if c.cut_start else ''}{_close(c.text)}[{c.n}]" for c in chosen)


MAX_EXCERPT_CHARS = 90
_CLAUSE = re.compile("[^\uff0c\uff1a\u3001,:]+[\uff0c\uff1a\u3001,:]?")
_ENDS = "\u3002\uff01\uff1f\uff1b"


def best_window(sentence: str, value) -> tuple[int, str]:
    """(offset, text): the sentence, or its best run of clauses when it is long."""
    if len(sentence) <= MAX_EXCERPT_CHARS:
        return 0, sentence
    clauses = [(m.start(), m.group(0)) for m in _CLAUSE.finditer(sentence)]
    best = (-1.0, 0, sentence[:MAX_EXCERPT_CHARS])
    for i, (start, _) in enumerate(clauses):
        for j in range(i, len(clauses)):
            end = clauses[j][0] + len(clauses[j][1])
            if end - start > MAX_EXCERPT_CHARS and j > i:
                break
            text = sentence[start:end]
            score = value(text) + 0.005 * len(text)  # of equal windows, the fuller one
            if score > best[0]:
                best = (score, start, text)
    return best[1], best[2]


def _close(excerpt: str) -> str:
    """A cut excerpt ends with "…" in place of its clause mark."""
    if excerpt[-1] in _ENDS:
        return excerpt
    return excerpt.rstrip("\uff0c\uff1a\u3001,:") + "…"


def _cited_numbers(text: str) -> set[int]:
    return {int(n) for n in re.findall(r"\[(\d+)\]", text)}


def highlight_spans(text: str, terms: list[str]) -> tuple[tuple[int, int], ...]:
    """Where the question's words occur in a passage, merged into non-overlapping spans."""
    spans = []
    for t in terms:
        if len(t) < 2 and not t.isdigit():
            continue
        for m in re.finditer(re.escape(t), text):
            spans.append((m.start(), m.end()))
    return _merge(tuple(spans))


def _answer_spans(text: str, answer_text: str) -> tuple[tuple[int, int], ...]:
    """The figures of the answer's sentences, where they stand in this passage."""
    spans = []
    for sent in re.split(r"\[\d+\]", answer_text):
        sent = sent.strip("…")
        at = text.find(sent) if sent else -1
        if at < 0:
            continue
        for m in _NUMBER.finditer(sent):
            spans.append((at + m.start(), at + m.end()))
    return tuple(spans)


def _merge(spans: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    merged: list[list[int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return tuple((s, e) for s, e in merged)


class SectionCatalog:
    """Section numbers and the titles of text-less sections, looked up once per index."""

    def __init__(self, index) -> None:
        self.by_number: dict[str, list[Section]] = {}
        for _, s in index.sections():
            self.by_number.setdefault(s.number, []).append(s)
        with_text = {_bare(s.title) for _, s in index.sections() if s.has_text}
        self.textless = [
            (_bare(s.title), s)
            for _, s in index.sections()
            if not s.has_text and len(s.title) >= 6 and _bare(s.title) not in with_text
        ]

    def missing(self, question: str) -> Section | None:
        """A section the question names (by number or title) whose text no document has."""
        q = normalize(question)
        for m in _SECTION_REF.finditer(q):
            found = self.by_number.get(m.group(1))
            if found:
                return None if any(s.has_text for s in found) else found[0]
        bare = _bare(q)
        return next((s for title, s in self.textless if title in bare), None)


def _bare(text: str) -> str:
    """Text without punctuation and the joining words a paraphrase drops (的, 与, 和, 及)."""
    return "".join(c for c in text if c not in "的与和及之" and unicodedata.category(c)[0] not in "PZ")


def _near_sections(engine, section: Section) -> tuple[Section, ...]:
    """Sections with text close to a missing one: by the retriever, using its title."""
    hits = engine.search(section.title, 5)
    return _suggest(engine, hits)


def _suggest(engine, hits: list[Hit]) -> tuple[Section, ...]:
    seen, out = set(), []
    for h in hits:
        key = (h.chunk.doc_id, h.chunk.section)
        if key in seen:
            continue
        seen.add(key)
        doc = engine.index.documents[h.chunk.doc_id]
        section = doc.section(h.chunk.section)
        if section is not None:
            out.append(section)
        if len(out) == 3:
            break
    return tuple(out)
