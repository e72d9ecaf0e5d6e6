# The two entry points the README starts with. Both build their own virtualenv from PyPI.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint bench clean

$(BIN)/promote: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

## demo: seed a local MLflow store and a local GitOps repo, then walk a model dev -> staging -> prod
# Only the runtime and the `demo` extra (SQLAlchemy and Alembic for the sqlite store): about
# 230 MB and about 50 s of CPU to install, against 1.3 GB for the test extra. A venv made by
# `make test` has them already.
# The editable install writes $(BIN)/promote, the target `make test` installs the test extra for;
# dated back to 1970 when that extra is missing, so a later `make test` still installs it.
$(VENV)/.demo-installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[demo]'
	[ -x $(BIN)/pytest ] || touch -d @0 $(BIN)/promote
	touch $@

demo: $(VENV)/.demo-installed
	$(BIN)/python examples/demo.py

## test: lint, type-check and run the whole suite (services are started by the tests)
test: $(BIN)/promote
	$(BIN)/ruff check bot tests bench examples
	$(BIN)/ruff format --check bot tests bench examples
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

bench: $(BIN)/promote
	$(BIN)/python bench/run.py
	$(BIN)/python bench/relay.py
	$(BIN)/python -m bench.watch

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
