"""One numeric path for every machine: seeds, op determinism, CPU-independent kernels.

Introduced in chapter 2 (the MLP baseline); every chapter that trains calls :func:`reproducible`.

Four things can make the same training script print different numbers on two computers:

* unseeded randomness (initial weights, the order of the mini-batches);
* kernels chosen at run time from the CPU's instruction set: TensorFlow hands matrix products to
  oneDNN, which picks AVX-512, AVX2 or SSE code paths on the fly; NumPy picks AVX-512, AVX2 or
  SSE loops for ``exp``, ``log`` and ``tanh``; OpenBLAS (behind NumPy's and SciPy's matrix
  products) picks a kernel per CPU model. Each rounds a little differently;
* instructions whose low bits the chip decides: the approximate reciprocal and reciprocal
  square root (``rcpps``, ``rsqrtps``) differ between CPU makers even at the same instruction
  set. TensorFlow's CPU ``Softmax``, ``Reciprocal`` and ``Rsqrt`` kernels use them, so the book's
  models never do (:mod:`ensemble_lib.exact` holds the exact replacements; a test rejects any
  such kernel in the traced training step and forward pass);
* reductions split across a number of threads that depends on the machine's core count.

A few ulps of difference are harmless once, but 500 epochs of SGD amplify them until a test
accuracy changes in the third digit. So this module, before TensorFlow and NumPy load, disables
oneDNN (its custom ops and the oneDNN matrix-multiply kernel that TensorFlow's Eigen products
use by default; TensorFlow then uses Eigen's own kernels, compiled once for every x86-64 CPU
that can run the wheel), keeps NumPy to its baseline (SSE3) loops, pins OpenBLAS to its
baseline ``Prescott`` kernels, runs every TensorFlow op on one thread and on the CPU (a GPU's
kernels round differently), turns off TensorFlow's graph rewrites (which would bring the
approximate instructions back into compiled functions), and seeds everything.

Checks in ``make test`` prove it. ``make reproducibility`` re-runs the chapters on one core with
oneDNN's instruction set capped. ``make emulated`` and ``make portability`` run a short training
run, then every chapter, in a Python on an emulated CPU (``qemu-x86_64 -cpu max``), whose
approximate instructions round differently from every real chip's and which has no AVX-512: a
second computer for free.

The environment variables must be in place *before* TensorFlow and NumPy are imported, which is
why ``ensemble_lib`` imports this module first, and why a chapter imports ``ensemble_lib`` before
``keras``, ``tensorflow`` or ``numpy``; :func:`reproducible` refuses to run when they came too late.
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

__all__ = ["reproducible"]

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

#: NumPy's run-time dispatched x86-64 features (NumPy 2.2); with all of them off, NumPy runs its
#: baseline SSE3 loops on every x86-64 CPU. Its AVX-512 float64 ``exp`` and ``log``, for one,
#: round differently from the others.
NUMPY_DISPATCHED_FEATURES = (
    "SSSE3 SSE41 POPCNT SSE42 AVX F16C FMA3 AVX2 AVX512F AVX512CD AVX512_KNL AVX512_KNM "
    "AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL AVX512_SPR"
).split()

#: Environment NumPy and OpenBLAS read once, when NumPy is first imported (x86-64 only).
NUMPY_ENVIRONMENT = {
    "NPY_DISABLE_CPU_FEATURES": ",".join(NUMPY_DISPATCHED_FEATURES),
    # OpenBLAS's oldest x86-64 kernels (SSE3), which every x86-64 CPU runs, instead of one per model.
    "OPENBLAS_CORETYPE": "Prescott",
}

_X86_64 = platform.machine().lower() in ("x86_64", "amd64")
_tensorflow_first = "tensorflow" in sys.modules
_numpy_first = "numpy" in sys.modules
os.environ.update(TF_ENVIRONMENT)
if _X86_64:
    os.environ.update(NUMPY_ENVIRONMENT)

from ._checks import check_seed  # noqa: E402  (imports NumPy: only now that its environment is set)


def _numpy_problems() -> list[str]:
    """What is not as :data:`NUMPY_ENVIRONMENT` asks in the NumPy loaded now (empty: all is well)."""
    if not _X86_64:
        return []
    from numpy._core._multiarray_umath import __cpu_features__

    used = [name for name in NUMPY_DISPATCHED_FEATURES if __cpu_features__.get(name)]
    problems = [f"NumPy dispatches to {', '.join(used)}"] if used else []
    from threadpoolctl import threadpool_info

    for pool in threadpool_info():
        # OpenBLAS names the kernel set it runs for OPENBLAS_CORETYPE=Prescott "Katmai".
        if pool.get("internal_api") == "openblas" and str(pool.get("architecture")).lower() not in (
            "prescott",
            "katmai",
        ):
            problems.append(f"OpenBLAS ({Path(pool['filepath']).name}) runs {pool.get('architecture')} kernels")
    return problems


def reproducible(seed: int) -> int:
    """Seed Python, NumPy and TensorFlow and pin TensorFlow to one deterministic numeric path (chapter 2).

    Call it once at the top of a chapter, before building a model. It seeds the global
    generators (``keras.utils.set_random_seed``), turns on TensorFlow's op determinism and runs
    every op on a single thread (the model is tiny, so one thread is also the fastest), runs
    compiled functions as traced, without Grappler's rewrites, and hides any GPU from TensorFlow:
    on a machine with one, the chapters still run on the CPU and print the book's numbers.

    Args:
        seed: the seed, an int in ``[0, 2**31 - 1)``, the range every seed of the book takes.

    Returns:
        ``seed``, so a chapter can write ``SEED = reproducible(0)``.

    Raises:
        TypeError: if ``seed`` is not an int.
        ValueError: if ``seed`` lies outside ``[0, 2**31 - 1)``.
        RuntimeError: if TensorFlow was imported before ``ensemble_lib``, or if NumPy or OpenBLAS
            do not run their baseline kernels (NumPy imported first): then the environment above
            came too late to take effect. Also if TensorFlow's runtime was started elsewhere with
            more than one thread, or with a GPU in use, before this function could pin it.
    """
    seed = check_seed(seed)
    if _tensorflow_first:
        raise RuntimeError(
            "tensorflow was imported before ensemble_lib, so its numeric path could not be fixed; "
            "restart the kernel and import ensemble_lib first"
        )
    problems = _numpy_problems()
    if problems:
        first = " (numpy was imported before ensemble_lib)" if _numpy_first else ""
        raise RuntimeError(
            f"NumPy's CPU-dependent kernels are in use{first}: {'; '.join(problems)}. "
            "Restart the kernel and import ensemble_lib first, so that it can set "
            + ", ".join(f"{k}={v}" for k, v in NUMPY_ENVIRONMENT.items())
        )
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    # Run every compiled function as traced. Grappler, TensorFlow's graph optimiser, rewrites
    # x / sqrt(y) into x * rsqrt(y), 1 / x into reciprocal(x) and x / c into x * (1 / c): exactly
    # the approximate kernels this module keeps out. Without it, the traced graphs that
    # tests/test_exact_kernels.py inspects are the graphs that run.
    tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": True})
    try:
        # The book's numbers are the CPU's. On a machine with a GPU, TensorFlow would place the
        # models there, whose kernels round differently: hide every GPU from it.
        if tf.config.list_physical_devices("GPU"):
            tf.config.set_visible_devices([], "GPU")
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:
        # The runtime has started (a second call in the same kernel): the threads were fixed by
        # the first call, unless TensorFlow was started elsewhere with other settings.
        if (
            tf.config.threading.get_intra_op_parallelism_threads() != 1
            or tf.config.threading.get_inter_op_parallelism_threads() != 1
            or tf.config.get_visible_devices("GPU")
        ):
            raise RuntimeError(
                "TensorFlow started (with more than one thread, or with a GPU) before reproducible() "
                "was called; restart the kernel and call reproducible() before running any TensorFlow op"
            ) from None
    return seed
