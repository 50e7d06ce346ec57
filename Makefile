# The two commands of the README: `make report` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: report test lint bench clean system-deps

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

# pdftotext/pdffonts/pdftoppm check the PDF in the tests; Debian's poppler-utils is the only source.
system-deps:
	@command -v pdftotext >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1; then \
	    (apt-get install -y -q --no-install-recommends poppler-utils >/dev/null 2>&1 || \
	     (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q --no-install-recommends poppler-utils >/dev/null 2>&1)) \
	    || echo "note: could not install poppler-utils; PDF text checks will be skipped"; \
	  else echo "note: no apt-get; install poppler-utils for the PDF checks"; fi; }
	@# openssl makes the certificates of the tests' local HTTPS server (tests/wire_server.py)
	@command -v openssl >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1; then \
	    (apt-get install -y -q --no-install-recommends openssl >/dev/null 2>&1 || \
	     (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q --no-install-recommends openssl >/dev/null 2>&1)) \
	    || echo "note: could not install openssl; the transport tests need it"; \
	  else echo "note: no apt-get; install openssl for the transport tests"; fi; }
	@# headless Chromium screenshots the HTML report in the tests (skipped when absent)
	@test -x /usr/bin/chromium || { \
	  if command -v apt-get >/dev/null 2>&1; then \
	    (apt-get install -y -q --no-install-recommends chromium >/dev/null 2>&1 || \
	     (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q --no-install-recommends chromium >/dev/null 2>&1)) \
	    || echo "note: could not install chromium; the HTML screenshot test will be skipped"; \
	  else echo "note: no apt-get; install chromium for the HTML screenshot test"; fi; }

report: $(STAMP)
	$(BIN)/sectorweekly backfill --weeks 12 --before 2024-10-10 --reports reports
	$(BIN)/sectorweekly build --start 2024-10-07 --end 2024-10-09 --out reports/2024-10-10 --publish

test: $(STAMP) system-deps
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest -q -n auto

# every benchmark; pdf_engines.py times Typst too when the `typst` package is installed
bench: $(STAMP)
	$(BIN)/python benchmarks/build.py
	$(BIN)/python benchmarks/pdf_engines.py
	$(BIN)/python benchmarks/charts.py
	$(BIN)/python benchmarks/full_market.py
	$(BIN)/python benchmarks/scorecard.py
	$(BIN)/python benchmarks/import.py
	$(BIN)/python benchmarks/backfill.py
	$(BIN)/python benchmarks/sina_stress.py
	$(BIN)/python benchmarks/update.py

clean:
	rm -rf $(VENV) reports build *.egg-info
