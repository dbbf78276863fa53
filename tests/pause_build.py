"""`python tests/pause_build.py <stage> [kbqa options]`: `kbqa build`, held at one stage so a test can kill it.

The stages are kbqa.build.STAGES: read, chunk, embed, index, write, swap, swapping, swapped.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's kbqa, wherever it runs from

from kbqa import build  # noqa: E402
from kbqa.cli import main  # noqa: E402


def hold(at: str):
    def observe(stage: str) -> None:
        if stage == at:
            print(f"kbqa: build paused at {stage}", file=sys.stderr, flush=True)
            time.sleep(60)

    return observe


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in build.STAGES:
        sys.exit(f"usage: pause_build.py <stage> [kbqa options]; stages: {', '.join(build.STAGES)}")
    build.STAGE_OBSERVERS.append(hold(sys.argv[1]))
    sys.exit(main([*sys.argv[2:], "build"]))
