"""The model, the input pipeline, the learning-curve callback and the reproducibility setup (chapter 02)."""

import os
import subprocess
import sys

import ensemble_lib as el

import keras
import numpy as np
import pytest
import tensorflow as tf


def test_tensorflow_environment_is_fixed_before_tensorflow_loads():
    assert os.environ["TF_ENABLE_ONEDNN_OPTS"] == "0"
    assert os.environ["KERAS_BACKEND"] == "tensorflow"
    assert el.reproducible(3) == 3
    assert tf.config.threading.get_intra_op_parallelism_threads() == 1
    assert tf.config.threading.get_inter_op_parallelism_threads() == 1


def test_importing_tensorflow_first_is_refused():
    code = "import tensorflow\nimport ensemble_lib\nensemble_lib.reproducible(0)\n"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert "tensorflow was imported before ensemble_lib" in result.stderr


def test_numpy_runs_its_baseline_kernels_on_every_x86_64_cpu():
    from ensemble_lib import reproducibility

    if not reproducibility._X86_64:
        pytest.skip("the NumPy and OpenBLAS settings concern x86-64 only")
    assert os.environ["NPY_DISABLE_CPU_FEATURES"].split(",") == list(reproducibility.NUMPY_DISPATCHED_FEATURES)
    assert os.environ["OPENBLAS_CORETYPE"] == "Prescott"
    # The settings took effect: no AVX2 or AVX-512 loop in NumPy, Prescott kernels in OpenBLAS.
    assert reproducibility._numpy_problems() == []


def test_importing_numpy_first_is_refused():
    code = "import numpy\nimport ensemble_lib\nensemble_lib.reproducible(0)\n"
    env = {k: v for k, v in os.environ.items() if k not in ("NPY_DISABLE_CPU_FEATURES", "OPENBLAS_CORETYPE")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode != 0
    assert "numpy was imported before ensemble_lib" in result.stderr
    assert "OpenBLAS" in result.stderr  # names what is wrong


@pytest.mark.parametrize(
    "seed, error", [(-1, ValueError), (2**31 - 1, ValueError), (1.0, TypeError), (True, TypeError)]
)
def test_reproducible_rejects_bad_seeds(seed, error):
    with pytest.raises(error, match="seed must be"):
        el.reproducible(seed)


def test_build_mlp_architecture():
    model = el.build_mlp(seed=0)
    assert [layer.name for layer in model.layers] == ["hidden", "output"]
    assert [w.shape for w in model.get_weights()] == [(2, 25), (25,), (25, 3), (3,)]
    assert model.layers[0].activation.__name__ == "relu"
    assert model.layers[1].activation.__name__ == "exact_softmax"
    assert el.build_mlp(seed=0, recipe=el.RECIPE.replace(hidden_units=50)).layers[0].units == 50


def test_initial_weights_depend_on_the_seed_only():
    first = el.build_mlp(seed=7).get_weights()
    el.build_mlp(seed=8)  # building another model in between changes nothing
    again = el.build_mlp(seed=7).get_weights()
    other = el.build_mlp(seed=8).get_weights()
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"recipe": 25}, TypeError, "recipe must be a Recipe"),
        ({"seed": -1}, ValueError, "seed must be in"),
        ({"seed": "0"}, TypeError, "seed must be an int"),
        ({"n_classes": 0}, ValueError, "n_classes must be at least 1"),
        ({"n_features": True}, TypeError, "n_features must be an int"),
    ],
)
def test_build_mlp_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        el.build_mlp(**kwargs)


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


def test_the_recipe_checks_itself_and_counts_steps():
    assert el.RECIPE.steps_per_epoch(100) == 4
    assert el.RECIPE.replace(batch_size=16).steps_per_epoch(96) == 6
    assert el.RECIPE == el.Recipe(25, 0.01, 0.9, 32, 500)
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        el.RECIPE.replace(batch_size=0)
    with pytest.raises(ValueError, match="momentum must be in"):
        el.RECIPE.replace(momentum=1.0)
    with pytest.raises(TypeError, match="hidden_units must be an int"):
        el.RECIPE.replace(hidden_units=2.5)
    with pytest.raises(TypeError, match="n_points must be an int"):
        el.RECIPE.steps_per_epoch(100.0)


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


def test_same_seed_same_training_twice(problem):
    def run():
        el.reproducible(0)
        model = el.compile_sgd(el.build_mlp(seed=1))
        y = el.one_hot(problem.y_train)
        model.fit(
            el.training_dataset(problem.x_train, y, seed=1), epochs=5, steps_per_epoch=4, shuffle=False, verbose=0
        )
        return model.get_weights()

    for a, b in zip(run(), run()):
        np.testing.assert_array_equal(a, b)


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
