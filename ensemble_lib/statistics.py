"""How sure can we be? Confidence intervals and paired comparisons over seeds.

Introduced in chapter 06 (does it really help?).

Every method is run once per seed, and every seed also gives a baseline run with the same
initial weights and the same batches. So a method is compared with the baseline *seed by seed*
(a paired comparison): the seed-to-seed spread, which is large, cancels, and what is left is the
method's own effect. Intervals use Student's t distribution; the paired test is the paired
t-test, with the sign test beside it because accuracy differences on 1000 points come in steps
of 0.001 and are often tied.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as _stats

from ._checks import check_numeric_array, check_real

__all__ = ["Interval", "PairedComparison", "mean_interval", "paired_comparison"]


def _check_values(values, name: str) -> np.ndarray:
    array = check_numeric_array(values, name).astype(np.float64)
    if array.ndim != 1 or len(array) < 2:
        raise ValueError(f"{name} must be a 1-D sequence of at least 2 numbers, got shape {array.shape}")
    return array


def _check_confidence(confidence) -> float:
    return check_real(confidence, "confidence", 0, 1, open_interval=True)


@dataclass(frozen=True)
class Interval:
    """A mean and its confidence interval ``[low, high]`` over ``n`` values (chapter 06).

    :func:`mean_interval` builds it; the fields are not checked.

    Args:
        mean: the mean.
        low: the interval's lower end.
        high: the interval's upper end.
        n: the number of values.
    """

    mean: float
    low: float
    high: float
    n: int

    @property
    def half_width(self) -> float:
        """Half the interval's width: ``(high - low) / 2``."""
        return (self.high - self.low) / 2


def mean_interval(values, confidence: float = 0.95) -> Interval:
    """The mean of ``values`` with its Student-t confidence interval (chapter 06).

    Args:
        values: a 1-D sequence of at least 2 finite numbers.
        confidence: the interval's confidence level, in ``(0, 1)``.

    Returns:
        An :class:`Interval`.

    Raises:
        TypeError: if the values are not numbers or ``confidence`` is not a number.
        ValueError: if ``values`` is not 1-D, holds fewer than 2 numbers or a NaN or infinity, or
            ``confidence`` is not in ``(0, 1)``.
    """
    values = _check_values(values, "values")
    confidence = _check_confidence(confidence)
    mean = float(values.mean())
    sem = float(values.std(ddof=1) / np.sqrt(len(values)))
    half = float(_stats.t.ppf(0.5 + confidence / 2, len(values) - 1)) * sem
    return Interval(mean, mean - half, mean + half, len(values))


@dataclass(frozen=True)
class PairedComparison:
    """``method - baseline``, seed by seed (chapter 06).

    :func:`paired_comparison` builds it; the fields are not checked.

    Args:
        difference: the mean difference with its :class:`Interval`.
        p_value: two-sided paired t-test.
        sign_p_value: two-sided sign test on the seeds that differ.
        better: how many seeds the method won (larger is better).
        tied: how many seeds it tied.
        worse: how many seeds it lost.
    """

    difference: Interval
    p_value: float
    sign_p_value: float
    better: int
    tied: int
    worse: int


def paired_comparison(method, baseline, confidence: float = 0.95) -> PairedComparison:
    """Compare ``method`` with ``baseline``, both one value per seed in the same seed order (chapter 06).

    When every seed moves by the same amount there is no spread for a t statistic: ``p_value``
    is then 1 if that amount is 0, else 0.

    Args:
        method: the method's values, a 1-D sequence of at least 2 finite numbers.
        baseline: the baseline's values, as many, for the same seeds.
        confidence: the confidence level of the difference's interval, in ``(0, 1)``.

    Returns:
        A :class:`PairedComparison` of ``method - baseline``.

    Raises:
        TypeError: if the values are not numbers or ``confidence`` is not a number.
        ValueError: if ``method`` or ``baseline`` is not 1-D, holds fewer than 2 numbers or a NaN or
            infinity, their lengths differ, or ``confidence`` is not in ``(0, 1)``.
    """
    method = _check_values(method, "method")
    baseline = _check_values(baseline, "baseline")
    if method.shape != baseline.shape:
        raise ValueError(
            f"method and baseline must hold one value per seed each, got {len(method)} and {len(baseline)}"
        )
    diff = method - baseline
    better = int(np.sum(diff > 0))
    worse = int(np.sum(diff < 0))
    if np.all(diff == diff[0]):
        # Every seed moved by the same amount: no spread, so no t statistic.
        p_value = 1.0 if diff[0] == 0 else 0.0
    else:
        p_value = float(_stats.ttest_rel(method, baseline).pvalue)
    sign_p = float(_stats.binomtest(better, better + worse).pvalue) if better + worse else 1.0
    return PairedComparison(
        difference=mean_interval(diff, confidence),
        p_value=p_value,
        sign_p_value=sign_p,
        better=better,
        tied=len(diff) - better - worse,
        worse=worse,
    )
