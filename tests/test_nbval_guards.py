"""nbval really guards the published outputs: tamper with one stored number and one plotted line
of a chapter, re-run it, and both cells must fail (and only those). Run by ``make reproducibility``."""

import json
import re
import subprocess

import pytest
from conftest import BOOK, NBVAL, ROOT

CHAPTER = BOOK / "01_blobs.ipynb"  # the fastest chapter with both printed numbers and figures


def _tamper(notebook):
    """Change one digit of the Bayes accuracy on the test points, in the table that shows it (its
    text and its HTML alike), and one coordinate of the first figure's first plotted path; return
    the indices of the two cells changed."""
    number_cell = figure_cell = None

    def bump(text):
        """The first digit after the row name, plus one (mod 10)."""
        changed = re.sub(
            r"(the 1000 test points\D*?0\.)(\d)",
            lambda m: m.group(1) + str((int(m.group(2)) + 1) % 10),
            text,
            count=1,
            flags=re.S,
        )
        assert changed != text
        return changed

    for index, cell in enumerate(notebook["cells"]):
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if number_cell is None and "the 1000 test points" in "".join(data.get("text/plain", "")):
                for kind in ("text/plain", "text/html"):
                    data[kind] = bump("".join(data[kind]))
                number_cell = index
            if figure_cell is None and "image/svg+xml" in data:
                svg = "".join(data["image/svg+xml"])
                # The first coordinate of the first path: move it by one unit.
                match = re.search(r'<path d="M ([0-9.]+) ', svg)
                moved = svg[: match.start(1)] + f"{float(match.group(1)) + 1:g}" + svg[match.end(1) :]
                data["image/svg+xml"] = moved
                figure_cell = index
    assert number_cell is not None and figure_cell is not None
    return {number_cell, figure_cell}


@pytest.mark.slow
def test_a_changed_number_or_plotted_line_fails(tmp_path):
    notebook = json.loads(CHAPTER.read_text())
    tampered = _tamper(notebook)
    copy = tmp_path / CHAPTER.name
    copy.write_text(json.dumps(notebook))
    result = subprocess.run(
        [
            *NBVAL,
            "--nbval-current-env",
            "--nbval-sanitize-with",
            str(ROOT / "tests" / "nbval_sanitize.cfg"),
            str(copy),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode != 0
    failed = {int(m) for m in re.findall(r"FAILED .*::Cell (\d+)", result.stdout)}
    # nbval numbers code cells only; map our cell indices to code-cell numbers.
    code_index = {i: n for n, i in enumerate(i for i, c in enumerate(notebook["cells"]) if c["cell_type"] == "code")}
    assert failed == {code_index[i] for i in tampered}, result.stdout[-3000:]
