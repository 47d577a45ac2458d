"""Shared fixtures. ensemble_lib is imported before anything else so that it can fix TensorFlow's
environment before TensorFlow loads, exactly as in the chapters."""

import ensemble_lib  # noqa: F401  (must precede any TensorFlow import)
import pytest

# Fix threads and determinism before any test runs a TensorFlow op, whatever the test order.
ensemble_lib.reproducible(0)

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"


@pytest.fixture(scope="session")
def problem():
    return ensemble_lib.load_blobs()
