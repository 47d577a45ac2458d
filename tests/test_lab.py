"""`make lab`: the Jupyter server it starts keeps each chapter's .py and .ipynb in sync on save."""

import json
import shutil
import socket
import subprocess
import sys
import time

import jupytext
import pytest
import requests
from conftest import BOOK

TOKEN = "ensemble-book-test"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab_server(tmp_path):
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            f"--port={port}",
            "--ip=127.0.0.1",
            f"--ServerApp.token={TOKEN}",
            f"--ServerApp.root_dir={tmp_path}",
            "--allow-root",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if requests.get(f"{url}/api/status", headers={"Authorization": f"token {TOKEN}"}, timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=60)


def test_saving_the_notebook_in_lab_updates_the_script(lab_server, tmp_path):
    chapter = sorted(BOOK.glob("[0-9][0-9]_*.ipynb"))[0]
    shutil.copy(chapter, tmp_path / chapter.name)
    shutil.copy(chapter.with_suffix(".py"), tmp_path / chapter.with_suffix(".py").name)
    headers = {"Authorization": f"token {TOKEN}"}
    api = f"{lab_server}/api/contents/{chapter.name}"

    model = requests.get(api, headers=headers, timeout=60).json()
    model["content"]["cells"][0]["source"] += "\n\nA sentence added in JupyterLab."
    saved = requests.put(
        api,
        headers=headers,
        data=json.dumps({"type": "notebook", "format": "json", "content": model["content"]}),
        timeout=60,
    )
    assert saved.ok, saved.text

    script = jupytext.read(tmp_path / chapter.with_suffix(".py").name)
    assert script.cells[0].source.endswith("A sentence added in JupyterLab.")
    stored = json.loads((tmp_path / chapter.name).read_text())
    assert stored["cells"][0]["source"][-1].endswith("A sentence added in JupyterLab.")
