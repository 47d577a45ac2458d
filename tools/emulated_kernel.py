"""Write a Jupyter kernelspec whose kernel runs on an emulated CPU (qemu-x86_64 -cpu max).

Usage: python tools/emulated_kernel.py   (prints the folder to put on JUPYTER_PATH)

The kernel is this environment's Python started through ``qemu-x86_64 -cpu max``: every
instruction, the chapters' whole numeric path included, runs on QEMU's model of an x86-64 CPU,
whose approximate reciprocal and reciprocal square root round differently from real chips (and
which has no AVX-512). A child process that an emulated Python starts runs natively again, so the
kernel itself must be launched through qemu: hence a kernelspec of its own. ``make portability``
re-runs every chapter with it; ``tests/test_emulated_cpu.py`` uses it for one chapter.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Where the kernelspec goes (under _build, which make clean removes).
FOLDER = ROOT / "_build" / "emulated-kernel"
KERNEL_NAME = "python3-emulated"
QEMU = "qemu-x86_64"


def write_kernelspec(python: str = sys.executable) -> Path:
    """Write the kernelspec for ``python`` under :data:`FOLDER`; return the folder for JUPYTER_PATH."""
    qemu = shutil.which(QEMU)
    if qemu is None:
        raise FileNotFoundError(
            f"{QEMU} not found: install Debian's qemu-user (sudo apt-get install qemu-user) to run "
            "the chapters on an emulated CPU"
        )
    spec = {
        "argv": [qemu, "-cpu", "max", python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (emulated x86-64 CPU)",
        "language": "python",
        "metadata": {"debugger": False},
    }
    kernel = FOLDER / "kernels" / KERNEL_NAME
    kernel.mkdir(parents=True, exist_ok=True)
    # Written aside and renamed: a run starting at the same moment never reads half a file.
    tmp = kernel / f".kernel.json.{os.getpid()}"
    tmp.write_text(json.dumps(spec, indent=1) + "\n")
    os.replace(tmp, kernel / "kernel.json")
    return FOLDER


if __name__ == "__main__":
    try:
        print(write_kernelspec())
    except FileNotFoundError as error:
        print(error, file=sys.stderr)
        sys.exit(1)
