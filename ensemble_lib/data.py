"""The running example: three overlapping Gaussian blobs in two dimensions.

Introduced in chapter 1 (the blobs problem). Every chapter trains on the same 100 points and
scores on the same 1000.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.datasets import make_blobs

from ._checks import check_int

__all__ = ["Blobs", "load_blobs", "one_hot"]

#: The recipe of the original tutorials: ``make_blobs`` with these arguments.
N_SAMPLES = 1100
N_CLASSES = 3
N_FEATURES = 2
CLUSTER_STD = 2.0
RANDOM_STATE = 2
#: The first ``N_TRAIN`` rows train, the rest test.
N_TRAIN = 100


@dataclass(frozen=True)
class Blobs:
    """The problem, split and ready to use (chapter 1).

    :func:`load_blobs` builds it; the fields are not checked.

    Args:
        x_train: training points, ``(n_train, n_features)``.
        y_train: their integer class labels in ``0..n_classes-1``; use :func:`one_hot` for a
            softmax output.
        x_test: test points, ``(n_test, n_features)``.
        y_test: their integer class labels.
        centers: the class centres, one row per class: a generating parameter, which the
            Bayes-optimal classifier needs.
        cluster_std: the common standard deviation of the classes, the other generating parameter.
        class_priors: the fractions of points ``make_blobs`` draws from each centre.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    centers: np.ndarray
    cluster_std: float
    class_priors: np.ndarray

    @property
    def n_classes(self) -> int:
        """The number of classes, one per centre."""
        return len(self.centers)


def load_blobs() -> Blobs:
    """Generate the blobs problem exactly as the original tutorials did (chapter 1).

    ``make_blobs(n_samples=1100, centers=3, n_features=2, cluster_std=2, random_state=2)``;
    rows 0-99 train, rows 100-1099 test.

    Returns:
        A :class:`Blobs`; inputs are ``float32`` (what Keras trains on), labels ``int64``.
    """
    x, y, centers = make_blobs(
        n_samples=N_SAMPLES,
        centers=N_CLASSES,
        n_features=N_FEATURES,
        cluster_std=CLUSTER_STD,
        random_state=RANDOM_STATE,
        return_centers=True,
    )
    # make_blobs splits n_samples as evenly as it can: the first (n_samples % centers) centres
    # get one point more. Those counts, not the labels, define the class priors.
    counts = np.full(N_CLASSES, N_SAMPLES // N_CLASSES)
    counts[: N_SAMPLES % N_CLASSES] += 1
    x = x.astype(np.float32)
    y = y.astype(np.int64)
    return Blobs(
        x_train=x[:N_TRAIN],
        y_train=y[:N_TRAIN],
        x_test=x[N_TRAIN:],
        y_test=y[N_TRAIN:],
        centers=centers,
        cluster_std=CLUSTER_STD,
        class_priors=counts / N_SAMPLES,
    )


def one_hot(labels, n_classes: int = N_CLASSES) -> np.ndarray:
    """One-hot encode integer class labels as ``float32`` rows (chapter 1).

    Args:
        labels: a 1-D sequence of integers in ``0..n_classes-1``.
        n_classes: the number of classes (columns), at least 1.

    Returns:
        A ``float32`` array of shape ``(len(labels), n_classes)``.

    Raises:
        TypeError: if ``n_classes`` is not an int or ``labels`` does not hold integers.
        ValueError: if ``n_classes`` is below 1, ``labels`` is not 1-D, or a label lies outside
            ``0..n_classes-1``.
    """
    n_classes = check_int(n_classes, "n_classes", minimum=1)
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-D, got shape {labels.shape}")
    if labels.size and not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(f"labels must be integers, got dtype {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"labels must lie in 0..{n_classes - 1}, got values from {labels.min()} to {labels.max()}")
    return np.eye(n_classes, dtype=np.float32)[labels]
