"""The rate limiter alone, on a clock the test moves: exact sliding windows, and a table that stays bounded."""

from __future__ import annotations

import pytest

from kbqa.api.ratelimit import RateLimited, RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def clock() -> Clock:
    return Clock()


def test_a_sliding_window_of_exact_length(clock):
    limiter = RateLimiter(limit=2, window=10, clock=clock)
    waits = []
    for t in (0, 3, 4, 9.5, 10, 12.5, 13):
        clock.now = 1000 + t
        waits.append(limiter.retry_after("a"))
    # t=0 and t=3 count; t=4 and t=9.5 wait for t=10, when the t=0 request leaves the window;
    # t=10 counts, so t=12.5 waits for t=13, when the t=3 one leaves.
    assert waits == [0, 0, 6, 0.5, 0, 0.5, 0]
    assert limiter.retry_after("b") == 0  # another client has its own budget


def test_refused_requests_do_not_count(clock):
    limiter = RateLimiter(limit=1, window=60, clock=clock)
    assert limiter.retry_after("a") == 0
    for _ in range(100):
        clock.now += 0.5
        assert limiter.retry_after("a") > 0
    clock.now = 1060
    assert limiter.retry_after("a") == 0


def test_check_raises_rate_limited_with_whole_seconds(clock):
    limiter = RateLimiter(limit=1, window=60, clock=clock)
    limiter.check("a")
    clock.now += 0.2
    with pytest.raises(RateLimited) as refused:
        limiter.check("a")
    assert refused.value.code == "rate_limited" and refused.value.status == 429
    assert str(refused.value) == "too many questions; try again in 60 s"
    assert refused.value.headers == {"Retry-After": "60"}
    assert refused.value.display == "提问太频繁了,请 60 秒后再试。"


def test_clients_idle_for_a_whole_window_are_forgotten(clock):
    limiter = RateLimiter(limit=3, window=60, clock=clock)
    for n in range(5000):
        clock.now = 1000 + n / 1000
        limiter.retry_after(f"10.0.{n // 256}.{n % 256}")
    assert len(limiter) == 5000
    clock.now = 1060  # the first client's request is exactly one window old, the second's not quite
    limiter.retry_after("192.0.2.1")
    assert len(limiter) == 5000  # the first left, the newcomer came
    clock.now = 1060 + 60
    limiter.retry_after("192.0.2.2")
    assert len(limiter) == 1


def test_fifty_thousand_distinct_clients_keep_the_table_bounded(clock):
    """Every address counted once within one window: the table holds the most recent `clients` of them."""
    limiter = RateLimiter(limit=5, window=60, clients=1000, clock=clock)
    for n in range(50_000):
        assert limiter.retry_after(f"client-{n}") == 0
        clock.now += 0.0001
        assert len(limiter) <= 1000
    assert len(limiter) == 1000
    # The most recent client keeps its count; the oldest was forgotten and starts afresh.
    for _ in range(4):
        limiter.retry_after("client-49999")
    assert limiter.retry_after("client-49999") > 0
    assert limiter.retry_after("client-0") == 0
