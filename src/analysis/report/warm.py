"""Set-up's last step: compile once what every report kernel would compile again.

``make setup`` runs ``python -m analysis.report.warm`` right after ``uv sync``. A
fresh environment holds no bytecode and no numba cache, and a report build starts
several processes (the CLI, the stage's primer and one kernel per core) that would
each compile pandas, matplotlib, statsmodels, ... from source and JIT the engine's
kernels at the same moment. This step does that work once, on both cores, in
three processes that never compile the same thing:

- a child imports the engine (numpy, pandas, pyarrow, numba, ...) and runs the
  JSS grid on the bundled sample, so numba caches the JSS kernels for the exact
  argument types a build uses;
- once that child's imports are compiled, a second child runs the status grid
  (on a JSS grid from the numpy reference), so the status kernels are cached too;
- this process imports the notebook stack, the modules that do not need pandas
  first (so it compiles them while the first child compiles pandas), then every
  module of ``analysis``, so Python writes their bytecode (about a third of the
  installed modules: the environment is installed without compiling everything,
  ``[tool.uv]`` in ``pyproject.toml``).

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
import warnings

#: What a report kernel, the primer and the build's parent import besides ``analysis``,
#: in the order this process imports them: the modules that do not import pandas
#: first (the JSS child compiles pandas meanwhile), then the ones that do.
NOTEBOOK_STACK = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "IPython.display",
    "jupyter_client",
    "nbformat",
    "nbconvert",
    "papermill",
    "tqdm.auto",
    "matplotlib.pyplot",
    "matplotlib_inline.backend_inline",
    "scipy.special",
    "scipy.stats",
    "sklearn.ensemble",
    "sklearn.inspection",
    "sklearn.metrics",
    "pandas",
    "statsmodels.api",
    "statsmodels.duration.survfunc",
    "seaborn",
    "pyfixest",
)

#: The first child: the engine's imports, then the JSS kernels compiled for the types
#: of the stage's calls (`analysis.report.stage`: the headroom grid and report 01's
#: one-more-bad-contract scenarios under Upwork's rules, the JSS grid under the seed
#: article's). It says "imported" once its
#: imports are compiled.
_JIT_JSS = """
from analysis import config
from analysis.engine.jss import jss_grid
from analysis.engine.ruleset import load_rules
from analysis.engine.status import status_grid
from analysis.io.load import read_history
from analysis.stories.mechanics import one_bad_contract
from analysis.stories.pressure import headroom_grid

print("imported", flush=True)
history, rules = read_history(config.SAMPLE), load_rules("upwork-2025")
grid = headroom_grid(history, rules, as_of=history.as_of)
one_bad_contract(history, rules, grid=grid)  # writable arrays: their own specialisation
jss_grid(history, load_rules("seed-article"), as_of=history.as_of)
"""

#: The second child: the status kernels under both rule sets, on JSS grids from the
#: numpy reference (so it does not compile the JSS kernels the first child compiles).
_JIT_STATUS = """
from analysis import config
from analysis.engine.jss import jss_grid
from analysis.engine.ruleset import load_rules
from analysis.engine.status import status_grid
from analysis.io.load import read_history

history = read_history(config.SAMPLE)
for name in ("upwork-2025", "seed-article"):
    rules = load_rules(name)
    jss = jss_grid(history, rules, as_of=history.as_of, backend="numpy")
    status_grid(history, rules, as_of=history.as_of, jss=jss[["freelancer_id", "eval_date", "jss"]])
"""


def modules() -> list[str]:
    """The notebook stack, then every importable module of ``analysis`` (entry-point
    shims excluded): the order this process imports them in."""
    import analysis

    own = [
        m.name
        for m in pkgutil.walk_packages(analysis.__path__, "analysis.")
        if not m.name.endswith("__main__")
    ]
    return list(NOTEBOOK_STACK) + own


def main() -> int:
    import threading

    started = time.perf_counter()
    jss = subprocess.Popen([sys.executable, "-c", _JIT_JSS], stdout=subprocess.PIPE, text=True)
    children = [jss]

    def then_status() -> None:
        jss.stdout.readline()  # the engine's modules are compiled (or the child died)
        children.append(subprocess.Popen([sys.executable, "-c", _JIT_STATUS]))

    second = threading.Thread(target=then_status)
    second.start()
    with warnings.catch_warnings():
        # tqdm.auto outside Jupyter warns that ipywidgets is missing: true and harmless
        warnings.filterwarnings("ignore", message="IProgress not found")
        for name in modules():
            importlib.import_module(name)
    second.join()
    jss.stdout.read()
    status = max(child.wait() for child in children)
    took = time.perf_counter() - started
    print(f"warm: {len(sys.modules)} modules imported, kernels compiled in {took:.1f} s")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
