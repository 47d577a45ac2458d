"""Shared fixtures. ensemble_lib is imported before anything else so that it can fix TensorFlow's
environment before TensorFlow loads, exactly as in the chapters."""

import sys

import ensemble_lib  # noqa: F401  (must precede any TensorFlow import)

import pytest

# Fix threads and determinism before any test runs a TensorFlow op, whatever the test order.
ensemble_lib.reproducible(0)

from pathlib import Path  # noqa: E402  (after reproducible(), on purpose)

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
# pytest with nbval in a subprocess, without writing a cache: the start of every such command.
NBVAL = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval"]


def toc_files() -> list[str]:
    """Every page of the book in reading order, as in _toc.yml: ``["book/intro", "book/01_blobs", ...]``."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts") or [{"chapters": toc.get("chapters")}]:
        walk(part.get("chapters"))
    return files


@pytest.fixture(scope="session")
def problem():
    return ensemble_lib.load_blobs()
