"""Load a running kbqa server: N concurrent clients, a mix of normal, refused and invalid questions.

    python bench/load.py --url http://127.0.0.1:7860 --clients 16 --requests 2000

Prints errors, latency percentiles and requests per second (JSON with --json); --unique makes
every question distinct, so none is helped by the server's query-vector cache. Only
loopback URLs are accepted. The server's rate limit must allow the load
(start it with KBQA_RATE_LIMIT=1000000).
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import threading
import time
from collections.abc import Callable
from urllib.parse import urlparse

NORMAL = [
    "杭州城市大脑整合了多少个部门的数据?",
    "上海“一网统管”平台缩短了多少应急处置时间?",
    "深圳智慧停车平台让寻位时间缩短了多少?",
    "数字孪生技术在城市治理中有什么用?",
    "智慧城市建设面临哪些数据安全挑战?",
    "巴塞罗那如何让市民参与智慧城市建设?",
    "What did Singapore's digital twin platform do during the pandemic?",
]
REFUSED = ["报告对食品安全监管有什么建议?", "报告建议地铁票价怎么调整?", "13.2节讲了什么?"]
INVALID = [{"question": ""}, {"question": "问" * 600}, {"question": "智慧城市", "top_k": 99}, {"top_k": 3}]


def workload(i: int) -> tuple[str, bytes]:
    """Request i of the mix: 7 normal, 2 refused, 1 invalid in every 10."""
    slot = i % 10
    if slot < 7:
        body = {"question": NORMAL[i % len(NORMAL)]}
        kind = "normal"
    elif slot < 9:
        body = {"question": REFUSED[i % len(REFUSED)]}
        kind = "refused"
    else:
        body = INVALID[(i // 10) % len(INVALID)]  # i % 4 would only ever pick two of the four
        kind = "invalid"
    return kind, json.dumps(body, ensure_ascii=False).encode()


def unique_workload(i: int) -> tuple[str, bytes]:
    """The same mix, each question made unique, so the server's query-vector cache never helps."""
    kind, body = workload(i)
    data = json.loads(body)
    if kind != "invalid":
        data["question"] += f"(第{i}问)"
    return kind, json.dumps(data, ensure_ascii=False).encode()


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def run_load(
    url: str,
    clients: int,
    requests: int,
    timeout: float = 60.0,
    workload: Callable[[int], tuple[str, bytes]] = workload,
) -> dict:
    """Send `requests` POST /api/ask from `clients` threads with keep-alive; return the figures.

    `workload(i)` gives request i as (kind, JSON body); the default is the mix above.
    """
    parsed = urlparse(url)
    if parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"load tests only target loopback, got {parsed.hostname}")
    counter = iter(range(requests))
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    failures: list[str] = []

    def client() -> None:
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port or 80, timeout=timeout)
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            kind, body = workload(i)
            start = time.perf_counter()
            try:
                conn.request("POST", "/api/ask", body, {"Content-Type": "application/json"})
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection(parsed.hostname, parsed.port or 80, timeout=timeout)
                with lock:
                    failures.append(f"{kind}: {type(exc).__name__}: {exc}")
                continue
            took = (time.perf_counter() - start) * 1000
            with lock:
                latencies.append(took)
                key = f"{kind}:{status}"
                statuses[key] = statuses.get(key, 0) + 1
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    server_errors = sum(n for k, n in statuses.items() if k.split(":")[1].startswith("5"))
    return {
        "clients": clients,
        "requests": requests,
        "completed": len(latencies),
        "dropped": len(failures),
        "server_errors": server_errors,
        "statuses": dict(sorted(statuses.items())),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "mean_ms": round(statistics.fmean(latencies), 1) if latencies else float("nan"),
        "rps": round(len(latencies) / elapsed, 1) if elapsed else 0.0,
        "seconds": round(elapsed, 2),
        "failures": failures[:10],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:7860")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--unique", action="store_true", help="make every question unique (no query-cache hits)")
    args = parser.parse_args(argv)
    result = run_load(args.url, args.clients, args.requests, workload=unique_workload if args.unique else workload)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        print(f"{result['completed']}/{result['requests']} answered by {result['clients']} clients "
              f"in {result['seconds']} s: {result['rps']} req/s")
        print(f"latency ms: p50 {result['p50_ms']}  p95 {result['p95_ms']}  p99 {result['p99_ms']}")
        print(f"5xx: {result['server_errors']}  dropped connections: {result['dropped']}")
        print("statuses: " + ", ".join(f"{k}={v}" for k, v in result["statuses"].items()))
    return 0 if result["server_errors"] == 0 and result["dropped"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
