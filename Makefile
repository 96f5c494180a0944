# Two entry points, both idempotent: `make demo` (default experiment) and `make test`.
# python3.11 when present, else python3 (must be >= 3.11)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup demo test parity bench clean

setup: $(STAMP)

# setup.py and the C++ sources: a change rebuilds the optional C++ implementation (fcann2/cpp)
$(STAMP): pyproject.toml constraints.txt setup.py $(wildcard fcann2/cpp/src/*)
	@test -n "$(PYTHON)" || { echo "need python3.11 (or python3 >= 3.11) on PATH, or set PYTHON=..."; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m experiments run

test: $(STAMP)
	$(PY) -m pytest -n 2 --cov --cov-report=term

parity: $(STAMP)
	$(PY) -m experiments parity

bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache .coverage
