"""How sure can we be? Confidence intervals and paired comparisons over seeds.

Introduced in chapter 6 (does it really help?).

Every method is run once per seed, and every seed also gives a baseline run with the same
initial weights and the same batches. So a method is compared with the baseline *seed by seed*
(a paired comparison): the part of the seed-to-seed spread that method and baseline share
cancels (how much, the correlation between them says), and what is left is the method's own
effect. Intervals use Student's t distribution; the paired test is the paired t-test, with
Wilcoxon's signed-rank test beside it (robust to a few extreme seeds) and the median difference
beside the mean. When many methods are tested, :func:`holm` adjusts the p-values so that the
chance of any false "it helps" stays below the level; :func:`sd_ratio` compares the spread of a
method over seeds with the baseline's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as _stats

from ._checks import check_int, check_numeric_array, check_real

__all__ = [
    "Interval",
    "PairedComparison",
    "Verdicts",
    "holm",
    "holm_verdicts",
    "mean_interval",
    "paired_comparison",
    "sd_ratio",
    "verdict",
]


def _check_values(values, name: str) -> np.ndarray:
    array = check_numeric_array(values, name).astype(np.float64)
    if array.ndim != 1 or len(array) < 2:
        raise ValueError(f"{name} must be a 1-D sequence of at least 2 numbers, got shape {array.shape}")
    return array


def _check_confidence(confidence) -> float:
    return check_real(confidence, "confidence", 0, 1, open_interval=True)


@dataclass(frozen=True)
class Interval:
    """A mean and its confidence interval ``[low, high]`` over ``n`` values (chapter 6).

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
        """Half the interval's width, ``(high - low) / 2``."""
        return (self.high - self.low) / 2

    def __format__(self, spec: str) -> str:
        """``format(interval, "+.4f")`` gives ``"+0.0012 [-0.0003, +0.0027]"``: the mean, then the
        interval, each in ``spec``; an empty ``spec`` gives ``str(interval)``. So an interval is
        a cell of :func:`~ensemble_lib.reporting.table` like a number."""
        if not spec:
            return str(self)
        return f"{format(self.mean, spec)} [{format(self.low, spec)}, {format(self.high, spec)}]"


def mean_interval(values, confidence: float = 0.95) -> Interval:
    """The mean of ``values`` with its Student-t confidence interval (chapter 6).

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
    """``method - baseline``, seed by seed (chapter 6).

    :func:`paired_comparison` builds it; the fields are not checked.

    Args:
        difference: the mean difference with its :class:`Interval`.
        median: the median difference.
        p_value: two-sided paired t-test.
        wilcoxon_p_value: two-sided Wilcoxon signed-rank test (seeds with no difference are
            dropped; normal approximation with a correction for ties when there are any).
        correlation: Pearson's correlation between method and baseline over the seeds: how much
            of the seed-to-seed spread the pairing removes (``nan`` if either does not vary).
        better: how many seeds the difference is positive.
        tied: how many seeds it is zero.
        worse: how many seeds it is negative.
    """

    difference: Interval
    median: float
    p_value: float
    wilcoxon_p_value: float
    correlation: float
    better: int
    tied: int
    worse: int


def paired_comparison(method, baseline, confidence: float = 0.95) -> PairedComparison:
    """Compare ``method`` with ``baseline``, both one value per seed in the same seed order (chapter 6).

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
    if better + worse == 0:
        wilcoxon_p = 1.0
    else:
        wilcoxon_p = float(_stats.wilcoxon(diff, zero_method="wilcox", alternative="two-sided").pvalue)
    varies = np.ptp(method) > 0 and np.ptp(baseline) > 0
    correlation = float(np.corrcoef(method, baseline)[0, 1]) if varies else float("nan")
    return PairedComparison(
        difference=mean_interval(diff, confidence),
        median=float(np.median(diff)),
        p_value=p_value,
        wilcoxon_p_value=wilcoxon_p,
        correlation=correlation,
        better=better,
        tied=len(diff) - better - worse,
        worse=worse,
    )


def holm(p_values) -> np.ndarray:
    """Holm's step-down adjustment of ``p_values`` for testing them all at once (chapter 6).

    Sorted ascending, the ``i``-th smallest (from 0) of ``m`` p-values becomes
    ``max over j <= i of min(1, (m - j) * p_(j))``. Rejecting every hypothesis whose adjusted
    p-value is below ``alpha`` keeps the chance of *any* false rejection among the ``m`` at most
    ``alpha``, whatever their dependence (Holm 1979). Ties in ``p_values`` get equal results.

    Args:
        p_values: a non-empty 1-D sequence of p-values in ``[0, 1]``.

    Returns:
        The adjusted p-values, a float64 array in the order given.

    Raises:
        TypeError: if ``p_values`` does not hold numbers.
        ValueError: if it is empty, not 1-D, or holds a value outside ``[0, 1]`` or a NaN.
    """
    p = check_numeric_array(p_values, "p_values").astype(np.float64)
    if p.ndim != 1 or len(p) == 0:
        raise ValueError(f"p_values must be a non-empty 1-D sequence, got shape {p.shape}")
    if np.any(p < 0) or np.any(p > 1):
        raise ValueError("p_values must lie in [0, 1]")
    m = len(p)
    order = np.argsort(p, kind="stable")
    stepped = np.minimum(1.0, (m - np.arange(m)) * p[order])
    adjusted = np.empty(m)
    adjusted[order] = np.maximum.accumulate(stepped)
    return adjusted


def verdict(paired, adjusted_p, lower_is_better: bool = False, alpha: float = 0.05) -> str:
    """The book's words for one adjusted test: "helps", "hurts" or "no detectable effect" (chapter 6).

    "no detectable effect" when ``adjusted_p`` (a :func:`holm`-adjusted p-value of ``paired``'s
    test) is at least ``alpha``; otherwise the sign of the mean difference decides, read as a
    gain when higher is better (accuracy) or as a loss when lower is better (log-loss).

    Args:
        paired: the :class:`PairedComparison` ``method - baseline``.
        adjusted_p: its adjusted p-value, in ``[0, 1]``.
        lower_is_better: whether the measure improves downwards.
        alpha: the level, in ``(0, 1)``.

    Raises:
        TypeError: if ``paired`` is not a :class:`PairedComparison`, ``adjusted_p`` or ``alpha``
            is not a number, or ``lower_is_better`` is not a bool.
        ValueError: if ``adjusted_p`` is outside ``[0, 1]`` or ``alpha`` outside ``(0, 1)``.
    """
    if not isinstance(paired, PairedComparison):
        raise TypeError(f"paired must be a PairedComparison (from paired_comparison), got {type(paired).__name__}")
    adjusted_p = check_real(adjusted_p, "adjusted_p", 0, 1)
    if not isinstance(lower_is_better, (bool, np.bool_)):
        raise TypeError(f"lower_is_better must be a bool, got {type(lower_is_better).__name__}")
    alpha = check_real(alpha, "alpha", 0, 1, open_interval=True)
    if adjusted_p >= alpha:
        return "no detectable effect"
    gain = -paired.difference.mean if lower_is_better else paired.difference.mean
    return "helps" if gain > 0 else "hurts"


@dataclass(frozen=True)
class Verdicts:
    """The verdicts on a family of paired comparisons, Holm-adjusted together (chapter 8).

    :func:`holm_verdicts` builds it; the fields are not checked.

    Args:
        measures: the measures' names, in the order of each comparison's tuple.
        words: per comparison, the :func:`verdict` of its paired t-tests, one per measure.
        robust_words: the same from the Wilcoxon signed-rank tests.
        t: per ``(comparison, measure index)``, the Holm-adjusted p-value of the t-test.
        wilcoxon: the same for the Wilcoxon tests.
    """

    measures: tuple[str, ...]
    words: dict
    robust_words: dict
    t: dict
    wilcoxon: dict

    def table(self, label: str = "comparison"):
        """Every comparison's words and adjusted p-values, as an :func:`~ensemble_lib.reporting.table`."""
        from .reporting import table

        names = list(self.words)
        columns = {label: names}
        for j, measure in enumerate(self.measures):
            columns[f"{measure}: verdict"] = [self.words[n][j] for n in names]
            columns[f"{measure}: Holm t"] = [self.t[n, j] for n in names]
            columns[f"{measure}: Holm W"] = [self.wilcoxon[n, j] for n in names]
        spec = {f"{m}: Holm {test}": ".3f" for m in self.measures for test in "tW"}
        return table(columns, formats=spec)


def holm_verdicts(comparisons, measures, lower_is_better, alpha: float = 0.05) -> Verdicts:
    """Adjust a family of paired comparisons together with Holm's method, and say what each shows (chapter 8).

    Every comparison holds one :class:`PairedComparison` per measure (say accuracy and
    log-loss). All their t-tests form one family for :func:`holm`, all their Wilcoxon tests
    another, and each test gets the :func:`verdict` of its adjusted p-value.

    Args:
        comparisons: a mapping of names to tuples of :class:`PairedComparison`, one per measure.
        measures: the measures' names, as many as each tuple holds.
        lower_is_better: for each measure, whether it improves downwards (log-loss) or not.
        alpha: the level of the family, in ``(0, 1)``.

    Returns:
        A :class:`Verdicts`.

    Raises:
        TypeError: if ``comparisons`` is not a mapping, a comparison is not a tuple or list of
            :class:`PairedComparison`, or ``lower_is_better`` holds something other than bools.
        ValueError: if there are no comparisons, or the numbers of measures, of flags and of
            comparisons in a tuple differ.
    """
    from collections.abc import Mapping

    if not isinstance(comparisons, Mapping):
        raise TypeError(f"comparisons must be a mapping of names to tuples, got {type(comparisons).__name__}")
    if not comparisons:
        raise ValueError("comparisons is empty: there is nothing to adjust")
    measures = tuple(measures)
    lower_is_better = tuple(lower_is_better)
    if len(lower_is_better) != len(measures):
        raise ValueError(f"lower_is_better has {len(lower_is_better)} flags for {len(measures)} measures")
    for name, row in comparisons.items():
        if not isinstance(row, (tuple, list)) or not all(isinstance(c, PairedComparison) for c in row):
            raise TypeError(f"comparisons[{name!r}] must be a tuple of PairedComparison, one per measure")
        if len(row) != len(measures):
            raise ValueError(f"comparisons[{name!r}] holds {len(row)} comparisons for {len(measures)} measures")
    names = list(comparisons)
    family = [(n, j) for j in range(len(measures)) for n in names]
    t = dict(zip(family, holm([comparisons[n][j].p_value for n, j in family]).tolist()))
    wilcoxon = dict(zip(family, holm([comparisons[n][j].wilcoxon_p_value for n, j in family]).tolist()))
    words = {
        n: tuple(verdict(comparisons[n][j], t[n, j], lower_is_better[j], alpha) for j in range(len(measures)))
        for n in names
    }
    robust = {
        n: tuple(verdict(comparisons[n][j], wilcoxon[n, j], lower_is_better[j], alpha) for j in range(len(measures)))
        for n in names
    }
    return Verdicts(measures, words, robust, t, wilcoxon)


def sd_ratio(method, baseline, confidence: float = 0.95, resamples: int = 9999) -> Interval:
    """The seed-to-seed standard deviation of ``method`` over that of ``baseline``, with an
    interval (chapter 6): is a method more stable than the baseline?

    The interval is scipy's BCa bootstrap over seeds, resampling (method, baseline) pairs
    together, since both come from the same seeds; its random numbers come from a fixed seed, so
    the result is the same on every run.

    Args:
        method: the method's values, a 1-D sequence of at least 2 finite numbers.
        baseline: the baseline's values, as many, for the same seeds, not all equal.
        confidence: the interval's confidence level, in ``(0, 1)``.
        resamples: the number of bootstrap resamples, at least 100.

    Returns:
        An :class:`Interval` whose ``mean`` field holds the ratio (below 1: the method varies
        less from seed to seed than the baseline).

    Raises:
        TypeError: if the values are not numbers, or ``confidence`` or ``resamples`` has the
            wrong type.
        ValueError: for values as :func:`paired_comparison` refuses them, a baseline that does
            not vary, ``confidence`` not in ``(0, 1)`` or fewer than 100 resamples.
    """
    method = _check_values(method, "method")
    baseline = _check_values(baseline, "baseline")
    if method.shape != baseline.shape:
        raise ValueError(
            f"method and baseline must hold one value per seed each, got {len(method)} and {len(baseline)}"
        )
    if np.ptp(baseline) == 0:
        raise ValueError("baseline must vary over the seeds (its standard deviation is the denominator)")
    confidence = _check_confidence(confidence)
    resamples = check_int(resamples, "resamples", minimum=100)

    def ratio(a, b, axis=-1):
        return np.std(a, ddof=1, axis=axis) / np.std(b, ddof=1, axis=axis)

    result = _stats.bootstrap(
        (method, baseline),
        ratio,
        paired=True,
        vectorized=True,
        confidence_level=confidence,
        n_resamples=resamples,
        method="BCa",
        rng=np.random.default_rng(0),
    )
    low, high = result.confidence_interval
    return Interval(float(ratio(method, baseline)), float(low), float(high), len(method))
