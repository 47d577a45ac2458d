"""Weighting schemes and the weighted average of members (chapter 03)."""

import math

import ensemble_lib as el

import numpy as np
import pytest


def test_equal_weights():
    np.testing.assert_allclose(el.shares(4, "equal"), [0.25] * 4)
    np.testing.assert_allclose(el.shares(1, "equal"), [1.0])


def test_linear_weights_follow_n_minus_i_plus_one():
    raw = np.array([3, 2, 1]) / 3  # (n - i + 1) / n for n = 3
    np.testing.assert_allclose(el.shares(3, "linear"), raw / raw.sum())
    np.testing.assert_allclose(el.shares(10, "linear")[0] / el.shares(10, "linear")[-1], 10.0)


def test_exponential_weights_follow_exp_minus_i_over_alpha():
    raw = np.exp(-np.arange(1, 6) / 2.0)
    np.testing.assert_allclose(el.shares(5, "exponential"), raw / raw.sum())
    w = el.shares(5, "exponential", alpha=0.5)
    np.testing.assert_allclose(w[1] / w[0], math.exp(-2.0))


@pytest.mark.parametrize("scheme", el.SCHEMES)
@pytest.mark.parametrize("n", [1, 2, 10, 250])
def test_every_scheme_sums_to_one_and_decreases(scheme, n):
    w = el.shares(n, scheme)
    assert w.shape == (n,) and w.dtype == np.float64
    assert w.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(np.diff(w) <= 0) and np.all(w > 0)


@pytest.mark.parametrize(
    "args, kwargs, error, match",
    [
        ((0, "equal"), {}, ValueError, "n must be at least 1"),
        ((2.0, "equal"), {}, TypeError, "n must be an int"),
        ((3, "cosine"), {}, ValueError, "scheme must be one of equal, linear, exponential"),
        ((3, "exponential"), {"alpha": 0}, ValueError, "alpha must be positive"),
        ((3, "exponential"), {"alpha": -1.0}, ValueError, "alpha must be positive"),
        ((3, "exponential"), {"alpha": float("inf")}, ValueError, "alpha must be positive and finite"),
        ((3, "exponential"), {"alpha": "2"}, TypeError, "alpha must be a number"),
    ],
)
def test_shares_reject_bad_input(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        el.shares(*args, **kwargs)


def _members():
    rng = np.random.default_rng(0)
    return [[rng.normal(size=(2, 3)).astype(np.float32), rng.normal(size=3).astype(np.float32)] for _ in range(4)]


def test_average_is_the_weighted_mean_of_every_entry():
    members = _members()
    w = np.array([0.4, 0.3, 0.2, 0.1])
    averaged = el.average_weights(members, w)
    for j in range(2):
        expected = sum(share * m[j].astype(np.float64) for share, m in zip(w, members))
        np.testing.assert_allclose(averaged[j], expected, rtol=1e-6)
        assert averaged[j].dtype == np.float32 and averaged[j].shape == members[0][j].shape


def test_weights_are_normalised_and_one_member_is_itself():
    members = _members()
    np.testing.assert_allclose(
        el.average_weights(members, [2, 2, 2, 2])[0], el.average_weights(members, [1, 1, 1, 1])[0]
    )
    only_second = el.average_weights(members, [0, 1, 0, 0])
    np.testing.assert_array_equal(only_second[1], members[1][1])


def test_models_can_be_members():
    a, b = el.build_mlp(seed=1), el.build_mlp(seed=2)
    averaged = el.average_weights([a, b], el.shares(2, "equal"))
    np.testing.assert_allclose(averaged[0], (a.get_weights()[0] + b.get_weights()[0]) / 2, rtol=1e-6)
    model = el.model_with_weights(a, averaged)
    np.testing.assert_array_equal(model.get_weights()[2], averaged[2])
    assert model is not a and not np.array_equal(a.get_weights()[0], averaged[0])


@pytest.mark.parametrize(
    "members, weights, error, match",
    [
        ([], [], ValueError, "members is empty"),
        ("abc", [1], TypeError, "members must be a list"),
        ([[np.zeros(2)], "x"], [1, 1], TypeError, r"members\[1\] must be a Keras model or a list of weight arrays"),
        (
            [[np.zeros(2)], [np.zeros(2), np.zeros(1)]],
            [1, 1],
            ValueError,
            r"members\[1\] has 2 weight arrays, members\[0\] has 1",
        ),
        (
            [[np.zeros((2, 3))], [np.zeros((3, 2))]],
            [1, 1],
            ValueError,
            r"members\[1\] weight array 0 has shape \(3, 2\)",
        ),
        ([[np.zeros(2)], [np.zeros(2)]], [1], ValueError, r"shares must hold one number per member \(2\)"),
        ([[np.zeros(2)], [np.zeros(2)]], [[1, 1]], ValueError, "shares must hold one number per member"),
        ([[np.zeros(2)], [np.zeros(2)]], [1, -0.5], ValueError, "shares must not be negative"),
        ([[np.zeros(2)], [np.zeros(2)]], [0, 0], ValueError, "shares are all zero"),
        ([[np.zeros(2)], [np.zeros(2)]], [1, np.nan], ValueError, "shares must be finite"),
        ([[np.zeros(2)], [np.zeros(2)]], [1, np.inf], ValueError, "shares must be finite"),
    ],
)
def test_average_weights_rejects_bad_input(members, weights, error, match):
    with pytest.raises(error, match=match):
        el.average_weights(members, weights)


def test_members_of_different_architectures_are_refused():
    with pytest.raises(
        ValueError, match=r"members\[1\] weight array 0 has shape \(2, 50\), members\[0\] has \(2, 25\)"
    ):
        el.average_weights([el.build_mlp(0), el.build_mlp(0, el.RECIPE.replace(hidden_units=50))], [1, 1])
