"""Argument checks shared by the modules: one wording for every error message."""

from __future__ import annotations

import math

import numpy as np


def check_int(value, name: str, minimum: int | None = None) -> int:
    """``value`` as an int; ``TypeError`` unless it is one (bools excluded), ``ValueError`` below ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def check_positive(value, name: str) -> float:
    """``value`` as a float; it must be a finite number above zero."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be positive and finite, got {value}")
    return float(value)
