"""Soft voting and disagreement (chapter 05)."""

import ensemble_lib as el

import keras
import numpy as np
import pytest


class Fixed(keras.Model):
    """A model that returns fixed class probabilities for every input row."""

    def __init__(self, probs, width=2):
        super().__init__()
        self.probs = np.asarray(probs, dtype=np.float32)
        self.width = width

    @property
    def input_shape(self):
        return (None, self.width)

    def call(self, x, training=False):
        return np.tile(self.probs, (len(x), 1))


def test_soft_voting_sums_the_probabilities():
    a = Fixed([0.6, 0.4, 0.0])
    b = Fixed([0.0, 0.3, 0.7])
    c = Fixed([0.5, 0.5, 0.0])
    x = np.zeros((4, 2))
    # Sums: class 0 1.1, class 1 1.2, class 2 0.7 -> class 1, although no member's top class is 1.
    np.testing.assert_array_equal(el.ensemble_predict([a, b, c], x), [1, 1, 1, 1])
    # A hard majority vote would say 0 (a and c): soft voting is not majority voting.
    classes, probs = el.ensemble_predict([a, b, c], x, return_probabilities=True)
    np.testing.assert_allclose(probs[0], [1.1 / 3, 1.2 / 3, 0.7 / 3], rtol=1e-6)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(el.ensemble_predict([b], x), [2, 2, 2, 2])


def test_ensemble_of_real_models_matches_the_mean_of_their_outputs(problem):
    models = [el.build_mlp(seed=s) for s in (1, 2, 3)]
    classes, probs = el.ensemble_predict(models, problem.x_test, return_probabilities=True)
    mean = np.mean([keras.ops.convert_to_numpy(m(problem.x_test)) for m in models], axis=0)
    np.testing.assert_allclose(probs, mean, rtol=1e-6)
    np.testing.assert_array_equal(classes, mean.argmax(axis=1))


def test_disagreement():
    x = np.zeros((5, 2))
    a, b, c = Fixed([1, 0, 0]), Fixed([1, 0, 0]), Fixed([0, 1, 0])
    np.testing.assert_array_equal(el.disagreement([a, b, c], x), [[0, 0, 1], [0, 0, 1], [1, 1, 0]])


@pytest.mark.parametrize(
    "members, x, error, match",
    [
        ([], np.zeros((2, 2)), ValueError, "members is empty"),
        (None, np.zeros((2, 2)), TypeError, "members must be a list of Keras models"),
        ([Fixed([1, 0, 0]), "model"], np.zeros((2, 2)), TypeError, r"members\[1\] must be a Keras model"),
        (
            [Fixed([1, 0, 0]), Fixed([1, 0])],
            np.zeros((2, 2)),
            ValueError,
            r"members\[1\] outputs shape \(2, 2\), members\[0\] outputs \(2, 3\)",
        ),
        ([Fixed([1, 0, 0])], np.zeros((2, 3)), ValueError, "x must have 2 columns"),
        ([Fixed([1, 0, 0])], np.zeros(4), ValueError, "x must be a 2-D array"),
    ],
)
def test_ensemble_predict_rejects_bad_input(members, x, error, match):
    with pytest.raises(error, match=match):
        el.ensemble_predict(members, x)


def test_real_model_with_wrong_width_is_refused(problem):
    with pytest.raises(ValueError, match="x must have 2 columns"):
        el.ensemble_predict([el.build_mlp(seed=0)], np.zeros((3, 5)))
