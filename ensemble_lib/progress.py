"""A progress line for long training runs that leaves nothing behind in the notebook.

Introduced in chapter 2 (the MLP baseline), where the first 500-epoch runs take several seconds.

Keras's own progress bar (``verbose=1``) prints one line per epoch, or rewrites one line with
carriage returns, into the cell's stored output: 500 epochs of it would bury the results, and its
timings would differ on every run, so the notebook tests could not compare the output.
:class:`TrainingProgress` instead shows the progress in a *display* that it keeps updating in
place (``update_display_data``), and blanks when training ends. What a notebook stores is the
display's final state, an empty output, which the book does not render and which ``make sync``
drops; nbval, which ignores display updates, sees the same empty display when it re-runs the
cell. So the reader watches the epochs go by, and the published outputs stay exactly the results.

Outside Jupyter the line is written to the terminal (standard error), only when that is a
terminal, and erased at the end.
"""

from __future__ import annotations

import html
import sys
import time

import keras

from ._checks import check_positive

__all__ = ["TrainingProgress"]


def _kernel_display():
    """IPython's ``display`` when running in a Jupyter kernel, else ``None``."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython ships with the book's requirements
        return None
    shell = get_ipython()
    return display if getattr(shell, "kernel", None) is not None else None


class TrainingProgress(keras.callbacks.Callback):
    """Show ``label: epoch 123/500, 2.1 s`` while ``fit`` runs; erase it when ``fit`` ends (chapter 2).

    Pass it in ``fit(..., verbose=0, callbacks=[el.TrainingProgress("seed 1")])``. The line is
    refreshed at most every ``every`` seconds, so it costs nothing measurable, and it never
    touches the model: the training and its results are the same with or without it.

    Args:
        label: the text that starts the line.
        every: the least time between two refreshes, in seconds; positive.

    Raises:
        TypeError: if ``label`` is not a ``str`` or ``every`` not a number.
        ValueError: if ``every`` is not positive and finite.
    """

    def __init__(self, label: str = "training", every: float = 0.25):
        super().__init__()
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, got {type(label).__name__}")
        self.label = label
        self.every = check_positive(every, "every")
        self._handle = None
        self._terminal = False
        self._started = self._shown = 0.0
        self._width = 0

    def on_train_begin(self, logs=None):
        self._started = time.perf_counter()
        self._shown = self._started
        display = _kernel_display()
        if display is not None:
            # Opened empty: the stored output stays empty whatever the updates showed in between.
            self._handle = display({}, raw=True, display_id=True)
        else:
            self._terminal = bool(getattr(sys.stderr, "isatty", lambda: False)())

    def on_epoch_end(self, epoch, logs=None):
        now = time.perf_counter()
        if now - self._shown < self.every:
            return
        self._shown = now
        total = self.params.get("epochs") if self.params else None
        self._show(epoch + 1, total, now - self._started)

    def on_train_end(self, logs=None):
        if self._handle is not None:
            self._handle.update({}, raw=True)
            self._handle = None
        elif self._terminal:
            sys.stderr.write("\r" + " " * self._width + "\r")
            sys.stderr.flush()
            self._terminal = False

    def _show(self, done: int, total: int | None, seconds: float) -> None:
        of_total = f"/{total}" if total else ""
        text = f"{self.label}: epoch {done}{of_total}, {seconds:.1f} s"
        if self._handle is not None:
            bar = f'<progress value="{done}" max="{total}"></progress> ' if total else ""
            self._handle.update({"text/plain": text, "text/html": f"{bar}<code>{html.escape(text)}</code>"}, raw=True)
        elif self._terminal:
            self._width = max(self._width, len(text))
            sys.stderr.write("\r" + text.ljust(self._width))
            sys.stderr.flush()
