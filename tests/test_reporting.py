"""el.table and el.glue: what a chapter shows, and what its text quotes."""

import builtins
import math

import ensemble_lib as el

import myst_nb.ext.glue
import numpy as np
import pandas as pd
import pytest


def test_table_formats_each_column_with_python_format():
    frame = el.table(
        {"method": ["final", "average"], "accuracy": [0.8125, np.float32(0.5)], "n": [1, np.int64(10)]},
        formats={"accuracy": ".3f"},
    )
    assert list(frame.columns) == ["accuracy", "n"]
    assert frame.columns.name == "method"
    assert list(frame.index) == ["final", "average"]
    # format(), not pandas's rounding: 0.8125 is a tie, and format() rounds it to even.
    assert frame.loc["final", "accuracy"] == format(0.8125, ".3f") == "0.812"
    assert frame.loc["average", "accuracy"] == "0.500"
    assert list(frame["n"]) == ["1", "10"]


def test_table_none_is_an_empty_cell_and_the_html_is_deterministic():
    columns = {"method": ["a", "b"], "difference": [None, -0.0125]}
    frame = el.table(columns, formats={"difference": "+.4f"})
    assert list(frame["difference"]) == ["", "-0.0125"]
    assert frame._repr_html_() == el.table(columns, formats={"difference": "+.4f"})._repr_html_()
    assert "<th>method</th>" in frame.to_html()


def test_table_formats_the_row_names_too():
    frame = el.table({"rate": [0.1, 0.05], "epochs": [10, 20]}, formats={"rate": "g"})
    assert list(frame.index) == ["0.1", "0.05"]


@pytest.mark.parametrize(
    ("columns", "formats", "error", "words"),
    [
        ([("a", [1])], None, TypeError, "columns must be a mapping"),
        ({"a": [1]}, None, ValueError, "at least two columns"),
        ({"a": [1], "b": [0.5]}, None, TypeError, "give its column a format"),
        ({"a": [1], "b": [math.nan]}, {"b": ".3f"}, ValueError, "finite"),
        ({"a": [1], "b": [True]}, None, TypeError, "bool"),
        ({"a": [1], "b": [[1, 2]]}, None, TypeError, "a number, a str or None"),
        ({"a": [1], "b": [object()]}, {"b": ".3f"}, TypeError, "a number, a str or None"),
        ({"a": [1], "b": "xy"}, None, TypeError, "sequence"),
        ({"a": [1], "b": 3}, None, TypeError, "sequence"),
        ({"a": [1], "b": []}, None, ValueError, "empty"),
        ({"a": [1, 2], "b": [1]}, None, ValueError, "has 1 values"),
        ({"a": [1], 2: [1]}, None, TypeError, "column name"),
        ({"a": [1], "b": [1]}, {"c": ".3f"}, ValueError, "'c'"),
        ({"a": [1], "b": [1]}, {"b": 3}, TypeError, "formats['b']"),
        ({"a": [1], "b": [1]}, [("b", ".3f")], TypeError, "formats must be a mapping"),
        ({"a": [1], "b": ["text"]}, {"b": ".3f"}, ValueError, "does not apply"),
    ],
)
def test_table_refuses_bad_input(columns, formats, error, words):
    with pytest.raises(error, match=words.replace("[", r"\[").replace("]", r"\]")):
        el.table(columns, formats)


def test_table_refuses_more_rows_than_pandas_shows():
    rows = pd.get_option("display.max_rows") + 1
    with pytest.raises(ValueError, match="display.max_rows"):
        el.table({"n": list(range(rows)), "x": list(range(rows))})
    assert len(el.table({"n": list(range(rows - 1)), "x": list(range(rows - 1))})) == rows - 1


def _recorded(monkeypatch, target, attribute):
    calls = []
    monkeypatch.setattr(target, attribute, lambda *args, **kwargs: calls.append((args, kwargs)))
    return calls


@pytest.mark.parametrize("value", [0.8125, 7, "helps"])
def test_glue_without_myst_nb_writes_myst_nbs_own_record(monkeypatch, value):
    """With MyST-NB, el.glue is its glue; without it (plain Jupyter), the record is the same."""
    with_myst = _recorded(monkeypatch, myst_nb.ext.glue, "ipy_display")
    el.glue("name", value)
    import IPython.display

    without = _recorded(monkeypatch, IPython.display, "display")
    real_import = builtins.__import__

    def no_myst_nb(name, *args, **kwargs):
        if name == "myst_nb" or name.startswith("myst_nb."):
            raise ImportError("no myst_nb here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_myst_nb)
    el.glue("name", value)
    assert len(with_myst) == len(without) == 1
    assert with_myst == without
    (bundle,), keywords = without[0]
    assert keywords["metadata"]["scrapbook"] == {"name": "name", "mime_prefix": "application/papermill.record/"}
    assert bundle["application/papermill.record/text/plain"] == repr(value)


@pytest.mark.parametrize(
    ("name", "value", "error", "words"),
    [
        (3, 1.0, TypeError, "name must be a str"),
        ("two words", 1.0, ValueError, "name must be letters"),
        ("x", np.float64(0.5), TypeError, "float\\(value\\)"),
        ("x", np.int64(5), TypeError, "NumPy"),
        ("x", np.array(0.5), TypeError, "NumPy"),
        ("x", True, TypeError, "bool"),
        ("x", [1, 2], TypeError, "an int, a float or a str"),
        ("x", math.inf, ValueError, "finite"),
    ],
)
def test_glue_refuses_values_the_text_would_misquote(monkeypatch, name, value, error, words):
    calls = _recorded(monkeypatch, myst_nb.ext.glue, "ipy_display")
    with pytest.raises(error, match=words):
        el.glue(name, value)
    assert calls == []


def test_an_interval_is_a_cell_formatted_by_its_own_format():
    interval = el.mean_interval([0.1, 0.2, 0.3])
    assert format(interval, "+.4f") == "+0.2000 [-0.0484, +0.4484]"
    assert format(interval, "") == str(interval)
    frame = el.table({"method": ["a"], "difference": [interval]}, formats={"difference": ".3f"})
    assert frame.loc["a", "difference"] == "0.200 [-0.048, 0.448]"
    with pytest.raises(TypeError, match="give its column a format"):
        el.table({"method": ["a"], "difference": [interval]})
    # NumPy integers are plain cells, not objects that need a format.
    assert el.table({"n": [np.int64(3)], "m": [np.int32(4)]}).loc["3", "m"] == "4"


def test_table_refuses_what_pandas_would_cut():
    widest = pd.get_option("display.max_colwidth")
    with pytest.raises(ValueError, match="max_colwidth"):
        el.table({"method": ["x" * (widest + 1)], "score": [1]})
    assert len(el.table({"method": ["x" * widest], "score": [1]}).index[0]) == widest
    many = {"n": [1], **{f"c{k}": [k] for k in range(21)}}
    with pd.option_context("display.max_columns", 20), pytest.raises(ValueError, match="max_columns"):
        el.table(many)
    with pd.option_context("display.max_columns", 0):  # no limit, as in a terminal
        assert len(el.table(many).columns) == 21


def _comparisons():
    rng = np.random.default_rng(0)
    base = rng.normal(0.8, 0.01, 20)
    return base, {
        "better": (el.paired_comparison(base + 0.01, base), el.paired_comparison(base - 0.02, base)),
        "same": (el.paired_comparison(base + rng.normal(0, 1e-3, 20), base),
                 el.paired_comparison(base + rng.normal(0, 1e-3, 20), base)),
    }  # fmt: skip


def test_paired_table_puts_the_baseline_first_and_each_difference_beside_its_interval():
    base, comparisons = _comparisons()
    frame = el.paired_table(comparisons, ("accuracy", "log-loss"), baseline="baseline",
                            means={"mean accuracy": {"baseline": 0.8, "better": 0.81}})  # fmt: skip
    assert list(frame.index) == ["baseline", "better", "same"]
    assert list(frame.columns) == [
        "mean accuracy", "accuracy vs baseline [95% CI]", "won/tied/lost", "log-loss vs baseline [95% CI]"
    ]  # fmt: skip
    assert frame.loc["baseline", "accuracy vs baseline [95% CI]"] == ""
    assert frame.loc["better", "accuracy vs baseline [95% CI]"] == format(comparisons["better"][0].difference, "+.4f")
    assert frame.loc["better", "won/tied/lost"] == "20/0/0"
    assert frame.loc["same", "mean accuracy"] == ""  # a row the column does not name


def test_holm_verdicts_adjust_the_whole_family_and_name_each_result():
    _, comparisons = _comparisons()
    verdicts = el.holm_verdicts(comparisons, ("accuracy", "log-loss"), (False, True))
    assert verdicts.words["better"] == ("helps", "helps")  # lower log-loss is better
    assert verdicts.words["same"][0] == "no detectable effect"
    raw = [comparisons[n][j].p_value for j in range(2) for n in comparisons]
    assert list(verdicts.t.values()) == pytest.approx(list(el.holm(raw)))
    frame = verdicts.table()
    assert list(frame.columns)[0] == "accuracy: verdict" and frame.loc["better", "log-loss: verdict"] == "helps"


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda c: el.paired_table([], ("a",), baseline="b"), TypeError, "non-empty mapping"),
        (lambda c: el.paired_table({"x": (c["better"][0],)}, ("a", "b"), baseline="b"), ValueError, "2 measures"),
        (lambda c: el.paired_table({"x": (0.1,)}, ("a",), baseline="b"), TypeError, "PairedComparison"),
        (lambda c: el.paired_table(c, ("a", "b"), baseline="b", means=[1]), TypeError, "means"),
        (lambda c: el.holm_verdicts({}, ("a",), (False,)), ValueError, "empty"),
        (lambda c: el.holm_verdicts(c, ("a", "b"), (False,)), ValueError, "1 flags for 2 measures"),
        (lambda c: el.holm_verdicts(c, ("a", "b"), (False, "yes")), TypeError, "bool"),
        (lambda c: el.holm_verdicts({"x": "ab"}, ("a", "b"), (False, True)), TypeError, "PairedComparison"),
    ],
)
def test_paired_table_and_holm_verdicts_refuse_bad_input(call, error, words):
    _, comparisons = _comparisons()
    with pytest.raises(error, match=words):
        call(comparisons)


def test_paired_table_shows_p_values_and_rows_that_are_not_compared():
    base, comparisons = _comparisons()
    frame = el.paired_table(
        comparisons, ("accuracy", "log-loss"), baseline="baseline", p_value=True,
        means={"share": {"better": 0.25, "reference": 0.5}}, formats={"share": ".0%"},
    )  # fmt: skip
    assert list(frame.index) == ["baseline", "better", "same", "reference"]
    assert frame.loc["better", "p"] == format(comparisons["better"][0].p_value, ".3f")
    assert frame.loc["reference", "share"] == "50%" and frame.loc["reference", "p"] == ""
    with pytest.raises(TypeError, match="formats"):
        el.paired_table(comparisons, ("a", "b"), baseline="b", formats=[".1f"])
