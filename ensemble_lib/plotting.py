"""One look for every figure of the book, and figures that are byte-for-byte reproducible.

Introduced in chapter 1. :func:`use_book_style` is called once per chapter: it sets the style
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

from ._checks import check_int, check_labels, check_numeric_array, check_real

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
#: One colour per weighting scheme of chapter 3, and for single models.
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
    """Apply the book's figure style; inside Jupyter, show figures as deterministic SVG (chapter 1).

    Updates ``matplotlib.rcParams``; outside an IPython shell the output format is left alone.
    """
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
    """``(x_min, x_max, y_min, y_max)`` enclosing every 2-D point given, plus ``margin`` (chapter 1).

    Args:
        *arrays: arrays of 2-D points (each read as rows of two coordinates).
        margin: space added on every side, at least 0.

    Returns:
        ``(x_min, x_max, y_min, y_max)`` as floats, rounded outward to whole numbers.

    Raises:
        ValueError: if no array is given, ``margin`` is negative or not finite, or an array is not
            a finite, non-empty ``(n_points, 2)`` array.
        TypeError: if ``margin`` is not a number or an array does not hold numbers.
    """
    if not arrays:
        raise ValueError("data_bounds needs at least one array of points")
    margin = check_real(margin, "margin", low=0)
    points = []
    for i, a in enumerate(arrays):
        a = check_numeric_array(a, f"arrays[{i}]").astype(np.float64)
        if a.ndim != 2 or a.shape[1] != 2 or len(a) == 0:
            raise ValueError(f"arrays[{i}] must hold 2-D points, shape (n_points, 2), got shape {a.shape}")
        points.append(a)
    pts = np.concatenate(points)
    lo = np.floor(pts.min(axis=0) - margin)
    hi = np.ceil(pts.max(axis=0) + margin)
    return float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])


def plot_blobs(x, y, ax=None, *, bounds=None, marker_size: float = 12, alpha: float = 0.75, legend: bool = True):
    """Scatter 2-D points coloured by integer class label, legend outside on the right (chapter 1).

    Args:
        x: points, shape ``(n_points, 2)``.
        y: one integer label per point, in ``0..2`` (one colour of ``CLASS_COLORS`` each).
        ax: the matplotlib ``Axes`` to draw on; ``None`` (default) for a new figure.
        bounds: ``(x_min, x_max, y_min, y_max)``, to fix the axes' limits (see :func:`data_bounds`),
            so that figures of the same problem share them; ``None``: matplotlib's own.
        marker_size: the markers' size (matplotlib's ``s``).
        alpha: the markers' opacity.
        legend: whether to draw the legend.

    Returns:
        The axes.

    Raises:
        TypeError: if ``x`` does not hold numbers, ``y`` does not hold integers, or ``ax`` is not
            an ``Axes``.
        ValueError: if ``x`` is not a finite ``(n_points, 2)`` array, ``y`` is not one label per
            point in ``0..2``, or ``bounds`` is not four numbers with ``min < max``.
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
                x[mask, 0],
                x[mask, 1],
                s=marker_size,
                color=color,
                alpha=alpha,
                edgecolors="none",
                label=f"class {k}",
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
    resolution = check_int(resolution, "resolution", minimum=10)
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
    """Draw the lines where the class that ``predict`` assigns changes (chapter 1).

    Args:
        predict: maps an ``(n, 2)`` float32 array of points to ``n`` integer labels (e.g. a
            classifier's ``predict``).
        bounds: ``(x_min, x_max, y_min, y_max)``, e.g. from :func:`data_bounds`.
        ax: the matplotlib ``Axes`` to draw on; ``None`` (default) for a new figure.
        resolution: grid points per axis, an int of at least 10.
        color: the lines' colour.
        linestyle: the lines' style (matplotlib's).
        linewidth: the lines' width.

    Returns:
        The axes, with limits set to ``bounds``.

    Raises:
        TypeError: if ``predict`` is not callable or ``ax`` is not an ``Axes``.
        ValueError: if ``bounds`` is not four numbers with ``min < max``, ``resolution`` is not an
            int of at least 10, or ``predict`` does not return one label per point.
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
    """Shade the plane by the class ``predict`` assigns, and draw the boundaries (chapter 1).

    Args:
        predict, bounds, ax, resolution: as for :func:`plot_decision_boundaries`.
        alpha: the shading's opacity.

    Returns:
        The axes, with limits set to ``bounds``.

    Raises:
        TypeError, ValueError: for the arguments :func:`plot_decision_boundaries` refuses (they
            share their checks).
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
    """Train and test accuracy per epoch, with optional labelled horizontal reference lines (chapter 2).

    Args:
        history: a ``keras.callbacks.History`` or its ``.history`` dict holding
            ``train_accuracy`` and ``test_accuracy`` (as recorded by
            :class:`~ensemble_lib.training.AccuracyCurves`).
        ax: the matplotlib ``Axes`` to draw on; ``None`` (default) for a new figure.
        references: maps a label to the height of a horizontal reference line.
        ylim: the y-axis limits ``(low, high)``; ``None``: matplotlib's own.

    Returns:
        The axes.

    Raises:
        ValueError: if ``history`` lacks ``train_accuracy`` or ``test_accuracy``.
        TypeError: if ``ax`` is not an ``Axes``.
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
    """Single checkpoints as dots, averaged models as lines, against n, the number of members (chapter 3).

    Args:
        single: ``single[k]`` scores the (k+1)-th most recent checkpoint alone.
        averaged: maps a label (a scheme name picks its colour from ``SCHEME_COLORS``) to the
            scores of the averages of the first 1, 2, ... members, one per entry of ``single``.
        ax: the matplotlib ``Axes`` to draw on; ``None`` (default) for a new figure.
        n: the x values (default 1, 2, ...), one per entry of ``single``.
        references: maps a label to the height of a horizontal reference line.
        ylabel: the y-axis label.

    Returns:
        The axes.

    Raises:
        TypeError: if ``averaged`` is not a mapping, ``ax`` is not an ``Axes``, or ``single``,
            ``n`` or a list of scores does not hold numbers.
        ValueError: if ``single``, ``n`` or a list of scores is not finite, or their lengths differ.
    """
    single = check_numeric_array(single, "single").astype(np.float64)
    if not isinstance(averaged, Mapping):
        raise TypeError(f"averaged must map a label to scores, got {type(averaged).__name__}")
    n = np.arange(1, len(single) + 1) if n is None else check_numeric_array(n, "n")
    if n.shape != single.shape:
        raise ValueError(f"n and single must have the same length, got {n.shape} and {single.shape}")
    others = [label for label in averaged if label not in SCHEME_COLORS]
    if len(others) > len(CLASS_COLORS):
        raise ValueError(
            f"averaged may hold at most {len(CLASS_COLORS)} labels besides the scheme names {list(SCHEME_COLORS)}"
            f" (one colour each), got {len(others)}: {others}"
        )
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
    """One row per label: the mean as a dot and its confidence interval as a bar (chapter 6).

    Args:
        intervals: maps a label to an :class:`~ensemble_lib.statistics.Interval` (anything with
            ``mean``, ``low`` and ``high``); rows are drawn top to bottom in the order given.
        ax: the matplotlib ``Axes`` to draw on; ``None`` (default) for a new figure.
        reference: where a vertical line is drawn (``None``: no line).
        xlabel: the x-axis label.

    Returns:
        The axes.

    Raises:
        ValueError: if ``intervals`` is empty, or an interval's numbers are not finite.
        TypeError: if an interval lacks ``mean``, ``low`` or ``high``, or they are not numbers, or
            ``ax`` is not an ``Axes``.
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
