"""ensemble_lib: the mechanics behind the book *Weight averaging and snapshot ensembles with Keras 3*.

Each chapter imports this package first (``import ensemble_lib as el``), before Keras,
TensorFlow or NumPy: :mod:`ensemble_lib.reproducibility` must set their environment before they
load. Every public name below says in its docstring which chapter introduces it.
"""

# Must come first: fixes the numeric path before anything imports TensorFlow or NumPy.
from .reproducibility import reproducible  # noqa: I001

from .averaging import SCHEMES, average_weights, member_weights, model_with_weights
from .bayes import BayesClassifier
from .checkpoints import (
    EpochCheckpoints,
    checkpoint_path,
    load_checkpoints,
    resume_from_checkpoints,
    saved_epochs,
)
from .data import Blobs, load_blobs, one_hot
from .exact import exact_softmax
from .engine import ReplicaRun, replica_probabilities, scores, train_replicas, train_schedules
from .ensembles import disagreement, ensemble_predict
from .models import build_mlp, initial_weights
from .plotting import (
    CLASS_COLORS,
    data_bounds,
    plot_blobs,
    plot_decision_boundaries,
    plot_decision_regions,
    plot_intervals,
    plot_learning_curves,
    plot_members,
    use_book_style,
)
from .progress import TrainingProgress
from .schedules import (
    CosineAnnealing,
    SnapshotEnsemble,
    cosine_annealing,
    cosine_annealing_rates,
    cycle_ends,
    triangular,
)
from .statistics import Interval, PairedComparison, mean_interval, paired_comparison
from .training import (
    AccuracyCurves,
    accuracy,
    compile_sgd,
    epoch_order,
    log_loss,
    predict_classes,
    steps_per_epoch,
    training_dataset,
)

__all__ = [
    "accuracy",
    "AccuracyCurves",
    "average_weights",
    "BayesClassifier",
    "Blobs",
    "build_mlp",
    "checkpoint_path",
    "CLASS_COLORS",
    "compile_sgd",
    "cosine_annealing",
    "cosine_annealing_rates",
    "CosineAnnealing",
    "cycle_ends",
    "data_bounds",
    "disagreement",
    "ensemble_predict",
    "epoch_order",
    "exact_softmax",
    "EpochCheckpoints",
    "initial_weights",
    "Interval",
    "load_blobs",
    "load_checkpoints",
    "log_loss",
    "mean_interval",
    "member_weights",
    "model_with_weights",
    "one_hot",
    "paired_comparison",
    "PairedComparison",
    "plot_blobs",
    "plot_decision_boundaries",
    "plot_decision_regions",
    "plot_intervals",
    "plot_learning_curves",
    "plot_members",
    "predict_classes",
    "replica_probabilities",
    "ReplicaRun",
    "reproducible",
    "resume_from_checkpoints",
    "saved_epochs",
    "SCHEMES",
    "scores",
    "SnapshotEnsemble",
    "steps_per_epoch",
    "train_replicas",
    "train_schedules",
    "training_dataset",
    "TrainingProgress",
    "triangular",
    "use_book_style",
]
