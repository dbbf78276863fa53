"""Rebuilding the index in the background while the old one keeps answering.

One worker thread runs `kbqa.build.build` (under the build lock, so it takes turns with
`kbqa build` and with servers starting) and hands the new index to `on_built` (the engine's
swap). Changes asked for while a build runs wait as one queued job: one follow-up build
covers them all. A failed build is reported on its job, and the last good index stays.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace

from kbqa.build import build
from kbqa.embed import Embedder
from kbqa.progress import Progress
from kbqa.settings import Settings
from kbqa.store import Index
from kbqa.swap import build_lock

log = logging.getLogger("kbqa.build")
KEEP = 20  # finished jobs remembered for the status
# Where a build is, as a share of the whole: embedding new passages is nearly all of the time.
STEPS = {"queued": 0, "waiting": 0, "reading": 2, "chunking": 5, "embedding": 8, "indexing": 92, "writing": 95,
         "loading": 97, "done": 100, "failed": 100}  # fmt: skip


@dataclass
class Job:
    """One rebuild of the index and the changes to kb/ it takes in."""

    id: str
    changes: list[str] = field(default_factory=list)
    state: str = "queued"  # queued | running | done | failed
    step: str = "queued"  # a key of STEPS
    stage: str = ""  # the build's own line: "embedding 40 new passages (900 from cache)"
    done: int = 0  # passages with their vectors, of `total`
    total: int = 0
    error: str = ""
    queued_at: float = field(default_factory=time.time)
    started_at: float | None = None
    finished_at: float | None = None
    documents: int = 0
    chunks: int = 0
    embedded: int = 0
    reused: int = 0
    skipped: list[str] = field(default_factory=list)

    @property
    def percent(self) -> int:
        base = STEPS.get(self.step, 0)
        if self.step == "embedding" and self.total:
            return base + (STEPS["indexing"] - base) * self.done // self.total
        return base

    def to_json(self) -> dict:
        return asdict(self) | {"percent": self.percent}


class JobProgress(Progress):
    """The build's progress, written onto its job."""

    def __init__(self, jobs: Rebuilder, job: Job) -> None:
        self.jobs, self.job = jobs, job

    def stage(self, line: str) -> None:
        step = line.split()[0] if line else "running"
        self.jobs.update(self.job, step=step if step in STEPS else self.job.step, stage=line)

    def count(self, done: int, total: int) -> None:
        self.jobs.update(self.job, done=done, total=total)


class Rebuilder:
    """The one background builder of a server; `request` queues a rebuild and returns its job at once."""

    def __init__(self, settings: Settings, embedder: Embedder, on_built: Callable[[Index], None],
                 say: Callable[[str], None] = log.warning) -> None:
        self.settings, self.embedder, self.on_built, self.say = settings, embedder, on_built, say
        self._lock = threading.Condition()
        self._jobs: deque[Job] = deque(maxlen=KEEP)  # newest first
        self._queued: Job | None = None
        self._running: Job | None = None
        self._closed = False
        self._thread: threading.Thread | None = None

    def request(self, change: str) -> Job:
        """Queue a rebuild for `change` (joins the queued one, if any); a copy of its job."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the builder is closed")
            if self._queued is None:
                self._queued = Job(secrets.token_hex(6))
                self._jobs.appendleft(self._queued)
            self._queued.changes.append(change)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="kbqa-rebuild", daemon=True)
                self._thread.start()
            self._lock.notify_all()
            return replace(self._queued, changes=list(self._queued.changes))

    def update(self, job: Job, **fields: object) -> None:
        with self._lock:
            for name, value in fields.items():
                setattr(job, name, value)
            self._lock.notify_all()

    def jobs(self) -> list[Job]:
        """Copies of the jobs remembered, newest first."""
        with self._lock:
            return [replace(j, changes=list(j.changes), skipped=list(j.skipped)) for j in self._jobs]

    def job(self, job_id: str) -> Job | None:
        return next((j for j in self.jobs() if j.id == job_id), None)

    def state(self) -> str:
        """`building` while a build runs, `queued` while one waits to start, else `idle`."""
        with self._lock:
            return "building" if self._running else "queued" if self._queued else "idle"

    def wait(self, job_id: str, timeout: float | None = None) -> Job | None:
        """Wait until the job `job_id` is done or failed (None: unknown, or `timeout` passed)."""
        def finished() -> bool:
            return any(j.id == job_id and j.state in ("done", "failed") for j in self._jobs)

        with self._lock:
            if not self._lock.wait_for(finished, timeout):
                return None
        return self.job(job_id)

    def close(self, timeout: float | None = None) -> None:
        """Stop after the build that runs (a queued one is dropped: kb/ keeps its change for the next start)."""
        with self._lock:
            self._closed = True
            self._lock.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._lock:
                self._lock.wait_for(lambda: self._queued is not None or self._closed)
                if self._closed:
                    return
                job, self._queued, self._running = self._queued, None, self._queued
                job.state, job.step, job.started_at = "running", "waiting", time.time()
            try:
                self._build(job)
            except Exception as exc:  # the old index keeps answering; the job says why
                log.exception("rebuilding the index failed")
                self._finish(job, "failed", error=_one_line(exc))
            else:
                self._finish(job, "done")

    def _build(self, job: Job) -> None:
        def say(message: str) -> None:  # "waiting for another process to finish building …" shows on the job
            self.say(message)
            self.update(job, stage=message)

        report = build(self.settings, self.embedder, JobProgress(self, job), say=say)
        self.update(job, step="loading", stage="loading the new index", documents=report.documents,
                    chunks=report.chunks, embedded=report.embedded, reused=report.reused, skipped=report.skipped)
        with build_lock(self.settings.index_dir, say):  # not while another process swaps its build in
            index = Index.load(self.settings.index_dir)
        self.on_built(index)

    def _finish(self, job: Job, state: str, error: str = "") -> None:
        with self._lock:
            job.state, job.step, job.error, job.finished_at = state, state, error, time.time()
            job.stage = (f"the last good index keeps answering: {error}" if error else
                         f"answering from {job.documents} documents, {job.chunks} passages "
                         f"({job.embedded} newly embedded)")
            self._running = None
            self._lock.notify_all()


def _one_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]
