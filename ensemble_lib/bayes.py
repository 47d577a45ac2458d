"""The Bayes-optimal classifier of the blobs problem: the ceiling no model can beat on average.

Introduced in chapter 01. Because ``make_blobs`` draws each class from an isotropic Gaussian
with a known centre and spread, the probability of each class at any point is known exactly:

    P(k | x)  is proportional to  prior_k * exp(-||x - centre_k||^2 / (2 * std^2)).

Predicting the most probable class is the best any classifier can do; its expected accuracy is
the integral over the plane of ``max_k prior_k * density_k(x)``.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_int, check_labels, check_numeric_array, check_real

__all__ = ["BayesClassifier"]


def _as_points(x, n_features: int, name: str = "x") -> np.ndarray:
    arr = check_numeric_array(x, name).astype(np.float64)
    if arr.ndim != 2 or arr.shape[1] != n_features:
        raise ValueError(f"{name} must have shape (n_points, {n_features}), got {arr.shape}")
    return arr


class BayesClassifier:
    """Class probabilities and predictions of the Bayes-optimal rule (chapter 01).

    Args:
        centers: the class centres, one row per class: shape ``(n_classes, n_features)``.
        cluster_std: the common standard deviation of every class, positive.
        priors: the class probabilities, one per centre, positive and summing to 1
            (equal if omitted).

    Raises:
        TypeError: if ``centers`` does not hold numbers or ``cluster_std`` is not a number.
        ValueError: if ``centers`` is not a finite 2-D array with at least one row and column,
            ``cluster_std`` is not positive and finite, or ``priors`` has the wrong shape, an
            entry that is not positive and finite, or does not sum to 1.
    """

    def __init__(self, centers, cluster_std: float, priors=None):
        centers = check_numeric_array(centers, "centers").astype(np.float64)
        if centers.ndim != 2 or centers.shape[0] < 1 or centers.shape[1] < 1:
            raise ValueError(f"centers must have shape (n_classes, n_features), got {centers.shape}")
        cluster_std = check_real(cluster_std, "cluster_std", low=0, high=None, open_interval=True)
        n_classes = centers.shape[0]
        if priors is None:
            priors = np.full(n_classes, 1.0 / n_classes)
        priors = np.asarray(priors, dtype=np.float64)
        if priors.shape != (n_classes,):
            raise ValueError(f"priors must have one entry per centre ({n_classes}), got shape {priors.shape}")
        if not np.all(np.isfinite(priors)) or np.any(priors <= 0):
            raise ValueError("priors must be positive and finite")
        if abs(priors.sum() - 1.0) > 1e-9:
            raise ValueError(f"priors must sum to 1, got {priors.sum()}")
        self.centers = centers
        self.cluster_std = float(cluster_std)
        self.priors = priors

    @classmethod
    def for_problem(cls, problem) -> BayesClassifier:
        """The Bayes classifier of a :class:`~ensemble_lib.data.Blobs` problem.

        Returns:
            A :class:`BayesClassifier` with the problem's centres, spread and class priors.
        """
        return cls(problem.centers, problem.cluster_std, problem.class_priors)

    def _log_joint(self, x: np.ndarray) -> np.ndarray:
        # log(prior_k) - ||x - c_k||^2 / (2 std^2); the Gaussian's constant is the same for all k.
        sq_dist = ((x[:, None, :] - self.centers[None, :, :]) ** 2).sum(axis=-1)
        return np.log(self.priors)[None, :] - sq_dist / (2.0 * self.cluster_std**2)

    def predict_proba(self, x) -> np.ndarray:
        """Posterior class probabilities of the points ``x``, shape ``(n_points, n_classes)``.

        Raises:
            TypeError: if ``x`` does not hold numbers.
            ValueError: if ``x`` is not finite or not of shape ``(n_points, n_features)``.
        """
        log_joint = self._log_joint(_as_points(x, self.centers.shape[1]))
        log_joint -= log_joint.max(axis=1, keepdims=True)
        p = np.exp(log_joint)
        return p / p.sum(axis=1, keepdims=True)

    def predict(self, x) -> np.ndarray:
        """The most probable class of each point of ``x``, shape ``(n_points,)``.

        Raises:
            TypeError: if ``x`` does not hold numbers.
            ValueError: if ``x`` is not finite or not of shape ``(n_points, n_features)``.
        """
        return self._log_joint(_as_points(x, self.centers.shape[1])).argmax(axis=1)

    def accuracy(self, x, y) -> float:
        """Fraction of the points ``x`` whose integer label ``y`` the rule predicts.

        Args:
            x: points, shape ``(n_points, n_features)``.
            y: one integer label per point, in ``0..n_classes - 1`` (one-hot rows are refused).

        Returns:
            The accuracy, a float in ``[0, 1]``.

        Raises:
            TypeError: if ``x`` does not hold numbers or ``y`` holds non-integer labels.
            ValueError: if ``x`` is not finite or of the wrong shape, or ``y`` is not one label per
                point in ``0..n_classes - 1``.
        """
        x = _as_points(x, self.centers.shape[1])
        labels = check_labels(y, "y", n_points=len(x), n_classes=len(self.centers))
        if np.ndim(y) != 1:
            raise ValueError(f"y must hold one integer label per point of x, got shape {np.shape(y)}")
        return float(np.mean(self.predict(x) == labels))

    def expected_accuracy(self, grid_points: int = 1601, reach: float = 8.0) -> float:
        """The accuracy the rule reaches on average over fresh data: ``integral of max_k prior_k p_k(x)``.

        Only for two features. Computed by the midpoint rule on a ``grid_points`` x
        ``grid_points`` grid that extends ``reach`` standard deviations beyond the outermost
        centres (the mass outside is below 1e-14); the quadrature error is below 1e-5.

        Args:
            grid_points: grid points per axis, at least 100.
            reach: how far the grid extends beyond the outermost centres, in standard
                deviations; at least 4.

        Returns:
            The expected accuracy, a float in ``[0, 1]``.

        Raises:
            TypeError: if ``grid_points`` is not an int or ``reach`` not a number.
            ValueError: if the problem does not have two features, ``grid_points`` is below 100,
                or ``reach`` is below 4 or not finite.
        """
        if self.centers.shape[1] != 2:
            raise ValueError("expected_accuracy is implemented for two features only")
        grid_points = check_int(grid_points, "grid_points", minimum=100)
        reach = check_real(reach, "reach (standard deviations)", low=4)
        s = self.cluster_std
        lo = self.centers.min(axis=0) - reach * s
        hi = self.centers.max(axis=0) + reach * s
        step = (hi - lo) / grid_points
        gx = lo[0] + step[0] * (np.arange(grid_points) + 0.5)
        gy = lo[1] + step[1] * (np.arange(grid_points) + 0.5)
        total = 0.0
        norm = 1.0 / (2.0 * np.pi * s**2)
        for y0 in np.array_split(gy, 16):  # row blocks keep memory small
            pts = np.stack(np.meshgrid(gx, y0), axis=-1).reshape(-1, 2)
            total += np.exp(self._log_joint(pts)).max(axis=1).sum()
        return float(total * norm * step[0] * step[1])
