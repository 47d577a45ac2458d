"""Feeding the data and recording learning curves without slowing training down.

Introduced in chapter 2 (the MLP baseline).

The original tutorials called ``model.fit(x, y, validation_data=(x_test, y_test), epochs=500)``.
Two costs dominate that idiom for a model this small: converting the NumPy arrays into a fresh
input pipeline every epoch, and the full ``evaluate`` pass behind ``validation_data``. Here the
training set becomes a seeded ``tf.data`` pipeline, built once, and the per-epoch
accuracies come from one small compiled function per data set (:class:`AccuracyCurves`). The
training itself is the same ``fit``: same batches, same updates.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from ._checks import check_int, check_labels, check_numeric_array
from .recipe import RECIPE, Recipe, check_recipe, check_seed, epoch_order

__all__ = [
    "AccuracyCurves",
    "accuracy",
    "compile_sgd",
    "log_loss",
    "predict_classes",
    "train",
    "training_dataset",
]


def _check_x(x, name: str) -> np.ndarray:
    x = check_numeric_array(x, f"{name}: x")
    if x.ndim != 2 or x.shape[0] == 0:
        raise ValueError(f"{name}: x must be a non-empty 2-D array (n_points, n_features), got shape {x.shape}")
    with np.errstate(over="ignore"):
        points = x.astype(np.float32)
    if not np.all(np.isfinite(points)):
        raise ValueError(f"{name}: x must be finite in float32 (|x| < 3.4e38), the precision the model computes in")
    return points


def _check_xy(x, y, name: str):
    """``x`` as float32 points; ``y`` (targets or labels) with one finite row per point."""
    x = _check_x(x, name)
    y = check_numeric_array(y, f"{name}: y")
    if y.ndim not in (1, 2) or y.shape[0] != x.shape[0]:
        raise ValueError(f"{name}: y must have one row per point of x ({x.shape[0]}), got shape {y.shape}")
    return x, y


def compile_sgd(
    model, recipe: Recipe = RECIPE, learning_rate=None, steps_per_execution: int = 4, metrics=None, **optimizer_options
):
    """Compile ``model`` with the book's SGD recipe and return it (chapter 2).

    What chapter 2 writes out in full: SGD with the recipe's momentum, categorical
    cross-entropy, ``jit_compile=False`` (XLA would compile for the host's own instruction set)
    and ``steps_per_execution`` (4: one compiled call per epoch of 100 points in batches of 32;
    :func:`train` refuses one that does not divide an epoch's steps; use 1 when a callback acts
    before every batch). No running metric unless ``metrics`` asks for one: the book records
    accuracy with :class:`AccuracyCurves`, and a metric costs time at every step.

    Args:
        model: an uncompiled Keras model.
        recipe: the :class:`~ensemble_lib.recipe.Recipe` (learning rate and momentum).
        learning_rate: replaces the recipe's rate, e.g. with a Keras ``LearningRateSchedule``.
        steps_per_execution: batches per compiled call.
        metrics: Keras metrics to track while training (none by default).
        **optimizer_options: passed to ``keras.optimizers.SGD`` (e.g. ``use_ema=True``, chapter 3).

    Returns:
        ``model``, compiled.

    Raises:
        TypeError: if ``recipe`` is not a :class:`~ensemble_lib.recipe.Recipe` or
            ``steps_per_execution`` is not an int.
        ValueError: if ``steps_per_execution`` is below 1.
    """
    check_recipe(recipe)
    steps_per_execution = check_int(steps_per_execution, "steps_per_execution", minimum=1)
    model.compile(
        optimizer=keras.optimizers.SGD(
            learning_rate=recipe.learning_rate if learning_rate is None else learning_rate,
            momentum=recipe.momentum,
            **optimizer_options,
        ),
        loss="categorical_crossentropy",
        metrics=metrics,
        jit_compile=False,
        steps_per_execution=steps_per_execution,
    )
    return model


def training_dataset(x, y, seed: int = 0, recipe: Recipe = RECIPE, first_epoch: int = 0) -> tf.data.Dataset:
    """Mini-batches for ``fit``: every epoch a fresh shuffle, fixed by ``(seed, epoch)`` alone (chapter 2).

    Each epoch covers the whole training set once in a new order (:func:`~ensemble_lib.recipe.epoch_order`),
    as ``fit(x, y, shuffle=True)`` does, in batches of ``recipe.batch_size`` with a smaller last
    batch (100 points: 32, 32, 32, 4); the pipeline runs on for as many epochs as ``fit`` asks
    (pass ``steps_per_epoch=recipe.steps_per_epoch(len(x))`` and ``shuffle=False``).

    Args:
        x: training points, shape ``(n_points, n_features)``.
        y: what the loss expects (one-hot rows for categorical cross-entropy).
        seed: the run's seed.
        recipe: the :class:`~ensemble_lib.recipe.Recipe` (batch size).
        first_epoch: the epoch the pipeline starts at; a run resumed at epoch ``k``
            (``initial_epoch=k`` in ``fit``) sees the batches the uninterrupted run saw.

    Returns:
        An endless ``tf.data.Dataset`` of ``(points, targets)`` batches.

    Raises:
        TypeError: if ``x`` or ``y`` does not hold numbers, ``recipe`` is not a
            :class:`~ensemble_lib.recipe.Recipe`, or ``seed`` or ``first_epoch`` is not an int.
        ValueError: if ``x`` is not a non-empty 2-D array finite in float32, ``y`` does not have
            one finite row per point, ``seed`` lies outside ``[0, 2**31 - 1)``, or ``first_epoch``
            is negative.
    """
    x, y = _check_xy(x, y, "training_dataset")
    batch_size = check_recipe(recipe).batch_size
    seed = check_seed(seed)
    first_epoch = check_int(first_epoch, "first_epoch", minimum=0)
    features = tf.constant(x)
    targets = tf.constant(np.asarray(y, dtype=np.float32))
    n = len(x)

    def one_epoch(epoch):
        return (
            tf.data.Dataset.from_tensor_slices(epoch_order(n, seed, epoch))
            .batch(batch_size)
            .map(lambda idx: (tf.gather(features, idx), tf.gather(targets, idx)))
        )

    return tf.data.Dataset.counter(start=first_epoch, dtype=tf.int64).flat_map(one_epoch)


def train(model, x, y, seed: int = 0, recipe: Recipe = RECIPE, callbacks=(), initial_epoch: int = 0):
    """Train a compiled ``model`` by the recipe: the one ``fit`` call every chapter makes (chapter 2).

    ``model.fit(training_dataset(x, y, seed, recipe), epochs=recipe.epochs,
    steps_per_epoch=recipe.steps_per_epoch(len(x)), shuffle=False, verbose=0,
    callbacks=callbacks, initial_epoch=initial_epoch)``, as chapter 2 writes it out.

    Args:
        model: a model compiled with :func:`compile_sgd`.
        x: training points.
        y: one-hot targets.
        seed: the run's seed (the batches' order; the weights' seed went to ``build_mlp``).
        recipe: the :class:`~ensemble_lib.recipe.Recipe` (batch size, epochs).
        callbacks: Keras callbacks, e.g. :class:`AccuracyCurves` or checkpoints.
        initial_epoch: resume a run at this epoch (chapter 3).

    Returns:
        ``fit``'s ``History``.

    Raises:
        TypeError: if ``model`` is not a Keras model, ``recipe`` is not a
            :class:`~ensemble_lib.recipe.Recipe`, or ``initial_epoch`` is not an int; and as for
            :func:`training_dataset`.
        ValueError: if the model is not compiled, its ``steps_per_execution`` does not divide an
            epoch's steps (Keras would then run past the epoch's end), or ``initial_epoch`` is
            negative or not below the recipe's epochs; and as for :func:`training_dataset`.
    """
    x, y = _check_xy(x, y, "train")
    recipe = check_recipe(recipe)
    initial_epoch = check_int(initial_epoch, "initial_epoch", minimum=0)
    if initial_epoch >= recipe.epochs:
        raise ValueError(f"initial_epoch must be below the recipe's {recipe.epochs} epochs, got {initial_epoch}")
    steps = recipe.steps_per_epoch(len(x))
    if not isinstance(model, keras.Model):
        raise TypeError(f"train: model must be a Keras model, got {type(model).__name__}")
    if not model.compiled:
        raise ValueError("train: model must be compiled first (compile_sgd)")
    per_call = model.steps_per_execution
    if steps % int(per_call):
        # Keras would run whole calls of steps_per_execution batches and drift across epochs.
        raise ValueError(
            f"train: the model's steps_per_execution ({int(per_call)}) must divide the {steps} steps of an"
            f" epoch ({len(x)} points in batches of {recipe.batch_size}); compile with steps_per_execution=1"
        )
    data = training_dataset(x, y, seed, recipe, first_epoch=initial_epoch)
    return model.fit(
        data,
        epochs=recipe.epochs,
        steps_per_epoch=steps,
        shuffle=False,
        verbose=0,
        callbacks=list(callbacks),
        initial_epoch=initial_epoch,
    )


class AccuracyCurves(keras.callbacks.Callback):
    """Record the model's accuracy on named data sets after every epoch (chapter 2).

    ``AccuracyCurves(train=(x_train, y_train), test=(x_test, y_test))`` adds ``train_accuracy``
    and ``test_accuracy`` to the epoch's logs, so they land in ``fit``'s ``History`` beside the
    loss. Labels may be integers or one-hot rows.

    Unlike ``fit``'s own ``accuracy`` (a running mean over the epoch's batches while the weights
    were still changing), every value here is the accuracy of the weights as they are at the end
    of the epoch, which is what the final evaluation measures too.

    Args:
        **datasets: one pair ``(x, y)`` per name; the logs get ``{name}_accuracy``.

    Raises:
        TypeError: if a data set is not a pair ``(x, y)``, ``x`` does not hold numbers, or ``y``
            holds non-integer labels.
        ValueError: if no data set is given, ``x`` is not a non-empty 2-D array finite in float32,
            or ``y`` is not one valid label per point; in ``fit``, if a label is not one of the
            model's classes.
    """

    def __init__(self, **datasets):
        super().__init__()
        if not datasets:
            raise ValueError("AccuracyCurves needs at least one named data set, e.g. test=(x, y)")
        self._data = {}
        for name, pair in datasets.items():
            if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
                raise TypeError(f"{name} must be a pair (x, y)")
            x = _check_x(pair[0], name)
            labels = check_labels(pair[1], f"{name}: y", n_points=len(x))
            self._data[name] = (tf.constant(x), tf.constant(labels))
        self._accuracy = None

    def on_train_begin(self, logs=None):
        model = self.model
        classes = model.output_shape[-1]
        for name, (_, labels) in self._data.items():
            check_labels(labels.numpy(), f"{name}: y", n_classes=classes)

        @tf.function(reduce_retracing=True)
        def accuracy(x, labels):
            predicted = tf.argmax(model(x, training=False), axis=1)
            return tf.reduce_mean(tf.cast(tf.equal(predicted, labels), tf.float64))

        self._accuracy = accuracy

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        for name, (x, labels) in self._data.items():
            logs[f"{name}_accuracy"] = float(self._accuracy(x, labels))


def predict_classes(model, x) -> np.ndarray:
    """The most probable class of each point under ``model`` (chapter 2).

    One direct forward pass. ``model.predict`` would do the same through a batched input
    pipeline, which for a few thousand 2-D points costs more than the prediction itself.

    Args:
        model: a Keras model that outputs class probabilities.
        x: points, a 2-D array ``(n_points, n_features)``.

    Returns:
        The class index of every point, shape ``(n_points,)``.

    Raises:
        TypeError: if ``x`` does not hold numbers.
        ValueError: if ``x`` is not a non-empty 2-D array finite in float32.
    """
    x = _check_x(x, "predict_classes")
    return keras.ops.convert_to_numpy(model(x, training=False)).argmax(axis=1)


def accuracy(model, x, y) -> float:
    """Fraction of points whose most probable class is the true one (chapter 2).

    Args:
        model: a Keras model that outputs class probabilities.
        x: points, a 2-D array ``(n_points, n_features)``.
        y: integer labels or one-hot rows, one per point.

    Returns:
        The accuracy, a float in ``[0, 1]``.

    Raises:
        TypeError: if ``x`` does not hold numbers or ``y`` holds non-integer labels.
        ValueError: if ``x`` is not a non-empty 2-D array finite in float32, or ``y`` is not one
            label per point among the model's classes.
    """
    x = _check_x(x, "accuracy")
    probabilities = keras.ops.convert_to_numpy(model(x, training=False))
    labels = check_labels(y, "accuracy: y", n_points=len(x), n_classes=probabilities.shape[1])
    return float(np.mean(probabilities.argmax(axis=1) == labels))


def log_loss(model, x, y) -> float:
    """Mean categorical cross-entropy of ``model`` on ``(x, y)``, in nats (chapter 3).

    Accuracy on 1000 points moves in steps of 0.001 and ignores how confident a prediction is;
    the log-loss sees every change in the predicted probabilities. Probabilities are clipped
    at 1e-7, as Keras's loss does.

    Args:
        model: a Keras model that outputs class probabilities.
        x: points, a 2-D array ``(n_points, n_features)``.
        y: integer labels or one-hot rows, one per point.

    Returns:
        The log-loss, a float.

    Raises:
        TypeError: if ``x`` does not hold numbers or ``y`` holds non-integer labels.
        ValueError: if ``x`` is not a non-empty 2-D array finite in float32, or ``y`` is not one
            label per point among the model's classes.
    """
    x = _check_x(x, "log_loss")
    probs = keras.ops.convert_to_numpy(model(x, training=False)).astype(np.float64)
    labels = check_labels(y, "log_loss: y", n_points=len(x), n_classes=probs.shape[1])
    return float(-np.mean(np.log(np.clip(probs[np.arange(len(labels)), labels], 1e-7, 1.0))))
