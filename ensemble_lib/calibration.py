"""Are the probabilities honest? Calibration error, reliability curves, temperature scaling (chapter 7).

A model is *calibrated* when, among the points it gives a confidence of 0.8, 80% are right. The
book measures it three ways, for one model or many replicas at once:

* :func:`expected_calibration_error` (ECE): the top-label confidence is binned into equal-width
  bins, and the gaps between each bin's confidence and its accuracy are averaged, weighted by the
  bin's share of the points (Guo et al. 2017);
* :func:`reliability_curve`: the same bins, for a reliability diagram;
* the KL divergence from the true class probabilities: when the true distribution is known
  (chapter 1), a model's expected log-loss (:func:`cross_entropy` against the true
  distribution's weights) minus the Bayes rule's *is* its expected KL divergence,
  ``E_x[KL(p*(.|x) || q(.|x))]``.

Every function takes its ``targets`` as integer labels (one per point, each weighing the same)
or as weight rows ``(points, classes)``, such as :meth:`~ensemble_lib.bayes.BayesClassifier.quadrature`'s
``weights``: then the scores are those on the true distribution, not on a sample of it.

:func:`fit_temperature` is the baseline any claim of better calibration must beat: one number
``T`` per model, chosen to minimise the log-loss of ``softmax(log(p) / T)``. The log-loss is
convex in ``1 / T``, so a golden-section search finds the minimum; it is written here rather
than taken from SciPy because it runs for every replica at once (SciPy's scalar minimiser takes
one model at a time).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import check_int, check_labels, check_numeric_array, check_real

__all__ = [
    "Reliability",
    "cross_entropy",
    "expected_calibration_error",
    "fit_temperature",
    "reliability_curve",
    "with_temperature",
]

_CLIP = 1e-7  # as the log-losses of training.log_loss and replicas.replica_scores


def _check_probabilities(probabilities, name: str = "probabilities") -> tuple[np.ndarray, bool]:
    """``(models, points, classes)`` float64 probabilities, and whether one model was given."""
    p = check_numeric_array(probabilities, name)
    if p.ndim not in (2, 3) or p.shape[-1] < 2 or p.shape[-2] < 1:
        raise ValueError(
            f"{name} must have shape (points, classes) or (models, points, classes) with at least"
            f" 2 classes and 1 point, got {p.shape}"
        )
    if np.any(p < 0) or np.any(p > 1):
        raise ValueError(f"{name} must hold probabilities in [0, 1]")
    return (p[None] if p.ndim == 2 else p).astype(np.float64), p.ndim == 2


def _check_targets(targets, n_points: int, n_classes: int) -> np.ndarray:
    """Weight rows ``(points, classes)`` summing to 1: labels weigh ``1 / n`` each."""
    array = np.asarray(targets)
    if array.ndim == 1:
        labels = check_labels(array, "targets", n_points=n_points, n_classes=n_classes)
        weights = np.zeros((n_points, n_classes))
        weights[np.arange(n_points), labels] = 1.0 / n_points
        return weights
    weights = check_numeric_array(array, "targets").astype(np.float64)
    if weights.shape != (n_points, n_classes):
        raise ValueError(
            f"targets must be {n_points} integer labels or weight rows of shape ({n_points}, {n_classes}),"
            f" got shape {weights.shape}"
        )
    if np.any(weights < 0) or weights.sum() <= 0:
        raise ValueError("targets as weight rows must be >= 0 with a positive total")
    return weights / weights.sum()


def cross_entropy(probabilities, targets):
    """The log-loss of one model or of each of many, against labels or weight rows (chapter 7).

    ``-sum_n sum_k w[n, k] log p_k(x_n)``, probabilities clipped at 1e-7 as in the book's other
    log-losses: with labels, the mean log-loss; with a quadrature's weights, the expected log-loss
    on the true distribution.

    Args:
        probabilities: ``(points, classes)`` or ``(models, points, classes)``.
        targets: integer labels or weight rows, as for :func:`expected_calibration_error`.

    Returns:
        A float for one model, an array with one value per model otherwise.

    Raises:
        TypeError: as for :func:`expected_calibration_error`.
        ValueError: as for :func:`expected_calibration_error`.
    """
    p, single = _check_probabilities(probabilities)
    weights = _check_targets(targets, p.shape[1], p.shape[2])
    loss = -(weights[None] * np.log(np.clip(p, _CLIP, 1.0))).sum(axis=(1, 2))
    return float(loss[0]) if single else loss


def _bins(confidence: np.ndarray, bins: int) -> np.ndarray:
    """Equal-width bins of ``[0, 1]``: bin ``b`` holds ``b / bins <= c < (b + 1) / bins``, the last one 1 too."""
    return np.minimum((confidence * bins).astype(np.int64), bins - 1)


def expected_calibration_error(probabilities, targets, bins: int = 15):
    """Top-label expected calibration error of one model or of each of many (chapter 7).

    ``ECE = sum_b | sum_{n in b} (w[n, argmax p_n] - max p_n * sum_k w[n, k]) |``: with labels,
    the share of points in bin ``b`` times the gap between the bin's accuracy and its mean
    confidence, summed over the ``bins`` equal-width bins of the confidence.

    Args:
        probabilities: ``(points, classes)`` for one model, ``(models, points, classes)`` for many.
        targets: integer labels, one per point, or weight rows ``(points, classes)`` (e.g. a
            quadrature's ``weights``: the ECE on the true distribution).
        bins: equal-width confidence bins, at least 1 (15, as Guo et al.).

    Returns:
        A float for one model, an array with one value per model otherwise.

    Raises:
        TypeError: if ``probabilities`` or ``targets`` does not hold numbers, labels are not
            integers, or ``bins`` is not an int.
        ValueError: if the shapes do not match, a probability lies outside ``[0, 1]``, weights
            are negative, or ``bins`` is below 1.
    """
    p, single = _check_probabilities(probabilities)
    weights = _check_targets(targets, p.shape[1], p.shape[2])
    bins = check_int(bins, "bins", minimum=1)
    confidence, predicted = p.max(axis=2), p.argmax(axis=2)
    gap = weights[np.arange(p.shape[1]), predicted] - confidence * weights.sum(axis=1)
    errors = np.zeros((len(p), bins))
    np.add.at(errors, (np.arange(len(p))[:, None], _bins(confidence, bins)), gap)
    ece = np.abs(errors).sum(axis=1)
    return float(ece[0]) if single else ece


@dataclass(frozen=True)
class Reliability:
    """A reliability diagram's data, bin by bin (bins without points left out).

    Args:
        confidence: the mean top-label confidence in each bin.
        accuracy: the share of the bin's points (or weight) predicted right.
        share: the bin's share of all points (or of the weight).
    """

    confidence: np.ndarray
    accuracy: np.ndarray
    share: np.ndarray


def reliability_curve(probabilities, targets, bins: int = 10) -> Reliability:
    """Confidence against accuracy in equal-width bins, pooled over all models given (chapter 7).

    Args:
        probabilities: ``(points, classes)`` or ``(models, points, classes)``; with many models
            every model's points are pooled (each model weighs the same).
        targets: integer labels or weight rows, as for :func:`expected_calibration_error`.
        bins: equal-width confidence bins, at least 1.

    Returns:
        A :class:`Reliability` with one entry per non-empty bin, in order of confidence.

    Raises:
        TypeError: as for :func:`expected_calibration_error`.
        ValueError: as for :func:`expected_calibration_error`.
    """
    p, _ = _check_probabilities(probabilities)
    weights = _check_targets(targets, p.shape[1], p.shape[2])
    bins = check_int(bins, "bins", minimum=1)
    confidence, predicted = p.max(axis=2), p.argmax(axis=2)
    mass = np.broadcast_to(weights.sum(axis=1), confidence.shape)
    right = weights[np.arange(p.shape[1]), predicted]
    index = _bins(confidence, bins).ravel()
    total = np.bincount(index, mass.ravel(), minlength=bins)
    filled = total > 0
    return Reliability(
        confidence=(np.bincount(index, (confidence * mass).ravel(), minlength=bins)[filled] / total[filled]),
        accuracy=np.bincount(index, right.ravel(), minlength=bins)[filled] / total[filled],
        share=total[filled] / total.sum(),
    )


def with_temperature(probabilities, temperature) -> np.ndarray:
    """``softmax(log(p) / T)``: the probabilities of one model or many, re-tempered (chapter 7).

    ``T > 1`` softens (less confident), ``T < 1`` sharpens; the predicted class never changes.
    Probabilities are clipped at 1e-7 before the logarithm, as in the book's log-losses.

    Args:
        probabilities: ``(points, classes)`` or ``(models, points, classes)``.
        temperature: a positive number, or one per model.

    Returns:
        float64 probabilities of the same shape.

    Raises:
        TypeError: if an argument does not hold numbers.
        ValueError: if a temperature is not positive and finite, or there is not one per model.
    """
    p, single = _check_probabilities(probabilities)
    t = check_numeric_array(temperature, "temperature").astype(np.float64)
    if np.any(t <= 0):
        raise ValueError("temperature must be positive")
    if t.ndim > 1 or (t.ndim == 1 and (single or len(t) != len(p))):
        raise ValueError(f"temperature must be one number, or one per model ({len(p)}), got shape {t.shape}")
    scaled = _tempered(np.log(np.clip(p, _CLIP, 1.0)), 1.0 / np.broadcast_to(t, (len(p),)))
    return scaled[0] if single else scaled


def _tempered(log_p: np.ndarray, beta: np.ndarray) -> np.ndarray:
    z = log_p * beta[:, None, None]
    z = z - z.max(axis=2, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=2, keepdims=True)


def _loss(log_p: np.ndarray, weights: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Each model's weighted log-loss at inverse temperature ``beta`` (one per model)."""
    z = log_p * beta[:, None, None]
    top = z.max(axis=2, keepdims=True)
    log_norm = top[..., 0] + np.log(np.exp(z - top).sum(axis=2))
    return (weights[None] * (log_norm[..., None] - z)).sum(axis=(1, 2))


def fit_temperature(probabilities, targets, low: float = 0.05, high: float = 20.0):
    """The temperature ``T`` in ``[low, high]`` that minimises each model's log-loss on ``targets`` (chapter 7).

    Temperature scaling (Guo et al. 2017): ``softmax(log(p) / T)``. Fit it on data the model
    did not train on (a validation split), or on the true distribution's weights for the best
    any temperature could do. The log-loss is convex in ``beta = 1 / T``; a golden-section search
    on ``beta`` runs to a bracket below ``1e-9``, every model at once.

    Args:
        probabilities: ``(points, classes)`` or ``(models, points, classes)``.
        targets: integer labels or weight rows, as for :func:`expected_calibration_error`.
        low: the smallest temperature considered, positive.
        high: the largest, above ``low``.

    Returns:
        A float for one model, an array with one temperature per model otherwise. A value at
        ``low`` or ``high`` means the best temperature lies outside the range.

    Raises:
        TypeError: as for :func:`expected_calibration_error`, or if ``low`` or ``high`` is not a number.
        ValueError: as for :func:`expected_calibration_error`, or if ``low`` is not positive or
            ``high`` is not above it.
    """
    p, single = _check_probabilities(probabilities)
    weights = _check_targets(targets, p.shape[1], p.shape[2])
    low = check_real(low, "low", low=0, open_interval=True)
    high = check_real(high, "high")
    if high <= low:
        raise ValueError(f"high must be above low ({low}), got {high}")
    log_p = np.log(np.clip(p, _CLIP, 1.0))
    ratio = (np.sqrt(5.0) - 1.0) / 2.0
    a, b = np.full(len(p), 1.0 / high), np.full(len(p), 1.0 / low)
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    fc, fd = _loss(log_p, weights, c), _loss(log_p, weights, d)
    while np.max(b - a) > 1e-9:
        left = fc <= fd  # the minimum lies in [a, d]; otherwise in [c, b]
        a, b = np.where(left, a, c), np.where(left, d, b)
        # The surviving inner point is reused: one new evaluation per model and step.
        c, d = np.where(left, b - ratio * (b - a), d), np.where(left, c, a + ratio * (b - a))
        f_new = _loss(log_p, weights, np.where(left, c, d))
        fc, fd = np.where(left, f_new, fd), np.where(left, fc, f_new)
    beta = (a + b) / 2.0
    return float(1.0 / beta[0]) if single else 1.0 / beta
