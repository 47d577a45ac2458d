"""reproducibility.py: the environment is fixed before TensorFlow and NumPy load, the seed
fixes every run, and (marked slow, ``make reproducibility``) the published outputs do not depend
on the machine: every chapter re-run on one core, with oneDNN's instruction set capped at SSE4.1
and other thread counts requested, prints what nbval compares with the published one."""

import os
import shutil
import subprocess
import sys

import ensemble_lib as el

import numpy as np
import pytest
import tensorflow as tf
from conftest import BOOK, NBVAL, ROOT

NOTEBOOKS = sorted(BOOK.glob("[0-9][0-9]_*.ipynb")) + sorted(BOOK.glob("appendix_*.ipynb"))


@pytest.mark.slow
def test_chapters_print_the_same_on_another_machine_configuration():
    env = dict(os.environ)
    env.update(
        {
            # What a different machine would change: the CPU instruction set oneDNN may use...
            "ONEDNN_MAX_CPU_ISA": "SSE41",
            # ...a reader who turns oneDNN back on (ensemble_lib must switch it off regardless)...
            "TF_ENABLE_ONEDNN_OPTS": "1",
            # ...and the number of threads TensorFlow and the BLAS libraries would use.
            "TF_NUM_INTRAOP_THREADS": "4",
            "TF_NUM_INTEROP_THREADS": "4",
            "OMP_NUM_THREADS": "3",
            "OPENBLAS_NUM_THREADS": "3",
        }
    )
    command = [
        *NBVAL,
        "--nbval-current-env",
        "--nbval-sanitize-with",
        str(ROOT / "tests" / "nbval_sanitize.cfg"),
        *map(str, NOTEBOOKS),
    ]
    if shutil.which("taskset"):
        command = ["taskset", "--cpu-list", "0", *command]  # one core instead of all of them
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, "outputs changed under another configuration:\n" + result.stdout[-6000:]
    assert " passed" in result.stdout and "failed" not in result.stdout.splitlines()[-1]


def test_tensorflow_environment_is_fixed_before_tensorflow_loads():
    assert os.environ["TF_ENABLE_ONEDNN_OPTS"] == "0"
    assert os.environ["KERAS_BACKEND"] == "tensorflow"
    assert el.reproducible(3) == 3
    assert tf.config.threading.get_intra_op_parallelism_threads() == 1
    assert tf.config.threading.get_inter_op_parallelism_threads() == 1
    # Compiled functions run as traced: Grappler would rewrite x / sqrt(y) into x * rsqrt(y).
    assert tf.config.optimizer.get_experimental_options().get("disable_meta_optimizer") is True


def test_importing_tensorflow_first_is_refused():
    code = "import tensorflow\nimport ensemble_lib\nensemble_lib.reproducible(0)\n"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert "tensorflow was imported before ensemble_lib" in result.stderr


def test_numpy_runs_its_baseline_kernels_on_every_x86_64_cpu():
    from ensemble_lib import reproducibility

    if not reproducibility._X86_64:
        pytest.skip("the NumPy and OpenBLAS settings concern x86-64 only")
    assert os.environ["NPY_DISABLE_CPU_FEATURES"].split(",") == list(reproducibility.NUMPY_DISPATCHED_FEATURES)
    assert os.environ["OPENBLAS_CORETYPE"] == "Prescott"
    # The settings took effect: no AVX2 or AVX-512 loop in NumPy, Prescott kernels in OpenBLAS.
    assert reproducibility._numpy_problems() == []


def test_importing_numpy_first_is_refused():
    code = "import numpy\nimport ensemble_lib\nensemble_lib.reproducible(0)\n"
    env = {k: v for k, v in os.environ.items() if k not in ("NPY_DISABLE_CPU_FEATURES", "OPENBLAS_CORETYPE")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode != 0
    assert "numpy was imported before ensemble_lib" in result.stderr
    assert "OpenBLAS" in result.stderr  # names what is wrong


@pytest.mark.parametrize(
    "seed, error", [(-1, ValueError), (2**31 - 1, ValueError), (1.0, TypeError), (True, TypeError)]
)
def test_reproducible_rejects_bad_seeds(seed, error):
    with pytest.raises(error, match="seed must be"):
        el.reproducible(seed)


def test_same_seed_same_training_twice(problem):
    def run():
        el.reproducible(0)
        model = el.compile_sgd(el.build_mlp(seed=1))
        y = el.one_hot(problem.y_train)
        model.fit(
            el.training_dataset(problem.x_train, y, seed=1), epochs=5, steps_per_epoch=4, shuffle=False, verbose=0
        )
        return model.get_weights()

    for a, b in zip(run(), run()):
        np.testing.assert_array_equal(a, b)


def test_a_gpu_is_hidden_so_the_chapters_run_on_the_cpu():
    """On a machine with a GPU, reproducible() hides it before TensorFlow's runtime starts.

    This machine has none, so TensorFlow is told it has one: the test checks the call that hides it.
    """
    code = (
        "import ensemble_lib as el, tensorflow as tf\n"
        "gpu = tf.config.PhysicalDevice('/physical_device:GPU:0', 'GPU')\n"
        "listed = tf.config.list_physical_devices\n"
        "tf.config.list_physical_devices = lambda kind=None: [gpu] if kind == 'GPU' else listed(kind)\n"
        "calls = []\n"
        "tf.config.set_visible_devices = lambda devices, kind=None: calls.append((list(devices), kind))\n"
        "el.reproducible(0)\n"
        "print(calls)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "[([], 'GPU')]"
