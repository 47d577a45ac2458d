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
.PHONY: help venv book test lint unit notebooks anywhere reproducibility emulated portability qemu-setup book-check browser browser-setup lab sync bench clean

help:
	@echo "make book     build the HTML book into _build/html (from the stored, tested outputs)"
	@echo "make test     every check: unit tests, notebooks (nbval), pairs, reproducibility, the chapters on an"
	@echo "              emulated CPU, book build, built pages, every page in headless Chromium (about an hour on 2 cores)"
	@echo "make lint     ruff format --check and ruff check (also part of make test)"
	@echo "make anywhere chapters 01 and 02 in a fresh environment with ensemble_lib from pip install alone"
	@echo "make emulated a short training run natively and on an emulated CPU (qemu-x86_64 -cpu max): same bits"
	@echo "make portability  re-run every chapter on the emulated CPU (about 45 minutes)"
	@echo "make browser  open every page of the built book in headless Chromium (after make book)"
	@echo "make lab      open the chapters in JupyterLab (.py and .ipynb kept in sync)"
	@echo "make sync     re-sync every .ipynb from its .py and re-execute it in a fresh kernel"
	@echo "make bench    time training: original idiom vs the book's, each chapter, chapter 06's engine vs Keras,"
	@echo "              the replica models of chapters 08 and 09 vs one fit per seed"
	@echo "make clean    remove _build (keeps .venv)"

venv: $(STAMP)

$(STAMP): requirements.txt
	@echo "==> Setting up $(VENV) from requirements.txt (first time: a few minutes)"
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python 3.10 or newer is needed, found " + sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=23"
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@# Make ensemble_lib importable from the chapters (and from JupyterLab) without installing a copy.
	@$(BIN)/python tools/link_library.py
	@touch $(STAMP)
	@echo "==> $(VENV) is ready"

book: $(STAMP)
	@echo "==> Building the book (warnings are errors) from the outputs stored in the notebooks"
	@rm -rf _build/html _build/.doctrees
	@$(BIN)/jupyter-book build . -n -W --keep-going
	@echo "==> Open $(CURDIR)/_build/html/index.html in a browser"

lint: $(STAMP)
	@echo "==> ruff: the library, tests, benchmarks and tools formatted and linted (settings in ruff.toml)"
	@$(BIN)/ruff format --check --quiet .
	@$(BIN)/ruff check --quiet .

unit: $(STAMP)
	@echo "==> Unit tests of ensemble_lib, and the chapter pairs (.py and .ipynb in sync, executed in order)"
	@$(PYTEST) tests -m "not slow and not emulated and not portability and not built_book and not browser and not anywhere"

notebooks: $(STAMP)
	@echo "==> Re-executing every chapter and comparing each output and figure with the published one (nbval)"
	@$(PYTEST) $(NBVAL) $(NOTEBOOKS)

anywhere: $(STAMP)
	@echo "==> Installing ensemble_lib alone (pyproject.toml) into a fresh virtual environment, as a reader's Jupyter"
	@echo "    would, and running chapters 01 and 02 there: the same outputs (a few minutes)"
	@$(PYTEST) tests -m anywhere

reproducibility: $(STAMP)
	@echo "==> Re-executing the chapters on one core with oneDNN capped at SSE4.1: outputs must not change"
	@$(PYTEST) tests -m slow

# The emulated-CPU checks need qemu-user. Under CI (CI=true, as root) a missing one is installed
# from Debian; on a reader's computer without it, they are skipped with a message saying so.
qemu-setup:
	@tools/ensure_tool.sh "the emulated-CPU checks" "qemu-user" qemu-x86_64

emulated: $(STAMP) qemu-setup
	@echo "==> A short training run natively and on an emulated CPU (qemu-x86_64 -cpu max): the same bits (about a minute)"
	@$(PYTEST) -rs tests -m emulated

portability: $(STAMP) qemu-setup
	@echo "==> Re-executing every chapter in a kernel on the emulated CPU and comparing every output and figure"
	@echo "    with the published one (nbval; about 45 minutes: the emulator is 8 to 10 times slower)"
	@$(PYTEST) -rs tests -m portability

book-check: $(STAMP)
	@echo "==> Checking the built pages: every chapter, figure and caption present"
	@$(PYTEST) tests -m built_book

# The browser checks need Chromium. Under CI (CI=true, as root) a missing one is installed from
# Debian; on a reader's computer without it, they are skipped with a message saying so.
browser-setup:
	@tools/ensure_tool.sh "the browser checks" "chromium fonts-dejavu-core" chromium chromium-browser

browser: $(STAMP) browser-setup
	@echo "==> Opening every page of _build/html in headless Chromium: console errors, math, figures, navigation, search"
	@echo "    (screenshots of every page go to _build/screenshots/)"
	@$(PYTEST) -rs tests -m browser

test: lint unit notebooks anywhere reproducibility emulated portability book book-check browser
	@echo "==> All checks passed"

lab: $(STAMP)
	@echo "==> Starting JupyterLab; jupytext keeps each chapter's .py and .ipynb in sync on save"
	@$(BIN)/jupyter lab book

sync: $(STAMP)
	@echo "==> Re-syncing and re-executing the chapters (each in a fresh kernel)"
	@$(BIN)/python tools/sync_notebooks.py $(CHAPTERS)

bench: $(STAMP)
	@echo "==> Benchmark: the baseline's 500 epochs, original idiom against the book's, exact against built-in softmax, each chapter (about 5 minutes)"
	@$(BIN)/python benchmarks/bench_training.py
	@echo "==> Benchmark: chapter 06's study with the replica engine, against Keras's fit (about 1 minute)"
	@$(BIN)/python benchmarks/bench_engine.py
	@echo "==> Benchmark: chapter 08's CNN, 20 seeds in one replica model against one fit per seed (about 20 seconds)"
	@$(BIN)/python benchmarks/bench_cnn.py
	@echo "==> Benchmark: chapter 09's binary MLP, 40 seeds in one replica model against one fit per seed (about 10 seconds)"
	@$(BIN)/python benchmarks/bench_binary.py

clean:
	rm -rf _build
