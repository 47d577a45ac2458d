"""Exact kernels: operations whose every bit is the same on every x86-64 CPU.

Introduced in chapter 2 (the MLP baseline), which explains why the book's model does not use
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

Sums can depend on the CPU too. TensorFlow's matrix products (Eigen's) split a long sum into
blocks sized to the processor's level-1 cache and add the blocks' partial sums; another cache
size gives other blocks and another rounding. Sums of up to a few hundred terms fit in one block
on any current x86-64 processor (measured on the emulated CPU: products over 400 terms agree,
over 432 they do not). A dense layer's products stay below that; a convolution's weight
gradient does not: it sums over every position of every image in the batch (2048 terms for 32
images of 8 x 8 pixels). :class:`ExactConv2D` computes it in chunks of 256 positions and adds
the chunks' sums in a fixed order (chapter 8).
"""

from __future__ import annotations

import keras
import tensorflow as tf

__all__ = ["ExactConv2D", "exact_binary_crossentropy", "exact_sigmoid", "exact_softmax"]

#: The most terms one matrix product of :class:`ExactConv2D` sums (positions of one image, taken
#: in chunks of this many): below the cache blocking of every x86-64 processor measured.
MAX_TERMS = 256


@keras.saving.register_keras_serializable(package="ensemble_lib", name="exact_softmax")
def exact_softmax(x, axis: int = -1):
    """Softmax along ``axis`` computed as ``e / sum(e)``, ``e = exp(x - max(x))`` (chapter 2).

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


@keras.saving.register_keras_serializable(package="ensemble_lib", name="exact_sigmoid")
def exact_sigmoid(x):
    """The logistic function ``1 / (1 + exp(-x))`` from ``exp`` and division (chapter 9).

    A drop-in for Keras's ``"sigmoid"`` activation on a binary output
    (``Dense(1, activation=el.exact_sigmoid)``). TensorFlow's ``Sigmoid`` kernel is a rational
    approximation inside Eigen whose instructions the book has not checked on every CPU; this one
    is built from kernels the book's tests already hold exact. It computes ``e = exp(-|x|)`` and
    returns ``1 / (1 + e)`` where ``x >= 0`` and ``e / (1 + e)`` elsewhere, so that no ``exp``
    overflows. It remembers its input (``_keras_logits``) for
    :func:`exact_binary_crossentropy`, the loss to train it with. Registered by name, so
    cloned and saved models know it.

    Raises:
        TypeError: if ``x`` does not hold floating-point numbers.
    """
    x = keras.ops.convert_to_tensor(x)
    if not keras.backend.is_float_dtype(x.dtype):
        raise TypeError(f"x must hold floating-point logits, got dtype {x.dtype}")
    # exp(-|x|), with -|x| written as a choice: abs's gradient at 0 is 0, the sigmoid's is 1/4.
    positive = x >= 0
    e = keras.ops.exp(keras.ops.where(positive, -x, x))
    probabilities = keras.ops.where(positive, 1 / (1 + e), e / (1 + e))
    probabilities._keras_logits = x
    return probabilities


def _binary_log_loss(y_true, y_pred):
    """Elementwise binary cross-entropy from :func:`exact_sigmoid`'s logits, by ``log_softmax``."""
    logits = getattr(y_pred, "_keras_logits", None)
    if logits is None:
        raise ValueError(
            "y_pred must come straight from el.exact_sigmoid (the model's last activation): the loss is"
            " computed from the logits it remembers"
        )
    if len(y_true.shape) != len(logits.shape):
        raise ValueError(
            f"y_true must have y_pred's rank {len(logits.shape)} (e.g. labels (batch, 1) for an output (batch, 1)),"
            f" got shape {tuple(y_true.shape)}"
        )
    y = keras.ops.cast(y_true, logits.dtype)
    if tf.executing_eagerly() and not bool(keras.ops.all((y >= 0) & (y <= 1))):
        raise ValueError("y_true must hold targets in [0, 1] (labels 0 and 1)")
    # log p(1) and log p(0) are log_softmax of [0, z]: TensorFlow's LogSoftmax kernel and its
    # gradient are exact, where log1p's gradient (sigmoid_cross_entropy_with_logits) and log's
    # (cross-entropy on probabilities) take a Reciprocal.
    log_p = keras.ops.log_softmax(keras.ops.stack([keras.ops.zeros_like(logits), logits], axis=-1), axis=-1)
    return -(y * log_p[..., 1] + (1 - y) * log_p[..., 0])


@keras.saving.register_keras_serializable(package="ensemble_lib", name="exact_binary_crossentropy")
def exact_binary_crossentropy(y_true, y_pred):
    """Keras's ``binary_crossentropy`` for a model whose output is :func:`exact_sigmoid` (chapter 9).

    The same value as ``keras.losses.binary_crossentropy`` (the mean over the last axis of
    ``-y log p - (1 - y) log(1 - p)``), computed from the logits, so that neither the loss nor its
    gradient needs an approximate kernel. Targets lie in ``[0, 1]`` (labels 0 and 1, or soft
    targets), with the output's rank: labels ``(batch, 1)`` for ``Dense(1)``. (Given to
    ``compile``, labels ``(batch,)`` work too: Keras adds the axis before calling the loss.)

    Raises:
        ValueError: if ``y_pred`` is not :func:`exact_sigmoid`'s output, ``y_true`` has another
            rank, or (when run eagerly) a target lies outside ``[0, 1]``.
    """
    return keras.ops.mean(_binary_log_loss(y_true, y_pred), axis=-1)


def _pads(size: int, padding: str) -> tuple[int, int]:
    """Zeros before and after an axis of the input for a stride-1 convolution (TensorFlow's rule)."""
    if padding == "VALID":
        return 0, 0
    return (size - 1) // 2, size - 1 - (size - 1) // 2


def _exact_conv2d(x, kernel, padding: str, groups: int):
    """A stride-1 2-D convolution whose gradients sum in the same order on every CPU (see ExactConv2D).

    ``kernel``: ``(kh, kw, cin / groups, cout)``, Keras's layout; group ``g`` maps input channels
    ``g * cin / groups ...`` to output channels ``g * cout / groups ...``.
    """
    kh, kw, ci, cout = kernel.shape
    co = cout // groups
    (top, bottom), (left, right) = _pads(kh, padding), _pads(kw, padding)

    @tf.custom_gradient
    def convolve(x, kernel):
        def gradients(dy):
            # Input gradient: the transposed convolution, written as a forward convolution of the
            # output gradient (padded so that every input pixel sees the outputs it fed) with each
            # group's kernel turned by 180 degrees and its channel axes swapped. Each of its
            # outputs sums kh * kw * cout / groups terms, as a forward pass does.
            turned = tf.reshape(tf.reverse(kernel, axis=[0, 1]), [kh, kw, ci, groups, co])
            turned = tf.reshape(tf.transpose(turned, [0, 1, 4, 3, 2]), [kh, kw, co, groups * ci])
            padded = tf.pad(dy, [[0, 0], [kh - 1 - top, kh - 1 - bottom], [kw - 1 - left, kw - 1 - right], [0, 0]])
            dx = tf.nn.conv2d(padded, turned, 1, "VALID")
            # Kernel gradient: the input patches against the output gradient, group by group,
            # one product per chunk of MAX_TERMS positions (the batch's positions in order, image
            # after image, the last chunk filled with zeros, which add exact zeros), then the
            # chunks' sums added in order.
            patches = tf.image.extract_patches(x, [1, kh, kw, 1], [1, 1, 1, 1], [1, 1, 1, 1], padding)
            patches = tf.transpose(tf.reshape(patches, [-1, kh * kw, groups, ci]), [2, 0, 1, 3])
            patches = tf.reshape(patches, [groups, -1, kh * kw * ci])
            g = tf.transpose(tf.reshape(dy, [-1, groups, co]), [1, 0, 2])
            extra = -tf.shape(g)[1] % MAX_TERMS
            patches = tf.reshape(tf.pad(patches, [[0, 0], [0, extra], [0, 0]]), [groups, -1, MAX_TERMS, kh * kw * ci])
            g = tf.reshape(tf.pad(g, [[0, 0], [0, extra], [0, 0]]), [groups, -1, MAX_TERMS, co])
            dk = tf.reduce_sum(tf.matmul(patches, g, transpose_a=True), axis=1)  # (groups, kh*kw*ci, co)
            dk = tf.transpose(tf.reshape(dk, [groups, kh, kw, ci, co]), [1, 2, 3, 0, 4])
            return dx, tf.reshape(dk, [kh, kw, ci, cout])

        return tf.nn.conv2d(x, kernel, 1, padding), gradients

    return convolve(tf.convert_to_tensor(x), tf.convert_to_tensor(kernel))


@keras.saving.register_keras_serializable(package="ensemble_lib", name="ExactConv2D")
class ExactConv2D(keras.layers.Conv2D):
    """``keras.layers.Conv2D`` whose training gives the same bits on every x86-64 CPU (chapter 8).

    The forward pass is TensorFlow's own convolution. The gradients are written out (see the
    module docstring): the input gradient as a forward convolution with the turned kernel, the
    kernel gradient chunk by chunk, so that no product sums more than ``MAX_TERMS`` (256) terms. Keep
    ``kernel_size[0] * kernel_size[1] * channels / groups`` at most 256, for input channels and
    for filters, for the forward pass's own sums (with a 3 x 3 kernel: 28 channels per group).

    Takes Keras's arguments; only what the book needs is supported: stride 1, no dilation,
    ``"valid"`` or ``"same"`` padding, channels last. ``groups`` splits the channels into
    independent convolutions, as in Keras; chapter 8 holds many networks in one model that way.
    Downsample with a pooling layer.

    Raises:
        ValueError: for a stride, dilation, group count, padding or data format it does not support.
    """

    def __init__(self, filters, kernel_size, **kwargs):
        super().__init__(filters, kernel_size, **kwargs)
        unsupported = {
            "strides": (self.strides, (1, 1)),
            "dilation_rate": (self.dilation_rate, (1, 1)),
            "data_format": (self.data_format, "channels_last"),
        }
        for name, (value, allowed) in unsupported.items():
            if value != allowed:
                raise ValueError(f"ExactConv2D supports only {name}={allowed!r}, got {value!r}")
        if self.padding not in ("valid", "same"):
            raise ValueError(f"ExactConv2D supports padding 'valid' or 'same', got {self.padding!r}")

    def convolution_op(self, inputs, kernel):
        return _exact_conv2d(inputs, kernel, self.padding.upper(), self.groups)
