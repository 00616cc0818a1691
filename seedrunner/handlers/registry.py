"""Handler names -> handler classes: built-ins, then entry points, then ``package.module:Class``.

Resolving a dotted path imports the module, which runs its import-time code: a manifest is
code, like ``conftest.py``.  What this module guarantees is that the object it hands back is
a class implementing the handler protocol, checked *before* anything is called, so
``handler: os:system`` is refused rather than run.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from seedrunner.errors import SeedrunnerError
from seedrunner.handlers.adapters import is_save_style, save_handler
from seedrunner.handlers.base import HandlerOptions
from seedrunner.plugins import (
    HANDLER_GROUP,
    PluginImportError,
    entry_point_names,
    load_entry_point,
    standard_library_origin,
)

ENTRY_POINT_GROUP = HANDLER_GROUP

# Built-in handlers by name, imported on first use: a run that writes files never imports
# SQLAlchemy's drivers, httpx or redis.
_BUILTIN_PATHS: dict[str, str] = {
    "sqlalchemy": "seedrunner.handlers.sqlalchemy:SqlAlchemyHandler",
    "jsonl": "seedrunner.handlers.files:JsonlHandler",
    "json": "seedrunner.handlers.files:JsonHandler",
    "csv": "seedrunner.handlers.files:CsvHandler",
    "stdout": "seedrunner.handlers.stdout:StdoutHandler",
    "sqlite-json": "seedrunner.handlers.sqlitejson:SqliteJsonHandler",
    "redis": "seedrunner.handlers.redisstore:RedisHandler",
    "postgres-jsonb": "seedrunner.handlers.pgjsonb:PostgresJsonbHandler",
    "http": "seedrunner.handlers.http:HttpHandler",
    "http-async": "seedrunner.handlers.http:AsyncHttpHandler",
}


class _Builtins(Mapping[str, type[Any]]):
    def __init__(self, paths: dict[str, str]) -> None:
        self._paths = paths
        self._loaded: dict[str, type[Any]] = {}

    def __getitem__(self, name: str) -> type[Any]:
        if name not in self._loaded:
            module, _, attr = self._paths[name].partition(":")
            self._loaded[name] = getattr(importlib.import_module(module), attr)
        return self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)


BUILTIN: Mapping[str, type[Any]] = _Builtins(_BUILTIN_PATHS)

_PROTOCOL_METHODS = ("open", "write", "close")


class UnknownHandlerError(SeedrunnerError):
    """A ``handler:`` value names nothing usable; a manifest error (exit 2)."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if hint is None else f"{message} (hint: {hint})")


def resolve_handler(
    name: str, *, base_dir: Path | None = None, python_path: Sequence[Path] = ()
) -> type[Any]:
    """The handler class for ``name``; dotted-path modules are searched in the manifest's
    ``python_path`` folders, then ``base_dir``, then ``sys.path``."""
    if name in BUILTIN:
        return BUILTIN[name]
    plugin = _entry_point(name)
    if plugin is not None:
        return plugin
    if ":" in name:
        return _dotted(name, [*python_path, *([base_dir] if base_dir else [])])
    raise UnknownHandlerError(f"unknown handler {name!r}", _suggest(name))


def _suggest(name: str) -> str:
    known = sorted(BUILTIN) + sorted(_entry_point_names())
    close = difflib.get_close_matches(name, known, n=1)
    maybe = f"did you mean {close[0]!r}? " if close else ""
    return f"{maybe}built-ins: {', '.join(BUILTIN)}; or a 'package.module:Class' path"


def _entry_point_names() -> list[str]:
    return entry_point_names(ENTRY_POINT_GROUP)


def _entry_point(name: str) -> type[Any] | None:
    try:
        found = load_entry_point(ENTRY_POINT_GROUP, name, "handler")
    except PluginImportError as exc:
        raise UnknownHandlerError(exc.message, exc.hint) from None
    if found is None:
        return None
    obj, value = found
    return _check_handler_class(obj, f"{name} ({value})")


def _dotted(path: str, folders: Sequence[Path]) -> type[Any]:
    module_name, _, attr = path.partition(":")
    if not module_name or not attr or not all(p.isidentifier() for p in attr.split(".")):
        raise UnknownHandlerError(
            f"handler path {path!r} is malformed", "write it as 'package.module:Class'"
        )
    try:
        with _search_path(folders):
            module = importlib.import_module(module_name)
    except ImportError as exc:
        searched = ", ".join(str(f) for f in folders)
        where = f" (searched {searched} and sys.path)" if folders else ""
        raise UnknownHandlerError(
            f"cannot import {module_name!r} for handler {path!r} ({exc}){where}",
            "check the module name and python_path",
        ) from None
    obj: object = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            names = [n for n in dir(obj) if not n.startswith("_")]
            close = difflib.get_close_matches(part, names, n=1)
            hint = f"did you mean {close[0]!r}?" if close else None
            raise UnknownHandlerError(f"{module_name!r} has no attribute {attr!r}", hint)
        obj = getattr(obj, part)
    origin = standard_library_origin(obj)
    if origin is not None:
        raise UnknownHandlerError(
            f"{path!r} is not a handler class (it comes from the standard library: {origin})",
            "a handler is a class you wrote with Options, open(ctx), write(batch), close(error)",
        )
    return _check_handler_class(obj, path)


@contextmanager
def _search_path(folders: Sequence[Path]) -> Iterator[None]:
    """Put the manifest's folders first on sys.path for the import, then take them off."""
    added = [str(f) for f in folders if str(f) not in sys.path]
    for entry in reversed(added):
        sys.path.insert(0, entry)
    try:
        yield
    finally:
        for entry in added:
            if entry in sys.path:
                sys.path.remove(entry)


def _check_handler_class(obj: object, label: str) -> type[Any]:
    """The handler class for ``obj``; anything else is refused without being called.

    A handler class (sync or async methods) is taken as it is; a polyfactory-style object
    or class with ``save_many``/``save`` is wrapped (``adapters.save_handler``).
    """
    if is_save_style(obj):
        return save_handler(obj, label)
    if not inspect.isclass(obj):
        kind = "function" if inspect.isroutine(obj) else type(obj).__name__
        raise UnknownHandlerError(
            f"{label!r} is not a handler class (it is a {kind})",
            "a handler is a class with Options, open(ctx), write(batch) and close(error)",
        )
    missing = [m for m in _PROTOCOL_METHODS if not callable(inspect.getattr_static(obj, m, None))]
    if missing:
        raise UnknownHandlerError(
            f"{label!r} is not a handler class (missing {', '.join(missing)})",
            "a handler is a class with Options, open(ctx), write(batch) and close(error)",
        )
    options = inspect.getattr_static(obj, "Options", None)
    if not (inspect.isclass(options) and issubclass(options, HandlerOptions)):
        raise UnknownHandlerError(
            f"{label!r} is not a handler class (no Options model extending HandlerOptions)",
            "give it `Options: ClassVar[type[HandlerOptions]] = MyOptions`",
        )
    return obj


def options_of(cls: type[Any]) -> type[HandlerOptions]:
    """The Options model of a resolved handler class."""
    options: type[HandlerOptions] = inspect.getattr_static(cls, "Options")
    return options


def handler_options_schema(
    *, include_plugins: bool = False
) -> list[tuple[str, type[HandlerOptions]]]:
    """(name, Options class) of each handler, for ``seedrunner handlers``.

    Plugins are only listed when asked for, because listing them imports them.
    """
    rows = [(n, options_of(cls)) for n, cls in BUILTIN.items()]
    if include_plugins:
        for name in sorted(set(_entry_point_names()) - set(BUILTIN)):
            cls = _entry_point(name)
            if cls is not None:
                rows.append((name, options_of(cls)))
    return rows
