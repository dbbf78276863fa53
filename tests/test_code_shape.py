"""Every module of kbqa/ small enough to read in one sitting, every function short enough to hold in mind."""

import ast

from conftest import ROOT

MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 40
SOURCES = sorted((ROOT / "kbqa").rglob("*.py"))


def test_modules_are_at_most_300_lines():
    long = {p.relative_to(ROOT).as_posix(): n for p in SOURCES if (n := p.read_text().count("\n")) > MAX_MODULE_LINES}
    assert long == {}


def test_functions_are_at_most_40_lines():
    long = {}
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                if (n := node.end_lineno - node.lineno + 1) > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(ROOT).as_posix()}:{node.name}"] = n
    assert long == {}


def test_the_tree_is_what_was_measured():
    assert len(SOURCES) > 50 and (ROOT / "kbqa" / "answer.py") in SOURCES
