"""Practice questions made from a section's own text, and a tolerant answer check.

A question is one sentence of the section with a key figure (48个, 1.5亿条, 40%) or a
quoted term (“一网统管”, 《政务数据共享管理办法》) blanked out. Pure: a `Document` and a
`Section` in, `PracticeQuestion`s out; no index, no model, so the UI can call it freely.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from kbqa.data import Document, Section
from kbqa.text import normalize

BLANK = "＿＿＿＿"
MIN_CONTEXT_CHARS = 12  # a blank needs enough sentence around it to be answerable
MAX_TRAILING_CHARS = 6  # how much of the text after the blank an answer may repeat

# Clauses end at 。！？； and at ASCII `;`, which the report writes for ；. ASCII `?` and `!` are
# mojibake in this text (规?;疟用, 空天地?!比), never sentence ends (see `kbqa.answer`).
# Full-width punctuation is written as escapes: some editors silently turn it into ASCII.
_SENTENCE = re.compile("[^\u3002\uff01\uff1f\uff1b;\n]+[\u3002\uff01\uff1f\uff1b;]?")
# Scraping damage: `?`, or one Latin letter wedged between Chinese characters (崟r分析, 领域W者).
_GARBLED = re.compile(r"\?|[\u4e00-\u9fff][A-Za-z][\u4e00-\u9fff]")

# Measure words: with one of these the noun follows in the sentence, so the bare number
# is an acceptable answer too ("48" for 48个部门).
_CLASSIFIERS = "个|项|类|家|条|份|次|人|座|台|辆|名|所|户|张|套|批"
_UNITS = f"个工作日|个月|{_CLASSIFIERS}|倍|元|分钟|小时|天|周|公里|平方公里|吨|年|PB|TB|GB"
_FIGURE = re.compile(
    r"(?<![\d.A-Za-z+\-])"  # not the tail of PM2.5, 5G or 1+10+N
    rf"\d+(?:\.\d+)?(?:多|余)?(?:%|个百分点|[万亿千](?:{_UNITS})?|(?:{_UNITS}))"
)
_CLASSIFIER_END = re.compile(f"(?:{_CLASSIFIERS})$")
_YEAR = re.compile(r"^(?:19|20)\d\d年$")
_TERM = re.compile(r"“([^“”\n]{2,10})”|《([^《》\n]{2,16})》")

# Marks that carry no meaning in an answer: quotes, brackets, list and sentence punctuation.
_IGNORED = re.compile(
    "[\\s\"'()\\[\\]\uff08\uff09\u201c\u201d\u2018\u2019\u300a\u300b\u3008\u3009\u300c\u300d\u300e\u300f\u3010\u3011]"
)
_EDGE_PUNCTUATION = ",.;:!?\u3002\u3001\uff0c\uff0e\uff1b\uff1a\uff01\uff1f"

Kind = Literal["figure", "term"]


@dataclass(frozen=True)
class PracticeQuestion:
    """One fill-in-the-blank question; `prompt` is `sentence` with `answer` blanked out."""

    doc_id: str
    section: str
    title: str
    kind: Kind
    prompt: str
    answer: str
    sentence: str
    accepted: tuple[str, ...]

    @property
    def hint(self) -> str:
        return "填写数字及单位" if self.kind == "figure" else "填写引号或书名号中的词语"

    def check(self, given: str) -> bool:
        """Whether `given` is an accepted answer, perhaps with the words right after the blank.

        "48个部门" is right for "城管等＿＿＿＿部门的1.5亿条数据": the trainee restated the noun.
        """
        if check(given, self.accepted):
            return True
        typed, after = _canonical(given), _canonical(self.prompt.split(BLANK, 1)[-1])
        return any(
            typed.startswith(option)
            and 0 < len(typed) - len(option) <= MAX_TRAILING_CHARS
            and after.startswith(typed[len(option) :])
            for option in map(_canonical, self.accepted)
        )


def sentences(text: str) -> list[str]:
    """The clauses of `text` that end in 。!?; each keeps its closing mark."""
    return [m.group(0).strip() for m in _SENTENCE.finditer(text) if m.group(0).strip()]


def make_questions(doc: Document, section: Section) -> list[PracticeQuestion]:
    """Every figure and quoted term of the section, blanked out of its sentence, in text order.

    A sentence damaged by scraping keeps only its clauses before the damage. Years are skipped (a poor test of the
    content) and any answer already asked earlier in the section.
    """
    questions: list[PracticeQuestion] = []
    seen: set[str] = set()
    for sentence in sentences(doc.section_text(section)):
        sentence = _before_damage(sentence)
        if not sentence:
            continue
        for kind, answer, accepted in _targets(sentence):
            prompt = _blank_out(sentence, kind, answer)
            if answer in seen or len(prompt) - prompt.count(BLANK) * len(BLANK) < MIN_CONTEXT_CHARS:
                continue
            seen.add(answer)
            questions.append(
                PracticeQuestion(doc.doc_id, section.number, section.title, kind, prompt, answer, sentence, accepted)
            )
    return questions


def _before_damage(sentence: str) -> str:
    """The sentence, or its clauses before any scraping damage (then ending in ……), or ""."""
    damage = _GARBLED.search(sentence)
    if damage is None:
        return sentence
    cut = max(sentence.rfind(",", 0, damage.start()), sentence.rfind(",", 0, damage.start()))
    return sentence[:cut] + "……" if cut >= MIN_CONTEXT_CHARS * 2 else ""


def _targets(sentence: str) -> list[tuple[Kind, str, tuple[str, ...]]]:
    """(kind, answer, accepted answers) for each blankable item, by position in the sentence."""
    found: list[tuple[int, Kind, str, tuple[str, ...]]] = []
    quoted: list[tuple[int, int]] = []
    for m in _TERM.finditer(sentence):
        term = m.group(1) or m.group(2)
        quoted.append(m.span())
        if not term.isdigit():
            found.append((m.start(), "term", term, (term,)))
    for m in _FIGURE.finditer(sentence):
        figure = m.group(0)
        if _YEAR.match(figure) or any(s <= m.start() < e for s, e in quoted):
            continue
        bare = _CLASSIFIER_END.sub("", figure)
        found.append((m.start(), "figure", figure, (figure, bare) if bare != figure else (figure,)))
    return [(kind, answer, accepted) for _, kind, answer, accepted in sorted(found, key=lambda f: f[0])]


def _blank_out(sentence: str, kind: Kind, answer: str) -> str:
    """The sentence with every occurrence of `answer` blanked, so it cannot leak elsewhere."""
    if kind == "term":
        return sentence.replace(answer, BLANK)
    # A figure only where it stands alone: blanking 40% must not turn 140% into 1＿＿＿＿.
    return re.sub(rf"(?<![\d.]){re.escape(answer)}(?!\d)", BLANK, sentence)


def check(answer: str, expected: str | Iterable[str]) -> bool:
    """Whether a trainee's `answer` matches `expected` (one answer or several accepted ones).

    Tolerant of what does not change the answer: spaces, full-width digits and letters,
    traditional characters, quotes and brackets, a trailing full stop.
    """
    given = _canonical(answer)
    options = [expected] if isinstance(expected, str) else list(expected)
    return bool(given) and any(given == _canonical(option) for option in options)


def _canonical(text: str) -> str:
    return _IGNORED.sub("", normalize(text)).strip(_EDGE_PUNCTUATION).casefold()
