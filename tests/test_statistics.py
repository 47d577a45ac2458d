"""Confidence intervals and paired comparisons of chapter 06."""

import ensemble_lib as el

import numpy as np
import pytest
from scipy import stats


def test_mean_interval_is_students_t():
    values = np.array([0.80, 0.81, 0.79, 0.805, 0.812, 0.798])
    iv = el.mean_interval(values, confidence=0.9)
    low, high = stats.t.interval(0.9, len(values) - 1, loc=values.mean(), scale=stats.sem(values))
    assert iv.mean == pytest.approx(values.mean())
    assert (iv.low, iv.high) == (pytest.approx(low), pytest.approx(high))
    assert iv.half_width == pytest.approx((high - low) / 2)
    assert iv.n == 6


def test_paired_comparison_counts_and_tests():
    baseline = np.array([0.80, 0.81, 0.79, 0.80, 0.78, 0.82])
    method = baseline + np.array([0.002, 0.0, 0.001, -0.001, 0.003, 0.002])
    result = el.paired_comparison(method, baseline)
    assert (result.better, result.tied, result.worse) == (4, 1, 1)
    assert result.p_value == pytest.approx(stats.ttest_rel(method, baseline).pvalue)
    diff = method - baseline
    assert result.wilcoxon_p_value == pytest.approx(stats.wilcoxon(diff).pvalue)
    assert result.difference.mean == pytest.approx(0.0011666, abs=1e-6)
    assert result.median == pytest.approx(0.0015)
    assert result.correlation == pytest.approx(stats.pearsonr(method, baseline).statistic)
    same = el.paired_comparison(baseline, baseline)
    assert (same.p_value, same.wilcoxon_p_value, same.better, same.tied) == (1.0, 1.0, 0, 6)
    assert same.difference.half_width == 0.0 and same.correlation == pytest.approx(1.0)


def test_wilcoxon_is_robust_where_the_t_test_is_not():
    """One seed rescued by a lot moves the mean and the t-test, not the median or the ranks."""
    baseline = np.linspace(0.78, 0.82, 20)
    losses = np.where(np.arange(20) < 12, -0.001, 0.0) + np.where(np.arange(20) == 19, 0.05, 0.0)
    result = el.paired_comparison(baseline + losses, baseline)
    assert result.difference.mean > 0 and result.median < 0
    assert result.wilcoxon_p_value < 0.05 < result.p_value


def test_holm_adjusts_step_down():
    adjusted = el.holm([0.01, 0.04, 0.03, 0.005])
    np.testing.assert_allclose(adjusted, [0.03, 0.06, 0.06, 0.02])
    assert list(el.holm([0.5])) == [0.5]
    np.testing.assert_allclose(el.holm([0.3, 0.3, 0.9]), [0.9, 0.9, 0.9])
    rng = np.random.default_rng(1)
    for _ in range(20):
        p = rng.uniform(size=7) ** 3
        adjusted = el.holm(p)
        assert np.all(adjusted >= p) and np.all(adjusted <= 1)
        order = np.argsort(p)
        assert np.all(np.diff(adjusted[order]) >= 0)  # the order of the p-values is kept
        assert np.all(adjusted <= np.minimum(1, len(p) * p))  # never above Bonferroni


def test_sd_ratio_is_a_paired_bootstrap_and_repeatable():
    rng = np.random.default_rng(2)
    baseline = rng.normal(0.8, 0.01, size=50)
    method = 0.8 + 0.5 * (baseline - 0.8) + rng.normal(0, 0.001, size=50)  # half the spread
    result = el.sd_ratio(method, baseline)
    assert result.mean == pytest.approx(np.std(method, ddof=1) / np.std(baseline, ddof=1))
    assert result.low < result.mean < result.high < 1  # clearly more stable
    assert el.sd_ratio(method, baseline) == result  # fixed random numbers: the same interval
    wide = el.sd_ratio(method, baseline, confidence=0.99)
    assert wide.low < result.low and wide.high > result.high


@pytest.mark.parametrize(
    "args, match",
    [
        (([0.8], [0.8]), "at least 2 numbers"),
        (([0.8, np.nan], [0.8, 0.8]), "must be finite"),
        (([0.8, 0.8, 0.8], [0.8, 0.8]), "one value per seed"),
    ],
)
def test_statistics_reject_bad_arguments(args, match):
    with pytest.raises(ValueError, match=match):
        el.paired_comparison(*args)


def test_mean_interval_rejects_bad_confidence():
    with pytest.raises(ValueError, match=r"confidence must be a finite number in \(0, 1\)"):
        el.mean_interval([0.1, 0.2], confidence=95)


def test_verdict_reads_the_adjusted_test_and_the_sign():
    up = el.paired_comparison([0.9, 0.8, 0.85], [0.8, 0.7, 0.8])
    assert el.verdict(up, 0.01) == "helps"
    assert el.verdict(up, 0.01, lower_is_better=True) == "hurts"  # a log-loss that went up
    assert el.verdict(up, 0.05) == "no detectable effect"  # at the level: not below it
    assert el.verdict(up, 0.04, alpha=0.01) == "no detectable effect"
    with pytest.raises(TypeError, match="paired must be a PairedComparison"):
        el.verdict(0.1, 0.01)
    with pytest.raises(ValueError, match=r"adjusted_p must be a finite number in \[0, 1\]"):
        el.verdict(up, 1.5)
    with pytest.raises(TypeError, match="lower_is_better must be a bool"):
        el.verdict(up, 0.01, lower_is_better="yes")
    with pytest.raises(ValueError, match=r"alpha must be a finite number in \(0, 1\)"):
        el.verdict(up, 0.01, alpha=0)
