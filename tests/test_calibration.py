"""Calibration (calibration.py): the ECE and the reliability curve agree with a direct count, and
temperature scaling finds the temperature that generated the labels."""

import ensemble_lib as el

import numpy as np
import pytest
from scipy.optimize import minimize_scalar


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@pytest.fixture(scope="module")
def sample():
    """Four over-confident models: the labels follow the models' logits divided by 2.5."""
    rng = np.random.default_rng(7)
    logits = rng.normal(size=(4, 600, 3)) * 3
    truth = _softmax(logits[0] / 2.5)
    labels = np.array([rng.choice(3, p=row) for row in truth])
    return _softmax(logits), labels, truth


def test_ece_is_the_binned_gap_counted_directly(sample):
    p, y, _ = sample
    ece = el.expected_calibration_error(p, y, bins=15)
    assert ece.shape == (4,)
    for i in range(4):
        confidence, right = p[i].max(axis=1), p[i].argmax(axis=1) == y
        b = np.minimum(np.floor(confidence * 15).astype(int), 14)
        direct = sum(abs(right[b == k].sum() - confidence[b == k].sum()) for k in range(15)) / len(y)
        assert ece[i] == pytest.approx(direct, abs=1e-12)
    assert el.expected_calibration_error(p[0], y) == pytest.approx(ece[0], abs=1e-15)
    assert ece[0] > 0.05  # over-confident by construction


def test_a_calibrated_model_has_no_gap_on_its_true_distribution(sample):
    """Weight rows equal to the model's own probabilities: the model is the truth, ECE 0."""
    p, _, _ = sample
    weights = p[1] / len(p[1])
    assert el.expected_calibration_error(p[1], weights) < 1e-12
    curve = el.reliability_curve(p[1], weights, bins=10)
    np.testing.assert_allclose(curve.accuracy, curve.confidence, atol=1e-12)
    assert curve.share.sum() == pytest.approx(1.0)
    assert np.all(np.diff(curve.confidence) > 0) and len(curve.share) <= 10


def test_cross_entropy_on_weight_rows_is_the_expected_log_loss(problem):
    """Against a quadrature's weights, cross_entropy is expected_scores' log-loss; the Bayes rule's
    own is the smallest (Gibbs' inequality: every other model's exceeds it by its KL divergence)."""
    bayes = el.BayesClassifier.for_problem(problem)
    grid = bayes.quadrature(grid_points=101)
    p = bayes.predict_proba(grid.points)
    assert el.cross_entropy(p, grid.weights) == pytest.approx(
        el.expected_scores(bayes.predict_proba, grid)[1], rel=1e-7
    )
    # (rel=1e-7: cross_entropy scales the weights to sum to 1; the grid misses 1.6e-9 of the mass)
    blurred = el.with_temperature(p, 1.3)
    assert el.cross_entropy(blurred, grid.weights) > el.cross_entropy(p, grid.weights) + 1e-3
    assert el.fit_temperature(p, grid.weights) == pytest.approx(1.0, abs=1e-4)


def test_reliability_pools_models_and_matches_labels(sample):
    p, y, _ = sample
    curve = el.reliability_curve(p[:2], y, bins=5)
    confidence = p[:2].max(axis=2).ravel()
    right = (p[:2].argmax(axis=2) == y).ravel()
    b = np.minimum(np.floor(confidence * 5).astype(int), 4)
    filled = [k for k in range(5) if np.any(b == k)]
    np.testing.assert_allclose(curve.accuracy, [right[b == k].mean() for k in filled], atol=1e-12)
    np.testing.assert_allclose(curve.share, [np.mean(b == k) for k in filled], atol=1e-12)


def test_temperature_matches_scipy_and_recovers_the_truth(sample):
    p, y, truth = sample
    fitted = el.fit_temperature(p, y)
    for i in range(2):

        def loss(log_t, model=p[i]):
            q = el.with_temperature(model, np.exp(log_t))
            return -np.mean(np.log(q[np.arange(len(y)), y]))

        best = minimize_scalar(loss, bounds=(np.log(0.05), np.log(20)), method="bounded", options={"xatol": 1e-10})
        assert fitted[i] == pytest.approx(np.exp(best.x), rel=1e-6)
    # On the true distribution of model 0 (weights: its truth), the temperature is 2.5 (up to the
    # clipping of probabilities below 1e-7 before the logarithm).
    assert el.fit_temperature(p[0], truth / len(truth)) == pytest.approx(2.5, rel=1e-5)
    # Tempering lowers the loss, never changes a prediction, and T = 1 changes nothing.
    tempered = el.with_temperature(p, fitted)
    np.testing.assert_array_equal(tempered.argmax(axis=2), p.argmax(axis=2))
    assert el.replica_scores(tempered, y)[1][0] < el.replica_scores(p, y)[1][0]
    np.testing.assert_allclose(el.cross_entropy(tempered, y), el.replica_scores(tempered, y)[1], rtol=1e-12)
    np.testing.assert_allclose(el.with_temperature(p[0], 1.0), p[0], atol=1e-6)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda p, y: el.expected_calibration_error(p[0, :, 0], y), ValueError, "probabilities must have shape"),
        (lambda p, y: el.expected_calibration_error(p * 2, y), ValueError, "probabilities in"),
        (lambda p, y: el.expected_calibration_error(p, y[:-1]), ValueError, "y|targets"),
        (lambda p, y: el.expected_calibration_error(p, y + 0.5), TypeError, "targets"),
        (lambda p, y: el.expected_calibration_error(p, -np.ones((600, 3))), ValueError, "targets"),
        (lambda p, y: el.expected_calibration_error(p, y, bins=0), ValueError, "bins"),
        (lambda p, y: el.reliability_curve(p, np.ones((600, 4))), ValueError, "targets"),
        (lambda p, y: el.with_temperature(p, -1.0), ValueError, "temperature"),
        (lambda p, y: el.with_temperature(p, [1.0, 2.0]), ValueError, "temperature"),
        (lambda p, y: el.with_temperature(p, "2"), TypeError, "temperature"),
        (lambda p, y: el.fit_temperature(p, y, low=0.0), ValueError, "low"),
        (lambda p, y: el.fit_temperature(p, y, low=2.0, high=1.0), ValueError, "high"),
    ],
)
def test_bad_arguments_are_refused(sample, call, error, match):
    p, y, _ = sample
    with pytest.raises(error, match=match):
        call(p, y)
