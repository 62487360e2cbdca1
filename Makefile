# Two commands set up everything on a fresh machine:
#   make run   - create .venv, install, build the demo project if missing, start the app
#   make test  - create .venv, install app + test requirements, run the whole suite
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
DEMO   ?= demo/demo.qualcode
PORT   ?= 8501
JOBS   ?= 2

.PHONY: run test demo bench e2e clean help

help:
	@echo "make run    start qualcode on http://127.0.0.1:$(PORT) with the demo study"
	@echo "make test   run the whole test suite"
	@echo "make bench  run the benchmarks (writes benchmarks/results.json, docs/performance.md)"

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Stamps make re-runs fast: pip runs again only when a requirements file changes.
$(VENV)/.app-installed: requirements.txt pyproject.toml | $(VENV)/bin/activate
	$(PIP) install -r requirements.txt
	$(PIP) install --no-deps -e .
	touch $@

$(VENV)/.test-installed: requirements-test.txt $(VENV)/.app-installed
	$(PIP) install -r requirements-test.txt
	touch $@

$(DEMO): | $(VENV)/.app-installed
	$(PY) -m qualcode demo $(DEMO)

demo: $(DEMO)

run: $(VENV)/.app-installed $(DEMO)
	QUALCODE_PROJECT=$(DEMO) $(VENV)/bin/streamlit run app.py \
		--server.address 127.0.0.1 --server.port $(PORT) --browser.gatherUsageStats false

# The library, app, security and hostile-input tests run on JOBS processes (one test
# file per process, so module fixtures are built once); the browser tests run after
# them, also on JOBS processes: each drives a Streamlit server and a Chromium that
# spend half their time waiting for each other, so two side by side fill the cores
# (measured: 5 min 54 s in one process, 4 min 44 s in two). They are not mixed with the
# library tests, which keep both cores busy on their own.
# Exit status 5 (no test selected, e.g. a PYTEST_ARGS naming one file) is not a failure.
test: $(VENV)/.test-installed
	@status=0; \
	$(PY) -m pytest -m "not e2e" -n $(JOBS) --dist loadfile $(PYTEST_ARGS) || [ $$? -eq 5 ] || status=1; \
	$(PY) -m pytest -m e2e -n $(JOBS) --dist loadfile $(PYTEST_ARGS) || [ $$? -eq 5 ] || status=1; \
	exit $$status

bench: $(VENV)/.test-installed
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache demo
