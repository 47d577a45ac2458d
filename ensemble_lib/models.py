"""The model every chapter trains: a one-hidden-layer perceptron (MLP).

Introduced in chapter 02 (the MLP baseline).
"""

from __future__ import annotations

import keras
import numpy as np

from ._checks import check_int
from .exact import exact_softmax
from .data import N_CLASSES, N_FEATURES


def _check_architecture(hidden_units, seed, n_features, n_classes) -> tuple[int, int, int, int]:
    hidden_units = check_int(hidden_units, "hidden_units", minimum=1)
    n_features = check_int(n_features, "n_features", minimum=1)
    n_classes = check_int(n_classes, "n_classes", minimum=1)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    if not 0 <= seed < 2**31 - 1:
        raise ValueError(f"seed must be in [0, 2**31 - 1), got {seed}")
    return hidden_units, int(seed), n_features, n_classes


def _kernel_initializers(seed: int):
    # A different stream for the second layer, still fixed by ``seed``.
    return keras.initializers.GlorotUniform(seed=seed), keras.initializers.GlorotUniform(seed=seed + 1)


def initial_weights(hidden_units: int = 25, seed: int = 0, n_features: int = N_FEATURES, n_classes: int = N_CLASSES):
    """The weights ``build_mlp(hidden_units, seed)`` starts from, without building a model (chapter 06).

    ``[hidden kernel, hidden bias, output kernel, output bias]``, in ``model.get_weights()``
    order: the same Glorot-uniform draws, zero biases.
    """
    hidden_units, seed, n_features, n_classes = _check_architecture(hidden_units, seed, n_features, n_classes)
    hidden, output = _kernel_initializers(seed)
    return [
        keras.ops.convert_to_numpy(hidden((n_features, hidden_units), dtype="float32")),
        np.zeros(hidden_units, dtype=np.float32),
        keras.ops.convert_to_numpy(output((hidden_units, n_classes), dtype="float32")),
        np.zeros(n_classes, dtype=np.float32),
    ]


def build_mlp(hidden_units: int = 25, seed: int = 0, n_features: int = N_FEATURES, n_classes: int = N_CLASSES):
    """Input -> Dense(hidden_units, relu) -> Dense(n_classes, softmax), not yet compiled (chapter 02).

    The softmax is :func:`~ensemble_lib.exact.exact_softmax`, not Keras's ``"softmax"``, whose
    CPU kernel rounds differently on different processors; training is unchanged (the loss is
    computed from the logits either way).

    The initial weights depend on ``seed`` alone (Glorot-uniform kernels, zero biases), not on
    how many models were built before in the same session: the same seed always gives the same
    starting point. Layers are named ``hidden`` and ``output``.
    """
    hidden_units, seed, n_features, n_classes = _check_architecture(hidden_units, seed, n_features, n_classes)
    hidden_init, output_init = _kernel_initializers(seed)
    return keras.Sequential(
        [
            keras.Input(shape=(n_features,), name="x"),
            keras.layers.Dense(
                hidden_units,
                activation="relu",
                kernel_initializer=hidden_init,
                name="hidden",
            ),
            keras.layers.Dense(
                n_classes,
                activation=exact_softmax,
                kernel_initializer=output_init,
                name="output",
            ),
        ],
        name="mlp",
    )
