"""Retrieved passages -> a short extractive answer: excerpts of the passages, each followed by its `[n]`.

No language model: every excerpt is a whole sentence of passage n, or a run of its clauses
marked "…" where it was cut, so it can be checked word for word. What the question wants
shapes the choice: a number question leads with the figure, a list question gathers the
items (following an enumeration on through the sentences that continue it), a comparison
quotes each side it names. Scraping damage in an excerpt is shown marked as such (⟦崟r⟧),
never as if it were the document's words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from kbqa.question import Shape
from kbqa.text import DATE, GARBLED, NUMBER, SENTENCE_ENDS, split_sentences

MAX_ANSWER_CHARS = 160
MAX_SENTENCES = 3
MAX_EXCERPT_CHARS = 90
LIST_CHARS, LIST_SENTENCES = 320, 6
GARBLE_NOTE = "（⟦⟧内是原文中的乱码）"
_CLAUSE = re.compile("[^\uff0c\uff1a\u3001,:]+[\uff0c\uff1a\u3001,:]?")
_ENUMERATION = re.compile(r"一是|二是|三是|首先|其次|再次|最后|[①②③④⑤]|[；;：:]$")
LIST_OPENER = re.compile(r"以下|如下|包括|分别是|主要有")
_ITEM_MARKS = [
    ("shi", re.compile(r"[一二三四五六七八九十]是")),
    ("dash", re.compile(r"——")),
    ("paren", re.compile(r"[（(][一二三四五六七八九十]+[）)]")),
    ("num", re.compile(r"\d{1,2}[.、．](?!\d)")),
    ("circled", re.compile(r"[①②③④⑤⑥⑦⑧⑨⑩]")),
    ("ordinal", re.compile(r"第[一二三四五六七八九十]+[，,、]|首先|其次|再次")),
]


@dataclass(frozen=True)
class Excerpt:
    n: int  # the passage it is from, as cited
    text: str  # word for word from passage n
    start: int  # where it starts in the passage
    score: float
    cut_start: bool = False


# a figure in digits, or spelled out with what it counts (三大, 两类, 五分之一)
_QUANTITY = re.compile(r"\d|[一二三四五六七八九十两百千万半]+(?:[个项类大种条家次倍成批座所名位台亿万]|分之)")
_DATES = re.compile(r"(?<!\d)(?:19|20)\d\d年(?:\d{1,2}月)?(?:\d{1,2}日)?")


def compose(shape: Shape, weights: dict[str, float], passages: list[str], must_have: tuple[str, ...] = (),
            depth: int = 3, after: dict[int, int] | None = None, headings: list[str] | None = None
            ) -> list[Excerpt]:  # fmt: skip
    """The excerpts that answer, from `passages` (best first; n counts from 1), in the order to show them.

    `weights` gives each question word its weight (rarer words count more); `depth` is how many of
    the best passages to quote from (lists and comparisons look further); `after` maps a passage to
    the one that follows it in its document, where a list it opens goes on; `headings` are the
    passages' heading paths (a comparison quotes a side from the section about it).
    """
    wide = shape.asks_list or bool(shape.sides)
    value = _valuer(shape, weights, must_have)
    top = passages[: (5 if wide else 3)] if depth == 3 else passages[:depth]
    candidates = [c for n, text in enumerate(top, 1) for c in _candidates(n, text, value)]
    if shape.sides and headings:  # 10.1 新加坡…: the section about a side says most about it
        candidates = [replace(c, score=c.score * (1.5 if any(s in headings[c.n - 1] for s in shape.sides) else 1))
                      for c in candidates]  # fmt: skip
    if not candidates:
        return [Excerpt(1, passages[0], 0, 0.0)] if passages else []
    chosen = _choose(candidates, shape)
    if shape.asks_list:
        chosen = _enumerations(chosen, passages, after or {})
    chosen = _cover(chosen, candidates, shape.sides)
    chosen.sort(key=lambda c: (c.n, c.start))
    if shape.asks_number:
        chosen.sort(key=lambda c: NUMBER.search(c.text) is None)  # the figure first
    return chosen


def render(excerpts: list[Excerpt], numbers: dict[int, int] | None = None) -> str:
    """The excerpts as answer text, each followed by `[n]` (`numbers` renumbers passages as cited)."""
    text = "".join(
        f"{'…' if c.cut_start else ''}{_close(mark_garbled(' '.join(c.text.split())))}[{(numbers or {}).get(c.n, c.n)}]"
        for c in excerpts
    )
    return text + ("\n" + GARBLE_NOTE if "⟦" in text else "")


def mark_garbled(text: str) -> str:
    """Scraping damage (`崟r`, `?;`) inside ⟦⟧: the reader sees it is not the document's own words."""
    return GARBLED.sub(lambda m: f"⟦{m.group(0)}⟧", text)


def _valuer(shape: Shape, weights: dict[str, float], must_have: tuple[str, ...]):
    sides = shape.sides

    def value(text: str) -> float:
        matched = sum(w for t, w in weights.items() if t in text) + sum(10 for t in must_have if t in text)
        matched += sum(4 for s in sides if s in text)
        if shape.asks_when and DATE.search(text):
            matched += 6
        if shape.asks_list and _ENUMERATION.search(text):
            matched += 2 + text.count("、")
        if shape.asks_list and LIST_OPENER.search(text):
            matched += 6
        if shape.asks_number and not _QUANTITY.search(_DATES.sub(" ", text)):
            matched *= 0.5  # a sentence with no figure but dates seldom says how many
        # Figures are what policy staff quote; more so when the question asks for one.
        return matched + ((2.0 if shape.asks_number else 1.0) if NUMBER.search(text) else 0.0)

    return value


def _candidates(n: int, passage: str, value) -> list[Excerpt]:
    out = []
    for start, sentence in split_sentences(passage):
        offset, text = best_window(sentence, value)
        score = value(text) / (1 + 0.01 * len(text)) / (1 + 0.35 * (n - 1))
        out.append(Excerpt(n, text, start + offset, score, offset > 0))
    return out


def _choose(candidates: list[Excerpt], shape: Shape) -> list[Excerpt]:
    wide = shape.asks_list or bool(shape.sides)
    limit, budget, cut = (LIST_SENTENCES, LIST_CHARS, 0.35) if wide else (MAX_SENTENCES, MAX_ANSWER_CHARS, 0.5)
    ranked = sorted(candidates, key=lambda c: -c.score)
    chosen = [ranked[0]]
    for c in ranked[1 : limit * 2]:
        if len(chosen) >= limit or c.score < cut * ranked[0].score:
            break
        if sum(len(x.text) for x in chosen) + len(c.text) > budget:
            continue
        if any(c.n == x.n and (c.text in x.text or x.text in c.text) for x in chosen):
            continue
        chosen.append(c)
    return chosen


def _enumerations(chosen: list[Excerpt], passages: list[str], after: dict[int, int]) -> list[Excerpt]:
    """A list question's items, gathered where a list goes on.

    An excerpt that announces a list (…以下工作：, 基本原则是：) or is one item of one (一是…, ——…,
    （一）…) brings the items that follow it in its passage and in the passages after it.
    """
    out = list(chosen)
    for c in chosen:
        text = passages[c.n - 1]
        opens = c.text.rstrip()[-1:] in "：:" or LIST_OPENER.search(c.text)
        family = _family(c.text) or (_family(_next_sentence(text, c.start + len(c.text))) if opens else None)
        if family is None:
            continue
        chain = [c.n]
        while chain[-1] in after and len(chain) < 6:
            chain.append(after[chain[-1]])
        for n in chain:
            start = c.start + len(c.text) if n == c.n else 0
            for at, sentence in split_sentences(passages[n - 1][start:], 1):
                if _family(sentence) == family and not any(x.n == n and sentence[:10] in x.text for x in out):
                    out.append(Excerpt(n, best_window(sentence, lambda t: 1.0)[1], start + at, c.score * 0.9))
    return out[:LIST_SENTENCES + 8]


def _family(sentence: str) -> str | None:
    """The kind of list item a sentence opens with: 一是, ——, （一）, 1., ①, 第一/首先."""
    for name, pattern in _ITEM_MARKS:
        if pattern.match(sentence.strip()):
            return name
    return None


def _next_sentence(text: str, at: int) -> str:
    following = split_sentences(text[at:], 1)
    return following[0][1] if following else ""


def _cover(chosen: list[Excerpt], candidates: list[Excerpt], sides: tuple[str, ...]) -> list[Excerpt]:
    """A comparison quotes each side it names: the best excerpt about a side no chosen excerpt mentions."""
    for side in sides:
        others = set(sides) - {side}
        alone = [c for c in candidates if _about(c.text, side) and not any(_about(c.text, o) for o in others)]
        if any(c in chosen for c in alone) or (not alone and any(_about(c.text, side) for c in chosen)):
            continue  # quoted on its own already, or nowhere but beside another side
        best = max(alone or [c for c in candidates if _about(c.text, side)], key=lambda c: c.score, default=None)
        if best is not None:
            chosen.append(best)
    return chosen


def _about(text: str, side: str) -> bool:
    """Whether an excerpt speaks of one side: its words, or for a phrase (物价实际涨幅) most of its pairs."""
    if side in text:
        return True
    pairs = [side[i : i + 2] for i in range(len(side) - 1)]
    return len(side) > 3 and sum(p in text for p in pairs) >= 0.6 * len(pairs)


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
    if excerpt[-1] in SENTENCE_ENDS + "⟧":
        return excerpt
    return excerpt.rstrip("\uff0c\uff1a\u3001,:") + "…"
