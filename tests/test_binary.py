"""Chapter 09: the breast-cancer cases, the exact sigmoid and its loss, binary replicas, and the own-model pattern."""

import ensemble_lib as el

import keras
import numpy as np
import pytest
import tensorflow as tf
from test_exact_kernels import APPROXIMATE_KERNELS, kernels

RECIPE = el.BINARY_RECIPE.replace(epochs=3)


@pytest.fixture(scope="module")
def cases():
    return el.load_cancer_cases()


def test_cases_are_split_stratified_and_standardised(cases):
    assert cases.x_train.shape == (150, 30) and cases.x_test.shape == (419, 30)
    assert cases.x_train.dtype == np.float32 and cases.y_train.dtype == np.int64
    # 212 of the 569 cases are malignant (label 1), in both parts in proportion.
    assert int(cases.y_train.sum() + cases.y_test.sum()) == 212
    assert abs(cases.y_train.mean() - 212 / 569) < 1 / 150
    # Standardised with the training cases' statistics only.
    np.testing.assert_allclose(cases.x_train.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(cases.x_train.std(axis=0), 1, atol=1e-5)
    assert np.abs(cases.x_test.mean(axis=0)).max() > 1e-3
    assert len(cases.feature_names) == 30 and cases.feature_names[0] == "mean radius"
    np.testing.assert_array_equal(el.load_cancer_cases().x_test, cases.x_test)
    assert not np.array_equal(el.load_cancer_cases(seed=1).y_train, cases.y_train)


@pytest.mark.parametrize(
    "kwargs, error, rule",
    [
        (dict(train_size=560), ValueError, "train_size must leave at least 10"),
        (dict(train_size=5), ValueError, "train_size must be at least 10"),
        (dict(train_size=150.0), TypeError, "train_size must be an int"),
        (dict(seed=-1), ValueError, "seed"),
    ],
)
def test_load_cancer_cases_refuses_bad_arguments(kwargs, error, rule):
    with pytest.raises(error, match=rule):
        el.load_cancer_cases(**kwargs)


def test_exact_sigmoid_is_the_logistic_function_without_overflow():
    z = np.concatenate([np.linspace(-30, 30, 2001), [-1e4, -100.0, 0.0, 100.0, 1e4]]).astype(np.float32)
    with np.errstate(over="ignore"):
        reference = 1 / (1 + np.exp(-z.astype(np.float64)))
    p = np.asarray(el.exact_sigmoid(z))
    np.testing.assert_allclose(p, reference, rtol=2e-7, atol=1e-38)
    assert p[-1] == 1.0 and p[-5] == 0.0 and p[-3] == 0.5
    x = tf.constant(z)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = el.exact_sigmoid(x)
    grad = tape.gradient(y, x).numpy()
    assert np.all(np.isfinite(grad))
    np.testing.assert_allclose(grad, reference * (1 - reference), rtol=1e-5, atol=1e-7)
    assert grad[-3] == 0.25  # at 0 exactly, where a gradient through abs() would be 0
    with pytest.raises(TypeError, match="x must hold floating-point logits"):
        el.exact_sigmoid(np.array([1, 2]))


def test_exact_binary_crossentropy_is_keras_loss_from_the_logits(cases):
    model = el.build_binary_mlp(3)
    p = model(cases.x_train, training=False)
    y = cases.y_train[:, None].astype(np.float32)
    ours = np.asarray(el.exact_binary_crossentropy(y, p))
    theirs = np.asarray(keras.losses.binary_crossentropy(y, p))
    assert ours.shape == theirs.shape == (150,)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    # Confident logits: Keras clips probabilities at 1e-7, the logits need no clipping.
    z = tf.constant([[40.0], [-40.0]])
    loss = np.asarray(el.exact_binary_crossentropy(tf.constant([[0.0], [1.0]]), el.exact_sigmoid(z)))
    np.testing.assert_allclose(loss, [40.0, 40.0], rtol=1e-6)
    with pytest.raises(ValueError, match="y_pred must come straight from el.exact_sigmoid"):
        el.exact_binary_crossentropy(y, tf.constant(np.asarray(p)))


def test_binary_model_trains_with_only_exact_kernels(cases):
    for model, loss, spec in [
        (el.build_binary_mlp(0), el.exact_binary_crossentropy, ([32, 30], [32])),
        (el.build_binary_replicas([0, 1, 2]), el.binary_replica_loss, ([32, 3, 30], [32, 3])),
    ]:
        model.compile(keras.optimizers.SGD(0.05, momentum=0.9), loss)
        model.optimizer.build(model.trainable_variables)
        step = tf.function(model.train_step).get_concrete_function(
            (tf.TensorSpec(spec[0], tf.float32), tf.TensorSpec(spec[1], tf.float32))
        )
        found = kernels(step)
        assert {"LogSoftmax", "Exp", "RealDiv"} <= found
        assert not found & (APPROXIMATE_KERNELS | {"Sigmoid", "SigmoidGrad", "Log1p", "Log"})
        forward = tf.function(lambda x, m=model: m(x, training=False))
        found = kernels(forward.get_concrete_function(tf.TensorSpec(spec[0], tf.float32)))
        assert {"Exp", "RealDiv", "SelectV2"} <= found
        assert not found & (APPROXIMATE_KERNELS | {"Sigmoid"})


def test_the_guard_sees_keras_binary_crossentropy():
    """The check can fail: Keras's sigmoid and binary cross-entropy bring Sigmoid and Reciprocal."""
    model = keras.Sequential([keras.Input((30,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(keras.optimizers.SGD(0.05), "binary_crossentropy")
    model.optimizer.build(model.trainable_variables)
    step = tf.function(model.train_step).get_concrete_function(
        (tf.TensorSpec([32, 30], tf.float32), tf.TensorSpec([32, 1], tf.float32))
    )
    assert {"Sigmoid", "Reciprocal"} <= kernels(step)


def test_replicas_start_as_and_train_like_plain_runs(cases):
    seeds = [4, 1, 9]
    replicas = el.build_binary_replicas(seeds, RECIPE)
    for r, seed in enumerate(seeds):
        for a, b in zip(el.binary_replica_weights(replicas.get_weights(), r), el.build_binary_mlp(seed).get_weights()):
            np.testing.assert_array_equal(a, b)
    steps = RECIPE.steps_per_epoch(150)
    replicas.compile(keras.optimizers.SGD(RECIPE.learning_rate, momentum=RECIPE.momentum), el.binary_replica_loss)
    replicas.fit(el.binary_replica_batches(cases.x_train, cases.y_train, seeds, RECIPE), epochs=3,
                 steps_per_epoch=steps, verbose=0)  # fmt: skip
    for r, seed in enumerate(seeds):
        alone = el.build_binary_mlp(seed, RECIPE)
        alone.compile(
            keras.optimizers.SGD(RECIPE.learning_rate, momentum=RECIPE.momentum), el.exact_binary_crossentropy
        )
        own = el.binary_replica_batches(cases.x_train, cases.y_train, [seed], RECIPE).map(
            lambda x, y: (x[:, 0], y[:, 0])
        )
        alone.fit(own, epochs=3, steps_per_epoch=steps, verbose=0)
        replica = el.binary_replica_weights(replicas.get_weights(), r)
        moved = max(
            float(np.max(np.abs(a - b))) for a, b in zip(alone.get_weights(), el.build_binary_mlp(seed).get_weights())
        )
        assert moved > 0.01
        for a, b in zip(replica, alone.get_weights()):
            np.testing.assert_allclose(a, b, atol=1e-6)


def test_replica_batches_are_each_seeds_own_shuffle(cases):
    batches = el.binary_replica_batches(cases.x_train, cases.y_train, [0, 5], RECIPE)
    x, y = next(iter(batches))
    assert x.shape == (32, 2, 30) and y.shape == (32, 2)
    order0 = np.asarray(el.epoch_order(150, 0, 0))[:32]
    order5 = np.asarray(el.epoch_order(150, 5, 0))[:32]
    np.testing.assert_array_equal(x[:, 0], cases.x_train[order0])
    np.testing.assert_array_equal(x[:, 1], cases.x_train[order5])
    np.testing.assert_array_equal(y[:, 1], cases.y_train[order5])
    sizes = [len(b[1]) for b in batches.take(RECIPE.steps_per_epoch(150))]
    assert sizes == [32, 32, 32, 32, 22]


def test_binary_functions_refuse_bad_input(cases):
    x, y = cases.x_train, cases.y_train
    with pytest.raises(ValueError, match="seeds must be distinct"):
        el.build_binary_replicas([1, 1])
    with pytest.raises(ValueError, match="seeds must hold at least one seed"):
        el.build_binary_replicas([])
    with pytest.raises(TypeError, match="recipe must be a Recipe"):
        el.build_binary_replicas([0], recipe=el.CNN_RECIPE)
    with pytest.raises(ValueError, match=r"x must be a \(cases, features\) array"):
        el.binary_replica_batches(x[:, :, None], y, [0])
    with pytest.raises(ValueError, match="y"):
        el.binary_replica_batches(x, np.full(150, 2), [0])
    with pytest.raises(ValueError, match="y"):
        el.binary_replica_batches(x, y[:-1], [0])
    weights = el.build_binary_replicas([0, 1]).get_weights()
    with pytest.raises(ValueError, match="replica must be below the model's 2 replicas"):
        el.binary_replica_weights(weights, 2)
    with pytest.raises(ValueError, match="four arrays of a build_binary_replicas model"):
        el.binary_replica_weights(weights[:3], 0)
    with pytest.raises(TypeError, match="weights must be a list of NumPy arrays"):
        el.binary_replica_weights("weights", 0)


def test_the_own_model_pattern_averages_votes_and_updates_batchnorm(cases, tmp_path):
    """Chapter 09's last section: the four pieces on a functional model with BN, trained by one fit."""
    inputs = keras.Input((30,))
    h = keras.layers.Dense(8, use_bias=False, kernel_initializer=keras.initializers.GlorotUniform(2))(inputs)
    h = el.ExactBatchNormalization()(h)
    outputs = keras.layers.Dense(1, activation=el.exact_sigmoid)(keras.layers.ReLU()(h))
    model = keras.Model(inputs, outputs)
    model.compile(keras.optimizers.SGD(momentum=0.9), el.exact_binary_crossentropy)
    batches = el.binary_replica_batches(cases.x_train, cases.y_train, [0], RECIPE).map(lambda x, y: (x[:, 0], y[:, 0]))
    model.fit(batches, epochs=6, steps_per_epoch=5, verbose=0, callbacks=[
        el.SnapshotEnsemble(tmp_path / "snapshots", 6, 3, 0.05),
        el.EpochCheckpoints(tmp_path / "last", last=3),
    ])  # fmt: skip
    snapshots = el.load_checkpoints(tmp_path / "snapshots", like=model)
    last = el.load_checkpoints(tmp_path / "last", like=model)
    assert [e for e, _ in snapshots] == [5, 3, 1] and [e for e, _ in last] == [5, 4, 3]
    averaged = el.average_weights([w for _, w in last], el.shares(3, "equal"))
    np.testing.assert_allclose(averaged[0], np.mean([w[0] for _, w in last], axis=0), rtol=1e-6)
    model.set_weights(averaged)
    stats = el.update_batchnorm(model, cases.x_train)
    hidden = cases.x_train.astype(np.float64) @ averaged[0].astype(np.float64)
    [(mean, variance)], bn = stats.values(), model.layers[2]
    np.testing.assert_allclose(mean, hidden.mean(axis=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(variance, hidden.var(axis=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(np.asarray(bn.moving_variance), variance)
    assert not np.allclose(variance, averaged[4])  # the averaged statistics were replaced
    votes = np.mean([np.asarray(el.model_with_weights(model, w)(cases.x_test))[:, 0] for _, w in snapshots], axis=0)
    assert votes.shape == (419,) and np.mean((votes >= 0.5) == cases.y_test) > 0.8


def test_losses_refuse_labels_of_another_shape_or_range(cases):
    p = el.build_binary_mlp(0)(cases.x_train[:8], training=False)  # (8, 1)
    with pytest.raises(ValueError, match="y_true must have y_pred's rank 2"):
        el.exact_binary_crossentropy(cases.y_train[:8].astype(np.float32), p)  # (8,) would broadcast to (8, 8)
    with pytest.raises(ValueError, match=r"y_true must hold targets in \[0, 1\]"):
        el.exact_binary_crossentropy(np.full((8, 1), 2.0, np.float32), p)
    q = el.build_binary_replicas([0, 1])(np.zeros((8, 2, 30), np.float32), training=False)  # (8, 2)
    with pytest.raises(ValueError, match=r"y_true and y_pred must both have shape \(batch, replicas\)"):
        el.binary_replica_loss(tf.zeros((8,)), q)
    assert np.asarray(el.binary_replica_loss(tf.zeros((8, 2)), q)).shape == (8,)


def test_replica_weights_refuse_mismatched_shapes():
    weights = el.build_binary_replicas([0, 1]).get_weights()
    bad = [np.zeros((2, 3, 4), np.float32), np.zeros((2, 4), np.float32), np.zeros((3, 4), np.float32), weights[3]]
    with pytest.raises(ValueError, match="four arrays of a build_binary_replicas model"):
        el.binary_replica_weights(bad, 0)


def test_scores_from_logits_are_exact_where_float32_probabilities_round_to_one(cases):
    z = np.array([[40.0, -3.0, 0.5], [2.0, 1.0, -0.5]])
    y = np.array([0, 0, 1])
    # log(1 + exp(40)) is 40 to float64 precision; a float32 p = 1 would be clipped at 1e-7 (16.1).
    expected = [np.mean([np.logaddexp(0, 40.0), np.logaddexp(0, -3.0), np.logaddexp(0, -0.5)]),
                np.mean([np.logaddexp(0, 2.0), np.logaddexp(0, 1.0), np.logaddexp(0, 0.5)])]  # fmt: skip
    np.testing.assert_allclose(el.binary_log_loss(z, y), expected, rtol=1e-12)
    assert el.binary_log_loss(z[0], y) == pytest.approx(expected[0], rel=1e-12)
    # The soft vote is the logit of the mean probability.
    p = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(el.soft_vote(z), np.log(p.mean(0) / (1 - p.mean(0))), rtol=1e-9)
    np.testing.assert_allclose(el.soft_vote(z.T, axis=1), el.soft_vote(z), rtol=1e-12)
    assert el.soft_vote(np.array([[800.0], [-800.0]]))[0] == pytest.approx(0.0, abs=1e-9)  # no overflow
    model = el.build_binary_mlp(1)
    logits = el.sigmoid_logits(model, cases.x_test)
    assert logits.dtype == np.float64 and logits.shape == (419, 1)
    np.testing.assert_allclose(1 / (1 + np.exp(-logits)), np.asarray(model(cases.x_test)), rtol=1e-6, atol=1e-7)
    with pytest.raises(ValueError, match="must end in el.exact_sigmoid"):
        el.sigmoid_logits(el.build_mlp(0, n_features=30), cases.x_test)
    with pytest.raises(TypeError, match="model must be a Keras model"):
        el.sigmoid_logits("model", cases.x_test)
    with pytest.raises(ValueError, match="y must hold one label per point"):
        el.binary_log_loss(z, y[:2])
    with pytest.raises(ValueError, match=r"logits must be an array of shape \(cases,\) or \(models, cases\)"):
        el.binary_log_loss(z[..., None], y)
    with pytest.raises(ValueError, match="axis must address one of the logits' 2 axes"):
        el.soft_vote(z, axis=2)
    with pytest.raises(ValueError, match="logits must be finite"):
        el.soft_vote(np.array([np.nan]))
