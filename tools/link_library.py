"""Make ensemble_lib importable by this Python (and its Jupyter kernels) without installing a copy.

Usage: python tools/link_library.py

Writes a one-line ``ensemble_book.pth`` into the interpreter's site-packages naming the
repository root. ``make venv`` runs it for .venv; Binder runs it from binder/postBuild.
"""

import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

if __name__ == "__main__":
    pth = Path(sysconfig.get_paths()["purelib"]) / "ensemble_book.pth"
    pth.write_text(f"{ROOT}\n")
    print(f"ensemble_lib importable from {pth}")
