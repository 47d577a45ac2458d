"""A binary task with a sigmoid output, and many seeds of it in one Keras model (chapter 9).

:func:`load_cancer_cases` splits scikit-learn's bundled Wisconsin breast-cancer data (569 cases,
30 measurements each, no download) into a small training set and a large test set, standardised
with the training set's means and standard deviations. :func:`build_binary_mlp` is chapter 2's
network with one output: ``Dense(recipe.hidden_units, relu) -> Dense(1, exact sigmoid)``, the
same initial weights as :func:`~ensemble_lib.models.build_mlp` with ``n_classes=1``.

:func:`build_binary_replicas` holds ``R`` such networks side by side in one ordinary Keras model,
as :mod:`ensemble_lib.cnn` does for the CNN: ``EinsumDense`` layers with a replica axis (replica
``r``'s kernels are slice ``r``), fed ``(batch, R, features)`` by :func:`binary_replica_batches`
(column ``r`` is replica ``r``'s own seed's batch), with the sum of the replicas' mean losses
(:func:`binary_replica_loss`). One ``fit`` trains all of them with the book's callbacks;
:func:`binary_replica_weights` takes replica ``r`` back out as a plain network's weights.
``tests/test_binary.py`` holds a replica to its own seed's plain ``fit``.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from ._checks import check_int, check_labels, check_numeric_array
from .cnn import _check_seeds
from .exact import _binary_log_loss, exact_sigmoid
from .models import initial_weights
from .recipe import RECIPE, check_recipe, check_seed, epoch_order

__all__ = [
    "BINARY_RECIPE",
    "CancerCases",
    "binary_replica_batches",
    "binary_replica_loss",
    "binary_log_loss",
    "binary_replica_weights",
    "build_binary_mlp",
    "build_binary_replicas",
    "load_cancer_cases",
    "sigmoid_logits",
    "soft_vote",
]

N_CASES, N_MEASUREMENTS = 569, 30

#: Chapter 9's recipe, chapter 2's SGD with momentum and batches of 32, a wider hidden layer,
#: a larger rate and fewer epochs (the cases are easier to separate than the blobs).
BINARY_RECIPE = RECIPE.replace(hidden_units=32, learning_rate=0.05, epochs=100)


@dataclass(frozen=True)
class CancerCases:
    """The breast-cancer cases, split and standardised (float32); labels 1 = malignant, 0 = benign (int64)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    feature_names: tuple[str, ...]


def load_cancer_cases(train_size: int = 150, seed: int = 0) -> CancerCases:
    """scikit-learn's 569 breast-cancer cases: ``train_size`` to train on, the rest to test (chapter 9).

    A stratified split (``train_test_split(..., stratify=labels, random_state=seed)``). Each of
    the 30 measurements is standardised with the *training* cases' mean and standard deviation
    (the test cases play no part in it). scikit-learn codes malignant as 0; here malignant is the
    positive class, 1.

    Args:
        train_size: training cases, between 10 and 559 (ten left to test on).
        seed: the split's seed, in ``[0, 2**31 - 1)``.

    Raises:
        TypeError: if ``train_size`` or ``seed`` is not an int.
        ValueError: if either is out of range.
    """
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    train_size = check_int(train_size, "train_size", minimum=10)
    if train_size > N_CASES - 10:
        raise ValueError(f"train_size must leave at least 10 of the {N_CASES} cases to test on, got {train_size}")
    seed = check_seed(seed)
    data = load_breast_cancer()
    labels = (data.target == 0).astype(np.int64)  # 1 = malignant
    x_train, x_test, y_train, y_test = train_test_split(
        data.data, labels, train_size=train_size, stratify=labels, random_state=seed
    )
    mean, scale = x_train.mean(axis=0), x_train.std(axis=0)
    return CancerCases(
        ((x_train - mean) / scale).astype(np.float32),
        y_train,
        ((x_test - mean) / scale).astype(np.float32),
        y_test,
        tuple(str(name) for name in data.feature_names),
    )


def _layers(replicas: int | None, units: int) -> list:
    if replicas is None:
        return [
            keras.layers.Dense(units, activation="relu", name="hidden"),
            keras.layers.Dense(1, activation=exact_sigmoid, name="output"),
        ]
    r = replicas
    return [
        keras.layers.EinsumDense("brf,rfh->brh", output_shape=(r, units), bias_axes="rh", activation="relu",
                                 name="hidden"),
        keras.layers.EinsumDense("brh,rh->br", output_shape=(r,), bias_axes="r", activation=exact_sigmoid,
                                 name="output"),
    ]  # fmt: skip


def build_binary_mlp(seed: int = 0, recipe=BINARY_RECIPE, n_features: int = N_MEASUREMENTS) -> keras.Model:
    """``Input -> Dense(hidden_units, relu) -> Dense(1, exact sigmoid)``, not compiled (chapter 9).

    Its initial weights are :func:`~ensemble_lib.models.initial_weights` ``(seed, recipe,
    n_features, 1)``: fixed by the seed alone. Compile it with
    :func:`~ensemble_lib.exact.exact_binary_crossentropy`.

    Raises:
        TypeError, ValueError: for a bad ``seed``, ``recipe`` or ``n_features``.
    """
    weights = initial_weights(seed, recipe, n_features, 1)
    model = keras.Sequential([keras.Input((n_features,)), *_layers(None, recipe.hidden_units)], name=f"binary_{seed}")
    model.set_weights(weights)
    return model


def build_binary_replicas(seeds, recipe=BINARY_RECIPE, n_features: int = N_MEASUREMENTS) -> keras.Model:
    """``len(seeds)`` binary MLPs in one Keras model, replica ``r`` starting as ``build_binary_mlp(seeds[r])`` (ch. 09).

    Input ``(batch, R, n_features)``; output ``(batch, R)``: replica ``r``'s probability of the
    positive class in column ``r``. Compile it with :func:`binary_replica_loss`.

    Raises:
        TypeError, ValueError: for bad ``seeds`` (not ints, empty, repeated, out of range),
            ``recipe`` or ``n_features``.
    """
    seeds = _check_seeds(seeds)
    recipe = check_recipe(recipe)
    n_features = check_int(n_features, "n_features", minimum=1)
    r = len(seeds)
    model = keras.Sequential(
        [keras.Input((r, n_features)), *_layers(r, recipe.hidden_units)], name=f"binary_{r}_replicas"
    )
    each = [initial_weights(s, recipe, n_features, 1) for s in seeds]
    model.set_weights(
        [
            np.stack([w[0] for w in each]),  # hidden kernels (R, features, units)
            np.stack([w[1] for w in each]),  # hidden biases (R, units)
            np.stack([w[2][:, 0] for w in each]),  # output kernels (R, units)
            np.concatenate([w[3] for w in each]),  # output biases (R,)
        ]
    )
    return model


def binary_replica_weights(weights, replica: int) -> list[np.ndarray]:
    """Replica ``replica``'s weights, as :func:`build_binary_mlp`'s model holds them (chapter 9).

    Raises:
        TypeError: if ``weights`` is not a list of arrays or ``replica`` is not an int.
        ValueError: if ``weights`` is not a binary replica model's or ``replica`` is out of range.
    """
    if not isinstance(weights, (list, tuple)) or not all(isinstance(w, np.ndarray) for w in weights):
        raise TypeError("weights must be a list of NumPy arrays (a binary replica model's get_weights())")
    shapes = [w.shape for w in weights]
    if (
        len(weights) != 4
        or [len(s) for s in shapes] != [3, 2, 2, 1]
        or len({s[0] for s in shapes}) != 1
        or not shapes[1] == shapes[2] == (shapes[0][0], shapes[0][2])
    ):
        raise ValueError(
            "weights must be the four arrays of a build_binary_replicas model: (R, features, units), (R, units),"
            f" (R, units), (R,); got shapes {shapes}"
        )
    r = len(weights[3])
    replica = check_int(replica, "replica", minimum=0)
    if replica >= r:
        raise ValueError(f"replica must be below the model's {r} replicas, got {replica}")
    kernel, bias, out_kernel, out_bias = (w[replica] for w in weights)
    return [np.ascontiguousarray(a) for a in (kernel, bias, out_kernel[:, None], out_bias[None])]


@keras.saving.register_keras_serializable(package="ensemble_lib", name="binary_replica_loss")
def binary_replica_loss(y_true, y_pred):
    """The replicas' binary cross-entropies, summed over replicas, per case (chapter 9).

    ``y_true``: labels ``(batch, R)``; ``y_pred``: probabilities ``(batch, R)`` from
    :func:`~ensemble_lib.exact.exact_sigmoid`. Keras averages over the batch, so the training
    loss is the sum of the replicas' mean losses and each replica's gradient is its own run's.

    Raises:
        ValueError: if ``y_true`` and ``y_pred`` do not have the same shape ``(batch, R)`` (one
            label per replica: :func:`binary_replica_batches` gives them), or as for
            :func:`~ensemble_lib.exact.exact_binary_crossentropy`.
    """
    if len(y_pred.shape) != 2 or tuple(y_true.shape) != tuple(y_pred.shape):
        raise ValueError(
            f"y_true and y_pred must both have shape (batch, replicas), got {tuple(y_true.shape)} and"
            f" {tuple(y_pred.shape)}"
        )
    return keras.ops.sum(_binary_log_loss(y_true, y_pred), axis=-1)


def binary_replica_batches(x, y, seeds, recipe=BINARY_RECIPE, first_epoch: int = 0) -> tf.data.Dataset:
    """Every replica's own mini-batches, side by side: the ``fit`` input of a binary replica model (chapter 9).

    Epoch ``e`` of replica ``r`` visits the cases in ``epoch_order(n, seeds[r], e)`` (the book's
    shuffle), in batches of ``recipe.batch_size`` with a smaller last one. Each element is
    ``(cases (b, R, features), labels (b, R))``. Endless: pass
    ``steps_per_epoch=recipe.steps_per_epoch(len(x))`` to ``fit``.

    Raises:
        TypeError, ValueError: for bad cases, labels, seeds, recipe or ``first_epoch``.
    """
    x = check_numeric_array(x, "x")
    if x.ndim != 2 or len(x) == 0:
        raise ValueError(f"x must be a (cases, features) array with at least one case, got shape {x.shape}")
    y = check_labels(y, "y", n_points=len(x), n_classes=2)
    seeds, recipe = _check_seeds(seeds), check_recipe(recipe)
    first_epoch = check_int(first_epoch, "first_epoch", minimum=0)
    cases, labels = tf.constant(x.astype(np.float32)), tf.constant(y.astype(np.float32))
    n, seed_vector = len(x), tf.constant(np.array(seeds, np.int64))

    def one_epoch(epoch):
        orders = epoch_order(n, seed_vector, epoch)  # (R, n)
        return (
            tf.data.Dataset.from_tensor_slices(tf.transpose(orders))
            .batch(recipe.batch_size)
            .map(lambda idx: (tf.gather(cases, idx), tf.gather(labels, idx)))
        )

    return tf.data.Dataset.counter(start=first_epoch, dtype=tf.int64).flat_map(one_epoch)


def sigmoid_logits(model, x) -> np.ndarray:
    """The logits behind a model's :func:`~ensemble_lib.exact.exact_sigmoid` output, in float64 (chapter 9).

    ``model(x, training=False)`` keeps the logits its sigmoid saw; scoring from them avoids the
    float32 probabilities' rounding, which turns every ``p`` above ``1 - 6e-8`` into exactly 1 and
    so loses ``log(1 - p)``. The decision ``p >= 0.5`` is ``logit >= 0``.

    Args:
        model: a Keras model whose last activation is :func:`~ensemble_lib.exact.exact_sigmoid`.
        x: its inputs, an array the model accepts.

    Returns:
        The logits, shaped like the model's output.

    Raises:
        TypeError: if ``model`` is not a Keras model or ``x`` does not hold numbers.
        ValueError: if the model's output does not come from ``exact_sigmoid``.
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a Keras model, got {type(model).__name__}")
    x = check_numeric_array(x, "x")
    if not model.layers or getattr(model.layers[-1], "activation", None) is not exact_sigmoid:
        raise ValueError(f"model {model.name!r} must end in el.exact_sigmoid (its last layer's activation)")
    output = model(x.astype(np.float32), training=False)
    logits = getattr(output, "_keras_logits", None)
    if logits is None:
        raise ValueError(f"model {model.name!r} must end in el.exact_sigmoid: its output carries no logits")
    return np.asarray(logits, dtype=np.float64)


def soft_vote(logits, axis: int = 0) -> np.ndarray:
    """The soft vote of binary members, as a logit: ``logit(mean of the members' p)`` (chapter 9).

    Soft voting averages the members' probabilities of the positive class; the ensemble predicts
    1 where the average is at least 0.5, that is where the returned logit is at least 0. Computed
    from the members' logits in log space (``log mean p - log mean (1 - p)``, each a log-sum-exp),
    so that no probability is rounded to 0 or 1 on the way.

    Args:
        logits: the members' logits, float (e.g. ``(members, cases)``).
        axis: the members' axis.

    Raises:
        TypeError: if ``logits`` does not hold numbers or ``axis`` is not an int.
        ValueError: if ``logits`` is not finite, has no members, or ``axis`` is out of range.
    """
    z = check_numeric_array(logits, "logits").astype(np.float64)
    axis = check_int(axis, "axis")
    if not -z.ndim <= axis < z.ndim:
        raise ValueError(f"axis must address one of the logits' {z.ndim} axes, got {axis}")
    if z.shape[axis] == 0:
        raise ValueError("logits must hold at least one member along axis")
    log_p, log_q = -np.logaddexp(0, -z), -np.logaddexp(0, z)  # log p, log (1 - p)
    log_sum_p = np.logaddexp.reduce(log_p, axis=axis)
    log_sum_q = np.logaddexp.reduce(log_q, axis=axis)
    return log_sum_p - log_sum_q


def binary_log_loss(logits, y) -> np.ndarray | float:
    """Mean binary log-loss of one model or of each of many, from logits, in float64 (chapter 9).

    ``mean over cases of log(1 + exp(-z))`` where the label is 1 and ``log(1 + exp(z))`` where
    it is 0: the exact cross-entropy of ``p = sigmoid(z)``, without clipping.

    Args:
        logits: ``(cases,)`` for one model, ``(models, cases)`` for many.
        y: labels 0 or 1, one per case.

    Returns:
        A float for one model, an array with one value per model otherwise.

    Raises:
        TypeError, ValueError: if ``logits`` is not a finite array of one or two axes, or ``y`` is
            not one 0/1 label per case.
    """
    z = check_numeric_array(logits, "logits").astype(np.float64)
    if z.ndim not in (1, 2) or z.shape[-1] == 0:
        raise ValueError(f"logits must be an array of shape (cases,) or (models, cases), got shape {z.shape}")
    y = check_labels(y, "y", n_points=z.shape[-1], n_classes=2)
    loss = np.where(y == 1, np.logaddexp(0, -z), np.logaddexp(0, z)).mean(axis=-1)
    return float(loss) if z.ndim == 1 else loss
