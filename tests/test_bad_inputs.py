"""Bad input to the public API ends in a clear ValueError or TypeError, never in a silent wrong
answer: a sweep of hand-picked bad inputs over the public functions, and generated ones
(hypothesis) for the arguments where silent coercion used to happen (labels, points, numbers).

"Clear" means: a ValueError or TypeError whose message names the argument. NumPy's integer and
float scalars are accepted wherever Python's are.
"""

import ensemble_lib as el

import keras
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def model():
    return el.build_mlp(seed=0)


@pytest.fixture(scope="module")
def points():
    return el.load_blobs().x_test[:20]


def _stacked():
    return [
        np.zeros((2, 2, 4), np.float32),
        np.zeros((2, 4), np.float32),
        np.zeros((2, 4, 3), np.float32),
        np.zeros((2, 3), np.float32),
    ]


def _sweep(model, points):
    """(name, call, word the message must contain) for every bad input of the sweep."""
    x, good = points, np.zeros(len(points), dtype=int)
    probabilities = np.full((2, len(points), 3), 1 / 3)
    bayes = el.BayesClassifier.for_problem(el.load_blobs())
    cases = {
        # Labels: -1 read as the last class, float labels truncated, a label past the classes.
        "accuracy, label -1": (lambda: el.accuracy(model, x, good - 1), "y"),
        "accuracy, float labels": (lambda: el.accuracy(model, x, good + 0.7), "y"),
        "accuracy, label 5 of 3 classes": (lambda: el.accuracy(model, x, good + 5), "y"),
        "accuracy, rows that are not one-hot": (lambda: el.accuracy(model, x, np.full((len(x), 3), 0.5)), "y"),
        "log_loss, label -1": (lambda: el.log_loss(model, x, good - 1), "y"),
        "log_loss, float labels": (lambda: el.log_loss(model, x, good + 0.5), "y"),
        "log_loss, label 3 of 3 classes": (lambda: el.log_loss(model, x, good + 3), "y"),
        "scores, label -1": (lambda: el.replica_scores(probabilities, good - 1), "y"),
        "scores, float labels": (lambda: el.replica_scores(probabilities, good + 0.2), "y"),
        "scores, label 7": (lambda: el.replica_scores(probabilities, good + 7), "y"),
        "scores, probabilities above 1": (lambda: el.replica_scores(probabilities * 4, good), "probabilities"),
        "bayes accuracy, float labels": (lambda: bayes.accuracy(x, good + 0.5), "y"),
        "bayes accuracy, label 3": (lambda: bayes.accuracy(x, good + 3), "y"),
        "AccuracyCurves, label -2": (lambda: el.AccuracyCurves(test=(x, good - 2)), "y"),
        "AccuracyCurves, float labels": (lambda: el.AccuracyCurves(test=(x, good + 0.5)), "y"),
        "AccuracyCurves, label 3 of 3 classes": (lambda: _curves_begin(model, x, good + 3), "y"),
        "train_replicas, label -1": (lambda: el.train_replicas(x, good - 1, [0, 1], SHORT), "y"),
        "Recipe, momentum as text": (lambda: el.RECIPE.replace(momentum="0.9"), "momentum"),
        "train_replicas, EMA momentum 1": (
            lambda: el.train_replicas(x, good, [0, 1], SHORT, ema_momenta=[1.0]),
            "ema_momenta",
        ),
        # Points: NaN predicted as class 0, text converted to numbers.
        "predict_classes, NaN": (lambda: el.predict_classes(model, np.where(x > 0, np.nan, x)), "x"),
        "predict_classes, text": (lambda: el.predict_classes(model, x.astype(str)), "x"),
        "predict_classes, beyond float32": (lambda: el.predict_classes(model, x.astype(np.float64) * 1e300), "x"),
        "ensemble_predict, infinity": (lambda: el.ensemble_predict([model], np.full((3, 2), np.inf)), "x"),
        "disagreement, NaN": (lambda: el.disagreement([model, model], np.full((3, 2), np.nan)), "x"),
        "replica_probabilities, NaN": (lambda: el.replica_probabilities(_stacked(), np.full((3, 2), np.nan)), "x"),
        "bayes predict, text": (lambda: bayes.predict(np.array([["1", "2"]])), "x"),
        "training_dataset, NaN target": (lambda: el.training_dataset(x, np.full((len(x), 3), np.nan)), "y"),
        # Numbers: text and bools refused, not converted.
        "mean_interval, text": (lambda: el.mean_interval(["1", "2", "3"]), "values"),
        "paired_comparison, bools": (lambda: el.paired_comparison([True, False, True], [1.0, 2.0, 3.0]), "method"),
        "mean_interval, confidence 95": (lambda: el.mean_interval([1.0, 2.0], confidence=95), "confidence"),
        "holm, p-value above 1": (lambda: el.holm([0.01, 1.5]), "p_values"),
        "holm, text": (lambda: el.holm(["0.01"]), "p_values"),
        "sd_ratio, constant baseline": (lambda: el.sd_ratio([1.0, 2.0, 3.0], [1.0, 1.0, 1.0]), "baseline"),
        "sd_ratio, resamples as float": (
            lambda: el.sd_ratio([1.0, 2.0, 3.0], [1.0, 3.0, 2.0], resamples=1e3),
            "resamples",
        ),
        "triangular, lr_min as text": (lambda: el.triangular(3, 10, "0", 0.1), "lr_min"),
        "expected_accuracy, reach as text": (lambda: bayes.expected_accuracy(reach="8"), "reach"),
        # Averaging: integer weights truncated, non-trainable statistics averaged.
        "average_weights, integer arrays": (
            lambda: el.average_weights([[np.arange(3)], [np.arange(3)]], [1, 1]),
            "members[0]",
        ),
        "average_weights, NaN share": (
            lambda: el.average_weights([[np.zeros(3)], [np.ones(3)]], [1, np.nan]),
            "shares",
        ),
        "average_weights, text shares": (
            lambda: el.average_weights([[np.zeros(3)], [np.ones(3)]], ["1", "1"]),
            "shares",
        ),
        "average_weights, BatchNorm statistics": (
            lambda: el.average_weights([_batchnorm_model()] * 2, [1, 1]),
            "members[0]",
        ),
        # Replica runs: bare IndexError and KeyError before.
        "ReplicaRun.replica, index 5 of 2": (lambda: _run().replica(5), "index"),
        "ReplicaRun.members, epoch never kept": (lambda: _run().kept_at([3]), "epochs"),
        "ReplicaRun.members, float epoch": (lambda: _run().kept_at([1.5]), "epochs"),
        # Plotting and the exact softmax: NaN bounds and intervals, float labels, text.
        "data_bounds, NaN": (lambda: el.data_bounds(np.array([[np.nan, 1.0]])), "arrays"),
        "data_bounds, margin as text": (lambda: el.data_bounds(np.zeros((2, 2)), margin="1"), "margin"),
        "plot_blobs, float labels": (lambda: el.plot_blobs(np.zeros((2, 2)), np.array([0.5, 1.0])), "y"),
        "plot_blobs, NaN points": (lambda: el.plot_blobs(np.full((2, 2), np.nan), np.array([0, 1])), "x"),
        "plot_intervals, NaN mean": (lambda: el.plot_intervals({"a": el.Interval(np.nan, 0.0, 1.0, 3)}), "intervals"),
        "plot_members, averaged not a mapping": (lambda: el.plot_members([0.5, 0.6], [0.5, 0.6]), "averaged"),
        "exact_softmax, integer logits": (lambda: el.exact_softmax(np.array([[1, 2, 3]])), "x"),
        # Checkpoints: a file as a folder, a fractional epoch, a stepped window.
        "load_checkpoints, fractional epoch": (lambda: el.load_checkpoints(".", like=model, epochs=[1.7]), "epochs"),
        "EpochCheckpoints, stepped window": (lambda: el.EpochCheckpoints("x", window=range(0, 10, 2)), "window"),
        "EpochCheckpoints, replace as text": (lambda: el.EpochCheckpoints("x", last=2, replace="no"), "replace"),
        "checkpoint_path, negative epoch": (lambda: el.checkpoint_path(".", -1), "epoch"),
    }
    return cases


SHORT = el.RECIPE.replace(epochs=1)


def _batchnorm_model():
    return keras.Sequential([keras.Input((2,)), keras.layers.Dense(4), keras.layers.BatchNormalization()])


def _run():
    weights = _stacked()
    return el.ReplicaRun(seeds=np.array([0, 1]), recipe=el.RECIPE, schedule=0.01, weights=weights, kept={1: weights})


CASES = sorted(_sweep(None, np.zeros((2, 2))))


@pytest.mark.parametrize("case", CASES)
def test_every_bad_input_of_the_sweep_is_refused_clearly(case, model, points):
    call, word = _sweep(model, points)[case]
    with pytest.raises((ValueError, TypeError)) as error:
        call()
    assert word in str(error.value), f"{case}: the message does not name {word!r}: {error.value}"


def test_the_sweep_is_broad():
    assert len(CASES) >= 40


# --- Generated bad inputs ---------------------------------------------------------------------

bad_labels = st.one_of(
    hnp.arrays(np.int64, 20, elements=st.integers(-1000, -1) | st.integers(3, 1000)),  # out of range
    hnp.arrays(np.float64, 20, elements=st.floats(-5, 5)),  # floats, integral or not
    hnp.arrays(np.float64, (20, 3), elements=st.floats(0, 1)).filter(  # rows that are not one-hot
        lambda a: not (np.isin(a, (0, 1)).all() and (a.sum(axis=1) == 1).all())
    ),
    hnp.arrays(np.int64, st.integers(0, 40).filter(lambda n: n != 20), elements=st.integers(0, 2)),  # wrong length
)


def _curves_begin(model, points, y):
    """AccuracyCurves knows the number of classes once it has a model: when training begins."""
    curves = el.AccuracyCurves(test=(points, y))
    curves.set_model(model)
    curves.on_train_begin()


@SETTINGS
@given(y=bad_labels)
def test_generated_bad_labels_are_refused_by_every_scorer(y, model, points):
    probabilities = np.full((2, 20, 3), 1 / 3)
    calls = {
        "accuracy": lambda: el.accuracy(model, points, y),
        "log_loss": lambda: el.log_loss(model, points, y),
        "scores": lambda: el.replica_scores(probabilities, y),
        "AccuracyCurves": lambda: _curves_begin(model, points, y),
    }
    for call in calls.values():
        with pytest.raises((ValueError, TypeError), match="y"):
            call()


@SETTINGS
@given(
    x=hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=1, max_dims=3, max_side=6),
        elements=st.floats(allow_nan=True, allow_infinity=True),
    ).filter(lambda a: a.ndim != 2 or a.shape[1] != 2 or a.shape[0] == 0 or not np.isfinite(a).all())
)
def test_generated_bad_points_are_refused_by_every_predictor(x, model):
    calls = {
        "predict_classes": lambda: el.predict_classes(model, x),
        "ensemble_predict": lambda: el.ensemble_predict([model], x),
        "replica_probabilities": lambda: el.replica_probabilities(_stacked(), x),
    }
    for call in calls.values():
        with pytest.raises((ValueError, TypeError), match="x"):
            call()


@SETTINGS
@given(n=st.integers(1, 60), alpha=st.floats(1e-6, 1e6))
def test_member_shares_are_valid_for_every_alpha(n, alpha):
    """exp(-i / alpha) underflowed to 0 / 0 = NaN for small alpha; the shares must stay a distribution."""
    shares = el.shares(np.int64(n), "exponential", alpha=np.float32(alpha))
    assert np.all(np.isfinite(shares)) and abs(shares.sum() - 1) < 1e-12
    assert np.all(np.diff(shares) <= 0) and shares[0] > 0


def test_numpy_scalars_are_accepted_where_python_numbers_are(points):
    assert el.cosine_annealing(np.int64(3), np.int64(100), np.int64(5), np.float32(0.01)) > 0
    assert el.triangular(np.int64(3), np.int64(10), np.float32(0.0), np.float64(0.1)) > 0
    assert el.mean_interval([1.0, 2.0, 4.0], confidence=np.float64(0.9)).n == 3
    assert el.RECIPE.replace(batch_size=np.int32(32)).steps_per_epoch(np.int64(100)) == 4
    assert el.BayesClassifier([[0.0, 0.0], [1.0, 1.0]], cluster_std=np.int64(2)).cluster_std == 2.0
    recipe = el.RECIPE.replace(epochs=np.int64(1), momentum=np.float32(0.9))
    run = el.train_replicas(
        points, np.zeros(len(points), dtype=np.int32), [0, 1], recipe, ema_momenta=[np.float64(0.5)]
    )
    assert len(run) == 2
