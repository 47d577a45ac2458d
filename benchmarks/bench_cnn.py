"""Benchmark (make bench): chapter 08's CNN, many seeds in one replica model against one ``fit`` per seed.

In one process, on the digits (300 training images) with chapter 08's recipe:

1. plain Keras: ``build_cnn(seed)`` trained by its own ``fit`` on its own batches, for a few seeds:
   the median seconds per trained network;
2. the replica model: ``build_cnn_replicas(seeds)`` for 20 seeds, one ``fit``: seconds per network;

and the test accuracy of both, so that the speed is not bought with another result (the two
train the same networks on the same batches; tests/test_cnn.py holds them to float32 rounding).
"""

from __future__ import annotations

import statistics
import time

import ensemble_lib as el  # first: fixes TensorFlow's numeric path

import keras
import numpy as np

RECIPE = el.CNN_RECIPE  # the tests shorten it, to check that this file still runs
SEEDS = list(range(20))


def _optimizer():
    return keras.optimizers.SGD(RECIPE.learning_rate, momentum=RECIPE.momentum)


def plain_fit(digits, seeds=(0, 1, 2)) -> tuple[float, float]:
    """Median seconds per network, and mean test accuracy, training each seed with its own fit."""
    times, accuracies = [], []
    steps = RECIPE.steps_per_epoch(len(digits.x_train))
    for seed in seeds:
        start = time.perf_counter()
        model = el.build_cnn(seed, RECIPE)
        model.compile(_optimizer(), "sparse_categorical_crossentropy")
        own = el.replica_batches(digits.x_train, digits.y_train, [seed], RECIPE).map(lambda x, y: (x, y[:, 0]))
        model.fit(own, epochs=RECIPE.epochs, steps_per_epoch=steps, verbose=0)
        times.append(time.perf_counter() - start)
        accuracies.append(np.mean(model.predict(digits.x_test, verbose=0).argmax(-1) == digits.y_test))
    return statistics.median(times), float(np.mean(accuracies))


def replica_fit(digits, seeds=SEEDS) -> tuple[float, float]:
    """Seconds per network, and mean test accuracy, training every seed in one replica model."""
    start = time.perf_counter()
    model = el.build_cnn_replicas(seeds, RECIPE)
    model.compile(_optimizer(), el.replica_loss)
    model.fit(
        el.replica_batches(digits.x_train, digits.y_train, seeds, RECIPE),
        epochs=RECIPE.epochs,
        steps_per_epoch=RECIPE.steps_per_epoch(len(digits.x_train)),
        verbose=0,
    )
    seconds = (time.perf_counter() - start) / len(seeds)
    predicted = model.predict(el.stack_images(digits.x_test, len(seeds)), verbose=0).argmax(-1)
    return seconds, float(np.mean(predicted == digits.y_test[:, None]))


def main() -> int:
    el.reproducible(0)
    digits = el.load_digit_images()
    print(f"chapter 08's CNN, {RECIPE.epochs} epochs on {len(digits.x_train)} digits", flush=True)
    plain, plain_accuracy = plain_fit(digits)
    name = "one fit per seed (median of 3 seeds):"
    print(f"  {name:40s} {plain:6.3f} s per network, test accuracy {plain_accuracy:.4f}")
    replicas, replica_accuracy = replica_fit(digits)
    name = f"{len(SEEDS)} seeds in one replica model:"
    print(f"  {name:40s} {replicas:6.3f} s per network, test accuracy {replica_accuracy:.4f}")
    print(f"  the replica model is {plain / replicas:.1f}x faster per network")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
