"""The same digits on another CPU: the numeric path run natively and on an emulated x86-64 CPU.

``qemu-x86_64 -cpu max`` executes this very Python on QEMU's model of an x86-64 CPU. Its
approximate reciprocal and reciprocal square root round differently from real chips, and it has
no AVX-512: a second computer for free. ``make emulated`` runs the short check (a minute);
``make portability`` re-runs every chapter this way (about 17 minutes); ``make test`` runs both.

Under CI a missing qemu fails the run (the Makefile installs it); on a reader's computer without
it these checks are skipped with a message saying how to install it.
"""

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from conftest import BOOK, NBVAL, ROOT

QEMU = shutil.which("qemu-x86_64")
#: Every page that runs code: the chapters and the appendix.
NOTEBOOKS = sorted(BOOK.glob("[0-9][0-9]_*.ipynb")) + sorted(BOOK.glob("appendix_*.ipynb"))


@pytest.fixture
def qemu():
    if QEMU is None:
        if os.environ.get("CI") == "true":
            pytest.fail("qemu-x86_64 is missing under CI; `make qemu-setup` installs Debian's qemu-user")
        pytest.skip("qemu-x86_64 is not installed (Debian/Ubuntu: sudo apt-get install qemu-user)")
    return QEMU


#: Entries computed with TensorFlow's approximate kernels on purpose: they must differ.
WITNESSES = ("builtin_softmax", "builtin_batchnorm_probabilities")


@pytest.mark.emulated
def test_short_training_and_scoring_are_bit_identical_on_an_emulated_cpu(qemu, tmp_path):
    script = str(ROOT / "tests" / "portable_numbers.py")
    native, emulated = tmp_path / "native.npz", tmp_path / "emulated.npz"
    for command in (
        [sys.executable, script, str(native)],
        [qemu, "-cpu", "max", sys.executable, script, str(emulated)],
    ):
        result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=1800)
        assert result.returncode == 0, result.stderr[-3000:]
    here, there = np.load(native), np.load(emulated)
    assert sorted(here.files) == sorted(there.files) and len(here.files) > 20
    differ = [
        name
        for name in here.files
        if name not in WITNESSES
        and (here[name].shape != there[name].shape or here[name].tobytes() != there[name].tobytes())
    ]
    assert differ == [], f"not bit-identical on the emulated CPU: {differ}"
    # The comparison has power: TensorFlow's own softmax and Keras's own BatchNormalization
    # (its Rsqrt) do come out different there.
    for name in WITNESSES:
        assert here[name].tobytes() != there[name].tobytes(), (
            f"{name} gave the same bits natively and emulated: the emulated CPU does not round "
            "differently, so this test could not see a CPU-dependent kernel"
        )


@pytest.mark.portability
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_prints_the_same_on_an_emulated_cpu(qemu, notebook):
    """nbval re-runs the chapter in a kernel on the emulated CPU: every output and figure must match."""
    sys.path.insert(0, str(ROOT / "tools"))
    from emulated_kernel import KERNEL_NAME, write_kernelspec

    env = dict(os.environ, JUPYTER_PATH=str(write_kernelspec()))
    command = [
        *NBVAL,
        "--nbval-kernel-name",
        KERNEL_NAME,
        "--nbval-kernel-startup-timeout",
        "600",
        "--nbval-cell-timeout",
        "3600",
        "--nbval-sanitize-with",
        str(ROOT / "tests" / "nbval_sanitize.cfg"),
        str(notebook),
    ]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)
    assert result.returncode == 0, f"{notebook.name} changed on the emulated CPU:\n" + result.stdout[-6000:]
    assert " passed" in result.stdout and "failed" not in result.stdout.splitlines()[-1]
