"""bench/load.py at a small size against the real server: no 5xx, no dropped connection, the right status per kind.

Not timed: the figures depend on the machine. The full run (16 clients x 2000 requests) is
`python bench/load.py --url http://127.0.0.1:<port>` against `KBQA_RATE_LIMIT=1000000 python app.py`.
"""

from __future__ import annotations

import sys

from kbqa.settings import ROOT

sys.path.insert(0, str(ROOT))
from bench.load import run_load  # noqa: E402


def test_concurrent_mixed_load_gets_no_5xx_and_drops_no_connection(server):
    result = run_load(server.url, clients=4, requests=120)
    assert result["failures"] == [] and result["dropped"] == 0
    assert result["server_errors"] == 0
    assert result["completed"] == 120
    # Per 10 requests: 7 normal, 2 refused (both answered 200), 1 invalid; the invalid ones cycle through
    # an empty question (400), a 600-character one (413), top_k 99 (422) and no question at all (400).
    assert result["statuses"] == {
        "invalid:400": 6, "invalid:413": 3, "invalid:422": 3, "normal:200": 84, "refused:200": 24,
    }
    assert 0 < result["p50_ms"] <= result["p95_ms"] <= result["p99_ms"]
    assert result["rps"] > 0
