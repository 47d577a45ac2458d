"""The published outputs do not depend on the machine: re-run every chapter on one core, with
oneDNN's instruction set capped at SSE4.1 and other thread counts requested, and compare every
output and figure with the published one (nbval). Run by ``make reproducibility``."""

import os
import shutil
import subprocess

import pytest
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
