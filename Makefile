# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# A second environment: the newest pandas (3.x), without Modin (which pins pandas < 2.4).
VENV3 := .venv-pandas3
PY3 := $(VENV3)/bin/python
STAMP3 := $(VENV3)/.installed

.PHONY: demo test test-main test-pandas3 lint bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

$(STAMP3): pyproject.toml
	test -x $(PY3) || $(PYTHON) -m venv $(VENV3)
	$(PY3) -m pip install --quiet --upgrade pip
	$(PY3) -m pip install --quiet -e ".[test]" "pandas>=3"
	touch $(STAMP3)

demo: $(STAMP)
	$(PY) examples/demo.py

# The whole suite, in both environments.
test: test-main test-pandas3

test-main: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m pytest -q tests

test-pandas3: $(STAMP3)
	$(PY3) -c "import pandas; assert pandas.__version__ >= '3', pandas.__version__; print('pandas', pandas.__version__)"
	$(PY3) -m pytest -q tests

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

bench: $(STAMP)
	$(PY) benchmarks/bench_fit.py

clean:
	rm -rf $(VENV) $(VENV3) .pytest_cache .ruff_cache
