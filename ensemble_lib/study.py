"""Chapter 6's study, defined once: its seeds, schedules, kept epochs and the methods it compares.

Chapter 6 designs the study and shows this module's code; chapter 7 trains the same runs again
(the same seeds and schedules give the same bits) and holds the same methods against stronger
baselines. One definition, so that the two chapters cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._checks import check_int
from .averaging import SCHEMES, average_weights, shares
from .recipe import RECIPE, Recipe, check_recipe
from .replicas import ReplicaRun, train_schedules
from .schedules import CosineAnnealing

__all__ = [
    "EMA_MOMENTA",
    "STUDY_SEEDS",
    "average_kept",
    "last_epochs",
    "study_methods",
    "study_schedules",
    "train_study",
]

STUDY_SEEDS = tuple(range(50))
"""The study's seeds, 0 to 49."""

EMA_MOMENTA = (float(np.exp(-1 / 8)), 0.99, 0.999)
"""The Keras weight EMAs the study tracks; the first forgets like chapter 3's exponential shares."""


def last_epochs(n: int, recipe: Recipe = RECIPE) -> list[int]:
    """The last ``n`` epochs of a run of ``recipe``, most recent first (as chapter 3 orders members).

    Raises:
        TypeError: if ``n`` is not an int or ``recipe`` is not a :class:`~ensemble_lib.recipe.Recipe`.
        ValueError: if ``n`` is below 1 or above the recipe's epochs.
    """
    epochs = check_recipe(recipe).epochs
    n = check_int(n, "n", minimum=1)
    if n > epochs:
        raise ValueError(f"n must be at most the recipe's {epochs} epochs, got {n}")
    return list(range(epochs - 1, epochs - 1 - n, -1))


def study_schedules(recipe: Recipe = RECIPE) -> dict:
    """The study's eight learning-rate schedules, by name (chapter 6).

    The constant rate of the recipe (the baseline's run, and the Polyak averages' and EMAs'), the
    cosine schedule of chapters 4 and 5 (10 cycles from 0.01: annealing alone and the snapshot
    methods), and six variants of it for chapter 5's open questions.
    """
    epochs = check_recipe(recipe).epochs

    def cosine(cycles=10, lr_max=0.01, per="epoch"):
        return CosineAnnealing(epochs, cycles, lr_max, per=per)

    return {
        "constant": recipe.learning_rate,
        "cosine": cosine(),
        "5 cycles": cosine(cycles=5),
        "20 cycles": cosine(cycles=20),
        "50 cycles": cosine(cycles=50),
        "lr_max 0.05": cosine(lr_max=0.05),
        "lr_max 0.1": cosine(lr_max=0.1),
        "per-batch rate": cosine(per="batch"),
    }


def train_study(x, y, seeds=STUDY_SEEDS, recipe: Recipe = RECIPE) -> dict[str, ReplicaRun]:
    """Every schedule of :func:`study_schedules` for every seed, in one call (chapter 6).

    Every run keeps its weights after each of the last 250 epochs and at the end of every cycle
    of every cosine schedule (``train_schedules`` keeps one set of epochs for all schedules): the
    constant-rate run's Polyak averages and each cosine run's snapshots are among them. The
    constant-rate runs also track the EMAs of :data:`EMA_MOMENTA`.

    Args:
        x: training points, as for :func:`~ensemble_lib.replicas.train_schedules`.
        y: their labels.
        seeds: one seed per replica (default: the study's 50).
        recipe: the recipe (default: the book's); it needs at least 250 epochs.

    Returns:
        A dict of schedule name -> :class:`~ensemble_lib.replicas.ReplicaRun`.

    Raises:
        TypeError: as for :func:`~ensemble_lib.replicas.train_schedules`.
        ValueError: as for :func:`~ensemble_lib.replicas.train_schedules`, or if the recipe has
            fewer than 250 epochs.
    """
    schedules = study_schedules(recipe)
    keep = set(last_epochs(250, recipe))
    for schedule in schedules.values():
        if isinstance(schedule, CosineAnnealing):
            keep |= set(schedule.cycle_ends)
    return train_schedules(x, y, seeds, schedules, recipe, keep=keep, ema_momenta={"constant": EMA_MOMENTA})


def average_kept(run: ReplicaRun, epochs, scheme: str = "equal", alpha: float = 2.0) -> list[np.ndarray]:
    """Every replica's weighted average of its weights kept after ``epochs`` (chapter 3's average, chapter 6).

    Args:
        run: a :class:`~ensemble_lib.replicas.ReplicaRun` that kept those epochs.
        epochs: the members, most recent first (the order the shares follow).
        scheme: ``"equal"``, ``"linear"`` or ``"exponential"`` (:func:`~ensemble_lib.averaging.shares`).
        alpha: the exponential scheme's decay.

    Returns:
        Stacked weights, one average per replica.

    Raises:
        TypeError: if ``run`` is not a ReplicaRun, or as for :func:`~ensemble_lib.averaging.shares`.
        ValueError: if an epoch was not kept, or as for :func:`~ensemble_lib.averaging.shares`.
    """
    if not isinstance(run, ReplicaRun):
        raise TypeError(f"run must be a ReplicaRun, got {type(run).__name__}")
    members = run.kept_at(epochs)
    return average_weights(members, shares(len(members), scheme, alpha=alpha))


def study_methods(runs: dict) -> dict[str, Callable]:
    """The study's eleven predictors, by name: the baseline first, then ten methods (chapter 6).

    Each is a function of points returning every replica's probabilities ``(replicas, points,
    classes)``. From the constant-rate run: its final model (the baseline), the three Polyak
    averages of the last 10 epochs, the equal average of the last 250, and the three weight
    EMAs. From the cosine run: its final model (annealing alone), the snapshot ensemble (the
    soft vote of its 10 snapshots) and the snapshot weight average.

    Args:
        runs: :func:`train_study`'s result (at least its ``"constant"`` and ``"cosine"`` runs).

    Raises:
        TypeError: if ``runs`` is not a dict of ReplicaRuns.
        ValueError: if a run is missing, or lacks the kept epochs or EMAs the methods need.
    """
    if not isinstance(runs, dict) or not all(isinstance(r, ReplicaRun) for r in runs.values()):
        raise TypeError("runs must be a dict of name -> ReplicaRun (train_study's result)")
    missing = [name for name in ("constant", "cosine") if name not in runs]
    if missing:
        raise ValueError(f"runs must hold the study's 'constant' and 'cosine' runs; missing {missing}")
    constant, cosine = runs["constant"], runs["cosine"]
    if set(constant.ema) != set(EMA_MOMENTA):
        raise ValueError(f"runs['constant'] must carry the EMAs {EMA_MOMENTA}, has {tuple(constant.ema)}")
    last_10, last_250 = last_epochs(10, constant.recipe), last_epochs(250, constant.recipe)
    snapshots = cosine.cycle_ends  # epochs 49, 99, ..., 499

    def model(run, weights=None):
        return lambda points: run.probabilities(points, weights)

    methods = {"final model (baseline)": model(constant)}
    for scheme in SCHEMES:
        averaged = average_kept(constant, last_10, scheme)
        methods[f"Polyak {scheme}, last 10"] = model(constant, averaged)
    long_average = average_kept(constant, last_250)
    methods["Polyak equal, last 250"] = model(constant, long_average)
    for m in EMA_MOMENTA:
        methods[f"Keras EMA, momentum {m:.4f}"] = model(constant, constant.ema[m])
    methods["cosine annealing alone"] = model(cosine)
    methods["snapshot ensemble (10)"] = lambda x: cosine.soft_vote(x, snapshots)
    snapshot_average = average_kept(cosine, snapshots[::-1])
    methods["snapshot weight average (10)"] = model(cosine, snapshot_average)
    return methods
