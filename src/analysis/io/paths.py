"""The output policy every command follows: what a path it writes may be.

A command writes only the paths it was asked to write, and never destroys
anything it was not asked to write. Before any computation starts, every
command hands its outputs and its inputs to `check_outputs`, which refuses (as
bad input, exit status 2) when:

- an output file exists and is not a regular file (a folder, a device node such
  as ``/dev/null``, a FIFO, a socket): it would be replaced by a regular file;
- an output is the same file as an input of the same run (same resolved path,
  or the same inode through a hard link), e.g. ``jss x --out x/contracts.csv``,
  or an output folder would overwrite or hold an input
  (``import d/payments.csv --out d``);
- two outputs of the run are the same file (``--out f --events f``);
- the folder an output goes in is not a folder (an ancestor is a regular file),
  or an output folder exists as something other than a folder;
- an output is a symbolic link that points nowhere (or loops).

Symbolic links are written *through*: an output that is a symlink to a regular
file replaces that file's content (via a temporary file next to the target and
an atomic rename), and the link stays a link. Comparisons with inputs use the
resolved target, so a link to an input is refused like the input itself.
Files inside an output folder (``generate``, ``import``, ``report``) are moved in
with a rename, so a link there is replaced by the new file, never followed.

Files are created with the mode a plain ``open()`` would give (``0o666`` less
the user's umask; `apply_umask`), or keep the mode of the file they replace.
Only the standard library is used: the CLI calls this before importing pandas.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from analysis.io.errors import InputError, Problem

#: The files a history folder may hold that a command reads (`analysis.io.load`).
HISTORY_TABLES = ("contracts", "payments", "activity", "freelancers", "account_events")
HISTORY_SUFFIXES = (".csv", ".csv.gz", ".parquet")


@dataclass(frozen=True)
class Output:
    """One path a command will write.

    ``option`` names it in messages (``--out``). A ``folder`` output is a folder
    the command writes into; ``names`` are the files it writes there (each is
    checked as a file output), and an empty ``names`` means the command may write
    anything inside, so no input may lie inside the folder.
    """

    option: str
    path: str | os.PathLike[str] | None
    folder: bool = False
    names: tuple[str, ...] = ()


def current_umask() -> int:
    """The process's umask (read by setting and restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def apply_umask(path: str | os.PathLike[str], *, folder: bool = False, like: Path | None = None):
    """Give a temporary file (mkstemp: 0600) or folder (mkdtemp: 0700) its final mode.

    The mode of ``like`` when it is an existing regular file (the file being
    replaced), else what ``open()``/``mkdir()`` would give: ``0o666`` or
    ``0o777`` less the umask.
    """
    if like is not None:
        try:
            st = os.stat(like)
            if stat.S_ISREG(st.st_mode):
                os.chmod(path, stat.S_IMODE(st.st_mode))
                return
        except OSError:
            pass
    os.chmod(path, (0o777 if folder else 0o666) & ~current_umask())


def write_target(path: str | os.PathLike[str]) -> Path:
    """The file actually written for output ``path``: a symlink's target (written
    through), else the path itself. Temporaries go next to it, renamed over it."""
    p = Path(path)
    return Path(os.path.realpath(p)) if p.is_symlink() else p


def history_inputs(history: str | os.PathLike[str] | None) -> list[Path]:
    """The files and Parquet dataset folders a history path stands for."""
    if history is None:
        return []
    p = Path(history)
    if not p.is_dir():
        return [p]
    found: list[Path] = [p / f"{t}{s}" for t in HISTORY_TABLES for s in HISTORY_SUFFIXES]
    found += [p / t for t in HISTORY_TABLES]
    found.append(p / "truth.json")
    return [f for f in found if f.exists()]


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def _same(a: Path, b: Path) -> bool:
    if _real(a) == _real(b):
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _inside(child: Path, folder: Path) -> bool:
    child, folder = _real(child), _real(folder)
    return child == folder or folder in child.parents


def _parent_problem(option: str, path: Path) -> Problem | None:
    """The nearest existing ancestor of ``path`` must be a folder (missing ones are made)."""
    ancestor = path.absolute().parent
    while True:
        if ancestor.exists():
            if ancestor.is_dir():
                return None
            return Problem(
                f"{option} {path}", None, None, None, f"is under {ancestor}, which is a file"
            )
        if ancestor.is_symlink():
            return Problem(
                f"{option} {path}", None, None, None, f"is under {ancestor}, a broken link"
            )
        if ancestor == ancestor.parent:
            return None
        ancestor = ancestor.parent


def _file_problems(option: str, path: Path) -> list[Problem]:
    if path.is_symlink() and not path.exists():
        return [
            Problem(f"{option} {path}", None, None, None, "is a symbolic link that points nowhere")
        ]
    if path.exists():
        if path.is_dir():
            return [Problem(f"{option} {path}", None, None, None, "is a folder; give a file name")]
        if not stat.S_ISREG(os.stat(path).st_mode):
            return [
                Problem(
                    f"{option} {path}",
                    None,
                    None,
                    None,
                    "is not a regular file (a device, FIFO or socket); refusing to replace it",
                )
            ]
        return []
    found = _parent_problem(option, path)
    return [found] if found else []


def check_outputs(outputs: Sequence[Output], inputs: Iterable[str | os.PathLike[str]]) -> None:
    """Refuse the run (`InputError`) unless every output may be written; see the module."""
    inputs = [Path(i) for i in inputs if i is not None]
    problems: list[Problem] = []
    files: list[tuple[str, Path]] = []  # every file the run writes, with its option
    for out in outputs:
        if out.path is None:
            continue
        path = Path(out.path)
        if not out.folder:
            problems += _file_problems(out.option, path)
            files.append((out.option, path))
            continue
        if path.exists() and not path.is_dir():
            problems.append(
                Problem(f"{out.option} {path}", None, None, None, "exists and is not a folder")
            )
            continue
        if path.is_symlink() and not path.exists():
            problems.append(
                Problem(
                    f"{out.option} {path}",
                    None,
                    None,
                    None,
                    "is a symbolic link that points nowhere",
                )
            )
            continue
        if not path.exists() and (found := _parent_problem(out.option, path)):
            problems.append(found)
            continue
        if out.names:
            for name in out.names:
                problems += _file_problems(out.option, path / name)
                files.append((out.option, path / name))
        else:
            for given in inputs:
                if _inside(given, path) or _inside(path, given):
                    problems.append(
                        Problem(
                            f"{out.option} {path}",
                            None,
                            None,
                            None,
                            f"holds or is inside {given}, an input of this "
                            "command; choose another folder",
                        )
                    )
    for option, path in files:
        for given in inputs:
            if _same(path, given) or (given.is_dir() and _inside(path, given) and given.exists()):
                problems.append(
                    Problem(
                        f"{option} {path}",
                        None,
                        None,
                        None,
                        f"is {given}, an input of this command; refusing to overwrite it",
                    )
                )
                break
    for k, (option, path) in enumerate(files):
        for other_option, other in files[:k]:
            if _same(path, other):
                problems.append(
                    Problem(
                        f"{option} {path}",
                        None,
                        None,
                        None,
                        f"is given as both {other_option} and {option}; give two different files",
                    )
                )
    if problems:
        raise InputError(problems)
