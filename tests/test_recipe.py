"""The training recipe (recipe.py): one object, its checks, and where every run's randomness comes from."""

import ensemble_lib as el

import numpy as np
import pytest


def test_the_recipe_checks_itself_and_counts_steps():
    assert el.RECIPE.steps_per_epoch(100) == 4
    assert el.RECIPE.replace(batch_size=16).steps_per_epoch(96) == 6
    assert el.RECIPE == el.Recipe(25, 0.01, 0.9, 32, 500, 0.0)
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        el.RECIPE.replace(batch_size=0)
    with pytest.raises(ValueError, match="momentum must be in"):
        el.RECIPE.replace(momentum=1.0)
    with pytest.raises(TypeError, match="hidden_units must be an int"):
        el.RECIPE.replace(hidden_units=2.5)
    with pytest.raises(TypeError, match="n_points must be an int"):
        el.RECIPE.steps_per_epoch(100.0)


def test_epoch_order_is_the_training_pipelines_order(problem):
    x, y = problem.x_train, el.one_hot(problem.y_train)
    batches = list(el.training_dataset(x, y, seed=5).take(8))  # epochs 0 and 1
    for epoch in range(2):
        order = el.epoch_order(len(x), 5, epoch).numpy()
        got = np.concatenate([b[0].numpy() for b in batches[4 * epoch : 4 * epoch + 4]])
        np.testing.assert_array_equal(got, x[order])


def test_seeds_never_share_a_stream():
    """No two seeds or layers start from related draws: every pair of initial kernels is uncorrelated."""
    arrays = []
    for seed in range(100):
        hidden, _, output, _ = el.initial_weights(seed)
        arrays += [hidden.ravel()[:50], output.ravel()[:50]]
    correlations = np.corrcoef(np.stack(arrays))
    np.fill_diagonal(correlations, 0)
    assert np.abs(correlations).max() < 0.75  # independent draws of 50: |r| about 0.14 +- 0.1
