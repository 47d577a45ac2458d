"""Compute a short run of the book's numeric path and save every number (tests/test_emulated_cpu.py).

Usage: python tests/portable_numbers.py OUT.npz

Five epochs of chapter 02's recipe in Keras (weights, per-epoch loss, learning-curve accuracy,
test probabilities and log-loss), five epochs of three replicas under two schedules in chapter
06's engine (weights, kept weights, weight EMA, probabilities, accuracy and log-loss), the Bayes
posterior and a t interval (NumPy and SciPy), and two replicas of chapter 08's CNN (``ExactConv2D``,
``ExactBatchNormalization``) trained together, with their ``update_batchnorm`` statistics. The test runs this natively
and on an emulated CPU and compares the files bit for bit. ``builtin_softmax`` (TensorFlow's own
softmax of the same logits) and ``builtin_batchnorm_probabilities`` (the CNN with Keras's own
BatchNormalization) are the entries expected to differ, proof that the emulated CPU really
rounds differently and that the exact variants are needed.
"""

import sys

import ensemble_lib as el  # first: fixes the numeric path

SEED = el.reproducible(0)

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

EPOCHS = 5


def main(path: str) -> None:
    problem = el.load_blobs()
    out = {}
    model = el.compile_sgd(el.build_mlp(seed=SEED))
    curves = el.AccuracyCurves(test=(problem.x_test, problem.y_test))
    history = model.fit(
        el.training_dataset(problem.x_train, el.one_hot(problem.y_train), seed=SEED),
        epochs=EPOCHS,
        steps_per_epoch=el.RECIPE.steps_per_epoch(len(problem.x_train)),
        shuffle=False,
        verbose=0,
        callbacks=[curves],
    )
    for i, weight in enumerate(model.get_weights()):
        out[f"keras_weight_{i}"] = weight
    out["keras_loss"] = np.array(history.history["loss"])
    out["keras_test_accuracy"] = np.array(history.history["test_accuracy"])
    out["keras_probabilities"] = np.asarray(model(problem.x_test, training=False))
    out["keras_log_loss"] = np.array(el.log_loss(model, problem.x_test, problem.y_test))

    # Two schedules, the EMA for one of them only (its replicas are gathered), as in chapter 06.
    schedules = {"constant": None, "cosine": el.CosineAnnealing(EPOCHS, 1, 0.05)}
    runs = el.train_schedules(
        problem.x_train,
        problem.y_train,
        [0, 1, 2],
        schedules,
        el.RECIPE.replace(epochs=EPOCHS),
        keep=[2],
        ema_momenta={"constant": [0.9]},
    )
    run = runs["constant"]
    for i, (weight, average, cosine, kept) in enumerate(
        zip(run.weights, run.ema[0.9], runs["cosine"].weights, runs["cosine"].kept[2])
    ):
        out[f"engine_weight_{i}"] = weight
        out[f"engine_ema_{i}"] = average
        out[f"engine_cosine_weight_{i}"] = cosine
        out[f"engine_cosine_kept_{i}"] = kept
    probabilities = el.replica_probabilities(run.weights, problem.x_test)
    accuracy, log_loss = el.replica_scores(probabilities, problem.y_test)
    out.update(engine_probabilities=probabilities, engine_accuracy=accuracy, engine_log_loss=log_loss)

    bayes = el.BayesClassifier.for_problem(problem)
    out["bayes_probabilities"] = bayes.predict_proba(problem.x_test)
    out["bayes_expected_accuracy"] = np.array(bayes.expected_accuracy(grid_points=201))
    interval = el.mean_interval(log_loss)
    out["interval"] = np.array([interval.mean, interval.low, interval.high])

    # Chapter 08's CNN (ExactConv2D, ExactBatchNormalization): two replicas trained together by
    # fit for two epochs, with an EMA of their weights, their predictions (predict: a compiled
    # function), the statistics update_batchnorm sets, and the predictions after it. Keras's own
    # BatchNormalization (its Rsqrt) in the same network for contrast.
    import keras

    digits = el.load_digit_images()
    recipe = el.CNN_RECIPE.replace(epochs=2)
    seeds = [0, 1]
    test_images = el.stack_images(digits.x_test[:300], len(seeds))
    replicas = el.build_cnn_replicas(seeds, recipe)
    replicas.compile(
        keras.optimizers.SGD(recipe.learning_rate, momentum=recipe.momentum, use_ema=True), el.replica_loss
    )
    replicas.fit(
        el.replica_batches(digits.x_train, digits.y_train, seeds, recipe),
        epochs=recipe.epochs,
        steps_per_epoch=recipe.steps_per_epoch(len(digits.x_train)),
        verbose=0,
    )
    out["cnn_probabilities"] = replicas.predict(test_images, verbose=0)
    for i, weight in enumerate(replicas.get_weights()):
        out[f"cnn_weight_{i}"] = weight
    for name, (mean, variance) in el.update_batchnorm(replicas, el.stack_images(digits.x_train, len(seeds))).items():
        out.update({f"cnn_{name}_updated_mean": mean, f"cnn_{name}_updated_variance": variance})
    out["cnn_updated_probabilities"] = replicas.predict(test_images, verbose=0)
    builtin = el.model_with_weights(el.build_cnn(0, recipe), el.replica_weights(replicas.get_weights(), 0))
    builtin = keras.Sequential(
        [keras.Input((8, 8, 1))]
        + [
            keras.layers.BatchNormalization() if isinstance(layer, el.ExactBatchNormalization) else layer
            for layer in builtin.layers
        ]
    )
    builtin.compile(
        keras.optimizers.SGD(recipe.learning_rate, momentum=recipe.momentum), "sparse_categorical_crossentropy"
    )
    builtin.fit(digits.x_train, digits.y_train, batch_size=32, epochs=1, shuffle=False, verbose=0)
    out["builtin_batchnorm_probabilities"] = builtin.predict(digits.x_test[:300], verbose=0)

    logits = np.random.default_rng(0).normal(scale=3.0, size=(1000, 3)).astype(np.float32)
    out["builtin_softmax"] = tf.nn.softmax(logits).numpy()
    out["exact_softmax"] = el.exact_softmax(logits).numpy()
    np.savez(path, **out)


if __name__ == "__main__":
    main(sys.argv[1])
