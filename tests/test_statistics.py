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
    assert result.sign_p_value == pytest.approx(stats.binomtest(4, 5).pvalue)
    assert result.difference.mean == pytest.approx(0.0011666, abs=1e-6)
    same = el.paired_comparison(baseline, baseline)
    assert (same.p_value, same.better, same.tied, same.difference.half_width) == (1.0, 0, 6, 0.0)


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
