"""Set-up's last step: write the bytecode every report process would compile.

``make setup`` runs ``python -m analysis.report.warm`` right after ``uv sync``. A
fresh environment holds no bytecode (it is installed without compiling its
~11,600 modules, ``[tool.uv]`` in ``pyproject.toml``), and a report build starts
several processes (the CLI, the stage's primer and its fit worker, one kernel per
core) that would each compile pandas, matplotlib, statsmodels, ... from source at
the same moment. This step compiles, once and on every core, exactly the modules
a report build uses: the ~3,100 installed modules listed in `MANIFEST` plus every
module of ``analysis``. It only compiles them (``compileall``), it does not import
them, so it costs a third of what importing them did.

`MANIFEST` is recorded, not guessed: ``python -m analysis.report.warm --record``
builds every report on the bundled sample with ``PYTHONPYCACHEPREFIX`` pointing
at a scratch folder, so every process of the build (kernels included) writes
its bytecode there, and lists the installed modules found in it. Re-record it
when ``uv.lock`` changes (`tests/test_warm.py` fails when a listed module is no
longer installed). A module missing from the list is still compiled, by the
first process that imports it: the list only saves time, it decides nothing.

No kernel is compiled here: on inputs of the bundled sample's size the engine
takes its numpy path (`analysis.engine.backend`), so a report build never
compiles numba code; a large history compiles the kernels once, on first use,
into numba's cache.

It writes only bytecode (``__pycache__`` folders in ``.venv`` and ``src``), never
data or reports; ``--record`` writes `MANIFEST` and otherwise only inside a
temporary folder. Bytecode is written only where the environment allows it: the
Makefile clears ``PYTHONDONTWRITEBYTECODE`` for its targets.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import os
import platform
import subprocess
import sys
import sysconfig
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

#: The installed modules a report build compiles, one path per line relative to
#: the environment's site-packages (``--record`` writes it).
MANIFEST = Path(__file__).with_name("warm-modules.txt")

#: The ``analysis`` package's folder: all of its modules are compiled.
PACKAGE = Path(__file__).resolve().parents[1]


def site_packages() -> Path:
    """The environment's site-packages folder (``purelib``: where uv installs)."""
    return Path(sysconfig.get_paths()["purelib"]).resolve()


def read_manifest(path: Path = MANIFEST) -> list[str]:
    """The manifest's entries (site-packages-relative paths), comments skipped."""
    lines = path.read_text("utf-8").splitlines() if path.exists() else []
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def files_to_compile(
    manifest: Path = MANIFEST, site: Path | None = None, package: Path = PACKAGE
) -> list[Path]:
    """The manifest's installed modules that exist, then every ``.py`` of `package`."""
    site = site_packages() if site is None else site
    listed = [site / entry for entry in read_manifest(manifest)]
    return [f for f in listed if f.is_file()] + sorted(package.rglob("*.py"))


def _compile(files: list[str]) -> list[str]:
    """Compile `files` (skipping those whose bytecode is current); the ones that failed."""
    return [f for f in files if not compileall.compile_file(f, quiet=2)]


def compile_files(files: list[Path], jobs: int) -> list[str]:
    """Compile `files` on `jobs` processes; the files that did not compile.

    The files are dealt out largest first, round robin, so every process gets
    about the same number of bytes to compile."""
    by_size = sorted(files, key=lambda f: f.stat().st_size, reverse=True)
    jobs = max(1, min(jobs, len(by_size)))
    shares = [[str(f) for f in by_size[i::jobs]] for i in range(jobs)]
    if jobs == 1:
        return _compile(shares[0]) if shares else []
    with ProcessPoolExecutor(jobs) as pool:
        return [f for failed in pool.map(_compile, shares) for f in failed]


def sources_in_prefix(prefix: Path, site: Path) -> list[str]:
    """The site-packages-relative ``.py`` paths whose bytecode a process wrote
    under the ``PYTHONPYCACHEPREFIX`` folder `prefix`, sorted.

    Python writes the bytecode of ``/a/b/m.py`` as ``prefix/a/b/m.<tag>.pyc``."""
    root = site.relative_to(site.anchor)
    tag = f".{sys.implementation.cache_tag}"
    found = set()
    for pyc in (prefix / root).rglob(f"*{tag}*.pyc"):
        name = pyc.name.split(tag)[0] + ".py"
        found.add((pyc.parent.relative_to(prefix / root) / name).as_posix())
    return sorted(found)


def record(manifest: Path = MANIFEST) -> int:
    """Build every report on the bundled sample in scratch folders, with the
    bytecode of every process going to a scratch prefix; write `manifest` from it."""
    toprated = Path(sys.executable).with_name("toprated")
    with tempfile.TemporaryDirectory(prefix="toprated-warm-") as tmp:
        scratch = Path(tmp)
        env = os.environ | {
            "PYTHONPYCACHEPREFIX": str(scratch / "pyc"),
            "TOPRATED_PROCESSED": str(scratch / "stage"),
        }
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        command = [str(toprated), "report", "--out", str(scratch / "reports")]
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
        entries = sources_in_prefix(scratch / "pyc", site_packages())
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    header = (
        "# The installed modules a report build compiles (site-packages-relative),\n"
        "# recorded by `python -m analysis.report.warm --record` on "
        f"{when} (Python {platform.python_version()}).\n"
    )
    manifest.write_text(header + "\n".join(entries) + "\n", "utf-8")
    print(f"warm: {len(entries)} installed modules recorded in {manifest}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m analysis.report.warm", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--record", action="store_true", help=f"re-record {MANIFEST.name} from a report build"
    )
    args = parser.parse_args(argv)
    if args.record:
        return record()
    started = time.perf_counter()
    files = files_to_compile()
    failed = compile_files(files, len(os.sched_getaffinity(0)))
    took = time.perf_counter() - started
    print(f"warm: {len(files) - len(failed)} modules compiled in {took:.1f} s")
    for f in failed:
        print(f"warm: could not compile {f} (it compiles when imported)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
