"""The chapters run in any Jupyter with ``pip install`` of ensemble_lib alone (``make anywhere``).

A reader on Colab, or in a JupyterLab of their own, installs the package from pyproject.toml,
not the book's development stack. This test does the same in a fresh virtual environment: it
installs the package (built from a copy of pyproject.toml, README.md and ensemble_lib/, as pip
builds it from the repository) and ipykernel, the one thing any Jupyter has, and nothing else.
Then nbval, from the book's own environment, runs chapters 01 and 02 in a kernel of that fresh
environment and compares every output and figure with the published ones.

The versions are held to requirements.txt's by a pip *constraints* file (``-c``), which pins a
package only if something asks for it: so the fresh environment gets exactly what the loose
requirements of pyproject.toml pull in, at the book's versions, and its chapters must print the
book's digits. ``tensorflow`` (what the package asks for, and what Colab has) is held to the
version of the book's ``tensorflow-cpu``. It needs the package index, as any ``pip install``.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest
from conftest import BOOK, NBVAL, ROOT

pytestmark = pytest.mark.anywhere

CHAPTERS = [BOOK / "01_blobs.ipynb", BOOK / "02_baseline.ipynb"]
#: What the package must not drag into a reader's Jupyter: the book's toolchain.
TOOLCHAIN = ("jupyter-book", "myst-nb", "sphinx", "nbval", "jupyterlab", "jupytext", "pytest", "notebook")
KERNEL_NAME = "python3-fresh-install"


def _pins():
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = version
    return pins


def _run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, timeout=1800, **kwargs)
    assert result.returncode == 0, (
        f"{' '.join(map(str, command))} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result.stdout


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """A new virtual environment holding ensemble_lib as pip installs it, and ipykernel."""
    where = tmp_path_factory.mktemp("anywhere")
    source = where / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "ensemble_lib", source / "ensemble_lib", ignore=shutil.ignore_patterns("__pycache__"))
    pins = _pins()
    constraints = where / "constraints.txt"
    lines = [f"{name}=={version}" for name, version in pins.items()]
    constraints.write_text("\n".join([*lines, f"tensorflow=={pins['tensorflow-cpu']}"]) + "\n")
    env = where / "env"
    # The base interpreter, not this virtual environment's: the fresh one must not see .venv's packages.
    _run([sys._base_executable, "-m", "venv", str(env)])
    python = env / "bin" / "python"
    _run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(source), "ipykernel",
          "-c", str(constraints)])  # fmt: skip
    return where, python


def test_the_install_brings_the_library_and_not_the_book_toolchain(fresh):
    where, python = fresh
    installed = _run([python, "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check"])
    names = {line.split("==")[0].lower().replace("_", "-") for line in installed.splitlines() if "==" in line}
    assert {"ensemble-lib", "tensorflow", "keras", "pandas", "scikit-learn", "matplotlib"} <= names
    assert not names & set(TOOLCHAIN), f"the install brought the book's toolchain: {sorted(names & set(TOOLCHAIN))}"
    # The kernel imports the installed copy, not the repository's folder.
    where_from = _run([python, "-c", "import ensemble_lib; print(ensemble_lib.__file__)"], cwd=where)
    assert where_from.strip().startswith(str(where / "env")), where_from


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_prints_the_book_in_the_fresh_environment(fresh, notebook):
    where, python = fresh
    kernel = where / "kernels" / "kernels" / KERNEL_NAME
    kernel.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ensemble_lib from pip)",
        "language": "python",
    }
    (kernel / "kernel.json").write_text(json.dumps(spec))
    env = dict(os.environ, JUPYTER_PATH=str(where / "kernels"))
    command = [
        *NBVAL,
        "--nbval-kernel-name",
        KERNEL_NAME,
        "--nbval-sanitize-with",
        str(ROOT / "tests" / "nbval_sanitize.cfg"),
        str(notebook),
    ]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, (
        f"{notebook.name} differs when ensemble_lib comes from pip:\n" + result.stdout[-6000:]
    )
    assert " passed" in result.stdout and "failed" not in result.stdout.splitlines()[-1]
