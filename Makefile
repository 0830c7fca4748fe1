# rolefit: the two quick-start commands are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
STAMP  := $(VENV)/.installed

# Links in invitations and the printed login URL follow HOST and PORT, unless BASE_URL is set
# in the environment or in .env.
ifeq ($(origin BASE_URL),undefined)
ifeq ($(shell grep -qs '^BASE_URL=' .env && echo yes),)
export BASE_URL := http://$(HOST):$(PORT)
endif
endif

.PHONY: install run test lint format bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# Same steps as the Dockerfile: install, migrate, serve (plus demo data, for development only).
run: install
	$(BIN)/rolefit migrate
	$(BIN)/rolefit demo
	$(BIN)/rolefit serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
