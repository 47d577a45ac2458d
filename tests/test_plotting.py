"""Figures: the book's style, deterministic SVG, and the plotting helpers (chapters 01 and 02)."""

import io

import matplotlib

matplotlib.use("Agg")
import ensemble_lib as el  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402


def _svg(problem):
    el.use_book_style()
    fig, ax = plt.subplots()
    bayes = el.BayesClassifier.for_problem(problem)
    bounds = el.data_bounds(problem.x_test)
    el.plot_decision_regions(bayes.predict, bounds, ax=ax, resolution=60)
    el.plot_blobs(problem.x_test, problem.y_test, ax=ax)
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    plt.close(fig)
    return buf.getvalue()


def test_figures_are_byte_for_byte_reproducible(problem):
    first, second = _svg(problem), _svg(problem)
    assert first == second
    assert "<dc:date>" not in first


def test_class_colours_are_used(problem):
    svg = _svg(problem)
    for color in el.CLASS_COLORS:
        assert color.lower() in svg.lower()


def test_learning_curves_need_both_curves():
    with pytest.raises(ValueError, match="history has no 'test_accuracy'"):
        el.plot_learning_curves({"train_accuracy": [0.5]})
    ax = el.plot_learning_curves(
        {"train_accuracy": [0.5, 0.6], "test_accuracy": [0.4, 0.7]}, references={"ceiling": 0.9}
    )
    assert [line.get_label() for line in ax.get_lines()] == ["train", "test", "ceiling"]
    np.testing.assert_array_equal(ax.get_lines()[1].get_ydata(), [0.4, 0.7])
    plt.close("all")


def test_plot_helpers_reject_bad_input(problem):
    with pytest.raises(ValueError, match=r"x must have shape \(n_points, 2\)"):
        el.plot_blobs(np.zeros((3, 3)), np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match="y must hold one label per point"):
        el.plot_blobs(np.zeros((3, 2)), np.zeros(4, dtype=int))
    with pytest.raises(ValueError, match="y must hold labels in 0..2"):
        el.plot_blobs(np.zeros((1, 2)), np.array([5]))
    with pytest.raises(TypeError, match="predict must be callable"):
        el.plot_decision_regions(None, (0, 1, 0, 1))
    with pytest.raises(ValueError, match="bounds must be"):
        el.plot_decision_regions(lambda x: np.zeros(len(x)), (1, 0, 0, 1))
    with pytest.raises(ValueError, match="predict must return one label per point"):
        el.plot_decision_boundaries(lambda x: np.zeros(3), (0, 1, 0, 1))
    with pytest.raises(ValueError, match="resolution must be at least 10"):
        el.plot_decision_regions(lambda x: np.zeros(len(x)), (0, 1, 0, 1), resolution=2)
    with pytest.raises(TypeError, match="resolution must be an int"):
        el.plot_decision_regions(lambda x: np.zeros(len(x)), (0, 1, 0, 1), resolution=20.0)
    with pytest.raises(ValueError, match="at least one array"):
        el.data_bounds()
    with pytest.raises(ValueError, match=r"arrays\[0\] must hold 2-D points"):
        el.data_bounds(np.zeros((2, 3)))  # three columns are not points of the plane
    with pytest.raises(ValueError, match="at most 3 labels besides the scheme names"):
        el.plot_members([1.0, 2.0], {k: [1.0, 2.0] for k in ("a", "b", "c", "d")})
    plt.close("all")


def test_plot_intervals_draws_one_row_per_label():
    rows = {"a": el.mean_interval([0.1, 0.2, 0.15]), "b": el.mean_interval([0.3, 0.2, 0.25])}
    ax = el.plot_intervals(rows, xlabel="difference")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]
    assert list(ax.get_yticks()) == [1, 0]  # the first label on top
    assert ax.get_xlabel() == "difference"
    with pytest.raises(ValueError, match="intervals is empty"):
        el.plot_intervals({})
    with pytest.raises(TypeError, match="must have mean, low and high"):
        el.plot_intervals({"a": 1.0})
