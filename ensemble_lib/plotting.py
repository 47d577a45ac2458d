"""One look for every figure of the book, and figures that are byte-for-byte reproducible.

Introduced in chapter 01. :func:`use_book_style` is called once per chapter: it sets the style
and makes the notebook emit figures as SVG text with no date and no random identifiers, so the
same figure always produces the same bytes and the notebook tests can compare figures exactly,
like any other output.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import matplotlib
import matplotlib.axes
import matplotlib.pyplot as plt
import numpy as np

from ._checks import check_labels, check_numeric_array, check_real

__all__ = [
    "CLASS_COLORS",
    "data_bounds",
    "plot_blobs",
    "plot_decision_boundaries",
    "plot_decision_regions",
    "plot_intervals",
    "plot_learning_curves",
    "plot_members",
    "use_book_style",
]

#: Colour-blind-safe class colours (Okabe and Ito), class 0, 1, 2.
CLASS_COLORS = ("#0072B2", "#D55E00", "#009E73")
#: Colours of the curves: training data, test data, reference lines.
TRAIN_COLOR = "#0072B2"
TEST_COLOR = "#D55E00"
REFERENCE_COLOR = "#555555"
#: One colour per weighting scheme of chapter 03, and for single models.
SCHEME_COLORS = {"equal": "#0072B2", "linear": "#D55E00", "exponential": "#009E73"}
SINGLE_COLOR = "#999999"

_STYLE = {
    "figure.figsize": (6.4, 4.2),
    "figure.dpi": 100,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "legend.frameon": False,
    "lines.linewidth": 1.6,
    "svg.fonttype": "path",  # glyphs as outlines: identical on every machine, no font needed
    "svg.hashsalt": "ensemble-book",  # element ids from a fixed salt instead of random UUIDs
    "image.interpolation": "nearest",
}
# Lines without an explicit colour take the book's palette, in this order.
_STYLE["axes.prop_cycle"] = matplotlib.cycler(color=[*CLASS_COLORS, "#CC79A7", "#E69F00", "#56B4E9"])


def use_book_style() -> None:
    """Apply the book's figure style; inside Jupyter, show figures as deterministic SVG (chapter 01)."""
    matplotlib.rcParams.update(_STYLE)
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the book's requirements
        return
    shell = get_ipython()
    if shell is None:
        return
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    # No 'Date' in the SVG metadata: a figure drawn today and tomorrow is the same file.
    set_matplotlib_formats("svg", bbox_inches="tight", metadata={"Date": None})


def _axes(ax):
    if ax is None:
        _, ax = plt.subplots()
    elif not isinstance(ax, matplotlib.axes.Axes):
        raise TypeError(f"ax must be matplotlib Axes (or None for a new figure), got {type(ax).__name__}")
    return ax


def data_bounds(*arrays, margin: float = 0.5):
    """``(x_min, x_max, y_min, y_max)`` enclosing every 2-D point given, plus ``margin`` (chapter 01)."""
    if not arrays:
        raise ValueError("data_bounds needs at least one array of points")
    margin = check_real(margin, "margin", low=0)
    pts = np.concatenate([check_numeric_array(a, "arrays[...]").astype(np.float64).reshape(-1, 2) for a in arrays])
    lo = np.floor(pts.min(axis=0) - margin)
    hi = np.ceil(pts.max(axis=0) + margin)
    return float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])


def plot_blobs(x, y, ax=None, *, bounds=None, marker_size: float = 12, alpha: float = 0.75, legend: bool = True):
    """Scatter 2-D points coloured by integer class label, legend outside on the right (chapter 01).

    ``bounds`` ``(x_min, x_max, y_min, y_max)`` fixes the axes' limits (see :func:`data_bounds`),
    so that figures of the same problem share them. Returns the axes.
    """
    x = check_numeric_array(x, "x")
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"x must have shape (n_points, 2), got {x.shape}")
    if np.ndim(y) != 1:
        raise ValueError(f"y must hold one integer label per point, shape ({x.shape[0]},), got {np.shape(y)}")
    y = check_labels(y, "y", n_points=len(x), n_classes=len(CLASS_COLORS))
    ax = _axes(ax)
    for k, color in enumerate(CLASS_COLORS):
        mask = y == k
        if mask.any():
            ax.scatter(
                x[mask, 0], x[mask, 1], s=marker_size, color=color, alpha=alpha,
                edgecolors="none", label=f"class {k}",
            )
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_aspect("equal")
    if bounds is not None:
        _check_bounds(bounds)
        ax.set_xlim(bounds[0], bounds[1])
        ax.set_ylim(bounds[2], bounds[3])
    if legend:
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
    return ax


def _check_bounds(bounds):
    if len(bounds) != 4 or not (bounds[0] < bounds[1] and bounds[2] < bounds[3]):
        raise ValueError(f"bounds must be (x_min, x_max, y_min, y_max) with min < max, got {bounds}")


def _grid_labels(predict, bounds, resolution: int):
    if not callable(predict):
        raise TypeError("predict must be callable: points (n, 2) -> labels (n,)")
    _check_bounds(bounds)
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 10:
        raise ValueError(f"resolution must be an int of at least 10, got {resolution!r}")
    xx, yy = np.meshgrid(np.linspace(bounds[0], bounds[1], resolution), np.linspace(bounds[2], bounds[3], resolution))
    labels = np.asarray(predict(np.c_[xx.ravel(), yy.ravel()].astype(np.float32)))
    if labels.shape != (xx.size,):
        raise ValueError(f"predict must return one label per point ({xx.size}), got shape {labels.shape}")
    return xx, yy, labels.reshape(xx.shape)


_LEVELS = np.arange(len(CLASS_COLORS) + 1) - 0.5


def plot_decision_boundaries(
    predict: Callable[[np.ndarray], np.ndarray],
    bounds,
    ax=None,
    *,
    resolution: int = 300,
    color: str = "#333333",
    linestyle: str = "solid",
    linewidth: float = 1.0,
):
    """Draw the lines where the class that ``predict`` assigns changes (chapter 01).

    ``predict`` maps an ``(n, 2)`` array of points to ``n`` integer labels; ``bounds`` is
    ``(x_min, x_max, y_min, y_max)``, e.g. from :func:`data_bounds`. Returns the axes.
    """
    return _draw_boundaries(_axes(ax), *_grid_labels(predict, bounds, resolution), color, linestyle, linewidth)


def _draw_boundaries(ax, xx, yy, zz, color="#333333", linestyle="solid", linewidth=1.0):
    ax.contour(xx, yy, zz, levels=_LEVELS[1:-1], colors=color, linestyles=linestyle, linewidths=linewidth)
    ax.set_xlim(xx[0, 0], xx[0, -1])
    ax.set_ylim(yy[0, 0], yy[-1, 0])
    return ax


def plot_decision_regions(
    predict: Callable[[np.ndarray], np.ndarray],
    bounds,
    ax=None,
    *,
    resolution: int = 300,
    alpha: float = 0.18,
):
    """Shade the plane by the class ``predict`` assigns, and draw the boundaries (chapter 01).

    Arguments as for :func:`plot_decision_boundaries`. Returns the axes.
    """
    xx, yy, zz = _grid_labels(predict, bounds, resolution)
    ax = _axes(ax)
    ax.contourf(xx, yy, zz, levels=_LEVELS, colors=CLASS_COLORS, alpha=alpha)
    return _draw_boundaries(ax, xx, yy, zz)


def plot_learning_curves(
    history: Mapping[str, list] | object,
    ax=None,
    *,
    references: Mapping[str, float] | None = None,
    ylim=(0.5, 0.9),
):
    """Train and test accuracy per epoch, with optional labelled horizontal reference lines (chapter 02).

    ``history`` is a ``keras.callbacks.History`` or its ``.history`` dict holding
    ``train_accuracy`` and ``test_accuracy`` (as recorded by
    :class:`~ensemble_lib.training.AccuracyCurves`). Returns the axes.
    """
    curves = getattr(history, "history", history)
    for key in ("train_accuracy", "test_accuracy"):
        if key not in curves:
            raise ValueError(f"history has no '{key}': record it with AccuracyCurves(train=..., test=...)")
    ax = _axes(ax)
    epochs = np.arange(1, len(curves["train_accuracy"]) + 1)
    ax.plot(epochs, curves["train_accuracy"], color=TRAIN_COLOR, label="train")
    ax.plot(epochs, curves["test_accuracy"], color=TEST_COLOR, label="test")
    styles = ("--", ":", "-.")
    for i, (label, value) in enumerate((references or {}).items()):
        ax.axhline(value, color=REFERENCE_COLOR, linestyle=styles[i % len(styles)], linewidth=1.0, label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy")
    ax.set_xlim(0, len(epochs))
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.legend(loc="lower right")
    return ax



def plot_members(
    single,
    averaged: Mapping[str, list],
    ax=None,
    *,
    n=None,
    references: Mapping[str, float] | None = None,
    ylabel: str = "test accuracy",
):
    """Single checkpoints as dots, averaged models as lines, against n, the number of members (chapter 03).

    ``single[k]`` scores the (k+1)-th most recent checkpoint alone; ``averaged`` maps a label
    (a scheme name picks its colour from ``SCHEME_COLORS``) to the scores of the averages of the
    first 1, 2, ... members. ``n`` gives the x values (default 1, 2, ...). Returns the axes.
    """
    single = check_numeric_array(single, "single").astype(np.float64)
    if not isinstance(averaged, Mapping):
        raise TypeError(f"averaged must map a label to scores, got {type(averaged).__name__}")
    n = np.arange(1, len(single) + 1) if n is None else check_numeric_array(n, "n")
    if n.shape != single.shape:
        raise ValueError(f"n and single must have the same length, got {n.shape} and {single.shape}")
    ax = _axes(ax)
    ax.plot(n, single, "o", color=SINGLE_COLOR, markersize=4, label="single checkpoint")
    fallback = iter(CLASS_COLORS)
    for label, values in averaged.items():
        values = check_numeric_array(values, f"averaged[{label!r}]").astype(np.float64)
        if values.shape != single.shape:
            raise ValueError(f"averaged[{label!r}] must have one value per n ({len(single)}), got {values.shape}")
        color = SCHEME_COLORS.get(label) or next(fallback)
        ax.plot(n, values, "-", color=color, label=f"{label} average" if label in SCHEME_COLORS else label)
    styles = ("--", ":", "-.")
    for i, (label, value) in enumerate((references or {}).items()):
        ax.axhline(value, color=REFERENCE_COLOR, linestyle=styles[i % len(styles)], linewidth=1.0, label=label)
    ax.set_xlabel("n: members, most recent first")
    ax.set_ylabel(ylabel)
    return ax


def plot_intervals(intervals: Mapping[str, object], ax=None, *, reference: float | None = 0.0, xlabel: str = ""):
    """One row per label: the mean as a dot and its confidence interval as a bar (chapter 06).

    ``intervals`` maps a label to an :class:`~ensemble_lib.statistics.Interval` (anything with
    ``mean``, ``low`` and ``high``); rows are drawn top to bottom in the order given. A vertical
    line marks ``reference`` (``None``: no line). Returns the axes.
    """
    if not intervals:
        raise ValueError("intervals is empty: there is nothing to draw")
    for label, iv in intervals.items():
        if not all(hasattr(iv, a) for a in ("mean", "low", "high")):
            raise TypeError(f"intervals[{label!r}] must have mean, low and high, got {type(iv).__name__}")
        check_numeric_array([iv.mean, iv.low, iv.high], f"intervals[{label!r}]")
    ax = _axes(ax)
    labels = list(intervals)
    rows = np.arange(len(labels))[::-1]
    for row, label in zip(rows, labels):
        iv = intervals[label]
        ax.plot([iv.low, iv.high], [row, row], "-", color=CLASS_COLORS[0], linewidth=2)
        ax.plot([iv.mean], [row], "o", color=CLASS_COLORS[0], markersize=5)
    if reference is not None:
        ax.axvline(reference, color=REFERENCE_COLOR, linestyle="--", linewidth=1.0)
    ax.set_yticks(rows)
    ax.set_yticklabels(labels)
    ax.set_xlabel(xlabel)
    return ax
