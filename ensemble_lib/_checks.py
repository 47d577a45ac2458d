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
    if not is_number(value):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be positive and finite, got {value}")
    return float(value)


def is_number(value) -> bool:
    """A real number: Python's or NumPy's int or float, not a bool."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def check_real(
    value, name: str, low: float | None = None, high: float | None = None, open_interval: bool = False
) -> float:
    """``value`` as a float: a finite number (NumPy scalars included) within ``[low, high]``
    (or ``(low, high)`` with ``open_interval``). Strings and bools are refused, not converted."""
    if not is_number(value):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    value = float(value)
    too_low = low is not None and (value <= low if open_interval else value < low)
    too_high = high is not None and (value >= high if open_interval else value > high)
    if not math.isfinite(value) or too_low or too_high:
        if low is not None and high is not None:
            bounds = f" in {'(' if open_interval else '['}{low}, {high}{')' if open_interval else ']'}"
        elif low is not None:
            bounds = f" {'>' if open_interval else '>='} {low}"
        elif high is not None:
            bounds = f" {'<' if open_interval else '<='} {high}"
        else:
            bounds = ""
        raise ValueError(f"{name} must be a finite number{bounds}, got {value}")
    return value


def check_numeric_array(values, name: str) -> np.ndarray:
    """``values`` as an array of finite numbers; strings, objects, bools, NaN and infinity are refused."""
    array = np.asarray(values)
    if array.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold numbers, got dtype {array.dtype}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite (no NaN or infinity)")
    return array


def check_labels(y, name: str = "y", n_points: int | None = None, n_classes: int | None = None) -> np.ndarray:
    """Class labels as int64: integer labels ``(n_points,)`` or one-hot rows ``(n_points, n_classes)``.

    Float labels are refused (not truncated), one-hot rows must hold a single 1 and zeros, and
    labels must lie in ``0 .. n_classes - 1`` (or be non-negative when ``n_classes`` is unknown):
    a label -1 would otherwise count as the last class.
    """
    array = np.asarray(y)
    if array.ndim == 2:
        check_numeric_array(array, name)
        if not (np.isin(array, (0, 1)).all() and (array.sum(axis=1) == 1).all()):
            raise ValueError(f"{name}: one-hot rows must hold a single 1 and zeros elsewhere")
        if n_classes is not None and array.shape[1] != n_classes:
            raise ValueError(f"{name} has {array.shape[1]} one-hot columns, but there are {n_classes} classes")
        labels = array.argmax(axis=1)
    elif array.ndim == 1:
        if array.size and array.dtype.kind not in "iu":
            raise TypeError(f"{name} must hold integer class labels (or one-hot rows), got dtype {array.dtype}")
        labels = array.astype(np.int64)
        top = f"{n_classes - 1}" if n_classes is not None else "n_classes - 1"
        if labels.size and (labels.min() < 0 or (n_classes is not None and labels.max() >= n_classes)):
            raise ValueError(f"{name} must hold labels in 0..{top}, got values from {labels.min()} to {labels.max()}")
    else:
        raise ValueError(
            f"{name} must be integer labels (n_points,) or one-hot rows (n_points, n_classes), got shape {array.shape}"
        )
    if n_points is not None and len(labels) != n_points:
        raise ValueError(f"{name} must hold one label per point ({n_points}), got {len(labels)}")
    return labels.astype(np.int64, copy=False)


# Seeds the book accepts: [0, 2**31 - 1), within the int32 seeds Keras and TensorFlow take.
MAX_SEED = 2**31 - 1


def check_seed(seed, name: str = "seed") -> int:
    """``seed`` as an int in ``[0, 2**31 - 1)``; a ``TypeError``/``ValueError`` naming ``name`` otherwise."""
    seed = check_int(seed, name)
    if not 0 <= seed < MAX_SEED:
        raise ValueError(f"{name} must be in [0, 2**31 - 1), got {seed}")
    return seed
