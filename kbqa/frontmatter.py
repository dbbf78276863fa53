"""Which line of a document's front matter is its title.

Official documents open with lines that are not the title: a report's serial number
(`No.202226`), a standard's classification codes (`ICS 27.120.99`, `F69`, `备案号：`), the
decree that promulgates a regulation (`中华人民共和国国务院令`, `第778号`, the promulgating
sentence, the premier's signature, the date), the designation of a standard
(`中华人民共和国能源行业标准`), the issuing body, an English translation. The title is the
first line of the front matter that is none of these; a line right after it that only
continues it — a year in brackets `(2022年)`, a standard's part `第1部分：通用要求` — is part
of it. Pure: lines in, a position out.
"""

from __future__ import annotations

import re

from kbqa.headings import classify, tidy
from kbqa.text import SENTENCE_ENDS

MAX_FRONT_LINES = 16  # lines looked at before the text proper begins
MAX_TITLE_CHARS = 80
MIN_CJK_SHARE = 0.5

ISSUERS = "研究院|研究所|中心|委员会|办公厅|办公室|人民政府|国务院|[部委局署院会]"
NOT_TITLES = [
    re.compile(p)
    for p in (
        r"^第\s*[0-9一二三四五六七八九十百零〇]+\s*号$",  # 第778号
        r"^[(（]?\s*\d{4}\s*年(\s*\d{1,2}\s*月(\s*\d{1,2}\s*日)?)?\s*[)）]?$",  # 2023年1月, (2022年)
        r"^(20|19)[\dX]{2}\s*[-—–年].*(发布|实施)$",  # 20XX - - 发布
        r"[:：]$",  # 备案号：
        r"令$",  # 中华人民共和国国务院令, 主席令
        r"^中华人民共和国.{0,10}标准$",  # the designation of a national or industry standard
        r"^[(（].*[)）]$",  # (本稿完成日期：…)
        rf"^.{{0,16}}({ISSUERS})(\s*(联合)?(发布|印发))?$",  # the issuing body
    )
]
SIGNATURE = re.compile(r"^\S{1,6} +\S{2,4}$")  # 总理　　李强: an office and a name, apart
PART = re.compile(r"^第\s*[0-9一二三四五六七八九十]+\s*部分\s*[:：].+")  # 第1部分：通用要求, a standard's part
CONTINUATIONS = [
    re.compile(r"^[(（]\s*\d{4}\s*年(版|度)?\s*[)）]$"),  # (2022年)
    PART,
    re.compile(r"^[(（](试行|暂行|征求意见稿|送审稿|草案|修订)[)）]$"),
]


def _cjk_share(line: str) -> float:
    letters = [c for c in line if not c.isspace()]
    return sum("\u4e00" <= c <= "\u9fff" for c in letters) / max(len(letters), 1)


def is_furniture(line: str) -> bool:
    """A serial number, code, date, issuer, signature or designation: front matter that is no heading."""
    squeezed = " ".join(line.split())
    return bool(squeezed) and (SIGNATURE.match(squeezed) is not None or _cjk_share(squeezed) < MIN_CJK_SHARE
                               or any(p.search(tidy(squeezed)) for p in NOT_TITLES))  # fmt: skip


def reads_as_title(line: str) -> bool:
    """A short line of Chinese that ends no sentence, is no heading and no front-matter furniture."""
    text = tidy(line)
    if not 2 <= len(text) <= MAX_TITLE_CHARS or text[-1] in SENTENCE_ENDS + "，,、":
        return False
    return classify(text) is None and not is_furniture(line)


def title_lines(lines: list[str]) -> tuple[int, int] | None:
    """`(start, end)`: the title's lines among the first lines of a document, or None when none reads as one.

    The search stops at the first numbered heading: what follows it is the text.
    """
    for i, line in enumerate(lines[:MAX_FRONT_LINES]):
        if classify(line) is not None and not PART.match(tidy(line)):
            return None
        if reads_as_title(line):
            end = i + 1
            while end < len(lines) and any(p.match(tidy(lines[end])) for p in CONTINUATIONS):
                end += 1
            return i, end
    return None


def join_title(lines: list[str]) -> str:
    """The title's lines as one: `核电厂定期安全评价第1部分：通用要求`, `数据要素白皮书(2022年)`."""
    return tidy(" ".join(lines))
