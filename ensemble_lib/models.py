"""The model every chapter trains: a one-hidden-layer perceptron (MLP).

Introduced in chapter 02 (the MLP baseline).
"""

from __future__ import annotations

import keras

from ._checks import check_int
from .data import N_CLASSES, N_FEATURES


def build_mlp(hidden_units: int = 25, seed: int = 0, n_features: int = N_FEATURES, n_classes: int = N_CLASSES):
    """Input -> Dense(hidden_units, relu) -> Dense(n_classes, softmax), not yet compiled (chapter 02).

    The initial weights depend on ``seed`` alone (Glorot-uniform kernels, zero biases), not on
    how many models were built before in the same session: the same seed always gives the same
    starting point. Layers are named ``hidden`` and ``output``.
    """
    hidden_units = check_int(hidden_units, "hidden_units", minimum=1)
    n_features = check_int(n_features, "n_features", minimum=1)
    n_classes = check_int(n_classes, "n_classes", minimum=1)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    if not 0 <= seed < 2**31 - 1:
        raise ValueError(f"seed must be in [0, 2**31 - 1), got {seed}")
    return keras.Sequential(
        [
            keras.Input(shape=(n_features,), name="x"),
            keras.layers.Dense(
                hidden_units,
                activation="relu",
                kernel_initializer=keras.initializers.GlorotUniform(seed=seed),
                name="hidden",
            ),
            keras.layers.Dense(
                n_classes,
                activation="softmax",
                # A different stream for the second layer, still fixed by ``seed``.
                kernel_initializer=keras.initializers.GlorotUniform(seed=seed + 1),
                name="output",
            ),
        ],
        name="mlp",
    )
