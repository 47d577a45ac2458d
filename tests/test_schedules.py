"""Cosine annealing, the triangular schedule, and the schedule and snapshot callbacks (chapters 04 and 05)."""

import math

import ensemble_lib as el

import numpy as np
import pytest


def test_demonstration_schedule_100_epochs_5_cycles():
    rates = [el.cosine_annealing(e, 100, 5, 0.01) for e in range(100)]
    assert rates[0] == 0.01 and rates[20] == 0.01 and rates[80] == 0.01  # restarts every 20 epochs
    assert rates[10] == pytest.approx(0.005)  # half-way down the cosine
    assert rates[19] == pytest.approx(0.005 * (math.cos(math.pi * 19 / 20) + 1))
    assert rates[1:20] == sorted(rates[1:20], reverse=True)  # falls within a cycle
    assert rates[:20] == rates[20:40]  # every cycle the same
    assert min(rates) > 0


def test_the_500_epoch_10_cycle_run():
    rates = [el.cosine_annealing(e, 500, 10, 0.01) for e in range(500)]
    restarts = [e for e in range(1, 500) if rates[e] > rates[e - 1]]
    assert restarts == [50, 100, 150, 200, 250, 300, 350, 400, 450]
    assert rates[49] == pytest.approx(0.005 * (math.cos(math.pi * 49 / 50) + 1))
    assert rates[25] == pytest.approx(0.005)


def test_cycle_length_is_floored():
    # 10 epochs in 3 cycles: cycles of 3 epochs, and a partial fourth one.
    assert [el.cosine_annealing(e, 10, 3, 1.0) == 1.0 for e in range(10)] == [
        True,
        False,
        False,
        True,
        False,
        False,
        True,
        False,
        False,
        True,
    ]


def test_snapshot_epochs():
    assert el.cycle_ends(500, 10) == [49, 99, 149, 199, 249, 299, 349, 399, 449, 499]
    assert el.cycle_ends(100, 5) == [19, 39, 59, 79, 99]
    assert el.cycle_ends(10, 3) == [2, 5, 8]


def test_triangular_schedule():
    rates = [el.triangular(s, step_size=10, lr_min=0.001, lr_max=0.01) for s in range(41)]
    assert rates[0] == pytest.approx(0.001) and rates[10] == pytest.approx(0.01)
    assert rates[20] == pytest.approx(0.001) and rates[30] == pytest.approx(0.01)
    assert rates[5] == pytest.approx(0.0055)
    assert rates[:20] == pytest.approx(rates[20:40])


@pytest.mark.parametrize(
    "args, error, match",
    [
        ((0, 100, 0, 0.01), ValueError, r"n_cycles must be between 1 and n_epochs \(100\)"),
        ((0, 100, 101, 0.01), ValueError, "n_cycles must be between 1 and n_epochs"),
        ((0, 100, 5.0, 0.01), TypeError, "n_cycles must be an int"),
        ((0, 100.0, 5, 0.01), TypeError, "n_epochs must be an int"),
        ((0, 0, 1, 0.01), ValueError, "n_epochs must be at least 1"),
        ((-1, 100, 5, 0.01), ValueError, "epoch must not be negative"),
        ((1.5, 100, 5, 0.01), TypeError, "epoch must be an int"),
        ((0, 100, 5, 0.0), ValueError, "lr_max must be positive"),
        ((0, 100, 5, -0.01), ValueError, "lr_max must be positive"),
        ((0, 100, 5, float("nan")), ValueError, "lr_max must be positive and finite"),
        ((0, 100, 5, float("inf")), ValueError, "lr_max must be positive and finite"),
        ((0, 100, 5, "0.01"), TypeError, "lr_max must be a number"),
    ],
)
def test_cosine_annealing_rejects_bad_input(args, error, match):
    with pytest.raises(error, match=match):
        el.cosine_annealing(*args)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"step": -1}, ValueError, "step must not be negative"),
        ({"step_size": 0}, ValueError, "step_size must be at least 1"),
        ({"lr_min": 0.02}, ValueError, "lr_min must be below lr_max"),
        ({"lr_min": -0.1}, ValueError, "lr_min must be a finite number >= 0"),
        ({"lr_max": 0}, ValueError, "lr_max must be positive"),
    ],
)
def test_triangular_rejects_bad_input(kwargs, error, match):
    args = {"step": 0, "step_size": 10, "lr_min": 0.001, "lr_max": 0.01} | kwargs
    with pytest.raises(error, match=match):
        el.triangular(**args)


def _fit(problem, callback, epochs, steps_per_execution=1):
    # The starting rate 0.5 is never used: the callback sets the rate before the first update.
    model = el.compile_sgd(el.build_mlp(seed=0), learning_rate=0.5, steps_per_execution=steps_per_execution)
    data = el.training_dataset(problem.x_train, el.one_hot(problem.y_train), seed=0)
    history = model.fit(data, epochs=epochs, steps_per_epoch=4, shuffle=False, verbose=0, callbacks=[callback])
    return model, history


def test_per_epoch_callback_sets_and_logs_every_rate(problem):
    callback = el.CosineAnnealing(n_epochs=20, n_cycles=4, lr_max=0.01)
    model, history = _fit(problem, callback, epochs=20, steps_per_execution=4)
    expected = [el.cosine_annealing(e, 20, 4, 0.01) for e in range(20)]
    assert [rate for _, _, rate in callback.rates] == expected
    assert [epoch for epoch, _, _ in callback.rates] == list(range(20))
    assert history.history["learning_rate"] == expected
    # The optimizer really holds the last rate set (Keras 3 stores it in float32).
    assert float(model.optimizer.learning_rate) == pytest.approx(expected[-1], rel=1e-6)


def test_per_batch_callback_sets_a_rate_before_every_batch(problem):
    callback = el.CosineAnnealing(n_epochs=10, n_cycles=2, lr_max=0.01, per="batch")
    model, history = _fit(problem, callback, epochs=10)
    assert [step for _, step, _ in callback.rates] == list(range(40))
    assert [rate for _, _, rate in callback.rates] == [el.cosine_annealing(s, 40, 2, 0.01) for s in range(40)]
    assert history.history["learning_rate"] == [el.cosine_annealing(4 * e, 40, 2, 0.01) for e in range(10)]
    assert float(model.optimizer.learning_rate) == pytest.approx(el.cosine_annealing(39, 40, 2, 0.01), rel=1e-6)


def test_per_batch_callback_refuses_grouped_steps(problem):
    with pytest.raises(ValueError, match="per='batch' needs compile\\(steps_per_execution=1\\)"):
        _fit(problem, el.CosineAnnealing(10, 2, 0.01, per="batch"), epochs=2, steps_per_execution=4)


def test_callback_rejects_bad_arguments():
    with pytest.raises(ValueError, match="per must be 'epoch' or 'batch'"):
        el.CosineAnnealing(10, 2, 0.01, per="step")
    with pytest.raises(ValueError, match="n_cycles must be between 1 and n_epochs"):
        el.CosineAnnealing(10, 20, 0.01)
    with pytest.raises(ValueError, match="lr_max must be positive"):
        el.SnapshotEnsemble("unused", 10, 2, -1.0)


def test_snapshot_callback_saves_at_each_cycle_end(problem, tmp_path):
    callback = el.SnapshotEnsemble(tmp_path / "snaps", n_epochs=12, n_cycles=3, lr_max=0.01)
    model, _ = _fit(problem, callback, epochs=12, steps_per_execution=4)
    assert callback.saved == [3, 7, 11] == el.saved_epochs(tmp_path / "snaps")
    assert [rate for _, _, rate in callback.rates] == [el.cosine_annealing(e, 12, 3, 0.01) for e in range(12)]
    last = el.load_checkpoints(tmp_path / "snaps", like=model)[0]
    assert last[0] == 11
    for a, b in zip(last[1], model.get_weights()):
        np.testing.assert_array_equal(a, b)


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
