"""Saving, loading and resuming from epoch checkpoints (chapter 03), and the faults a folder of
checkpoints must survive: interrupts, two writers, two callbacks, reused folders, bit rot, a full
disk, a read-only folder, and a resume that would not really resume."""

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import ensemble_lib as el
from ensemble_lib import checkpoints

import keras
import numpy as np
import pytest
from conftest import ROOT


def _compiled(seed=0, hidden=25, **options):
    return el.compile_sgd(el.build_mlp(seed, el.RECIPE.replace(hidden_units=hidden)), steps_per_execution=1, **options)


def _fit(model, problem, folder, epochs, first_epoch=0, extra=(), **callback_args):
    callback = el.EpochCheckpoints(folder, **callback_args)
    data = el.training_dataset(problem.x_train, el.one_hot(problem.y_train), seed=0, first_epoch=first_epoch)
    model.fit(
        data,
        epochs=epochs,
        initial_epoch=first_epoch,
        steps_per_epoch=4,
        shuffle=False,
        verbose=0,
        callbacks=[callback, *extra],
    )
    return callback


def _manifest(folder):
    return json.loads((folder / checkpoints.MANIFEST).read_text())


def _same(members_a, members_b):
    assert [e for e, _ in members_a] == [e for e, _ in members_b]
    for (_, wa), (_, wb) in zip(members_a, members_b):
        for a, b in zip(wa, wb):
            np.testing.assert_array_equal(a, b)


def test_last_k_epochs_are_saved_and_loaded_most_recent_first(problem, tmp_path):
    el.reproducible(0)
    model = _compiled()
    callback = _fit(model, problem, tmp_path / "run", epochs=12, last=3)
    assert callback.saved == [9, 10, 11]
    assert el.saved_epochs(tmp_path / "run") == [9, 10, 11]
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == [
        ".lock",
        "epoch-0009.weights.h5",
        "epoch-0010.weights.h5",
        "epoch-0011.weights.h5",
        "manifest.json",
    ]
    manifest = _manifest(tmp_path / "run")
    assert manifest["settings"]["window"] == [9, 12] and len(manifest["run"]) == 32
    assert {e["kind"] for e in manifest["checkpoints"].values()} == {"member"}
    members = el.load_checkpoints(tmp_path / "run", like=model)
    assert [epoch for epoch, _ in members] == [11, 10, 9]
    for a, b in zip(members[0][1], model.get_weights()):  # the last checkpoint is the final model
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(members[1][1][0], members[0][1][0])
    only = el.load_checkpoints(tmp_path / "run", like=model, epochs=[np.int64(9)])
    assert [epoch for epoch, _ in only] == [9]


def test_resume_points_are_kept_apart_from_members(problem, tmp_path):
    el.reproducible(0)
    callback = _fit(_compiled(), problem, tmp_path / "w", epochs=10, window=range(3, 6), resume_every=4)
    assert callback.saved == [3, 4, 5]
    # Outside the window only the newest resume point is kept (epoch 7, since (7 + 1) % 4 == 0)...
    assert el.saved_epochs(tmp_path / "w") == [3, 4, 5, 7]
    # ...and it is never loaded as a member.
    assert [e for e, _ in el.load_checkpoints(tmp_path / "w", like=_compiled())] == [5, 4, 3]


def test_checkpoints_hold_the_optimizer_state_and_resume_exactly(problem, tmp_path):
    el.reproducible(0)
    straight = _compiled()
    _fit(straight, problem, tmp_path / "a", epochs=20, window=(18, 20), resume_every=1)
    interrupted = _compiled()
    _fit(interrupted, problem, tmp_path / "b", epochs=9, window=(18, 20), resume_every=1)  # stops early
    resumed = _compiled()
    start = el.resume_from_checkpoints(resumed, tmp_path / "b")
    assert start == 9
    _fit(resumed, problem, tmp_path / "b", epochs=20, first_epoch=start, window=(18, 20), resume_every=1)
    _same(el.load_checkpoints(tmp_path / "a", straight), el.load_checkpoints(tmp_path / "b", straight))


def test_resume_from_nothing_starts_at_zero_and_a_file_is_not_a_folder(problem, tmp_path):
    assert el.resume_from_checkpoints(_compiled(), tmp_path / "missing") == 0
    (tmp_path / "empty").mkdir()
    assert el.resume_from_checkpoints(_compiled(), tmp_path / "empty") == 0
    (tmp_path / "file").write_text("")
    with pytest.raises(NotADirectoryError, match="is not a folder"):
        el.resume_from_checkpoints(_compiled(), tmp_path / "file")
    with pytest.raises(NotADirectoryError, match="is not a folder"):
        el.saved_epochs(tmp_path / "file")
    _fit(_compiled(), problem, tmp_path / "run", epochs=2, last=1)
    with pytest.raises(ValueError, match="model must be compiled before resuming"):
        el.resume_from_checkpoints(el.build_mlp(), tmp_path / "run")


def test_resume_refuses_a_checkpoint_without_the_optimizer_state_it_needs(problem, tmp_path):
    _fit(_compiled(), problem, tmp_path / "run", epochs=3, last=1)
    adam = el.build_mlp(seed=0)
    adam.compile(optimizer=keras.optimizers.Adam(), loss="categorical_crossentropy")
    with pytest.raises(ValueError, match=r"holds the state of SGD \(\d+ variables\); this model's optimizer is Adam"):
        el.resume_from_checkpoints(adam, tmp_path / "run")
    with pytest.raises(ValueError, match=r"holds the state of SGD \(\d+ variables\); this model's optimizer is SGD"):
        el.resume_from_checkpoints(_compiled(use_ema=True), tmp_path / "run")
    # A record without optimizer state (as an uncompiled model would leave) is refused too.
    manifest = _manifest(tmp_path / "run")
    manifest["checkpoints"]["2"]["optimizer"] = None
    (tmp_path / "run" / checkpoints.MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="holds no optimizer state .* restart SGD's momentum from zero"):
        el.resume_from_checkpoints(_compiled(), tmp_path / "run")


def test_a_reused_folder_is_refused_unless_replaced(problem, tmp_path):
    folder = tmp_path / "reused"
    _fit(_compiled(), problem, folder, epochs=6, window=(1, 4))  # an old run: epochs 1, 2, 3
    with pytest.raises(
        FileExistsError, match=r"holds 3 checkpoints of an earlier run \(epochs 1 to 3\): pass replace=True"
    ):
        _fit(_compiled(seed=1), problem, folder, epochs=6, last=2)
    assert el.saved_epochs(folder) == [1, 2, 3]  # the refusal touched nothing
    callback = _fit(_compiled(seed=1), problem, folder, epochs=6, last=2, replace=True)
    assert callback.removed == ["epoch-0001.weights.h5", "epoch-0002.weights.h5", "epoch-0003.weights.h5"]
    assert el.saved_epochs(folder) == [4, 5]
    # Resuming with other settings than the run's is refused, naming both.
    with pytest.raises(ValueError, match="resume with the same model, optimizer and callback settings"):
        _fit(_compiled(seed=1), problem, folder, epochs=9, first_epoch=6, last=3)


def test_two_callbacks_of_one_fit_cannot_share_a_folder(problem, tmp_path):
    folder = tmp_path / "shared"
    snapshots = el.SnapshotEnsemble(folder, n_epochs=10, n_cycles=2, lr_max=0.01)
    with pytest.raises(ValueError, match="two callbacks of one fit write to checkpoint folder"):
        _fit(_compiled(), problem, folder, epochs=10, last=5, extra=[snapshots])
    assert el.saved_epochs(folder) == []
    # Each in a folder of its own, both keep their files.
    snapshots = el.SnapshotEnsemble(tmp_path / "snapshots", n_epochs=10, n_cycles=2, lr_max=0.01)
    _fit(_compiled(), problem, tmp_path / "last", epochs=10, last=5, extra=[snapshots])
    assert snapshots.saved == el.saved_epochs(tmp_path / "snapshots") == [4, 9]
    assert el.saved_epochs(tmp_path / "last") == [5, 6, 7, 8, 9]


class _Interrupt(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 3:
            raise KeyboardInterrupt("Ctrl-C")


def test_an_interrupted_fit_does_not_keep_the_folder_locked(problem, tmp_path):
    """Keras skips on_train_end when fit is interrupted: the next run of the same kernel takes over."""
    folder = tmp_path / "interrupted"
    with pytest.raises(KeyboardInterrupt):
        _fit(_compiled(), problem, folder, epochs=10, window=(2, 10), extra=[_Interrupt()])
    assert [e for e, _ in el.load_checkpoints(folder, like=_compiled())] == [3, 2]
    model = _compiled()
    start = el.resume_from_checkpoints(model, folder)
    _fit(model, problem, folder, epochs=10, first_epoch=start, window=(2, 10))
    straight = _compiled()
    _fit(straight, problem, tmp_path / "straight", epochs=10, window=(2, 10))
    _same(el.load_checkpoints(folder, like=model), el.load_checkpoints(tmp_path / "straight", like=model))


def test_a_write_interrupted_before_its_rename_leaves_no_checkpoint(problem, tmp_path, monkeypatch):
    real_replace = os.replace

    def interrupted(source, target):
        if str(target).endswith(".weights.h5"):
            raise KeyboardInterrupt("killed between writing and renaming")
        real_replace(source, target)

    monkeypatch.setattr(checkpoints.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _fit(_compiled(), problem, tmp_path / "run", epochs=3, last=1)
    # No checkpoint, no temporary: only the lock and the (empty) record of the run.
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == [".lock", "manifest.json"]
    assert el.saved_epochs(tmp_path / "run") == []


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({}, ValueError, "give exactly one of last=K or window"),
        ({"last": 3, "window": (0, 2)}, ValueError, "give exactly one of last=K or window"),
        ({"last": 0}, ValueError, "last must be at least 1"),
        ({"last": 2.0}, TypeError, "last must be an int"),
        ({"window": (5, 5)}, ValueError, r"window must be \(start, stop\) with 0 <= start < stop"),
        ({"window": (-1, 5)}, ValueError, "window must be"),
        ({"window": "0:5"}, TypeError, "window must be a pair"),
        ({"window": (0.0, 5)}, TypeError, r"window\[0\] must be an int"),
        ({"window": range(0, 10, 2)}, ValueError, "window must be a range of consecutive epochs"),
        ({"last": 2, "resume_every": 0}, ValueError, "resume_every must be at least 1"),
        ({"last": 2, "replace": "yes"}, TypeError, "replace must be True or False"),
    ],
)
def test_epoch_checkpoints_reject_bad_arguments(tmp_path, kwargs, error, match):
    with pytest.raises(error, match=match):
        el.EpochCheckpoints(tmp_path, **kwargs)


def test_loader_names_what_is_wrong(problem, tmp_path):
    model = _compiled()
    with pytest.raises(FileNotFoundError, match="checkpoint folder .*missing does not exist"):
        el.load_checkpoints(tmp_path / "missing", like=model)
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("not a checkpoint")
    with pytest.raises(ValueError, match="holds no saved member checkpoint"):
        el.load_checkpoints(tmp_path / "empty", like=model)
    (tmp_path / "file").write_text("")
    with pytest.raises(NotADirectoryError, match="is not a folder"):
        el.load_checkpoints(tmp_path / "file", like=model)
    with pytest.raises(TypeError, match="folder must be a path"):
        el.load_checkpoints(3, like=model)
    with pytest.raises(TypeError, match="like must be a Keras model"):
        el.load_checkpoints(tmp_path / "empty", like="mlp")

    _fit(_compiled(), problem, tmp_path / "run", epochs=3, last=2)
    with pytest.raises(ValueError, match=r"has no checkpoint for epochs \[7\]"):
        el.load_checkpoints(tmp_path / "run", like=model, epochs=[1, 7])
    with pytest.raises(TypeError, match=r"epochs\[...\] must be an int, got float"):
        el.load_checkpoints(tmp_path / "run", like=model, epochs=[1.7])
    with pytest.raises(ValueError, match=r"checkpoint .*epoch-0002\.weights\.h5 cannot be loaded"):
        el.load_checkpoints(tmp_path / "run", like=_compiled(hidden=50))

    # A file that is not part of the run (copied in, or left by an interrupted one) is refused.
    shutil.copy(tmp_path / "run" / "epoch-0002.weights.h5", tmp_path / "run" / "epoch-0005.weights.h5")
    with pytest.raises(ValueError, match=r"files that are not part of its run \(epoch-0005\.weights\.h5\)"):
        el.load_checkpoints(tmp_path / "run", like=model)
    (tmp_path / "run" / "epoch-0005.weights.h5").unlink()
    (tmp_path / "run" / "epoch-0001.weights.h5").unlink()
    with pytest.raises(ValueError, match=r"epoch-0001\.weights\.h5 is listed in manifest.json but missing"):
        el.load_checkpoints(tmp_path / "run", like=model)
    (tmp_path / "run" / checkpoints.MANIFEST).write_text("{not json")
    with pytest.raises(ValueError, match="manifest .* is damaged"):
        el.load_checkpoints(tmp_path / "run", like=model)

    (tmp_path / "foreign").mkdir()
    shutil.copy(tmp_path / "run" / "epoch-0002.weights.h5", tmp_path / "foreign")
    with pytest.raises(ValueError, match="has checkpoint files but no manifest.json"):
        el.load_checkpoints(tmp_path / "foreign", like=model)
    with pytest.raises(ValueError, match="epoch must be at least 0"):
        el.checkpoint_path(tmp_path, -1)
    with pytest.raises(TypeError, match="epoch must be an int"):
        el.checkpoint_path(tmp_path, 3.0)


def test_every_flipped_byte_is_refused(problem, tmp_path):
    """Bit rot: HDF5 has no checksum of its own; the manifest's SHA-256 catches every flip."""
    _fit(_compiled(), problem, tmp_path / "run", epochs=2, last=1)
    path = tmp_path / "run" / "epoch-0001.weights.h5"
    original = path.read_bytes()
    positions = np.unique(np.linspace(0, len(original) - 1, 400).astype(int))
    for position in positions:
        damaged = bytearray(original)
        damaged[position] ^= 0xFF
        path.write_bytes(bytes(damaged))
        with pytest.raises(ValueError, match=r"epoch-0001\.weights\.h5 is damaged"):
            el.load_checkpoints(tmp_path / "run", like=_compiled())
        if position % 20 == 0:
            with pytest.raises(ValueError, match=r"epoch-0001\.weights\.h5 is damaged"):
                el.resume_from_checkpoints(_compiled(), tmp_path / "run")
    path.write_bytes(original)
    assert len(el.load_checkpoints(tmp_path / "run", like=_compiled())) == 1


class _ReadDuringFit(keras.callbacks.Callback):
    def __init__(self, folder):
        super().__init__()
        self.folder, self.seen, self.lock_held = folder, None, None

    def on_epoch_end(self, epoch, logs=None):
        if epoch == 3:
            self.seen = [e for e, _ in el.load_checkpoints(self.folder, like=self.model)]
            descriptor = os.open(self.folder / ".lock", os.O_RDONLY)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self.lock_held = False
            except BlockingIOError:
                self.lock_held = True
            finally:
                os.close(descriptor)


def test_reading_during_a_fit_keeps_the_fit_s_lock(problem, tmp_path):
    folder = tmp_path / "run"
    reader = _ReadDuringFit(folder)
    _fit(_compiled(), problem, folder, epochs=6, window=(2, 6), extra=[reader])
    assert reader.seen == [3, 2] and reader.lock_held is True
    assert el.saved_epochs(folder) == [2, 3, 4, 5]


def test_a_refused_start_releases_the_folder(problem, tmp_path):
    folder = tmp_path / "run"
    _fit(_compiled(), problem, folder, epochs=3, last=1)
    with pytest.raises(FileExistsError):
        _fit(_compiled(), problem, folder, epochs=3, last=1)
    descriptor = os.open(folder / ".lock", os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)  # would raise if still held
    finally:
        os.close(descriptor)


def test_an_unnamed_model_resumes_although_keras_names_the_rebuilt_one_differently(problem, tmp_path):
    def unnamed():
        model = keras.Sequential(
            [
                keras.Input((2,)),
                keras.layers.Dense(5, activation="relu"),
                keras.layers.Dense(3, activation=el.exact_softmax),
            ]
        )
        return el.compile_sgd(model, steps_per_execution=1)

    first = unnamed()
    _fit(first, problem, tmp_path / "run", epochs=4, window=(0, 10))
    second = unnamed()
    assert second.name != first.name
    start = el.resume_from_checkpoints(second, tmp_path / "run")
    _fit(second, problem, tmp_path / "run", epochs=6, first_epoch=start, window=(0, 10))
    assert el.saved_epochs(tmp_path / "run") == list(range(6))


def test_an_orphan_of_a_killed_run_does_not_block_the_next_one(problem, tmp_path, monkeypatch):
    """Killed after the first checkpoint's rename, before the manifest listed it."""
    folder = tmp_path / "run"
    real_write = checkpoints._FolderWriter._write_manifest
    calls = []

    def killed(self):
        calls.append(1)
        if len(calls) == 2:  # the first write starts the run; the second would list epoch 0
            raise KeyboardInterrupt("killed")
        real_write(self)

    monkeypatch.setattr(checkpoints._FolderWriter, "_write_manifest", killed)
    with pytest.raises(KeyboardInterrupt):
        _fit(_compiled(), problem, folder, epochs=3, window=(0, 3))
    monkeypatch.undo()
    assert (folder / "epoch-0000.weights.h5").exists() and el.saved_epochs(folder) == []
    model = _compiled()
    assert el.resume_from_checkpoints(model, folder) == 0
    _fit(model, problem, folder, epochs=3, window=(0, 3))  # no replace=True needed: the orphan was ours
    assert el.saved_epochs(folder) == [0, 1, 2]


def test_a_kill_while_replacing_leaves_a_folder_the_next_run_can_use(problem, tmp_path, monkeypatch):
    folder = tmp_path / "run"
    _fit(_compiled(), problem, folder, epochs=4, window=(0, 4))
    real_unlink = Path.unlink

    def killed(self, missing_ok=False):
        if self.name == "epoch-0002.weights.h5":
            raise KeyboardInterrupt("killed while removing the earlier run")
        real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", killed)
    with pytest.raises(KeyboardInterrupt):
        _fit(_compiled(seed=1), problem, folder, epochs=4, window=(0, 4), replace=True)
    monkeypatch.undo()
    assert el.resume_from_checkpoints(_compiled(), folder) == 0  # the new run's empty record, not an error
    _fit(_compiled(seed=1), problem, folder, epochs=4, window=(0, 4))
    assert el.saved_epochs(folder) == [0, 1, 2, 3]


def test_a_full_disk_at_the_manifest_keeps_earlier_checkpoints_loadable(problem, tmp_path, monkeypatch):
    folder = tmp_path / "run"
    real = checkpoints._write_atomically
    manifests = []

    def full(path, data):
        if path.name == checkpoints.MANIFEST:
            manifests.append(1)
            if len(manifests) == 4:  # start, epoch 0, epoch 1, then the disk is full
                raise OSError(28, "No space left on device")
        real(path, data)

    monkeypatch.setattr(checkpoints, "_write_atomically", full)
    with pytest.raises(OSError, match="No space left"):
        _fit(_compiled(), problem, folder, epochs=5, window=(0, 5))
    monkeypatch.undo()
    assert [e for e, _ in el.load_checkpoints(folder, like=_compiled())] == [1, 0]


def test_replace_starts_over_even_when_the_manifest_is_damaged(problem, tmp_path):
    folder = tmp_path / "run"
    _fit(_compiled(), problem, folder, epochs=3, last=2)
    (folder / checkpoints.MANIFEST).write_text("{damaged")
    with pytest.raises(ValueError, match="is damaged"):
        _fit(_compiled(), problem, folder, epochs=3, last=2)
    _fit(_compiled(), problem, folder, epochs=3, last=2, replace=True)
    assert el.saved_epochs(folder) == [1, 2]


# --- Real processes -------------------------------------------------------------------------

TRAINER = textwrap.dedent(
    """
    import os, sys
    import ensemble_lib as el
    from ensemble_lib import checkpoints

    folder, epochs = sys.argv[1], int(sys.argv[2])
    el.reproducible(0)
    if os.environ.get("INTERRUPT_PRUNE"):
        # Ctrl-C in the worst place: a checkpoint saved, the old resume point not yet pruned.
        def interrupted(self, epoch):
            raise KeyboardInterrupt("interrupted between a save and its prune")
        checkpoints._FolderWriter.drop = interrupted
    extra = []
    if os.environ.get("FILL_DISK_AT"):
        import keras
        class FillDisk(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                if epoch == int(os.environ["FILL_DISK_AT"]):
                    filler = os.open(os.path.join(folder, "..", "filler"), os.O_WRONLY | os.O_CREAT)
                    try:
                        while True:
                            os.write(filler, b"x" * 4096)
                    except OSError:  # full
                        pass
                    finally:
                        os.close(filler)
        extra.append(FillDisk())
    problem = el.load_blobs()
    model = el.compile_sgd(el.build_mlp(seed=0), steps_per_execution=1)
    start = el.resume_from_checkpoints(model, folder)
    print("start", start, flush=True)
    data = el.training_dataset(problem.x_train, el.one_hot(problem.y_train), seed=0, first_epoch=start)
    model.fit(data, epochs=epochs, initial_epoch=start, steps_per_epoch=4, shuffle=False, verbose=0,
              callbacks=[el.EpochCheckpoints(folder, last=10, resume_every=1), *extra])
    print("done", flush=True)
    """
)


@pytest.fixture
def trainer(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(TRAINER)
    return script


def _run(command, env=None, timeout=600):
    return subprocess.run(
        command, cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=timeout
    )


def _train(script, folder, epochs, kill_after=None, env=None):
    """Run the trainer; with kill_after, SIGKILL it that many seconds after its first checkpoint."""
    if kill_after is None:
        result = _run([sys.executable, str(script), str(folder), str(epochs)], env=env)
        assert result.returncode == 0, result.stderr[-2000:]
        return result.stdout
    process = subprocess.Popen(
        [sys.executable, str(script), str(folder), str(epochs)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        if el.saved_epochs(folder):
            break
        time.sleep(0.02)
    time.sleep(kill_after)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    return None


def _check_whole(folder):
    """Every recorded checkpoint matches its checksum; every file with a final name is complete."""
    manifest = _manifest(folder)
    for entry in manifest["checkpoints"].values():
        assert checkpoints._sha256((folder / entry["file"]).read_bytes()) == entry["sha256"]
    model = _compiled()
    model.optimizer.build(model.trainable_variables)
    for path in folder.glob("epoch-*.weights.h5"):
        model.load_weights(path)


@pytest.mark.slow
def test_a_killed_run_leaves_only_whole_checkpoints_and_resumes_to_the_same_end(problem, tmp_path, trainer):
    """Kill a real training process several times at arbitrary moments, resume it each time, and
    compare its final checkpoints with those of an uninterrupted run."""
    epochs = 300
    _train(trainer, tmp_path / "straight", epochs)
    folder = tmp_path / "killed"
    rng = np.random.default_rng(0)
    kills = 0
    for _ in range(3):
        _train(trainer, folder, epochs, kill_after=float(rng.uniform(0.05, 0.6)))
        kills += 1
        assert el.saved_epochs(folder), "the run was killed before its first checkpoint"
        _check_whole(folder)
        if el.saved_epochs(folder)[-1] == epochs - 1:
            break
    out = _train(trainer, folder, epochs)
    assert kills >= 1 and "start 0" not in out  # it resumed, it did not start over
    _same(el.load_checkpoints(tmp_path / "straight", like=_compiled()), el.load_checkpoints(folder, like=_compiled()))
    assert [e for e, _ in el.load_checkpoints(folder, like=_compiled())] == list(range(epochs - 1, epochs - 11, -1))
    assert not any(p.name.startswith(".tmp-") for p in folder.iterdir())


@pytest.mark.slow
def test_an_interrupt_between_save_and_prune_then_resume_gives_the_uninterrupted_run(tmp_path, trainer):
    _train(trainer, tmp_path / "straight", 40)
    folder = tmp_path / "interrupted"
    result = _run([sys.executable, str(trainer), str(folder), "40"], env={"INTERRUPT_PRUNE": "1"})
    assert result.returncode != 0 and "interrupted between a save and its prune" in result.stderr
    assert el.saved_epochs(folder) == [0, 1]  # a stale resume point beside the new one
    out = _train(trainer, folder, 40)
    assert "start 2" in out
    assert el.saved_epochs(folder) == list(range(30, 40))  # the stale point is gone
    _same(el.load_checkpoints(tmp_path / "straight", like=_compiled()), el.load_checkpoints(folder, like=_compiled()))


@pytest.mark.slow
def test_a_second_writer_is_refused_at_once_and_the_first_run_is_unharmed(tmp_path, trainer):
    folder = tmp_path / "busy"
    first = subprocess.Popen(
        [sys.executable, str(trainer), str(folder), "300"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 300
    while not (folder / checkpoints.MANIFEST).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    started = time.monotonic()
    second = _run([sys.executable, str(trainer), str(folder), "300"])
    assert second.returncode != 0
    assert (
        "is being written by a training run (process" in second.stderr
        or "is in use by another training run" in second.stderr
    )
    assert time.monotonic() - started < 120  # at once: it did not wait for the first run
    out, err = first.communicate(timeout=600)
    assert first.returncode == 0, err[-2000:]
    assert el.saved_epochs(folder) == list(range(290, 300))
    _check_whole(folder)


_NAMESPACE = shutil.which("unshare")


def _in_small_filesystem(tmp_path, script_args, size, options="", fill_at=None):
    """Run the trainer with its folder on a tmpfs of ``size`` (a user and mount namespace of its
    own: no root needed, nothing mounted outside it); with ``fill_at``, a filler file takes all
    the free space after that epoch."""
    mount = tmp_path / "mnt"
    mount.mkdir()
    inner = f"mount -t tmpfs -o size={size}{options} tmpfs {mount} && exec {sys.executable} " + " ".join(script_args)
    command = [
        _NAMESPACE,
        "--user",
        "--map-root-user",
        "--mount",
        "sh",
        "-c",
        inner.replace("FOLDER", str(mount / "run")),
    ]
    return _run(command, env=None if fill_at is None else {"FILL_DISK_AT": str(fill_at)})


@pytest.fixture
def namespaces(tmp_path):
    if _NAMESPACE is None or _run([_NAMESPACE, "--user", "--map-root-user", "--mount", "true"]).returncode != 0:
        if os.environ.get("CI") == "true":
            pytest.fail("unshare --user --mount is not available under CI: the disk tests cannot run")
        pytest.skip("user and mount namespaces (unshare) are not available: the disk tests are skipped")


@pytest.mark.slow
def test_a_full_disk_ends_in_an_error_naming_the_folder_not_a_crash(tmp_path, trainer, namespaces):
    # Room for the planned checkpoints at the start; a filler takes the rest after epoch 295.
    result = _in_small_filesystem(tmp_path, [str(trainer), "FOLDER", "300"], "2m", fill_at=295)
    assert result.returncode == 1, f"exit {result.returncode}: {result.stderr[-2000:]}"  # not -11 (SIGSEGV)
    assert "OSError" in result.stderr and "No space left on device" in result.stderr and "/mnt/run" in result.stderr


@pytest.mark.slow
def test_no_room_or_a_read_only_folder_fails_before_the_first_epoch(tmp_path, trainer, namespaces):
    small = _in_small_filesystem(tmp_path, [str(trainer), "FOLDER", "300"], "64k")
    assert small.returncode == 1 and "bytes free; the 11 checkpoints this run plans need about" in small.stderr
    assert "on_train_begin" in small.stderr and "start 0" in small.stdout and "done" not in small.stdout
    (tmp_path / "ro").mkdir()
    read_only = _in_small_filesystem(tmp_path / "ro", [str(trainer), "FOLDER", "300"], "1m", options=",ro")
    assert read_only.returncode == 1 and "Read-only file system" in read_only.stderr and "/mnt/run" in read_only.stderr
    assert "on_train_begin" in read_only.stderr and "done" not in read_only.stdout


@pytest.mark.slow
def test_a_full_dev_shm_falls_back_to_the_temporary_folder(tmp_path, trainer, namespaces):
    """Keras writes each checkpoint to /dev/shm first; a full one must not fail the run."""
    (tmp_path / "run").mkdir()
    inner = f"mount -t tmpfs -o size=8k tmpfs /dev/shm && exec {sys.executable} {trainer} {tmp_path / 'run' / 'ck'} 12"
    result = _run([_NAMESPACE, "--user", "--map-root-user", "--mount", "sh", "-c", inner])
    assert result.returncode == 0, result.stderr[-2000:]
    assert el.saved_epochs(tmp_path / "run" / "ck") == list(range(2, 12))
