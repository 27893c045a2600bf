"""The analyst's workbench (`make lab`): JupyterLab on the project's environment, with
the settings shipped in ``.jupyter/`` (``JUPYTER_CONFIG_DIR``), serves
``notebooks/*.py`` as notebooks, runs code in a kernel, and opens a notebook in the
notebook view, not the text editor.

One server on a free port of 127.0.0.1 with a random token is shared by the module;
its settings, workspaces and runtime files go to a temporary folder. The browser
check uses the system Chromium (never ``playwright install``) and leaves a
screenshot in ``tests/artifacts/screenshots/lab/`` (git-ignored).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from analysis.report.browsercheck import CHROMIUM

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "notebooks/03-benefits.py"
SCREENSHOTS = Path(__file__).parent / "artifacts" / "screenshots" / "lab"

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """(base url, token) of a running ``jupyter lab`` configured as ``make lab`` does."""
    tmp = tmp_path_factory.mktemp("lab")
    port, token = free_port(), secrets.token_hex(16)
    config = shutil.copytree(ROOT / ".jupyter", tmp / "config")  # jupyter writes a marker there
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces"),
        "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
    }
    jupyter = Path(sys.executable).parent / "jupyter"
    log = (tmp / "server.log").open("w")
    server = subprocess.Popen(
        [
            str(jupyter),
            "lab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={ROOT}",
            *(["--allow-root"] if os.geteuid() == 0 else []),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if requests.get(f"{base}/api/status", params={"token": token}, timeout=5).ok:
                    break
            except requests.ConnectionError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail("jupyter lab did not start:\n" + (tmp / "server.log").read_text())
            time.sleep(0.5)
        yield base, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:  # pragma: no cover
            server.kill()
        log.close()


def test_notebooks_are_served_as_notebooks(lab):
    base, token = lab
    got = requests.get(
        f"{base}/api/contents/{NOTEBOOK}",
        params={"type": "notebook", "content": 1, "token": token},
        timeout=60,
    )
    assert got.status_code == 200, got.text
    model = got.json()
    assert model["type"] == "notebook"
    cells = model["content"]["cells"]
    text = (ROOT / NOTEBOOK).read_text(encoding="utf-8")
    assert len(cells) == text.count("# %%")
    assert {c["cell_type"] for c in cells} == {"markdown", "code"}
    # and the shipped setting makes the notebook view the default viewer of Python files
    settings = requests.get(
        f"{base}/lab/api/settings/@jupyterlab/docmanager-extension:plugin",
        params={"token": token},
        timeout=60,
    ).json()
    viewers = settings["schema"]["properties"]["defaultViewers"]["default"]  # the overrides
    assert viewers["python"] == "Jupytext Notebook"


def test_a_kernel_executes_a_cell(lab):
    import websocket

    base, token = lab
    kernel = requests.post(
        f"{base}/api/kernels", params={"token": token}, json={"name": "python3"}, timeout=120
    ).json()
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{base.rsplit(':', 1)[1]}/api/kernels/{kernel['id']}/channels?token={token}",
        timeout=120,
    )
    try:
        msg_id = uuid.uuid4().hex
        code = "import sys, analysis; print(6 * 7, sys.prefix)"
        ws.send(
            json.dumps(
                {
                    "header": {
                        "msg_id": msg_id,
                        "username": "test",
                        "session": uuid.uuid4().hex,
                        "msg_type": "execute_request",
                        "version": "5.3",
                    },
                    "parent_header": {},
                    "metadata": {},
                    "content": {"code": code, "silent": False},
                    "channel": "shell",
                }
            )
        )
        # the reply (shell) may come before the printed output (iopub): read until both
        # the reply and iopub's "idle" for this request, which follows all its output
        out, status, idle = "", None, False
        deadline = time.monotonic() + 120
        while (status is None or not idle) and time.monotonic() < deadline:
            msg = json.loads(ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "stream":
                out += msg["content"]["text"]
            if msg["msg_type"] == "execute_reply":
                status = msg["content"]["status"]
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                idle = True
    finally:
        ws.close()
        requests.delete(f"{base}/api/kernels/{kernel['id']}", params={"token": token}, timeout=60)
    assert status == "ok"
    answer, prefix = out.split()
    assert answer == "42"
    assert Path(prefix).resolve() == Path(sys.prefix).resolve()  # the project's .venv


@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found")
def test_a_double_clicked_notebook_opens_in_the_notebook_view(lab):
    from playwright.sync_api import sync_playwright

    base, token = lab
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / "03-benefits.png"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"{base}/lab/tree/notebooks?token={token}", timeout=180_000)
            item = page.locator(".jp-DirListing-item", has_text="03-benefits.py")
            item.wait_for(timeout=180_000)
            item.dblclick()  # what an analyst does: the default viewer opens
            panel = page.locator(".jp-NotebookPanel:visible")
            panel.wait_for(timeout=180_000)
            page.wait_for_function(  # the notebook's cells, once the model has loaded
                "() => document.querySelectorAll('.jp-NotebookPanel .jp-Cell').length > 3",
                timeout=180_000,
            )
            cells = page.locator(".jp-NotebookPanel:visible .jp-Cell").count()
            editors = page.locator(".jp-FileEditor:visible").count()
            title = page.locator(
                "#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel"
            ).inner_text()
            page.screenshot(path=str(shot))
        finally:
            browser.close()
    assert cells > 3
    assert editors == 0
    assert "03-benefits.py" in title
    assert shot.stat().st_size > 10_000
