"""Chapter 06's study (study.py): its runs and its eleven predictors, defined once."""

import ensemble_lib as el

import numpy as np
import pytest


@pytest.fixture(scope="module")
def runs(problem):
    return el.train_study(problem.x_train, problem.y_train, seeds=[3, 7])


def test_the_study_trains_its_schedules_and_keeps_what_the_methods_need(runs):
    assert list(runs) == list(el.study_schedules())
    constant, cosine = runs["constant"], runs["cosine"]
    assert sorted(constant.ema) == sorted(el.EMA_MOMENTA)
    assert set(el.last_epochs(250)) <= set(constant.kept)
    assert set(runs["50 cycles"].cycle_ends) <= set(constant.kept)  # one set of kept epochs for all
    assert cosine.cycle_ends == list(range(49, 500, 50))
    assert el.last_epochs(3) == [499, 498, 497]


def test_the_predictors_are_the_methods_they_name(runs, problem):
    x = problem.x_test[:50]
    methods = el.study_methods(runs)
    assert len(methods) == 11 and next(iter(methods)) == "final model (baseline)"
    constant, cosine = runs["constant"], runs["cosine"]
    np.testing.assert_array_equal(methods["final model (baseline)"](x), constant.probabilities(x))
    np.testing.assert_array_equal(methods["cosine annealing alone"](x), cosine.probabilities(x))
    kept = [constant.kept[e] for e in el.last_epochs(250)]
    mean = [np.mean([k[j] for k in kept], axis=0) for j in range(4)]
    np.testing.assert_allclose(methods["Polyak equal, last 250"](x), constant.probabilities(x, mean), atol=1e-6)
    ema = constant.ema[0.999]
    np.testing.assert_array_equal(methods["Keras EMA, momentum 0.9990"](x), constant.probabilities(x, ema))
    votes = np.mean([cosine.probabilities(x, cosine.kept[e]) for e in cosine.cycle_ends], axis=0)
    np.testing.assert_allclose(methods["snapshot ensemble (10)"](x), votes, atol=1e-7)
    shares = el.shares(3, "exponential")
    newest = [constant.kept[e] for e in (499, 498, 497)]
    exponential = [sum(s * w[j] for s, w in zip(shares, newest)) for j in range(4)]
    np.testing.assert_allclose(el.average_kept(constant, [499, 498, 497], "exponential")[0], exponential[0], atol=1e-6)


def test_bad_arguments_are_refused(runs, problem):
    with pytest.raises(ValueError, match="n must be at most the recipe's 500 epochs"):
        el.last_epochs(501)
    with pytest.raises(TypeError, match="n must be an int"):
        el.last_epochs(2.0)
    with pytest.raises(TypeError, match="runs must be a dict of name -> ReplicaRun"):
        el.study_methods([runs["constant"]])
    with pytest.raises(ValueError, match="missing \\['cosine'\\]"):
        el.study_methods({"constant": runs["constant"]})
    with pytest.raises(ValueError, match="must carry the EMAs"):
        el.study_methods({"constant": runs["cosine"], "cosine": runs["cosine"]})
    with pytest.raises(TypeError, match="run must be a ReplicaRun"):
        el.average_kept("run", [499])
    with pytest.raises(ValueError, match="were not kept"):
        el.average_kept(runs["cosine"], [3])
    with pytest.raises(ValueError, match="n must be at most the recipe's 100 epochs"):
        el.train_study(problem.x_train, problem.y_train, [0], el.RECIPE.replace(epochs=100))
