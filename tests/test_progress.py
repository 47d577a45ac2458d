"""The training progress line: visible while a cell runs, absent from what the notebook stores,
and invisible to nbval (chapter 02)."""

import importlib.util
import io
import json
import subprocess
import sys

import ensemble_lib as el

import nbformat
import pytest
from conftest import NBVAL, ROOT
from nbclient import NotebookClient

TRAINING_CELL = """\
problem = el.load_blobs()
model = el.compile_sgd(el.build_mlp(seed=0))
y = el.one_hot(problem.y_train)
model.fit(
    el.training_dataset(problem.x_train, y, seed=0), epochs=40, steps_per_epoch=4, shuffle=False,
    verbose=0, callbacks=[el.TrainingProgress("demo", every=1e-6)],
)
print(f"test accuracy {el.accuracy(model, problem.x_test, problem.y_test):.3f}")
"""


def _sync_tool():
    spec = importlib.util.spec_from_file_location("sync_notebooks", ROOT / "tools" / "sync_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Recording(NotebookClient):
    """nbclient, as used by `make sync`, noting every iopub message it processes."""

    def process_message(self, msg, cell, cell_index):
        self.seen.append((msg["msg_type"], msg["content"]))
        return super().process_message(msg, cell, cell_index)


def test_rejects_bad_arguments():
    with pytest.raises(TypeError, match="label must be a str"):
        el.TrainingProgress(3)
    with pytest.raises(ValueError, match="every must be positive"):
        el.TrainingProgress("x", every=0)
    with pytest.raises(TypeError, match="every must be a number"):
        el.TrainingProgress("x", every="1")


def test_terminal_line_is_erased_at_the_end(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    progress = el.TrainingProgress("demo", every=1e-9)
    progress.set_params({"epochs": 3})
    progress.on_train_begin()
    for epoch in range(3):
        progress.on_epoch_end(epoch)
    progress.on_train_end()
    written = terminal.getvalue()
    assert "demo: epoch 3/3" in written
    assert written.endswith("\r" + " " * len(written.split("\r")[-2]) + "\r")


def test_progress_is_shown_then_leaves_no_output(tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [
        nbformat.v4.new_code_cell("import ensemble_lib as el\nSEED = el.reproducible(0)"),
        nbformat.v4.new_code_cell(TRAINING_CELL),
    ]
    client = _Recording(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    client.seen = []
    client.execute()

    # While it ran, the cell showed the epochs counting up...
    updates = [c["data"].get("text/plain", "") for t, c in client.seen if t == "update_display_data"]
    assert any(u.startswith("demo: epoch ") and "/40" in u for u in updates), updates
    assert updates[-1] == "", "the last update must blank the line"
    # ...and what is stored is one empty display, which `make sync` drops, then the result alone.
    outputs = notebook.cells[1].outputs
    assert [o.output_type for o in outputs] == ["display_data", "stream"]
    assert outputs[0].data == {}
    _sync_tool().drop_empty_displays(notebook)
    assert [o.output_type for o in notebook.cells[1].outputs] == ["stream"]
    assert notebook.cells[1].outputs[0].text.startswith("test accuracy 0.")

    # nbval re-runs the cell: it ignores display updates and compares equal with the stored
    # outputs, whether the empty display was dropped (make sync) or kept (saved from JupyterLab).
    cleaned = tmp_path / "cleaned.ipynb"
    nbformat.write(notebook, cleaned)
    kept = tmp_path / "kept.ipynb"
    with_display = json.loads(cleaned.read_text())
    with_display["cells"][1]["outputs"].insert(0, {"output_type": "display_data", "data": {}, "metadata": {}})
    kept.write_text(json.dumps(with_display))
    result = subprocess.run(
        [
            *NBVAL,
            "--nbval-current-env",
            str(cleaned),
            str(kept),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "4 passed" in result.stdout
