"""Prediction ensembles: soft voting over several models, and how much the members disagree.

Introduced in chapter 5 (snapshot ensembles).
"""

from __future__ import annotations

import keras
import numpy as np

from ._checks import check_numeric_array

__all__ = ["disagreement", "ensemble_predict"]


def _member_probabilities(members, x) -> list[np.ndarray]:
    if isinstance(members, keras.Model) or not hasattr(members, "__len__"):
        raise TypeError("members must be a list of Keras models")
    if len(members) == 0:
        raise ValueError("members is empty: an ensemble needs at least one model")
    x = check_numeric_array(x, "x")
    if x.ndim != 2:
        raise ValueError(f"x must be a 2-D array (n_points, n_features), got shape {x.shape}")
    outputs = []
    for i, member in enumerate(members):
        if not isinstance(member, keras.Model):
            raise TypeError(f"members[{i}] must be a Keras model, got {type(member).__name__}")
        width = member.input_shape[-1]
        if width is not None and x.shape[1] != width:
            raise ValueError(f"x must have {width} columns (the members' input width), got {x.shape[1]}")
        probs = keras.ops.convert_to_numpy(member(x.astype(np.float32), training=False))
        if outputs and probs.shape != outputs[0].shape:
            raise ValueError(
                f"members[{i}] outputs shape {probs.shape}, members[0] outputs {outputs[0].shape}: "
                "members must predict the same classes"
            )
        outputs.append(probs)
    return outputs


def ensemble_predict(members, x, return_probabilities: bool = False):
    """Soft voting: the class with the largest summed softmax output over ``members`` (chapter 5).

    Args:
        members: a list of Keras models that output class probabilities for the same classes.
        x: points, a 2-D array ``(n_points, n_features)``.
        return_probabilities: whether to return the ensemble's probabilities too.

    Returns:
        The class index of every row of ``x``; with ``return_probabilities=True``,
        ``(classes, probabilities)`` where the probabilities are the members' mean output (the
        sum, divided by the number of members, so that each row still sums to 1).

    Raises:
        TypeError: if ``members`` is not a list of Keras models or ``x`` does not hold numbers.
        ValueError: if ``members`` is empty, ``x`` is not a finite 2-D array with the members'
            input width, or the members' outputs differ in shape.
    """
    outputs = _member_probabilities(members, x)
    total = np.zeros_like(outputs[0], dtype=np.float64)
    for probs in outputs:
        total += probs
    classes = total.argmax(axis=1)
    if return_probabilities:
        return classes, total / len(outputs)
    return classes


def disagreement(members, x) -> np.ndarray:
    """Pairwise disagreement between the members' predicted classes: a measure of diversity (chapter 5).

    Args:
        members: a list of Keras models that output class probabilities for the same classes.
        x: points, a 2-D array ``(n_points, n_features)``.

    Returns:
        A symmetric ``(n_members, n_members)`` array whose entry ``[i, j]`` is the fraction of
        rows of ``x`` on which members ``i`` and ``j`` predict different classes (0 on the
        diagonal).

    Raises:
        TypeError: if ``members`` is not a list of Keras models or ``x`` does not hold numbers.
        ValueError: if ``members`` is empty, ``x`` is not a finite 2-D array with the members'
            input width, or the members' outputs differ in shape.
    """
    labels = np.stack([p.argmax(axis=1) for p in _member_probabilities(members, x)])
    return (labels[:, None, :] != labels[None, :, :]).mean(axis=2)
