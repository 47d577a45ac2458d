"""Feeding the data and recording learning curves without slowing training down.

Introduced in chapter 02 (the MLP baseline).

The original tutorials called ``model.fit(x, y, validation_data=(x_test, y_test), epochs=500)``.
Two costs dominate that idiom for a model this small: converting the NumPy arrays into a fresh
input pipeline every epoch, and the full ``evaluate`` pass behind ``validation_data``. Here the
training set becomes a seeded ``tf.data`` pipeline, built once, and the per-epoch
accuracies come from one small compiled function per data set (:class:`AccuracyCurves`). The
training itself is the same ``fit``: same batches, same updates.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf
import keras

from ._checks import check_int, check_labels, check_numeric_array


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
        raise ValueError(
            f"{name}: y must have one row per point of x ({x.shape[0]}), got shape {y.shape}"
        )
    return x, y


def compile_sgd(
    model, learning_rate=0.01, momentum: float = 0.9, steps_per_execution: int = 4, metrics=None, **optimizer_options
):
    """Compile ``model`` with the book's SGD recipe and return it (chapter 02).

    What chapter 02 writes out in full: SGD with momentum, categorical cross-entropy,
    ``jit_compile=False`` (XLA would compile for the host's own instruction set) and
    ``steps_per_execution`` (4: one compiled call per epoch of 100 points; use 1 when a callback
    must act before every batch). No running metric unless ``metrics`` asks for one: the book
    records accuracy with :class:`AccuracyCurves`, and a metric costs time at every step.
    ``learning_rate`` may be a number or a Keras ``LearningRateSchedule``;
    ``optimizer_options`` go to ``keras.optimizers.SGD`` (for example ``use_ema=True``,
    chapter 03).
    """
    steps_per_execution = check_int(steps_per_execution, "steps_per_execution", minimum=1)
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=learning_rate, momentum=momentum, **optimizer_options),
        loss="categorical_crossentropy",
        metrics=metrics,
        jit_compile=False,
        steps_per_execution=steps_per_execution,
    )
    return model


def training_dataset(x, y, batch_size: int = 32, seed: int = 0, first_epoch: int = 0) -> tf.data.Dataset:
    """Mini-batches for ``fit``: every epoch a fresh shuffle, fixed by ``(seed, epoch)`` alone (chapter 02).

    ``y`` is what the loss expects (one-hot rows for categorical cross-entropy). Each epoch covers
    the whole training set once in a new order, as ``fit(x, y, shuffle=True)`` does, in batches
    of ``batch_size`` with a smaller last batch (100 points: 32, 32, 32, 4), and the pipeline runs
    on for as many epochs as ``fit`` asks: pass ``steps_per_epoch=steps_per_epoch(len(x),
    batch_size)`` and ``shuffle=False`` (the pipeline shuffles itself).

    The order of epoch ``e`` is a stateless function of ``(seed, e)``, not of how many epochs were
    drawn before. So a run resumed at epoch ``k`` (``first_epoch=k`` here, ``initial_epoch=k`` in
    ``fit``) sees exactly the batches the uninterrupted run saw (chapter 03).
    """
    x, y = _check_xy(x, y, "training_dataset")
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    first_epoch = check_int(first_epoch, "first_epoch", minimum=0)
    features = tf.constant(x)
    targets = tf.constant(np.asarray(y, dtype=np.float32))
    n = len(x)

    def one_epoch(epoch):
        order = epoch_order(n, tf.constant(seed, tf.int64), epoch)
        return (
            tf.data.Dataset.from_tensor_slices(order)
            .batch(batch_size)
            .map(lambda idx: (tf.gather(features, idx), tf.gather(targets, idx)))
        )

    return tf.data.Dataset.counter(start=first_epoch, dtype=tf.int64).flat_map(one_epoch)


def epoch_order(n_points: int, seed, epoch) -> tf.Tensor:
    """The order in which epoch ``epoch`` of the run seeded ``seed`` visits the ``n_points`` training
    points (chapter 02; chapter 06's engine draws the same orders).

    ``stateless_shuffle`` of ``0 .. n_points - 1`` keyed by ``(seed, epoch)``: a pure function of
    the two numbers. ``seed`` and ``epoch`` may be ints or int64 tensors (inside a compiled
    function).
    """
    n_points = check_int(n_points, "n_points", minimum=1)
    key = tf.stack([tf.cast(seed, tf.int64), tf.cast(epoch, tf.int64)])
    return tf.random.experimental.stateless_shuffle(tf.range(n_points, dtype=tf.int64), seed=key)


def steps_per_epoch(n_points: int, batch_size: int = 32) -> int:
    """Number of mini-batches in one epoch: ``ceil(n_points / batch_size)`` (chapter 02)."""
    n_points = check_int(n_points, "n_points", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    return -(-n_points // batch_size)


class AccuracyCurves(keras.callbacks.Callback):
    """Record the model's accuracy on named data sets after every epoch (chapter 02).

    ``AccuracyCurves(train=(x_train, y_train), test=(x_test, y_test))`` adds ``train_accuracy``
    and ``test_accuracy`` to the epoch's logs, so they land in ``fit``'s ``History`` beside the
    loss. Labels may be integers or one-hot rows.

    Unlike ``fit``'s own ``accuracy`` (a running mean over the epoch's batches while the weights
    were still changing), every value here is the accuracy of the weights as they are at the end
    of the epoch, which is what the final evaluation measures too.
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
    """The most probable class of each point under ``model`` (chapter 02).

    One direct forward pass. ``model.predict`` would do the same through a batched input
    pipeline, which for a few thousand 2-D points costs more than the prediction itself.
    """
    x = _check_x(x, "predict_classes")
    return keras.ops.convert_to_numpy(model(x, training=False)).argmax(axis=1)


def accuracy(model, x, y) -> float:
    """Fraction of points whose most probable class is the true one (chapter 02).

    ``y`` may be integer labels or one-hot rows.
    """
    x = _check_x(x, "accuracy")
    probabilities = keras.ops.convert_to_numpy(model(x, training=False))
    labels = check_labels(y, "accuracy: y", n_points=len(x), n_classes=probabilities.shape[1])
    return float(np.mean(probabilities.argmax(axis=1) == labels))


def log_loss(model, x, y) -> float:
    """Mean categorical cross-entropy of ``model`` on ``(x, y)``, in nats (chapter 03).

    Accuracy on 1000 points moves in steps of 0.001 and ignores how confident a prediction is;
    the log-loss sees every change in the predicted probabilities. Probabilities are clipped
    at 1e-7, as Keras's loss does.
    """
    x = _check_x(x, "log_loss")
    probs = keras.ops.convert_to_numpy(model(x, training=False)).astype(np.float64)
    labels = check_labels(y, "log_loss: y", n_points=len(x), n_classes=probs.shape[1])
    return float(-np.mean(np.log(np.clip(probs[np.arange(len(labels)), labels], 1e-7, 1.0))))
