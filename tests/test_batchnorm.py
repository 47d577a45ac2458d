"""Exact batch normalisation and its statistics after averaging (batchnorm.py)."""

import ensemble_lib as el

import keras
import numpy as np
import pytest
import tensorflow as tf
from test_exact_kernels import APPROXIMATE_KERNELS, kernels


def cnn(bn=el.ExactBatchNormalization, seed=0):
    """A small CNN on 8 x 8 images with two BN layers (one after a convolution, one after a dense layer)."""
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            el.ExactConv2D(4, 3, padding="same"),
            bn(name="bn_conv"),
            keras.layers.ReLU(),
            keras.layers.Flatten(),
            keras.layers.Dense(6),
            bn(name="bn_dense"),
            keras.layers.ReLU(),
            keras.layers.Dense(3, activation=el.exact_softmax),
        ]
    )


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(3)
    return rng.normal(size=(120, 8, 8, 1)).astype(np.float32) * 2 + 0.5, rng.integers(0, 3, 120)


def test_exact_layer_trains_and_predicts_like_keras(images):
    x, y = images
    nets = []
    for bn in (keras.layers.BatchNormalization, el.ExactBatchNormalization):
        net = cnn(bn)
        net.compile(keras.optimizers.SGD(0.05), "sparse_categorical_crossentropy")
        net.fit(x, y, batch_size=30, epochs=3, shuffle=False, verbose=0)
        nets.append(net)
    for a, b in zip(nets[0].get_weights(), nets[1].get_weights()):
        np.testing.assert_allclose(a, b, atol=2e-5)
    np.testing.assert_allclose(nets[0].predict(x, verbose=0), nets[1].predict(x, verbose=0), atol=2e-5)
    assert nets[1].layers[1].moving_variance.numpy().min() > 0  # trained, not the initial ones
    clone = keras.models.model_from_json(nets[1].to_json())  # serialisable by name
    assert type(clone.layers[1]) is el.ExactBatchNormalization
    with pytest.raises(ValueError, match="synchronized"):
        el.ExactBatchNormalization(synchronized=True)


def test_no_approximate_kernel_in_training_or_inference(images):
    """The guard can fail: Keras's own layer brings Rsqrt into the very same step."""
    x, y = images

    def step_kernels(bn):
        net = cnn(bn)
        optimizer = keras.optimizers.SGD(0.05)
        loss = keras.losses.SparseCategoricalCrossentropy()

        @tf.function
        def step(xb, yb):
            with tf.GradientTape() as tape:
                value = loss(yb, net(xb, training=True))
            grads = tape.gradient(value, net.trainable_variables)
            optimizer.apply_gradients(zip(grads, net.trainable_variables))
            return net(xb, training=False)

        return kernels(step.get_concrete_function(tf.constant(x[:10]), tf.constant(y[:10])))

    assert not step_kernels(el.ExactBatchNormalization) & APPROXIMATE_KERNELS
    assert step_kernels(keras.layers.BatchNormalization) & APPROXIMATE_KERNELS


def test_update_sets_each_layers_exact_statistics(images):
    x, _ = images
    net = cnn()
    net.compile(keras.optimizers.SGD(0.05), "sparse_categorical_crossentropy")
    net.fit(x, images[1], batch_size=30, epochs=2, shuffle=False, verbose=0)
    stats = el.update_batchnorm(net, x, batch_size=50)
    assert list(stats) == ["bn_conv", "bn_dense"]
    # The first layer's inputs: the convolution's outputs; mean and biased variance per channel.
    conv = np.asarray(net.layers[0](x)).astype(np.float64)
    np.testing.assert_array_equal(stats["bn_conv"][0], conv.mean(axis=(0, 1, 2)).astype(np.float32))
    np.testing.assert_allclose(stats["bn_conv"][1], conv.var(axis=(0, 1, 2)), rtol=1e-6)
    # The second sees the first already updated, in inference mode.
    upstream = keras.Model(net.inputs[0], net.layers[5].input)
    dense = np.asarray(upstream(x, training=False)).astype(np.float64)
    np.testing.assert_allclose(stats["bn_dense"][0], dense.mean(axis=0), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(stats["bn_dense"][1], dense.var(axis=0), rtol=1e-5)
    for layer in (net.layers[1], net.layers[5]):
        np.testing.assert_array_equal(layer.moving_mean.numpy(), stats[layer.name][0])
        np.testing.assert_array_equal(layer.moving_variance.numpy(), stats[layer.name][1])
    # Another batch size changes only the forward pass's float32 rounding; the same one, nothing.
    again = el.update_batchnorm(net, x, batch_size=7)
    same = el.update_batchnorm(net, x, batch_size=50)
    for name in stats:
        for a, b, c in zip(stats[name], again[name], same[name]):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
            np.testing.assert_array_equal(a, c)


def test_stale_statistics_after_averaging_are_replaced(images):
    """Two differently trained models, averaged: their averaged moving statistics are not the
    statistics of the averaged network, and update_batchnorm replaces them."""
    x, y = images
    members = []
    for seed in (1, 2):
        net = cnn(seed=seed)
        net.compile(keras.optimizers.SGD(0.05), "sparse_categorical_crossentropy")
        net.fit(x, y, batch_size=30, epochs=3, shuffle=False, verbose=0)
        members.append(net.get_weights())
    average = el.model_with_weights(cnn(), el.average_weights(members, [0.5, 0.5]))
    stale = average.layers[5].moving_mean.numpy().copy()
    fresh = el.update_batchnorm(average, x)["bn_dense"][0]
    assert np.max(np.abs(stale - fresh)) > 1e-3


def test_bad_arguments_are_refused(images):
    x, _ = images
    with pytest.raises(TypeError, match="model must be a Keras model"):
        el.update_batchnorm("net", x)
    plain = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(3)])
    with pytest.raises(ValueError, match="has no BatchNormalization layer"):
        el.update_batchnorm(plain, x)
    with pytest.raises(ValueError, match=r"data must hold at least one point of shape \(8, 8, 1\)"):
        el.update_batchnorm(cnn(), x[:0])
    with pytest.raises(ValueError, match=r"data must hold at least one point of shape \(8, 8, 1\)"):
        el.update_batchnorm(cnn(), x[:, :4])
    with pytest.raises(ValueError, match="data must be finite"):
        el.update_batchnorm(cnn(), np.where(x > 3, np.nan, x))
    with pytest.raises(TypeError, match="data must hold numbers"):
        el.update_batchnorm(cnn(), x.astype(str))
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        el.update_batchnorm(cnn(), x, batch_size=0)
    outer = keras.Sequential([keras.Input((8, 8, 1)), cnn()])
    with pytest.raises(ValueError, match="inside the nested model"):
        el.update_batchnorm(outer, x)
