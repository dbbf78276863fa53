"""Practice questions made from a section's own text, and a tolerant answer check.

A question is one sentence of the section with a key figure (48个, 1.5亿条, 40%) or a
quoted term (“一网统管”, 《政务数据共享管理办法》) blanked out. Pure: a `Document` and a
`Section` in, `PracticeQuestion`s out; no index, no model, so the UI can call it freely.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from kbqa.data import Document, Section
from kbqa.text import CLASSIFIERS, FIGURE, GARBLED, split_sentences, squash

BLANK = "＿＿＿＿"
MIN_CONTEXT_CHARS = 12  # a blank needs enough sentence around it to be answerable
MAX_TRAILING_CHARS = 6  # how much of the text after the blank an answer may repeat

# Scraping damage: `?`, or one Latin letter wedged between Chinese characters (崟r分析, 领域W者).
# With a measure word the noun follows in the sentence, so the bare number is an acceptable
# answer too ("48" for 48个部门).
_CLASSIFIER_END = re.compile(f"(?:{CLASSIFIERS})$")
_YEAR = re.compile(r"^(?:19|20)\d\d年$")
_TERM = re.compile(r"“([^“”\n]{2,10})”|《([^《》\n]{2,16})》")

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
    """The sentences of `text` (`kbqa.text.split_sentences`), however short; each keeps its closing mark."""
    return [sentence for _, sentence in split_sentences(text, min_chars=1)]


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
    damage = GARBLED.search(sentence)
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
    for m in FIGURE.finditer(sentence):
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
    return squash(text, keep_figures=True).casefold()


@dataclass(frozen=True)
class Checked:
    """The verdict on one answer; `counted` is False for another try at a question already scored."""

    question: PracticeQuestion
    given: str
    right: bool
    counted: bool


class PracticeSession:
    """One trainee's practice: the chosen section, the question at hand and the score so far.

    `bank` maps a section's key to its questions. Each question scores once: another try
    shows the verdict again without counting. The score runs on across sections.
    """

    def __init__(self, bank: Mapping[str, Sequence[PracticeQuestion]], key: str | None = None) -> None:
        self.bank = bank
        self.key = key if key in bank else None
        self.index = 0
        self.right = 0
        self.answered = 0
        self._scored: set[tuple[str, int]] = set()

    def __deepcopy__(self, memo: dict) -> PracticeSession:
        """A fresh copy of the score and position over the same bank (Gradio copies state per visitor)."""
        copy = PracticeSession(self.bank, self.key)
        copy.index, copy.right, copy.answered, copy._scored = self.index, self.right, self.answered, set(self._scored)
        return copy

    @property
    def questions(self) -> Sequence[PracticeQuestion]:
        return self.bank.get(self.key, ()) if self.key is not None else ()

    @property
    def current(self) -> PracticeQuestion | None:
        return self.questions[self.index] if self.questions else None

    def choose(self, key: str | None) -> PracticeQuestion | None:
        """Practise the section `key` from its first question; an unknown key chooses none."""
        self.key = key if key in self.bank else None
        self.index = 0
        return self.current

    def next(self) -> PracticeQuestion | None:
        """The following question, back to the first after the last."""
        if self.questions:
            self.index = (self.index + 1) % len(self.questions)
        return self.current

    def check(self, given: str | None) -> Checked | None:
        """Check `given` against the current question; None (and nothing scored) without a question or an answer."""
        question = self.current
        if question is None or not (given or "").strip():
            return None
        right = question.check(given)
        at = (self.key, self.index)
        counted = at not in self._scored
        if counted:
            self._scored.add(at)
            self.answered += 1
            self.right += int(right)
        return Checked(question, given, right, counted)
