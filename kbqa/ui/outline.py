"""Each document's outline as a tree, built from its sections' heading paths, and as HTML.

Sections are only the headings that own text (or stand alone without it); a heading whose
children hold all the text appears only in their paths, so the tree's inner nodes come from
path prefixes, to any depth.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kbqa.data import Document, Section
from kbqa.titles import book_title
from kbqa.ui.library import heading_path, label, section_key
from kbqa.ui.render import NO_TEXT, Documents, esc


@dataclass
class Node:
    """A heading of the outline: the section it is (if any) and the headings below it."""

    label: str
    section: Section | None = None
    children: dict[str, Node] = field(default_factory=dict)

    def sections(self) -> list[Section]:
        """This heading's section and every one below it, in document order."""
        own = [self.section] if self.section else []
        return own + [s for child in self.children.values() for s in child.sections()]


def outline(doc: Document) -> list[Node]:
    """The top headings of `doc`, each with the headings below it."""
    root = Node("")
    for section in doc.sections:
        *above, own = heading_path(section)
        parent = root
        for heading in above:
            parent = parent.children.setdefault(heading, Node(heading))
        node = parent.children.setdefault(own, Node(own))
        if node.section is not None:  # the same path twice: the second is a sibling of its own
            node = parent.children.setdefault(f"{own}\0{section.number}", Node(own))
        node.section = section
    return list(root.children.values())


def render_toc(documents: Documents, current: str = "") -> str:
    """Every document's outline: a `<details>` per heading with headings below it, a button per section.

    With several documents each is a `<details>` of its own, open when it holds the current section.
    """
    parts = ['<nav class="kbqa-toc" aria-label="目录">']
    for doc in documents.values():
        tree = _items(doc, outline(doc), current)
        if len(documents) > 1:
            is_open = " open" if current.rpartition("#")[0] == doc.doc_id else ""
            tree = f'<details class="kbqa-doc"{is_open}><summary>{esc(book_title(doc.title))}</summary>{tree}</details>'
        parts.append(tree)
    return "".join(parts) + "</nav>"


def _items(doc: Document, nodes: list[Node], current: str, first: str = "") -> str:
    return "<ul>" + first + "".join(_item(doc, node, current) for node in nodes) + "</ul>"


def _item(doc: Document, node: Node, current: str) -> str:
    own = f"<li>{_button(doc, node.section, current)}</li>" if node.section else ""
    if not node.children:
        return own
    # A heading with text of its own and headings below it: its own text is the first item.
    below = _items(doc, list(node.children.values()), current, first=own)
    is_open = " open" if current in {section_key(doc.doc_id, s.number) for s in node.sections()} else ""
    return f"<li><details{is_open}><summary>{esc(node.label)}</summary>{below}</details></li>"


def _button(doc: Document, section: Section, current: str) -> str:
    key = section_key(doc.doc_id, section.number)
    mark = "" if section.has_text else f'<span class="kbqa-missing-mark">({NO_TEXT})</span>'
    selected = ' aria-current="true"' if key == current else ""
    return f'<button type="button" data-open="{esc(key)}"{selected}>{esc(label(section))}{mark}</button>'
