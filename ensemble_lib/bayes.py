"""The Bayes-optimal classifier of the blobs problem: the ceiling no model can beat on average.

Introduced in chapter 1. Because ``make_blobs`` draws each class from an isotropic Gaussian
with a known centre and spread, the probability of each class at any point is known exactly:

    P(k | x)  is proportional to  prior_k * exp(-||x - centre_k||^2 / (2 * std^2)).

Predicting the most probable class is the best any classifier can do; its expected accuracy is
the integral over the plane of ``max_k prior_k * density_k(x)``.

The same integral scores *any* model on the true distribution rather than on one finite test
set (chapter 6): :meth:`BayesClassifier.quadrature` lays a fine grid over the plane, weighted
by ``prior_k * density_k(x)``, and :func:`expected_scores` sums a model's accuracy and log-loss
over it: what the model would score on average over infinitely many fresh points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import check_int, check_labels, check_numeric_array, check_real

__all__ = ["BayesClassifier", "Quadrature", "expected_scores"]


def _as_points(x, n_features: int, name: str = "x") -> np.ndarray:
    arr = check_numeric_array(x, name).astype(np.float64)
    if arr.ndim != 2 or arr.shape[1] != n_features:
        raise ValueError(f"{name} must have shape (n_points, {n_features}), got {arr.shape}")
    return arr


class BayesClassifier:
    """Class probabilities and predictions of the Bayes-optimal rule (chapter 1).

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
        # log(prior_k) - ||x - c_k||^2 / (2 std^2), for every point and class;
        # the Gaussian's normalising constant is the same for all k, so it is left out.
        sq_dist = ((x[:, None, :] - self.centers[None, :, :]) ** 2).sum(axis=-1)
        return np.log(self.priors)[None, :] - sq_dist / (2.0 * self.cluster_std**2)

    def predict_proba(self, x) -> np.ndarray:
        """Posterior class probabilities of the points ``x``, one row per point.

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

    def quadrature(self, grid_points: int = 301, reach: float = 6.0) -> Quadrature:
        """A grid over the plane with each class's share of the probability at every point (chapter 6).

        The midpoint rule on a ``grid_points`` x ``grid_points`` grid reaching ``reach`` standard
        deviations beyond the outermost centres: ``weights[n, k] = prior_k * density_k(x_n) *
        cell area``, so that summing ``weights * f`` integrates ``f`` against the true
        distribution of (point, label). Cells holding less than 1e-12 of the mass are left out;
        the weights sum to 1 up to the mass beyond the grid and in those cells.

        Args:
            grid_points: grid points per axis, at least 100.
            reach: how far the grid extends beyond the outermost centres, in standard
                deviations; at least 4.

        Returns:
            A :class:`Quadrature`.

        Raises:
            TypeError: if ``grid_points`` is not an int or ``reach`` not a number.
            ValueError: if the problem does not have two features, ``grid_points`` is below 100,
                or ``reach`` is below 4 or not finite.
        """
        gx, gy, cell = self._grid("quadrature", grid_points, reach)
        points = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)
        weights = np.exp(self._log_joint(points)) * cell
        # Cells holding less than 1e-12 of the mass are left out: all of them together change an
        # accuracy or a log-loss (clipped at 1e-7, so at most 16 per unit of mass) by under 1e-7.
        kept = weights.sum(axis=1) >= 1e-12
        return Quadrature(points=points[kept], weights=weights[kept])

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
        gx, gy, cell = self._grid("expected_accuracy", grid_points, reach)
        total = 0.0
        for y0 in np.array_split(gy, 16):  # row blocks keep memory small
            pts = np.stack(np.meshgrid(gx, y0), axis=-1).reshape(-1, 2)
            total += np.exp(self._log_joint(pts)).max(axis=1).sum()
        return float(total * cell)

    def _grid(self, caller: str, grid_points, reach) -> tuple[np.ndarray, np.ndarray, float]:
        """The midpoints of a ``grid_points`` x ``grid_points`` grid reaching ``reach`` standard
        deviations beyond the centres, and each cell's area times the Gaussian's constant."""
        if self.centers.shape[1] != 2:
            raise ValueError(f"{caller} is implemented for two features only")
        grid_points = check_int(grid_points, "grid_points", minimum=100)
        reach = check_real(reach, "reach (standard deviations)", low=4)
        s = self.cluster_std
        lo = self.centers.min(axis=0) - reach * s
        hi = self.centers.max(axis=0) + reach * s
        step = (hi - lo) / grid_points
        gx = lo[0] + step[0] * (np.arange(grid_points) + 0.5)
        gy = lo[1] + step[1] * (np.arange(grid_points) + 0.5)
        return gx, gy, float(step[0] * step[1] / (2.0 * np.pi * s**2))


@dataclass(frozen=True)
class Quadrature:
    """Grid points with the true distribution's weight of each class there (chapter 6).

    :meth:`BayesClassifier.quadrature` builds it; the fields are not checked.

    Args:
        points: the grid points, ``(n_points, 2)``.
        weights: ``weights[n, k]``: the probability of drawing a point of class ``k`` in the grid
            cell of ``points[n]``, ``(n_points, n_classes)``.
    """

    points: np.ndarray
    weights: np.ndarray

    def evaluate(self, predict, chunk: int = 1000) -> np.ndarray:
        """``predict`` at every grid point, called on ``chunk`` points at a time (chapter 7).

        For scoring one set of predictions several ways (:func:`expected_scores` and the
        functions of :mod:`ensemble_lib.calibration` take the result). Small chunks keep each
        call's intermediate arrays small: for 50 replicas on 33507 points, chunks of 1000 take
        about two thirds of the time of one call on all of them.

        Args:
            predict: a function of points ``(m, 2)`` returning probabilities ``(m, n_classes)`` or
                ``(models, m, n_classes)``.
            chunk: points per call, at least 1.

        Returns:
            float32 probabilities ``(n_points, n_classes)`` or ``(models, n_points, n_classes)``.

        Raises:
            TypeError: if ``predict`` is not callable, ``chunk`` is not an int, or ``predict``
                returns something that is not numbers.
            ValueError: if ``chunk`` is below 1, or ``predict`` returns probabilities of the wrong
                shape, outside ``[0, 1]`` or not finite.
        """
        if not callable(predict):
            raise TypeError(f"predict must be a function of points, got {type(predict).__name__}")
        chunk = check_int(chunk, "chunk", minimum=1)
        parts = []
        for start in range(0, len(self.points), chunk):
            points = self.points[start : start + chunk]
            p = _checked_probabilities(predict(points), len(points), self.weights.shape[1], "predict(points)")
            parts.append(p.astype(np.float32))
        return np.concatenate(parts, axis=-2)


def _checked_probabilities(p, n_points: int, n_classes: int, name: str) -> np.ndarray:
    """``p`` as probabilities for ``n_points`` points: ``(n_points, n_classes)`` for one model or
    ``(models, n_points, n_classes)`` for several, finite and in ``[0, 1]``; errors name ``name``."""
    p = check_numeric_array(p, name)
    if p.ndim not in (2, 3) or p.shape[-2:] != (n_points, n_classes):
        raise ValueError(
            f"{name} must give probabilities of shape ({n_points}, {n_classes}) or"
            f" (models, {n_points}, {n_classes}), got {p.shape}"
        )
    if np.any(p < 0) or np.any(p > 1):
        raise ValueError(f"{name} must give probabilities in [0, 1]")
    return p


def expected_scores(predict, quadrature: Quadrature, chunk: int = 16384) -> tuple[np.ndarray, np.ndarray]:
    """Expected accuracy and log-loss on the true distribution, of one model or many (chapter 6).

    ``accuracy = sum_n weights[n, argmax p(x_n)]`` and ``log_loss = sum_n sum_k weights[n, k] *
    -log(p_k(x_n))`` (probabilities clipped at 1e-7, as :func:`~ensemble_lib.training.log_loss`
    does): the scores on infinitely many fresh points, up to the quadrature's error. ``predict``
    is called on chunks of the grid, so that many models on a fine grid fit in memory.

    Args:
        predict: a function of points ``(m, 2)`` returning probabilities ``(m, n_classes)`` for one
            model or ``(models, m, n_classes)`` for several (e.g. a :class:`~ensemble_lib.replicas.ReplicaRun`'s
            ``probabilities``, or ``soft_vote`` with its epochs bound); or the probabilities
            already computed at ``quadrature.points`` (chapter 7 scores them several ways).
        quadrature: from :meth:`BayesClassifier.quadrature`.
        chunk: grid points per call of ``predict``, at least 1.

    Returns:
        ``(accuracy, log_loss)``: floats for one model, arrays with one value per model otherwise.

    Raises:
        TypeError: if ``predict`` is neither callable nor an array, ``quadrature`` is not a :class:`Quadrature`,
            ``chunk`` is not an int, or ``predict`` returns something that is not numbers.
        ValueError: if ``chunk`` is below 1, or ``predict`` returns probabilities of the wrong
            shape, outside ``[0, 1]`` or not finite.
    """
    if not callable(predict) and not isinstance(predict, np.ndarray):
        raise TypeError(
            f"predict must be a function of points or an array of probabilities, got {type(predict).__name__}"
        )
    if not isinstance(quadrature, Quadrature):
        raise TypeError(
            f"quadrature must be a Quadrature (BayesClassifier.quadrature), got {type(quadrature).__name__}"
        )
    chunk = check_int(chunk, "chunk", minimum=1)
    n_classes = quadrature.weights.shape[1]
    if not callable(predict):  # probabilities already computed at every grid point
        predict = _checked_probabilities(predict, len(quadrature.points), n_classes, "predict")
    accuracy = log_loss = 0.0
    single = None
    for start in range(0, len(quadrature.points), chunk):
        weights = quadrature.weights[start : start + chunk]
        if callable(predict):
            p = _checked_probabilities(
                predict(quadrature.points[start : start + chunk]), len(weights), n_classes, "predict(points)"
            )
        else:
            p = predict[..., start : start + chunk, :]
        single = p.ndim == 2 if single is None else single
        p = p[None] if p.ndim == 2 else p
        picked = np.take_along_axis(weights[None], p.argmax(axis=2)[..., None], axis=2)[..., 0]
        accuracy = accuracy + picked.sum(axis=1)
        log_loss = log_loss - (weights[None] * np.log(np.clip(p.astype(np.float64), 1e-7, 1.0))).sum(axis=(1, 2))
    if single:
        return float(accuracy[0]), float(log_loss[0])
    return np.asarray(accuracy), np.asarray(log_loss)
