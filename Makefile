# The two commands of the README. Each sets itself up on a fresh machine (python3 >= 3.10 + pip).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test bench clean

demo: $(VENV)/.runtime
	$(BIN)/hushboard demo --out out/demo

test: $(VENV)/.dev
	$(BIN)/python -m pytest -q
	bash .ci/wheel_smoke.sh

bench: $(VENV)/.dev
	$(BIN)/python benchmarks/overhead.py

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.runtime: $(VENV)/bin/python pyproject.toml
	$(BIN)/pip install -q -e .
	touch $@

# torch is pinned and installed first: an unpinned torch would pull a multi-GB CUDA build.
$(VENV)/.dev: $(VENV)/bin/python pyproject.toml
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[test,train,batch,ray]'
	touch $@ $(VENV)/.runtime

clean:
	rm -rf $(VENV) build dist out *.egg-info
