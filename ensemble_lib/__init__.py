"""ensemble_lib: the mechanics behind the book *Weight averaging and snapshot ensembles with Keras 3*.

Each chapter imports this package first (``import ensemble_lib as el``), before Keras or
TensorFlow: :mod:`ensemble_lib.reproducibility` must set TensorFlow's environment before
TensorFlow loads. Every public name below says in its docstring which chapter introduces it.
"""

# Must come first: fixes TensorFlow's numeric path before anything imports TensorFlow.
from .reproducibility import reproducible  # noqa: I001

from .bayes import BayesClassifier
from .data import Blobs, load_blobs, one_hot
from .models import build_mlp
from .plotting import (
    CLASS_COLORS,
    data_bounds,
    plot_blobs,
    plot_decision_boundaries,
    plot_decision_regions,
    plot_learning_curves,
    use_book_style,
)
from .training import AccuracyCurves, accuracy, predict_classes, training_dataset

__all__ = [
    "AccuracyCurves",
    "BayesClassifier",
    "Blobs",
    "CLASS_COLORS",
    "accuracy",
    "build_mlp",
    "data_bounds",
    "load_blobs",
    "one_hot",
    "plot_blobs",
    "plot_decision_boundaries",
    "plot_decision_regions",
    "plot_learning_curves",
    "predict_classes",
    "reproducible",
    "training_dataset",
    "use_book_style",
]
