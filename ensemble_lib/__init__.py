"""ensemble_lib: the mechanics behind the book *Weight averaging and snapshot ensembles with Keras 3*.

Each chapter imports this package first (``import ensemble_lib as el``), before Keras or
TensorFlow: :mod:`ensemble_lib.reproducibility` must set TensorFlow's environment before
TensorFlow loads. Every public name below says in its docstring which chapter introduces it.
"""

# Must come first: fixes TensorFlow's numeric path before anything imports TensorFlow.
from .reproducibility import reproducible  # noqa: I001

from .averaging import SCHEMES, average_weights, member_weights, model_with_weights
from .bayes import BayesClassifier
from .checkpoints import (
    EpochCheckpoints,
    checkpoint_path,
    load_checkpoints,
    resume_from_checkpoints,
    save_checkpoint,
    saved_epochs,
)
from .data import Blobs, load_blobs, one_hot
from .ensembles import disagreement, ensemble_predict
from .models import build_mlp
from .plotting import (
    CLASS_COLORS,
    data_bounds,
    plot_blobs,
    plot_decision_boundaries,
    plot_decision_regions,
    plot_learning_curves,
    plot_members,
    use_book_style,
)
from .schedules import CosineAnnealing, SnapshotEnsemble, cosine_annealing, cycle_ends, triangular
from .training import AccuracyCurves, accuracy, compile_sgd, log_loss, predict_classes, steps_per_epoch, training_dataset

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
    "CosineAnnealing",
    "cycle_ends",
    "data_bounds",
    "disagreement",
    "ensemble_predict",
    "EpochCheckpoints",
    "load_blobs",
    "load_checkpoints",
    "log_loss",
    "member_weights",
    "model_with_weights",
    "one_hot",
    "plot_blobs",
    "plot_decision_boundaries",
    "plot_decision_regions",
    "plot_learning_curves",
    "plot_members",
    "predict_classes",
    "reproducible",
    "resume_from_checkpoints",
    "save_checkpoint",
    "saved_epochs",
    "SCHEMES",
    "SnapshotEnsemble",
    "steps_per_epoch",
    "training_dataset",
    "triangular",
    "use_book_style",
]
