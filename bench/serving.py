"""The real server: `python app.py` until its first answer, then load from 1, 4 and 16 clients.

Every request asks a different wording of a dev question (a polite prefix, a closing
particle), so the server's cache of query vectors never answers one: each request embeds.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from bench.load import run_load
from kbqa.settings import ROOT

PREFIXES = ("", "请问", "我想知道", "麻烦问一下", "想了解")
SUFFIXES = ("", "?", "呢", "。", "!")
FIRST_QUESTION = "智慧城市建设的总体目标是什么?"


def wordings(questions: list[str]) -> list[str]:
    """Each question in 25 wordings that retrieve alike but differ as text."""
    return [f"{p}{q}{s}" for p in PREFIXES for s in SUFFIXES for q in questions]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure_server(
    kb_dir: Path,
    index_dir: Path,
    cache_dir: Path,
    questions: list[str],
    levels: list[tuple[int, int]],
    log: Path,
    extra_env: dict[str, str] | None = None,
) -> dict:
    """Start-up seconds, load figures per (clients, requests) level, and the server's memory."""
    import psutil

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KBQA_")}
    env.update(KBQA_KB_DIR=str(kb_dir), KBQA_INDEX_DIR=str(index_dir), KBQA_CACHE_DIR=str(cache_dir),
               KBQA_RATE_LIMIT="1000000000", GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1")
    env.update(extra_env or {})
    with open(log, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
        try:
            startup_s = _first_answer(port, proc, start, log)
            server = psutil.Process(proc.pid)
            rss_started = server.memory_info().rss / 2**20
            variants = wordings(questions)
            loads, used = [], 0
            for clients, requests in levels:
                loads.append(run_load(url, clients, requests, workload=_asking(variants, used)))
                used += requests
            return {
                "startup_s": startup_s,
                "rss_started_mb": rss_started,
                "rss_after_load_mb": server.memory_info().rss / 2**20,
                "peak_rss_mb": _peak_rss_mb(proc.pid),
                "loads": loads,
                "all_distinct": used <= len(variants),
                "env": extra_env or {},
            }
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _asking(variants: list[str], offset: int):
    def workload(i: int) -> tuple[str, bytes]:
        question = variants[(offset + i) % len(variants)]
        return "dev", json.dumps({"question": question}, ensure_ascii=False).encode()

    return workload


def _first_answer(port: int, proc: subprocess.Popen, start: float, log: Path, timeout: float = 180.0) -> float:
    """Seconds from `start` until POST /api/ask first answers 200."""
    body = json.dumps({"question": FIRST_QUESTION}, ensure_ascii=False).encode()
    while time.perf_counter() - start < timeout:
        if proc.poll() is not None:
            tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise RuntimeError(f"app.py exited with status {proc.returncode} before answering:\n{tail}")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request("POST", "/api/ask", body, {"Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                return time.perf_counter() - start
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.05)
    raise RuntimeError(f"app.py did not answer within {timeout:.0f} s; its log is {log}")


def _peak_rss_mb(pid: int) -> float | None:
    """The process's high-water resident set (VmHWM), where /proc has it."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None
