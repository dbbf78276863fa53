"""A sliding-window rate limit per client that remembers a bounded number of clients.

Clients are kept in the order of their last counted request, so those idle for a whole
window (whose count is zero) are at the front and leave in O(1) each; past `clients`
entries the least recently counted goes too. Memory is at most `clients` x `limit` times.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from fastapi import Request

from kbqa.errors import KbqaError

CLIENTS = 10_000  # clients remembered at once; beyond them the least recent is forgotten


class RateLimited(KbqaError):
    """Too many requests from one client; `headers` carry Retry-After in whole seconds."""

    def __init__(self, wait: float) -> None:
        seconds = math.ceil(wait)
        super().__init__("rate_limited", f"too many questions; try again in {seconds} s", seconds=seconds)
        self.headers = {"Retry-After": str(seconds)}


class RateLimiter:
    """At most `limit` requests per client in any `window` seconds."""

    def __init__(self, limit: int, window: float, clients: int = CLIENTS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clients, self.clock = limit, window, clients, clock
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()  # least recently counted first
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._seen)

    def retry_after(self, client: str) -> float:
        """0 if the request may go ahead (and count it), else seconds to wait."""
        now = self.clock()
        with self._lock:
            self._forget_idle(now)
            times = self._seen.get(client) or deque()
            while times and now - times[0] >= self.window:
                times.popleft()
            if len(times) >= self.limit:
                return self.window - (now - times[0])
            times.append(now)
            self._seen[client] = times
            self._seen.move_to_end(client)
            while len(self._seen) > self.clients:
                self._seen.popitem(last=False)
            return 0.0

    def check(self, client: str) -> None:
        """Count a request from `client`; RateLimited if it is over the limit."""
        wait = self.retry_after(client)
        if wait:
            raise RateLimited(wait)

    def _forget_idle(self, now: float) -> None:
        while self._seen:
            newest = self._seen[next(iter(self._seen))][-1]
            if now - newest < self.window:
                return
            self._seen.popitem(last=False)


def client_of(request: Request) -> str:
    """Who is counted: the API key (kbqa.api.keys), else the address, X-Forwarded-For's when the proxy is trusted."""
    key = getattr(request.state, "client", None)
    if key:
        return key
    return request.client.host if request.client else "unknown"
