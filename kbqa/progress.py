"""What a build shows while it runs: a line per stage, and how many passages are embedded.

A first start embeds for about a minute; without this it would say one line and go quiet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO


class Progress:
    """Reports nothing: what a build tells when no one watches, and the base of the others."""

    def stage(self, line: str) -> None:
        """A stage begins (`reading 3 documents`, `embedding 40 new passages (900 from cache)`)."""

    def count(self, done: int, total: int) -> None:
        """`done` of `total` passages have their vectors (cached ones count at once)."""


class LineProgress(Progress):
    """A line per stage and per tenth of the passages: for a log, where a bar would be noise."""

    def __init__(self, say: Callable[[str], None]) -> None:
        self.say = say
        self._tenth = -1

    def stage(self, line: str) -> None:
        self.say(line)
        self._tenth = -1

    def count(self, done: int, total: int) -> None:
        tenth = 10 * done // max(total, 1)
        if tenth > self._tenth:
            self._tenth = tenth
            self.say(f"embedding passages {done}/{total} ({round(100 * done / max(total, 1))} %)")


class BarProgress(Progress):
    """A line per stage and a tqdm bar of the passages: for a person at a terminal."""

    def __init__(self, say: Callable[[str], None], stream: TextIO) -> None:
        self.say, self.stream = say, stream
        self._bar = None

    def stage(self, line: str) -> None:
        self._close()
        self.say(line)

    def count(self, done: int, total: int) -> None:
        from tqdm import tqdm  # only a build needs it

        if self._bar is None:
            self._bar = tqdm(total=total, desc="embedding passages", unit="passage", file=self.stream)
        self._bar.update(done - self._bar.n)
        if done >= total:
            self._close()

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def progress_for(stream: TextIO, say: Callable[[str], None]) -> Progress:
    """A bar when `stream` is a terminal, else log lines through `say`."""
    isatty = getattr(stream, "isatty", None)
    return BarProgress(say, stream) if isatty and isatty() else LineProgress(say)
