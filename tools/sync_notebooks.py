"""Rebuild each chapter's .ipynb from its .py (the source of truth) and execute it in a fresh kernel.

Usage: python tools/sync_notebooks.py [book/NN_name.py ...]   (default: every chapter and appendix)

The notebook is executed top to bottom, once, in a new kernel started in book/ (as nbval and a
reader's Jupyter do), and written atomically: an interrupted run leaves the old notebook intact.
Cell ids follow the cell's position, execution timestamps are not recorded and printed text is
stored in one piece per stream, so re-running an unchanged chapter rewrites the same file. Empty
displays are dropped: a training cell's progress line (ensemble_lib.TrainingProgress) ends as
one, and it is not part of the published result.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import jupytext
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"


def drop_empty_displays(notebook) -> None:
    """Remove display outputs with nothing left to show (a finished progress line)."""
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not (o.output_type == "display_data" and not o.get("data"))]


def coalesce_streams(notebook) -> None:
    """Join consecutive outputs of one stream: how a kernel splits printed text into messages depends
    on timing, so without this a re-run of an unchanged chapter could store the same text in other
    pieces. (nbval joins them the same way before it compares.)"""
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        joined = []
        for output in cell.outputs:
            previous = joined[-1] if joined else None
            if (
                output.output_type == "stream"
                and previous is not None
                and previous.output_type == "stream"
                and previous.name == output.name
            ):
                previous.text += output.text
            else:
                joined.append(output)
        cell.outputs = joined


def chapter_scripts() -> list[Path]:
    """Every chapter's and appendix's .py, in the book's file order."""
    return sorted(BOOK.glob("[0-9][0-9]_*.py")) + sorted(BOOK.glob("appendix_*.py"))


def sync(py_path: Path) -> None:
    notebook = jupytext.read(py_path)
    for index, cell in enumerate(notebook.cells):
        cell.id = f"cell-{index}"  # stable ids: re-syncing an unchanged chapter changes nothing
    started = time.perf_counter()
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(py_path.parent)}},
        record_timing=False,
    )
    client.execute()
    drop_empty_displays(notebook)
    coalesce_streams(notebook)
    elapsed = time.perf_counter() - started
    ipynb_path = py_path.with_suffix(".ipynb")
    fd, tmp = tempfile.mkstemp(dir=py_path.parent, prefix=".sync-", suffix=".ipynb")
    os.close(fd)
    try:
        jupytext.write(notebook, tmp, fmt="ipynb")
        os.replace(tmp, ipynb_path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    shown = ipynb_path.relative_to(ROOT) if ipynb_path.is_relative_to(ROOT) else ipynb_path
    print(f"{shown}: executed in {elapsed:.1f} s", flush=True)


def main(argv: list[str]) -> int:
    paths = [Path(a).resolve() for a in argv] or chapter_scripts()
    for path in paths:
        if path.suffix != ".py" or not path.is_file():
            print(f"not a chapter script: {path}", file=sys.stderr)
            return 2
        print(f"executing {path.name} in a fresh kernel ...", flush=True)
        sync(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
