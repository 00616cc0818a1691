"""Resolve a model reference (``pkg.mod:Name`` or ``path/file.py:Name``) to a Python object.

Importing a model is running the user's code (a manifest is code, like ``conftest.py``);
failures become a ``ModelReferenceError`` carrying the exception's one-line text, never
its traceback, plus a hint where one helps.
"""

from __future__ import annotations

import difflib
import hashlib
import importlib
import importlib.util
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from seedrunner.errors import SeedrunnerError

_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


class ModelReferenceError(SeedrunnerError):
    """A ``model:`` reference that cannot be imported or is not a model.

    ``str(error)`` is the message alone; callers turn ``message`` and ``hint`` into a
    located ``Problem``. It is a user error, so it exits like a manifest error.
    """

    exit_code = 2
    code = "SR-E020"

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def import_object(ref: str, *, base_dir: Path, python_path: Sequence[Path]) -> Any:
    """Import what ``ref`` names.

    ``python_path`` folders (absolute) go to the front of ``sys.path`` if missing. A file
    reference is resolved against ``base_dir``; a file inside a ``python_path`` folder is
    imported by its dotted module name so its own sibling imports work, any other file
    is loaded under a stable private module name (loaded once per process).
    """
    module_part, attr_path = _split(ref)
    _extend_sys_path(python_path)
    if _is_file_ref(module_part):
        module = _import_file(module_part, base_dir, python_path)
    else:
        module = _import_module(module_part, python_path)
    return _get_attr(module, module_part, attr_path)


def _split(ref: str) -> tuple[str, str]:
    module_part, sep, attr_path = ref.rpartition(":")
    ok = bool(sep and module_part and _DOTTED.match(attr_path))
    if ok and not _is_file_ref(module_part):
        ok = bool(_DOTTED.match(module_part))
    if not ok:
        raise ModelReferenceError(
            f"model reference {ref!r} must look like 'package.module:Name' or 'path/file.py:Name'"
        )
    return module_part, attr_path


def _is_file_ref(module_part: str) -> bool:
    return module_part.endswith(".py") or "/" in module_part or "\\" in module_part


def _extend_sys_path(python_path: Sequence[Path]) -> None:
    for folder in reversed(list(python_path)):
        entry = str(folder)
        if entry not in sys.path:
            sys.path.insert(0, entry)


def _import_module(name: str, python_path: Sequence[Path]) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
            folders = ", ".join(str(p) for p in python_path) or "no folders"
            raise ModelReferenceError(
                f"cannot import {name!r} ({exc})",
                hint=f"check python_path (resolved to {folders})",
            ) from None
        raise _import_failed(name, exc) from None
    except (Exception, SystemExit) as exc:
        raise _import_failed(name, exc) from None


def _import_failed(label: str, exc: BaseException) -> ModelReferenceError:
    text = str(exc).strip().splitlines()
    detail = f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
    return ModelReferenceError(f"importing {label!r} failed: {detail}")


def _import_file(module_part: str, base_dir: Path, python_path: Sequence[Path]) -> ModuleType:
    path = (base_dir / module_part).resolve()
    if not path.is_file():
        raise ModelReferenceError(f"model file {module_part!r} not found (resolved to {path})")
    dotted = _dotted_name_within(path, python_path)
    if dotted is not None:
        return _import_module(dotted, python_path)
    name = _stable_module_name(path)
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ModelReferenceError(f"cannot load model file {module_part!r} (resolved to {path})")
    module = importlib.util.module_from_spec(spec)
    # Registered before running so dataclasses/pydantic can resolve the module's annotations.
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:
        del sys.modules[name]
        raise _import_failed(module_part, exc) from None
    return module


def _dotted_name_within(path: Path, python_path: Sequence[Path]) -> str | None:
    """The module name of ``path`` if it sits (importably) under a python_path folder."""
    for folder in python_path:
        try:
            parts = list(path.with_suffix("").relative_to(folder.resolve()).parts)
        except ValueError:
            continue
        if parts and parts[-1] == "__init__":
            parts.pop()
        dotted = ".".join(parts)
        if parts and _DOTTED.match(dotted):
            return dotted
    return None


def _stable_module_name(path: Path) -> str:
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:10]
    stem = re.sub(r"\W", "_", path.stem)
    return f"_seedrunner_models_{stem}_{digest}"


def _get_attr(module: ModuleType, label: str, attr_path: str) -> Any:
    obj: Any = module
    where = label
    for attr in attr_path.split("."):
        try:
            obj = getattr(obj, attr)
        except AttributeError:
            raise ModelReferenceError(
                f"{where!r} has no attribute {attr!r}", hint=_did_you_mean(obj, attr)
            ) from None
        where = f"{where}:{attr}" if where == label else f"{where}.{attr}"
    return obj


def _did_you_mean(obj: Any, attr: str) -> str | None:
    public = [n for n in dir(obj) if not n.startswith("_")]
    close = difflib.get_close_matches(attr, public, n=1)
    return f"did you mean {close[0]!r}?" if close else None
