"""What `/v1/chat/completions` adds to the answer time of `/api/ask`: the same questions, one server.

    python bench/openai_overhead.py                  # starts `python app.py` on a free port (generation off)
    python bench/openai_overhead.py --url http://127.0.0.1:7861 --passes 10
    python bench/openai_overhead.py --write          # also puts the table into docs/benchmarks.md

Each dev question is asked through both endpoints in turn (which goes first alternates), over
one keep-alive connection each, after a warm-up pass; the streaming form is timed to its
`data: [DONE]`. Prints p50 and p95 per endpoint and the p50 difference (the target is 3 ms).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

if __package__ in (None, ""):  # run as a script: make `kbqa` importable from the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kbqa.settings import ROOT  # noqa: E402

DEV = ROOT / "tests" / "data" / "dev.jsonl"
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- openai_overhead: begin -->", "<!-- openai_overhead: end -->"
SERIES = ("/api/ask", "/v1/chat/completions", "/v1/chat/completions stream")


def body(series: str, question: str) -> bytes:
    if series == "/api/ask":
        payload: dict = {"question": question}
    else:
        payload = {"model": "kbqa", "messages": [{"role": "user", "content": question}],
                   "stream": series.endswith("stream")}
    return json.dumps(payload, ensure_ascii=False).encode()


def timed(conn: http.client.HTTPConnection, series: str, question: str) -> float:
    """Milliseconds from sending the request to the last byte of the answer."""
    start = time.perf_counter()
    conn.request("POST", series.split()[0], body(series, question), {"Content-Type": "application/json"})
    response = conn.getresponse()
    data = response.read()
    elapsed = (time.perf_counter() - start) * 1000
    if response.status != 200 or (series.endswith("stream") and not data.rstrip().endswith(b"data: [DONE]")):
        raise RuntimeError(f"{series} answered {response.status}: {data[:200]!r}")
    return elapsed


def measure(url: str, questions: list[str], passes: int) -> dict[str, list[float]]:
    parsed = urlparse(url)
    conns = {s: http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60) for s in SERIES}
    times: dict[str, list[float]] = {s: [] for s in SERIES}
    for p in range(passes + 1):  # the first pass warms up (query vectors, connections) and is not counted
        for i, question in enumerate(questions):
            order = SERIES if (i + p) % 2 == 0 else SERIES[::-1]
            for series in order:
                elapsed = timed(conns[series], series, question)
                if p:
                    times[series].append(elapsed)
    return times


def pct(values: list[float], p: float) -> float:
    ranked = sorted(values)
    return ranked[min(len(ranked) - 1, max(0, round(p / 100 * len(ranked) + 0.5) - 1))]


def summary(times: dict[str, list[float]]) -> dict:
    out = {s: {"p50": round(pct(v, 50), 2), "p95": round(pct(v, 95), 2), "n": len(v)} for s, v in times.items()}
    base = out["/api/ask"]["p50"]
    for s in SERIES[1:]:
        out[s]["p50_added"] = round(out[s]["p50"] - base, 2)
    return out


def markdown(result: dict, note: str) -> str:
    rows = ["| endpoint | requests | p50 | p95 | p50 added to `/api/ask` |", "| --- | --- | --- | --- | --- |"]
    for s in SERIES:
        r = result[s]
        added = f"{r['p50_added']:+.2f} ms" if "p50_added" in r else ""
        rows.append(f"| `{s}` | {r['n']} | {r['p50']:.2f} ms | {r['p95']:.2f} ms | {added} |")
    return "\n".join([BEGIN, "### OpenAI-compatible API: what `/v1/chat/completions` adds (ms)", "",
                      note, "", *rows, END])


def write(section: str, begin: str = BEGIN, end: str = END) -> None:
    """Put `section` (which opens with `begin` and closes with `end`) into docs/benchmarks.md, in place of the last."""
    text = DOC.read_text(encoding="utf-8")
    if begin in text:
        text = text[: text.index(begin)] + section + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOC.write_text(text, encoding="utf-8")


@contextlib.contextmanager
def app_server(log: Path):
    """`python app.py` on a free loopback port, generation and keys off, no rate limit to speak of."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("KBQA_")}
    env.update(KBQA_RATE_LIMIT="1000000000", GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1")
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 600  # a first start builds the index
            while True:
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                    conn.request("GET", "/healthz")
                    if conn.getresponse().status == 200:
                        break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not start; see {log}")
                time.sleep(0.5)
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            proc.wait(30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running kbqa server (loopback), instead of starting one")
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="put the table into docs/benchmarks.md")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    questions = [json.loads(line)["question"] for line in DEV.read_text(encoding="utf-8").splitlines() if line]
    server = contextlib.nullcontext(args.url) if args.url else app_server(Path("/tmp/kbqa-openai-overhead.log"))
    load = os.getloadavg()
    with server as url:
        result = summary(measure(url, questions, args.passes))
    if args.json:
        print(json.dumps(result, indent=1))
    for s in SERIES:
        r = result[s]
        added = f"  (+{r['p50_added']:.2f} ms p50)" if "p50_added" in r else ""
        print(f"{s:30} p50 {r['p50']:8.2f} ms  p95 {r['p95']:8.2f} ms  n={r['n']}{added}")
    if args.write:
        note = (f"`python bench/openai_overhead.py` ({args.passes} passes of the {len(questions)} dev questions "
                "through each endpoint of one `python app.py`, generation off, after a warm-up pass; one keep-alive "
                "connection per endpoint; the streaming form timed to `data: [DONE]`). The questions repeat, so "
                "their vectors come from the server's cache: the answer path is at its fastest, where what the "
                f"endpoint adds shows most. Target: at most 3 ms at p50. {os.cpu_count()} cores, load average "
                f"{load[0]:.2f} at the start, {time.strftime('%Y-%m-%d')}. `bench/run.py` does not run this; "
                "rerun it after `bench/run.py`.")
        write(markdown(result, note))
    return 0 if result["/v1/chat/completions"]["p50_added"] <= 3 else 1


if __name__ == "__main__":
    sys.exit(main())
