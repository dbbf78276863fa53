.PHONY: run test test-fast lint bench eval eval-all

# Set everything up, then serve the UI, the JSON API and the widget on http://127.0.0.1:7860
run:
	@scripts/setup.sh run
	.venv/bin/python app.py

# Set up the test tools and browser, then run every test
test:
	@scripts/setup.sh test
	.venv/bin/ruff check kbqa tests bench app.py
	.venv/bin/python -m pytest -q

# The fast unit tests alone (no model, index build, server, PostgreSQL, browser or real PDF): about 20 s
test-fast:
	@scripts/setup.sh test
	.venv/bin/python -m pytest -q -m fast

lint:
	.venv/bin/ruff check kbqa tests bench app.py

eval:
	.venv/bin/kbqa eval tests/data/dev.jsonl

# Every question file on the knowledge base of three documents (the report and the two corpora
# documents), built in .cache/eval-kb3/ (only new passages are embedded)
KB3 = .cache/eval-kb3
eval-all:
	@scripts/setup.sh run
	mkdir -p $(KB3)/kb
	cp kb/smart-city-report-2025.txt tests/data/corpora/gov_report_2024.txt tests/data/corpora/changning_15th_fyp.txt $(KB3)/kb/
	for f in corpora_questions dev heldout answerability; do \
	  KBQA_KB_DIR=$(KB3)/kb KBQA_INDEX_DIR=$(KB3)/index .venv/bin/kbqa eval tests/data/$$f.jsonl || exit 1; done

bench:
	.venv/bin/python bench/run.py
