"""bench/upload.py runs end to end at a tiny size, so the script cannot rot. No timing is asserted."""

import json
import subprocess
import sys

from conftest import ROOT


def test_upload_benchmark_at_a_tiny_size():
    done = subprocess.run([sys.executable, "bench/upload.py", "--chars", "1500", "--questions", "5", "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    upload = result["upload"]
    assert upload["job"]["state"] == "done" and upload["job"]["documents"] == 2
    assert upload["job"]["embedded"] == result["document"]["passages_to_embed"] > 0  # all of it new, as promised
    assert upload["cites_upload"] is True
    assert 0 < upload["accepted_s"] <= upload["indexed_s"] <= upload["answerable_s"]
    assert set(result["logging"]) == {"logged", "off", "added_ms"}
