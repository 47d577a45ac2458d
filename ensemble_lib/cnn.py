"""A small CNN with batch normalisation, and many independent copies of it in one Keras model (chapter 8).

:func:`load_digit_images` splits scikit-learn's bundled handwritten digits (1797 images of
8 x 8 pixels, no download) into a small training set and a large test set. :func:`build_cnn`
is the chapter's network: two 3 x 3 convolutions, each followed by batch normalisation, ReLU
and 2 x 2 max pooling, then a softmax layer, built from the exact layers
(:class:`~ensemble_lib.exact.ExactConv2D`, :class:`~ensemble_lib.batchnorm.ExactBatchNormalization`)
so that its training gives the same bits on every CPU.

**Many seeds at once.** Training one such network is a few thousand tiny operations per step;
on a CPU the time goes to dispatching them, not to arithmetic. :func:`build_cnn_replicas` puts
``R`` networks side by side in *one* ordinary Keras model: the convolutions are grouped
(``groups=R``: group ``r`` sees only replica ``r``'s channels), batch normalisation normalises
every channel on its own anyway, and the last layer is an ``EinsumDense`` with one kernel per
replica. Replica ``r`` takes its images in input channel ``r`` (:func:`replica_batches` gives
each replica its own seed's batches) and returns its probabilities in output row ``r``; the loss
is the sum of the replicas' mean cross-entropies (:func:`replica_loss`), so each replica's
gradient is exactly its own run's. Keras then trains all of them with one ``fit``, with the
book's callbacks, ``use_ema`` and learning-rate schedules unchanged. Replica ``r`` starts from
``build_cnn(seeds[r])``'s weights and :func:`replica_weights` takes its weights back out, so any
replica can be rebuilt as a plain network; ``tests/test_cnn.py`` holds replica training to
plain ``fit`` of each seed, and ``make bench`` times the two side by side.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from ._checks import check_int, check_labels, check_numeric_array
from .batchnorm import ExactBatchNormalization
from .exact import ExactConv2D, exact_softmax
from .recipe import check_seed, check_sgd_fields, epoch_order, layer_seeds

__all__ = [
    "CNN_RECIPE",
    "CNNRecipe",
    "DigitImages",
    "build_cnn",
    "build_cnn_replicas",
    "load_digit_images",
    "replica_batches",
    "replica_loss",
    "replica_weights",
    "stack_images",
]

IMAGE_SHAPE = (8, 8, 1)
N_DIGITS = 10


@dataclass(frozen=True)
class DigitImages:
    """The digits, split: images ``(n, 8, 8, 1)`` scaled to ``[0, 1]`` (float32), labels 0-9 (int64)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def load_digit_images(train_size: int = 300, seed: int = 0) -> DigitImages:
    """scikit-learn's 1797 handwritten digits, split into ``train_size`` training images and the rest (chapter 8).

    A stratified split (``train_test_split(..., stratify=labels, random_state=seed)``): every
    digit is as common in both parts as the counts allow. Pixel values 0-16 are divided by 16.

    Args:
        train_size: training images, between 10 (one per digit) and 1787 (ten left to test on).
        seed: the split's seed, in ``[0, 2**31 - 1)``.

    Returns:
        A :class:`DigitImages`.

    Raises:
        TypeError: if ``train_size`` or ``seed`` is not an int.
        ValueError: if ``train_size`` or ``seed`` is out of range.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    train_size = check_int(train_size, "train_size", minimum=N_DIGITS)
    if train_size > 1797 - N_DIGITS:
        raise ValueError(f"train_size must leave at least {N_DIGITS} of the 1797 images to test on, got {train_size}")
    seed = check_seed(seed)
    digits = load_digits()
    images = (digits.images[..., None] / 16.0).astype(np.float32)
    labels = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        images, labels, train_size=train_size, stratify=labels, random_state=seed
    )
    return DigitImages(x_train, y_train, x_test, y_test)


@dataclass(frozen=True)
class CNNRecipe:
    """Chapter 8's network and training: ``CNN_RECIPE`` is the book's; ``.replace(...)`` a variant.

    Args:
        filters: the two convolutions' filter counts (at most 28 each: see ``ExactConv2D``).
        learning_rate: SGD's learning rate when no schedule replaces it.
        momentum: SGD's momentum, in ``[0, 1)``.
        batch_size: images per mini-batch.
        epochs: passes over the training set.

    Raises:
        TypeError, ValueError: when a field has the wrong type or is out of range.
    """

    filters: tuple[int, int] = (8, 16)
    learning_rate: float = 0.1
    momentum: float = 0.9
    batch_size: int = 32
    epochs: int = 60

    def __post_init__(self):
        if not isinstance(self.filters, tuple) or len(self.filters) != 2:
            raise TypeError(f"filters must be a tuple of two ints, got {self.filters!r}")
        for f in self.filters:
            check_int(f, "filters[...]", minimum=1)
            if f > 28:
                raise ValueError(f"filters must be at most 28 each (ExactConv2D's exact sums), got {self.filters}")
        check_sgd_fields(self)

    def replace(self, **changes) -> CNNRecipe:
        """A copy with some fields changed (checked like the original)."""
        return dataclasses.replace(self, **changes)

    def steps_per_epoch(self, n_points: int) -> int:
        """Mini-batches per epoch: ``ceil(n_points / batch_size)``."""
        return -(-check_int(n_points, "n_points", minimum=1) // self.batch_size)


#: Chapter 8's recipe, the defaults of :class:`CNNRecipe`.
CNN_RECIPE = CNNRecipe()


def _check_cnn_recipe(recipe) -> CNNRecipe:
    if not isinstance(recipe, CNNRecipe):
        raise TypeError(f"recipe must be a CNNRecipe (e.g. el.CNN_RECIPE), got {type(recipe).__name__}")
    return recipe


def _check_seeds(seeds) -> list[int]:
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__len__"):
        raise TypeError("seeds must be a sequence of ints, one per replica")
    if len(seeds) == 0:
        raise ValueError("seeds must hold at least one seed")
    values = [check_seed(s, "seeds[...]") for s in seeds]
    if len(set(values)) != len(values):
        raise ValueError(f"seeds must be distinct (a repeated seed is the same run twice), got {list(values)}")
    return values


def _stages(replicas: int, recipe: CNNRecipe) -> list:
    """The layers of ``replicas`` networks side by side (1: the plain network)."""
    first, second = recipe.filters
    r = replicas
    stages = []
    for i, filters in enumerate((first, second)):
        stages += [
            ExactConv2D(r * filters, 3, padding="same", groups=r, use_bias=False, name=f"conv{i + 1}"),
            ExactBatchNormalization(name=f"bn{i + 1}"),
            keras.layers.ReLU(name=f"relu{i + 1}"),
            keras.layers.MaxPooling2D(2, name=f"pool{i + 1}"),
        ]
    if r == 1:
        stages += [keras.layers.Flatten(name="flatten")]
        stages += [keras.layers.Dense(N_DIGITS, activation=exact_softmax, name="softmax")]
    else:
        # (batch, 2, 2, r * filters) -> (batch, 4 positions, r, filters) -> one dense kernel per replica.
        stages += [keras.layers.Reshape((4, r, second), name="split_replicas")]
        stages += [
            keras.layers.EinsumDense(
                "bprc,prck->brk", output_shape=(r, N_DIGITS), bias_axes="rk", activation=exact_softmax, name="softmax"
            )
        ]
    return stages


def _initial_weights(seed: int, recipe: CNNRecipe) -> list[np.ndarray]:
    """``build_cnn(seed, recipe)``'s weights: each kernel from its own stream (``layer_seeds``)."""
    conv1, conv2, dense = (keras.initializers.GlorotUniform(seed=s) for s in layer_seeds(seed, 3))
    first, second = recipe.filters
    weights = [np.asarray(conv1((3, 3, 1, first)))]
    weights += [np.ones(first, np.float32), np.zeros(first, np.float32), np.zeros(first, np.float32)]
    weights += [np.ones(first, np.float32), np.asarray(conv2((3, 3, first, second)))]
    weights += [np.ones(second, np.float32), np.zeros(second, np.float32), np.zeros(second, np.float32)]
    weights += [np.ones(second, np.float32), np.asarray(dense((4 * second, N_DIGITS))), np.zeros(N_DIGITS, np.float32)]
    return [w.astype(np.float32) for w in weights]


def build_cnn(seed: int = 0, recipe: CNNRecipe = CNN_RECIPE) -> keras.Model:
    """Chapter 8's CNN for 8 x 8 digits, not compiled: its initial weights are fixed by ``seed``.

    ``[ExactConv2D(3 x 3, no bias) -> ExactBatchNormalization -> ReLU -> MaxPooling2D(2)] x 2 ->
    Flatten -> Dense(10, exact softmax)``. The BN layers' moving means and variances are
    statistics, not trained weights.

    Raises:
        TypeError, ValueError: for a bad ``seed`` or ``recipe``.
    """
    seed, recipe = check_seed(seed), _check_cnn_recipe(recipe)
    model = keras.Sequential([keras.Input(IMAGE_SHAPE), *_stages(1, recipe)], name=f"cnn_seed_{seed}")
    model.set_weights(_initial_weights(seed, recipe))
    return model


def _stack(per_replica: list[list[np.ndarray]]) -> list[np.ndarray]:
    """Plain networks' weights -> the replica model's (the inverse of :func:`replica_weights`)."""
    r = len(per_replica)
    stacked = []
    for i, arrays in enumerate(zip(*per_replica)):
        if i == 10:  # the dense kernel (4 * f, 10) -> (4, r, f, 10)
            stacked.append(np.stack([a.reshape(4, -1, N_DIGITS) for a in arrays], axis=1))
        elif i == 11:  # the dense bias (10,) -> (r, 10)
            stacked.append(np.stack(arrays))
        else:  # kernels and BN vectors: replica after replica along the last (channel) axis
            stacked.append(np.concatenate(arrays, axis=-1))
    assert len(stacked) == 12 and r >= 1
    return stacked


def build_cnn_replicas(seeds, recipe: CNNRecipe = CNN_RECIPE) -> keras.Model:
    """``len(seeds)`` independent CNNs in one Keras model; replica ``r`` starts as ``build_cnn(seeds[r])`` (chapter 8).

    Input ``(batch, 8, 8, R)``: replica ``r``'s image in channel ``r`` (:func:`replica_batches`,
    :func:`stack_images`). Output ``(batch, R, 10)``: replica ``r``'s probabilities in row ``r``.
    Compile it with :func:`replica_loss` and train it with ``fit`` like any model; take a
    replica out with :func:`replica_weights`.

    Args:
        seeds: one distinct seed per replica.
        recipe: the :class:`CNNRecipe` (filters).

    Raises:
        TypeError, ValueError: for bad ``seeds`` (not ints, empty, repeated, out of range) or ``recipe``.
    """
    seeds, recipe = _check_seeds(seeds), _check_cnn_recipe(recipe)
    r = len(seeds)
    model = keras.Sequential([keras.Input(IMAGE_SHAPE[:2] + (r,)), *_stages(r, recipe)], name=f"cnn_{r}_replicas")
    model.set_weights(_stack([_initial_weights(s, recipe) for s in seeds]))
    return model


def replica_weights(weights, replica: int) -> list[np.ndarray]:
    """Replica ``replica``'s weights, as ``build_cnn``'s model holds them (chapter 8).

    Args:
        weights: a replica model's weights (``model.get_weights()``, a checkpoint, an average).
        replica: which one, from 0.

    Returns:
        Twelve arrays for ``build_cnn(...).set_weights`` or :func:`~ensemble_lib.averaging.model_with_weights`.

    Raises:
        TypeError: if ``weights`` is not a list of arrays or ``replica`` is not an int.
        ValueError: if ``weights`` is not a replica model's or ``replica`` is out of range.
    """
    if not isinstance(weights, (list, tuple)) or not all(isinstance(w, np.ndarray) for w in weights):
        raise TypeError("weights must be a list of NumPy arrays (a replica model's get_weights())")
    if len(weights) != 12 or weights[10].ndim != 4:
        raise ValueError("weights must be the twelve arrays of a build_cnn_replicas model")
    r = weights[10].shape[1]
    replica = check_int(replica, "replica", minimum=0)
    if replica >= r:
        raise ValueError(f"replica must be below the model's {r} replicas, got {replica}")
    out = []
    for i, w in enumerate(weights):
        if i == 10:
            out.append(w[:, replica].reshape(-1, N_DIGITS))
        elif i == 11:
            out.append(w[replica])
        else:
            width = w.shape[-1] // r
            out.append(w[..., replica * width : (replica + 1) * width])
    return [np.ascontiguousarray(w) for w in out]


@keras.saving.register_keras_serializable(package="ensemble_lib", name="replica_loss")
def replica_loss(y_true, y_pred):
    """The replicas' cross-entropies, summed over replicas, per image (chapter 8).

    ``y_true``: labels ``(batch, R)``; ``y_pred``: probabilities ``(batch, R, 10)`` from the
    exact softmax (the loss is computed from its logits). Keras averages the result over the
    batch, so the training loss is the sum of the replicas' mean losses and each replica's
    gradient is its own run's. Registered by name, so a compiled replica model can be cloned
    (:func:`~ensemble_lib.averaging.model_with_weights`, :func:`~ensemble_lib.checkpoints.load_checkpoints`).
    """
    per_replica = keras.losses.sparse_categorical_crossentropy(y_true, y_pred)
    return keras.ops.sum(per_replica, axis=-1)


def stack_images(x, replicas: int) -> np.ndarray:
    """The same images for every replica: ``(n, 8, 8, 1)`` -> ``(n, 8, 8, replicas)`` (chapter 8).

    For predicting and for :func:`~ensemble_lib.batchnorm.update_batchnorm` with a replica model.

    Raises:
        TypeError, ValueError: if ``x`` is not an array of 8 x 8 x 1 images or ``replicas`` is below 1.
    """
    x = _check_images(x)
    replicas = check_int(replicas, "replicas", minimum=1)
    return np.repeat(x, replicas, axis=-1)


def _check_images(x) -> np.ndarray:
    x = check_numeric_array(x, "x")
    if x.ndim != 4 or x.shape[1:] != IMAGE_SHAPE or len(x) == 0:
        raise ValueError(f"x must hold at least one image of shape {IMAGE_SHAPE}, got an array of shape {x.shape}")
    return x.astype(np.float32)


def replica_batches(x, y, seeds, recipe: CNNRecipe = CNN_RECIPE, first_epoch: int = 0) -> tf.data.Dataset:
    """Every replica's own mini-batches, side by side: the ``fit`` input of a replica model (chapter 8).

    Epoch ``e`` of replica ``r`` visits the images in ``epoch_order(n, seeds[r], e)`` (the book's
    shuffle, chapter 2), in batches of ``recipe.batch_size`` with a smaller last one. Each
    element is ``(images (b, 8, 8, R), labels (b, R))``: column ``r`` holds replica ``r``'s batch.
    Endless: pass ``steps_per_epoch=recipe.steps_per_epoch(len(x))`` to ``fit``.

    Raises:
        TypeError, ValueError: for bad images, labels, seeds, recipe or ``first_epoch``.
    """
    x = _check_images(x)
    y = check_labels(y, "y", n_points=len(x), n_classes=N_DIGITS)
    seeds, recipe = _check_seeds(seeds), _check_cnn_recipe(recipe)
    first_epoch = check_int(first_epoch, "first_epoch", minimum=0)
    images, labels = tf.constant(x[..., 0]), tf.constant(y)
    n, seed_vector = len(x), tf.constant(np.array(seeds, np.int64))

    def one_epoch(epoch):
        orders = epoch_order(n, seed_vector, epoch)  # (R, n)
        return (
            tf.data.Dataset.from_tensor_slices(tf.transpose(orders))  # (n, R): row i = every replica's i-th point
            .batch(recipe.batch_size)
            .map(lambda idx: (tf.transpose(tf.gather(images, idx), [0, 2, 3, 1]), tf.gather(labels, idx)))
        )

    return tf.data.Dataset.counter(start=first_epoch, dtype=tf.int64).flat_map(one_epoch)
