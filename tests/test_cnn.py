"""Chapter 08's digits, CNN and replica model (cnn.py): the replicas are the plain runs."""

import ensemble_lib as el

import keras
import numpy as np
import pytest
import tensorflow as tf
from test_exact_kernels import APPROXIMATE_KERNELS, BLOCKED_SUM_KERNELS, kernels

RECIPE = el.CNN_RECIPE.replace(epochs=3)
SEEDS = [0, 7, 3]


@pytest.fixture(scope="module")
def digits():
    return el.load_digit_images()


def test_digits_are_split_stratified_and_scaled(digits):
    assert digits.x_train.shape == (300, 8, 8, 1) and digits.x_test.shape == (1497, 8, 8, 1)
    assert digits.x_train.dtype == np.float32 and digits.y_train.dtype == np.int64
    assert digits.x_train.min() == 0.0 and digits.x_train.max() == 1.0
    # Every digit as common in the training set as in the whole (1797 images): 30 of about 180 each.
    counts = np.bincount(digits.y_train, minlength=10)
    whole = np.bincount(np.concatenate([digits.y_train, digits.y_test]), minlength=10)
    assert np.all(np.abs(counts - whole * 300 / 1797) < 1)
    again = el.load_digit_images()
    np.testing.assert_array_equal(again.x_test, digits.x_test)
    other = el.load_digit_images(seed=1)
    assert not np.array_equal(other.y_train, digits.y_train)
    with pytest.raises(ValueError, match="train_size must leave at least 10"):
        el.load_digit_images(train_size=1790)
    with pytest.raises(ValueError, match="train_size must be at least 10"):
        el.load_digit_images(train_size=5)
    with pytest.raises(TypeError, match="train_size must be an int"):
        el.load_digit_images(train_size=300.0)


def test_recipe_refuses_bad_fields():
    with pytest.raises(ValueError, match="filters must be at most 28"):
        el.CNN_RECIPE.replace(filters=(8, 32))
    with pytest.raises(TypeError, match="filters must be a tuple of two ints"):
        el.CNN_RECIPE.replace(filters=[8, 16])
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\)"):
        el.CNN_RECIPE.replace(momentum=1.0)
    with pytest.raises(ValueError, match="learning_rate must be a finite number > 0"):
        el.CNN_RECIPE.replace(learning_rate=0.0)
    assert el.CNN_RECIPE.steps_per_epoch(300) == 10


def test_each_seed_has_its_own_initial_weights():
    a, b, again = el.build_cnn(0), el.build_cnn(1), el.build_cnn(0)
    for x, z in zip(a.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(x, z)
    kernels_of = [0, 5, 10]  # the two convolutions and the dense layer
    assert all(not np.array_equal(a.get_weights()[i], b.get_weights()[i]) for i in kernels_of)
    assert [type(layer).__name__ for layer in a.layers[:2]] == ["ExactConv2D", "ExactBatchNormalization"]


def test_replica_r_starts_as_build_cnn_of_its_seed_and_predicts_like_it(digits):
    model = el.build_cnn_replicas(SEEDS)
    weights = model.get_weights()
    together = model.predict(el.stack_images(digits.x_test, len(SEEDS)), verbose=0)
    assert together.shape == (1497, 3, 10)
    for r, seed in enumerate(SEEDS):
        plain = el.build_cnn(seed)
        for a, b in zip(el.replica_weights(weights, r), plain.get_weights()):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(together[:, r], plain.predict(digits.x_test, verbose=0), atol=2e-6)


def test_replica_batches_give_each_replica_its_own_seeds_shuffle(digits):
    batches = list(el.replica_batches(digits.x_train, digits.y_train, SEEDS, RECIPE).take(11))
    sizes = [len(b[1]) for b in batches]
    assert sizes == [32] * 9 + [12, 32]  # 300 images: nine batches of 32 and one of 12, then epoch 1
    for r, seed in enumerate(SEEDS):
        order = el.epoch_order(300, seed, 0).numpy()
        images = np.concatenate([b[0][..., r] for b in batches[:10]])
        labels = np.concatenate([b[1][:, r] for b in batches[:10]])
        np.testing.assert_array_equal(images, digits.x_train[order, ..., 0])
        np.testing.assert_array_equal(labels, digits.y_train[order])
    resumed = next(iter(el.replica_batches(digits.x_train, digits.y_train, SEEDS, RECIPE, first_epoch=1)))
    np.testing.assert_array_equal(resumed[0], batches[10][0])


def test_replica_loss_is_the_sum_of_the_replicas_mean_losses():
    rng = np.random.default_rng(0)
    logits = tf.constant(rng.normal(size=(5, 3, 10)).astype(np.float32))
    labels = rng.integers(0, 10, size=(5, 3))
    probabilities = el.exact_softmax(logits)
    total = float(keras.ops.mean(el.replica_loss(labels, probabilities)))
    each = [
        float(keras.ops.mean(keras.losses.sparse_categorical_crossentropy(labels[:, r], probabilities[:, r])))
        for r in range(3)
    ]
    assert total == pytest.approx(sum(each), rel=1e-6)


def compile_replicas(model):
    model.compile(keras.optimizers.SGD(RECIPE.learning_rate, momentum=RECIPE.momentum), el.replica_loss)
    return model


def test_training_replicas_together_is_training_each_seed_with_fit(digits):
    """Replica r of one fit is the plain network of seed r trained by its own fit, to float32 rounding."""
    steps = RECIPE.steps_per_epoch(300)
    model = compile_replicas(el.build_cnn_replicas(SEEDS, RECIPE))
    model.fit(
        el.replica_batches(digits.x_train, digits.y_train, SEEDS, RECIPE), epochs=3, steps_per_epoch=steps, verbose=0
    )
    weights = model.get_weights()
    for r, seed in enumerate(SEEDS):
        plain = el.build_cnn(seed, RECIPE)
        plain.compile(
            keras.optimizers.SGD(RECIPE.learning_rate, momentum=RECIPE.momentum), "sparse_categorical_crossentropy"
        )
        own = el.replica_batches(digits.x_train, digits.y_train, [seed], RECIPE).map(lambda x, y: (x, y[:, 0]))
        plain.fit(own, epochs=3, steps_per_epoch=steps, verbose=0)
        start = el.build_cnn(seed, RECIPE).get_weights()
        for name, a, b, w0 in zip(range(12), el.replica_weights(weights, r), plain.get_weights(), start):
            # Measured: at most 6e-7 apart after 3 epochs; training moved every array much further.
            np.testing.assert_allclose(a, b, atol=5e-6, err_msg=f"replica {r}, array {name}")
            assert np.abs(b - w0).max() > 1e-3
    # The BN statistics of all replicas at once are each replica's own.
    stats = el.update_batchnorm(model, el.stack_images(digits.x_train, 3))
    plain_stats = el.update_batchnorm(
        el.model_with_weights(el.build_cnn(SEEDS[1]), el.replica_weights(model.get_weights(), 1)), digits.x_train
    )
    np.testing.assert_allclose(stats["bn2"][0][16:32], plain_stats["bn2"][0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(stats["bn2"][1][16:32], plain_stats["bn2"][1], rtol=1e-5, atol=1e-6)


def test_replica_training_step_has_no_cpu_dependent_kernel():
    model = compile_replicas(el.build_cnn_replicas(SEEDS, RECIPE))
    model.optimizer.build(model.trainable_variables)
    spec = (tf.TensorSpec([32, 8, 8, 3], tf.float32), tf.TensorSpec([32, 3], tf.int64))
    found = kernels(tf.function(model.train_step).get_concrete_function(spec))
    assert {"Conv2D", "ExtractImagePatches", "BatchMatMulV2", "Einsum"} <= found
    assert not found & (APPROXIMATE_KERNELS | BLOCKED_SUM_KERNELS)


def test_bad_arguments_are_refused(digits):
    with pytest.raises(ValueError, match="seeds must be distinct"):
        el.build_cnn_replicas([1, 2, 1])
    with pytest.raises(ValueError, match="seeds must hold at least one seed"):
        el.build_cnn_replicas([])
    with pytest.raises(TypeError, match="seeds must be a sequence of ints"):
        el.build_cnn_replicas(3)
    with pytest.raises(TypeError, match="recipe must be a CNNRecipe"):
        el.build_cnn(0, el.RECIPE)
    weights = el.build_cnn_replicas([0, 1]).get_weights()
    with pytest.raises(ValueError, match="replica must be below the model's 2 replicas"):
        el.replica_weights(weights, 2)
    with pytest.raises(ValueError, match="twelve arrays of a build_cnn_replicas model"):
        el.replica_weights(el.build_cnn(0).get_weights(), 0)
    with pytest.raises(TypeError, match="weights must be a list of NumPy arrays"):
        el.replica_weights("weights", 0)
    with pytest.raises(ValueError, match=r"x must hold at least one image of shape \(8, 8, 1\)"):
        el.stack_images(digits.x_train[:, :4], 2)
    with pytest.raises(ValueError, match="y must hold labels in 0..9"):
        el.replica_batches(digits.x_train, digits.y_train + 1, [0])
    with pytest.raises(ValueError, match="y must hold one label per point"):
        el.replica_batches(digits.x_train, digits.y_train[:-1], [0])


def test_a_compiled_replica_model_can_be_cloned_for_averages_and_checkpoints(digits, tmp_path):
    """model_with_weights and load_checkpoints clone the model: its loss must be known by name."""
    model = compile_replicas(el.build_cnn_replicas([0, 1], RECIPE))
    saver = el.EpochCheckpoints(tmp_path / "run", last=1, replace=True)
    model.fit(
        el.replica_batches(digits.x_train, digits.y_train, [0, 1], RECIPE),
        epochs=1,
        steps_per_epoch=2,
        callbacks=[saver],
        verbose=0,
    )
    ((epoch, weights),) = el.load_checkpoints(tmp_path / "run", like=model)
    clone = el.model_with_weights(model, weights)
    assert epoch == 0
    images = el.stack_images(digits.x_test[:50], 2)
    np.testing.assert_array_equal(clone.predict(images, verbose=0), model.predict(images, verbose=0))
