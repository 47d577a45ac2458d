"""The numeric path holds no kernel whose low bits depend on the CPU (ensemble_lib.exact).

TensorFlow's CPU ``Softmax``, ``Reciprocal`` and ``Rsqrt`` kernels use the approximate reciprocal
and reciprocal-square-root instructions, whose low bits differ between CPU makers. These tests
trace every compiled function the chapters and the replica engine run (Keras's training step
with each optimizer setting the book uses, the forward pass, the learning-curve callback, the
engine's epoch and its scoring) and fail if any of those kernels appears, at any depth.
"""

import ensemble_lib as el
from ensemble_lib import replicas

import keras
import numpy as np
import pytest
import tensorflow as tf

#: Kernels computed with an approximate instruction (rcpps, rsqrtps) on TensorFlow's CPU build,
#: and the fused kernels built on them. Softmax, Reciprocal and Rsqrt were measured to give other
#: bits on an emulated CPU (tests/test_emulated_cpu.py); the gradients and fused batch
#: normalisation call the same Eigen functions.
APPROXIMATE_KERNELS = frozenset(
    {
        "Softmax",
        "Reciprocal",
        "ReciprocalGrad",
        "Inv",
        "InvGrad",
        "Rsqrt",
        "RsqrtGrad",
        "FusedBatchNorm",
        "FusedBatchNormV2",
        "FusedBatchNormV3",
        "FusedBatchNormGrad",
        "FusedBatchNormGradV2",
        "FusedBatchNormGradV3",
    }
)


def kernels(concrete_function) -> set[str]:
    """Every op type in a traced function, including the bodies of loops, conditions and calls."""
    graph_def = concrete_function.graph.as_graph_def()
    found = {node.op for node in graph_def.node}
    for function in graph_def.library.function:
        found |= {node.op for node in function.node_def}
    return found


def approximate(concrete_function) -> set[str]:
    return kernels(concrete_function) & APPROXIMATE_KERNELS


X = tf.TensorSpec([None, 2], tf.float32)
Y = tf.TensorSpec([None, 3], tf.float32)


def trained(problem, epochs=1, **compile_options):
    """A chapter-02 model compiled as the chapters do, after ``epochs`` of fit (so every variable exists)."""
    model = el.compile_sgd(el.build_mlp(seed=0), **compile_options)
    model.fit(
        el.training_dataset(problem.x_train, el.one_hot(problem.y_train)),
        epochs=epochs,
        steps_per_epoch=el.RECIPE.steps_per_epoch(len(problem.x_train)),
        shuffle=False,
        verbose=0,
    )
    return model


COMPILE_SETTINGS = {
    "chapter 02": dict(metrics=["accuracy"]),
    "per-batch callbacks": dict(steps_per_execution=1),
    "weight EMA": dict(use_ema=True, ema_momentum=0.9),
    "CosineDecayRestarts": dict(
        learning_rate=keras.optimizers.schedules.CosineDecayRestarts(0.01, first_decay_steps=200)
    ),
}


@pytest.mark.parametrize("setting", COMPILE_SETTINGS, ids=str)
def test_keras_training_step_uses_only_exact_kernels(problem, setting):
    model = trained(problem, **COMPILE_SETTINGS[setting])
    step = tf.function(model.train_step).get_concrete_function((X, Y))
    found = kernels(step)
    # The trace is the real step: the loss from the logits (with op determinism on, TensorFlow's
    # softmax_cross_entropy_with_logits is -sum(y * log_softmax(z))), gradients, updates.
    assert {"LogSoftmax", "MatMul", "ReluGrad", "AssignVariableOp"} <= found
    assert approximate(step) == set()


def test_forward_pass_and_prediction_use_only_exact_kernels(problem):
    model = el.build_mlp(seed=0)
    forward = tf.function(lambda x: model(x, training=False)).get_concrete_function(X)
    assert {"MatMul", "Exp", "RealDiv"} <= kernels(forward)
    assert approximate(forward) == set()
    assert approximate(tf.function(model.predict_step).get_concrete_function(X)) == set()


def test_learning_curve_callback_uses_only_exact_kernels(problem):
    curves = el.AccuracyCurves(test=(problem.x_test, problem.y_test))
    model = trained(problem)
    curves.set_model(model)
    curves.on_train_begin()
    traced = curves._accuracy.get_concrete_function(X, tf.TensorSpec([None], tf.int64))
    assert "ArgMax" in kernels(traced)
    assert approximate(traced) == set()


def test_replica_engine_uses_only_exact_kernels(problem, monkeypatch):
    epochs = []

    def spy(*args, **kwargs):
        epochs.append(real(*args, **kwargs))
        return epochs[-1]

    real = replicas._training_function
    monkeypatch.setattr(replicas, "_training_function", spy)
    run = el.train_replicas(problem.x_train, problem.y_train, [0, 1], el.RECIPE.replace(epochs=1), ema_momenta=[0.9])
    (training_function,) = epochs
    traced = training_function.get_concrete_function()
    assert {"BatchMatMulV2", "ReluGrad", "ResourceApplyKerasMomentum"} <= kernels(traced)
    assert approximate(traced) == set()
    scoring = tf.function(replicas._probabilities).get_concrete_function(
        [tf.TensorSpec(w.shape, tf.float32) for w in run.weights], X
    )
    assert approximate(scoring) == set()


def test_the_guard_sees_keras_builtin_softmax():
    """The check can fail: Keras's own "softmax" activation is caught."""
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="softmax")])
    forward = tf.function(lambda x: model(x, training=False)).get_concrete_function(X)
    assert approximate(forward) == {"Softmax"}


def test_the_guard_sees_the_reciprocal_in_a_log_gradient():
    """Keras's cross-entropy on probabilities (without logits) differentiates log via Reciprocal."""
    model = el.compile_sgd(
        keras.Sequential([keras.Input((2,)), keras.layers.Dense(3), keras.layers.Activation(lambda z: z * z + 0.5)]),
    )
    model.optimizer.build(model.trainable_variables)
    step = tf.function(model.train_step).get_concrete_function((X, Y))
    assert "Reciprocal" in approximate(step)


def test_exact_softmax_matches_a_float64_reference_to_float32_rounding():
    rng = np.random.default_rng(0)
    logits = np.concatenate(
        [
            rng.normal(scale=3.0, size=(5000, 3)),
            rng.normal(scale=30.0, size=(1000, 3)),  # very confident rows: tiny probabilities
            np.zeros((1, 3)),
            [[88.0, -88.0, 0.0]],
        ]
    ).astype(np.float32)
    exact = keras.ops.convert_to_numpy(el.exact_softmax(logits)).astype(np.float64)
    # Every float32 softmax (Keras's too) first rounds the shift z - max(z) to float32; from those
    # shifted values on, the reference is float64 throughout.
    shifted = (logits - logits.max(axis=1, keepdims=True)).astype(np.float64)
    reference = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    representable = reference >= np.finfo(np.float32).tiny  # below that, float32 is subnormal
    relative = np.abs(exact - reference)[representable] / reference[representable]
    # float32 keeps 24 bits: 2**-24 = 6e-8 is half an ulp. exp, a sum of three and one division
    # each round once: a few half-ulps at most.
    assert relative.max() < 4 * 2.0**-24, relative.max()
    np.testing.assert_allclose(exact.sum(axis=1), 1.0, atol=4 * 2.0**-24)
    # Where the float64 value underflows float32, so does the exact softmax (to 0 or a subnormal).
    assert np.all(exact[~representable] < np.finfo(np.float32).tiny)


def test_exact_softmax_rejects_a_bad_axis():
    with pytest.raises(ValueError, match="axis must address one of"):
        el.exact_softmax(np.zeros((2, 3), np.float32), axis=2)
    with pytest.raises(TypeError, match="axis must be an int"):
        el.exact_softmax(np.zeros((2, 3), np.float32), axis=1.0)


def test_exact_softmax_survives_cloning_and_saving(tmp_path, problem):
    model = el.build_mlp(seed=0)
    clone = keras.models.clone_model(model)
    assert clone.layers[-1].activation is el.exact_softmax
    model.save(tmp_path / "model.keras")
    restored = keras.models.load_model(tmp_path / "model.keras")
    assert restored.layers[-1].activation is el.exact_softmax
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(restored(problem.x_test)), keras.ops.convert_to_numpy(model(problem.x_test))
    )


# ExactConv2D (chapter 08): TensorFlow's CPU convolution gradients sum thousands of terms in
# blocks sized to the processor's cache, so their last bits depend on the CPU (measured on the
# emulated CPU). These kernels must not be in a training step; ExactConv2D writes them out.
BLOCKED_SUM_KERNELS = frozenset(
    {"Conv2DBackpropFilter", "Conv2DBackpropFilterV2", "Conv2DBackpropInput", "Conv2DBackpropInputV2"}
)


def conv_pair(padding, kernel_size, channels, filters, groups=1, seed=0):
    """Keras's Conv2D and ExactConv2D with the same weights."""
    layers = []
    for kind in (keras.layers.Conv2D, el.ExactConv2D):
        keras.utils.set_random_seed(seed)
        layers.append(kind(filters, kernel_size, padding=padding, groups=groups))
        layers[-1].build((None, None, None, channels))
    return layers


@pytest.mark.parametrize(
    "padding, kernel_size, size, channels, filters, groups",
    [
        ("same", 3, 8, 1, 8, 1),
        ("same", 3, 8, 8, 16, 1),
        ("valid", 3, 4, 16, 24, 1),
        ("same", (2, 4), 7, 3, 5, 1),  # even sizes: uneven padding
        ("valid", (1, 3), 9, 2, 4, 1),
        ("same", 3, 20, 2, 3, 1),  # 5 x 420 positions: 9 chunks of 256, the last zero-padded
        ("same", 3, 8, 4, 8, 4),  # four independent convolutions, one input channel each
        ("valid", 3, 6, 6, 9, 3),
    ],
)
def test_exact_conv2d_computes_keras_convolution_and_its_gradients(
    padding, kernel_size, size, channels, filters, groups
):
    rng = np.random.default_rng(1)
    x = tf.constant(rng.normal(size=(5, size, size + 1, channels)).astype(np.float32))
    keras_layer, exact_layer = conv_pair(padding, kernel_size, channels, filters, groups)
    results = []
    for layer in (keras_layer, exact_layer):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x)
            # A loss whose gradient differs at every output: sum of y times fixed pseudo-random weights.
            value = tf.reduce_sum(y * tf.sin(tf.reshape(tf.range(tf.size(y), dtype=tf.float32), tf.shape(y))))
        results.append([y, *tape.gradient(value, [x, *layer.trainable_variables])])
    (y0, dx0, dk0, db0), (y1, dx1, dk1, db1) = results
    np.testing.assert_array_equal(y0, y1)  # the same forward kernel
    np.testing.assert_array_equal(db0, db1)
    scale = float(np.abs(dk0).max())
    np.testing.assert_allclose(dk1, dk0, rtol=1e-5, atol=1e-5 * scale)
    np.testing.assert_allclose(dx1, dx0, rtol=1e-5, atol=1e-5 * float(np.abs(dx0).max()))
    assert not np.array_equal(dk0, np.zeros_like(dk0))


def cnn_training_step(conv=el.ExactConv2D, bn=None):
    keras.utils.set_random_seed(0)
    bn = bn or el.ExactBatchNormalization
    net = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            conv(8, 3, padding="same"),
            bn(),
            keras.layers.ReLU(),
            keras.layers.MaxPooling2D(2),
            conv(16, 3, padding="valid"),
            keras.layers.ReLU(),
            keras.layers.Flatten(),
            keras.layers.Dense(10, activation=el.exact_softmax),
        ]
    )
    net.compile(keras.optimizers.SGD(0.05, momentum=0.9), "sparse_categorical_crossentropy")
    net.optimizer.build(net.trainable_variables)
    # A batch of 32, as the chapters train: the dense kernel's gradient sums over the batch.
    spec = (tf.TensorSpec([32, 8, 8, 1], tf.float32), tf.TensorSpec([32], tf.int64))
    return tf.function(net.train_step).get_concrete_function(spec)


def contraction_lengths(concrete_function) -> list[int]:
    """How many terms each matrix product of a traced function sums (its operands' shapes)."""
    lengths = []
    for op in concrete_function.graph.get_operations():
        if op.type in ("MatMul", "BatchMatMulV2"):
            a = op.inputs[0].shape
            transpose = op.get_attr("transpose_a") if op.type == "MatMul" else op.get_attr("adj_x")
            lengths.append(a[-2] if transpose else a[-1])
    return lengths


def test_cnn_training_step_has_no_cpu_dependent_kernel_or_long_product():
    step = cnn_training_step()
    found = kernels(step)
    assert {"Conv2D", "ExtractImagePatches", "BatchMatMulV2", "MaxPoolGrad"} <= found
    assert not found & (APPROXIMATE_KERNELS | BLOCKED_SUM_KERNELS)
    # Every product sums few terms: chunks of 256 positions, the dense layer's 64 inputs or 10
    # outputs, the batch's 32 images.
    assert sorted(contraction_lengths(step)) == [10, 32, 64, 256, 256]


def test_the_guard_sees_keras_convolution_gradients():
    """The check can fail: Keras's own Conv2D brings TensorFlow's backprop kernels."""
    assert kernels(cnn_training_step(conv=keras.layers.Conv2D)) & BLOCKED_SUM_KERNELS == {
        "Conv2DBackpropFilter",
        "Conv2DBackpropInput",
    }


def test_exact_conv2d_refuses_what_it_does_not_support():
    for kwargs, rule in [
        (dict(strides=2), "strides"),
        (dict(dilation_rate=2), "dilation_rate"),
        (dict(data_format="channels_first"), "data_format"),
    ]:
        with pytest.raises(ValueError, match=f"ExactConv2D supports only {rule}="):
            el.ExactConv2D(4, 3, **kwargs)


def test_exact_conv2d_survives_cloning_and_saving(tmp_path):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((6, 6, 2)), el.ExactConv2D(3, 3, padding="same", activation="relu")])
    model.save(tmp_path / "model.keras")
    restored = keras.models.load_model(tmp_path / "model.keras")
    assert type(restored.layers[0]) is el.ExactConv2D
    assert type(keras.models.clone_model(model).layers[0]) is el.ExactConv2D
    x = np.random.default_rng(0).normal(size=(4, 6, 6, 2)).astype(np.float32)
    np.testing.assert_array_equal(restored(x), model(x))
