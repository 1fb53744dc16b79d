# The front door: `make demo` and `make test`. Each creates .venv when missing.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_DIR ?= demo-workspace

.PHONY: demo test lint unit venv schemas templates clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

demo: venv
	$(BIN)/psos demo $(DEMO_DIR) --force
	$(BIN)/psos report $(DEMO_DIR)

test: lint unit

lint: venv
	$(BIN)/ruff check psos_xl tests bench
	$(BIN)/ruff format --check psos_xl tests bench
	$(BIN)/mypy

unit: venv
	$(BIN)/python -m pytest -q

# Regenerate the checked-in artefacts after changing models or templates.
schemas: venv
	$(BIN)/python -m psos_xl.schemas schemas

templates: venv
	$(BIN)/python -m psos_xl.workbook.templates workbooks

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache
