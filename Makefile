# The README's two commands: `make demo` and `make test`. Both set up .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

.PHONY: install demo test lint bench
install: $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/veilleur demo

test: $(VENV)/.installed lint
	scripts/system-deps
	scripts/services
	$(BIN)/python -m pytest -n 2 -q

# part of `make test`, so CI runs it
lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy vocabulary extract db letters crawler spiders review digest veilleur

bench: $(VENV)/.installed
	for script in bench/*.py; do $(BIN)/python $$script || exit 1; done
