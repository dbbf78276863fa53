.PHONY: run test test-fast lint bench eval

# Set everything up, then serve the UI, the JSON API and the widget on http://127.0.0.1:7860
run:
	@scripts/setup.sh run
	.venv/bin/python app.py

# Set up the test tools and browser, then run every test
test:
	@scripts/setup.sh test
	.venv/bin/ruff check kbqa tests bench app.py
	.venv/bin/python -m pytest -q

# The fast unit tests alone (no model, no index build, no server, no browser): about half a minute
test-fast:
	@scripts/setup.sh test
	.venv/bin/python -m pytest -q -m fast

lint:
	.venv/bin/ruff check kbqa tests bench app.py

eval:
	.venv/bin/kbqa eval tests/data/dev.jsonl

bench:
	.venv/bin/python bench/run.py
