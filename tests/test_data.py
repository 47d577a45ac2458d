"""The blobs problem and its labels (data.py)."""

import ensemble_lib as el

import numpy as np
import pytest


def test_problem_follows_the_original_recipe(problem):
    from sklearn.datasets import make_blobs

    x, y = make_blobs(n_samples=1100, centers=3, n_features=2, cluster_std=2, random_state=2)
    np.testing.assert_array_equal(problem.x_train, x[:100].astype(np.float32))
    np.testing.assert_array_equal(problem.x_test, x[100:].astype(np.float32))
    np.testing.assert_array_equal(problem.y_train, y[:100])
    np.testing.assert_array_equal(problem.y_test, y[100:])
    assert problem.x_train.dtype == np.float32 and problem.y_train.dtype == np.int64
    assert problem.n_classes == 3 and problem.centers.shape == (3, 2)


def test_priors_match_how_make_blobs_splits_the_points(problem):
    counts = np.bincount(np.concatenate([problem.y_train, problem.y_test]))
    np.testing.assert_array_equal(counts, [367, 367, 366])
    np.testing.assert_allclose(problem.class_priors, counts / 1100)


def test_one_hot_rows():
    np.testing.assert_array_equal(el.one_hot([2, 0, 1]), [[0, 0, 1], [1, 0, 0], [0, 1, 0]])
    assert el.one_hot([1], n_classes=4).shape == (1, 4)
    assert el.one_hot([1]).dtype == np.float32


@pytest.mark.parametrize(
    "labels, kwargs, error, match",
    [
        ([0, 3], {}, ValueError, "labels must lie in 0..2"),
        ([-1], {}, ValueError, "labels must lie"),
        ([[0, 1]], {}, ValueError, "labels must be 1-D"),
        ([0.5, 1.0], {}, TypeError, "labels must be integers"),
        ([0], {"n_classes": 0}, ValueError, "n_classes must be at least 1"),
        ([0], {"n_classes": 2.0}, TypeError, "n_classes must be an int"),
    ],
)
def test_one_hot_rejects_bad_input(labels, kwargs, error, match):
    with pytest.raises(error, match=match):
        el.one_hot(labels, **kwargs)
