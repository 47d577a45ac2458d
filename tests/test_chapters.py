"""The chapters as files: pairs in sync, executed once in order, figures captioned, comparable and
cited in the prose, papers cited from the bibliography.

nbval (``make notebooks``) re-runs the notebooks and compares their outputs; these checks make
sure what it compares against is honest.
"""

import json
import re

import jupytext
import pytest
from conftest import BOOK

# The numbered chapters, then the appendix: every notebook the book publishes.
CHAPTERS = sorted(BOOK.glob("[0-9][0-9]_*.ipynb"))
SCRIPTS = sorted(BOOK.glob("[0-9][0-9]_*.py")) + sorted(BOOK.glob("appendix_*.py"))
NOTEBOOKS = CHAPTERS + sorted(BOOK.glob("appendix_*.ipynb"))
FIGURE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")


def test_every_chapter_is_a_pair():
    assert SCRIPTS, "no chapters found in book/"
    assert [p.stem for p in SCRIPTS] == [p.stem for p in NOTEBOOKS]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_script_and_notebook_hold_the_same_cells(script):
    from_script = jupytext.read(script)
    from_notebook = jupytext.read(script.with_suffix(".ipynb"))
    cells_s = [
        (c.cell_type, c.source.strip(), c.metadata.get("tags", []), c.metadata.get("mystnb")) for c in from_script.cells
    ]
    cells_n = [
        (c.cell_type, c.source.strip(), c.metadata.get("tags", []), c.metadata.get("mystnb"))
        for c in from_notebook.cells
    ]
    assert cells_s == cells_n, f"{script.name} and its .ipynb differ: run `make sync`"


def _notebook(path):
    return json.loads(path.read_text())


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_was_executed_once_top_to_bottom(notebook):
    """...and only the cells tagged raises-exception (the appendix's demonstrations) raised, each
    exactly once, as its last output."""
    code = [c for c in _notebook(notebook)["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    counts = [c["execution_count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), f"{notebook.name}: execution counts {counts}; run `make sync`"
    for cell in code:
        for out in cell["outputs"]:
            if out["output_type"] == "execute_result":
                assert out["execution_count"] == cell["execution_count"]
        errors = [out for out in cell["outputs"] if out["output_type"] == "error"]
        if "raises-exception" in cell["metadata"].get("tags", []):
            assert len(errors) == 1 and cell["outputs"][-1] is errors[0], (
                f"{notebook.name}: a raises-exception cell did not raise"
            )
        else:
            assert not errors, f"{notebook.name}: a cell raised {errors[0].get('ename')}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_empty_outputs_stored(notebook):
    """A finished progress line (ensemble_lib.TrainingProgress) leaves an empty display; `make sync` drops it."""
    for cell in _notebook(notebook)["cells"]:
        for out in cell.get("outputs", []):
            assert out["output_type"] != "display_data" or out["data"], (
                f"{notebook.name}: an empty display; run `make sync`"
            )


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_figures_are_svg_and_captioned(notebook):
    """nbval does not compare PNG images; SVG is text and it compares it exactly."""
    n_figures = 0
    for cell in _notebook(notebook)["cells"]:
        if cell["cell_type"] != "code":
            continue
        images = [t for out in cell["outputs"] for t in out.get("data", {}) if t in FIGURE_TYPES]
        if not images:
            continue
        n_figures += 1
        assert set(images) == {"image/svg+xml"}, f"{notebook.name}: figure stored as {images}, not SVG only"
        figure = cell["metadata"].get("mystnb", {}).get("figure", {})
        assert figure.get("caption", "").strip(), f"{notebook.name}: a figure has no caption"
        assert figure.get("name", "").startswith("fig-"), f"{notebook.name}: a figure has no fig- name to cite"
        svg = "".join(
            "".join(out["data"]["image/svg+xml"]) for out in cell["outputs"] if "image/svg+xml" in out.get("data", {})
        )
        assert "<dc:date>" not in svg, f"{notebook.name}: a figure records the date it was drawn"
    assert n_figures >= 1, f"{notebook.name} has no figure"


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_figures_share_the_book_style(notebook):
    """One look across chapters: every chapter applies ensemble_lib's style before its first figure."""
    cells = [c for c in _notebook(notebook)["cells"] if c["cell_type"] == "code"]
    styled = [i for i, c in enumerate(cells) if "el.use_book_style()" in "".join(c["source"])]
    drawn = [i for i, c in enumerate(cells) if any("image/svg+xml" in o.get("data", {}) for o in c["outputs"])]
    assert styled and drawn and styled[0] < drawn[0], (
        f"{notebook.name}: el.use_book_style() is not called before the first figure"
    )


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_every_figure_is_cited_in_the_prose(notebook):
    cells = _notebook(notebook)["cells"]
    markdown = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    cited = set(re.findall(r"\{numref\}`(?:[^`<]*<)?(fig-[\w-]+)>?`", markdown))
    names = [c["metadata"]["mystnb"]["figure"]["name"] for c in cells if "figure" in c["metadata"].get("mystnb", {})]
    assert [n for n in names if n not in cited] == [], f"{notebook.name}: figures no {{numref}} points to"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_says_what_it_teaches_and_sums_up(notebook):
    cells = _notebook(notebook)["cells"]
    opening = "".join(cells[0]["source"])
    assert cells[0]["cell_type"] == "markdown", f"{notebook.name}: does not open with text"
    assert any(line.startswith("# ") for line in opening.splitlines()), f"{notebook.name}: no title in the first cell"
    kind = "chapter" if notebook in CHAPTERS else "appendix"
    assert f"In this {kind} you will" in opening, f"{notebook.name}: the first cell does not say what it teaches"
    markdown = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    assert "## Summary" in markdown, f"{notebook.name}: no summary section"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_stderr_chatter_in_published_outputs(notebook):
    for cell in _notebook(notebook)["cells"]:
        for out in cell.get("outputs", []):
            assert not (out["output_type"] == "stream" and out["name"] == "stderr"), (
                f"{notebook.name}: stderr output {''.join(out['text'])[:200]!r}"
            )


def test_every_reference_is_cited_and_every_citation_has_a_reference():
    entries = set(re.findall(r"^@\w+\{([^,\s]+),", (BOOK / "references.bib").read_text(), flags=re.MULTILINE))
    texts = [p.read_text() for p in SCRIPTS] + [p.read_text() for p in BOOK.glob("*.md")]
    cited = {
        key.strip()
        for text in texts
        for keys in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", text)
        for key in keys.split(",")
    }
    assert entries, "book/references.bib has no entries"
    assert cited - entries == set(), "cited but not in book/references.bib"
    assert entries - cited == set(), "in book/references.bib but cited nowhere"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_table_is_shown(notebook):
    """A table (``el.table``, ``el.paired_table``, ``verdicts.table()``) shows only as the last
    expression of its cell (or through display):
    one written before other statements would be computed and silently not shown."""
    import ast

    for cell in _notebook(notebook)["cells"]:
        if cell["cell_type"] != "code":
            continue
        try:
            body = ast.parse("".join(cell["source"])).body
        except SyntaxError:  # the appendix shows code that does not parse, on purpose
            continue
        for statement in body[:-1]:
            is_table = (
                isinstance(statement, ast.Expr)
                and isinstance(statement.value, ast.Call)
                and ast.unparse(statement.value.func) in ("el.table", "el.paired_table", "verdicts.table")
            )
            assert not is_table, (
                f"{notebook.name}: the el.table(...) at line {statement.lineno} of the cell starting "
                f"{cell['source'][0].strip()!r} is not its last line, so it is never shown"
            )


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_ends_with_exercises_and_their_solutions(notebook):
    """Two to four exercises per chapter, each with a solution folded away (a dropdown), at least
    one solution running code: code cells between ``solution-start`` and ``solution-end``, which
    nbval executes and compares like every other cell."""
    cells = _notebook(notebook)["cells"]
    text = ["".join(c["source"]) for c in cells]
    exercises = [label for t in text for label in re.findall(r"```\{exercise\}[^\n]*\n:label: (\S+)", t)]
    assert 2 <= len(exercises) <= 4, f"{notebook.name}: {len(exercises)} exercises"
    solutions = {}
    current = None
    for cell, source in zip(cells, text):
        for label in re.findall(r"```\{solution-start\} (\S+)\n:class: dropdown\n```", source):
            current = label
            solutions[label] = 0
        if cell["cell_type"] == "code" and current is not None:
            solutions[current] += 1
        if "```{solution-end}" in source:
            current = None
    assert current is None, f"{notebook.name}: a solution-start without its solution-end"
    assert sorted(solutions) == sorted(exercises), (
        f"{notebook.name}: exercises {exercises}, folded solutions {solutions}"
    )
    assert any(solutions.values()), f"{notebook.name}: no solution runs code"
