# The verbs a newcomer needs. `make run` starts the system with demo data; `make test` runs
# every test. Both create .venv and install what they need on a fresh machine.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)

.PHONY: run test test-fast lint fmt check bench install clean-var chromium api-schema

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -c constraints.txt -e ".[test]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

## Start web server, Celery worker and beat with demo data (Ctrl-C stops all).
run: install
	$(PY) -m poverty.devstack

## Run the whole test suite (against DATABASE_URL/REDIS_URL when set, else embedded servers).
test: install chromium
	$(PY) -m poverty.preflight
	$(VENV)/bin/ruff check .
	$(MAKE) --no-print-directory api-schema
	$(PY) -m pytest -p no:cacheprovider --ignore=tests/api/test_schema.py $(PYTEST_ARGS); rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; exit $$rc

## The REST API against its OpenAPI schema (schemathesis, a bounded number of examples per
## operation, deterministic): no 5xx, every status, content type and body as documented.
api-schema: install
	$(PY) -m pytest -p no:cacheprovider tests/api/test_schema.py

## Debian's chromium (and a CJK font for readable screenshots) for the browser tests in
## tests/browser, installed with apt-get when missing. Playwright launches this executable;
## no browser is ever downloaded.
chromium:
	@if command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q .; then exit 0; fi; \
	  SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	  echo "Installing Debian's chromium for the browser tests (apt-get)"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $$SUDO apt-get install -y chromium fonts-wqy-microhei \
	    || { $$SUDO apt-get update && $$SUDO apt-get install -y chromium fonts-wqy-microhei; }

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check: install
	DEBUG=false SECRET_KEY=$$(openssl rand -hex 32 2>/dev/null || echo x-very-long-random-development-only-key-123456789) \
	  ALLOWED_HOSTS=example.org $(PY) manage.py check --deploy --fail-level WARNING

## Benchmarks named by the issues (see docs/PERFORMANCE.md).
bench: install
	$(PY) bench/seed.py

clean-var:
	rm -rf var
