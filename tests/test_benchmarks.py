"""The benchmarks of ``make bench`` still run against today's library (on a short recipe).

Nothing here is timed: these tests only catch a benchmark that no longer calls the library
correctly, which would otherwise go unnoticed until someone runs ``make bench``.
"""

import importlib.util
from pathlib import Path

import ensemble_lib as el

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def load(name, monkeypatch, epochs):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "RECIPE", el.RECIPE.replace(epochs=epochs))
    return module


def test_training_benchmark_runs(problem, monkeypatch, capsys):
    bench = load("bench_training", monkeypatch, epochs=3)
    for idiom in (bench.original_idiom, bench.book_idiom):
        seconds, accuracy = idiom(problem, seed=0)
        assert seconds > 0 and 0 <= accuracy <= 1
    bench.softmax_side_by_side(problem, seed=0)
    assert "el.exact_softmax" in capsys.readouterr().out


def test_engine_benchmark_runs(problem, monkeypatch):
    bench = load("bench_engine", monkeypatch, epochs=50)
    assert bench.keras_seconds_per_model(problem, seeds=(0,)) > 0
    assert bench.keras_replica_model_seconds_per_model(problem, replicas=4) > 0
    trained, seconds = bench.study(problem)
    assert trained == 8 * len(bench.SEEDS) and seconds > 0


def test_cnn_benchmark_runs(monkeypatch):
    spec = importlib.util.spec_from_file_location("bench_cnn", BENCHMARKS / "bench_cnn.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    monkeypatch.setattr(bench, "RECIPE", el.CNN_RECIPE.replace(epochs=1))
    digits = el.load_digit_images()
    for seconds, accuracy in (bench.plain_fit(digits, seeds=(0,)), bench.replica_fit(digits, seeds=[0, 1])):
        assert seconds > 0 and 0 <= accuracy <= 1


def test_binary_benchmark_runs(monkeypatch):
    spec = importlib.util.spec_from_file_location("bench_binary", BENCHMARKS / "bench_binary.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    monkeypatch.setattr(bench, "RECIPE", el.BINARY_RECIPE.replace(epochs=1))
    cases = el.load_cancer_cases()
    for seconds, accuracy in (bench.plain_fit(cases, seeds=(0,)), bench.replica_fit(cases, seeds=[0, 1])):
        assert seconds > 0 and 0 <= accuracy <= 1
