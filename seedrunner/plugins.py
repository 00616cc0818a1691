"""Plugins installed by other distributions: entry points in seedrunner's groups.

Loading one runs its import-time code; a failure there is the plugin's, so it is reported
naming the plugin, its entry point and its distribution, never raised raw.
"""

from __future__ import annotations

import sys
from importlib.metadata import entry_points
from typing import Any

HANDLER_GROUP = "seedrunner.handlers"
TRANSFORM_GROUP = "seedrunner.transforms"


class PluginImportError(Exception):
    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


def entry_point_names(group: str) -> list[str]:
    return [ep.name for ep in entry_points(group=group)]


def load_entry_point(group: str, name: str, kind: str) -> tuple[Any, str] | None:
    """(the object, its ``module:attr``) of entry point ``name`` in ``group``, or None."""
    for ep in entry_points(group=group):
        if ep.name != name:
            continue
        try:
            return ep.load(), ep.value
        except Exception as exc:  # the plugin's import-time failure, reported with its name
            dist = ep.dist.name if ep.dist is not None else "unknown distribution"
            raise PluginImportError(
                f"{kind} plugin {name!r} ({ep.value}, from {dist}) failed to import: "
                f"{type(exc).__name__}: {exc}",
                "fix or uninstall the plugin distribution",
            ) from None
    return None


def standard_library_origin(obj: object) -> str | None:
    """The standard-library module ``obj`` comes from, or None.

    A handler or transform named by dotted path is code the manifest's author wrote;
    nothing from the standard library or builtins is one (``os:system``,
    ``builtins:eval``, ``subprocess:call``), so such a reference is refused before any
    part of it is called, even when its signature would accept the arguments.
    """
    module = getattr(obj, "__module__", None)
    if not isinstance(module, str):
        return None
    top = module.partition(".")[0]
    return module if top in sys.stdlib_module_names else None
