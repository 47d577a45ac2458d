"""The model, the input pipeline, the learning-curve callback and the reproducibility setup (chapter 02)."""

import ensemble_lib as el

import keras
import numpy as np
import pytest


def _epochs(dataset, n_epochs, steps=4):
    batches = [x.numpy() for x, _ in dataset.take(n_epochs * steps)]
    return [batches[i * steps : (i + 1) * steps] for i in range(n_epochs)]


def test_training_dataset_batches_and_reshuffles_deterministically(problem):
    y = el.one_hot(problem.y_train)
    ds = el.training_dataset(problem.x_train, y, seed=5)
    epoch1, epoch2, epoch3 = _epochs(ds, 3)
    assert [len(b) for b in epoch1] == [32, 32, 32, 4] == [len(b) for b in epoch3]
    # Every epoch holds each training point exactly once...
    for epoch in (epoch1, epoch2, epoch3):
        rows = np.concatenate(epoch)
        np.testing.assert_array_equal(np.sort(rows, axis=0), np.sort(problem.x_train, axis=0))
    # ...in a new order each epoch...
    assert not np.array_equal(np.concatenate(epoch1), np.concatenate(epoch2))
    # ...the same orders for the same seed, other orders for another seed...
    twin = _epochs(el.training_dataset(problem.x_train, y, seed=5), 2)
    np.testing.assert_array_equal(np.concatenate(twin[1]), np.concatenate(epoch2))
    other = _epochs(el.training_dataset(problem.x_train, y, seed=6), 1)
    assert not np.array_equal(np.concatenate(other[0]), np.concatenate(epoch1))
    # ...and a pipeline started at epoch 2 serves exactly what the full one served at epoch 2.
    resumed = _epochs(el.training_dataset(problem.x_train, y, seed=5, first_epoch=2), 1)
    np.testing.assert_array_equal(np.concatenate(resumed[0]), np.concatenate(epoch3))


def test_train_is_the_fit_call_of_chapter_02(problem):
    y = el.one_hot(problem.y_train)
    recipe = el.RECIPE.replace(epochs=3)
    by_hand = el.compile_sgd(el.build_mlp(seed=4))
    by_hand.fit(el.training_dataset(problem.x_train, y, seed=4), epochs=3, steps_per_epoch=4, shuffle=False, verbose=0)
    helper = el.compile_sgd(el.build_mlp(seed=4))
    history = el.train(helper, problem.x_train, y, seed=4, recipe=recipe)
    assert len(history.history["loss"]) == 3
    for a, b in zip(by_hand.get_weights(), helper.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="initial_epoch must be below"):
        el.train(helper, problem.x_train, y, recipe=recipe, initial_epoch=3)
    # Batches of 20 make 5 steps an epoch: Keras's calls of 4 steps would run across epoch ends.
    with pytest.raises(ValueError, match=r"steps_per_execution \(4\) must divide the 5 steps"):
        el.train(helper, problem.x_train, y, recipe=recipe.replace(batch_size=20))
    with pytest.raises(ValueError, match="must be compiled first"):
        el.train(el.build_mlp(seed=4), problem.x_train, y, recipe=recipe)


@pytest.mark.parametrize(
    "x, y, kwargs, error, match",
    [
        (np.zeros((4, 2)), np.zeros((3, 3)), {}, ValueError, "one row per point"),
        (np.zeros(4), np.zeros(4), {}, ValueError, "x must be a non-empty 2-D array"),
        (np.full((2, 2), np.nan), np.zeros((2, 3)), {}, ValueError, "x must be finite"),
        (np.zeros((4, 2)), np.zeros((4, 3)), {"recipe": None}, TypeError, "recipe must be a Recipe"),
        (np.zeros((4, 2)), np.zeros((4, 3)), {"recipe": 32}, TypeError, "recipe must be a Recipe"),
        (np.zeros((4, 2)), np.zeros((4, 3)), {"seed": None}, TypeError, "seed must be an int"),
        (np.zeros((4, 2)), np.zeros((4, 3)), {"seed": -2}, ValueError, "seed must be in"),
        (np.zeros((4, 2)), np.zeros((4, 3)), {"first_epoch": -1}, ValueError, "first_epoch must be at least 0"),
    ],
)
def test_training_dataset_rejects_bad_input(x, y, kwargs, error, match):
    with pytest.raises(error, match=match):
        el.training_dataset(x, y, **kwargs)


def test_accuracy_curves_record_end_of_epoch_accuracy(problem):
    el.reproducible(0)
    model = el.compile_sgd(el.build_mlp(seed=0))
    y = el.one_hot(problem.y_train)
    curves = el.AccuracyCurves(train=(problem.x_train, y), test=(problem.x_test, problem.y_test))
    history = model.fit(
        el.training_dataset(problem.x_train, y, seed=0),
        epochs=3,
        steps_per_epoch=4,
        shuffle=False,
        verbose=0,
        callbacks=[curves],
    )
    assert len(history.history["train_accuracy"]) == 3 and len(history.history["test_accuracy"]) == 3
    # The last recorded value is the accuracy of the final weights, whatever the label format.
    assert history.history["test_accuracy"][-1] == el.accuracy(model, problem.x_test, problem.y_test)
    assert history.history["train_accuracy"][-1] == el.accuracy(model, problem.x_train, y)


def test_accuracy_curves_reject_bad_data_sets(problem):
    with pytest.raises(ValueError, match="at least one named data set"):
        el.AccuracyCurves()
    with pytest.raises(TypeError, match="test must be a pair"):
        el.AccuracyCurves(test=problem.x_test)
    with pytest.raises(ValueError, match="test: y must hold one label per point"):
        el.AccuracyCurves(test=(problem.x_test, problem.y_train))


def test_compile_sgd_is_the_chapter_02_recipe():
    model = el.compile_sgd(el.build_mlp(seed=0), use_ema=True, ema_momentum=0.9)
    optimizer = model.optimizer
    assert isinstance(optimizer, keras.optimizers.SGD)
    assert float(optimizer.learning_rate) == pytest.approx(0.01) and optimizer.momentum == 0.9
    assert optimizer.use_ema and optimizer.ema_momentum == 0.9
    assert model.steps_per_execution == 4 and model.jit_compile is False
    schedule = keras.optimizers.schedules.CosineDecay(0.1, 10)
    assert el.compile_sgd(el.build_mlp(seed=0), learning_rate=schedule).optimizer._learning_rate is schedule
    with pytest.raises(ValueError, match="steps_per_execution must be at least 1"):
        el.compile_sgd(el.build_mlp(seed=0), steps_per_execution=0)
