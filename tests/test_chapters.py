"""The chapters as files: pairs in sync, executed once in order, figures captioned and comparable.

nbval (``make notebooks``) re-runs the notebooks and compares their outputs; these checks make
sure what it compares against is honest.
"""

import json

import jupytext
import pytest

from conftest import BOOK

SCRIPTS = sorted(BOOK.glob("[0-9][0-9]_*.py"))
NOTEBOOKS = sorted(BOOK.glob("[0-9][0-9]_*.ipynb"))
FIGURE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")


def test_every_chapter_is_a_pair():
    assert SCRIPTS, "no chapters found in book/"
    assert [p.stem for p in SCRIPTS] == [p.stem for p in NOTEBOOKS]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_script_and_notebook_hold_the_same_cells(script):
    from_script = jupytext.read(script)
    from_notebook = jupytext.read(script.with_suffix(".ipynb"))
    cells_s = [(c.cell_type, c.source.strip(), c.metadata.get("tags", []), c.metadata.get("mystnb")) for c in from_script.cells]
    cells_n = [(c.cell_type, c.source.strip(), c.metadata.get("tags", []), c.metadata.get("mystnb")) for c in from_notebook.cells]
    assert cells_s == cells_n, f"{script.name} and its .ipynb differ: run `make sync`"


def _notebook(path):
    return json.loads(path.read_text())


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_was_executed_once_top_to_bottom(notebook):
    code = [c for c in _notebook(notebook)["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    counts = [c["execution_count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), f"{notebook.name}: execution counts {counts}; run `make sync`"
    for cell in code:
        for out in cell["outputs"]:
            if out["output_type"] == "execute_result":
                assert out["execution_count"] == cell["execution_count"]
            assert out["output_type"] != "error", f"{notebook.name}: a cell raised {out.get('ename')}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
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
        svg = "".join("".join(out["data"]["image/svg+xml"]) for out in cell["outputs"] if "image/svg+xml" in out.get("data", {}))
        assert "<dc:date>" not in svg, f"{notebook.name}: a figure records the date it was drawn"
    assert n_figures >= 1, f"{notebook.name} has no figure"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_says_what_it_teaches_and_sums_up(notebook):
    cells = _notebook(notebook)["cells"]
    opening = "".join(cells[0]["source"])
    assert cells[0]["cell_type"] == "markdown", f"{notebook.name}: does not open with text"
    assert any(line.startswith("# ") for line in opening.splitlines()), f"{notebook.name}: no title in the first cell"
    assert "In this chapter you will" in opening, f"{notebook.name}: the first cell does not say what it teaches"
    markdown = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    assert "## Summary" in markdown, f"{notebook.name}: no summary section"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_stderr_chatter_in_published_outputs(notebook):
    for cell in _notebook(notebook)["cells"]:
        for out in cell.get("outputs", []):
            assert not (out["output_type"] == "stream" and out["name"] == "stderr"), (
                f"{notebook.name}: stderr output {''.join(out['text'])[:200]!r}"
            )
