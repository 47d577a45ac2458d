# The book's two commands are `make book` and `make test`; see README.md.
# Every target first makes sure .venv exists and holds exactly requirements.txt.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST := $(BIN)/python -m pytest
NBVAL  := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
NOTEBOOKS := $(sort $(wildcard book/*.ipynb))

.DEFAULT_GOAL := help
.PHONY: help venv book test unit notebooks reproducibility book-check lab sync bench clean

help:
	@echo "make book   build the HTML book into _build/html (from the stored, tested outputs)"
	@echo "make test   every check: unit tests, notebooks (nbval), pairs, reproducibility, book build"
	@echo "make lab    open the chapters in JupyterLab (.py and .ipynb kept in sync)"
	@echo "make sync   re-sync every .ipynb from its .py and re-execute it in a fresh kernel"
	@echo "make bench  time the baseline's training against the original tutorials' idiom"
	@echo "make clean  remove _build (keeps .venv)"

venv: $(STAMP)

$(STAMP): requirements.txt
	@echo "==> Setting up $(VENV) from requirements.txt (first time: a few minutes)"
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python 3.10 or newer is needed, found " + sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=23"
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@# Make ensemble_lib importable from the chapters (and from JupyterLab) without installing a copy.
	@$(BIN)/python -c 'import os, sysconfig; open(os.path.join(sysconfig.get_paths()["purelib"], "ensemble_book.pth"), "w").write(os.getcwd() + "\n")'
	@touch $(STAMP)
	@echo "==> $(VENV) is ready"

book: $(STAMP)
	@echo "==> Building the book (warnings are errors) from the outputs stored in the notebooks"
	@rm -rf _build/html _build/.doctrees
	@$(BIN)/jupyter-book build . -n -W --keep-going
	@echo "==> Open $(CURDIR)/_build/html/index.html in a browser"

unit: $(STAMP)
	@echo "==> Unit tests of ensemble_lib, and the chapter pairs (.py and .ipynb in sync, executed in order)"
	@$(PYTEST) tests -m "not slow and not built_book"

notebooks: $(STAMP)
	@echo "==> Re-executing every chapter and comparing each output and figure with the published one (nbval)"
	@$(PYTEST) $(NBVAL) $(NOTEBOOKS)

reproducibility: $(STAMP)
	@echo "==> Re-executing the chapters on one core with oneDNN capped at SSE4.1: outputs must not change"
	@$(PYTEST) tests -m slow

book-check: $(STAMP)
	@echo "==> Checking the built pages: every chapter, figure and caption present"
	@$(PYTEST) tests -m built_book

test: unit notebooks reproducibility book book-check
	@echo "==> All checks passed"

lab: $(STAMP)
	@echo "==> Starting JupyterLab; jupytext keeps each chapter's .py and .ipynb in sync on save"
	@$(BIN)/jupyter lab book

sync: $(STAMP)
	@echo "==> Re-syncing and re-executing the chapters (each in a fresh kernel)"
	@$(BIN)/python tools/sync_notebooks.py $(CHAPTERS)

bench: $(STAMP)
	@echo "==> Benchmark: the baseline's 500 epochs, original idiom against the book's, and each chapter (about 4 minutes)"
	@$(BIN)/python benchmarks/bench_training.py

clean:
	rm -rf _build
