"""Word documents for the admin tests and bench/upload.py, written with python-docx at run time.

`DOGS` is a short local regulation on a subject the shipped report never mentions (dogs), so
a question about it is answered only while the document is in the knowledge base.
"""

from __future__ import annotations

import io
import re

from tests.conftest import DATA

DOGS_TITLE = "青禾市养犬管理办法"
DOGS = [
    ("一、总则", ["为规范养犬行为,保障市民人身安全和健康,维护市容环境卫生和社会公共秩序,根据有关法律法规,结合本市实际,制定本办法。",
                "本办法适用于本市行政区域内的养犬及相关管理活动。公安机关是养犬管理的主管部门,城管、农业农村、卫生健康等部门按照各自职责做好相关工作。"]),
    ("二、犬只登记", ["个人饲养犬只的,应当在取得犬只后三十日内,向居住地所在的派出所申请办理养犬登记,并提交犬只狂犬病免疫证明。",
                  "每户居民在重点管理区内限养一只犬。禁止在重点管理区内饲养烈性犬和大型犬,具体犬种目录由公安机关会同农业农村部门公布。"]),
    ("三、文明养犬", ["携犬出户时,应当为犬只佩戴犬牌并束犬链,犬链长度不得超过一点五米,由完全民事行为能力人牵领,并主动避让老年人、残疾人、孕妇和儿童。",
                  "犬只在户外排泄粪便的,携犬人应当立即清除。禁止携犬进入机关、学校、医院、商场、餐馆等公共场所和乘坐公共交通工具,但导盲犬、扶助犬除外。"]),
    ("四、法律责任", ["携犬出户未束犬链的,由公安机关责令改正,可以处五十元以上二百元以下罚款。",
                  "犬只伤害他人的,养犬人应当立即将被伤害人送至医疗机构诊治,并先行垫付医疗费用。"]),
]  # fmt: skip
DOGS_QUESTION = "携犬出户时犬链长度不得超过多少?"
DOGS_PATH = ["三、文明养犬"]


def sections_docx(title: str, sections: list[tuple[str, list[str]]]) -> bytes:
    """A .docx as Word writes it: Title style, each section a Heading 1 and its paragraphs."""
    import docx

    document = docx.Document()
    document.core_properties.title = title
    document.add_paragraph(title, style="Title")
    for heading, paragraphs in sections:
        document.add_heading(heading, level=1)
        for text in paragraphs:
            document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def dogs_docx() -> bytes:
    return sections_docx(DOGS_TITLE, DOGS)


_CHAPTER = re.compile(r"^[一二三四五六七八九十]+、")
_PART = re.compile(r"^[(（][一二三四五六七八九十]+[)）]")


def plan_docx(chars: int = 20_000) -> tuple[bytes, int]:
    """About 20 pages of a real plan (tests/data/corpora, 长宁区"十五五"规划): its first `chars` characters.

    一、 lines are Heading 1, （一） lines Heading 2, the rest paragraphs; (bytes, characters of text).
    """
    import docx

    lines = [x.strip() for x in (DATA / "corpora" / "changning_15th_fyp.txt").read_text(encoding="utf-8").splitlines()]
    document = docx.Document()
    taken = 0
    for n, line in enumerate(x for x in lines if x):
        if taken >= chars:
            break
        if n == 0:
            document.add_paragraph(line, style="Title")
        elif _CHAPTER.match(line):
            document.add_heading(line, level=1)
        elif _PART.match(line):
            document.add_heading(line, level=2)
        else:
            document.add_paragraph(line)
        taken += len(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue(), taken
