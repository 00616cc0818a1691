"""Find the manifest when the command line names none.

Order: ``manifest`` under ``[tool.seedrunner]`` in the nearest pyproject.toml (walking up
from the working directory; relative to that pyproject), else the single ``*.yaml`` /
``*.yml`` file under ``./seeds/``.  The nearest pyproject.toml is the project boundary:
one without the key does not send the search further up.  Problem code: SR-E009.
"""

from __future__ import annotations

import pathlib
import tomllib
from typing import Any

from seedrunner.errors import ManifestError

SEEDS_DIR = "seeds"
_NONE_FOUND = (
    "no manifest given and none found: add [tool.seedrunner] manifest = ... to "
    "pyproject.toml or put one under seeds/"
)


def _error(message: str, hint: str | None = None) -> ManifestError:
    return ManifestError.single(message, hint=hint, code="SR-E009")


def nearest_pyproject(cwd: pathlib.Path) -> pathlib.Path | None:
    """The first pyproject.toml in ``cwd`` or above it (the project boundary)."""
    for folder in (cwd, *cwd.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def seedrunner_table(pyproject: pathlib.Path) -> dict[str, Any]:
    """``[tool.seedrunner]`` of ``pyproject`` ({} when absent); unreadable TOML is SR-E009."""
    try:
        config: dict[str, Any] = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise _error(f"cannot read {pyproject}: {e}") from None
    tool = config.get("tool", {})
    table = tool.get("seedrunner", {}) if isinstance(tool, dict) else {}
    return table if isinstance(table, dict) else {}


def _from_pyproject(pyproject: pathlib.Path) -> pathlib.Path | None:
    table = seedrunner_table(pyproject)
    if "manifest" not in table:
        return None
    name = table["manifest"]
    if not isinstance(name, str) or not name:
        raise _error(f"[tool.seedrunner] manifest in {pyproject} must be a file path")
    path = pyproject.parent / name
    if not path.is_file():
        raise _error(
            f"manifest '{name}' named in {pyproject} not found (resolved to {path.resolve()})",
            "the path is relative to the pyproject.toml that names it",
        )
    return path


def discover_manifest(cwd: pathlib.Path) -> pathlib.Path:
    """The manifest to use when none is given, or a ManifestError saying what was found."""
    pyproject = nearest_pyproject(cwd.resolve())
    if pyproject is not None:
        found = _from_pyproject(pyproject)
        if found is not None:
            return found
    seeds = cwd / SEEDS_DIR
    candidates = (
        sorted(p for p in seeds.iterdir() if p.is_file() and p.suffix in (".yaml", ".yml"))
        if seeds.is_dir()
        else []
    )
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise _error(_NONE_FOUND)
    names = ", ".join(p.name for p in candidates)
    raise _error(
        f"several manifests under seeds/: {names}; name one",
        f"e.g. seedrunner plan seeds/{candidates[0].name}",
    )
