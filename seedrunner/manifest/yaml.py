"""Read manifest YAML safely, keeping the position of every key and value.

Why not ``yaml.safe_load``: it silently keeps the last of two duplicate keys, turns
``no`` into ``False`` without a trace, and walks alias bombs until memory runs out.  Here
PyYAML only scans, parses and composes (with limits checked while composing); turning
nodes into Python values is done by this module, which records positions into a
:class:`SourceMap` and never dispatches on a tag outside the core schema, so no Python
object is ever constructed from ``!!python/...`` tags.

Accepted explicit tags: ``!!str !!int !!float !!bool !!null !!timestamp`` on scalars,
``!!seq`` on sequences, ``!!map`` on mappings (and ``!!merge`` for ``<<``).  Every other
tag is refused.  An alias (``*name``) yields a fresh copy of the anchored value; positions
under it point at the anchor's definition, where those values were written.

Problem codes: SR-E001 syntax, SR-E002 duplicate key, SR-E003 YAML 1.1 surprise in a key,
SR-E004 tag, SR-E005 resource limit, SR-E006 empty or wrongly shaped document.
"""

from __future__ import annotations

import pathlib
import re
from dataclasses import dataclass
from typing import Any

import yaml  # type: ignore[import-untyped,unused-ignore]
from yaml.constructor import SafeConstructor  # type: ignore[import-untyped,unused-ignore]
from yaml.nodes import (  # type: ignore[import-untyped,unused-ignore]
    MappingNode,
    ScalarNode,
    SequenceNode,
)

from seedrunner.errors import ManifestError, Problem, SourceLocation
from seedrunner.manifest.source import SourceMap
from seedrunner.manifest.yamlerrors import as_error, reader_problem, syntax_problem
from seedrunner.manifest.yamlloader import CORE, Abort, Loader, check_expansion
from seedrunner.manifest.yamlsurprises import describe_surprise, kind_word

__all__ = [
    "LoadedDocument",
    "describe_surprise",
    "load_yaml",
    "load_yaml_file",
    "read_scalar",
    "read_value",
]

_EMPTY_HINT = "a manifest needs at least:\n    version: 1\n    datasets:\n      users: {count: 10}"


@dataclass
class LoadedDocument:
    """A manifest as read: plain data plus where each part of it was written."""

    data: dict[str, Any]
    source: SourceMap
    file: str


def _compose(loader: Loader, text: str) -> Any:
    """Compose and measure the single document; raise with every problem found so far."""
    try:
        root = loader.compose_single()
        if root is not None:
            check_expansion(root, loader)
        return root
    except Abort as e:
        raise as_error([*loader.problems, e.problem]) from None
    except yaml.reader.ReaderError as e:
        raise as_error([*loader.problems, reader_problem(e, text, loader.file)]) from None
    except yaml.MarkedYAMLError as e:
        raise as_error([*loader.problems, syntax_problem(e, loader.file)]) from None


def _is_empty(root: Any) -> bool:
    return root is None or (
        isinstance(root, ScalarNode) and root.tag == CORE + "null" and root.value == ""
    )


def _shape_word(root: Any, value: Any) -> str:
    if isinstance(root, SequenceNode):
        return "a list"
    if isinstance(value, str):
        return "a string"
    return kind_word(value)


#: libyaml's scanner and parser, when PyYAML was built with it (``yaml.cyaml`` exists then)
_CParser: Any = getattr(getattr(yaml, "cyaml", None), "CParser", None)
_NON_PRINTABLE = yaml.reader.Reader.NON_PRINTABLE
_DIRECTIVE = re.compile(r"^%", re.MULTILINE)


def _fast_loader(text: str, file: str) -> Loader | None:
    """A loader whose events come from libyaml (the pure-Python scanner is ~90% of reading a
    large manifest), or None when the text should take the reference path: libyaml absent,
    or text where the two could differ (tabs, a ``%`` directive, characters PyYAML's reader
    refuses).  Composing, limits and values stay this module's Python code; the fast path is
    only trusted with documents it reads without any problem, so every error message,
    position and hint comes from the pure-Python path (see ``load_yaml``)."""
    if _CParser is None or "\t" in text or _DIRECTIVE.search(text) or _NON_PRINTABLE.search(text):
        return None
    return _FastLoader(text, file)


if _CParser is not None:

    class _FastLoader(Loader, _CParser):  # type: ignore[misc,unused-ignore]
        check_event = _CParser.check_event
        peek_event = _CParser.peek_event
        get_event = _CParser.get_event
        dispose = _CParser.dispose

        def __init__(self, text: str, file: str) -> None:
            _CParser.__init__(self, text)
            yaml.composer.Composer.__init__(self)
            SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            self._setup(text, file)

        def compose_scalar_node(self, anchor: Any) -> Any:
            node = super().compose_scalar_node(anchor)
            if node.style == "":  # libyaml's style of a plain scalar; PyYAML's is None
                node.style = None
            return node


def load_yaml(text: str, *, file: str) -> LoadedDocument:
    """Read one manifest document; raise ManifestError listing every problem found."""
    fast = _fast_loader(text, file)
    if fast is not None:
        try:
            return _read(fast, text, file)
        except Exception:  # any problem at all: read again on the reference path
            pass
    return _read(_reference_loader(text, file), text, file)


def _reference_loader(text: str, file: str) -> Loader:
    """The pure-Python loader; its reader refuses control characters as it is built."""
    try:
        return Loader(text, file)
    except yaml.reader.ReaderError as e:
        raise as_error([reader_problem(e, text, file)]) from None


def _read(loader: Loader, text: str, file: str) -> LoadedDocument:
    try:
        root = _compose(loader, text)
        if _is_empty(root):
            loc = SourceLocation(file, 1, 1)
            loader.problems.append(Problem("manifest is empty", loc, "", _EMPTY_HINT, "SR-E006"))
            raise as_error(loader.problems)
        source = SourceMap(file=file)
        data = loader.value(root, (), source)
        if not isinstance(root, MappingNode) and not loader.problems:
            loader.add(
                f"top level must be a mapping (found {_shape_word(root, data)})",
                root.start_mark,
                "SR-E006",
                _EMPTY_HINT,
            )
        if loader.problems:
            raise as_error(loader.problems)
        return LoadedDocument(data=data, source=source, file=file)
    finally:
        loader.dispose()


def load_yaml_file(path: pathlib.Path, *, display: str | None = None) -> LoadedDocument:
    """Read a manifest file; ``display`` is the name errors show (default: the path)."""
    name = display if display is not None else str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ManifestError.single(
            f"manifest '{name}' not found", hint="check the path", code="SR-E006"
        ) from None
    except UnicodeDecodeError as e:
        raise ManifestError.single(
            f"manifest '{name}' is not UTF-8 text ({e.reason} at byte {e.start})",
            code="SR-E006",
        ) from None
    except OSError as e:
        raise ManifestError.single(
            f"cannot read manifest '{name}': {e.strerror}", code="SR-E006"
        ) from None
    return load_yaml(text, file=name)


def read_value(text: str, *, file: str = "--set") -> tuple[Any, SourceMap]:
    """One command-line value as YAML, with the positions of its parts.

    Flow values (``[a, b]``, ``{k: v}``) and scalars are read as YAML; text that would
    read as a block collection (``a: b``, ``- x``) or as nothing (``#x``) is kept as the
    plain string, and an empty value is the empty string.
    """
    source = SourceMap(file=file)
    if text.strip() == "":
        return "", source
    loader = _reference_loader(text, file)
    try:
        root = _compose(loader, text)
        if root is None or (isinstance(root, SequenceNode | MappingNode) and not root.flow_style):
            return text, SourceMap(file=file)
        value = loader.value(root, (), source)
        if loader.problems:
            raise as_error(loader.problems)
        return value, source
    finally:
        loader.dispose()


def read_scalar(text: str) -> Any:
    """Parse a ``--set`` VALUE as one safe YAML scalar or flow value (see read_value)."""
    return read_value(text)[0]
