"""A background thread that writes queued rows in batches, so logging costs an answer only a list append.

Rows wait in memory until written; a failed write keeps them and is tried again, so a database
that is briefly away loses nothing. `flush` waits until everything queued so far is written.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("kbqa")

RETRY_S = 1.0
MAX_BATCH = 1000
MAX_WAITING = 100_000  # rows held while the database is away; past this, new ones are dropped (and counted)


class Writer:
    def __init__(self, write: Callable[[list[dict]], None], name: str = "kbqa-question-log") -> None:
        self._write = write
        self._rows: list[dict] = []
        self._writing = 0
        self._closed = False
        self._failing = False
        self.dropped = 0  # rows refused because too many were waiting
        self._dropping = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def put(self, row: dict) -> None:
        with self._changed:
            if self._closed:
                raise RuntimeError("the question log is closed")
            if len(self._rows) >= MAX_WAITING:
                self.dropped += 1
                if not self._dropping:
                    self._dropping = True
                    log.error("question log: %d entries wait for the database; dropping new ones", MAX_WAITING)
                return
            self._rows.append(row)
            self._changed.notify_all()

    def flush(self, timeout: float | None = 30.0) -> bool:
        """Wait until every row put so far is written; False if `timeout` passed first."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._rows and not self._writing, timeout)

    def close(self, timeout: float = 30.0) -> int:
        """Write what is queued and stop; the number of rows that could not be written."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        self._thread.join(timeout)
        with self._changed:
            lost = len(self._rows) + self._writing
        if lost:
            log.error("question log: %d entries could not be written and are lost", lost)
        return lost

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._rows or self._closed)
                if not self._rows:
                    return
                batch, self._rows = self._rows[:MAX_BATCH], self._rows[MAX_BATCH:]
                self._writing = len(batch)
            written = self._try(batch)
            with self._changed:
                self._writing = 0
                if not written:
                    self._rows[:0] = batch
                    if self._closed:
                        return
                    self._changed.wait(RETRY_S)
                self._changed.notify_all()

    def _try(self, batch: list[dict]) -> bool:
        try:
            self._write(batch)
        except Exception:  # the database is away or refused the batch: keep the rows, try again
            if not self._failing:
                log.exception("question log: writing %d entries failed; retrying every %.0f s", len(batch), RETRY_S)
            self._failing = True
            return False
        if self._failing:
            log.warning("question log: writing works again (%d entries dropped so far)", self.dropped)
        self._failing = self._dropping = False
        return True
