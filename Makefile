# Backend Architect: `make demo` runs it on the example project, `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench fuzz compile lint rules-table vsix clean sarif-schema editors

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,ai]'
	touch $(STAMP)

# Byte-compile the package: an editable install does not, and with PYTHONDONTWRITEBYTECODE
# set every start would compile the sources again (about 0.15 s).
compile: $(STAMP)
	@$(BIN)/python -m compileall -q -x 'frameworks/templates' server >/dev/null

demo: compile
	@echo "== backend-architect check examples/ (exit 1 means it found problems, as it should)"
	@echo "   (--include-history: the example's migrations are committed here, so they count as applied history)"
	-$(BIN)/backend-architect check --include-history examples/
	@echo
	@echo "== backend-architect rule MG001"
	@$(BIN)/backend-architect rule MG001

test: compile
	$(BIN)/python -m pytest -q

# ruff (lint and format) and mypy over the package
lint: $(STAMP)
	$(BIN)/ruff check server/
	$(BIN)/ruff format --check server/
	$(BIN)/mypy

# The SARIF 2.1.0 JSON schema for the SARIF output test, taken from an npm package.
sarif-schema:
	@mkdir -p .cache
	@if [ ! -f .cache/sarif-schema-2.1.0.json ] && command -v npm >/dev/null 2>&1; then \
	  tmp=$$(mktemp -d) && (cd $$tmp && npm pack --silent @microsoft/jest-sarif@1.0.0-beta.0 >/dev/null && tar xzf *.tgz) && \
	  cp $$tmp/package/lib/schemas/sarif-2.1.0-rtm.5.json .cache/sarif-schema-2.1.0.json && rm -rf $$tmp; \
	fi

# semgrep pins its own OpenTelemetry versions, which clash with the server's
# dependencies: it gets a virtual environment of its own, used only by the benchmark.
SEMGREP_VENV := .cache/semgrep-venv

bench: compile
	$(BIN)/python -m pip install --quiet squawk-cli sqlfluff
	@test -x $(SEMGREP_VENV)/bin/semgrep || \
	  ($(PYTHON) -m venv $(SEMGREP_VENV) && $(SEMGREP_VENV)/bin/python -m pip install --quiet semgrep)
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/app_code.py
	$(BIN)/python benchmarks/editor_latency.py --memory 10000
	$(BIN)/python benchmarks/memory.py

# Document sync and incremental == full, fuzzed against the real server (FUZZ_SECONDS=600 by default).
FUZZ_SECONDS ?= 600
fuzz: compile
	$(BIN)/python benchmarks/fuzz_sync.py --seconds $(FUZZ_SECONDS)

rules-table: $(STAMP)
	$(BIN)/python scripts/update_readme.py

vsix:
	bash vscode-client/scripts/build.sh

# The real editors that tests/e2e/editors drives (Neovim, Emacs + eglot, code-server).
editors: $(STAMP)
	VENV_PYTHON=$(BIN)/python bash scripts/install-editors.sh

clean:
	rm -rf $(VENV) build *.egg-info
