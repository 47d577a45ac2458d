"""The replica engine of chapter 06 is chapter 02's Keras training, many runs at once."""

import ensemble_lib as el

import numpy as np
import pytest
from scipy import stats


@pytest.fixture(scope="module")
def data(problem):
    return problem.x_train, el.one_hot(problem.y_train)


def R(epochs, **changes):
    """The book's recipe, shortened to ``epochs`` (and otherwise changed by ``changes``)."""
    return el.RECIPE.replace(epochs=epochs, **changes)


def keras_run(x, y, seed, epochs, callbacks=(), steps_per_execution=4, recipe=None, **options):
    recipe = R(epochs) if recipe is None else recipe
    net = el.compile_sgd(el.build_mlp(seed, recipe), recipe, steps_per_execution=steps_per_execution, **options)
    el.train(net, x, y, seed, recipe, callbacks=callbacks)
    return net


def largest_difference(a, b):
    return max(float(np.max(np.abs(np.asarray(p) - np.asarray(q)))) for p, q in zip(a, b))


def test_one_epoch_matches_keras_to_float32_rounding(data):
    x, y = data
    run = el.train_replicas(x, y, seeds=[0, 1, 2, 3], recipe=R(1))
    for i, seed in enumerate(range(4)):
        net = keras_run(x, y, seed, epochs=1)
        assert largest_difference(net.get_weights(), run.replica(i)) < 1e-7


def test_fifty_epochs_stay_within_tight_tolerance(data):
    x, y = data
    run = el.train_replicas(x, y, seeds=[0, 2], recipe=R(50))
    for i, seed in enumerate([0, 2]):
        net = keras_run(x, y, seed, epochs=50)
        assert largest_difference(net.get_weights(), run.replica(i)) < 1e-6


def test_a_replica_does_not_depend_on_its_neighbours(data):
    x, y = data
    alone = el.train_replicas(x, y, seeds=[3], recipe=R(20))
    crowd = el.train_replicas(x, y, seeds=[9, 3, 4, 11], recipe=R(20))
    for a, b in zip(alone.replica(0), crowd.replica(1)):
        np.testing.assert_array_equal(a, b)
    assert len(alone) == 1 and alone.weights[0].shape[0] == 1


def test_kept_weights_are_the_weights_after_that_epoch(data):
    x, y = data
    run = el.train_replicas(x, y, seeds=[0, 1], recipe=R(12), keep=[4, 11])
    short = el.train_replicas(x, y, seeds=[0, 1], recipe=R(5))
    for a, b in zip(run.kept[4], short.weights):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(run.kept[11], run.weights):
        np.testing.assert_array_equal(a, b)
    assert run.kept_at([11, 4])[1] is run.kept[4]
    with pytest.raises(ValueError, match="not kept"):
        run.kept_at([3])


@pytest.mark.parametrize("per", ["epoch", "batch"])
def test_cosine_schedule_matches_the_keras_callback(data, per):
    x, y = data
    callback = el.CosineAnnealing(n_epochs=20, n_cycles=4, lr_max=0.05, per=per)
    net = keras_run(x, y, 1, epochs=20, callbacks=[callback], steps_per_execution=1 if per == "batch" else 4)
    table = el.cosine_annealing_rates(20, 4, 0.05, steps_per_epoch=4, per=per)
    recorded = np.array([rate for _, _, rate in callback.rates])
    expected = table[:, 0] if per == "epoch" else table.ravel()
    np.testing.assert_allclose(recorded, expected, rtol=0, atol=0)
    run = el.train_replicas(x, y, seeds=[1, 2], recipe=R(20), learning_rate=table)
    assert largest_difference(net.get_weights(), run.replica(0)) < 1e-6


def test_weight_ema_matches_keras_use_ema(data):
    x, y = data
    net = keras_run(x, y, 2, epochs=20, use_ema=True, ema_momentum=0.9)
    run = el.train_replicas(x, y, seeds=[2, 3], recipe=R(20), ema_momenta=[0.9])
    # fit() ends by copying the EMA into the model's weights.
    assert largest_difference(net.get_weights(), run.replica(0, run.ema[0.9])) < 1e-6


def test_probabilities_and_scores_match_the_keras_model(data, problem):
    x, y = data
    run = el.train_replicas(x, y, seeds=[0, 1], recipe=R(30))
    probs = el.replica_probabilities(run.weights, problem.x_test)
    assert probs.shape == (2, len(problem.x_test), 3)
    net = el.build_mlp(0)
    net.set_weights(run.replica(0))
    np.testing.assert_allclose(probs[0], net(problem.x_test).numpy(), atol=1e-6)
    accuracy, loss = el.replica_scores(probs, problem.y_test)
    assert accuracy[0] == pytest.approx(el.accuracy(net, problem.x_test, problem.y_test), abs=1e-3)
    assert loss[0] == pytest.approx(el.log_loss(net, problem.x_test, problem.y_test), rel=1e-5)


@pytest.mark.slow
def test_accuracy_distribution_matches_independent_keras_runs(data, problem):
    """Full 500-epoch runs: the engine's accuracies are the Keras runs' (within a rare 0.001-step)."""
    x, y = data
    seeds = list(range(12))
    run = el.train_replicas(x, y, seeds=seeds)
    engine_accuracy, _ = el.replica_scores(el.replica_probabilities(run.weights, problem.x_test), problem.y_test)
    keras_accuracy = np.array(
        [el.accuracy(keras_run(x, y, s, epochs=500), problem.x_test, problem.y_test) for s in seeds]
    )
    differences = np.abs(engine_accuracy - keras_accuracy)
    assert np.sum(differences < 5e-4) >= 9, differences  # most seeds: the very same accuracy
    # A run whose path forks by float32 rounding ends a few test points away (seed 3: 5 of 1000).
    assert differences.max() <= 0.006, differences
    assert abs(engine_accuracy.mean() - keras_accuracy.mean()) <= 0.001
    # and the two samples are indistinguishable as distributions
    assert stats.ks_2samp(engine_accuracy, keras_accuracy).pvalue > 0.5


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(seeds=[]), ValueError, "seeds must be a non-empty"),
        (dict(seeds=[-1]), ValueError, r"seeds\[...\] must be in"),
        (dict(seeds=[0.5]), TypeError, "seeds must be ints"),
        (dict(seeds=3), TypeError, "seeds must be a sequence"),
        (dict(recipe="fast"), TypeError, "recipe must be a Recipe"),
        (dict(learning_rate=-0.1), ValueError, "learning_rate must be a finite number > 0"),
        (
            dict(learning_rate=np.ones((3, 3))),
            ValueError,
            "learning_rate must be a number, a schedule callback, or a table",
        ),
        (dict(learning_rate=np.full(5, np.nan)), ValueError, "learning_rate must be finite"),
        (dict(keep=[5]), ValueError, "keep must list epochs in"),
        (dict(ema_momenta=[1.5]), ValueError, r"ema_momenta\[...\] must be a finite number in \(0, 1\)"),
    ],
)
def test_train_replicas_rejects_bad_arguments(data, kwargs, error, match):
    x, y = data
    arguments = dict(seeds=[0, 1], recipe=R(5)) | kwargs
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
        el.replica_scores(np.zeros((5, 3)), np.zeros(5))
    with pytest.raises(ValueError, match="one label"):
        el.replica_scores(np.zeros((2, 5, 3)), np.zeros(4, dtype=int))
    run = el.ReplicaRun(seeds=np.array([0]), recipe=el.RECIPE, schedule=0.01, weights=[w[:1] for w in weights])
    with pytest.raises(ValueError, match="one of the 1 replicas"):
        run.replica(1)


def test_train_schedules_is_separate_runs_stacked(data):
    x, y = data
    table = el.cosine_annealing_rates(12, 3, 0.05, steps_per_epoch=4)
    runs = el.train_schedules(x, y, [4, 5], {"constant": 0.01, "cosine": table}, recipe=R(12), keep=[3, 11])
    assert list(runs) == ["constant", "cosine"]
    for name, rate in (("constant", 0.01), ("cosine", table)):
        alone = el.train_replicas(x, y, [4, 5], recipe=R(12), learning_rate=rate, keep=[3, 11])
        for a, b in zip(runs[name].weights + runs[name].kept[3], alone.weights + alone.kept[3]):
            np.testing.assert_array_equal(a, b)
        assert list(runs[name].seeds) == [4, 5]
    with pytest.raises(
        ValueError, match=r"schedules\['bad'\]: learning_rate must be a number, a schedule callback, or a table"
    ):
        el.train_schedules(x, y, [4, 5], {"bad": np.ones(3)}, recipe=R(12))
    with pytest.raises(ValueError, match="schedules must name at least one learning rate"):
        el.train_schedules(x, y, [4, 5], {}, recipe=R(12))
    with pytest.raises(TypeError, match="schedules must be a dict"):
        el.train_schedules(x, y, [4, 5], [0.01], recipe=R(12))
    # train_replicas names its own argument, not a schedule the caller never named
    with pytest.raises(ValueError, match=r"^learning_rate must be a number, a schedule callback, or a table"):
        el.train_replicas(x, y, [4, 5], recipe=R(12), learning_rate=np.ones(3))


def test_emas_are_paid_for_only_by_the_schedules_that_ask(data):
    x, y = data
    table = el.cosine_annealing_rates(12, 3, 0.05, steps_per_epoch=4)
    schedules = {"constant": 0.01, "cosine": table, "slow": 0.005}
    runs = el.train_schedules(
        x, y, [4, 5], schedules, recipe=R(12), ema_momenta={"constant": [0.9, 0.5], "slow": [0.9]}
    )
    assert runs["cosine"].ema == {} and sorted(runs["constant"].ema) == [0.5, 0.9] and list(runs["slow"].ema) == [0.9]
    for name, momenta in (("constant", [0.9, 0.5]), ("slow", [0.9])):
        alone = el.train_replicas(x, y, [4, 5], recipe=R(12), learning_rate=schedules[name], ema_momenta=momenta)
        for m in momenta:
            for a, b in zip(runs[name].ema[m], alone.ema[m]):
                np.testing.assert_array_equal(a, b)
        # an EMA differs from the weights, and from another momentum's
        assert largest_difference(runs[name].ema[0.9], runs[name].weights) > 1e-4
    assert largest_difference(runs["constant"].ema[0.9], runs["constant"].ema[0.5]) > 1e-4
    with pytest.raises(ValueError, match=r"ema_momenta names schedules that are not in schedules: \['cosin'\]"):
        el.train_schedules(x, y, [4, 5], schedules, recipe=R(12), ema_momenta={"cosin": [0.9]})
    with pytest.raises(TypeError, match="a dict is for train_schedules"):
        el.train_replicas(x, y, [4, 5], recipe=R(2), ema_momenta={"run": [0.9]})
    with pytest.raises(TypeError, match=r"ema_momenta\['slow'\] must be a sequence of momenta"):
        el.train_schedules(x, y, [4, 5], schedules, recipe=R(12), ema_momenta={"slow": 0.9})
    with pytest.raises(ValueError, match="must not repeat a momentum"):
        el.train_replicas(x, y, [4, 5], recipe=R(2), ema_momenta=[0.9, 0.9])
    with pytest.raises(TypeError, match="ema_momenta must be a sequence of momenta, or a dict"):
        el.train_replicas(x, y, [4, 5], recipe=R(2), ema_momenta=0.9)


def test_a_changed_recipe_changes_both_paths_alike(data):
    """Another width and momentum: the replica still follows its Keras run."""
    x, y = data
    recipe = R(30, hidden_units=7, momentum=0.8, batch_size=20)
    run = el.train_replicas(x, y, seeds=[5, 6], recipe=recipe)
    assert run.weights[0].shape == (2, 2, 7)
    net = keras_run(x, y, 5, epochs=30, recipe=recipe, steps_per_execution=1)  # 5 steps per epoch
    assert largest_difference(net.get_weights(), run.replica(0)) < 1e-6


def test_a_run_knows_its_schedule_and_votes(data, problem):
    x, y = data
    schedule = el.CosineAnnealing(12, 3, 0.05)
    run = el.train_replicas(x, y, [0, 1], recipe=R(12), learning_rate=schedule, keep=schedule.cycle_ends)
    assert run.schedule is schedule and run.cycle_ends == [3, 7, 11]
    vote = run.soft_vote(problem.x_test, run.cycle_ends)
    expected = np.mean([el.replica_probabilities(run.kept[e], problem.x_test) for e in run.cycle_ends], axis=0)
    np.testing.assert_array_equal(vote, expected)
    np.testing.assert_array_equal(
        run.probabilities(problem.x_test), el.replica_probabilities(run.weights, problem.x_test)
    )
    with pytest.raises(ValueError, match="cyclic schedule"):
        _ = el.train_replicas(x, y, [0, 1], recipe=R(2)).cycle_ends


def test_many_calls_raise_no_retracing_warning(data, caplog):
    """Every call traces its own function by design: TensorFlow's retracing warning is silenced."""
    x, y = data
    for seed in range(7):
        el.train_replicas(x, y, [seed, seed + 1], recipe=R(1))
    assert not [r for r in caplog.records if "retracing" in r.getMessage()]
    import tensorflow as tf

    level = tf.get_logger().level
    el.train_replicas(x, y, [0, 1], recipe=R(1))
    assert tf.get_logger().level == level  # restored after the call


def test_weight_decay_follows_keras_l2_regularizer(data):
    """recipe.l2: Keras's L2 kernel regulariser on both layers, the biases left alone; a decay that
    matters (the kernels end visibly smaller) and still the Keras run to float32 rounding."""
    x, y = data
    recipe = R(30, l2=0.01)
    net = keras_run(x, y, 4, epochs=30, recipe=recipe)
    assert [type(layer.kernel_regularizer).__name__ for layer in net.layers] == ["L2", "L2"]
    decayed = el.train_replicas(x, y, seeds=[4, 8], recipe=recipe)
    assert largest_difference(net.get_weights(), decayed.replica(0)) < 1e-6
    plain = el.train_replicas(x, y, seeds=[4, 8], recipe=R(30))
    for j in (0, 2):  # kernels shrink
        assert np.sum(decayed.weights[j] ** 2) < 0.97 * np.sum(plain.weights[j] ** 2)
    assert largest_difference(net.get_weights(), plain.replica(0)) > 1e-3
    with pytest.raises(ValueError, match="l2 must be a finite number >= 0"):
        el.RECIPE.replace(l2=-0.1)
    with pytest.raises(TypeError, match="l2 must be a number"):
        el.RECIPE.replace(l2="0.1")


def test_decays_train_together_as_separate_runs(data):
    """train_schedules(l2={...}): several weight decays in one call, each run the same bits as alone."""
    x, y = data
    runs = el.train_schedules(
        x, y, [4, 5], {"none": 0.01, "a": 0.01, "b": 0.02}, recipe=R(8), l2={"a": 0.01, "b": 0.003}
    )
    assert [runs[n].recipe.l2 for n in ("none", "a", "b")] == [0.0, 0.01, 0.003]
    for name, rate, l2 in (("none", 0.01, 0.0), ("a", 0.01, 0.01), ("b", 0.02, 0.003)):
        alone = el.train_replicas(x, y, [4, 5], recipe=R(8, l2=l2), learning_rate=rate)
        for a, b in zip(runs[name].weights, alone.weights):
            np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="l2 names schedules that are not in schedules"):
        el.train_schedules(x, y, [4, 5], {"a": 0.01}, recipe=R(2), l2={"b": 0.1})
    with pytest.raises(TypeError, match="l2 must be None or a dict"):
        el.train_schedules(x, y, [4, 5], {"a": 0.01}, recipe=R(2), l2=0.1)
    with pytest.raises(ValueError, match="l2 must be a finite number >= 0"):
        el.train_schedules(x, y, [4, 5], {"a": 0.01}, recipe=R(2), l2={"a": -1.0})
