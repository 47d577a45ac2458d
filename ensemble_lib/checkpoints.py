"""Saving the weights of chosen epochs to files during ``fit``, loading them back, and resuming.

Introduced in chapter 03 (Polyak-Ruppert averaging).

A checkpoint is one Keras 3 ``.weights.h5`` file per epoch, ``epoch-0490.weights.h5`` for the
weights at the end of epoch 490 (epochs count from 0, as Keras's callbacks do). Keras 3 stores
the optimizer's state (momentum, step count) in the same file, so any checkpoint is also a point
to resume training from.

Every file is written atomically: Keras writes a hidden temporary file in the same folder, which
is renamed onto the final name only once it is complete. A run killed at any moment leaves
either the complete file or no file (plus perhaps a hidden temporary, which the loader ignores
and the next run removes), never a half-written checkpoint.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import keras
import numpy as np

from ._checks import check_int

_NAME = re.compile(r"^epoch-(\d{4,})\.weights\.h5$")
_TMP_PREFIX = ".tmp-"


def checkpoint_path(folder, epoch: int) -> Path:
    """Where the weights at the end of ``epoch`` are stored in ``folder`` (chapter 03)."""
    if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)) or epoch < 0:
        raise ValueError(f"epoch must be a non-negative int, got {epoch!r}")
    return Path(folder) / f"epoch-{int(epoch):04d}.weights.h5"


def save_checkpoint(model, folder, epoch: int) -> Path:
    """Save ``model``'s weights and optimizer state for ``epoch`` atomically; return the path (chapter 03)."""
    final = checkpoint_path(folder, epoch)
    final.parent.mkdir(parents=True, exist_ok=True)
    # Keras insists on the .weights.h5 ending, so the temporary keeps it behind a hidden prefix.
    tmp = final.with_name(f"{_TMP_PREFIX}{os.getpid()}-{final.name}")
    try:
        model.save_weights(tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, final)
    finally:
        if tmp.exists():
            tmp.unlink()
    return final


def saved_epochs(folder) -> list[int]:
    """The epochs with a complete checkpoint in ``folder``, in increasing order (chapter 03)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = (_NAME.match(p.name) for p in folder.iterdir())
    return sorted(int(m.group(1)) for m in found if m)


class EpochCheckpoints(keras.callbacks.Callback):
    """Save the weights at the end of chosen epochs to ``folder``, during an ordinary ``fit`` (chapter 03).

    Give exactly one of

    * ``last=K``: the last ``K`` epochs of the run (with ``epochs=500``, ``last=10`` saves epochs
      490 to 499), read from ``fit``'s own ``epochs`` when training begins;
    * ``window=(start, stop)``: every epoch ``start <= epoch < stop``.

    ``resume_every=N`` additionally keeps the newest checkpoint of every ``N``-th epoch outside
    the window, so that a killed run can be resumed (:func:`resume_from_checkpoints`) from at most
    ``N`` epochs back. Stale temporaries of a killed run are removed when training begins.
    """

    def __init__(self, folder, *, last: int | None = None, window=None, resume_every: int | None = None):
        super().__init__()
        if (last is None) == (window is None):
            raise ValueError("give exactly one of last=K or window=(start, stop)")
        if last is not None:
            last = check_int(last, "last", minimum=1)
        if window is not None:
            if isinstance(window, range):
                window = (window.start, window.stop)
            if not (
                isinstance(window, (tuple, list))
                and len(window) == 2
                and all(isinstance(v, int) and not isinstance(v, bool) for v in window)
                and 0 <= window[0] < window[1]
            ):
                raise ValueError(f"window must be (start, stop) with 0 <= start < stop, got {window!r}")
            window = tuple(window)
        if resume_every is not None:
            resume_every = check_int(resume_every, "resume_every", minimum=1)
        self.folder = Path(folder)
        self.last = last
        self.window = window
        self.resume_every = resume_every
        self.saved: list[int] = []

    def _in_window(self, epoch: int) -> bool:
        return self._start <= epoch < self._stop

    def on_train_begin(self, logs=None):
        if self.window is not None:
            self._start, self._stop = self.window
        else:
            total = self.params.get("epochs")
            if not total:
                raise ValueError("EpochCheckpoints(last=K) needs fit(..., epochs=N) to know where the run ends")
            self._start, self._stop = max(0, total - self.last), total
        self.folder.mkdir(parents=True, exist_ok=True)
        for stale in self.folder.glob(f"{_TMP_PREFIX}*"):
            stale.unlink()

    def on_epoch_end(self, epoch, logs=None):
        in_window = self._in_window(epoch)
        if not in_window and not (self.resume_every and (epoch + 1) % self.resume_every == 0):
            return
        save_checkpoint(self.model, self.folder, epoch)
        if in_window:
            self.saved.append(epoch)
        # Outside the window only the newest checkpoint is worth keeping (as a resume point). Inside
        # it, older resume points were already removed when the window began: no need to look.
        if in_window and epoch != self._start:
            return
        for old in saved_epochs(self.folder):
            if old < epoch and not self._in_window(old):
                checkpoint_path(self.folder, old).unlink(missing_ok=True)


def _check_folder(folder) -> tuple[Path, list[int]]:
    folder = Path(folder)
    if not folder.exists():
        raise FileNotFoundError(f"checkpoint folder {folder} does not exist")
    if not folder.is_dir():
        raise NotADirectoryError(f"checkpoint folder {folder} is not a folder")
    epochs = saved_epochs(folder)
    if not epochs:
        raise ValueError(f"checkpoint folder {folder} holds no epoch-NNNN.weights.h5 file")
    return folder, epochs


def _load_into(model, path: Path) -> None:
    try:
        model.load_weights(path)
    except Exception as exc:  # h5py, Keras and OS errors all mean: this file cannot be used
        raise ValueError(f"checkpoint {path} cannot be loaded into this model: {exc}") from exc


def load_checkpoints(folder, like, epochs=None) -> list[tuple[int, list[np.ndarray]]]:
    """The saved members, most recent first: a list of ``(epoch, weights)`` (chapter 03).

    ``like`` is a model of the architecture that saved them (its own weights are left alone: a
    clone is loaded). ``epochs`` restricts the result to those epochs. ``weights`` is the list
    of arrays ``model.get_weights()`` returns. A corrupt file, or one saved by another
    architecture, raises ``ValueError`` naming the file.
    """
    folder, available = _check_folder(folder)
    if epochs is not None:
        wanted = sorted(set(int(e) for e in epochs))
        missing = [e for e in wanted if e not in available]
        if missing:
            raise ValueError(f"checkpoint folder {folder} has no checkpoint for epochs {missing}")
        available = wanted
    holder = keras.models.clone_model(like)
    members = []
    for epoch in sorted(available, reverse=True):
        path = checkpoint_path(folder, epoch)
        _load_into(holder, path)
        members.append((epoch, [np.array(w) for w in holder.get_weights()]))
    return members


def resume_from_checkpoints(model, folder) -> int:
    """Restore ``model`` (compiled, same architecture) from the newest checkpoint in ``folder``.

    Returns the epoch to continue from, for ``fit(..., initial_epoch=...)`` and
    ``training_dataset(..., first_epoch=...)``: 0 if the folder is missing or empty (a fresh
    start), otherwise one past the newest saved epoch. Weights and optimizer state are both
    restored, so the resumed run continues exactly where the saved one stood (chapter 03).
    """
    epochs = saved_epochs(folder)
    if not epochs:
        return 0
    if getattr(model, "optimizer", None) is None:
        raise ValueError("model must be compiled before resuming, so that its optimizer state can be restored")
    model.optimizer.build(model.trainable_variables)
    _load_into(model, checkpoint_path(folder, epochs[-1]))
    return epochs[-1] + 1
