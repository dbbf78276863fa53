"""What logging a question adds to an answer: `QuestionLog.record` timed on SQLite and PostgreSQL.

    python bench/log.py                       # SQLite file + a throwaway PostgreSQL cluster (fsync on)
    python bench/log.py --postgres URL        # an existing PostgreSQL database instead
    python bench/log.py --n 500 --json

For each database: the queued writer (what kbqa uses) and direct inserts (for comparison),
from 1 thread and from 16 at once. Latency is the caller's time in `record` (what an answer
waits), p50/p95 in µs; `written/s` is entries per second until all are in the database.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` and `kbqa` importable from the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kbqa.data import Answer, Chunk, Citation, Hit  # noqa: E402
from kbqa.qlog import QuestionLog, new_answer_id  # noqa: E402
from kbqa.settings import ROOT, Settings  # noqa: E402

TEXT = "杭州城市大脑整合了48个部门的数据,日均处理1.5亿条数据,支撑交通、医疗、城管等领域的协同治理。[1]"


def sample_answer(i: int) -> Answer:
    """An answer the size of a real one: five cited passages, a two-sentence text."""
    path = ("二、大数据与云计算", "2.2 大数据与云计算平台的协同联动与价值释放")
    citations = tuple(Citation(n, Hit(Chunk(100 + n, "smart-city-report-2025", "2.2", path[-1], path, 0, 240,
                                            "正" * 240), 0.8)) for n in range(1, 6))
    return Answer(f"杭州城市大脑整合了多少个部门的数据?(第{i}次)", TEXT, False, 0.81, citations,
                  resolved_question=f"杭州城市大脑整合了多少个部门的数据?(第{i}次)", took_ms=35.0,
                  id=new_answer_id())


def measure(log_db: str, data_dir: Path, background: bool, threads: int, per_thread: int) -> dict:
    settings = Settings.from_env(env={}, log_db=log_db, data_dir=data_dir, log_salt="bench")
    log = QuestionLog.open(settings, background=background)
    answers = [[sample_answer(t * per_thread + i) for i in range(per_thread)] for t in range(threads)]
    for a in (sample_answer(-k) for k in range(1, 21)):  # warm: connections opened, code paths loaded
        log.record(a, "api", "192.0.2.1")
    log.flush()
    latencies: list[list[int]] = [[] for _ in range(threads)]
    start = threading.Barrier(threads + 1)

    def run(t: int) -> None:
        start.wait()
        for i, answer in enumerate(answers[t]):
            before = time.perf_counter_ns()
            log.record(answer, "api", f"10.{t}.{i // 256}.{i % 256}")
            latencies[t].append(time.perf_counter_ns() - before)

    workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    start.wait()
    began = time.perf_counter()
    for w in workers:
        w.join()
    log.flush(None)
    seconds = time.perf_counter() - began
    stored = len(log.entries())
    log.close()
    every = sorted(x for per in latencies for x in per)
    total = threads * per_thread
    if stored != total + 20:
        raise RuntimeError(f"{log_db}: {stored - 20} of {total} entries stored")
    return {"threads": threads, "entries": total, "p50_us": _pct(every, 50), "p95_us": _pct(every, 95),
            "mean_us": round(statistics.fmean(every) / 1000, 1), "written_per_s": round(total / seconds)}


def _pct(sorted_ns: list[int], p: int) -> float:
    return round(sorted_ns[min(len(sorted_ns) - 1, len(sorted_ns) * p // 100)] / 1000, 1)


def fresh_postgres_database(base: str, name: str) -> str:
    import psycopg

    with psycopg.connect(base, autocommit=True) as db:
        db.execute(f"DROP DATABASE IF EXISTS {name}")
        db.execute(f"CREATE DATABASE {name}")
    return base.rsplit("/", 1)[0] + "/" + name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="questions per run (16 threads: n/16 each)")
    parser.add_argument("--postgres", help="an existing PostgreSQL URL (default: a throwaway cluster)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rows = []
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kbqa-bench-log-")))
        postgres = args.postgres
        if postgres is None:
            sys.path.insert(0, str(ROOT / "tests"))
            from pg import TempPostgres

            postgres = stack.enter_context(TempPostgres(durable=True))
        for database in ("sqlite", "postgresql"):
            for background in (True, False):
                for threads in (1, 16):
                    run = f"{database}-{'queued' if background else 'direct'}-{threads}"
                    url = (f"sqlite:///{folder}/{run}.sqlite3" if database == "sqlite"
                           else fresh_postgres_database(postgres, run.replace("-", "_")))
                    figures = measure(url, folder / "data", background, threads, args.n // threads)
                    rows.append({"database": database, "writer": "queued" if background else "direct", **figures})
    print(json.dumps(rows, indent=1) if args.json else table(rows))
    return 0


def table(rows: list[dict]) -> str:
    lines = ["| database | writer | threads | p50 µs | p95 µs | mean µs | written/s |",
             "|---|---|---:|---:|---:|---:|---:|"]
    lines += [f"| {r['database']} | {r['writer']} | {r['threads']} | {r['p50_us']} | {r['p95_us']} | {r['mean_us']} "
              f"| {r['written_per_s']} |" for r in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
