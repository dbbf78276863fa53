"""Benchmarks: `python bench/run.py` measures kbqa and writes docs/benchmarks.md."""
