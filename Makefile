# Every target sets up .venv first (scripts/setup.sh is a no-op when nothing changed).
PY := .venv/bin/python
export HF_HUB_OFFLINE := 1

.PHONY: help setup bases demo test check lint format benchmark benchmark-training

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

setup:  ## create .venv with torch (CPU) and conflictnlp[dev]
	@bash scripts/setup.sh

demo: setup  ## classify the sample article with the shipped model
	@.venv/bin/conflictnlp classify --document --input examples/sample_article.txt

bases: setup  ## fetch the larger base encoder of the `accurate` model (once; verified by SHA-256)
	$(PY) -m conflictnlp.cli base fetch all-mpnet-base-v2

test: bases  ## run the test suite (includes the few slow tests with the real models)
	$(PY) -m pytest -q

lint: setup  ## ruff lint and format check, mypy
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

check: lint test  ## everything CI runs

format: setup  ## apply ruff fixes and formatting
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

benchmark: setup  ## inference speed, quantisation, cold start and memory (writes docs/results/)
	$(PY) benchmarks/inference_speed.py
	$(PY) benchmarks/quantization_study.py
	$(PY) benchmarks/cold_start.py

benchmark-training: setup  ## train every approach and the baselines (about 45 minutes on 2 cores)
	$(PY) benchmarks/training_benchmark.py --config configs/context.yaml
