"""Overlay manifests: ``extends`` (a base file underneath) and ``--set KEY=VALUE``.

Both keep the SourceMap honest: after an overlay every path still points at the file (or
the ``--set`` argument) its value came from, so later errors name the right place.

``--set`` positions: the overrides form a pseudo-file named ``--set`` whose line N is the
N-th ``--set`` argument; a key is located at column 1 and its value at the column where
VALUE starts inside ``KEY=VALUE`` (parts of a flow value at their own columns).

Problem codes: SR-E007 extends, SR-E008 ``--set``.
"""

from __future__ import annotations

import copy
import difflib
import os
import pathlib
import re
from collections.abc import Callable, Sequence
from typing import Any

from seedrunner.errors import ManifestError, Problem, SourceLocation
from seedrunner.manifest.source import Path, SourceMap, dotted
from seedrunner.manifest.yaml import LoadedDocument, load_yaml_file, read_value

EXTENDS = "extends"
_SEGMENT = re.compile(r'"([^"]*)"|([^.\[\]"]+)|\[(\d+)\]|(\.)')

Loader = Callable[[pathlib.Path], LoadedDocument]


# -- extends -------------------------------------------------------------------------------


def resolve_extends(
    doc: LoadedDocument, *, path: pathlib.Path, load: Loader = load_yaml_file
) -> LoadedDocument:
    """``doc`` laid over the chain of files it extends (maps merge, lists and scalars replace).

    ``path`` is where ``doc`` was read from; ``extends`` is relative to it.  The result has
    no ``extends`` key, and its SourceMap points each path at the file that supplied it.
    """
    here = path.resolve()
    return _resolve(doc, here, load, [(here, doc.file)])


def _resolve(
    doc: LoadedDocument, here: pathlib.Path, load: Loader, chain: list[tuple[pathlib.Path, str]]
) -> LoadedDocument:
    if EXTENDS not in doc.data:
        return doc
    target = doc.data[EXTENDS]
    at = doc.source.locate((EXTENDS,))
    if target is None:
        return _without_extends(doc)
    if not isinstance(target, str) or not target.strip():
        raise _extends_error(f"extends must be a file path, got {target!r}", at)
    base_path = (here.parent / target).resolve()
    display = os.path.normpath(os.path.join(os.path.dirname(doc.file), target))
    if any(p == base_path for p, _ in chain):
        names = [name for _, name in chain]
        start = next(i for i, (p, _) in enumerate(chain) if p == base_path)
        loop = " -> ".join([*names[start:], names[start]])
        raise _extends_error(f"extends cycle: {loop}", at, "remove one of the extends keys")
    if not base_path.is_file():
        raise _extends_error(
            f"extends file '{target}' not found (resolved to {base_path})",
            at,
            "extends is relative to the file that names it",
        )
    base = _relabel(load(base_path), display)
    base = _resolve(base, base_path, load, [*chain, (base_path, display)])
    return _overlay(base, doc)


def _extends_error(
    message: str, at: SourceLocation | None, hint: str | None = None
) -> ManifestError:
    return ManifestError([Problem(message, at, EXTENDS, hint, "SR-E007")])


def _relabel(doc: LoadedDocument, display: str) -> LoadedDocument:
    """The same document, with its locations naming ``display`` (relative like the top file)."""
    old = doc.file

    def fix(loc: SourceLocation) -> SourceLocation:
        return SourceLocation(display, loc.line, loc.column) if loc.file == old else loc

    source = SourceMap(
        keys={p: fix(v) for p, v in doc.source.keys.items()},
        values={p: fix(v) for p, v in doc.source.values.items()},
        scalars=dict(doc.source.scalars),
        file=display,
    )
    return LoadedDocument(data=doc.data, source=source, file=display)


def _without_extends(doc: LoadedDocument) -> LoadedDocument:
    data = {k: v for k, v in doc.data.items() if k != EXTENDS}
    source = _copy_source(doc.source)
    source.drop((EXTENDS,))
    return LoadedDocument(data=data, source=source, file=doc.file)


def _merge(base: dict[str, Any], top: dict[str, Any], path: Path, replaced: set[Path]) -> Any:
    """``top`` over ``base``; collects in ``replaced`` the paths whose base value is gone."""
    out = dict(base)
    for key, value in top.items():
        kpath = (*path, key)
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value, kpath, replaced)
        else:
            out[key] = value
            replaced.add(kpath)
    return out


def _overlay(base: LoadedDocument, top: LoadedDocument) -> LoadedDocument:
    replaced: set[Path] = set()
    top_data = {k: v for k, v in top.data.items() if k != EXTENDS}
    data = copy.deepcopy(_merge(base.data, top_data, (), replaced))

    def kept(p: Path) -> bool:
        return not any(p[:n] in replaced for n in range(1, len(p) + 1))

    source = SourceMap(
        keys={p: v for p, v in base.source.keys.items() if kept(p)},
        values={p: v for p, v in base.source.values.items() if kept(p)},
        scalars={p: v for p, v in base.source.scalars.items() if kept(p)},
        file=top.file,
    )
    source.update(top.source)
    source.drop((EXTENDS,))
    return LoadedDocument(data=data, source=source, file=top.file)


# -- --set ---------------------------------------------------------------------------------


class _SetError(Exception):
    def __init__(self, message: str, key: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.problem = Problem(message, None, key, hint, "SR-E008")


def apply_overrides(doc: LoadedDocument, overrides: Sequence[str]) -> LoadedDocument:
    """``doc`` with each ``KEY=VALUE`` applied in order; every bad one is reported at once.

    KEY is a dotted path (``datasets.users.count``, ``persist[0]`` or ``persist.0`` for list
    items, ``locale_map."*.phone"`` for keys with dots).  Every part but the last must
    exist; the last may add a key to an existing mapping.  VALUE is read as YAML
    (see :func:`seedrunner.manifest.yaml.read_value`).
    """
    data = copy.deepcopy(doc.data)
    source = _copy_source(doc.source)
    problems: list[Problem] = []
    for index, arg in enumerate(overrides):
        try:
            _apply_one(data, source, arg, index + 1)
        except _SetError as e:
            problems.append(e.problem)
        except ManifestError as e:
            problems.extend(e.problems)
    if problems:
        raise ManifestError(problems)
    return LoadedDocument(data=data, source=source, file=doc.file)


def _copy_source(sm: SourceMap) -> SourceMap:
    return SourceMap(dict(sm.keys), dict(sm.values), dict(sm.scalars), sm.file)


def _parse_key(key: str) -> list[str | int]:
    """``a."b.c"[0].1`` -> ``["a", "b.c", 0, "1"]``; digit words index lists where needed."""
    parts: list[str | int] = []
    pos = 0
    expect_name = True
    for m in _SEGMENT.finditer(key):
        if m.start() != pos:
            break
        pos = m.end()
        quoted, name, index, dot = m.groups()
        if dot:
            if expect_name:
                break
            expect_name = True
            continue
        if index is not None:
            if not parts:
                break
            parts.append(int(index))
        else:
            if not expect_name:
                break
            parts.append(quoted if quoted is not None else name)
        expect_name = False
    if pos != len(key) or expect_name or not parts:
        raise _SetError(
            f"--set key '{key}' is not a valid path",
            key,
            "write dotted keys like datasets.users.count or persist[0]",
        )
    return parts


def _type_word(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    return {str: "a string", int: "an integer", float: "a number", type(None): "null"}.get(
        type(value), f"a {type(value).__name__}"
    )


def _step(node: Any, part: str | int, path: Path, key: str) -> tuple[Any, str | int]:
    """The child of ``node`` named by ``part`` (and the real path element), or a _SetError."""
    missing = f"--set path '{dotted((*path, part))}' does not exist"
    if isinstance(node, dict):
        name = str(part)
        if name in node:
            return node[name], name
        close = difflib.get_close_matches(name, [str(k) for k in node], n=1)
        if close:
            raise _SetError(missing, key, f"did you mean '{dotted((*path, close[0]))}'?")
        where = f"keys at '{dotted(path)}'" if path else "top-level keys"
        raise _SetError(missing, key, f"{where}: {', '.join(map(str, node)) or '(none)'}")
    if isinstance(node, list):
        if isinstance(part, int) or part.isdigit():
            i = int(part)
            if i < len(node):
                return node[i], i
        raise _SetError(
            f"--set path '{dotted((*path, part))}' does not exist",
            key,
            f"'{dotted(path)}' is a list of {len(node)} items (indexes from 0)",
        )
    raise _SetError(missing, key, f"'{dotted(path)}' is {_type_word(node)}, not a mapping or list")


def _apply_one(data: dict[str, Any], source: SourceMap, arg: str, line: int) -> None:
    key, eq, text = arg.partition("=")
    if not eq or not key.strip():
        raise _SetError(
            f"--set expects KEY=VALUE, got '{key}'", key, "e.g. --set datasets.users.count=10"
        )
    parts = _parse_key(key.strip())
    node: Any = data
    path: Path = ()
    for part in parts[:-1]:
        node, real = _step(node, part, path, key)
        path = (*path, real)
    last = parts[-1]
    if isinstance(node, dict) and isinstance(last, str):
        real_last: str | int = last
    else:
        _, real_last = _step(node, last, path, key)
    try:
        value, value_map = read_value(text)
    except ManifestError as e:
        raise ManifestError(
            [Problem(f"--set {key}: {p.message}", None, key, p.hint, "SR-E008") for p in e.problems]
        ) from None
    node[real_last] = value
    _record(source, (*path, real_last), value_map, line, len(key) + 1)


def _record(source: SourceMap, path: Path, value_map: SourceMap, line: int, shift: int) -> None:
    """Point ``path`` (and everything under it) at its ``--set`` argument."""

    def at(loc: SourceLocation | None) -> SourceLocation:
        column = loc.column + shift if loc is not None and loc.line == 1 else shift + 1
        return SourceLocation("--set", line, column)

    source.drop(path)
    source.keys[path] = SourceLocation("--set", line, 1)
    source.values[path] = at(None)
    for p, loc in value_map.values.items():
        source.values[path + p] = at(loc)
    for p, loc in value_map.keys.items():
        source.keys[path + p] = at(loc)
    for p, info in value_map.scalars.items():
        source.scalars[path + p] = info
