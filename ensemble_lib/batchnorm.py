"""Batch normalisation that is exact on every CPU, and its statistics after weight averaging.

For the CNN chapter (chapter 8, to come). Two problems meet here.

**Keras's BatchNormalization is not exact.** It normalises with TensorFlow's
``tf.nn.batch_normalization``, which takes ``1 / sqrt(variance + epsilon)`` from ``Rsqrt``, a
kernel built on the approximate reciprocal-square-root instruction whose low bits differ from
one CPU to the next (:mod:`ensemble_lib.exact` explains the family). :class:`ExactBatchNormalization`
is the same layer, the same arithmetic (``x * inv + (beta - mean * inv)`` with ``inv = gamma /
sqrt(variance + epsilon)``), except that ``inv`` comes from an IEEE square root and an IEEE
division, both defined to the last bit.

**An average of weights has no statistics of its own.** A BN layer normalises at inference with
the moving mean and variance it collected during training. Averaging several models' weights
(Polyak averaging, SWA) averages their moving statistics too, but the statistics of the averaged
network's activations are something else: its earlier layers have new weights. SWA's remedy
(PyTorch's ``torch.optim.swa_utils.update_bn``) runs the training data through the averaged
model once, in training mode, and lets the moving averages refill with momentum ``None`` (a
cumulative average over batches). :func:`update_batchnorm` computes the exact quantities
instead: for each BN layer in turn, the mean and the biased variance (as Keras's layer computes
it) of its inputs over the whole data set, with the layers before it already updated and in
inference mode, accumulated in float64 (two passes: the mean, then the mean squared deviation)
and stored in float32. No momentum and no batch statistics enter: the batch size that feeds the
forward passes changes only their float32 rounding, and the same data and batch size give the
same bits.
"""

from __future__ import annotations

import keras
import numpy as np

from ._checks import check_int, check_numeric_array

__all__ = ["ExactBatchNormalization", "batchnorm_layers", "update_batchnorm"]


@keras.saving.register_keras_serializable(package="ensemble_lib", name="ExactBatchNormalization")
class ExactBatchNormalization(keras.layers.BatchNormalization):
    """``keras.layers.BatchNormalization`` without the approximate ``Rsqrt`` kernel (chapter 8).

    Takes the same arguments and keeps the same variables (``gamma``, ``beta``, ``moving_mean``,
    ``moving_variance``) as Keras's layer, and trains and predicts like it to within float32
    rounding; every bit of its output is the same on every x86-64 CPU. Only the non-synchronised
    layer is supported.
    """

    def __init__(self, **kwargs):
        if kwargs.get("synchronized"):
            raise ValueError("ExactBatchNormalization does not support synchronized=True")
        super().__init__(**kwargs)

    def call(self, inputs, training=None, mask=None):
        # Keras 3's BatchNormalization.call, with its normalisation written out: the same
        # formula as tf.nn.batch_normalization, the reciprocal square root by sqrt and divide.
        if mask is not None and len(mask.shape) != len(inputs.shape) - 1:
            raise ValueError(
                "The mask provided should be one dimension less than the inputs."
                f" Received: mask.shape={mask.shape}, inputs.shape={inputs.shape}"
            )
        compute_dtype = keras.backend.result_type(inputs.dtype, "float32")
        inputs = keras.ops.cast(inputs, compute_dtype)
        moving_mean = keras.ops.cast(self.moving_mean, inputs.dtype)
        moving_variance = keras.ops.cast(self.moving_variance, inputs.dtype)
        if training and self.trainable:
            mean, variance = self._moments(inputs, mask)
            self.moving_mean.assign(moving_mean * self.momentum + mean * (1.0 - self.momentum))
            self.moving_variance.assign(moving_variance * self.momentum + variance * (1.0 - self.momentum))
        else:
            mean, variance = moving_mean, moving_variance
        shape = [1] * len(inputs.shape)
        shape[self.axis] = inputs.shape[self.axis]
        inv = 1.0 / keras.ops.sqrt(variance + self.epsilon)
        if self.scale:
            inv = inv * keras.ops.cast(self.gamma, inputs.dtype)
        shift = -mean * inv
        if self.center:
            shift = keras.ops.cast(self.beta, inputs.dtype) + shift
        outputs = inputs * keras.ops.reshape(inv, shape) + keras.ops.reshape(shift, shape)
        return keras.ops.cast(outputs, self.compute_dtype)


def batchnorm_layers(model) -> list:
    """The model's batch-normalisation layers (Keras's and :class:`ExactBatchNormalization`), in order.

    Raises:
        TypeError: if ``model`` is not a Keras model.
        ValueError: if a BN layer sits inside a nested model (update the nested model itself).
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a Keras model, got {type(model).__name__}")
    found = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            found.append(layer)
        elif isinstance(layer, keras.Model) and batchnorm_layers(layer):
            raise ValueError(
                f"model holds BatchNormalization layers inside the nested model {layer.name!r}:"
                " pass that model to update_batchnorm instead"
            )
    return found


def update_batchnorm(model, data, batch_size: int = 256) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Set every BN layer's moving mean and variance to its inputs' statistics over ``data`` (chapter 8).

    Layer by layer, first to last: the inputs the layer receives at inference (the layers before
    it in inference mode, earlier BN layers already updated) are computed for every point of
    ``data``; their mean and biased variance over every axis but the layer's feature axis
    (Keras's own definition) are accumulated in float64 and assigned in float32. Call it after
    setting averaged weights, before predicting. The model's other weights are not touched.

    Args:
        model: a built Keras model (Sequential or functional) with at least one BatchNormalization
            or :class:`ExactBatchNormalization` layer among its own layers.
        data: the inputs, an array of shape ``(points, *model input shape)`` (the training points,
            usually), at least one point.
        batch_size: points per forward pass (memory; it changes only the float32 rounding of the
            forward pass).

    Returns:
        A dict of layer name -> ``(mean, variance)`` as assigned (float32 arrays).

    Raises:
        TypeError: if ``model`` is not a Keras model, ``data`` does not hold numbers, or
            ``batch_size`` is not an int.
        ValueError: if the model has no BN layer, holds one inside a nested model, is not built,
            ``data`` is empty, not finite or not shaped like the model's input, or ``batch_size``
            is below 1.
    """
    layers = batchnorm_layers(model)
    if not layers:
        raise ValueError(f"model {model.name!r} has no BatchNormalization layer: there is nothing to update")
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        inputs = None
    if not inputs or len(inputs) != 1:
        raise ValueError("model must be a built model with one input (build it, or give it a keras.Input)")
    x = check_numeric_array(data, "data")
    expected = tuple(inputs[0].shape[1:])
    if (
        x.ndim != len(expected) + 1
        or len(x) == 0
        or any(e is not None and e != d for e, d in zip(expected, x.shape[1:]))
    ):
        raise ValueError(f"data must hold at least one point of shape {expected}, got an array of shape {x.shape}")
    x = x.astype(np.float32)
    result = {}
    for layer in layers:
        # The model up to this layer: it shares the model's layers and weights.
        features = keras.Model(inputs[0], layer.input)
        batches = [x[s : s + batch_size] for s in range(0, len(x), batch_size)]
        parts = [np.asarray(features(b, training=False)) for b in batches]
        values = np.concatenate(parts).astype(np.float64)
        axis = layer.axis % values.ndim
        others = tuple(a for a in range(values.ndim) if a != axis)
        mean = values.mean(axis=others, keepdims=True)
        variance = np.square(values - mean).mean(axis=others)
        mean = mean.reshape(-1)
        stats = (mean.astype(np.float32), variance.astype(np.float32))
        layer.moving_mean.assign(stats[0])
        layer.moving_variance.assign(stats[1])
        result[layer.name] = stats
    return result
