"""Exact kernels: operations whose every bit is the same on every x86-64 CPU.

Introduced in chapter 02 (the MLP baseline), which explains why the book's model does not use
Keras's built-in ``"softmax"``.

TensorFlow's CPU softmax computes ``exp(z - max(z)) * (1 / sum)``, and takes ``1 / sum`` from the
approximate-reciprocal instruction (``rcpps``) refined by one Newton step. What that instruction
returns in its low bits is left to the chip: Intel, AMD and an emulator each give their own. The
probabilities then differ in the last bit from one computer to the next, and so does everything
computed from them (a log-loss printed to full precision, a learning curve's plotted points).
:func:`exact_softmax` divides instead: ``e / sum(e)``. IEEE 754 defines division to the last bit,
so every CPU gives the same answer, and it is as accurate as the float32 format allows.

The same family of instructions is behind TensorFlow's ``Reciprocal`` (used, for one, by the
gradient of ``log``) and ``Rsqrt`` (used by batch normalisation): the book's numeric path avoids
them all, and ``tests/test_exact_kernels.py`` fails if one appears in a traced training step or
forward pass.
"""

from __future__ import annotations

import keras

__all__ = ["exact_softmax"]


@keras.saving.register_keras_serializable(package="ensemble_lib", name="exact_softmax")
def exact_softmax(x, axis: int = -1):
    """Softmax along ``axis`` computed as ``e / sum(e)``, ``e = exp(x - max(x))`` (chapter 02).

    A drop-in for Keras's ``"softmax"`` activation (``Dense(3, activation=el.exact_softmax)``)
    whose result does not depend on the CPU. Like Keras's own softmax it remembers its input
    (``_keras_logits``), so Keras's categorical cross-entropy is computed from the logits
    (``softmax_cross_entropy_with_logits``; with op determinism on, TensorFlow evaluates it as
    ``-sum(y * log_softmax(z))``, which needs no approximate instruction): training sees the
    same loss and gradients as with ``"softmax"``. Registered as a Keras serializable object, so
    ``keras.models.clone_model``, ``model.to_json`` and saved models know it by name.

    Args:
        x: the logits, a floating-point tensor or array.
        axis: the axis to normalise along.

    Returns:
        A tensor of ``x``'s shape and dtype whose entries along ``axis`` sum to 1.

    Raises:
        TypeError: if ``x`` does not hold floating-point numbers or ``axis`` is not an int.
        ValueError: if ``axis`` does not address one of ``x``'s axes.
    """
    x = keras.ops.convert_to_tensor(x)
    if not keras.backend.is_float_dtype(x.dtype):
        raise TypeError(f"x must hold floating-point logits, got dtype {x.dtype}")
    if not isinstance(axis, int) or isinstance(axis, bool):
        raise TypeError(f"axis must be an int, got {type(axis).__name__}")
    if not -len(x.shape) <= axis < len(x.shape):
        raise ValueError(f"axis must address one of the input's {len(x.shape)} axes, got {axis}")
    shifted = x - keras.ops.max(x, axis=axis, keepdims=True)
    e = keras.ops.exp(shifted)
    probabilities = e / keras.ops.sum(e, axis=axis, keepdims=True)
    # What Keras's own softmax does: categorical_crossentropy then takes the logits from here.
    probabilities._keras_logits = x
    return probabilities
