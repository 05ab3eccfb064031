# Awesome Machine Learning Reliability: the list and the pipeline that keeps it.
# `make help` lists the targets. Each stage reads the files the one before it wrote:
#   pull: Zotero -> data/raw/zotero      enrich: Crossref -> data/raw/crossref
#   merge: data/raw + reviews/ + pipeline.toml -> build/records.json
#   emit: build/records.json -> README.md, data/curated/papers.{bib,csv,json}
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
ARGS   ?=

.DEFAULT_GOAL := build
.PHONY: help install sync build pull enrich merge emit test check bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

install: $(STAMP) ## create .venv and install the pipeline with its test tools

sync: $(STAMP) ## pull -> enrich -> merge -> emit (the committed snapshot when no Zotero credentials)
	$(PY) -m pipeline sync $(ARGS)

build: $(STAMP) ## merge -> emit from data/raw, no network (the default)
	$(PY) -m pipeline merge $(ARGS)
	$(PY) -m pipeline emit $(ARGS)

pull: $(STAMP) ## fetch the Zotero collection into data/raw/zotero
	$(PY) -m pipeline pull $(ARGS)

enrich: $(STAMP) ## look items up on Crossref, cached in data/raw/crossref
	$(PY) -m pipeline enrich $(ARGS)

merge: $(STAMP) ## join snapshot, Crossref cache and reviews into build/records.json
	$(PY) -m pipeline merge $(ARGS)

emit: $(STAMP) ## write README.md, papers.bib, papers.csv, papers.json
	$(PY) -m pipeline emit $(ARGS)

test: $(STAMP) ## run the whole test suite
	$(PY) -m pytest $(ARGS)

check: $(STAMP) ## data-quality report and output validators; non-zero on errors
	$(PY) -m pipeline check $(ARGS)

bench: $(STAMP) ## measure speed against the naive baselines; writes BENCHMARKS.md
	$(PY) -m benchmarks $(ARGS)

clean: ## remove build/ and the virtual environment
	rm -rf build $(VENV)
