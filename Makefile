# Awesome Machine Learning Reliability: the list and the pipeline that keeps it.
# `make help` lists the targets. Each stage reads the files the one before it wrote:
#   pull: Zotero -> data/raw/zotero      enrich: Crossref -> data/raw/crossref
#   merge: data/raw + reviews/ + pipeline.toml -> build/records.json
#   emit: build/records.json -> README.md, data/curated/papers.{bib,csv,json}
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
ARGS   ?=
# Three stamps: which Python made .venv, the runtime packages (`make sync`), the test tools (`make test`).
PYSTAMP := $(VENV)/.python
RUNTIME := $(VENV)/.runtime
TESTING := $(VENV)/.testing
LINT    := tools/lint/node_modules/.package-lock.json

.DEFAULT_GOAL := build
.PHONY: help install lint-tools sync build pull enrich merge emit push test check links bench clean FORCE

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# Remade on every run, rewritten only when the interpreter changed: then .venv is built again from
# scratch (a .venv left by another Python stays broken otherwise), and the package stamps follow.
$(PYSTAMP): FORCE
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "error: the pipeline needs Python 3.11 or newer; $(PYTHON) is $$($(PYTHON) --version 2>&1 | head -1) (try: make PYTHON=python3.11 $(MAKECMDGOALS))"; exit 2; }
	@ver="$$($(PYTHON) -c 'import sys; print(sys.version.split()[0])')"; id="$$ver $$($(PYTHON) -c 'import sys; print(sys.executable)')"; \
	if [ "$$(cat $@ 2>/dev/null)" = "$$id" ] && $(PY) -c '' 2>/dev/null; then :; \
	elif [ ! -f $@ ] && [ "$$($(PY) -c 'import sys; print(sys.version.split()[0])' 2>/dev/null)" = "$$ver" ]; then \
	  echo "$$id" > $@; \
	else \
	  echo "making $(VENV) with Python $$id"; rm -rf $(VENV) && $(PYTHON) -m venv $(VENV) && \
	  $(PY) -m pip install --quiet --upgrade pip && echo "$$id" > $@; fi

$(RUNTIME): $(PYSTAMP) pyproject.toml
	$(PY) -m pip install --quiet -e .
	@touch $@

$(TESTING): $(RUNTIME)
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

$(LINT): tools/lint/package-lock.json
	cd tools/lint && npm ci --no-audit --no-fund --silent

lint-tools: $(LINT) ## install the README linters (Node 20+) that `make check` runs

install: $(TESTING) ## create .venv with the pipeline and its test tools, and the linters if npm exists
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory lint-tools || \
	  echo "warning: npm ci in tools/lint failed: make check skips the README linters until make lint-tools works"; \
	else echo "npm not found: the README linters are skipped by make check (install Node 20+, then make lint-tools)"; fi

sync: $(RUNTIME) ## pull -> enrich -> merge -> emit (the committed snapshot when no Zotero credentials)
	$(PY) -m pipeline sync $(ARGS)

build: $(RUNTIME) ## merge -> emit from data/raw in one process, no network (the default)
	$(PY) -m pipeline build $(ARGS)

pull: $(RUNTIME) ## fetch the Zotero collection into data/raw/zotero
	$(PY) -m pipeline pull $(ARGS)

enrich: $(RUNTIME) ## look items up on Crossref, cached in data/raw/crossref
	$(PY) -m pipeline enrich $(ARGS)

merge: $(RUNTIME) ## join snapshot, Crossref cache and reviews into build/records.json
	$(PY) -m pipeline merge $(ARGS)

emit: $(RUNTIME) ## write README.md, papers.bib, papers.csv, papers.json
	$(PY) -m pipeline emit $(ARGS)

push: $(RUNTIME) ## write the local (imported) list into the Zotero collection; `make push ARGS=--dry-run` first
	$(PY) -m pipeline push $(ARGS)

test: $(TESTING) ## run the whole test suite
	$(PY) -m pytest $(ARGS)

check: $(TESTING) ## data-quality report and output validators; non-zero on errors
	$(PY) -m pipeline check $(ARGS)

links: $(RUNTIME) ## check every published link; verdicts cached in data/raw/links for [links] max_age_days
	$(PY) -m pipeline links $(ARGS)

bench: $(TESTING) ## measure speed against the naive baselines; writes BENCHMARKS.md
	$(PY) -m benchmarks $(ARGS)

clean: ## remove build/ and the virtual environment
	rm -rf build $(VENV)
