"""The model every chapter trains: a one-hidden-layer perceptron (MLP).

Introduced in chapter 2 (the MLP baseline).
"""

from __future__ import annotations

import keras
import numpy as np

from ._checks import check_int
from .data import N_CLASSES, N_FEATURES
from .exact import exact_softmax
from .recipe import RECIPE, Recipe, check_recipe, check_seed, layer_seeds

__all__ = ["build_mlp", "initial_weights"]


def _check_architecture(seed, recipe, n_features, n_classes) -> tuple[int, Recipe, int, int]:
    return (
        check_seed(seed),
        check_recipe(recipe),
        check_int(n_features, "n_features", minimum=1),
        check_int(n_classes, "n_classes", minimum=1),
    )


def _kernel_initializers(seed: int):
    # Each layer draws from its own stream (recipe.layer_seeds), never from another seed's.
    return [keras.initializers.GlorotUniform(seed=s) for s in layer_seeds(seed, 2)]


def initial_weights(seed: int = 0, recipe: Recipe = RECIPE, n_features: int = N_FEATURES, n_classes: int = N_CLASSES):
    """The weights ``build_mlp(seed, recipe)`` starts from, without building a model (chapter 6).

    Args:
        seed, recipe, n_features, n_classes: as for :func:`build_mlp`, which refuses the same
            bad values (``TypeError``/``ValueError``).

    Returns:
        ``[hidden kernel, hidden bias, output kernel, output bias]`` as float32 arrays, in
        ``model.get_weights()`` order: the same Glorot-uniform draws, zero biases.
    """
    seed, recipe, n_features, n_classes = _check_architecture(seed, recipe, n_features, n_classes)
    hidden, output = _kernel_initializers(seed)
    units = recipe.hidden_units
    return [
        keras.ops.convert_to_numpy(hidden((n_features, units), dtype="float32")),
        np.zeros(units, dtype=np.float32),
        keras.ops.convert_to_numpy(output((units, n_classes), dtype="float32")),
        np.zeros(n_classes, dtype=np.float32),
    ]


def build_mlp(seed: int = 0, recipe: Recipe = RECIPE, n_features: int = N_FEATURES, n_classes: int = N_CLASSES):
    """Input -> Dense(recipe.hidden_units, relu) -> Dense(n_classes, softmax), not compiled (chapter 2).

    The softmax is :func:`~ensemble_lib.exact.exact_softmax`, not Keras's ``"softmax"``, whose
    CPU kernel rounds differently on different processors; training is unchanged (the loss is
    computed from the logits either way). The initial weights depend on ``seed`` alone
    (Glorot-uniform kernels from :func:`~ensemble_lib.recipe.layer_seeds`, zero biases), not on
    how many models were built before: the same seed always gives the same starting point.

    Args:
        seed: the run's seed, in ``[0, 2**31 - 1)``.
        recipe: the :class:`~ensemble_lib.recipe.Recipe` whose ``hidden_units`` set the width
            (and ``l2`` the kernels' weight decay, if any).
        n_features: inputs per point.
        n_classes: outputs (classes).

    Returns:
        A ``keras.Sequential`` named ``mlp`` with layers ``hidden`` and ``output``.

    Raises:
        TypeError: if ``seed``, ``n_features`` or ``n_classes`` is not an int, or ``recipe`` is
            not a :class:`~ensemble_lib.recipe.Recipe`.
        ValueError: if ``seed`` lies outside ``[0, 2**31 - 1)``, or ``n_features`` or
            ``n_classes`` is below 1.
    """
    seed, recipe, n_features, n_classes = _check_architecture(seed, recipe, n_features, n_classes)
    hidden_init, output_init = _kernel_initializers(seed)

    def decay():  # weight decay (recipe.l2) on each kernel; none in the book's recipe
        return keras.regularizers.L2(recipe.l2) if recipe.l2 else None

    return keras.Sequential(
        [
            keras.Input(shape=(n_features,), name="x"),
            keras.layers.Dense(
                recipe.hidden_units,
                activation="relu",
                kernel_initializer=hidden_init,
                kernel_regularizer=decay(),
                name="hidden",
            ),
            keras.layers.Dense(
                n_classes,
                activation=exact_softmax,
                kernel_initializer=output_init,
                kernel_regularizer=decay(),
                name="output",
            ),
        ],
        name="mlp",
    )
