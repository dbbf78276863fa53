"""Sentence-level checks of a model's answer against the passages it cites, before anyone sees it.

A sentence passes when every figure, Latin-script name and quoted term in it occurs in the
passages its `[n]` markers name, and most of its Chinese content words do too. A sentence
without a marker, or citing a passage that was not given, fails. `Sentences` cuts a text
(whole or streamed) into the sentences that are checked one by one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from kbqa.text import MARKER, NUMBER, normalize, squash

MIN_WORD_SHARE = 0.7  # tuned on tests/data/verify_cases.json (written for this, not the dev questions)

# Markers as models write them besides `[1]`: `[1,2]`, `[1、2]`, `【1】`, `［1］`, `[^1]`.
_LOOSE_MARKER = re.compile(r"[\[\u3010\uff3b]\^?(\d+(?:\s*[,\uff0c\u3001]\s*\d+)*)[\]\u3011\uff3d]")
_PARTIAL_MARKER = re.compile(r"[\[\u3010\uff3b]\^?[\d\s,\uff0c\u3001]*")
# Sentence ends. Not ；, which joins clauses that one marker at the sentence's end may cover, nor
# ASCII ? ! ;, which in the report's text are mojibake (kbqa.text.split_sentences).
_ENDS = "\u3002\uff01\uff1f\n"
_BREAK = re.compile(r"[\u3002\uff01\uff1f\n]|\[\d+\]")
# After a marker, these go on with its sentence: ，、：,:;；。！？!?)）]】”’」』》.
_CONTINUES = "\uff0c\u3001\uff1a,:;\uff1b\u3002\uff01\uff1f!?)\uff09]\u3011\u201d\u2019\u300d\u300f\u300b."
# After an end mark, these still belong to its sentence: spaces, closing ”’」』）)》, markers.
_AFTER_END = re.compile(r"(?:\s|[\u201d\u2019\u300d\u300f\uff09)\u300b]|\[\d+\])*")
_SEGMENT = re.compile(r"(.*?)((?:\s*\[\d+\])+)", re.S)
_LATIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+\-]*")
# “…”, 《…》, 「…」 and "…"
_QUOTED = re.compile(
    r"\u201c([^\u201d]{1,40})\u201d|\u300a([^\u300b]{1,60})\u300b|\u300c([^\u300d]{1,40})\u300d|\"([^\"]{1,40})\""
)
_CJK_WORD = re.compile(r"[\u4e00-\u9fff]{2,}")
# Words that join a model's sentences rather than carry its facts.
_CONNECTIVES = frozenset("此外 另外 同时 其中 因此 并且 而且 从而 此举 这一 这些 该市 该平台 方面 相关 包括".split())


def normalize_markers(text: str) -> str:
    """Every marker form a model writes as `[1]`, or `[1][2]` for several."""
    return _LOOSE_MARKER.sub(lambda m: "".join(f"[{n}]" for n in re.findall(r"\d+", m.group(1))), text)


class Sentences:
    """Cuts text fed piece by piece into sentences, each with the markers that follow its end.

    Nothing is lost: the sentences joined are the text fed (its markers written as `[n]`).

    A sentence ends at 。！？ or a line break (with any `[n]` and closing quotes after it),
    or at a marker followed straight by more text (`…数据[1]深圳…`).
    """

    def __init__(self) -> None:
        self._buffer = ""

    def feed(self, text: str) -> list[str]:
        """The sentences completed by `text`."""
        self._buffer = normalize_markers(self._buffer + text)
        out = []
        while (cut := self._cut()) is not None:
            out.append(self._buffer[:cut])
            self._buffer = self._buffer[cut:]
        return out

    def close(self) -> list[str]:
        """The rest, once the text has ended."""
        rest, self._buffer = self._buffer, ""
        return [rest] if rest else []

    def _cut(self) -> int | None:
        text = self._buffer
        for m in _BREAK.finditer(text):
            end = _AFTER_END.match(text, m.end()).end()
            rest = text[end:]
            if not rest or _PARTIAL_MARKER.fullmatch(rest):
                return None  # a marker may still follow
            if m.group(0) in _ENDS or rest[0] not in _CONTINUES:
                return end
        return None


def tidy(sentence: str) -> str:
    """A sentence as it is shown: trimmed, with no space or line break before its markers."""
    return re.sub(r"\s+(?=\[\d+\])", "", sentence.strip())


def split(text: str) -> list[str]:
    """The sentences of a whole text; joined, they are the text."""
    cutter = Sentences()
    return cutter.feed(text) + cutter.close()


@dataclass(frozen=True)
class Verdict:
    """One sentence and whether it stands; `why` names what its passage lacks."""

    sentence: str
    ok: bool
    why: str = ""


def check(sentence: str, passages: Mapping[int, str]) -> Verdict:
    """Whether every claim of `sentence` is in the passages its markers cite (`passages[n]`)."""
    parts = [(text, [int(n) for n in MARKER.findall(marks)]) for text, marks in _SEGMENT.findall(sentence)]
    rest = _SEGMENT.sub("", sentence)
    if not parts:
        return Verdict(sentence, False, "no [n] marker")
    if squash(rest):
        return Verdict(sentence, False, f"no [n] after {rest.strip()!r}")
    if MARKER.sub("", sentence).strip().endswith(("?", "\uff1f")):
        return Verdict(sentence, False, "a question, not an answer")  # the model echoing the question
    for text, numbers in parts:
        missing = [n for n in numbers if n not in passages]
        if missing:
            return Verdict(sentence, False, f"cites [{missing[0]}], which was not given")
        why = _unsupported(text, [passages[n] for n in numbers])
        if why:
            return Verdict(sentence, False, f"{why} not in {''.join(f'[{n}]' for n in numbers)}")
    return Verdict(sentence, True)


def _unsupported(claim: str, sources: list[str]) -> str:
    """What of `claim` the sources do not hold, or "" if they hold all of it."""
    text = normalize("\n".join(sources))
    source = squash(text, keep_figures=True)
    found_figures, found_names = figures(claim), names(claim)
    for figure in found_figures:
        after = r"(?!\.?\d)" if figure[-1].isdigit() else ""  # 48 is not 480 or 48.5; 1天 may end a clause
        if not re.search(rf"(?<![\d.]){re.escape(figure)}{after}", text):
            return f"figure {figure}"
    known = _latin_words(text)
    for name in found_names:
        if name not in known:
            return f"name {name}"
    for term in quoted(claim):
        if term not in source:
            return f"quoted {term}"
    words = content_words(claim)
    if not words and not found_figures and not found_names:
        return "nothing to check"
    absent = [w for w in words if w not in source]
    if len(words) - len(absent) < MIN_WORD_SHARE * len(words):
        return f"words {'、'.join(absent)}"
    return ""


def figures(text: str) -> list[str]:
    """Figures and dates with their units (48个, 1.5亿条, 2025年)."""
    return [m.group(0) for m in NUMBER.finditer(normalize(text))]


def names(text: str) -> list[str]:
    """Latin-script names and acronyms (GDP, 5G, PM2.5, NB-IoT, Decidim), lower-cased as written."""
    found = (m.group(0).strip(".-").lower() for m in _LATIN.finditer(normalize(text)))
    return [n for n in found if re.search(r"[a-z]", n)]


def _latin_words(text: str) -> set[str]:
    """The names of a passage, whole and in their parts (GPT-4 gives gpt-4, gpt and 4)."""
    whole = names(text)
    return set(whole) | {part for n in whole for part in re.split(r"[+\-]", n) if part}


def quoted(text: str) -> list[str]:
    """Terms in “…”, 《…》, 「…」 or "…"."""
    return [squash(next(g for g in m.groups() if g)) for m in _QUOTED.finditer(normalize(text))]


def content_words(text: str) -> list[str]:
    """The distinct Chinese words of two or more characters that are not stop words."""
    from kbqa.lexical import STOP_WORDS

    words = dict.fromkeys(t for t in _tokenizer()(normalize(text)) if _CJK_WORD.fullmatch(t))
    return [w for w in words if w not in STOP_WORDS and w not in _CONNECTIVES]


@lru_cache(maxsize=1)
def _tokenizer():
    """A jieba tokenizer without the index's own terms: the check is whether words occur, not how they rank."""
    from kbqa.lexical import Tokenizer

    return Tokenizer()
