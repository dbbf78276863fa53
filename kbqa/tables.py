"""Tables whose cells a conversion flattened to one per paragraph, put back together as rows.

A run of short paragraphs in which the numbers 1, 2, 3 … stand alone at a steady stride
is a table: the stride is its number of columns, the cells before the `1` its header.
Each row becomes one `cell | cell | cell` line, so a row is one retrievable line.
"""

from __future__ import annotations

from kbqa.text import SENTENCE_ENDS
from kbqa.toc import Piece

MAX_CELL_CHARS = 40
MIN_ROWS = 3


def rebuild_tables(pieces: list[Piece]) -> list[Piece]:
    """`pieces` with every flattened table replaced by its rows."""
    out: list[Piece] = []
    i = 0
    while i < len(pieces):
        table = _table_at(pieces, i)
        if table is None:
            out.append(pieces[i])
            i += 1
            continue
        rows, i = table
        out += [Piece(" | ".join(row), "table_row") for row in rows]
    return out


def _is_cell(piece: Piece) -> bool:
    text = piece.text.strip()
    return piece.kind == "paragraph" and 0 < len(text) <= MAX_CELL_CHARS and text[-1] not in SENTENCE_ENDS


def _table_at(pieces: list[Piece], start: int) -> tuple[list[list[str]], int] | None:
    """(rows, index after the table) when a flattened table's header starts at `start`."""
    if not _is_cell(pieces[start]) or pieces[start].text.strip().isdigit():
        return None
    ones = [j for j in range(start + 1, min(start + 12, len(pieces))) if pieces[j].text.strip() == "1"]
    for one in ones:
        width = one - start
        if width < 2 or not all(_is_cell(p) for p in pieces[start:one]):
            continue
        rows = _rows(pieces, one, width)
        if len(rows) >= MIN_ROWS:
            header = [p.text.strip() for p in pieces[start:one]]
            return [header, *rows], one + width * len(rows)
    return None


def _rows(pieces: list[Piece], first: int, width: int) -> list[list[str]]:
    rows = []
    at, n = first, 1
    while at + width <= len(pieces) and pieces[at].text.strip() == str(n):
        cells = pieces[at : at + width]
        if not all(_is_cell(p) for p in cells):
            break
        rows.append([" ".join(p.text.split()) for p in cells])
        at, n = at + width, n + 1
    return rows
