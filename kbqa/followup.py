"""Follow-up questions: "那杭州呢?" after "上海“一网统管”整合了哪些部门?" reads as "杭州 整合了哪些部门?"."""

from __future__ import annotations

import re

from kbqa.text import normalize

_FOLLOW_UP_START = re.compile(r"^(那么?|还有|另外|同样|以及|而|那个|它|他们|其)")
_FOLLOW_UP_END = re.compile(r"(呢|的呢|怎么样|如何|又如何|又怎样)[?？]?$")
_FOLLOW_UP_PRONOUN = re.compile(r"^(它|他们|她|其|这个|那个)?的?")
_PLACE_FLAGS = ("ns", "nt", "nr")
# jieba tags these as places, but they name no particular one.
_GENERIC_PLACES = frozenset("城市 我国 全国 国家 地区 区域 全市 各地 国际 全球 国内 地方 智慧 城乡".split())


def resolve_follow_up(question: str, history: list[str], terms: frozenset[str] = frozenset()) -> tuple[str, list[str]]:
    """Fold the previous question into a follow-up; also return the places it names.

    The new place replaces the old one with the programme named after it, and the rest of
    the earlier question carries over. `terms` are the knowledge base's own names.
    """
    if not history:
        return question, []
    q = normalize(question).strip()
    core = _FOLLOW_UP_END.sub("", _FOLLOW_UP_START.sub("", q)).strip(" ,，。?？")  # noqa: B005 - a set of marks, meant
    is_follow_up = bool(core) and (
        _FOLLOW_UP_START.search(q) is not None or _FOLLOW_UP_END.search(q) is not None or len(core) <= 4
    )
    if not is_follow_up:
        return question, []
    previous = normalize(history[-1])
    found = places(core)
    if found:
        previous = _drop_places(previous, terms)
    core = _FOLLOW_UP_PRONOUN.sub("", core)
    return f"{core} {previous}".strip(), found


def places(text: str) -> list[str]:
    """The particular places, organisations and people a text names (jieba's ns, nt, nr)."""
    import jieba.posseg as pseg

    return [w for w, flag in pseg.lcut(text) if flag in _PLACE_FLAGS and len(w) >= 2 and w not in _GENERIC_PLACES]


def _drop_places(text: str, terms: frozenset[str]) -> str:
    """The question without its places and the name that follows each (上海 + “一网统管”)."""
    for place in sorted(set(places(text)), key=len, reverse=True):
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
