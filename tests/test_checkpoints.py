"""Saving, loading and resuming from epoch checkpoints (chapter 03)."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import keras
import numpy as np
import pytest

import ensemble_lib as el
from conftest import ROOT


def _compiled(seed=0, hidden=25):
    return el.compile_sgd(el.build_mlp(hidden_units=hidden, seed=seed), steps_per_execution=1)


def _fit(model, problem, folder, epochs, first_epoch=0, **callback_args):
    callback = el.EpochCheckpoints(folder, **callback_args)
    data = el.training_dataset(problem.x_train, el.one_hot(problem.y_train), seed=0, first_epoch=first_epoch)
    model.fit(data, epochs=epochs, initial_epoch=first_epoch, steps_per_epoch=4, shuffle=False, verbose=0, callbacks=[callback])
    return callback


def test_last_k_epochs_are_saved_and_loaded_most_recent_first(problem, tmp_path):
    el.reproducible(0)
    model = _compiled()
    callback = _fit(model, problem, tmp_path / "run", epochs=12, last=3)
    assert callback.saved == [9, 10, 11]
    assert el.saved_epochs(tmp_path / "run") == [9, 10, 11]
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == [
        "epoch-0009.weights.h5", "epoch-0010.weights.h5", "epoch-0011.weights.h5"
    ]
    members = el.load_checkpoints(tmp_path / "run", like=model)
    assert [epoch for epoch, _ in members] == [11, 10, 9]
    for a, b in zip(members[0][1], model.get_weights()):  # the last checkpoint is the final model
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(members[1][1][0], members[0][1][0])
    only = el.load_checkpoints(tmp_path / "run", like=model, epochs=[9])
    assert [epoch for epoch, _ in only] == [9]


def test_window_and_resume_points(problem, tmp_path):
    el.reproducible(0)
    callback = _fit(_compiled(), problem, tmp_path / "w", epochs=10, window=(3, 6), resume_every=4)
    assert callback.saved == [3, 4, 5]
    # Outside the window only the newest resume point is kept (epoch 7, since (7 + 1) % 4 == 0).
    assert el.saved_epochs(tmp_path / "w") == [3, 4, 5, 7]


def test_checkpoints_hold_the_optimizer_state_and_resume_exactly(problem, tmp_path):
    el.reproducible(0)
    straight = _compiled()
    _fit(straight, problem, tmp_path / "a", epochs=20, last=2)
    interrupted = _compiled()
    _fit(interrupted, problem, tmp_path / "b", epochs=9, last=1)
    resumed = _compiled()
    start = el.resume_from_checkpoints(resumed, tmp_path / "b")
    assert start == 9
    _fit(resumed, problem, tmp_path / "b", epochs=20, first_epoch=start, last=2)
    for (ea, wa), (eb, wb) in zip(el.load_checkpoints(tmp_path / "a", straight), el.load_checkpoints(tmp_path / "b", straight, epochs=[18, 19])):
        assert ea == eb
        for x, y in zip(wa, wb):
            np.testing.assert_array_equal(x, y)


def test_resume_from_nothing_starts_at_zero(tmp_path):
    assert el.resume_from_checkpoints(_compiled(), tmp_path / "missing") == 0
    el.save_checkpoint(_compiled(), tmp_path / "c", 0)
    with pytest.raises(ValueError, match="model must be compiled before resuming"):
        el.resume_from_checkpoints(el.build_mlp(), tmp_path / "c")


def test_a_failed_write_leaves_no_checkpoint(tmp_path, monkeypatch):
    model = _compiled()

    def explode(self, path, *args, **kwargs):
        with open(path, "wb") as handle:
            handle.write(b"half a file")
        raise KeyboardInterrupt("killed while writing")

    monkeypatch.setattr(keras.Model, "save_weights", explode)
    with pytest.raises(KeyboardInterrupt):
        el.save_checkpoint(model, tmp_path, 5)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({}, "give exactly one of last=K or window"),
        ({"last": 3, "window": (0, 2)}, "give exactly one of last=K or window"),
        ({"last": 0}, "last must be at least 1"),
        ({"window": (5, 5)}, r"window must be \(start, stop\) with 0 <= start < stop"),
        ({"window": (-1, 5)}, "window must be"),
        ({"window": "0:5"}, "window must be"),
        ({"last": 2, "resume_every": 0}, "resume_every must be at least 1"),
    ],
)
def test_epoch_checkpoints_reject_bad_arguments(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        el.EpochCheckpoints(tmp_path, **kwargs)


def test_loader_names_what_is_wrong(problem, tmp_path):
    model = _compiled()
    with pytest.raises(FileNotFoundError, match="checkpoint folder .*missing does not exist"):
        el.load_checkpoints(tmp_path / "missing", like=model)
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("not a checkpoint")
    with pytest.raises(ValueError, match="holds no epoch-NNNN.weights.h5 file"):
        el.load_checkpoints(tmp_path / "empty", like=model)
    (tmp_path / "file").write_text("")
    with pytest.raises(NotADirectoryError, match="is not a folder"):
        el.load_checkpoints(tmp_path / "file", like=model)

    el.save_checkpoint(model, tmp_path / "corrupt", 1)
    (tmp_path / "corrupt" / "epoch-0002.weights.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)
    with pytest.raises(ValueError, match=r"checkpoint .*epoch-0002\.weights\.h5 cannot be loaded"):
        el.load_checkpoints(tmp_path / "corrupt", like=model)

    el.save_checkpoint(_compiled(hidden=50), tmp_path / "mismatch", 3)
    with pytest.raises(ValueError, match=r"checkpoint .*epoch-0003\.weights\.h5 cannot be loaded"):
        el.load_checkpoints(tmp_path / "mismatch", like=model)

    with pytest.raises(ValueError, match=r"has no checkpoint for epochs \[7\]"):
        el.load_checkpoints(tmp_path / "corrupt", like=model, epochs=[1, 7])
    with pytest.raises(ValueError, match="epoch must be a non-negative int"):
        el.checkpoint_path(tmp_path, -1)


TRAINER = textwrap.dedent(
    """
    import sys
    import ensemble_lib as el

    folder, epochs = sys.argv[1], int(sys.argv[2])
    el.reproducible(0)
    problem = el.load_blobs()
    model = el.compile_sgd(el.build_mlp(seed=0), steps_per_execution=1)
    start = el.resume_from_checkpoints(model, folder)
    print("start", start, flush=True)
    data = el.training_dataset(problem.x_train, el.one_hot(problem.y_train), seed=0, first_epoch=start)
    model.fit(data, epochs=epochs, initial_epoch=start, steps_per_epoch=4, shuffle=False, verbose=0,
              callbacks=[el.EpochCheckpoints(folder, last=10, resume_every=1)])
    print("done", flush=True)
    """
)


def _train(script, folder, epochs, kill_after=None):
    """Run the trainer; with kill_after, SIGKILL it that many seconds after its first checkpoint."""
    process = subprocess.Popen([sys.executable, str(script), str(folder), str(epochs)], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if kill_after is None:
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, err[-2000:]
        return out
    deadline = time.monotonic() + 300
    while not el.saved_epochs(folder) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    time.sleep(kill_after)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    return None


@pytest.mark.slow
def test_a_killed_run_leaves_only_whole_checkpoints_and_resumes_to_the_same_end(problem, tmp_path):
    """Kill a real training process several times at arbitrary moments, resume it each time, and
    compare its final checkpoints with those of an uninterrupted run."""
    script = tmp_path / "train.py"
    script.write_text(TRAINER)
    epochs = 300
    _train(script, tmp_path / "straight", epochs)

    folder = tmp_path / "killed"
    rng = np.random.default_rng(0)
    kills = 0
    for _ in range(3):
        _train(script, folder, epochs, kill_after=float(rng.uniform(0.05, 0.6)))
        kills += 1
        reached = el.saved_epochs(folder)
        assert reached, "the run was killed before its first checkpoint"
        # Whatever the moment of the kill, every complete-named file loads.
        el.load_checkpoints(folder, like=_compiled())
        if reached[-1] == epochs - 1:
            break
    out = _train(script, folder, epochs)
    assert kills >= 1 and "start 0" not in out  # it resumed, it did not start over
    straight = el.load_checkpoints(tmp_path / "straight", like=_compiled())
    resumed = el.load_checkpoints(folder, like=_compiled())
    assert [e for e, _ in straight] == [e for e, _ in resumed] == list(range(epochs - 1, epochs - 11, -1))
    for (_, wa), (_, wb) in zip(straight, resumed):
        for a, b in zip(wa, wb):
            np.testing.assert_array_equal(a, b)
    assert not any(p.name.startswith(".tmp-") for p in folder.iterdir())
