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


def test_expected_scores_of_the_bayes_rule_match_its_expected_accuracy(problem):
    bayes = el.BayesClassifier.for_problem(problem)
    grid = bayes.quadrature(grid_points=201, reach=6)
    assert 0.5 * 201**2 < len(grid.points) < 201**2  # the cells without mass are left out
    assert grid.points.shape[1] == 2 and grid.weights.shape == (len(grid.points), 3)
    assert grid.weights.sum() == pytest.approx(1.0, abs=1e-6)
    accuracy, log_loss = el.expected_scores(bayes.predict_proba, grid, chunk=5000)
    assert accuracy == pytest.approx(bayes.expected_accuracy(grid_points=201, reach=6), abs=1e-8)
    # The true posterior minimises the expected log-loss (a proper score): any distortion costs.
    sharper = el.expected_scores(lambda x: _tempered(bayes.predict_proba(x), 2.0), grid)
    flatter = el.expected_scores(lambda x: _tempered(bayes.predict_proba(x), 0.5), grid)
    assert sharper[0] == pytest.approx(accuracy, abs=1e-12)  # same argmax, same accuracy
    assert log_loss < sharper[1] and log_loss < flatter[1]
    # A model that always says 1/3: log-loss log 3, and argmax picks class 0 everywhere.
    uniform = el.expected_scores(lambda x: np.full((len(x), 3), 1 / 3), grid)
    assert uniform[1] == pytest.approx(np.log(3), abs=1e-6)
    assert uniform[0] == pytest.approx(problem.class_priors[0], abs=1e-6)


def _tempered(p, power):
    q = p**power
    return q / q.sum(axis=1, keepdims=True)


def test_expected_scores_of_many_models_are_one_per_model(problem):
    bayes = el.BayesClassifier.for_problem(problem)
    grid = bayes.quadrature(grid_points=100, reach=5)

    def three_models(x):
        p = bayes.predict_proba(x)
        return np.stack([p, _tempered(p, 2.0), np.full_like(p, 1 / 3)])

    accuracy, log_loss = el.expected_scores(three_models, grid, chunk=777)
    assert accuracy.shape == log_loss.shape == (3,)
    one = el.expected_scores(lambda x: _tempered(bayes.predict_proba(x), 2.0), grid)
    assert (accuracy[1], log_loss[1]) == (pytest.approx(one[0], abs=1e-12), pytest.approx(one[1], abs=1e-12))
    # Probabilities computed beforehand on the grid's points score the same, bit for bit.
    computed = three_models(grid.points)
    for given, called in zip(el.expected_scores(computed, grid, chunk=777), (accuracy, log_loss)):
        np.testing.assert_array_equal(given, called)
    assert el.expected_scores(computed[1], grid) == one
    evaluated = grid.evaluate(three_models, chunk=999)
    assert evaluated.shape == (3, len(grid.points), 3) and evaluated.dtype == np.float32
    np.testing.assert_array_equal(evaluated, computed.astype(np.float32))
    with pytest.raises(TypeError, match="predict must be a function of points"):
        grid.evaluate(computed)
    with pytest.raises(ValueError, match=r"must give probabilities of shape \(10, 3\)"):
        grid.evaluate(lambda x: np.full((len(x), 2), 0.5), chunk=10)
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        grid.evaluate(lambda x: np.full((len(x), 3), 1.5))
    with pytest.raises(ValueError, match="chunk must be at least 1"):
        grid.evaluate(three_models, chunk=0)


def test_expected_scores_refuse_bad_arguments(problem):
    bayes = el.BayesClassifier.for_problem(problem)
    grid = bayes.quadrature(grid_points=100)
    with pytest.raises(TypeError, match="predict must be a function of points or an array"):
        el.expected_scores([[0.5, 0.5, 0.0]], grid)
    with pytest.raises(ValueError, match=r"predict must give probabilities of shape \(\d+, 3\)"):
        el.expected_scores(np.zeros((3, 3)), grid)
    with pytest.raises(TypeError, match="quadrature must be a Quadrature"):
        el.expected_scores(bayes.predict_proba, grid.points)
    with pytest.raises(ValueError, match=r"must give probabilities of shape \(100, 3\)"):
        el.expected_scores(lambda x: np.full((len(x), 2), 0.5), grid, chunk=100)
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        el.expected_scores(lambda x: np.full((len(x), 3), 2.0), grid)
    with pytest.raises(ValueError, match="chunk must be at least 1"):
        el.expected_scores(bayes.predict_proba, grid, chunk=0)
