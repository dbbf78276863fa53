#!/usr/bin/env bash
# Set up kbqa in .venv: `scripts/setup.sh` for running, `scripts/setup.sh test` adds the
# test tools and the browser (Debian chromium + CJK fonts) the browser tests drive, and
# `scripts/setup.sh llm` adds llama.cpp's server and a small model for bench/generate.py
# (llama-cpp-python builds from source: 10-15 minutes on 2 cores, so the tests do without).
set -euo pipefail
cd "$(dirname "$0")/.."
want=${1:-run}
stamp=.venv/.kbqa-setup-$want
if [ -f "$stamp" ] && [ "$stamp" -nt pyproject.toml ]; then
  exit 0
fi
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
pip=(.venv/bin/python -m pip install --quiet --disable-pip-version-check)
# CPU build of torch first, or sentence-transformers pulls a multi-GB CUDA build.
.venv/bin/python -c "import torch" 2>/dev/null || "${pip[@]}" "torch==2.13.0"
if [ "$want" = test ]; then
  "${pip[@]}" -e ".[test,bench]"
  if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "noto.*cjk"; then
    sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
  fi
  # A real PostgreSQL for the question-log tests (tests/pg.py starts a throwaway cluster per run).
  if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
    sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
  fi
elif [ "$want" = llm ]; then
  "${pip[@]}" -e ".[llm]"
else
  "${pip[@]}" -e .
fi
touch "$stamp"
