"""Reading the project's TOML settings files: rule sets, scenarios, visibility rules.

Each of them is named either by a bundled name (a resource shipped inside the
package) or by a path to the user's own file. Whatever goes wrong in reading a
user's file (missing, a folder, unreadable, not UTF-8, not TOML) becomes an
`InputError` naming the file, never a traceback.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from analysis.io.errors import InputError, Problem


def _fail(label: str, message: str) -> InputError:
    return InputError([Problem(label, None, None, None, message)])


def parse_toml(text: str, label: str) -> dict[str, Any]:
    """The TOML `text` as a dict; a syntax error names `label` and the place."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _fail(label, f"is not valid TOML: {exc}") from None


def read_toml_file(path: str | Path) -> dict[str, Any]:
    """A user's TOML file as a dict, every reading failure an `InputError` naming it."""
    label = str(path)
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _fail(label, f"is not UTF-8 text (byte {exc.start + 1})") from None
    except OSError as exc:
        raise _fail(label, f"could not be read ({exc.strerror or exc})") from None
    return parse_toml(text, label)


def bundled_names(package: str) -> list[str]:
    """Names of the ``*.toml`` resources shipped in `package`, without the suffix."""
    folder = resources.files(package)
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def bundled_or_file(spec: str | Path, *, package: str, kind: str) -> tuple[dict[str, Any], str]:
    """The TOML named by `spec`: a bundled resource of `package` by name, else a file.

    Returns the parsed dict and a label for messages (``NAME.toml`` or the path).
    A name that is neither raises `InputError` listing the bundled `kind` names.
    """
    spec = str(spec)
    names: Sequence[str] = bundled_names(package)
    if spec in names:
        label = f"{spec}.toml"
        return parse_toml(resources.files(package).joinpath(label).read_text("utf-8"), label), label
    if Path(spec).is_file():
        return read_toml_file(spec), spec
    raise _fail(spec, f"is neither a bundled {kind} ({', '.join(names)}) nor a TOML file")
