# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# A second environment: the newest pandas (3.x), without Modin (which pins pandas < 2.4).
VENV3 := .venv-pandas3
PY3 := $(VENV3)/bin/python
STAMP3 := $(VENV3)/.installed

.PHONY: demo test test-main test-pandas3 lint bench clean figures

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

# The README's pictures (docs/images/*.png), drawn from the demo data with Agg.
figures: $(STAMP)
	MPLBACKEND=Agg $(PY) docs/make_figures.py

# The whole suite, in both environments.
test: test-main test-pandas3

test-main: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m pytest -q tests/unit
	$(PY) -m pytest -q tests/integration

test-pandas3: $(STAMP3)
	$(PY3) -c "import pandas; assert pandas.__version__ >= '3', pandas.__version__; print('pandas', pandas.__version__)"
	$(PY3) -m pytest -q tests/unit
	$(PY3) -m pytest -q tests/integration

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# The benchmark's own environment: the library plus spark-bestfit (the peer it is
# compared with; never a dependency of the library). `make bench BENCH_ARGS=--quick`
# is a smoke run.
BENCH_VENV := .bench-venv
BENCH_PY := $(BENCH_VENV)/bin/python
BENCH_STAMP := $(BENCH_VENV)/.installed

$(BENCH_STAMP): pyproject.toml
	test -x $(BENCH_PY) || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_PY) -m pip install --quiet --upgrade pip
	$(BENCH_PY) -m pip install --quiet -e ".[dev]" "spark-bestfit==3.0.3"
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BENCH_PY) benchmarks/bench_fit.py $(BENCH_ARGS)
	$(BENCH_PY) benchmarks/bench_censored.py --rows 2000000
	$(BENCH_PY) benchmarks/bench_truncated.py
	$(BENCH_PY) benchmarks/bench_censored_refs.py

clean:
	rm -rf $(VENV) $(VENV3) .pytest_cache .ruff_cache
