"""Cyclic learning rates: cosine annealing with warm restarts (SGDR) and the triangular schedule.

Introduced in chapter 4 (cosine annealing); the snapshot callback is chapter 5's.

The schedules are plain functions of the epoch (or of the step, for per-batch updates: the same
formula with steps in place of epochs), and the callbacks set the rate they compute on the
optimizer through Keras 3's API (``optimizer.learning_rate = value``) inside an ordinary ``fit``,
logging every rate they set.
"""

from __future__ import annotations

import math

import keras
import numpy as np

from ._checks import check_int, check_positive, check_real
from .checkpoints import _WritesCheckpoints

__all__ = [
    "CosineAnnealing",
    "SnapshotEnsemble",
    "cosine_annealing",
    "cosine_annealing_rates",
    "cycle_ends",
    "triangular",
]


def _check_cycles(n_epochs, n_cycles) -> tuple[int, int]:
    n_epochs = check_int(n_epochs, "n_epochs", minimum=1)
    n_cycles = check_int(n_cycles, "n_cycles")
    if not 1 <= n_cycles <= n_epochs:
        raise ValueError(f"n_cycles must be between 1 and n_epochs ({n_epochs}), got {n_cycles}")
    return n_epochs, n_cycles


def cosine_annealing(epoch: int, n_epochs: int, n_cycles: int, lr_max: float) -> float:
    """The SGDR learning rate at ``epoch`` (chapter 4).

    ``epochs_per_cycle = n_epochs // n_cycles``;
    ``lr = lr_max / 2 * (cos(pi * (epoch % epochs_per_cycle) / epochs_per_cycle) + 1)``.
    It starts every cycle at ``lr_max``, falls along a half cosine towards 0, and jumps back to
    ``lr_max`` (a warm restart). For per-batch updates pass the step and the total number of
    steps in place of the epoch and ``n_epochs``.

    Args:
        epoch: the epoch (or step), counted from 0.
        n_epochs: the length of the run, in epochs; at least 1.
        n_cycles: the number of cycles, between 1 and ``n_epochs``.
        lr_max: the rate at the start of every cycle; positive.

    Returns:
        The learning rate, a float in ``(0, lr_max]``.

    Raises:
        TypeError: if ``epoch``, ``n_epochs`` or ``n_cycles`` is not an int, or ``lr_max`` not a number.
        ValueError: if ``epoch`` is negative, ``n_epochs`` is below 1, ``n_cycles`` is not between 1
            and ``n_epochs``, or ``lr_max`` is not positive and finite.
    """
    n_epochs, n_cycles = _check_cycles(n_epochs, n_cycles)
    epoch = check_int(epoch, "epoch")
    if epoch < 0:
        raise ValueError(f"epoch must not be negative, got {epoch}")
    lr_max = check_positive(lr_max, "lr_max")
    epochs_per_cycle = n_epochs // n_cycles
    angle = math.pi * (epoch % epochs_per_cycle) / epochs_per_cycle
    return lr_max / 2 * (math.cos(angle) + 1)


def cosine_annealing_rates(
    n_epochs: int, n_cycles: int, lr_max: float, steps_per_epoch: int = 1, per: str = "epoch"
) -> np.ndarray:
    """Every rate :class:`CosineAnnealing` sets in a run, as a table (chapter 6, whose engine takes such tables).

    Args:
        n_epochs: the length of the run, in epochs; at least 1.
        n_cycles: the number of cycles, between 1 and ``n_epochs``.
        lr_max: the rate at the start of every cycle; positive.
        steps_per_epoch: mini-batches per epoch, at least 1.
        per: ``"epoch"``: row ``e`` holds ``cosine_annealing(e, n_epochs, n_cycles, lr_max)`` for
            every step of the epoch. ``"batch"``: entry ``[e, b]`` is the rate of step
            ``e * steps_per_epoch + b`` out of ``n_epochs * steps_per_epoch``.

    Returns:
        A float64 array of shape ``(n_epochs, steps_per_epoch)``.

    Raises:
        TypeError: if ``n_epochs``, ``n_cycles`` or ``steps_per_epoch`` is not an int, or ``lr_max``
            not a number.
        ValueError: if ``n_epochs`` or ``steps_per_epoch`` is below 1, ``n_cycles`` is not between 1
            and ``n_epochs``, ``per`` is neither ``"epoch"`` nor ``"batch"``, or ``lr_max`` is not
            positive and finite.
    """
    n_epochs, n_cycles = _check_cycles(n_epochs, n_cycles)
    steps = check_int(steps_per_epoch, "steps_per_epoch", minimum=1)
    if per not in ("epoch", "batch"):
        raise ValueError(f"per must be 'epoch' or 'batch', got {per!r}")
    # The scalar function itself, not a vectorised cosine: the table holds exactly the rates the
    # callback sets (NumPy's cos may differ from math.cos in the last bit).
    if per == "epoch":
        rates = [cosine_annealing(e, n_epochs, n_cycles, lr_max) for e in range(n_epochs)]
        return np.repeat(np.array(rates)[:, None], steps, axis=1)
    rates = [cosine_annealing(i, n_epochs * steps, n_cycles, lr_max) for i in range(n_epochs * steps)]
    return np.array(rates).reshape(n_epochs, steps)


def cycle_ends(n_epochs: int, n_cycles: int) -> list[int]:
    """The epochs that end a cycle, where ``(epoch + 1) % epochs_per_cycle == 0`` (chapter 5).

    ``epochs_per_cycle = n_epochs // n_cycles``, as in :func:`cosine_annealing`. For 500 epochs
    and 10 cycles: 49, 99, ..., 499.

    Args:
        n_epochs: the length of the run, in epochs; at least 1.
        n_cycles: the number of cycles, between 1 and ``n_epochs``.

    Returns:
        The epochs, counted from 0, in increasing order.

    Raises:
        TypeError: if ``n_epochs`` or ``n_cycles`` is not an int.
        ValueError: if ``n_epochs`` is below 1 or ``n_cycles`` is not between 1 and ``n_epochs``.
    """
    n_epochs, n_cycles = _check_cycles(n_epochs, n_cycles)
    per_cycle = n_epochs // n_cycles
    return [e for e in range(n_epochs) if (e + 1) % per_cycle == 0]


def triangular(step: int, step_size: int, lr_min: float, lr_max: float) -> float:
    """Smith's (2017) triangular cyclical learning rate at ``step`` (chapter 4).

    Climbs linearly from ``lr_min`` to ``lr_max`` over ``step_size`` steps, falls back over the
    next ``step_size``, and repeats: a cycle lasts ``2 * step_size``.

    Args:
        step: the step, counted from 0.
        step_size: the steps of half a cycle, at least 1.
        lr_min: the lowest rate, at least 0 and below ``lr_max``.
        lr_max: the highest rate; positive.

    Returns:
        The learning rate, a float in ``[lr_min, lr_max]``.

    Raises:
        TypeError: if ``step`` or ``step_size`` is not an int, or ``lr_min`` or ``lr_max`` not a
            number.
        ValueError: if ``step`` is negative, ``step_size`` is below 1, ``lr_max`` is not positive
            and finite, ``lr_min`` is negative or not finite, or ``lr_min >= lr_max``.
    """
    step = check_int(step, "step")
    step_size = check_int(step_size, "step_size")
    if step < 0:
        raise ValueError(f"step must not be negative, got {step}")
    if step_size < 1:
        raise ValueError(f"step_size must be at least 1, got {step_size}")
    lr_max = check_positive(lr_max, "lr_max")
    lr_min = check_real(lr_min, "lr_min", low=0)
    if lr_min >= lr_max:
        raise ValueError(f"lr_min must be below lr_max, got {lr_min} >= {lr_max}")
    cycle = math.floor(1 + step / (2 * step_size))
    x = abs(step / step_size - 2 * cycle + 1)
    return lr_min + (lr_max - lr_min) * max(0.0, 1 - x)


class CosineAnnealing(keras.callbacks.Callback):
    """Set the SGDR rate on the optimizer during ``fit``, per epoch or per batch (chapter 4).

    ``per="epoch"``: at the start of epoch ``e`` the rate becomes
    ``cosine_annealing(e, n_epochs, n_cycles, lr_max)``, as in the original tutorial.
    ``per="batch"``: before every mini-batch, with the step counted across the whole run and
    ``n_epochs * steps_per_epoch`` steps in all, as in the SGDR paper (needs
    ``steps_per_execution=1``, so that Keras calls back before every batch).

    Every rate set is appended to ``rates`` as ``(epoch, step, rate)``, and each epoch's logs get
    the rate it started with as ``learning_rate``, so ``History`` records it too.

    Args:
        n_epochs: the length of the run, in epochs; at least 1.
        n_cycles: the number of cycles, between 1 and ``n_epochs``.
        lr_max: the rate at the start of every cycle; positive.
        per: ``"epoch"`` or ``"batch"``, as above.

    Raises:
        TypeError: if ``n_epochs`` or ``n_cycles`` is not an int, or ``lr_max`` not a number.
        ValueError: if ``n_epochs`` is below 1, ``n_cycles`` is not between 1 and ``n_epochs``,
            ``lr_max`` is not positive and finite, or ``per`` is neither ``"epoch"`` nor
            ``"batch"``; in ``fit``, with ``per="batch"``, if ``fit`` has no ``steps_per_epoch``
            or the model's ``steps_per_execution`` is not 1.
    """

    def __init__(self, n_epochs: int, n_cycles: int, lr_max: float, per: str = "epoch"):
        super().__init__()
        self.n_epochs, self.n_cycles = _check_cycles(n_epochs, n_cycles)
        self.lr_max = check_positive(lr_max, "lr_max")
        if per not in ("epoch", "batch"):
            raise ValueError(f"per must be 'epoch' or 'batch', got {per!r}")
        self.per = per
        self.rates: list[tuple[int, int, float]] = []
        self._epoch = 0
        self._epoch_rate = None

    @property
    def cycle_ends(self) -> list[int]:
        """The epochs that end a cycle, as :func:`cycle_ends` gives them for this schedule (chapter 5)."""
        return cycle_ends(self.n_epochs, self.n_cycles)

    def rate_table(self, steps_per_epoch: int) -> np.ndarray:
        """Every rate this callback sets, ``(n_epochs, steps_per_epoch)``: what chapter 6's replicas follow.

        Returns:
            :func:`cosine_annealing_rates` of this schedule, a float64 array.

        Raises:
            TypeError: if ``steps_per_epoch`` is not an int.
            ValueError: if ``steps_per_epoch`` is below 1.
        """
        return cosine_annealing_rates(self.n_epochs, self.n_cycles, self.lr_max, steps_per_epoch, self.per)

    def _set(self, rate: float, step: int) -> None:
        self.model.optimizer.learning_rate = rate
        self.rates.append((self._epoch, step, rate))

    def on_train_begin(self, logs=None):
        if self.per == "batch":
            if self.params.get("steps") is None:
                raise ValueError("per='batch' needs fit(..., steps_per_epoch=N) to count the steps")
            if getattr(self.model, "steps_per_execution", 1) != 1:
                raise ValueError(
                    "per='batch' needs compile(steps_per_execution=1): Keras calls back once per execution"
                )

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        if self.per == "epoch":
            rate = cosine_annealing(epoch, self.n_epochs, self.n_cycles, self.lr_max)
            self._set(rate, step=epoch * (self.params.get("steps") or 0))
            self._epoch_rate = rate

    def on_train_batch_begin(self, batch, logs=None):
        if self.per == "batch":
            steps = self.params["steps"]
            step = self._epoch * steps + batch
            rate = cosine_annealing(step, self.n_epochs * steps, self.n_cycles, self.lr_max)
            self._set(rate, step)
            if batch == 0:
                self._epoch_rate = rate

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None and self._epoch_rate is not None:
            logs["learning_rate"] = self._epoch_rate


class SnapshotEnsemble(_WritesCheckpoints, CosineAnnealing):
    """Cosine annealing plus a snapshot at the end of every cycle (chapter 5).

    The schedule of :class:`CosineAnnealing`; in addition, at the end of each epoch with
    ``(epoch + 1) % epochs_per_cycle == 0`` (:func:`cycle_ends`, kept in ``snapshot_epochs``) the
    weights are saved to ``folder`` as ``epoch-NNNN.weights.h5``, with the same guarantees as
    :class:`~ensemble_lib.checkpoints.EpochCheckpoints` (one run per folder, locked while it
    trains, checksummed, ``replace=True`` to start over in a folder an earlier run used); the
    files :func:`~ensemble_lib.checkpoints.load_checkpoints` reads. ``saved`` lists the epochs saved.

    Args:
        folder: the checkpoint folder, a ``str`` or ``pathlib.Path``; created if missing.
        n_epochs: the length of the run, in epochs; at least 1.
        n_cycles: the number of cycles, between 1 and ``n_epochs``.
        lr_max: the rate at the start of every cycle; positive.
        per: ``"epoch"`` or ``"batch"``, as for :class:`CosineAnnealing`.
        replace: whether a new run may remove another run's checkpoints from ``folder``.

    Raises:
        TypeError: as for :class:`CosineAnnealing`; also if ``folder`` is not a ``str`` or path or
            ``replace`` is not a bool.
        ValueError: as for :class:`CosineAnnealing`; in ``fit``, also if a resumed run does not
            match the folder's run.
        NotADirectoryError: if ``folder`` exists and is not a folder.
        FileExistsError: in ``fit``, if a new run finds another run's checkpoints in ``folder``
            and ``replace`` is False.
        RuntimeError: in ``fit``, if another training run holds ``folder``.
        OSError: in ``fit``, if ``folder`` is not writable or lacks room for the snapshots.
    """

    def __init__(self, folder, n_epochs: int, n_cycles: int, lr_max: float, per: str = "epoch", replace: bool = False):
        super().__init__(n_epochs, n_cycles, lr_max, per=per)
        self._init_checkpoints(folder, replace)
        self.snapshot_epochs = self.cycle_ends

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        settings = {"snapshots": self.snapshot_epochs, "lr_max": self.lr_max, "per": self.per}
        self._begin_checkpoints(settings, planned=len(self.snapshot_epochs))

    def on_epoch_begin(self, epoch, logs=None):
        self._start_checkpoints(epoch)
        super().on_epoch_begin(epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, logs)
        if epoch in self.snapshot_epochs:
            self._save_checkpoint(epoch, "member")

    def on_train_end(self, logs=None):
        super().on_train_end(logs)
        self._end_checkpoints()
