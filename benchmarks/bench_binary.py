"""Benchmark (make bench): chapter 09's binary MLP, many seeds in one replica model against one ``fit`` per seed.

In one process, on the breast-cancer cases (150 training cases) with chapter 09's recipe:

1. plain Keras: ``build_binary_mlp(seed)`` trained by its own ``fit`` on its own batches, for a few
   seeds: the median seconds per trained network;
2. the replica model: ``build_binary_replicas(seeds)`` for chapter 09's 40 seeds, one ``fit``:
   seconds per network;

and the test accuracy of both (threshold 0.5), so that the speed is not bought with another
result (the two train the same networks on the same batches; tests/test_binary.py holds them to
float32 rounding).
"""

from __future__ import annotations

import statistics
import time

import ensemble_lib as el  # first: fixes TensorFlow's numeric path

import keras
import numpy as np

RECIPE = el.BINARY_RECIPE  # the tests shorten it, to check that this file still runs
SEEDS = list(range(40))


def _optimizer():
    return keras.optimizers.SGD(RECIPE.learning_rate, momentum=RECIPE.momentum)


def plain_fit(cases, seeds=(0, 1, 2)) -> tuple[float, float]:
    """Median seconds per network, and mean test accuracy, training each seed with its own fit."""
    times, accuracies = [], []
    steps = RECIPE.steps_per_epoch(len(cases.x_train))
    for seed in seeds:
        start = time.perf_counter()
        model = el.build_binary_mlp(seed, RECIPE)
        model.compile(_optimizer(), el.exact_binary_crossentropy)
        own = el.binary_replica_batches(cases.x_train, cases.y_train, [seed], RECIPE)
        model.fit(own.map(lambda x, y: (x[:, 0], y[:, 0])), epochs=RECIPE.epochs, steps_per_epoch=steps, verbose=0)
        times.append(time.perf_counter() - start)
        accuracies.append(np.mean((np.asarray(model(cases.x_test))[:, 0] >= 0.5) == cases.y_test))
    return statistics.median(times), float(np.mean(accuracies))


def replica_fit(cases, seeds=SEEDS) -> tuple[float, float]:
    """Seconds per network, and mean test accuracy, training every seed in one replica model."""
    start = time.perf_counter()
    model = el.build_binary_replicas(seeds, RECIPE)
    model.compile(_optimizer(), el.binary_replica_loss)
    model.fit(
        el.binary_replica_batches(cases.x_train, cases.y_train, seeds, RECIPE),
        epochs=RECIPE.epochs,
        steps_per_epoch=RECIPE.steps_per_epoch(len(cases.x_train)),
        verbose=0,
    )
    seconds = (time.perf_counter() - start) / len(seeds)
    p = np.asarray(model(np.repeat(cases.x_test[:, None], len(seeds), axis=1)))
    return seconds, float(np.mean((p >= 0.5) == cases.y_test[:, None]))


def main() -> int:
    el.reproducible(0)
    cases = el.load_cancer_cases()
    print(f"chapter 09's binary MLP, {RECIPE.epochs} epochs on {len(cases.x_train)} cases", flush=True)
    plain, plain_accuracy = plain_fit(cases)
    name = "one fit per seed (median of 3 seeds):"
    print(f"  {name:40s} {plain:6.3f} s per network, test accuracy {plain_accuracy:.4f}")
    replicas, replica_accuracy = replica_fit(cases)
    name = f"{len(SEEDS)} seeds in one replica model:"
    print(f"  {name:40s} {replicas:6.3f} s per network, test accuracy {replica_accuracy:.4f}")
    print(f"  the replica model is {plain / replicas:.1f}x faster per network")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
