"""Benchmark (make bench): the baseline's 500-epoch training with per-epoch learning curves.

Times, in one process and on the same model, data and seed:

1. the original tutorials' idiom: ``fit(x_numpy, y_numpy, validation_data=(x_test, y_test), epochs=500)``;
2. the book's idiom (chapter 02): ``fit`` on a cached, seeded ``tf.data`` pipeline, with the
   per-epoch train and test accuracy recorded by ``AccuracyCurves`` and ``steps_per_execution=4``;

then the same book idiom with Keras's built-in softmax against the exact one the book uses
(:func:`ensemble_lib.exact_softmax`), and then each chapter notebook executed top to bottom in
a fresh kernel. Prints seconds and the
speed-up. Targets (issue 2): the book's 500-epoch run under 10 s, a chapter under 45 s.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import ensemble_lib as el  # first: fixes TensorFlow's numeric path

import tensorflow as tf

ROOT = Path(__file__).resolve().parent.parent
RECIPE = el.RECIPE  # the tests shorten it, to check that this file still runs


def compiled_mlp(seed: int, steps_per_execution: int = 1):
    # The running accuracy metric, as both the original and chapter 02 compile it.
    model = el.build_mlp(seed, RECIPE)
    return el.compile_sgd(model, RECIPE, steps_per_execution=steps_per_execution, metrics=["accuracy"])


def original_idiom(problem, seed: int) -> tuple[float, float]:
    y_train, y_test = el.one_hot(problem.y_train), el.one_hot(problem.y_test)
    model = compiled_mlp(seed)
    start = time.perf_counter()
    history = model.fit(
        problem.x_train, y_train, validation_data=(problem.x_test, y_test), epochs=RECIPE.epochs, verbose=0
    )
    elapsed = time.perf_counter() - start
    assert len(history.history["val_accuracy"]) == RECIPE.epochs
    return elapsed, el.accuracy(model, problem.x_test, problem.y_test)


def book_idiom(problem, seed: int) -> tuple[float, float]:
    y_train = el.one_hot(problem.y_train)
    model = compiled_mlp(seed, steps_per_execution=4)
    steps = RECIPE.steps_per_epoch(len(problem.x_train))
    start = time.perf_counter()
    data = el.training_dataset(problem.x_train, y_train, seed, RECIPE)
    curves = el.AccuracyCurves(train=(problem.x_train, y_train), test=(problem.x_test, problem.y_test))
    history = model.fit(data, epochs=RECIPE.epochs, steps_per_epoch=steps, shuffle=False, verbose=0, callbacks=[curves])
    elapsed = time.perf_counter() - start
    assert len(history.history["test_accuracy"]) == RECIPE.epochs
    return elapsed, el.accuracy(model, problem.x_test, problem.y_test)


def softmax_side_by_side(problem, seed: int) -> None:
    """The exact softmax (ensemble_lib.exact) against Keras's built-in one, in the same process:
    the book idiom's 500 epochs, and 1000 forward passes over the 1000 test points."""
    import keras

    def with_builtin_softmax(model):
        model.layers[-1].activation = keras.activations.softmax
        return model

    for name, adapt in (("Keras 'softmax' (CPU-dependent)", with_builtin_softmax), ("el.exact_softmax", lambda m: m)):
        times = []
        for _ in range(3):
            model = adapt(el.compile_sgd(el.build_mlp(seed, RECIPE), RECIPE))
            data = el.training_dataset(problem.x_train, el.one_hot(problem.y_train), seed, RECIPE)
            steps = RECIPE.steps_per_epoch(len(problem.x_train))
            curves = el.AccuracyCurves(train=(problem.x_train, problem.y_train), test=(problem.x_test, problem.y_test))
            start = time.perf_counter()
            model.fit(data, epochs=RECIPE.epochs, steps_per_epoch=steps, shuffle=False, verbose=0, callbacks=[curves])
            times.append(time.perf_counter() - start)
        forward = tf.function(lambda x, model=model: model(x, training=False))
        x = tf.constant(problem.x_test)
        forward(x)
        start = time.perf_counter()
        for _ in range(1000):
            forward(x)
        per_call = (time.perf_counter() - start) / 1000 * 1e6
        print(
            f"  {name:32s} training {statistics.median(times):5.2f} s (median of 3), forward pass {per_call:6.1f} us",
            flush=True,
        )


def chapter_seconds(path: Path) -> float:
    import jupytext
    from nbclient import NotebookClient

    notebook = jupytext.read(path)
    start = time.perf_counter()
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    return time.perf_counter() - start


def main() -> int:
    el.reproducible(0)
    problem = el.load_blobs()
    print(f"training: {RECIPE.epochs} epochs of the baseline MLP with per-epoch train and test accuracy", flush=True)
    original, acc_original = original_idiom(problem, seed=0)
    print(
        f"  original idiom (NumPy arrays + validation_data): {original:6.1f} s  (test accuracy {acc_original:.3f})",
        flush=True,
    )
    runs = [book_idiom(problem, seed=0) for _ in range(3)]
    book = statistics.median(t for t, _ in runs)
    print(f"  book idiom (tf.data + AccuracyCurves), median of 3: {book:6.1f} s  (test accuracy {runs[0][1]:.3f})")
    print(f"  speed-up: {original / book:.1f}x   target: under 10 s -> {'met' if book < 10 else 'MISSED'}")
    print("the output softmax, side by side (training with learning curves; one forward pass of 1000 points):")
    softmax_side_by_side(problem, seed=0)
    print("chapters, executed top to bottom in a fresh kernel:", flush=True)
    for path in sorted((ROOT / "book").glob("[0-9][0-9]_*.py")):
        seconds = chapter_seconds(path)
        print(
            f"  {path.stem:16s} {seconds:6.1f} s   target: under 45 s -> {'met' if seconds < 45 else 'MISSED'}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
