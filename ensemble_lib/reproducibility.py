"""One numeric path for every machine: seeds, op determinism, a CPU-independent kernel choice.

Introduced in chapter 02 (the MLP baseline); every chapter that trains calls :func:`reproducible`.

Three things can make the same training script print different numbers on two computers:

* unseeded randomness (initial weights, the order of the mini-batches);
* kernels chosen at run time from the CPU's instruction set: TensorFlow hands matrix products to
  oneDNN, which picks AVX-512, AVX2 or SSE code paths on the fly, and each rounds a little
  differently;
* reductions split across a number of threads that depends on the machine's core count.

A few ulps of difference are harmless once, but 500 epochs of SGD amplify them until a test
accuracy changes in the third digit. So this module disables oneDNN, both its custom ops and the
oneDNN matrix-multiply kernel that TensorFlow's Eigen products use by default (TensorFlow then
uses Eigen's own kernels, compiled once for plain AVX and identical on every x86-64 CPU that can
run the wheel), runs every op on one thread, and seeds everything. ``make reproducibility``
re-runs the chapters with oneDNN's instruction set capped to prove it: without the second switch,
a learning curve of chapter 02 came out different under ``ONEDNN_MAX_CPU_ISA=SSE41``.

The environment variables must be in place *before* TensorFlow is imported, which is why
``ensemble_lib`` imports this module first, and why a chapter imports ``ensemble_lib`` before
``keras`` or ``tensorflow``.
"""

from __future__ import annotations

import os
import sys

from ._checks import check_int

#: Environment TensorFlow reads once, when it is first imported.
TF_ENVIRONMENT = {
    # Keras 3 on the TensorFlow backend.
    "KERAS_BACKEND": "tensorflow",
    # oneDNN picks kernels by CPU instruction set: turn it off for one machine-independent path.
    "TF_ENABLE_ONEDNN_OPTS": "0",
    # Even with that, TensorFlow's Eigen matrix products call oneDNN's sgemm inside ("custom
    # contraction kernel"), which also dispatches on the CPU (FMA on AVX2 machines, none on
    # older ones). Use Eigen's own kernel, compiled once for every machine.
    "TENSORFLOW_USE_CUSTOM_CONTRACTION_KERNEL": "false",
    # Silence TensorFlow's C++ start-up chatter (INFO and WARNING) at the source.
    "TF_CPP_MIN_LOG_LEVEL": "2",
}

_already_imported = "tensorflow" in sys.modules
os.environ.update(TF_ENVIRONMENT)


def reproducible(seed: int) -> int:
    """Seed Python, NumPy and TensorFlow and pin TensorFlow to one deterministic numeric path.

    Introduced in chapter 02. Call it once at the top of a chapter, before building a model.
    It seeds the global generators (``keras.utils.set_random_seed``), turns on TensorFlow's op
    determinism and runs every op on a single thread (the model is tiny, so one thread is also
    the fastest). Returns ``seed`` so a chapter can write ``SEED = reproducible(0)``.

    Raises ``RuntimeError`` if TensorFlow was imported before ``ensemble_lib`` (then the
    environment above came too late to take effect).
    """
    seed = check_int(seed, "seed")
    if not 0 <= seed < 2**32:
        raise ValueError(f"seed must be in [0, 2**32), got {seed}")
    if _already_imported:
        raise RuntimeError(
            "tensorflow was imported before ensemble_lib, so its numeric path could not be fixed; "
            "restart the kernel and import ensemble_lib first"
        )
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:
        # The runtime has started (a second call in the same kernel): the threads were fixed by
        # the first call, unless TensorFlow was started elsewhere with other settings.
        if (
            tf.config.threading.get_intra_op_parallelism_threads() != 1
            or tf.config.threading.get_inter_op_parallelism_threads() != 1
        ):
            raise RuntimeError(
                "TensorFlow started with more than one thread before reproducible() was called; "
                "restart the kernel and call reproducible() before running any TensorFlow op"
            ) from None
    return seed
