"""The replica engine of chapter 06 is chapter 02's Keras training, many runs at once."""

import numpy as np
import pytest
from scipy import stats

import ensemble_lib as el


@pytest.fixture(scope="module")
def data(problem):
    return problem.x_train, el.one_hot(problem.y_train)


def keras_run(x, y, seed, epochs, hidden_units=25, callbacks=(), steps_per_execution=4, **options):
    net = el.compile_sgd(el.build_mlp(hidden_units, seed), steps_per_execution=steps_per_execution, **options)
    net.fit(
        el.training_dataset(x, y, seed=seed),
        epochs=epochs,
        steps_per_epoch=4,
        shuffle=False,
        verbose=0,
        callbacks=list(callbacks),
    )
    return net


def largest_difference(a, b):
    return max(float(np.max(np.abs(np.asarray(p) - np.asarray(q)))) for p, q in zip(a, b))


@pytest.mark.parametrize("hidden_units, seed", [(25, 0), (25, 7), (50, 3)])
def test_initial_weights_are_build_mlps(hidden_units, seed):
    expected = el.build_mlp(hidden_units, seed).get_weights()
    got = el.initial_weights(hidden_units, seed)
    assert [w.shape for w in got] == [w.shape for w in expected]
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a, b)


def test_epoch_order_is_the_training_pipelines_order(data):
    x, y = data
    batches = list(el.training_dataset(x, y, seed=5).take(8))  # epochs 0 and 1
    for epoch in range(2):
        order = el.epoch_order(len(x), 5, epoch).numpy()
        got = np.concatenate([b[0].numpy() for b in batches[4 * epoch : 4 * epoch + 4]])
        np.testing.assert_array_equal(got, x[order])


def test_one_epoch_matches_keras_to_float32_rounding(data):
    x, y = data
    run = el.train_replicas(x, y, seeds=[0, 1, 2, 3], epochs=1)
    for i, seed in enumerate(range(4)):
        net = keras_run(x, y, seed, epochs=1)
        assert largest_difference(net.get_weights(), run.replica(i)) < 1e-8


def test_fifty_epochs_stay_within_tight_tolerance(data):
    x, y = data
    run = el.train_replicas(x, y, seeds=[0, 2], epochs=50)
    for i, seed in enumerate([0, 2]):
        net = keras_run(x, y, seed, epochs=50)
        assert largest_difference(net.get_weights(), run.replica(i)) < 1e-6


def test_a_replica_does_not_depend_on_its_neighbours(data):
    x, y = data
    alone = el.train_replicas(x, y, seeds=[3], epochs=20)
    crowd = el.train_replicas(x, y, seeds=[9, 3, 4, 11], epochs=20)
    for a, b in zip(alone.replica(0), crowd.replica(1)):
        np.testing.assert_array_equal(a, b)
    assert len(alone) == 1 and alone.weights[0].shape[0] == 1


def test_kept_weights_are_the_weights_after_that_epoch(data):
    x, y = data
    run = el.train_replicas(x, y, seeds=[0, 1], epochs=12, keep=[4, 11])
    short = el.train_replicas(x, y, seeds=[0, 1], epochs=5)
    for a, b in zip(run.kept[4], short.weights):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(run.kept[11], run.weights):
        np.testing.assert_array_equal(a, b)
    assert run.members([11, 4])[1] is run.kept[4]
    with pytest.raises(ValueError, match="not kept"):
        run.members([3])


@pytest.mark.parametrize("per", ["epoch", "batch"])
def test_cosine_schedule_matches_the_keras_callback(data, per):
    x, y = data
    callback = el.CosineAnnealing(n_epochs=20, n_cycles=4, lr_max=0.05, per=per)
    net = keras_run(x, y, 1, epochs=20, callbacks=[callback], steps_per_execution=1 if per == "batch" else 4)
    table = el.cosine_annealing_rates(20, 4, 0.05, steps_per_epoch=4, per=per)
    recorded = np.array([rate for _, _, rate in callback.rates])
    expected = table[:, 0] if per == "epoch" else table.ravel()
    np.testing.assert_allclose(recorded, expected, rtol=0, atol=0)
    run = el.train_replicas(x, y, seeds=[1, 2], epochs=20, learning_rate=table)
    assert largest_difference(net.get_weights(), run.replica(0)) < 1e-6


def test_weight_ema_matches_keras_use_ema(data):
    x, y = data
    net = keras_run(x, y, 2, epochs=20, use_ema=True, ema_momentum=0.9)
    run = el.train_replicas(x, y, seeds=[2, 3], epochs=20, ema_momenta=[0.9])
    # fit() ends by copying the EMA into the model's weights.
    assert largest_difference(net.get_weights(), run.replica(0, run.ema[0.9])) < 1e-6


def test_probabilities_and_scores_match_the_keras_model(data, problem):
    x, y = data
    run = el.train_replicas(x, y, seeds=[0, 1], epochs=30)
    probs = el.replica_probabilities(run.weights, problem.x_test)
    assert probs.shape == (2, len(problem.x_test), 3)
    net = el.build_mlp(25, 0)
    net.set_weights(run.replica(0))
    np.testing.assert_allclose(probs[0], net(problem.x_test).numpy(), atol=1e-6)
    accuracy, loss = el.scores(probs, problem.y_test)
    assert accuracy[0] == pytest.approx(el.accuracy(net, problem.x_test, problem.y_test), abs=1e-3)
    assert loss[0] == pytest.approx(el.log_loss(net, problem.x_test, problem.y_test), rel=1e-5)


@pytest.mark.slow
def test_accuracy_distribution_matches_independent_keras_runs(data, problem):
    """Full 500-epoch runs: the engine's accuracies are the Keras runs' (within a rare 0.001-step)."""
    x, y = data
    seeds = list(range(12))
    run = el.train_replicas(x, y, seeds=seeds)
    engine_accuracy, _ = el.scores(el.replica_probabilities(run.weights, problem.x_test), problem.y_test)
    keras_accuracy = np.array([el.accuracy(keras_run(x, y, s, epochs=500), problem.x_test, problem.y_test) for s in seeds])
    differences = np.abs(engine_accuracy - keras_accuracy)
    assert np.sum(differences < 5e-4) >= 9, differences  # most seeds: the very same accuracy
    assert differences.max() <= 0.0035, differences
    assert abs(engine_accuracy.mean() - keras_accuracy.mean()) <= 0.001
    # and the two samples are indistinguishable as distributions
    assert stats.ks_2samp(engine_accuracy, keras_accuracy).pvalue > 0.5


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(seeds=[]), ValueError, "seeds must be a non-empty"),
        (dict(seeds=[-1]), ValueError, "seeds must lie in"),
        (dict(seeds=[0.5]), TypeError, "seeds must be ints"),
        (dict(seeds=3), TypeError, "seeds must be a sequence"),
        (dict(epochs=0), ValueError, "epochs must be at least 1"),
        (dict(learning_rate=-0.1), ValueError, "learning_rate must be positive"),
        (dict(learning_rate=np.ones((3, 3))), ValueError, "learning_rate must be a number, or a table"),
        (dict(learning_rate=np.full(5, np.nan)), ValueError, "learning_rate must hold finite"),
        (dict(momentum=1.0), ValueError, "momentum must be in"),
        (dict(keep=[5]), ValueError, "keep must list epochs in"),
        (dict(ema_momenta=[1.5]), ValueError, r"ema_momenta\[...\] must be a finite number in \(0, 1\)"),
        (dict(hidden_units=0), ValueError, "hidden_units must be at least 1"),
    ],
)
def test_train_replicas_rejects_bad_arguments(data, kwargs, error, match):
    x, y = data
    arguments = dict(seeds=[0, 1], epochs=5) | kwargs
    with pytest.raises(error, match=match):
        el.train_replicas(x, y, **arguments)


def test_replica_functions_reject_bad_arguments(problem):
    with pytest.raises(TypeError, match="four stacked arrays"):
        el.replica_probabilities([np.zeros((1, 2, 3))], problem.x_test)
    weights = [np.zeros((2, 2, 4)), np.zeros((2, 4)), np.zeros((2, 4, 3)), np.zeros((2, 3))]
    with pytest.raises(ValueError, match="2 columns"):
        el.replica_probabilities(weights, np.zeros((5, 3)))
    with pytest.raises(ValueError, match=r"weights\[1\] must have 2 axes and 2 replicas"):
        el.replica_probabilities([weights[0], np.zeros((3, 4)), *weights[2:]], problem.x_test)
    with pytest.raises(ValueError, match="probabilities must have shape"):
        el.scores(np.zeros((5, 3)), np.zeros(5))
    with pytest.raises(ValueError, match="one label"):
        el.scores(np.zeros((2, 5, 3)), np.zeros(4, dtype=int))
    run = el.ReplicaRun(seeds=np.array([0]), hidden_units=4, weights=[w[:1] for w in weights])
    with pytest.raises(ValueError, match="one of the 1 replicas"):
        run.replica(1)


def test_cosine_annealing_rates_table():
    table = el.cosine_annealing_rates(100, 5, 0.01, steps_per_epoch=4)
    assert table.shape == (100, 4)
    assert table[0, 0] == 0.01 and table[20, 3] == 0.01
    np.testing.assert_array_equal(table[:, 0], table[:, 3])
    batch = el.cosine_annealing_rates(100, 5, 0.01, steps_per_epoch=4, per="batch")
    assert batch[0, 1] < batch[0, 0] and batch[20, 0] == 0.01
    with pytest.raises(ValueError, match="per must be"):
        el.cosine_annealing_rates(100, 5, 0.01, per="step")
    with pytest.raises(ValueError, match="n_cycles must be between"):
        el.cosine_annealing_rates(10, 11, 0.01)


def test_mean_interval_is_students_t():
    values = np.array([0.80, 0.81, 0.79, 0.805, 0.812, 0.798])
    iv = el.mean_interval(values, confidence=0.9)
    low, high = stats.t.interval(0.9, len(values) - 1, loc=values.mean(), scale=stats.sem(values))
    assert iv.mean == pytest.approx(values.mean())
    assert (iv.low, iv.high) == (pytest.approx(low), pytest.approx(high))
    assert iv.half_width == pytest.approx((high - low) / 2)
    assert iv.n == 6


def test_paired_comparison_counts_and_tests():
    baseline = np.array([0.80, 0.81, 0.79, 0.80, 0.78, 0.82])
    method = baseline + np.array([0.002, 0.0, 0.001, -0.001, 0.003, 0.002])
    result = el.paired_comparison(method, baseline)
    assert (result.better, result.tied, result.worse) == (4, 1, 1)
    assert result.p_value == pytest.approx(stats.ttest_rel(method, baseline).pvalue)
    assert result.sign_p_value == pytest.approx(stats.binomtest(4, 5).pvalue)
    assert result.difference.mean == pytest.approx(0.0011666, abs=1e-6)
    same = el.paired_comparison(baseline, baseline)
    assert (same.p_value, same.better, same.tied, same.difference.half_width) == (1.0, 0, 6, 0.0)


@pytest.mark.parametrize(
    "args, match",
    [
        (([0.8], [0.8]), "at least 2 numbers"),
        (([0.8, np.nan], [0.8, 0.8]), "must be finite"),
        (([0.8, 0.8, 0.8], [0.8, 0.8]), "one value per seed"),
    ],
)
def test_statistics_reject_bad_arguments(args, match):
    with pytest.raises(ValueError, match=match):
        el.paired_comparison(*args)


def test_mean_interval_rejects_bad_confidence():
    with pytest.raises(ValueError, match=r"confidence must be a finite number in \(0, 1\)"):
        el.mean_interval([0.1, 0.2], confidence=95)


def test_plot_intervals_draws_one_row_per_label():
    rows = {"a": el.mean_interval([0.1, 0.2, 0.15]), "b": el.mean_interval([0.3, 0.2, 0.25])}
    ax = el.plot_intervals(rows, xlabel="difference")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]
    assert list(ax.get_yticks()) == [1, 0]  # the first label on top
    assert ax.get_xlabel() == "difference"
    with pytest.raises(ValueError, match="intervals is empty"):
        el.plot_intervals({})
    with pytest.raises(TypeError, match="must have mean, low and high"):
        el.plot_intervals({"a": 1.0})



def test_train_schedules_is_separate_runs_stacked(data):
    x, y = data
    table = el.cosine_annealing_rates(12, 3, 0.05, steps_per_epoch=4)
    runs = el.train_schedules(x, y, [4, 5], {"constant": 0.01, "cosine": table}, epochs=12, keep=[3, 11])
    assert list(runs) == ["constant", "cosine"]
    for name, rate in (("constant", 0.01), ("cosine", table)):
        alone = el.train_replicas(x, y, [4, 5], epochs=12, learning_rate=rate, keep=[3, 11])
        for a, b in zip(runs[name].weights + runs[name].kept[3], alone.weights + alone.kept[3]):
            np.testing.assert_array_equal(a, b)
        assert list(runs[name].seeds) == [4, 5]
    with pytest.raises(ValueError, match=r"schedules\['bad'\]: learning_rate must be a number, or a table"):
        el.train_schedules(x, y, [4, 5], {"bad": np.ones(3)}, epochs=12)
    with pytest.raises(TypeError, match="schedules must be a non-empty dict"):
        el.train_schedules(x, y, [4, 5], {}, epochs=12)
