"""The Bayes-optimal classifier of the blobs problem (bayes.py, chapter 01)."""

import ensemble_lib as el

import numpy as np
import pytest


def test_bayes_rule_is_nearest_centre_with_equal_priors():
    centers = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]])
    bayes = el.BayesClassifier(centers, cluster_std=1.0)
    points = np.array([[0.1, 0.2], [3.0, 0.5], [0.4, 2.9], [1.9, 0.0]])
    np.testing.assert_array_equal(bayes.predict(points), [0, 1, 2, 0])
    assert bayes.accuracy(points, np.array([0, 1, 2, 1])) == 0.75
    proba = bayes.predict_proba(points)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # Exactly halfway between centres 0 and 1, far from centre 2: a coin toss between 0 and 1.
    np.testing.assert_allclose(bayes.predict_proba([[2.0, -50.0]])[0, :2], [0.5, 0.5])


def test_priors_shift_the_boundary():
    centers = np.array([[0.0, 0.0], [2.0, 0.0]])
    point = [[1.0, 0.0]]  # halfway
    assert el.BayesClassifier(centers, 1.0, priors=[0.6, 0.4]).predict(point)[0] == 0
    assert el.BayesClassifier(centers, 1.0, priors=[0.4, 0.6]).predict(point)[0] == 1


def test_expected_accuracy_of_two_gaussians_has_a_closed_form():
    from scipy.stats import norm

    d = 3.0  # centres d standard deviations apart, equal priors: accuracy = Phi(d / 2)
    bayes = el.BayesClassifier([[0.0, 0.0], [2.0 * d, 0.0]], cluster_std=2.0)
    assert bayes.expected_accuracy() == pytest.approx(norm.cdf(d / 2), abs=1e-5)


def test_expected_accuracy_agrees_with_monte_carlo(problem):
    bayes = el.BayesClassifier.for_problem(problem)
    rng = np.random.default_rng(0)
    n = 400_000
    k = rng.choice(3, size=n, p=bayes.priors)
    x = bayes.centers[k] + rng.normal(0.0, problem.cluster_std, size=(n, 2))
    monte_carlo = np.mean(bayes.predict(x) == k)
    # Monte Carlo standard error is about 0.0006; the grid value is far more precise.
    assert bayes.expected_accuracy() == pytest.approx(monte_carlo, abs=0.003)
    assert bayes.expected_accuracy() == pytest.approx(bayes.expected_accuracy(grid_points=3001), abs=1e-5)


@pytest.mark.parametrize(
    "args, kwargs, error, match",
    [
        (([1.0, 2.0], 1.0), {}, ValueError, "centers must have shape"),
        (([[0.0, np.nan]], 1.0), {}, ValueError, "centers must be finite"),
        (([[0.0, 0.0]], 0.0), {}, ValueError, "cluster_std must be a finite number > 0"),
        (([[0.0, 0.0]], np.inf), {}, ValueError, "cluster_std must be a finite number > 0"),
        (([[0.0, 0.0]], "2"), {}, TypeError, "cluster_std must be a number"),
        (([[0.0, 0.0], [1.0, 1.0]], 1.0), {"priors": [1.0]}, ValueError, "priors must have one entry per centre"),
        (([[0.0, 0.0], [1.0, 1.0]], 1.0), {"priors": [0.7, 0.7]}, ValueError, "priors must sum to 1"),
        (([[0.0, 0.0], [1.0, 1.0]], 1.0), {"priors": [1.5, -0.5]}, ValueError, "priors must be positive"),
    ],
)
def test_bayes_rejects_bad_parameters(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        el.BayesClassifier(*args, **kwargs)


def test_bayes_rejects_bad_points(problem):
    bayes = el.BayesClassifier.for_problem(problem)
    with pytest.raises(ValueError, match=r"x must have shape \(n_points, 2\)"):
        bayes.predict(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="x must be finite"):
        bayes.predict_proba([[0.0, np.inf]])
    with pytest.raises(ValueError, match="y must hold one label per point"):
        bayes.accuracy(problem.x_test, problem.y_train)
    with pytest.raises(ValueError, match="grid_points must be at least 100"):
        bayes.expected_accuracy(grid_points=10)
    with pytest.raises(ValueError, match="two features only"):
        el.BayesClassifier([[0.0, 0.0, 0.0]], 1.0).expected_accuracy()
