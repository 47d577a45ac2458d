"""ensemble_lib: the mechanics behind the book *Weight averaging and snapshot ensembles with Keras 3*.

Each chapter imports this package first (``import ensemble_lib as el``), before Keras,
TensorFlow or NumPy: :mod:`ensemble_lib.reproducibility` must set their environment before they
load. Every public name below says in its docstring which chapter introduces it.
"""

# Must come first: fixes the numeric path before anything imports TensorFlow or NumPy.
from .reproducibility import *  # noqa: F403, I001

from .averaging import *  # noqa: F403
from .batchnorm import *  # noqa: F403
from .binary import *  # noqa: F403
from .bayes import *  # noqa: F403
from .calibration import *  # noqa: F403
from .checkpoints import *  # noqa: F403
from .cnn import *  # noqa: F403
from .data import *  # noqa: F403
from .exact import *  # noqa: F403
from .ensembles import *  # noqa: F403
from .models import *  # noqa: F403
from .plotting import *  # noqa: F403
from .progress import *  # noqa: F403
from .recipe import *  # noqa: F403
from .replicas import *  # noqa: F403
from .reporting import *  # noqa: F403
from .schedules import *  # noqa: F403
from .statistics import *  # noqa: F403
from .study import *  # noqa: F403
from .training import *  # noqa: F403

# Every module lists its public names once, in its own __all__; the package's list joins them.
# (Importing a submodule binds it as an attribute of this package, hence globals().)
_MODULES = [
    globals()[name]
    for name in (
        "reproducibility", "averaging", "batchnorm", "binary", "bayes", "calibration", "checkpoints", "cnn", "data",
        "exact", "ensembles", "models", "plotting", "progress", "recipe", "replicas", "reporting", "schedules",
        "statistics", "study", "training",
    )
]  # fmt: skip
__all__ = [name for module in _MODULES for name in module.__all__]
