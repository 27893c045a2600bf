"""Set-up's last step: compile once what every report kernel would compile again.

``make setup`` runs ``python -m analysis.report.warm`` right after ``uv sync``. A
fresh environment holds no bytecode and no numba cache, and a report build starts
several processes (the CLI and one kernel per core) that would each compile
pandas, matplotlib, statsmodels, ... from source and JIT the engine's kernels at
the same moment. This step does that work once, on both cores:

- this process imports every module of ``analysis`` and the notebook stack, so
  Python writes their bytecode (about a third of the installed modules: the
  environment is installed without compiling everything, ``[tool.uv]`` in
  ``pyproject.toml``);
- a child process runs the status and JSS grids on the bundled sample, so numba
  writes its cache for the exact argument types a build uses.

It writes only caches (``__pycache__`` folders in ``.venv`` and ``src``), never
data or reports. Bytecode is written only where the environment allows it: the
Makefile clears ``PYTHONDONTWRITEBYTECODE`` for its targets.
"""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
import time

#: What a report kernel and the build's parent import besides ``analysis`` itself.
NOTEBOOK_STACK = (
    "pandas",
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "IPython.display",
    "matplotlib.pyplot",
    "matplotlib_inline.backend_inline",
    "seaborn",
    "scipy.special",
    "scipy.stats",
    "statsmodels.api",
    "statsmodels.duration.survfunc",
    "sklearn.ensemble",
    "sklearn.inspection",
    "sklearn.metrics",
    "pyfixest",
    "papermill",
    "nbconvert",
    "nbformat",
    "jupyter_client",
    "tqdm.auto",
)

#: The child's job: every grid kernel compiled for the types of a real history.
_JIT = """
from analysis import config
from analysis.engine.jss import jss_grid
from analysis.engine.ruleset import load_rules
from analysis.engine.status import status_grid
from analysis.io.load import read_history

history, rules = read_history(config.SAMPLE), load_rules("upwork-2025")
status_grid(history, rules)
jss_grid(history, rules)
"""


def modules() -> list[str]:
    """Every importable module of ``analysis`` (entry-point shims excluded) and the
    notebook stack, in import order."""
    import analysis

    own = [
        m.name
        for m in pkgutil.walk_packages(analysis.__path__, "analysis.")
        if not m.name.endswith("__main__")
    ]
    return own + list(NOTEBOOK_STACK)


def main() -> int:
    started = time.perf_counter()
    jit = subprocess.Popen([sys.executable, "-c", _JIT])
    for name in modules():
        importlib.import_module(name)
    status = jit.wait()
    took = time.perf_counter() - started
    print(f"warm: {len(sys.modules)} modules imported, kernels compiled in {took:.1f} s")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
