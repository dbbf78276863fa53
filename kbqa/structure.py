"""Blocks of any format -> one Document: clean text, its title, and its heading tree as sections.

Every reader hands over the same stream of blocks, so a rule about headings is written once,
here, and the `.txt`, `.docx` and `.pdf` of one document come out the same. Levels come
from the format where it says (a Markdown `#`, a Word outline level), else from the
numbering of Chinese official writing (`kbqa.headings`), nested in the order the kinds
first appear (一、 above （一） above 1.; 第X章 above 第X节 above 第X条).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from kbqa.clean import clean_title, strip_site_text
from kbqa.data import Block, Document, Section
from kbqa.frontmatter import is_furniture, join_title, title_lines
from kbqa.headings import Heading, classify, tidy
from kbqa.tables import rebuild_tables
from kbqa.text import SENTENCE_ENDS, normalize, squash
from kbqa.toc import Piece, locate_run_in, run_in_toc, split_toc

MAX_TITLE_CHARS = 80


def build_document(blocks: list[Block], doc_id: str, title: str = "", fmt: str = "txt") -> Document:
    """The document that `blocks` (of one file, in order) make, with `title` from the file's metadata."""
    pieces = _prepare(blocks)
    found = run_in_toc("\n".join(p.text for p in pieces))
    if found is not None:  # a scraped page: contents and headings run into the text
        head, entries, body = found
        pieces = locate_run_in(entries, body)
        title = title or clean_title(head)
        entries_found: list[Heading] = []
    else:
        entries_found, pieces = split_toc(pieces)
        title, pieces = _take_title(pieces, title)
        pieces = rebuild_tables(pieces)
    title, subtitle = _split_title(title or doc_id)
    if subtitle:  # who delivered it, where and when: text worth citing
        pieces.insert(0, Piece(subtitle))
    nodes = _tree(_headings(pieces, entries_found))
    meta = {"format": fmt, **({"subtitle": subtitle} if subtitle else {})}
    return _assemble(doc_id, title, nodes, meta)


def _prepare(blocks: list[Block]) -> list[Piece]:
    """Normalised text (simplified, no pinyin), without a scraping site's own lines, no empty blocks."""
    texts = [normalize(b.text).strip() for b in blocks]
    return [
        Piece(texts[i], blocks[i].kind, blocks[i].level, normalize(blocks[i].lead).strip())
        for i in strip_site_text(texts)
        if texts[i]
    ]


def _take_title(pieces: list[Piece], title: str) -> tuple[str, list[Piece]]:
    """The title (from metadata, else the front matter's title lines) and the pieces without it.

    A first line that is the metadata title and more (`政府工作报告——2024年3月5日…`) is the full title.
    Without metadata, the title is the first front-matter line that is no serial number, code,
    decree, date or issuer (kbqa/frontmatter.py); a document in another script keeps its first line.
    """
    first = pieces[0].text if pieces else ""
    if title:
        if squash(first) == squash(title):
            return title, pieces[1:]
        if squash(first).startswith(squash(title)) and _reads_as_title(first):
            return first, pieces[1:]
        return title, pieces
    if found := title_lines([p.text for p in pieces]):
        start, end = found
        return join_title([p.text for p in pieces[start:end]]), _cover_as_text(pieces[:start] + pieces[end:])
    if _reads_as_title(first):
        return first, pieces[1:]
    return title, pieces


def _cover_as_text(pieces: list[Piece]) -> list[Piece]:
    """Cover lines a format set large (the issuer, the date) are front-matter text, not sections of their own."""
    for i, piece in enumerate(pieces):
        if piece.kind == "heading":
            if classify(piece.text) is not None or not is_furniture(piece.text):
                break
            pieces[i] = replace(piece, kind="paragraph", level=None)
    return pieces


def _reads_as_title(line: str) -> bool:
    return 0 < len(line) <= MAX_TITLE_CHARS and line[-1] not in SENTENCE_ENDS and classify(line) is None


def _split_title(title: str) -> tuple[str, str]:
    """`《纲要》` -> `纲要`; `政府工作报告——2024年3月5日在…` -> (`政府工作报告`, `2024年3月5日在…`)."""
    title = tidy(title)
    if title.startswith("《") and title.endswith("》") and title.count("《") == 1:
        title = title[1:-1]
    main, _, subtitle = title.partition("——")
    return (main.strip() or title), subtitle.strip()


def _headings(pieces: list[Piece], entries: list[Heading]) -> list[Piece]:
    """Each piece that opens with a heading split into the heading and the text after it."""
    listed = {squash(e.label) for e in entries}
    out: list[Piece] = []
    for p in pieces:
        if p.kind == "heading":  # a heading by its format: a full stop at its end makes no sentence of it
            heading = p.heading or classify(p.text) or classify(p.text.rstrip("。"))
            heading = heading or Heading("format", (), "", tidy(p.text))
            out.append(Piece(p.text, "heading", p.level, heading=heading))
            continue
        heading = classify(p.text, p.lead) if p.kind == "paragraph" else None
        if heading is None:
            out.append(p)
            continue
        confirmed = squash(heading.label) in listed
        out.append(Piece(p.text, "heading" if confirmed else "candidate", heading=heading))
    return out


@dataclass
class _Node:
    heading: Heading | None
    level: int
    path: tuple[str, ...]
    ordinal: str
    body: list[Piece] = field(default_factory=list)


@dataclass
class _Stack:
    """The open headings, top down: (kind, rank, level, node)."""

    open: list[tuple[str, int, int, _Node]] = field(default_factory=list)
    children: dict[str, int] = field(default_factory=dict)
    last: dict[tuple, tuple[int, ...]] = field(default_factory=dict)

    def place(self, heading: Heading, explicit: int | None) -> int:
        """The level of `heading`, closing the open headings it ends."""
        key = _kind_key(heading) if explicit is None else f"format{explicit}"
        if explicit is not None:
            explicit = self._below_number(heading) or explicit
            while self.open and self.open[-1][2] >= explicit:
                self.open.pop()
            return explicit
        if any(k == key for k, _, _, _ in self.open):
            while self.open[-1][0] != key:
                self.open.pop()
            return self.open.pop()[2]
        while self.open and (self.open[-1][1] > heading.rank or heading.rank == 0):  # rank 0: parts, 前言
            self.open.pop()
        return self.open[-1][2] + 1 if self.open else 1

    def _below_number(self, heading: Heading) -> int | None:
        """The level a dotted number says (6.1.2 under an open 6.1), whatever level a style gave it."""
        if heading.kind != "decimal":
            return None
        numbered = ("decimal", "arabic")
        parents = [level for _, _, level, node in self.open
                   if node.heading and node.heading.kind in numbered and node.heading.value == heading.value[:-1]]
        return parents[-1] + 1 if parents else None

    def follows(self, heading: Heading) -> bool:
        """Whether a found number is the next of its kind (or a first one): else it is an item, not a heading."""
        prev = self.last.get(_sequence_key(heading, self))
        value = heading.value
        if not value:
            return True
        if prev is None:
            return value[-1] == 1
        return value[:-1] == prev[:-1] and value[-1] == prev[-1] + 1

    def push(self, heading: Heading, level: int) -> _Node:
        parent = self.open[-1][3] if self.open else None
        prefix = parent.ordinal if parent else ""
        self.children[prefix] = self.children.get(prefix, 0) + 1
        ordinal = f"{prefix}.{self.children[prefix]}".lstrip(".")
        self.children.pop(ordinal, None)
        path = (parent.path if parent else ()) + (heading.label,)
        node = _Node(heading, level, path, ordinal)
        self.last[_sequence_key(heading, self)] = heading.value
        self.last = {k: v for k, v in self.last.items() if not (isinstance(k[0], int) and k[0] > len(self.open))}
        self.open.append((_kind_key(heading), heading.rank, level, node))
        return node


def _kind_key(heading: Heading) -> str:
    return f"{heading.kind}{len(heading.value)}" if heading.kind == "decimal" else heading.kind


def _sequence_key(heading: Heading, stack: _Stack) -> tuple:
    """Articles and dotted numbers count through the document; other kinds restart under each parent."""
    if heading.kind in ("article", "chapter", "part", "decimal", "annex"):
        return (heading.kind, heading.value[:-1])
    return (len(stack.open), heading.kind)


def _tree(pieces: list[Piece]) -> list[_Node]:
    """Nodes in document order: the text before the first heading, then one per heading."""
    stack = _Stack()
    nodes = [_Node(None, 0, (), "0")]
    for p in pieces:
        if p.kind == "toc":  # where the table of contents stood: the front matter ends
            stack.open.clear()
        elif p.kind == "candidate" and not _fits(stack, p.heading):
            nodes[-1].body.append(Piece(p.text))
        elif p.kind in ("heading", "candidate"):
            level = stack.place(p.heading, p.level)
            nodes.append(stack.push(p.heading, level))
            if p.heading.rest:
                nodes[-1].body.append(Piece(p.heading.rest))
        else:
            nodes[-1].body.append(p)
    return nodes


def _fits(stack: _Stack, heading: Heading) -> bool:
    """A numbered line counts as a heading only where its number follows its kind's last one."""
    probe = _Stack(list(stack.open), dict(stack.children), dict(stack.last))
    probe.place(heading, None)
    return probe.follows(heading)


def _assemble(doc_id: str, title: str, nodes: list[_Node], meta: dict) -> Document:
    """Lay the nodes out as readable text (headings on their own lines) and record each section's span."""
    out, pos, sections, numbers = [title, "\n\n"], len(title) + 2, [], set()
    for i, node in enumerate(nodes):
        leaf = i + 1 == len(nodes) or nodes[i + 1].level <= node.level
        heading_start = pos
        if node.heading is not None:
            out.append(node.heading.label + "\n")
            pos += len(node.heading.label) + 1
        body = "\n".join(p.text for p in node.body)
        start = pos
        if body:
            out.append(body + "\n\n")
            pos += len(body) + 2
        if body or (leaf and node.heading is not None):
            number = _number(node, numbers)
            path = node.path or (title,)
            name = (node.heading.title or node.heading.label) if node.heading else ""
            sections.append(Section(number, name, path, start, start + len(body), heading_start, doc_id))
    return Document(doc_id, title, "".join(out).rstrip("\n") + "\n", tuple(sections), meta)


def _number(node: _Node, taken: set[str]) -> str:
    """The heading's own dotted number (`2.3`) where it has one, else its place in the outline (`3.1`)."""
    h = node.heading
    number = h.number.rstrip(".") if h is not None and h.kind == "decimal" else node.ordinal
    if number in taken:
        number = f"{node.ordinal}~{len(taken)}"
    taken.add(number)
    return number


def section_by_label(doc: Document, label: str) -> Section | None:
    """The section whose heading is written `label` (ignoring punctuation and spacing)."""
    key = squash(label)
    return next((s for s in doc.sections if squash(s.label) == key), None)

