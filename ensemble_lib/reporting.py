"""How a chapter shows its results: tables of numbers, and values quoted in the text.

Introduced in chapter 1 (the blobs problem); every chapter uses both.

:func:`table` turns columns of results into a :class:`pandas.DataFrame` of formatted cells, the
first column naming the rows. Jupyter and the book show it as an HTML table that fits the text
column, and its cells read exactly like the numbers quoted in the prose, because both are
formatted by Python's own ``format`` with the same format specs. (pandas would round floats for
display with its own code, whose last digit can differ from ``format``'s at a tie.)

:func:`glue` records a value for the book's text: a sentence in a chapter's markdown quotes it
with ``{glue:text}`name:.3f```, so the number in the prose is the number the code computed. It
is MyST-NB's ``glue`` when the book's toolchain is installed and the same record written by hand
when it is not, so a chapter runs in any Jupyter with ``pip install`` of this package only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

__all__ = ["glue", "paired_table", "table"]


def _formats_itself(value) -> bool:
    """Whether ``value``'s class defines its own ``format``, as :class:`~ensemble_lib.statistics.Interval` does."""
    return type(value).__format__ is not object.__format__ and not isinstance(value, (list, tuple, dict))


def _cell(value, spec: str | None, where: str) -> str:
    """One table cell as text: ``format(value, spec)``, ``str`` for ints and text, ``""`` for None."""
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where} is a bool; write it as text (for example 'yes' or 'no')")
    if isinstance(value, (float, np.floating)) and not math.isfinite(value):
        raise ValueError(f"{where} must be a finite number, got {value}")
    if spec is None:
        if isinstance(value, (str, int, np.integer)):
            return str(value)
        if isinstance(value, (float, np.floating)) or _formats_itself(value):
            raise TypeError(f"{where} is a {type(value).__name__}; give its column a format in formats, such as '.3f'")
        raise TypeError(f"{where} must be a number, a str or None, got {type(value).__name__}")
    if not isinstance(value, (str, int, float, np.integer, np.floating)) and not _formats_itself(value):
        raise TypeError(f"{where} must be a number, a str or None, got {type(value).__name__}")
    try:
        return format(value, spec)
    except (ValueError, TypeError) as error:
        raise ValueError(f"{where}: format spec {spec!r} does not apply to {value!r} ({error})") from None


def table(columns: Mapping[str, Sequence], formats: Mapping[str, str] | None = None):
    """A table of results, ready to show: a DataFrame of formatted cells, rows named by the first column (chapter 1).

    Args:
        columns: the columns in order, each a name and a sequence of values of the same length
            (a list, tuple, NumPy array or pandas Series). The first column's values name the
            rows. A value is a number, a str, None for an empty cell, or an object that formats
            itself, such as a :class:`~ensemble_lib.statistics.Interval` (its mean and interval).
        formats: a format spec for ``format(value, spec)`` per column name, such as ``".3f"``,
            ``"+.4f"`` or ``".1%"``. A column holding floats must have one, so that no table
            shows a float's full ``repr``; ints and text may go without.

    Returns:
        A ``pandas.DataFrame`` of str cells, one row per entry, indexed by the first column's
        cells; the first column's name stands in the header's corner.

    Raises:
        TypeError: if ``columns`` is not a mapping of str names to sequences, if ``formats`` is
            not a mapping of str to str, or a cell is neither a number, a str nor None (a bool
            included), or a float lies in a column without a format.
        ValueError: if there are fewer than two columns, a column is empty or the lengths
            differ, ``formats`` names a column that is not there, a spec does not apply to a
            value, a float is NaN or infinite, or the table is larger than pandas shows in full:
            more rows than ``display.max_rows``, more columns than ``display.max_columns``, or a
            cell longer than ``display.max_colwidth`` (pandas would show "..." instead).
    """
    import pandas as pd

    if not isinstance(columns, Mapping):
        raise TypeError(f"columns must be a mapping of column names to sequences, got {type(columns).__name__}")
    if len(columns) < 2:
        raise ValueError(f"columns must hold at least two columns (row names, then values), got {len(columns)}")
    formats = {} if formats is None else formats
    if not isinstance(formats, Mapping):
        raise TypeError(f"formats must be a mapping of column names to format specs, got {type(formats).__name__}")
    for name, spec in formats.items():
        if name not in columns:
            raise ValueError(f"formats names a column that columns does not have: {name!r}")
        if not isinstance(spec, str):
            raise TypeError(f"formats[{name!r}] must be a str format spec, got {type(spec).__name__}")
    cells = {}
    length = None
    for name, values in columns.items():
        if not isinstance(name, str):
            raise TypeError(f"columns: every column name must be a str, got {type(name).__name__}")
        if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray, pd.Series)):
            raise TypeError(f"columns[{name!r}] must be a sequence of values, got {type(values).__name__}")
        values = list(values)
        if not values:
            raise ValueError(f"columns[{name!r}] is empty; a table needs at least one row")
        if length is not None and len(values) != length:
            raise ValueError(f"columns[{name!r}] has {len(values)} values, the first column {length}")
        length = len(values)
        cells[name] = [_cell(v, formats.get(name), f"columns[{name!r}][{i}]") for i, v in enumerate(values)]
    # pandas shows a DataFrame cut short, with "..." in place of rows, columns or text, beyond
    # these limits: refuse instead, so that a table is shown whole or not at all.
    if pd.get_option("display.max_rows") and length > pd.get_option("display.max_rows"):
        raise ValueError(
            f"the table has {length} rows, more than pandas shows in full "
            f"(display.max_rows = {pd.get_option('display.max_rows')}); show fewer rows"
        )
    # (0 or None: no limit; pandas in a terminal sets 0 and fits the columns to its width).
    if pd.get_option("display.max_columns") and len(cells) - 1 > pd.get_option("display.max_columns"):
        raise ValueError(
            f"the table has {len(cells) - 1} columns besides the row names, more than pandas shows in full "
            f"(display.max_columns = {pd.get_option('display.max_columns')}); show fewer columns"
        )
    widest = pd.get_option("display.max_colwidth")
    for name, column in cells.items():
        for text in column:
            if widest is not None and len(text) > widest:
                raise ValueError(
                    f"columns[{name!r}] holds {text!r}, {len(text)} characters: pandas would cut it at "
                    f"{widest} (display.max_colwidth); write it shorter"
                )
    first, *rest = cells
    frame = pd.DataFrame({name: cells[name] for name in rest}, index=pd.Index(cells[first]))
    frame.columns.name = first
    return frame


def paired_table(
    comparisons, measures, baseline: str, means=None, label: str = "method", p_value: bool = False, formats=None
):
    """Each method against a baseline, seed by seed, as a :func:`table` (chapter 8).

    One row per method: for each measure, the mean paired difference ``method - baseline`` with
    its 95% interval, and for the first measure on how many seeds the method won, tied and lost.
    The baseline's row comes first, with plain columns only.

    Args:
        comparisons: a mapping of method names to tuples of
            :class:`~ensemble_lib.statistics.PairedComparison`, one per measure.
        measures: the measures' names, such as ``("accuracy", "log-loss")``.
        baseline: the baseline's name, for its row.
        means: optional plain columns, shown after the names: a mapping of column names to
            mappings of row names (the baseline's included, and rows of other models that are
            not compared) to numbers or intervals, shown to 4 decimals unless ``formats`` says
            otherwise; a row a column does not name gets an empty cell.
        label: the header of the names' column.
        p_value: whether to show the first measure's paired t-test p-value (unadjusted).
        formats: format specs for the ``means`` columns, by column name.

    Returns:
        A ``pandas.DataFrame``, as :func:`table` returns.

    Raises:
        TypeError: if ``comparisons`` or ``means`` is not a mapping, or a comparison is not a
            tuple of ``PairedComparison``.
        ValueError: if there are no comparisons or a tuple's length is not the number of
            measures; and whatever :func:`table` refuses.
    """
    from .statistics import PairedComparison

    if not isinstance(comparisons, Mapping) or not comparisons:
        raise TypeError("comparisons must be a non-empty mapping of method names to tuples of PairedComparison")
    measures = tuple(measures)
    for name, row in comparisons.items():
        if not isinstance(row, (tuple, list)) or not all(isinstance(c, PairedComparison) for c in row):
            raise TypeError(f"comparisons[{name!r}] must be a tuple of PairedComparison, one per measure")
        if len(row) != len(measures):
            raise ValueError(f"comparisons[{name!r}] holds {len(row)} comparisons for {len(measures)} measures")
    if formats is not None and not isinstance(formats, Mapping):
        raise TypeError(f"formats must be a mapping of column names to format specs, got {type(formats).__name__}")
    means = {} if means is None else means
    if not isinstance(means, Mapping) or not all(isinstance(v, Mapping) for v in means.values()):
        raise TypeError("means must be a mapping of column names to mappings of row names to numbers")
    # The baseline first, then the comparisons, then any other rows the means name.
    others = [n for values in means.values() for n in values if n != baseline and n not in comparisons]
    names = [baseline, *comparisons, *dict.fromkeys(others)]
    rows = [comparisons.get(n) for n in names]
    columns = {label: names}
    for column, values in means.items():
        columns[column] = [values.get(n) for n in names]
    for j, measure in enumerate(measures):
        columns[f"{measure} vs baseline [95% CI]"] = [None if r is None else r[j].difference for r in rows]
        if j == 0 and p_value:
            columns["p"] = [None if r is None else r[0].p_value for r in rows]
        if j == 0:
            columns["won/tied/lost"] = [None if r is None else f"{r[0].better}/{r[0].tied}/{r[0].worse}" for r in rows]
    specs = {column: ".4f" for column in means} | dict(formats or {}) | {"p": ".3f"}
    specs |= {f"{m} vs baseline [95% CI]": "+.4f" for m in measures}
    return table(columns, formats={k: v for k, v in specs.items() if k in columns})


def _display_record(name: str, value) -> None:
    """MyST-NB's glue record, written by hand: the value's display data under the record's mime prefix."""
    from IPython.core.formatters import format_display_data
    from IPython.display import display

    bundle, metadata = format_display_data(value)
    prefix = "application/papermill.record/"
    metadata["scrapbook"] = {"name": name, "mime_prefix": prefix}
    display({prefix + key: data for key, data in bundle.items()}, raw=True, metadata=metadata)


def glue(name: str, value) -> None:
    """Record ``value`` under ``name`` for the book's text, without showing it (chapter 1).

    A markdown cell of the same chapter quotes it with ``{glue:text}`name```, optionally with a
    format: ``{glue:text}`name:.3f```. The book shows the value as Python formats it, so it
    must be a plain Python value: a NumPy scalar would print as ``np.float64(0.812)``.

    Args:
        name: the name the text uses: letters, digits and underscores, not starting with a digit.
        value: an int, a float (finite) or a str; not a bool, not a NumPy scalar (``float(x)``
            or ``int(x)`` turns one into a plain value).

    Raises:
        TypeError: if ``name`` is not a str or ``value`` is not an int, float or str.
        ValueError: if ``name`` is not an identifier or ``value`` is NaN or infinite.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    if not name.isidentifier():
        raise ValueError(f"name must be letters, digits and underscores, not starting with a digit, got {name!r}")
    if isinstance(value, (np.generic, np.ndarray)):
        raise TypeError(
            f"value must be a plain Python int, float or str, got the NumPy {type(value).__name__}; "
            "pass float(value) or int(value)"
        )
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError(f"value must be an int, a float or a str, got {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"value must be finite, got {value}")
    try:
        from myst_nb import glue as myst_glue
    except ImportError:  # no book toolchain (plain Jupyter, Colab): the same record by hand
        _display_record(name, value)
    else:
        myst_glue(name, value, display=False)
